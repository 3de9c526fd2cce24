package audit

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/store"
	"github.com/stanzaportal/stanza/shared/store/boltstore/bolttest"
)

// clocked returns a log whose clock advances a minute at every entry.
func clocked(t *testing.T) (*Log, *store.DB) {
	t.Helper()
	db := bolttest.DB(t)
	l := New(db)
	at := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	l.now = func() time.Time { at = at.Add(time.Minute); return at }
	return l, db
}

func record(t *testing.T, l *Log, e Entry) Entry {
	t.Helper()
	got, err := l.Record(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func ids(entries []Entry) []string {
	var out []string
	for _, e := range entries {
		out = append(out, e.ID)
	}
	return out
}

const app1, app2 = "aaaaaaaaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbbbbbbbb"

// Access pattern: record an action, PK "audit#<id>", SK "entry", put if absent.
func TestRecordWritesOneItemPerEntry(t *testing.T) {
	l, db := clocked(t)
	e := record(t, l, Entry{Role: "operator", Subject: "anna", Tenant: "esempio", Action: ReadPersonalData, Application: app1, Status: 200, Address: "192.0.2.1:4000"})
	if !store.IsID(e.ID) || e.At.IsZero() {
		t.Fatalf("got id %q at %v, want a fresh id and a time", e.ID, e.At)
	}
	it, err := db.Tenant("esempio").Get(context.Background(), store.Key{PK: "audit#" + e.ID, SK: "entry"})
	if err != nil {
		t.Fatal(err)
	}
	if it.Version != 1 {
		t.Errorf("got version %d, want 1: entries are written once", it.Version)
	}
	got, err := store.Decode[Entry]([]store.Item{it})
	if err != nil {
		t.Fatal(err)
	}
	if got[0] != e {
		t.Errorf("got %+v, want %+v", got[0], e)
	}
}

func TestRecordRefusesIncompleteEntries(t *testing.T) {
	l, _ := clocked(t)
	for name, e := range map[string]Entry{
		"no tenant":  {Role: "operator", Subject: "anna", Action: "x"},
		"no subject": {Role: "operator", Tenant: "esempio", Action: "x"},
		"no action":  {Role: "operator", Subject: "anna", Tenant: "esempio"},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := l.Record(context.Background(), e); !fault.Is(err, fault.Invalid) {
				t.Errorf("got %v, want Invalid", err)
			}
		})
	}
}

// Access pattern: audit by operator, GSI1 PK "audit#actor#<kind>#<subject>".
func TestByActorListsOneActorNewestFirst(t *testing.T) {
	l, _ := clocked(t)
	ctx := context.Background()
	var anna []Entry
	for i := range PageSize + 3 {
		role := "operator"
		if i%2 == 1 {
			role = "admin" // the same account after a promotion
		}
		anna = append(anna, record(t, l, Entry{Role: role, Subject: "anna", Tenant: "esempio", Action: "GET /x", Status: 200}))
		record(t, l, Entry{Role: "operator", Subject: "bruno", Tenant: "esempio", Action: "GET /x", Status: 200})
	}
	record(t, l, Entry{Role: "partner", Subject: "anna", Tenant: "esempio", Action: "GET /x", Status: 200})
	record(t, l, Entry{Role: "operator", Subject: "anna", Tenant: "altro", Action: "GET /x", Status: 200})

	first, err := l.ByActor(ctx, "esempio", "operator", "anna", "")
	if err != nil {
		t.Fatal(err)
	}
	if first.Cursor == "" {
		t.Fatal("got no cursor, want a second page")
	}
	second, err := l.ByActor(ctx, "esempio", "operator", "anna", first.Cursor)
	if err != nil {
		t.Fatal(err)
	}
	want := ids(anna)
	slices.Reverse(want)
	if got := ids(append(first.Items, second.Items...)); !slices.Equal(got, want) || second.Cursor != "" {
		t.Errorf("got %v (cursor %q), want anna's entries newest first %v", got, second.Cursor, want)
	}
	partner, err := l.ByActor(ctx, "esempio", "partner", "anna", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(partner.Items) != 1 || partner.Items[0].Role != "partner" {
		t.Errorf("got %+v, want the one entry of the partner key named like the operator", partner.Items)
	}
}

// Access pattern: audit by application, GSI2 PK "audit#application#<id>".
func TestByApplicationListsOneApplicationNewestFirst(t *testing.T) {
	l, _ := clocked(t)
	ctx := context.Background()
	a := record(t, l, Entry{Role: "operator", Subject: "anna", Tenant: "esempio", Action: ReadPersonalData, Application: app1, Status: 200})
	record(t, l, Entry{Role: "operator", Subject: "anna", Tenant: "esempio", Action: ReadPersonalData, Application: app2, Status: 200})
	b := record(t, l, Entry{Role: "partner", Subject: "k1", Tenant: "esempio", Action: "POST /t", Application: app1, Status: 409})
	record(t, l, Entry{Role: "operator", Subject: "anna", Tenant: "esempio", Action: "GET /x", Status: 200})
	record(t, l, Entry{Role: "operator", Subject: "carla", Tenant: "altro", Action: ReadPersonalData, Application: app1, Status: 200})

	page, err := l.ByApplication(ctx, "esempio", app1, "")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ids(page.Items), []string{b.ID, a.ID}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}
