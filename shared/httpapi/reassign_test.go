package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/stanzaportal/stanza/shared/auth"
	"github.com/stanzaportal/stanza/shared/httpapi"
	"github.com/stanzaportal/stanza/shared/pratica"
	"github.com/stanzaportal/stanza/shared/routes"
)

// office creates an office through the admins' API.
func (b backOffice) office(t *testing.T, id, name string, managers ...string) {
	t.Helper()
	body, err := json.Marshal(httpapi.OfficeRequest{Name: name, Managers: &managers})
	if err != nil {
		t.Fatal(err)
	}
	if w := b.as(t, adminBruno, "PUT", "/api/v1/tenants/esempio/admin/offices/"+id, string(body), nil); w.Code != http.StatusOK {
		t.Fatalf("office %s: got %d %s", id, w.Code, w.Body)
	}
}

// operator creates an operator through the admins' API.
func (b backOffice) operator(t *testing.T, username string, services, offices []string) {
	t.Helper()
	body, err := json.Marshal(httpapi.NewOperatorRequest{
		Username: username, Name: "Operatore " + username, Email: username + "@comune-esempio.example.org",
		Services: services, Offices: offices,
	})
	if err != nil {
		t.Fatal(err)
	}
	if w := b.as(t, adminBruno, "POST", "/api/v1/tenants/esempio/admin/operators", string(body), nil); w.Code != http.StatusOK {
		t.Fatalf("operator %s: got %d %s", username, w.Code, w.Body)
	}
}

// nurseryOperator is the principal of an operator of the nursery service.
func nurseryOperator(username string) auth.Principal {
	return auth.Principal{Role: routes.Operator, Subject: username, Tenant: "esempio", Services: []string{"iscrizione-asilo-nido"}}
}

// withOffices is a back office whose Comune has the school office,
// managed by capo, and the registry office, managed by altrocapo, with
// operators of the nursery service in them: lucia and piero at school,
// mista in both, spento at school but disabled, and zeno at school but not
// enabled for the nursery.
func withOffices(t *testing.T) backOffice {
	t.Helper()
	b := newBackOffice(t, false)
	b.office(t, "scuola", "Ufficio Scuola")
	b.office(t, "anagrafe", "Ufficio Anagrafe")
	nursery := []string{"iscrizione-asilo-nido"}
	for _, op := range []struct {
		username string
		services []string
		offices  []string
	}{
		{"capo", nursery, []string{"scuola"}},
		{"altrocapo", nursery, []string{"anagrafe"}},
		{"lucia", nursery, []string{"scuola"}},
		{"piero", nursery, []string{"scuola"}},
		{"mista", nursery, []string{"anagrafe", "scuola"}},
		{"spento", nursery, []string{"scuola"}},
		{"zeno", nil, []string{"scuola"}},
	} {
		b.operator(t, op.username, op.services, op.offices)
	}
	if w := b.as(t, adminBruno, "PATCH", "/api/v1/tenants/esempio/admin/operators/spento", `{"disabled":true}`, nil); w.Code != http.StatusOK {
		t.Fatalf("disable: got %d %s", w.Code, w.Body)
	}
	b.office(t, "scuola", "Ufficio Scuola", "capo")
	b.office(t, "anagrafe", "Ufficio Anagrafe", "altrocapo")
	return b
}

