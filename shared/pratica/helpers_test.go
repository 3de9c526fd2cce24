package pratica

import (
	"context"
	"encoding/json"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/store"
	"github.com/stanzaportal/stanza/shared/store/boltstore"
	"github.com/stanzaportal/stanza/shared/store/boltstore/bolttest"
)

const (
	tenant  = "esempio"
	service = "iscrizione-nido"
	rossi   = "RSSMRA80A01H501U"
	bianchi = "BNCLRA85M41F205X"
)

var (
	citizen = Actor{Role: Citizen, Subject: rossi}
	other   = Actor{Role: Citizen, Subject: bianchi}
	op      = Actor{Role: Operator, Subject: "mverdi", Services: []string{service}}
	admin   = Actor{Role: Operator, Subject: "admin", Admin: true}
	partner = Actor{Role: Partner, Subject: "key1"}
)

// clock is a time source that moves a millisecond at every reading, so
// that every write has its own time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond)
	return c.t
}

func newStore(t testing.TB) (*Store, *store.DB) {
	t.Helper()
	db := bolttest.DB(t)
	return withClock(db), db
}

func withClock(db *store.DB) *Store {
	s := NewStore(db)
	s.now = (&clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}).now
	return s
}

// countingDriver counts the operations that reach the driver.
type countingDriver struct {
	store.Driver
	ops atomic.Int64
}

func (d *countingDriver) Get(ctx context.Context, k store.Key) (store.Item, error) {
	d.ops.Add(1)
	return d.Driver.Get(ctx, k)
}

func (d *countingDriver) BatchGet(ctx context.Context, keys []store.Key) ([]store.Item, error) {
	d.ops.Add(1)
	return d.Driver.BatchGet(ctx, keys)
}

func (d *countingDriver) Put(ctx context.Context, it store.Item, c store.Condition) (store.Item, error) {
	d.ops.Add(1)
	return d.Driver.Put(ctx, it, c)
}

func (d *countingDriver) Delete(ctx context.Context, k store.Key, c store.Condition) error {
	d.ops.Add(1)
	return d.Driver.Delete(ctx, k, c)
}

func (d *countingDriver) Add(ctx context.Context, k store.Key, delta int64) (int64, error) {
	d.ops.Add(1)
	return d.Driver.Add(ctx, k, delta)
}

func (d *countingDriver) Query(ctx context.Context, q store.Query, after []byte) ([]store.Item, []byte, error) {
	d.ops.Add(1)
	return d.Driver.Query(ctx, q, after)
}

// countingStore returns a Store over the embedded store whose driver
// operations are counted.
func countingStore(tb testing.TB) (*Store, *countingDriver) {
	tb.Helper()
	bolt, err := boltstore.Open(filepath.Join(tb.TempDir(), "stanza.db"))
	if err != nil {
		tb.Fatal(err)
	}
	d := &countingDriver{Driver: bolt}
	db, err := store.New(d, []byte("pratica_test: the key that signs cursors"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	return withClock(db), d
}

func mustStart(tb testing.TB, s *Store, a Actor, svc string) Application {
	tb.Helper()
	app, _, err := s.Start(context.Background(), tenant, a, svc, false)
	if err != nil {
		tb.Fatalf("Start: %v", err)
	}
	return app
}

var formData = json.RawMessage(`{"bambino":{"nome":"Luca"},"isee":12000}`)

func mustSubmit(tb testing.TB, s *Store, a Actor, svc string) Application {
	tb.Helper()
	d := mustStart(tb, s, a, svc)
	app, err := s.Submit(context.Background(), tenant, a, d.ID, "key-"+d.ID, formData)
	if err != nil {
		tb.Fatalf("Submit: %v", err)
	}
	return app
}

// putAt stores a submitted application of the citizen's in status st.
func putAt(tb testing.TB, s *Store, st Status) Application {
	tb.Helper()
	now := s.now()
	a := Application{
		ID: store.NewID(), Tenant: tenant, Service: service, Applicant: rossi, Status: st,
		History: []Entry{}, Data: formData, CreatedAt: now, UpdatedAt: now, SubmittedAt: now,
	}
	saved, err := s.save(context.Background(), a, store.IfAbsent)
	if err != nil {
		tb.Fatal(err)
	}
	return saved
}

func wantCode(tb testing.TB, err error, want fault.Code) {
	tb.Helper()
	if got := fault.CodeOf(err); got != want {
		tb.Fatalf("got error %v (code %q), want code %q", err, got, want)
	}
}
