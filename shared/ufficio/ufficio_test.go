package ufficio_test

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/stanzaportal/stanza/shared/auth"
	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/operatore"
	"github.com/stanzaportal/stanza/shared/store"
	"github.com/stanzaportal/stanza/shared/store/boltstore/bolttest"
	"github.com/stanzaportal/stanza/shared/ufficio"
)

const tenant = "esempio"

// newOffices returns the offices over an empty embedded store, with the
// operators anna and capo and the disabled spento in tenant.
func newOffices(t *testing.T) (*ufficio.Store, *store.DB) {
	t.Helper()
	ctx := context.Background()
	db := bolttest.DB(t)
	accounts, err := operatore.New(db, operatore.Keys{TOTP: bytes.Repeat([]byte{1}, 32), Challenges: bytes.Repeat([]byte{2}, 32)})
	if err != nil {
		t.Fatal(err)
	}
	for _, username := range []string{"anna", "capo", "spento"} {
		if _, _, err := accounts.Create(ctx, operatore.NewOperator{
			Tenant: tenant, Username: username, Name: "Anna Verdi", Email: username + "@comune.example.org", Role: operatore.RoleOperator,
		}); err != nil {
			t.Fatal(err)
		}
	}
	yes := true
	if _, err := accounts.Update(ctx, tenant, "spento", operatore.Change{Disabled: &yes}, auth.Principal{}); err != nil {
		t.Fatal(err)
	}
	return ufficio.NewStore(db, accounts), db
}

func mustPut(t *testing.T, s *ufficio.Store, id, name string, managers ...string) ufficio.Office {
	t.Helper()
	o, err := s.Put(context.Background(), tenant, id, name, &managers)
	if err != nil {
		t.Fatalf("Put %s: %v", id, err)
	}
	return o
}

func TestPut(t *testing.T) {
	ctx := context.Background()
	list := func(names ...string) *[]string { return &names }
	tests := []struct {
		name     string
		tenant   string
		id       string
		office   string
		managers *[]string
		wantCode fault.Code
		want     ufficio.Office
	}{
		{"OKNew", tenant, "urp", " URP ", nil, "", ufficio.Office{ID: "urp", Name: "URP", Managers: []string{}}},
		{"OKManagersSortedOnce", tenant, "urp", "URP", list("capo", "anna", "capo"), "", ufficio.Office{ID: "urp", Name: "URP", Managers: []string{"anna", "capo"}}},
		{"OKRenameKeepsManagers", tenant, "scuola", "Servizi scolastici", nil, "", ufficio.Office{ID: "scuola", Name: "Servizi scolastici", Managers: []string{"capo"}}},
		{"OKManagersReplaced", tenant, "scuola", "Ufficio Scuola", list("anna"), "", ufficio.Office{ID: "scuola", Name: "Ufficio Scuola", Managers: []string{"anna"}}},
		{"OKManagersCleared", tenant, "scuola", "Ufficio Scuola", list(), "", ufficio.Office{ID: "scuola", Name: "Ufficio Scuola", Managers: []string{}}},
		{"ErrIDNotASlug", tenant, "Ufficio Scuola", "Ufficio Scuola", nil, fault.Invalid, ufficio.Office{}},
		{"ErrIDTooLong", tenant, strings.Repeat("a", 65), "Ufficio", nil, fault.Invalid, ufficio.Office{}},
		{"ErrEmptyName", tenant, "scuola", "  ", nil, fault.Invalid, ufficio.Office{}},
		{"ErrNameTooLong", tenant, "scuola", strings.Repeat("a", 101), nil, fault.Invalid, ufficio.Office{}},
		{"ErrNameWithControls", tenant, "scuola", "Ufficio\x00Scuola", nil, fault.Invalid, ufficio.Office{}},
		{"ErrManagerMissing", tenant, "scuola", "Ufficio Scuola", list("nessuno"), fault.Invalid, ufficio.Office{}},
		{"ErrManagerDisabled", tenant, "scuola", "Ufficio Scuola", list("spento"), fault.Invalid, ufficio.Office{}},
		{"ErrManagerOfAnotherComune", "altro", "scuola", "Ufficio Scuola", list("capo"), fault.Invalid, ufficio.Office{}},
		{"ErrTooManyManagers", tenant, "scuola", "Ufficio Scuola", list("a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9", "b1", "b2"), fault.Invalid, ufficio.Office{}},
		{"ErrBadTenant", "Esempio!", "scuola", "Ufficio Scuola", nil, fault.Invalid, ufficio.Office{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newOffices(t)
			before := mustPut(t, s, "scuola", "Ufficio Scuola", "capo")
			got, err := s.Put(ctx, tt.tenant, tt.id, tt.office, tt.managers)
			if fault.CodeOf(err) != tt.wantCode {
				t.Fatalf("got %v, want code %q", err, tt.wantCode)
			}
			if err != nil {
				if stored, _ := s.Get(ctx, tenant, "scuola"); !equal(stored, before) {
					t.Errorf("stored %+v after a refusal, want %+v unchanged", stored, before)
				}
				return
			}
			if !equal(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
			if stored, err := s.Get(ctx, tt.tenant, tt.id); err != nil || !equal(stored, tt.want) {
				t.Errorf("stored %+v, %v; want %+v", stored, err, tt.want)
			}
		})
	}
}

func equal(a, b ufficio.Office) bool {
	return a.ID == b.ID && a.Name == b.Name && slices.Equal(a.Managers, b.Managers) && (a.Managers == nil) == (b.Managers == nil)
}

// TestCreateLeavesAnExistingOffice: the seed creates offices unless an
// admin has them already, whatever they changed.
func TestCreateLeavesAnExistingOffice(t *testing.T) {
	s, _ := newOffices(t)
	ctx := context.Background()
	created, err := s.Create(ctx, tenant, ufficio.Office{ID: "scuola", Name: "Ufficio Scuola", Managers: []string{"capo"}})
	if err != nil || !equal(created, ufficio.Office{ID: "scuola", Name: "Ufficio Scuola", Managers: []string{"capo"}}) {
		t.Fatalf("got %+v, %v", created, err)
	}
	renamed := mustPut(t, s, "scuola", "Servizi scolastici")
	if _, err := s.Create(ctx, tenant, ufficio.Office{ID: "scuola", Name: "Ufficio Scuola", Managers: []string{"capo"}}); !fault.Is(err, fault.Conflict) {
		t.Errorf("again: got %v, want Conflict", err)
	}
	if got, _ := s.Get(ctx, tenant, "scuola"); !equal(got, renamed) {
		t.Errorf("got %+v, want the admin's %+v", got, renamed)
	}
	if _, err := s.Create(ctx, tenant, ufficio.Office{ID: "urp", Name: "URP", Managers: []string{"spento"}}); !fault.Is(err, fault.Invalid) {
		t.Errorf("a disabled manager: got %v, want Invalid", err)
	}
}

func TestGetMissing(t *testing.T) {
	s, _ := newOffices(t)
	mustPut(t, s, "scuola", "Ufficio Scuola")
	for _, tt := range []struct{ name, tenant, id string }{
		{"Missing", tenant, "urp"},
		{"OtherComune", "altro", "scuola"},
		{"BadID", tenant, "Ufficio Scuola"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := s.Get(context.Background(), tt.tenant, tt.id); !fault.Is(err, fault.NotFound) {
				t.Errorf("got %v, want NotFound", err)
			}
		})
	}
}

