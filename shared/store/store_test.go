package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/store"
	"github.com/stanzaportal/stanza/shared/store/boltstore/bolttest"
)

// The behaviour of DB and Scope over real drivers is tested by the
// conformance suite (storetest). These tests cover what DB does before and
// after calling a driver, with a stub in its place.

var cursorKey = []byte("store_test: the key that signs query cursors")

// errDriverCalled has no code, so a call that reached the stub shows as an
// internal error.
var errDriverCalled = errors.New("the driver was called")

// stubDriver is a Driver whose methods run the function set for them, and
// return errDriverCalled when none is.
type stubDriver struct {
	get   func(store.Key) (store.Item, error)
	put   func(store.Item, store.Condition) (store.Item, error)
	query func(store.Query, []byte) ([]store.Item, []byte, error)
}

func (d stubDriver) Get(_ context.Context, k store.Key) (store.Item, error) {
	if d.get == nil {
		return store.Item{}, errDriverCalled
	}
	return d.get(k)
}

func (d stubDriver) BatchGet(context.Context, []store.Key) ([]store.Item, error) {
	return nil, errDriverCalled
}

func (d stubDriver) Put(_ context.Context, it store.Item, c store.Condition) (store.Item, error) {
	if d.put == nil {
		return store.Item{}, errDriverCalled
	}
	return d.put(it, c)
}

func (d stubDriver) Delete(context.Context, store.Key, store.Condition) error { return errDriverCalled }

func (d stubDriver) Add(context.Context, store.Key, int64) (int64, error) { return 0, errDriverCalled }

func (d stubDriver) Query(_ context.Context, q store.Query, after []byte) ([]store.Item, []byte, error) {
	if d.query == nil {
		return nil, nil, errDriverCalled
	}
	return d.query(q, after)
}

func (d stubDriver) Close() error { return nil }

func newDB(t *testing.T, d store.Driver) *store.DB {
	t.Helper()
	db, err := store.New(d, cursorKey)
	if err != nil {
		t.Fatalf("store.New: %v", err)
	}
	return db
}

func TestArgumentsCheckedBeforeDriver(t *testing.T) {
	ctx := context.Background()
	s := newDB(t, stubDriver{}).Tenant("comune")
	k := store.Key{PK: "pk", SK: "sk"}
	long := strings.Repeat("x", store.MaxKeyBytes+1)
	get := func(k store.Key) func() error {
		return func() error { _, err := s.Get(ctx, k); return err }
	}
	put := func(it store.Item, c store.Condition) func() error {
		return func() error { _, err := s.Put(ctx, it, c); return err }
	}
	query := func(q store.Query, cursor string) func() error {
		return func() error { _, err := s.Query(ctx, q, cursor); return err }
	}
	tests := []struct {
		name    string
		call    func() error
		wantErr fault.Code // Internal: the call reached the driver
	}{
		{"ValidGetReachesDriver", get(k), fault.Internal},
		{"KeyOfMaxLengthReachesDriver", get(store.Key{PK: strings.Repeat("x", store.MaxKeyBytes), SK: "s"}), fault.Internal},
		{"EmptyPartitionKeyInvalid", get(store.Key{SK: "s"}), fault.Invalid},
		{"EmptySortKeyInvalid", get(store.Key{PK: "p"}), fault.Invalid},
		{"LongKeyInvalid", get(store.Key{PK: "p", SK: long}), fault.Invalid},
		{"NULInKeyInvalid", get(store.Key{PK: "p\x00q", SK: "s"}), fault.Invalid},
		{"BadUTF8Invalid", get(store.Key{PK: "p", SK: "\xff"}), fault.Invalid},
		{"GetManyWithOneBadKeyInvalid", func() error { _, err := s.GetMany(ctx, []store.Key{k, {PK: "p"}}); return err }, fault.Invalid},
		{"AddBadKeyInvalid", func() error { _, err := s.Add(ctx, store.Key{}, 1); return err }, fault.Invalid},
		{"DeleteTwoConditionsInvalid", func() error {
			return s.Delete(ctx, k, store.Condition{MustExist: true, Version: 2})
		}, fault.Invalid},
		{"PutDataTooLarge", put(store.Item{Key: k, Data: make([]byte, store.MaxItemBytes+1)}, store.Condition{}), fault.TooLarge},
		{"PutUnknownIndexInvalid", put(store.Item{Key: k, Indexes: map[store.Index]store.Key{"gsi9": k}}, store.Condition{}), fault.Invalid},
		{"PutBadIndexKeyInvalid", put(store.Item{Key: k, Indexes: map[store.Index]store.Key{store.GSI1: {PK: "p"}}}, store.Condition{}), fault.Invalid},
		{"PutTwoConditionsInvalid", put(store.Item{Key: k}, store.Condition{MustExist: true, MustNotExist: true}), fault.Invalid},
		{"PutNegativeVersionInvalid", put(store.Item{Key: k}, store.IfVersion(-1)), fault.Invalid},
		{"QueryEmptyPartitionInvalid", query(store.Query{}, ""), fault.Invalid},
		{"QueryUnknownIndexInvalid", query(store.Query{Index: "gsi9", PK: "p"}, ""), fault.Invalid},
		{"QueryPrefixAndRangeInvalid", query(store.Query{PK: "p", Prefix: "a", From: "a"}, ""), fault.Invalid},
		{"QueryRangeBackwardsInvalid", query(store.Query{PK: "p", From: "b", To: "a"}, ""), fault.Invalid},
		{"QueryNegativeLimitInvalid", query(store.Query{PK: "p", Limit: -1}, ""), fault.Invalid},
		{"QueryLimitOverMaxInvalid", query(store.Query{PK: "p", Limit: store.MaxQueryLimit + 1}, ""), fault.Invalid},
		{"QueryGarbageCursorInvalid", query(store.Query{PK: "p"}, "x.y"), fault.Invalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := fault.CodeOf(tc.call()); got != tc.wantErr {
				t.Fatalf("got code %q, want %q", got, tc.wantErr)
			}
		})
	}
}

