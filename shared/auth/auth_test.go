package auth

import (
	"context"
	"testing"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/routes"
)

func TestAuthorize(t *testing.T) {
	var (
		anonymous = Principal{}
		citizen   = Principal{Role: routes.Citizen, Subject: "RSSMRA80A01H501U", Level: SpidL2}
		operator  = Principal{Role: routes.Operator, Subject: "anna", Tenant: "esempio"}
		admin     = Principal{Role: routes.Admin, Subject: "bruno", Tenant: "esempio"}
		partner   = Principal{Role: routes.Partner, Subject: "key1", Tenant: "esempio"}
		// Staff of another Comune.
		otherOperator = Principal{Role: routes.Operator, Subject: "carla", Tenant: "altro"}
		otherAdmin    = Principal{Role: routes.Admin, Subject: "dario", Tenant: "altro"}
		otherPartner  = Principal{Role: routes.Partner, Subject: "key2", Tenant: "altro"}
	)
	route := func(a routes.Access, path string) routes.Route {
		return routes.Route{Method: "GET", Path: path, Access: a}
	}
	const tenantPath, globalPath = "/x/{tenant}/y", "/x"
	tests := []struct {
		name    string
		p       Principal
		rt      routes.Route
		tenant  string
		wantErr fault.Code
	}{
		{"PublicAdmitsAnonymous", anonymous, route(routes.Public, tenantPath), "esempio", ""},
		{"PublicAdmitsCitizen", citizen, route(routes.Public, globalPath), "", ""},
		{"PublicAdmitsStaffOfAnotherComune", otherOperator, route(routes.Public, tenantPath), "esempio", ""},
		{"PublicAdmitsPartnerOfAnotherComune", otherPartner, route(routes.Public, tenantPath), "esempio", ""},
		{"PublicWithOthersAdmitsAnonymous", anonymous, route(routes.Public|routes.Citizen, tenantPath), "esempio", ""},

		{"CitizenRouteAnonymousUnauthorized", anonymous, route(routes.Citizen, globalPath), "", fault.Unauthorized},
		{"CitizenRouteAdmitsCitizen", citizen, route(routes.Citizen, globalPath), "", ""},
		{"CitizenRouteAdmitsCitizenInAnyComune", citizen, route(routes.Citizen, tenantPath), "altro", ""},
		{"CitizenRouteForbidsOperator", operator, route(routes.Citizen, tenantPath), "esempio", fault.Forbidden},
		{"CitizenRouteForbidsAdmin", admin, route(routes.Citizen, tenantPath), "esempio", fault.Forbidden},
		{"CitizenRouteForbidsPartner", partner, route(routes.Citizen, tenantPath), "esempio", fault.Forbidden},

		{"OperatorRouteAnonymousUnauthorized", anonymous, route(routes.Operator, tenantPath), "esempio", fault.Unauthorized},
		{"OperatorRouteAdmitsOperator", operator, route(routes.Operator, tenantPath), "esempio", ""},
		{"OperatorRouteAdmitsAdmin", admin, route(routes.Operator, tenantPath), "esempio", ""},
		{"OperatorRouteForbidsCitizen", citizen, route(routes.Operator, tenantPath), "esempio", fault.Forbidden},
		{"OperatorRouteForbidsPartner", partner, route(routes.Operator, tenantPath), "esempio", fault.Forbidden},
		{"OperatorRouteForbidsOperatorOfAnotherComune", otherOperator, route(routes.Operator, tenantPath), "esempio", fault.Forbidden},
		{"OperatorRouteForbidsAdminOfAnotherComune", otherAdmin, route(routes.Operator, tenantPath), "esempio", fault.Forbidden},
		{"OperatorRouteWithoutTenantAdmitsAnyOperator", otherOperator, route(routes.Operator, globalPath), "", ""},

		{"AdminRouteAdmitsAdmin", admin, route(routes.Admin, tenantPath), "esempio", ""},
		{"AdminRouteForbidsOperator", operator, route(routes.Admin, tenantPath), "esempio", fault.Forbidden},
		{"AdminRouteForbidsCitizen", citizen, route(routes.Admin, tenantPath), "esempio", fault.Forbidden},
		{"AdminRouteForbidsPartner", partner, route(routes.Admin, tenantPath), "esempio", fault.Forbidden},
		{"AdminRouteForbidsAdminOfAnotherComune", otherAdmin, route(routes.Admin, tenantPath), "esempio", fault.Forbidden},
		{"AdminRouteAnonymousUnauthorized", anonymous, route(routes.Admin, tenantPath), "esempio", fault.Unauthorized},

		{"PartnerRouteAdmitsPartner", partner, route(routes.Partner, tenantPath), "esempio", ""},
		{"PartnerRouteForbidsPartnerOfAnotherComune", otherPartner, route(routes.Partner, tenantPath), "esempio", fault.Forbidden},
		{"PartnerRouteForbidsAdmin", admin, route(routes.Partner, tenantPath), "esempio", fault.Forbidden},
		{"PartnerRouteAnonymousUnauthorized", anonymous, route(routes.Partner, tenantPath), "esempio", fault.Unauthorized},

		{"CitizenOrPartnerAdmitsCitizen", citizen, route(routes.Citizen|routes.Partner, tenantPath), "esempio", ""},
		{"CitizenOrPartnerAdmitsPartner", partner, route(routes.Citizen|routes.Partner, tenantPath), "esempio", ""},
		{"CitizenOrPartnerForbidsOtherPartner", otherPartner, route(routes.Citizen|routes.Partner, tenantPath), "esempio", fault.Forbidden},
		{"CitizenOrPartnerForbidsOperator", operator, route(routes.Citizen|routes.Partner, tenantPath), "esempio", fault.Forbidden},
		{"CitizenOrOperatorAdmitsAdmin", admin, route(routes.Citizen|routes.Operator, tenantPath), "esempio", ""},
		{"CitizenOrOperatorForbidsOtherAdmin", otherAdmin, route(routes.Citizen|routes.Operator, tenantPath), "esempio", fault.Forbidden},

		// A principal whose role is not one of the four is nobody the table
		// names: refused, never admitted.
		{"UnknownRoleForbidden", Principal{Role: routes.Access(1 << 6), Subject: "x", Tenant: "esempio"}, route(routes.Citizen|routes.Operator|routes.Admin|routes.Partner, tenantPath), "esempio", fault.Forbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fault.CodeOf(Authorize(tt.p, tt.rt, tt.tenant)); got != tt.wantErr {
				t.Errorf("got %q, want %q", got, tt.wantErr)
			}
		})
	}
}

