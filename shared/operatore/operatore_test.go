package operatore

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/stanzaportal/stanza/shared/auth"
	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/routes"
	"github.com/stanzaportal/stanza/shared/store"
)

func TestCreate(t *testing.T) {
	a, _, _ := newAccounts(t)
	ctx := context.Background()
	mustCreate(t, a, "mario.rossi", RoleOperator, "")
	valid := NewOperator{Tenant: testTenant, Username: "anna_verdi-2", Name: "Anna Verdi", Email: "anna@comune.example.org", Role: RoleOperator}
	with := func(f func(n *NewOperator)) NewOperator {
		n := valid
		f(&n)
		return n
	}
	tests := []struct {
		name     string
		in       NewOperator
		wantCode fault.Code
	}{
		{"OKGeneratedPassword", valid, ""},
		{"OKGivenPassword", with(func(n *NewOperator) { n.Username = "bruno"; n.Password = testPassword }), ""},
		{"ErrUsernameTaken", with(func(n *NewOperator) { n.Username = "mario.rossi" }), fault.Conflict},
		{"ErrUsernameUpperCase", with(func(n *NewOperator) { n.Username = "Mario" }), fault.Invalid},
		{"ErrUsernameTooShort", with(func(n *NewOperator) { n.Username = "ab" }), fault.Invalid},
		{"ErrUsernameTooLong", with(func(n *NewOperator) { n.Username = strings.Repeat("a", 65) }), fault.Invalid},
		{"ErrUsernameEndsInDot", with(func(n *NewOperator) { n.Username = "mario." }), fault.Invalid},
		{"ErrBadTenant", with(func(n *NewOperator) { n.Tenant = "Esempio!" }), fault.Invalid},
		{"ErrNoName", with(func(n *NewOperator) { n.Name = "" }), fault.Invalid},
		{"ErrNameTooLong", with(func(n *NewOperator) { n.Name = strings.Repeat("a", 101) }), fault.Invalid},
		{"ErrBadEmail", with(func(n *NewOperator) { n.Email = "anna at comune" }), fault.Invalid},
		{"ErrEmailWithName", with(func(n *NewOperator) { n.Email = "Anna <anna@comune.example.org>" }), fault.Invalid},
		{"ErrBadRole", with(func(n *NewOperator) { n.Role = "root" }), fault.Invalid},
		{"ErrNoRole", with(func(n *NewOperator) { n.Role = "" }), fault.Invalid},
		{"ErrShortPassword", with(func(n *NewOperator) { n.Password = "corta" }), fault.Invalid},
		{"ErrPasswordHasUsername", with(func(n *NewOperator) { n.Password = "password-anna_verdi-2" }), fault.Invalid},
		{"ErrBadService", with(func(n *NewOperator) { n.Services = []string{"Asilo Nido"} }), fault.Invalid},
		{"ErrEmptyOffice", with(func(n *NewOperator) { n.Offices = []string{""} }), fault.Invalid},
		{"ErrOfficeNameForID", with(func(n *NewOperator) { n.Offices = []string{"Ufficio Scuola"} }), fault.Invalid},
		{"ErrTooManyOffices", with(func(n *NewOperator) { n.Offices = make([]string, maxOffices+1) }), fault.Invalid},
		{"ErrBadTOTPSecret", with(func(n *NewOperator) { n.Username = "carla"; n.TOTPSecret = "not base32!" }), fault.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op, password, err := a.Create(ctx, tt.in)
			if fault.CodeOf(err) != tt.wantCode {
				t.Fatalf("got %v, want code %q", err, tt.wantCode)
			}
			if err != nil {
				return
			}
			if (tt.in.Password == "") != (password != "") {
				t.Errorf("got initial password %q for given password %q, want one only when none was given", password, tt.in.Password)
			}
			if password != "" {
				if ok, _ := verifyPassword(stored(t, a, op.Username).PasswordHash, password); !ok {
					t.Error("the returned initial password does not match the stored hash")
				}
			}
			if op.Enrolled || op.CreatedAt.IsZero() || op.Username != tt.in.Username {
				t.Errorf("got %+v, want a new account, not enrolled, with its creation time", op)
			}
		})
	}
}

