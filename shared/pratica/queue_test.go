package pratica

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/store"
	"github.com/stanzaportal/stanza/shared/worker"
)

func ids(p SummaryPage) []string {
	var out []string
	for _, s := range p.Items {
		out = append(out, s.ID)
	}
	return out
}

func mustApply(tb testing.TB, s *Store, a Actor, id string, ev Event, in Input) Application {
	tb.Helper()
	app, err := s.Apply(context.Background(), tenant, a, id, ev, in)
	if err != nil {
		tb.Fatalf("%s: %v", ev, err)
	}
	return app
}

// queueWorld is a Comune with applications in every queue: waiting (one
// registered), in mverdi's charge, concluded, and one of another service.
type queueWorld struct {
	waiting, registered, mine, concluded, elsewhere Application
}

func newQueueWorld(t *testing.T, s *Store) queueWorld {
	t.Helper()
	var w queueWorld
	w.waiting = mustSubmit(t, s, citizen, service)
	w.registered = mustSubmit(t, s, other, service)
	w.registered = mustApply(t, s, SystemActor, w.registered.ID, Register, Input{Protocol: &Protocol{Number: "2026/0000007", At: s.now()}})
	w.mine = putAt(t, s, Submitted)
	w.mine = mustApply(t, s, op, w.mine.ID, TakeInCharge, Input{})
	w.concluded = putAt(t, s, Submitted)
	mustApply(t, s, admin, w.concluded.ID, TakeInCharge, Input{})
	w.concluded = mustApply(t, s, admin, w.concluded.ID, Reject, Input{Note: "Fuori termine"})
	w.elsewhere = mustSubmit(t, s, citizen, "altro-servizio")
	return w
}

func TestAccessPatternQueues(t *testing.T) {
	s, db := newStore(t)
	ctx := context.Background()
	w := newQueueWorld(t, s)
	changes := drain(t, db, worker.New(db, quiet, NewQueueIndex(db)), "queues")

	tests := []struct {
		name  string
		actor Actor
		queue Queue
		f     Filter
		want  []string
	}{
		{"UnassignedOldestFirst", op, Unassigned, Filter{}, []string{w.waiting.ID, w.registered.ID}},
		{"UnassignedNewestFirst", op, Unassigned, Filter{Newest: true}, []string{w.registered.ID, w.waiting.ID}},
		{"UnassignedOfAdminSpansServices", admin, Unassigned, Filter{}, []string{w.waiting.ID, w.registered.ID, w.elsewhere.ID}},
		{"UnassignedOfOneService", admin, Unassigned, Filter{Service: "altro-servizio"}, []string{w.elsewhere.ID}},
		{"InMyCharge", op, InMyCharge, Filter{}, []string{w.mine.ID}},
		{"NothingInTheAdminsCharge", admin, InMyCharge, Filter{}, nil},
		{"Concluded", op, Concluded, Filter{}, []string{w.concluded.ID}},
		{"AllOfTheOperatorsServices", op, AllQueue, Filter{}, []string{w.waiting.ID, w.registered.ID, w.mine.ID, w.concluded.ID}},
		{"StatusThroughTheServiceQueue", op, AllQueue, Filter{Service: service, Status: Registered}, []string{w.registered.ID}},
		{"StatusOutsideTheQueue", op, Concluded, Filter{Service: service, Status: Registered}, nil},
		{"DateRangeBeforeEverything", admin, AllQueue, Filter{Before: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}, nil},
		{"DateRangeAroundEverything", op, Unassigned, Filter{From: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), Before: time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC)}, []string{w.waiting.ID, w.registered.ID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := s.Backlog(ctx, tenant, tt.actor, tt.queue, tt.f, "", 0)
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(p); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}

	items, err := db.Tenant(tenant).QueryAll(ctx, store.Query{PK: "queue#da-assegnare#service#" + service})
	if err != nil || len(items) != 2 || !strings.HasSuffix(items[0].Key.SK, "#"+w.waiting.ID) {
		t.Errorf("got %d items (%v) at PK queue#<queue>#service#<slug>, SK <submitted>#<id>, want 2", len(items), err)
	}

	wantCounts := map[Queue]int64{Unassigned: 2, InMyCharge: 1, Concluded: 1, AllQueue: 4}
	checkCounts := func(when string) {
		t.Helper()
		got, err := s.QueueCounts(ctx, tenant, op)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range Queues {
			if got[q] != wantCounts[q] {
				t.Errorf("%s: got counts %v, want %v", when, got, wantCounts)
				return
			}
		}
	}
	checkCounts("after the changes")
	// Redelivered changes find the work done and count nothing again.
	if _, err := worker.New(db, quiet, NewQueueIndex(db)).ProcessBatch(ctx, changes); err != nil {
		t.Fatal(err)
	}
	checkCounts("after a redelivery")
	if got, _ := s.QueueCounts(ctx, tenant, admin); got[AllQueue] != 5 || got[InMyCharge] != 0 {
		t.Errorf("admin: got counts %v, want 5 in all and none in charge", got)
	}

	// Taking in charge moves an application out of the unassigned queue.
	mustApply(t, s, op, w.waiting.ID, TakeInCharge, Input{})
	drain(t, db, worker.New(db, quiet, NewQueueIndex(db)), "queues")
	p, err := s.Backlog(ctx, tenant, op, Unassigned, Filter{}, "", 0)
	if err != nil || !slices.Equal(ids(p), []string{w.registered.ID}) {
		t.Errorf("unassigned after taking one in charge: got %v (%v), want only %s", ids(p), err, w.registered.ID)
	}
	wantCounts = map[Queue]int64{Unassigned: 1, InMyCharge: 2, Concluded: 1, AllQueue: 4}
	checkCounts("after taking one in charge")
}

