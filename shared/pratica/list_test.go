package pratica

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/store"
	"github.com/stanzaportal/stanza/shared/worker"
)

// The access patterns of package store, one test per row.

func TestAccessPatternOneApplication(t *testing.T) {
	s, db := newStore(t)
	a := mustSubmit(t, s, citizen, service)
	it, err := db.Tenant(tenant).Get(context.Background(), store.Key{PK: "application#" + a.ID, SK: "application"})
	if err != nil {
		t.Fatalf("got %v, want the application at PK application#<id>, SK application", err)
	}
	got, err := fromItem(it)
	if err != nil || got.ID != a.ID || got.Version != a.Version {
		t.Errorf("got %+v (%v), want the submitted application", got, err)
	}
}

func TestAccessPatternDraftForAService(t *testing.T) {
	s, db := newStore(t)
	d := mustStart(t, s, citizen, service)
	it, err := db.Tenant(tenant).Get(context.Background(), store.Key{PK: "citizen#" + rossi, SK: "draft#" + service})
	if err != nil {
		t.Fatalf("got %v, want the slot at PK citizen#<cf>, SK draft#<service>", err)
	}
	if want := `{"id":"` + d.ID + `"}`; string(it.Data) != want {
		t.Errorf("got slot %s, want %s", it.Data, want)
	}
}

