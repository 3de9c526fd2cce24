package worker_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stanzaportal/stanza/shared/store"
	"github.com/stanzaportal/stanza/shared/store/boltstore/bolttest"
	"github.com/stanzaportal/stanza/shared/worker"
)

// recorder is a handler that records what it sees and fails while fail > 0.
type recorder struct {
	name string
	mu   sync.Mutex
	seen []string // item sort keys, in order handled
	fail int
}

func (r *recorder) Name() string { return r.name }

func (r *recorder) Handle(_ context.Context, ch store.Change) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail > 0 {
		r.fail--
		return errors.New("receiver down")
	}
	r.seen = append(r.seen, ch.Key.SK)
	return nil
}

func (r *recorder) handled() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.seen)
}

func openDB(t *testing.T) (*store.DB, store.Feed) {
	t.Helper()
	db := bolttest.DB(t)
	return db, db.Feed()
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestProcessSkipsWhatWasHandled(t *testing.T) {
	db, feed := openDB(t)
	ctx := context.Background()
	if _, err := db.Tenant("esempio").Put(ctx, store.Item{Key: store.Key{PK: "p", SK: "a"}, Data: []byte("{}")}, store.IfAbsent); err != nil {
		t.Fatal(err)
	}
	changes, err := feed.Changes(ctx, "test", 10)
	if err != nil || len(changes) != 1 {
		t.Fatalf("changes: got %d (%v), want 1", len(changes), err)
	}
	ok, flaky := &recorder{name: "ok"}, &recorder{name: "flaky", fail: 1}
	w := worker.New(db, quiet, ok, flaky)
	if err := w.Process(ctx, changes[0]); err == nil {
		t.Fatal("the flaky handler's failure was not reported")
	}
	if err := w.Process(ctx, changes[0]); err != nil {
		t.Fatalf("redelivery: %v", err)
	}
	if err := w.Process(ctx, changes[0]); err != nil {
		t.Fatalf("third delivery: %v", err)
	}
	if got := ok.handled(); !slices.Equal(got, []string{"a"}) {
		t.Errorf("ok handled %v, want [a] once", got)
	}
	if got := flaky.handled(); !slices.Equal(got, []string{"a"}) {
		t.Errorf("flaky handled %v, want [a] once", got)
	}
}

func TestRunDeliversEachChangeOnceInOrder(t *testing.T) {
	db, feed := openDB(t)
	ctx := context.Background()
	scope := db.Tenant("esempio")
	var want []string
	for i := range 25 {
		sk := fmt.Sprintf("item-%02d", i)
		want = append(want, sk)
		if _, err := scope.Put(ctx, store.Item{Key: store.Key{PK: "p", SK: sk}, Data: []byte("{}")}, store.IfAbsent); err != nil {
			t.Fatal(err)
		}
	}
	// The receiver fails twice: the batch comes again, each change is still
	// handled exactly once, and in order.
	rec := &recorder{name: "receiver", fail: 2}
	runFor := func(until func() bool) {
		t.Helper()
		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan error)
		go func() { done <- worker.New(db, quiet, rec).Run(runCtx, feed, "test", 5*time.Millisecond) }()
		deadline := time.After(10 * time.Second)
		for !until() {
			select {
			case <-deadline:
				cancel()
				t.Fatalf("gave up waiting; handled %v", rec.handled())
			case <-time.After(5 * time.Millisecond):
			}
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	runFor(func() bool { return len(rec.handled()) >= len(want) })
	if got := rec.handled(); !slices.Equal(got, want) {
		t.Fatalf("handled %v, want %v", got, want)
	}

	// A restarted worker resumes after its checkpoint: only the new change.
	if _, err := scope.Put(ctx, store.Item{Key: store.Key{PK: "p", SK: "late"}, Data: []byte("{}")}, store.IfAbsent); err != nil {
		t.Fatal(err)
	}
	runFor(func() bool { return len(rec.handled()) >= len(want)+1 })
	if got := rec.handled(); !slices.Equal(got, append(want, "late")) {
		t.Errorf("after restart handled %v", got)
	}
}