func TestBacklogRefuses(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	tests := []struct {
		name  string
		actor Actor
		queue Queue
		f     Filter
		want  fault.Code
	}{
		{"ErrCitizen", citizen, AllQueue, Filter{}, fault.Forbidden},
		{"ErrPartner", partner, AllQueue, Filter{}, fault.Forbidden},
		{"ErrUnknownQueue", op, "mie", Filter{}, fault.Invalid},
		{"ErrServiceNotEnabled", op, AllQueue, Filter{Service: "altro-servizio"}, fault.Forbidden},
		{"ErrBadService", admin, AllQueue, Filter{Service: "Nido!"}, fault.Invalid},
		{"ErrStatusWithoutService", op, AllQueue, Filter{Status: Submitted}, fault.Invalid},
		{"ErrDraftStatus", op, AllQueue, Filter{Service: service, Status: Draft}, fault.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Backlog(ctx, tenant, tt.actor, tt.queue, tt.f, "", 0)
			wantCode(t, err, tt.want)
		})
	}
	_, err := s.QueueCounts(ctx, tenant, citizen)
	wantCode(t, err, fault.Forbidden)
}

func TestAccessPatternSearch(t *testing.T) {
	s, db := newStore(t)
	ctx := context.Background()
	w := newQueueWorld(t, s)
	drain(t, db, worker.New(db, quiet, NewQueueIndex(db)), "queues")
	draft := mustStart(t, s, other, "terzo-servizio")
	tests := []struct {
		name  string
		actor Actor
		text  string
		want  []string
	}{
		{"ByID", op, w.mine.ID, []string{w.mine.ID}},
		{"ByIDOfAnotherService", op, w.elsewhere.ID, nil},
		{"ByIDOfADraft", admin, draft.ID, nil},
		{"ByFiscalCodeNewestFirst", op, strings.ToLower(rossi), []string{w.concluded.ID, w.mine.ID, w.waiting.ID}},
		{"ByFiscalCodeEveryService", admin, rossi, []string{w.elsewhere.ID, w.concluded.ID, w.mine.ID, w.waiting.ID}},
		{"ByProtocolNumber", op, " 2026/0000007 ", []string{w.registered.ID}},
		{"UnknownProtocolNumber", op, "2026/0000008", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := s.Search(ctx, tenant, tt.actor, tt.text, "", 0)
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(p); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	_, err := s.Search(ctx, tenant, op, "  ", "", 0)
	wantCode(t, err, fault.Invalid)
}

func TestQueueIndexIgnoresOtherItems(t *testing.T) {
	_, db := newStore(t)
	h := NewQueueIndex(db)
	note := store.Change{ID: "1", Kind: store.Created, Key: store.Key{PK: "t#esempio#application#x", SK: "note#1"}, New: &store.Item{Data: []byte("not json")}}
	if err := h.Handle(context.Background(), note); err != nil {
		t.Errorf("got %v, want notes ignored", err)
	}
	bad := store.Change{ID: "2", Kind: store.Created, Key: store.Key{PK: "t#esempio#application#x", SK: "application"}, New: &store.Item{Data: []byte("not json")}}
	if err := h.Handle(context.Background(), bad); err == nil {
		t.Error("got no error for an unreadable application, want one")
	}
}

func TestAccessPatternSearchByName(t *testing.T) {
	s, db := newStore(t)
	ctx := context.Background()
	named := func(a Actor, name string) Actor { a.Name = name; return a }
	mario := mustSubmit(t, s, named(citizen, "Mario Rossi"), service)
	niccolo := mustSubmit(t, s, named(other, "Niccolò D'Agostino"), service)
	maria := mustSubmit(t, s, named(Actor{Role: Citizen, Subject: "RSSMRA85T41H501X"}, "Maria Rossini Rossi"), service)
	elsewhere := mustSubmit(t, s, named(citizen, "Mario Rossi"), "altro-servizio")
	unnamed := mustSubmit(t, s, Actor{Role: Citizen, Subject: "VRDLGU70A01H501Z"}, service)
	drain(t, db, worker.New(db, quiet, NewQueueIndex(db)), "queues")
	if mario.ApplicantName != "Mario Rossi" || unnamed.ApplicantName != "" {
		t.Fatalf("got names %q and %q, want the submitting citizen's and none", mario.ApplicantName, unnamed.ApplicantName)
	}

	tests := []struct {
		name  string
		actor Actor
		text  string
		want  []string
	}{
		{"Surname", op, "Rossi", []string{maria.ID, mario.ID}},
		{"Prefix", op, "ross", []string{maria.ID, mario.ID}},
		{"EveryWordMustMatch", op, "mario ross", []string{mario.ID}},
		{"WordsInAnyOrder", op, "ROSSI  Mar", []string{maria.ID, mario.ID}},
		{"WithoutAccentsOrApostrophe", op, "niccolo agost", []string{niccolo.ID}},
		{"WithAccents", op, "Niccolò", []string{niccolo.ID}},
		{"ApostropheSplitsWords", op, "d'agostino", []string{niccolo.ID}},
		{"OnlyTheOperatorsServices", admin, "mario rossi", []string{elsewhere.ID, mario.ID}},
		{"NoMatch", op, "bianchi", nil},
		{"MiddleOfAWordDoesNotMatch", op, "ssi", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := s.Search(ctx, tenant, tt.actor, tt.text, "", 0)
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(p); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	for _, text := range []string{"ro", "d' e", "--"} {
		_, err := s.Search(ctx, tenant, op, text, "", 0)
		wantCode(t, err, fault.Invalid)
	}
}
