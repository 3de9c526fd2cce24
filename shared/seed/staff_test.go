package seed

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/stanzaportal/stanza/shared/operatore"
	"github.com/stanzaportal/stanza/shared/servizio"
	"github.com/stanzaportal/stanza/shared/store/boltstore/bolttest"
	"github.com/stanzaportal/stanza/shared/ufficio"
)

// unstaffed returns the accounts and offices over a store with the demo
// Comune and no staff yet.
func unstaffed(t *testing.T) (*operatore.Accounts, *ufficio.Store) {
	t.Helper()
	db := bolttest.DB(t)
	accounts, err := operatore.New(db, operatore.Keys{TOTP: bytes.Repeat([]byte{1}, 32), Challenges: bytes.Repeat([]byte{2}, 32)})
	if err != nil {
		t.Fatal(err)
	}
	if err := Demo(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	return accounts, ufficio.NewStore(db, accounts)
}

func staffed(t *testing.T) (*operatore.Accounts, *ufficio.Store) {
	t.Helper()
	accounts, offices := unstaffed(t)
	if err := Staff(context.Background(), accounts, offices); err != nil {
		t.Fatalf("Staff: %v", err)
	}
	return accounts, offices
}

// TestStaffSignsIn signs in as each seeded account with the published
// password and a code from the published TOTP secret, as the README says.
func TestStaffSignsIn(t *testing.T) {
	accounts, _ := staffed(t)
	ctx := context.Background()
	tests := []struct {
		username, password string
		wantRole           operatore.Role
	}{
		{DemoAdminUsername, DemoAdminPassword, operatore.RoleAdmin},
		{DemoOperatorUsername, DemoOperatorPassword, operatore.RoleOperator},
	}
	for _, tt := range tests {
		t.Run(tt.username, func(t *testing.T) {
			next, err := accounts.SignIn(ctx, "esempio", "192.0.2.1", tt.username, tt.password)
			if err != nil || next.Step != operatore.StepTOTP {
				t.Fatalf("password: got %+v, %v; want the TOTP step (already enrolled)", next, err)
			}
			code, err := totp.GenerateCode(DemoTOTPSecret, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			op, err := accounts.VerifyTOTP(ctx, "esempio", "192.0.2.1", next.Challenge, code)
			if err != nil {
				t.Fatalf("TOTP: %v", err)
			}
			if op.Role != tt.wantRole || op.Tenant != "esempio" || op.Disabled {
				t.Errorf("got %+v, want an enabled %s of esempio", op, tt.wantRole)
			}
		})
	}
}

func TestStaffOperatorHandlesPublishedServices(t *testing.T) {
	accounts, offices := staffed(t)
	op, err := accounts.Get(context.Background(), "esempio", DemoOperatorUsername)
	if err != nil {
		t.Fatal(err)
	}
	if len(op.Services) == 0 || len(op.Offices) == 0 {
		t.Fatalf("got %+v, want services and offices", op)
	}
	for _, slug := range op.Services {
		i := slices.IndexFunc(demoServices, func(s servizio.Service) bool { return s.Slug == slug })
		if i < 0 || demoServices[i].Status != servizio.Published {
			t.Errorf("service %q: want a published service of the demo catalogue", slug)
		}
	}
	if err := offices.Require(context.Background(), "esempio", op.Offices); err != nil {
		t.Errorf("offices %q: got %v, want offices of the demo Comune", op.Offices, err)
	}
}

// TestStaffOffices: every office a service sheet names is a record, and
// the demo operator manages the school office.
func TestStaffOffices(t *testing.T) {
	_, offices := staffed(t)
	ctx := context.Background()
	list, err := offices.List(ctx, "esempio")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range demoServices {
		if s.Office != "" && !slices.ContainsFunc(list, func(o ufficio.Office) bool { return o.Name == s.Office }) {
			t.Errorf("service %s: office %q is not a record of the Comune", s.Slug, s.Office)
		}
	}
	managed, err := offices.Managed(ctx, "esempio", DemoOperatorUsername)
	if err != nil || !slices.Equal(managed, []string{officeScuola}) {
		t.Errorf("the demo operator manages %q (%v), want [%s]", managed, err, officeScuola)
	}
}

// TestStaffOfficeOfADisabledOperator: a store whose demo operator an admin
// disabled before offices had records still gets its offices, the school
// office without a manager.
func TestStaffOfficeOfADisabledOperator(t *testing.T) {
	accounts, offices := unstaffed(t)
	ctx := context.Background()
	for _, n := range demoStaff {
		if _, _, err := accounts.Create(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	yes := true
	if _, err := accounts.Update(ctx, "esempio", DemoOperatorUsername, operatore.Change{Disabled: &yes}, operatore.Operator{}.Principal()); err != nil {
		t.Fatal(err)
	}
	if err := Staff(ctx, accounts, offices); err != nil {
		t.Fatalf("Staff: %v", err)
	}
	o, err := offices.Get(ctx, "esempio", officeScuola)
	if err != nil || len(o.Managers) != 0 {
		t.Errorf("got %+v, %v; want the school office without a manager", o, err)
	}
}

func TestStaffTwiceChangesNothing(t *testing.T) {
	accounts, offices := staffed(t)
	ctx := context.Background()
	before, err := accounts.List(ctx, "esempio")
	if err != nil {
		t.Fatal(err)
	}
	if len(before) != 2 {
		t.Fatalf("got %d accounts, want 2", len(before))
	}
	yes := true
	if _, err := accounts.Update(ctx, "esempio", DemoOperatorUsername, operatore.Change{Disabled: &yes}, operatore.Operator{}.Principal()); err != nil {
		t.Fatal(err)
	}
	none := []string{}
	renamed, err := offices.Put(ctx, "esempio", officeScuola, "Servizi scolastici", &none)
	if err != nil {
		t.Fatal(err)
	}
	if err := Staff(ctx, accounts, offices); err != nil {
		t.Fatalf("second Staff: %v", err)
	}
	op, err := accounts.Get(ctx, "esempio", DemoOperatorUsername)
	if err != nil || !op.Disabled {
		t.Errorf("got %+v, %v; want the admin's change kept", op, err)
	}
	if o, err := offices.Get(ctx, "esempio", officeScuola); err != nil || o.Name != renamed.Name || len(o.Managers) != 0 {
		t.Errorf("got %+v, %v; want the admin's %+v kept", o, err, renamed)
	}
}

// TestStaffContactsAreFictional: no real mailbox gets the demo's mail.
func TestStaffContactsAreFictional(t *testing.T) {
	for _, n := range demoStaff {
		if !strings.HasSuffix(n.Email, ".example.org") {
			t.Errorf("%s: got email %q, want one under example.org", n.Username, n.Email)
		}
	}
}