func TestScopePrefixesKeys(t *testing.T) {
	ctx := context.Background()
	var gotKey store.Key
	var gotItem store.Item
	d := stubDriver{
		get: func(k store.Key) (store.Item, error) {
			gotKey = k
			return store.Item{Key: k, Indexes: map[store.Index]store.Key{store.GSI1: {PK: k.PK + "-ix", SK: "x"}}}, nil
		},
		put: func(it store.Item, _ store.Condition) (store.Item, error) {
			gotItem = it.Clone() // Scope.Put rewrites the keys of the item returned
			return it, nil
		},
	}
	db := newDB(t, d)
	tests := []struct {
		name   string
		s      *store.Scope
		prefix string
	}{
		{"Tenant", db.Tenant("comune-a"), "t#comune-a#"},
		{"Global", db.Global(), "g#"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			it, err := tc.s.Get(ctx, store.Key{PK: "pk", SK: "sk"})
			if err != nil {
				t.Fatal(err)
			}
			if want := (store.Key{PK: tc.prefix + "pk", SK: "sk"}); gotKey != want {
				t.Errorf("driver got key %v, want %v", gotKey, want)
			}
			if want := (store.Key{PK: "pk", SK: "sk"}); it.Key != want || it.Indexes[store.GSI1] != (store.Key{PK: "pk-ix", SK: "x"}) {
				t.Errorf("Get returned key %v and index key %v, want them without the prefix", it.Key, it.Indexes[store.GSI1])
			}
			in := store.Item{Key: store.Key{PK: "pk", SK: "sk"}, Indexes: map[store.Index]store.Key{store.GSI2: {PK: "ix", SK: "y"}}}
			if _, err := tc.s.Put(ctx, in, store.Condition{}); err != nil {
				t.Fatal(err)
			}
			if gotItem.Key.PK != tc.prefix+"pk" || gotItem.Indexes[store.GSI2].PK != tc.prefix+"ix" {
				t.Errorf("driver got item key %v and index key %v, want both with prefix %q", gotItem.Key, gotItem.Indexes[store.GSI2], tc.prefix)
			}
			if in.Indexes[store.GSI2].PK != "ix" {
				t.Errorf("Put changed the caller's index key to %v", in.Indexes[store.GSI2])
			}
		})
	}
}

func TestCursorBoundToQuery(t *testing.T) {
	ctx := context.Background()
	var gotAfter []byte
	d := stubDriver{query: func(_ store.Query, after []byte) ([]store.Item, []byte, error) {
		gotAfter = after
		return nil, []byte("position"), nil
	}}
	db := newDB(t, d)
	s := db.Tenant("comune-a")
	q := store.Query{PK: "p", Prefix: "a"}
	page, err := s.Query(ctx, q, "")
	if err != nil || page.Cursor == "" {
		t.Fatalf("first page: got cursor %q, error %v; want a cursor", page.Cursor, err)
	}
	// Another process serving the same table shares the signing key.
	sameKey := newDB(t, d)
	otherKey, err := store.New(d, []byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		s       *store.Scope
		q       store.Query
		wantErr fault.Code
	}{
		{"SameQueryAccepted", s, q, ""},
		{"SameKeyOtherDBAccepted", sameKey.Tenant("comune-a"), q, ""},
		{"OtherSigningKeyInvalid", otherKey.Tenant("comune-a"), q, fault.Invalid},
		{"OtherTenantInvalid", db.Tenant("comune-b"), q, fault.Invalid},
		{"OtherPartitionInvalid", s, store.Query{PK: "p2", Prefix: "a"}, fault.Invalid},
		{"OtherPrefixInvalid", s, store.Query{PK: "p", Prefix: "b"}, fault.Invalid},
		{"OtherIndexInvalid", s, store.Query{Index: store.GSI1, PK: "p", Prefix: "a"}, fault.Invalid},
		{"OtherDirectionInvalid", s, store.Query{PK: "p", Prefix: "a", Reverse: true}, fault.Invalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			gotAfter = nil
			_, err := tc.s.Query(ctx, tc.q, page.Cursor)
			if got := fault.CodeOf(err); got != tc.wantErr {
				t.Fatalf("got code %q, want %q", got, tc.wantErr)
			}
			if err == nil && string(gotAfter) != "position" {
				t.Fatalf("driver got cursor %q, want %q", gotAfter, "position")
			}
		})
	}
}