// TestReassignAuthorization: admins reassign any application; an operator
// only those of an office they manage, which is the application's office
// when it has one, otherwise the offices of whoever holds it; the new
// assignee must be able to work on it.
func TestReassignAuthorization(t *testing.T) {
	b := withOffices(t)
	tests := []struct {
		name string
		// held and heldOffice are who holds the application and for which
		// office, as an admin assigned it.
		held, heldOffice string
		who              auth.Principal
		to, toOffice     string
		want             int
		says             string
	}{
		{"AdminReassigns", "lucia", "", adminBruno, "piero", "", http.StatusOK, ""},
		{"ManagerOfTheHoldersOffice", "lucia", "", nurseryOperator("capo"), "piero", "", http.StatusOK, ""},
		{"ManagerOfTheApplicationsOffice", "mista", "anagrafe", nurseryOperator("altrocapo"), "altrocapo", "anagrafe", http.StatusOK, ""},
		{"ManagerHandsItToAnotherOffice", "lucia", "", nurseryOperator("capo"), "altrocapo", "anagrafe", http.StatusOK, ""},
		{"ApplicationsOfficeBeforeTheHolders", "mista", "anagrafe", nurseryOperator("capo"), "piero", "", http.StatusForbidden, "responsabile"},
		{"ManagerOfAnotherOffice", "lucia", "", nurseryOperator("altrocapo"), "piero", "", http.StatusForbidden, "responsabile"},
		{"PlainOperator", "lucia", "", nurseryOperator("piero"), "piero", "", http.StatusForbidden, "responsabile"},
		{"HolderIsNoManager", "lucia", "", nurseryOperator("lucia"), "piero", "", http.StatusForbidden, "responsabile"},
		{"ManagerWhoCannotSeeIt", "lucia", "", auth.Principal{Role: routes.Operator, Subject: "capo", Tenant: "esempio", Services: []string{"certificato-residenza"}}, "piero", "", http.StatusNotFound, "non esiste"},
		{"TargetDisabled", "lucia", "", nurseryOperator("capo"), "spento", "", http.StatusBadRequest, "disabilitato"},
		{"TargetNotEnabledForTheService", "lucia", "", nurseryOperator("capo"), "zeno", "", http.StatusBadRequest, "non è abilitato"},
		{"TargetNotInTheOffice", "lucia", "", nurseryOperator("capo"), "piero", "anagrafe", http.StatusBadRequest, "non lavora"},
		{"TargetMissing", "lucia", "", nurseryOperator("capo"), "nessuno", "", http.StatusBadRequest, "non esiste"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := b.submitted(t, "iscrizione-asilo-nido")
			target := "/api/v1/tenants/esempio/backoffice/applications/" + app.ID + "/transitions"
			if w := b.as(t, adminBruno, "POST", target, `{"event":"take-in-charge"}`, nil); w.Code != http.StatusOK {
				t.Fatalf("take in charge: got %d %s", w.Code, w.Body)
			}
			if w := b.as(t, adminBruno, "POST", target, reassignment(tt.held, tt.heldOffice), nil); w.Code != http.StatusOK {
				t.Fatalf("assign to %s: got %d %s", tt.held, w.Code, w.Body)
			}
			w := b.as(t, tt.who, "POST", target, reassignment(tt.to, tt.toOffice), nil)
			if w.Code != tt.want || !strings.Contains(w.Body.String(), tt.says) {
				t.Errorf("got %d %s, want %d saying %q", w.Code, w.Body, tt.want, tt.says)
			}
			got, err := b.apps.Get(context.Background(), "esempio", pratica.ActorOf(adminBruno), app.ID)
			if err != nil {
				t.Fatal(err)
			}
			wantHeld, wantOffice := tt.held, tt.heldOffice
			if tt.want == http.StatusOK {
				wantHeld, wantOffice = tt.to, tt.toOffice
			}
			if got.Assignee != wantHeld || got.Office != wantOffice {
				t.Errorf("got it held by %q for %q, want %q for %q", got.Assignee, got.Office, wantHeld, wantOffice)
			}
		})
	}
}

func reassignment(assignee, office string) string {
	body, _ := json.Marshal(map[string]string{"event": "reassign", "assignee": assignee, "office": office})
	return string(body)
}

// TestSessionSaysWhatOneManages: the back office learns from the session
// which offices' applications the operator may reassign.
func TestSessionSaysWhatOneManages(t *testing.T) {
	b := withOffices(t)
	b.office(t, "anagrafe", "Ufficio Anagrafe", "altrocapo", "capo")
	for _, tt := range []struct {
		name string
		who  auth.Principal
		want []string
	}{
		{"ManagerOfTwo", nurseryOperator("capo"), []string{"anagrafe", "scuola"}},
		{"PlainOperator", nurseryOperator("lucia"), nil},
		{"AdminManagingNothing", adminBruno, nil},
		{"Citizen", mario, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var got httpapi.SessionInfo
			decode(t, b.as(t, tt.who, "GET", "/api/v1/session", "", nil), http.StatusOK, &got)
			if !got.SignedIn || !slices.Equal(got.Manages, tt.want) {
				t.Errorf("got %+v, want signed in managing %q", got, tt.want)
			}
		})
	}
}