// TestAuthorizeEveryTableRoute checks that the table's own routes follow
// the rules: each role passes exactly where the route's Access names it.
func TestAuthorizeEveryTableRoute(t *testing.T) {
	roles := []routes.Access{routes.Citizen, routes.Operator, routes.Admin, routes.Partner}
	for _, rt := range routes.Table {
		for _, role := range roles {
			p := Principal{Role: role, Subject: "s", Tenant: "esempio"}
			if role == routes.Citizen {
				p.Tenant = ""
			}
			want := rt.Access.Has(routes.Public) || rt.Access.Has(role) || (role == routes.Admin && rt.Access.Has(routes.Operator))
			if got := Authorize(p, rt, "esempio") == nil; got != want {
				t.Errorf("%s as %s: got allowed=%v, want %v", rt.Pattern(), role, got, want)
			}
		}
	}
}

func TestLevel(t *testing.T) {
	tests := []struct {
		level     Level
		wantRank  int
		wantValid bool
	}{
		{SpidL1, 1, true},
		{SpidL2, 2, true},
		{SpidL3, 3, true},
		{CIE, 3, true},
		{"", 0, false},
		{"spid-l4", 0, false},
		{"SPID-L2", 0, false},
	}
	for _, tt := range tests {
		t.Run(string(tt.level), func(t *testing.T) {
			if got := tt.level.Rank(); got != tt.wantRank {
				t.Errorf("Rank: got %d, want %d", got, tt.wantRank)
			}
			if got := tt.level.Valid(); got != tt.wantValid {
				t.Errorf("Valid: got %v, want %v", got, tt.wantValid)
			}
		})
	}
}

func TestSatisfies(t *testing.T) {
	tests := []struct {
		have, min Level
		want      bool
	}{
		{SpidL1, SpidL1, true},
		{SpidL1, SpidL2, false},
		{SpidL2, SpidL1, true},
		{SpidL2, SpidL3, false},
		{SpidL3, SpidL2, true},
		{SpidL3, CIE, true},
		{CIE, SpidL3, true},
		{CIE, SpidL2, true},
		{"", SpidL1, false},
		{"", "", false},
		{"bogus", SpidL1, false},
	}
	for _, tt := range tests {
		if got := tt.have.Satisfies(tt.min); got != tt.want {
			t.Errorf("%q satisfies %q: got %v, want %v", tt.have, tt.min, got, tt.want)
		}
	}
}

func TestRequireLevel(t *testing.T) {
	tests := []struct {
		name    string
		p       Principal
		min     Level
		wantErr fault.Code
	}{
		{"SameLevel", Principal{Role: routes.Citizen, Subject: "x", Level: SpidL2}, SpidL2, ""},
		{"HigherLevel", Principal{Role: routes.Citizen, Subject: "x", Level: SpidL3}, SpidL2, ""},
		{"CIEMeetsL3", Principal{Role: routes.Citizen, Subject: "x", Level: CIE}, SpidL3, ""},
		{"LowerLevelForbidden", Principal{Role: routes.Citizen, Subject: "x", Level: SpidL1}, SpidL2, fault.Forbidden},
		{"NoLevelForbidden", Principal{Role: routes.Citizen, Subject: "x"}, SpidL1, fault.Forbidden},
		{"AnonymousUnauthorized", Principal{}, SpidL1, fault.Unauthorized},
		{"OperatorUnauthorized", Principal{Role: routes.Operator, Subject: "anna", Tenant: "esempio"}, SpidL1, fault.Unauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fault.CodeOf(RequireLevel(tt.p, tt.min)); got != tt.wantErr {
				t.Errorf("got %q, want %q", got, tt.wantErr)
			}
		})
	}
}

func TestContext(t *testing.T) {
	if p := FromContext(context.Background()); !p.Anonymous() {
		t.Errorf("empty context: got %+v, want anonymous", p)
	}
	want := Principal{Role: routes.Admin, Subject: "bruno", Tenant: "esempio"}
	if got := FromContext(NewContext(context.Background(), want)); got.Role != want.Role || got.Subject != want.Subject || got.Tenant != want.Tenant {
		t.Errorf("got %+v, want %+v", got, want)
	}
}