func TestRequire(t *testing.T) {
	s, _ := newOffices(t)
	mustPut(t, s, "scuola", "Ufficio Scuola")
	mustPut(t, s, "urp", "URP")
	for _, tt := range []struct {
		name     string
		tenant   string
		ids      []string
		wantCode fault.Code
	}{
		{"OKNone", tenant, nil, ""},
		{"OKAll", tenant, []string{"urp", "scuola"}, ""},
		{"ErrOneMissing", tenant, []string{"scuola", "anagrafe"}, fault.Invalid},
		{"ErrAName", tenant, []string{"Ufficio Scuola"}, fault.Invalid},
		{"ErrOtherComune", "altro", []string{"scuola"}, fault.Invalid},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := s.Require(context.Background(), tt.tenant, tt.ids)
			if fault.CodeOf(err) != tt.wantCode {
				t.Errorf("got %v, want code %q", err, tt.wantCode)
			}
		})
	}
}

// TestOldRecordHasNoManagers reads an office stored before offices had
// managers.
func TestOldRecordHasNoManagers(t *testing.T) {
	s, db := newOffices(t)
	ctx := context.Background()
	if _, err := db.Tenant(tenant).Put(ctx, store.Item{Key: store.Key{PK: "offices", SK: "urp"}, Data: []byte(`{"id":"urp","name":"URP"}`)}, store.Condition{}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, tenant, "urp")
	if err != nil || got.Managers == nil || len(got.Managers) != 0 {
		t.Errorf("got %+v, %v; want URP with an empty list of managers", got, err)
	}
}

// The access patterns of package store, one test per row.

func TestAccessPatternOfficesOfAComune(t *testing.T) {
	s, _ := newOffices(t)
	ctx := context.Background()
	for _, id := range []string{"urp", "anagrafe", "scuola"} {
		mustPut(t, s, id, strings.ToUpper(id))
	}
	if _, err := s.Put(ctx, "altro", "polizia-locale", "Polizia locale", nil); err != nil {
		t.Fatal(err)
	}
	list, err := s.List(ctx, tenant)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range list {
		got = append(got, o.ID)
	}
	if want := []string{"anagrafe", "scuola", "urp"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q (by id, this Comune only)", got, want)
	}
}

func TestAccessPatternOneOffice(t *testing.T) {
	s, db := newOffices(t)
	ctx := context.Background()
	mustPut(t, s, "scuola", "Ufficio Scuola", "capo")
	mustPut(t, s, "scuola", "Servizi scolastici", "anna")
	it, err := db.Tenant(tenant).Get(ctx, store.Key{PK: "offices", SK: "scuola"})
	if err != nil {
		t.Fatalf("got %v, want the record at PK offices, SK the id", err)
	}
	if it.Version != 2 || !strings.Contains(string(it.Data), `"Servizi scolastici"`) {
		t.Errorf("got version %d, %s; want the one record renamed (version 2)", it.Version, it.Data)
	}
	if _, err := db.Tenant("altro").Get(ctx, store.Key{PK: "offices", SK: "scuola"}); !fault.Is(err, fault.NotFound) {
		t.Errorf("another Comune's scope: got %v, want NotFound", err)
	}
}

func TestAccessPatternOfficesOneManages(t *testing.T) {
	s, _ := newOffices(t)
	ctx := context.Background()
	mustPut(t, s, "urp", "URP", "capo")
	mustPut(t, s, "anagrafe", "Ufficio Anagrafe", "anna")
	mustPut(t, s, "scuola", "Ufficio Scuola", "anna", "capo")
	for _, tt := range []struct {
		name, tenant, username string
		want                   []string
	}{
		{"TwoOffices", tenant, "capo", []string{"scuola", "urp"}},
		{"None", tenant, "spento", []string{}},
		{"OtherComune", "altro", "capo", []string{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Managed(ctx, tt.tenant, tt.username)
			if err != nil || !slices.Equal(got, tt.want) {
				t.Errorf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
