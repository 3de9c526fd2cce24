package localprotocollo_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stanzaportal/stanza/shared/i18n"
	"github.com/stanzaportal/stanza/shared/protocollo"
	"github.com/stanzaportal/stanza/shared/protocollo/localprotocollo"
	"github.com/stanzaportal/stanza/shared/protocollo/protocollotest"
	"github.com/stanzaportal/stanza/shared/store"
	"github.com/stanzaportal/stanza/shared/store/boltstore/bolttest"
)

func TestConformance(t *testing.T) {
	protocollotest.RunConformanceTests(t, func(t *testing.T) protocollo.Registry {
		return localprotocollo.New(bolttest.DB(t), time.Now)
	})
}

func register(t *testing.T, r protocollo.Registry, req protocollo.Request) string {
	t.Helper()
	reg, err := r.Register(context.Background(), req)
	if err != nil {
		t.Fatalf("Register(%s): %v", req.ID, err)
	}
	return reg.Number
}

func TestFirstNumberIsOne(t *testing.T) {
	r := localprotocollo.New(bolttest.DB(t), time.Now)
	if got, want := register(t, r, protocollotest.Request("bugliano", 2026, "a")), "2026/0000001"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestCounterKey checks the access pattern "protocol number of a Comune and
// year": tenant scope, PK "protocol#<year>", SK "counter".
func TestCounterKey(t *testing.T) {
	ctx := context.Background()
	db := bolttest.DB(t)
	r := localprotocollo.New(db, time.Now)
	for _, id := range []string{"a", "b", "c"} {
		register(t, r, protocollotest.Request("bugliano", 2026, id))
	}
	it, err := db.Tenant("bugliano").Get(ctx, store.Key{PK: "protocol#2026", SK: "counter"})
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if it.Counter != 3 {
		t.Errorf("got counter %d, want 3", it.Counter)
	}
}

// TestRecordKey checks the access pattern "registration of one request":
// tenant scope, PK "protocol-request#<request id>", SK "registration".
func TestRecordKey(t *testing.T) {
	ctx := context.Background()
	db := bolttest.DB(t)
	r := localprotocollo.New(db, time.Now)
	req := protocollotest.Request("bugliano", 2026, "01JD4XYZ/application")
	number := register(t, r, req)
	it, err := db.Tenant("bugliano").Get(ctx, store.Key{PK: "protocol-request#01JD4XYZ/application", SK: "registration"})
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	var rec struct{ Number, Digest string }
	if err := json.Unmarshal(it.Data, &rec); err != nil {
		t.Fatal(err)
	}
	if rec.Number != number || rec.Digest != req.DocumentDigest {
		t.Errorf("got record %+v, want number %q and the request's digest", rec, number)
	}
}

// TestCrashLeavesGap simulates a crash between the increment and the
// record: the number drawn is lost, and the retry gets the next one.
func TestCrashLeavesGap(t *testing.T) {
	ctx := context.Background()
	db := bolttest.DB(t)
	r := localprotocollo.New(db, time.Now)
	register(t, r, protocollotest.Request("bugliano", 2026, "before"))
	if _, err := db.Tenant("bugliano").Add(ctx, store.Key{PK: "protocol#2026", SK: "counter"}, 1); err != nil {
		t.Fatal(err)
	}
	first := register(t, r, protocollotest.Request("bugliano", 2026, "crashed"))
	again := register(t, r, protocollotest.Request("bugliano", 2026, "crashed"))
	if first != "2026/0000003" || again != first {
		t.Errorf("got %q then %q, want 2026/0000003 twice (number 2 skipped)", first, again)
	}
}

// TestRetryAcrossNewYear checks that a retry after midnight on 31 December
// returns the number of the old year instead of drawing a new one.
func TestRetryAcrossNewYear(t *testing.T) {
	now := time.Date(2026, 12, 31, 23, 59, 59, 0, i18n.Rome)
	r := localprotocollo.New(bolttest.DB(t), func() time.Time { return now })
	first := register(t, r, protocollotest.Request("bugliano", 0, "late"))
	now = now.Add(2 * time.Second)
	again := register(t, r, protocollotest.Request("bugliano", 0, "late"))
	next := register(t, r, protocollotest.Request("bugliano", 0, "new-year"))
	if first != "2026/0000001" || again != first || next != "2027/0000001" {
		t.Errorf("got %q, %q, %q; want 2026/0000001 twice, then 2027/0000001", first, again, next)
	}
}

// TestYearInRome checks that the year is Rome's: at 23:30 UTC on 31
// December it is already the new year in Italy.
func TestYearInRome(t *testing.T) {
	now := time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC)
	r := localprotocollo.New(bolttest.DB(t), func() time.Time { return now })
	if got, want := register(t, r, protocollotest.Request("bugliano", 0, "x")), "2027/0000001"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