func TestAccessPatternApplicationsByGroup(t *testing.T) {
	s, d := countingStore(t)
	ctx := context.Background()
	var want []string // newest first
	for _, svc := range []string{"a", "b", "c", "d", "e"} {
		want = slices.Insert(want, 0, mustSubmit(t, s, citizen, svc).ID)
	}
	mustStart(t, s, citizen, "f")       // another group
	mustSubmit(t, s, other, "a")        // another citizen
	a := mustSubmit(t, s, citizen, "g") // moves to the top, then out of the group
	if _, err := s.Apply(ctx, tenant, citizen, a.ID, Withdraw, Input{}); err != nil {
		t.Fatal(err)
	}
	var got []string
	cursor := ""
	for {
		before := d.ops.Load()
		p, err := s.Mine(ctx, tenant, citizen, Sent, cursor, 2)
		if err != nil {
			t.Fatal(err)
		}
		if ops := d.ops.Load() - before; ops != 1 {
			t.Errorf("a page took %d store operations, want 1 query", ops)
		}
		for _, app := range p.Applications {
			got = append(got, app.ID)
		}
		if p.Cursor == "" {
			break
		}
		cursor = p.Cursor
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	withdrawn, err := s.Mine(ctx, tenant, citizen, WithdrawnGroup, "", 0)
	if err != nil || len(withdrawn.Applications) != 1 || withdrawn.Applications[0].ID != a.ID {
		t.Errorf("withdrawn: got %v (%v), want %s", withdrawn.Applications, err, a.ID)
	}
	_, err = s.Mine(ctx, tenant, citizen, "archiviate", "", 0)
	wantCode(t, err, fault.Invalid)
	_, err = s.Mine(ctx, tenant, op, Sent, "", 0)
	wantCode(t, err, fault.Forbidden)
	_, err = s.Mine(ctx, tenant, other, Sent, cursor, 0) // a cursor is bound to its citizen
	if cursor != "" {
		wantCode(t, err, fault.Invalid)
	}
}

func TestAccessPatternOperatorQueue(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	var want []string // oldest first
	for _, a := range []Actor{citizen, other} {
		want = append(want, mustSubmit(t, s, a, service).ID)
	}
	mustSubmit(t, s, citizen, "altro") // another service
	taken := mustSubmit(t, s, Actor{Role: Citizen, Subject: "VRDGPP70A01H501X"}, service)
	if _, err := s.Apply(ctx, tenant, op, taken.ID, TakeInCharge, Input{}); err != nil {
		t.Fatal(err)
	}
	p, err := s.Queue(ctx, tenant, op, service, Submitted, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range p.Applications {
		got = append(got, a.ID)
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	inCharge, err := s.Queue(ctx, tenant, op, service, InCharge, "", 0)
	if err != nil || len(inCharge.Applications) != 1 || inCharge.Applications[0].Assignee != op.Subject {
		t.Errorf("in charge: got %+v (%v), want the one taken by %s", inCharge.Applications, err, op.Subject)
	}
	for _, tc := range []struct {
		name    string
		actor   Actor
		st      Status
		wantErr fault.Code
	}{
		{"CitizenForbidden", citizen, Submitted, fault.Forbidden},
		{"OtherServiceForbidden", Actor{Role: Operator, Subject: "x"}, Submitted, fault.Forbidden},
		{"DraftsInvalid", op, Draft, fault.Invalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.Queue(ctx, tenant, tc.actor, service, tc.st, "", 0)
			wantCode(t, err, tc.wantErr)
		})
	}
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// drain runs w on every change of the feed not yet handled by consumer.
func drain(t *testing.T, db *store.DB, w *worker.Worker, consumer string) []store.Change {
	t.Helper()
	ctx := context.Background()
	changes, err := db.Feed().Changes(ctx, consumer, 10000)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.ProcessBatch(ctx, changes); err != nil {
		t.Fatal(err)
	}
	if len(changes) > 0 {
		if err := db.Feed().Checkpoint(ctx, consumer, changes[len(changes)-1].Seq); err != nil {
			t.Fatal(err)
		}
	}
	return changes
}

func TestAccessPatternCountsPerGroup(t *testing.T) {
	s, db := newStore(t)
	ctx := context.Background()
	w := worker.New(db, quiet, NewCounter(db))
	mustStart(t, s, citizen, "a")
	mustSubmit(t, s, citizen, "b")
	c := mustSubmit(t, s, citizen, "c")
	mustSubmit(t, s, other, "b")
	if _, err := s.Apply(ctx, tenant, admin, c.ID, TakeInCharge, Input{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Apply(ctx, tenant, admin, c.ID, RequestIntegration, Input{Note: "Manca l'ISEE"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetNotes(ctx, tenant, citizen, c.ID, "Cercare l'ISEE"); err != nil { // same group: no count
		t.Fatal(err)
	}
	changes := drain(t, db, w, "counts")
	want := map[Group]int64{Drafts: 1, Sent: 1, ToIntegrate: 1}
	check := func(when string) {
		t.Helper()
		got, err := s.Counts(ctx, tenant, citizen)
		if err != nil {
			t.Fatal(err)
		}
		if !mapsEqual(got, want) {
			t.Errorf("%s: got %v, want %v", when, got, want)
		}
		items, err := db.Tenant(tenant).QueryAll(ctx, store.Query{PK: "citizen#" + rossi, Prefix: "count#"})
		if err != nil || len(items) == 0 {
			t.Errorf("got %d counters (%v) at PK citizen#<cf>, SK count#<group>, want some", len(items), err)
		}
	}
	check("after the changes")
	// The feed delivers everything again: nothing is counted twice.
	if _, err := w.ProcessBatch(ctx, changes); err != nil {
		t.Fatal(err)
	}
	check("after a redelivery")
	if got, _ := s.Counts(ctx, tenant, other); !mapsEqual(got, map[Group]int64{Sent: 1}) {
		t.Errorf("other citizen: got %v, want one sent", got)
	}
	_, err := s.Counts(ctx, tenant, op)
	wantCode(t, err, fault.Forbidden)
}

func mapsEqual(a, b map[Group]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestCounterIgnoresOtherItems(t *testing.T) {
	_, db := newStore(t)
	c := NewCounter(db)
	ch := store.Change{ID: "1", Kind: store.Created, Key: store.Key{PK: "t#esempio#services", SK: "x"}, New: &store.Item{Data: []byte("not json")}, At: time.Now()}
	if err := c.Handle(context.Background(), ch); err != nil {
		t.Errorf("got %v, want other items ignored", err)
	}
	bad := store.Change{ID: "2", Kind: store.Created, Key: store.Key{PK: "t#esempio#application#x", SK: "application"}, New: &store.Item{Data: []byte("not json")}}
	if err := c.Handle(context.Background(), bad); err == nil {
		t.Error("got no error for an unreadable application, want one")
	}
}