func TestNewRefusesShortCursorKey(t *testing.T) {
	if _, err := store.New(stubDriver{}, make([]byte, 31)); err == nil {
		t.Fatal("store.New with a 31-byte key: got no error, want one")
	}
}

func TestTenantIDs(t *testing.T) {
	tests := []struct {
		id   string
		want bool
	}{
		{"forli", true},
		{"san-marino-1", true},
		{"a", true},
		{strings.Repeat("a", 63), true},
		{strings.Repeat("a", 64), false},
		{"", false},
		{"Forli", false},
		{"-forli", false},
		{"forli-", false},
		{"for#li", false},
		{"forlì", false},
	}
	for _, tc := range tests {
		if got := store.ValidTenant(tc.id); got != tc.want {
			t.Errorf("ValidTenant(%q): got %v, want %v", tc.id, got, tc.want)
		}
	}
	t.Run("TenantPanicsOnInvalidID", func(t *testing.T) {
		defer func() {
			if recover() == nil {
				t.Fatal("Tenant(\"a#b\"): got no panic, want one")
			}
		}()
		newDB(t, stubDriver{}).Tenant("a#b")
	})
}

func TestTenantOf(t *testing.T) {
	tests := []struct {
		stored     string
		wantTenant string
		wantPK     string
		wantOK     bool
	}{
		{"t#forli#services", "forli", "services", true},
		{"t#forli#a#b", "forli", "a#b", true},
		{"g#tenants", "", "", false},
		{"t#Forli#services", "", "", false},
		{"t#forli", "", "", false},
	}
	for _, tc := range tests {
		tenant, pk, ok := store.TenantOf(tc.stored)
		if ok != tc.wantOK || (ok && (tenant != tc.wantTenant || pk != tc.wantPK)) {
			t.Errorf("TenantOf(%q): got %q, %q, %v; want %q, %q, %v", tc.stored, tenant, pk, ok, tc.wantTenant, tc.wantPK, tc.wantOK)
		}
	}
}

func TestQueryAllReadsEveryPage(t *testing.T) {
	ctx := context.Background()
	db := bolttest.DB(t)
	scope := db.Tenant("esempio")
	const n = store.MaxQueryLimit + 7 // more than one page
	for i := range n {
		if _, err := scope.Put(ctx, store.Item{Key: store.Key{PK: "p", SK: fmt.Sprintf("%05d", i)}}, store.Condition{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := scope.Put(ctx, store.Item{Key: store.Key{PK: "other", SK: "x"}}, store.Condition{}); err != nil {
		t.Fatal(err)
	}
	items, err := scope.QueryAll(ctx, store.Query{PK: "p"})
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != n {
		t.Fatalf("got %d items, want %d", len(items), n)
	}
	for i, it := range items {
		if want := fmt.Sprintf("%05d", i); it.Key.SK != want {
			t.Fatalf("item %d: got %s, want %s", i, it.Key.SK, want)
		}
	}
}

func TestNewIDAndTimeKey(t *testing.T) {
	a, b := store.NewID(), store.NewID()
	if !store.IsID(a) || !store.IsID(b) || a == b {
		t.Errorf("NewID: got %q and %q, want two distinct ids", a, b)
	}
	for _, bad := range []string{"", "ABC", strings.Repeat("a", 25), strings.Repeat("a", 27), "../" + a[3:]} {
		if store.IsID(bad) {
			t.Errorf("IsID(%q) = true", bad)
		}
	}
	early := time.Date(2026, 1, 2, 3, 4, 5, 6, time.FixedZone("CET", 3600))
	later := early.Add(time.Nanosecond)
	if store.TimeKey(early) >= store.TimeKey(later) || store.TimeKey(early) != "2026-01-02T02:04:05.000000006Z" {
		t.Errorf("TimeKey: got %q and %q", store.TimeKey(early), store.TimeKey(later))
	}
}

func TestDecode(t *testing.T) {
	items := []store.Item{{Key: store.Key{PK: "p", SK: "a"}, Data: []byte(`{"n":1}`)}, {Key: store.Key{PK: "p", SK: "b"}, Data: []byte(`{"n":2}`)}}
	type doc struct{ N int }
	got, err := store.Decode[doc](items)
	if err != nil || len(got) != 2 || got[0].N != 1 || got[1].N != 2 {
		t.Fatalf("got %+v (%v), want n 1 and 2", got, err)
	}
	items[1].Data = []byte(`{"n":`)
	if _, err := store.Decode[doc](items); err == nil || !strings.Contains(err.Error(), "p/b") {
		t.Errorf("got %v, want an error naming p/b", err)
	}
}
