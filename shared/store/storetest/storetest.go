// Package storetest is the conformance suite of the store port. Every
// store.Driver runs it from its own tests with a Harness that makes drivers of
// that kind:
//
//	func TestConformance(t *testing.T) {
//		storetest.RunConformanceTests(t, newHarness)
//	}
//
// The suite goes through store.DB and its Scopes, as the rest of Stanza does,
// and calls the driver directly only where a driver-level contract matters
// (BatchGet's order, the change feed's stored keys).
//
// # Isolation
//
// Every test writes under a tenant of its own, and under global partition keys
// no other test uses, so drivers made by one harness may share a backend
// (one table on a test server). A driver with a change feed is the exception:
// the feed tests read the whole log, so such a driver must start empty.
//
// # Capabilities
//
// A harness declares what its drivers can do (Capabilities). The suite skips
// the tests of a missing capability, and fails when a driver has a capability
// its harness does not declare, so that a declaration cannot silently drift.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"

	"github.com/stanzaportal/stanza/shared/store"
)

// Harness makes drivers of one kind for the suite.
type Harness interface {
	// MakeDriver returns a new driver. The suite closes it (through
	// store.DB.Close) when the test that asked for it ends.
	MakeDriver(ctx context.Context) (store.Driver, error)
	// Capabilities says what the harness's drivers can do.
	Capabilities() Capabilities
	// Close releases what the harness holds, once every driver is closed.
	Close()
}

// Capabilities are the optional parts of the store port. New fields default
// to the capability being absent, so existing harnesses keep compiling.
type Capabilities struct {
	// Feed: the driver keeps its own change log and implements store.Feed
	// (the embedded store). A driver whose changes are delivered by other
	// means (DynamoDB Streams) leaves it false. A Feed driver must return
	// a store with an empty log from every MakeDriver call.
	Feed bool
}

// HarnessMaker returns a Harness for one run of the suite.
type HarnessMaker func(ctx context.Context, t *testing.T) (Harness, error)

// RunConformanceTests runs the whole suite against the drivers of one harness.
func RunConformanceTests(t *testing.T, newHarness HarnessMaker) {
	h, err := newHarness(context.Background(), t)
	if err != nil {
		t.Fatalf("making the harness: %v", err)
	}
	defer h.Close()
	tests := []struct {
		name string
		run  func(*testing.T, Harness)
	}{
		{"Get", testGet},
		{"BatchGet", testBatchGet},
		{"PutConditions", testPutConditions},
		{"Versions", testVersions},
		{"DeleteConditions", testDeleteConditions},
		{"Add", testAdd},
		{"Query", testQuery},
		{"Pagination", testPagination},
		{"Cursors", testCursors},
		{"Indexes", testIndexes},
		{"Expiry", testExpiry},
		{"TenantIsolation", testTenantIsolation},
		{"Data", testData},
		{"SortOrder", testSortOrder},
		{"ConcurrentConditionalWrites", testConcurrentConditionalWrites},
		{"Feed", testFeed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, h) })
	}
}

// cursorKey signs the query cursors of every DB the suite opens.
var cursorKey = []byte("storetest: the key that signs query cursors")

// env is what one test works with: a DB over a new driver, the driver itself
// for driver-level checks, and the scope of a tenant no other test uses.
type env struct {
	db     *store.DB
	driver store.Driver
	tenant string
	s      *store.Scope
}

// setup makes a driver from h and closes it when t ends.
func setup(t *testing.T, h Harness) env {
	t.Helper()
	d, err := h.MakeDriver(context.Background())
	if err != nil {
		t.Fatalf("making a driver: %v", err)
	}
	db, err := store.New(d, cursorKey)
	if err != nil {
		d.Close()
		t.Fatalf("store.New: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("closing the driver: %v", err)
		}
	})
	id := uniqueTenant(t)
	return env{db: db, driver: d, tenant: id, s: db.Tenant(id)}
}

// stored returns k as the driver sees it in the test's tenant.
func (e env) stored(k store.Key) store.Key {
	return store.Key{PK: "t#" + e.tenant + "#" + k.PK, SK: k.SK}
}

// uniqueTenant returns a tenant id that no other test, run or process uses.
func uniqueTenant(t *testing.T) string {
	t.Helper()
	return "st-" + randomHex(t)
}

// randomHex returns 12 random hex digits.
func randomHex(t *testing.T) string {
	t.Helper()
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("reading random bytes: %v", err)
	}
	return hex.EncodeToString(b)
}