func TestCreateCleansServicesAndOffices(t *testing.T) {
	a, _, _ := newAccounts(t)
	op, _, err := a.Create(context.Background(), NewOperator{
		Tenant: testTenant, Username: "anna", Name: "Anna", Email: "anna@comune.example.org", Role: RoleOperator,
		Services: []string{"permesso-ztl", "accesso-atti", "permesso-ztl"},
		Offices:  []string{"scuola", "polizia-locale", "scuola"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"accesso-atti", "permesso-ztl"}; !slices.Equal(op.Services, want) {
		t.Errorf("services: got %q, want %q", op.Services, want)
	}
	if want := []string{"polizia-locale", "scuola"}; !slices.Equal(op.Offices, want) {
		t.Errorf("offices: got %q, want %q", op.Offices, want)
	}
}

// TestNoSecretLeavesThePackage checks that an Operator, which the HTTP
// layer shows to admins, has nothing secret, while the record has it all.
func TestNoSecretLeavesThePackage(t *testing.T) {
	a, _, _ := newAccounts(t)
	op := mustCreate(t, a, "anna", RoleOperator, "STANZADEMOSOLOPERUSOLOCALE234567")
	shown, err := json.Marshal(op)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"argon2id", "passwordHash", "totpSecret", "recoveryCodes", "failures"} {
		if strings.Contains(string(shown), secret) {
			t.Errorf("got %s in %s, want no secret shown", secret, shown)
		}
	}
	acc := stored(t, a, "anna")
	if !strings.HasPrefix(acc.PasswordHash, "$argon2id$") || len(acc.TOTPSecret) == 0 || !acc.Enrolled {
		t.Errorf("got record %+v, want the hash and the sealed secret, enrolled", acc)
	}
}

func TestPrincipal(t *testing.T) {
	tests := []struct {
		role Role
		want routes.Access
	}{
		{RoleOperator, routes.Operator},
		{RoleAdmin, routes.Admin},
		{"root", 0},
	}
	for _, tt := range tests {
		op := Operator{Username: "anna", Tenant: "esempio", Name: "Anna", Role: tt.role, Services: []string{"accesso-atti"}}
		p := op.Principal()
		if p.Role != tt.want || p.Subject != "anna" || p.Tenant != "esempio" || p.Name != "Anna" || !slices.Equal(p.Services, op.Services) {
			t.Errorf("role %s: got %+v, want role %v", tt.role, p, tt.want)
		}
	}
}

// The access patterns of package store, one test per row.

func TestAccessPatternOperatorByUsername(t *testing.T) {
	a, _, db := newAccounts(t)
	mustCreate(t, a, "mario.rossi", RoleOperator, "")
	it, err := db.Tenant(testTenant).Get(context.Background(), store.Key{PK: "operators", SK: "mario.rossi"})
	if err != nil {
		t.Fatalf("got %v, want the record at PK operators, SK the username", err)
	}
	if it.Version != 1 {
		t.Errorf("got version %d, want 1", it.Version)
	}
	if _, err := db.Tenant("altro").Get(context.Background(), store.Key{PK: "operators", SK: "mario.rossi"}); !fault.Is(err, fault.NotFound) {
		t.Errorf("another Comune's scope: got %v, want NotFound", err)
	}
	if _, err := a.Get(context.Background(), "altro", "mario.rossi"); !fault.Is(err, fault.NotFound) {
		t.Errorf("Get from another Comune: got %v, want NotFound", err)
	}
}

func TestAccessPatternOneOperatorForAdmin(t *testing.T) {
	a, _, _ := newAccounts(t)
	mustCreate(t, a, "mario.rossi", RoleOperator, "")
	got, err := a.Get(context.Background(), testTenant, "mario.rossi")
	if err != nil || got.Username != "mario.rossi" || got.Tenant != testTenant {
		t.Errorf("got %+v, %v; want mario.rossi of %s", got, err, testTenant)
	}
	if _, err := a.Get(context.Background(), testTenant, "nessuno"); !fault.Is(err, fault.NotFound) {
		t.Errorf("missing: got %v, want NotFound", err)
	}
}

func TestAccessPatternOperatorsOfAComune(t *testing.T) {
	a, _, _ := newAccounts(t)
	for _, u := range []string{"zeno", "anna", "mario.rossi"} {
		mustCreate(t, a, u, RoleOperator, "")
	}
	if _, _, err := a.Create(context.Background(), NewOperator{Tenant: "altro", Username: "bruno", Name: "Bruno", Email: "b@comune.example.org", Role: RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	list, err := a.List(context.Background(), testTenant)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, op := range list {
		got = append(got, op.Username)
	}
	if want := []string{"anna", "mario.rossi", "zeno"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q (by username, this Comune only)", got, want)
	}
}

func TestUpdate(t *testing.T) {
	a, _, _ := newAccounts(t)
	ctx := context.Background()
	mustCreate(t, a, "anna", RoleOperator, "")
	mustCreate(t, a, "capo", RoleAdmin, "")
	admin := auth.Principal{Role: routes.Admin, Subject: "capo", Tenant: testTenant}
	admRole, opRole, yes, no := RoleAdmin, RoleOperator, true, false
	services := []string{"permesso-ztl", "accesso-atti"}
	offices := []string{"urp"}
	badServices := []string{"NO"}
	badOffices := []string{"Ufficio Relazioni con il Pubblico"}
	tests := []struct {
		name     string
		username string
		change   Change
		wantCode fault.Code
		check    func(t *testing.T, op Operator)
	}{
		{"OKServices", "anna", Change{Services: &services}, "", func(t *testing.T, op Operator) {
			if !slices.Equal(op.Services, []string{"accesso-atti", "permesso-ztl"}) {
				t.Errorf("got services %q", op.Services)
			}
		}},
		{"OKOffices", "anna", Change{Offices: &offices}, "", func(t *testing.T, op Operator) {
			if !slices.Equal(op.Offices, offices) || len(op.Services) != 2 {
				t.Errorf("got offices %q and services %q, want offices changed and services kept", op.Offices, op.Services)
			}
		}},
		{"OKPromote", "anna", Change{Role: &admRole}, "", func(t *testing.T, op Operator) {
			if op.Role != RoleAdmin {
				t.Errorf("got role %s", op.Role)
			}
		}},
		{"OKDisable", "anna", Change{Disabled: &yes}, "", func(t *testing.T, op Operator) {
			if !op.Disabled {
				t.Error("got enabled, want disabled")
			}
		}},
		{"OKOwnServices", "capo", Change{Services: &services}, "", nil},
		{"OKOwnEnable", "capo", Change{Disabled: &no}, "", nil},
		{"ErrDisableSelf", "capo", Change{Disabled: &yes}, fault.Forbidden, nil},
		{"ErrDemoteSelf", "capo", Change{Role: &opRole}, fault.Forbidden, nil},
		{"ErrNothing", "anna", Change{}, fault.Invalid, nil},
		{"ErrBadServices", "anna", Change{Services: &badServices}, fault.Invalid, nil},
		{"ErrOfficeNameForID", "anna", Change{Offices: &badOffices}, fault.Invalid, nil},
		{"ErrMissing", "nessuno", Change{Disabled: &yes}, fault.NotFound, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op, err := a.Update(ctx, testTenant, tt.username, tt.change, admin)
			if fault.CodeOf(err) != tt.wantCode {
				t.Fatalf("got %v, want code %q", err, tt.wantCode)
			}
			if tt.check != nil {
				tt.check(t, op)
				if got, _ := a.Get(ctx, testTenant, tt.username); !slices.Equal(got.Services, op.Services) || got.Role != op.Role || got.Disabled != op.Disabled {
					t.Errorf("stored %+v, want the returned %+v", got, op)
				}
			}
		})
	}
	if got, _ := a.Get(ctx, testTenant, "capo"); got.Disabled || got.Role != RoleAdmin {
		t.Errorf("got the acting admin as %+v, want still an enabled admin", got)
	}
}

func TestEnabled(t *testing.T) {
	a, _, _ := newAccounts(t)
	ctx := context.Background()
	mustCreate(t, a, "anna", RoleOperator, "")
	mustCreate(t, a, "spento", RoleOperator, "")
	yes := true
	if _, err := a.Update(ctx, testTenant, "spento", Change{Disabled: &yes}, auth.Principal{}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, tenant, username string
		want                   bool
	}{
		{"OKEnabled", testTenant, "anna", true},
		{"Disabled", testTenant, "spento", false},
		{"Missing", testTenant, "nessuno", false},
		{"OtherComune", "altro", "anna", false},
		{"BadUsername", testTenant, "Anna Verdi", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := a.Enabled(ctx, tt.tenant, tt.username)
			if err != nil || got != tt.want {
				t.Errorf("got %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestResetSecondFactor(t *testing.T) {
	a, clk, _ := newAccounts(t)
	ctx := context.Background()
	mustCreate(t, a, "anna", RoleOperator, "STANZADEMOSOLOPERUSOLOCALE234567")
	next, err := a.SignIn(ctx, testTenant, "192.0.2.1", "anna", testPassword)
	if err != nil || next.Step != StepTOTP {
		t.Fatalf("before: got %+v, %v; want the TOTP step", next, err)
	}
	op, err := a.ResetSecondFactor(ctx, testTenant, "anna")
	if err != nil || op.Enrolled {
		t.Fatalf("got %+v, %v; want not enrolled", op, err)
	}
	if acc := stored(t, a, "anna"); acc.TOTPSecret != nil || acc.RecoveryCodes != nil || acc.TOTPLastStep != 0 {
		t.Errorf("got record %+v, want secret, codes and last step cleared", acc)
	}
	// A challenge from before the reset no longer signs in with the old app.
	_, err = a.VerifyTOTP(ctx, testTenant, "192.0.2.1", next.Challenge, code(t, "STANZADEMOSOLOPERUSOLOCALE234567", clk.now))
	if !fault.Is(err, fault.Invalid) {
		t.Errorf("old challenge: got %v, want Invalid (sign in again)", err)
	}
	next, err = a.SignIn(ctx, testTenant, "192.0.2.1", "anna", testPassword)
	if err != nil || next.Step != StepEnrol || next.Enrolment == nil || next.Enrolment.Secret == "STANZADEMOSOLOPERUSOLOCALE234567" {
		t.Errorf("after: got %+v, %v; want enrolment of a new secret", next, err)
	}
	if _, err := a.ResetSecondFactor(ctx, testTenant, "nessuno"); !fault.Is(err, fault.NotFound) {
		t.Errorf("missing: got %v, want NotFound", err)
	}
}
