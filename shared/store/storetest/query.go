package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/store"
)

func testQuery(t *testing.T, h Harness) {
	e := setup(t, h)
	// In byte order: a < a#1 < a#10 < a#2 < ab < b < b#1 < c.
	for _, sk := range []string{"b#1", "a#10", "c", "a", "ab", "a#2", "b", "a#1"} {
		put(t, e.s, store.Item{Key: key("q", sk)}, store.Condition{})
	}
	// Neighbouring partitions whose items must never show up in "q".
	for _, pk := range []string{"p", "q2", "q#", "qa"} {
		for _, sk := range []string{"a", "a#1", "b"} {
			put(t, e.s, store.Item{Key: key(pk, sk)}, store.Condition{})
		}
	}
	tests := []struct {
		name string
		q    store.Query
		want []string
	}{
		{"WholePartition", store.Query{}, []string{"a", "a#1", "a#10", "a#2", "ab", "b", "b#1", "c"}},
		{"Prefix", store.Query{Prefix: "a#"}, []string{"a#1", "a#10", "a#2"}},
		{"PrefixEqualToAKey", store.Query{Prefix: "ab"}, []string{"ab"}},
		{"PrefixMatchingNothing", store.Query{Prefix: "zz"}, nil},
		{"Range", store.Query{From: "a#1", To: "b"}, []string{"a#1", "a#10", "a#2", "ab", "b"}},
		{"RangeOfOneKey", store.Query{From: "ab", To: "ab"}, []string{"ab"}},
		{"RangeBetweenKeys", store.Query{From: "a#3", To: "a#9"}, nil},
		{"RangeBoundsNotStored", store.Query{From: "a#0", To: "a#3"}, []string{"a#1", "a#10", "a#2"}},
		{"FromOnly", store.Query{From: "ab"}, []string{"ab", "b", "b#1", "c"}},
		{"ToOnly", store.Query{To: "a#10"}, []string{"a", "a#1", "a#10"}},
		{"PartitionMissing", store.Query{PK: "missing"}, nil},
	}
	for _, tc := range tests {
		for _, reverse := range []bool{false, true} {
			name, want := tc.name, tc.want
			if reverse {
				name, want = name+"Descending", slices.Clone(want)
				slices.Reverse(want)
			}
			t.Run(name, func(t *testing.T) {
				q := tc.q
				if q.PK == "" {
					q.PK = "q"
				}
				q.Reverse = reverse
				items := wantQuery(t, e.s, q, want...)
				for _, it := range items {
					if it.Key.PK != q.PK || it.Version != 1 {
						t.Fatalf("Query(%+v): got item %v version %d, want partition %q version 1", q, it.Key, it.Version, q.PK)
					}
				}
			})
		}
	}
	t.Run("LimitCutsFirstPage", func(t *testing.T) {
		page, err := e.s.Query(context.Background(), store.Query{PK: "q", Limit: 3}, "")
		if err != nil {
			t.Fatalf("Query: %v", err)
		}
		if got, want := sortKeys(page.Items), []string{"a", "a#1", "a#10"}; !slices.Equal(got, want) {
			t.Fatalf("Query with limit 3: got sort keys %q, want %q", got, want)
		}
		if page.Cursor == "" {
			t.Fatal("Query with limit 3 of 8 items: got no cursor, want one")
		}
	})
	t.Run("LastPageHasNoCursor", func(t *testing.T) {
		page, err := e.s.Query(context.Background(), store.Query{PK: "q", Limit: 9}, "")
		if err != nil {
			t.Fatalf("Query: %v", err)
		}
		if len(page.Items) != 8 || page.Cursor != "" {
			t.Fatalf("Query with limit 9 of 8 items: got %d items and cursor %q, want 8 and no cursor", len(page.Items), page.Cursor)
		}
	})
}

func testPagination(t *testing.T, h Harness) {
	e := setup(t, h)
	var all []string
	for i := range 57 {
		sk := fmt.Sprintf("item#%03d", i)
		all = append(all, sk)
		put(t, e.s, store.Item{Key: key("pages", sk), Data: []byte(sk)}, store.Condition{})
	}
	for _, sk := range []string{"aaa", "item", "itemz", "zzz"} {
		put(t, e.s, store.Item{Key: key("pages", sk), Data: []byte(sk)}, store.Condition{})
	}
	tests := []struct {
		name string
		q    store.Query
		want []string
	}{
		{"PrefixByTens", store.Query{Prefix: "item#", Limit: 10}, all},
		{"PrefixBySevens", store.Query{Prefix: "item#", Limit: 7}, all},
		{"RangeByTens", store.Query{From: "item#005", To: "item#049", Limit: 10}, all[5:50]},
		{"FromOnlyByTens", store.Query{From: "item#050", Limit: 10}, append(slices.Clone(all[50:]), "itemz", "zzz")},
		{"OneByOne", store.Query{Prefix: "item#01", Limit: 1}, all[10:20]},
		{"DefaultLimit", store.Query{Prefix: "item#"}, all},
		{"ExactMultipleOfLimit", store.Query{From: "item#000", To: "item#039", Limit: 10}, all[:40]},
	}
	for _, tc := range tests {
		for _, reverse := range []bool{false, true} {
			name, want := tc.name, tc.want
			if reverse {
				name, want = name+"Descending", slices.Clone(want)
				slices.Reverse(want)
			}
			t.Run(name, func(t *testing.T) {
				q := tc.q
				q.PK, q.Reverse = "pages", reverse
				// wantQuery checks that the pages, full but the last,
				// put together give every item once, in order.
				for _, it := range wantQuery(t, e.s, q, want...) {
					if string(it.Data) != it.Key.SK {
						t.Fatalf("item %v: got data %q, want %q", it.Key, it.Data, it.Key.SK)
					}
				}
			})
		}
	}
	t.Run("DefaultLimitIsFifty", func(t *testing.T) {
		page, err := e.s.Query(context.Background(), store.Query{PK: "pages", Prefix: "item#"}, "")
		if err != nil {
			t.Fatalf("Query: %v", err)
		}
		if len(page.Items) != store.DefaultQueryLimit || page.Cursor == "" {
			t.Fatalf("first page with the default limit: got %d items and cursor %q, want %d and a cursor", len(page.Items), page.Cursor, store.DefaultQueryLimit)
		}
	})
	t.Run("WritesBetweenPagesKeepPlace", func(t *testing.T) {
		// A cursor marks a position, not an item: deleting the last item
		// of a page, or adding items behind it, neither repeats nor skips.
		q := store.Query{PK: "moving", Limit: 3}
		for _, sk := range []string{"b", "d", "f", "h", "j"} {
			put(t, e.s, store.Item{Key: key("moving", sk)}, store.Condition{})
		}
		page, err := e.s.Query(context.Background(), q, "")
		if err != nil {
			t.Fatalf("first page: %v", err)
		}
		if err := e.s.Delete(context.Background(), key("moving", "f"), store.Condition{}); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		put(t, e.s, store.Item{Key: key("moving", "a")}, store.Condition{})
		put(t, e.s, store.Item{Key: key("moving", "g")}, store.Condition{})
		next, err := e.s.Query(context.Background(), q, page.Cursor)
		if err != nil {
			t.Fatalf("second page: %v", err)
		}
		got := append(sortKeys(page.Items), sortKeys(next.Items)...)
		if want := []string{"b", "d", "f", "g", "h", "j"}; !slices.Equal(got, want) {
			t.Fatalf("two pages around writes: got %q, want %q", got, want)
		}
	})
}

func testCursors(t *testing.T, h Harness) {
	e := setup(t, h)
	ctx := context.Background()
	other := e.db.Tenant(uniqueTenant(t))
	for _, s := range []*store.Scope{e.s, other} {
		for i := range 6 {
			put(t, s, store.Item{Key: key("c", fmt.Sprint(i)), Indexes: map[store.Index]store.Key{store.GSI1: key("c", fmt.Sprint(i))}}, store.Condition{})
			put(t, s, store.Item{Key: key("d", fmt.Sprint(i))}, store.Condition{})
		}
	}
	q := store.Query{PK: "c", Limit: 2}
	first, err := e.s.Query(ctx, q, "")
	if err != nil || first.Cursor == "" {
		t.Fatalf("first page: got cursor %q, error %v; want a cursor", first.Cursor, err)
	}
	cursor := first.Cursor
	tests := []struct {
		name    string
		s       *store.Scope
		q       store.Query
		cursor  string
		wantErr fault.Code
	}{
		{"SameQueryAccepted", e.s, q, cursor, ""},
		{"OtherLimitAccepted", e.s, store.Query{PK: "c", Limit: 3}, cursor, ""},
		{"OtherPartitionInvalid", e.s, store.Query{PK: "d", Limit: 2}, cursor, fault.Invalid},
		{"OtherTenantInvalid", other, q, cursor, fault.Invalid},
		{"GlobalScopeInvalid", e.db.Global(), q, cursor, fault.Invalid},
		{"OtherDirectionInvalid", e.s, store.Query{PK: "c", Limit: 2, Reverse: true}, cursor, fault.Invalid},
		{"OtherPrefixInvalid", e.s, store.Query{PK: "c", Prefix: "1", Limit: 2}, cursor, fault.Invalid},
		{"OtherRangeInvalid", e.s, store.Query{PK: "c", From: "0", Limit: 2}, cursor, fault.Invalid},
		{"IndexInvalid", e.s, store.Query{Index: store.GSI1, PK: "c", Limit: 2}, cursor, fault.Invalid},
		{"FirstCharacterChangedInvalid", e.s, q, changeFirst(cursor), fault.Invalid},
		{"TruncatedInvalid", e.s, q, cursor[:len(cursor)-1], fault.Invalid},
		{"ExtendedInvalid", e.s, q, cursor + "A", fault.Invalid},
		{"SignatureDroppedInvalid", e.s, q, strings.Split(cursor, ".")[0], fault.Invalid},
		{"GarbageInvalid", e.s, q, "not a cursor", fault.Invalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			page, err := tc.s.Query(ctx, tc.q, tc.cursor)
			wantCode(t, "Query with the cursor", err, tc.wantErr)
			if err == nil && (len(page.Items) == 0 || page.Items[0].Key.SK != "2") {
				t.Fatalf("Query with the cursor: got sort keys %q, want the page to start at %q", sortKeys(page.Items), "2")
			}
		})
	}
	t.Run("ReusedCursorGivesSamePage", func(t *testing.T) {
		a, errA := e.s.Query(ctx, q, cursor)
		b, errB := e.s.Query(ctx, q, cursor)
		if errA != nil || errB != nil {
			t.Fatalf("Query with the cursor: %v, %v", errA, errB)
		}
		if ga, gb := sortKeys(a.Items), sortKeys(b.Items); !slices.Equal(ga, gb) || len(ga) != 2 || a.Cursor == "" || b.Cursor == "" {
			t.Fatalf("same cursor twice: got %q then %q, want the same full page with a cursor", ga, gb)
		}
	})
}

// changeFirst returns s with its first character replaced by another one of
// the base64url alphabet, so the cursor still decodes but says something else.
func changeFirst(s string) string {
	if s[0] == 'A' {
		return "B" + s[1:]
	}
	return "A" + s[1:]
}

func testIndexes(t *testing.T, h Harness) {
	e := setup(t, h)
	ix := func(pairs ...store.Key) map[store.Index]store.Key {
		m := map[store.Index]store.Key{}
		for i, k := range pairs {
			if k != (store.Key{}) {
				m[store.Indexes[i]] = k
			}
		}
		return m
	}
	type indexWant struct {
		q    store.Query
		want []string // table sort keys (partition "svc"), in index order
	}
	cat := func(pk string, want ...string) indexWant {
		return indexWant{store.Query{Index: store.GSI1, PK: pk}, want}
	}
	owner := func(pk string, want ...string) indexWant {
		return indexWant{store.Query{Index: store.GSI2, PK: pk}, want}
	}
	steps := []struct {
		name   string
		put    []store.Item
		delete []string // table sort keys
		wants  []indexWant
	}{
		{
			name: "SparseIndexesHoldOnlyItemsWithKeys",
			put: []store.Item{
				{Key: key("svc", "a"), Indexes: ix(key("cat#x", "Beta"), key("owner#1", "2024-01")), Data: []byte(`{"n":"a"}`)},
				{Key: key("svc", "b"), Indexes: ix(key("cat#x", "Alpha")), Data: []byte(`{"n":"b"}`)},
				{Key: key("svc", "c"), Indexes: ix(key("cat#y", "Gamma")), Data: []byte(`{"n":"c"}`)},
				{Key: key("svc", "d"), Data: []byte(`{"n":"d"}`)},
				{Key: key("svc", "e"), Indexes: ix(store.Key{}, key("owner#1", "2024-02")), Data: []byte(`{"n":"e"}`)},
			},
			wants: []indexWant{
				cat("cat#x", "b", "a"),
				cat("cat#y", "c"),
				owner("owner#1", "a", "e"),
				owner("cat#x"),
				cat("owner#1"),
				cat("svc"),
				{store.Query{Index: store.GSI1, PK: "cat#x", Reverse: true}, []string{"a", "b"}},
				{store.Query{Index: store.GSI1, PK: "cat#x", Prefix: "Al"}, []string{"b"}},
				{store.Query{Index: store.GSI1, PK: "cat#x", From: "B", To: "Z"}, []string{"a"}},
				{store.Query{Index: store.GSI2, PK: "owner#1", To: "2024-01"}, []string{"a"}},
				{store.Query{PK: "svc"}, []string{"a", "b", "c", "d", "e"}},
				{store.Query{PK: "cat#x"}, nil},
			},
		},
		{
			name: "IndexPartitionChangeMovesItem",
			put:  []store.Item{{Key: key("svc", "c"), Indexes: ix(key("cat#x", "Delta")), Data: []byte(`{"n":"c2"}`)}},
			wants: []indexWant{
				cat("cat#x", "b", "a", "c"),
				cat("cat#y"),
			},
		},
		{
			name: "IndexSortKeyChangeReorders",
			put:  []store.Item{{Key: key("svc", "b"), Indexes: ix(key("cat#x", "Zeta")), Data: []byte(`{"n":"b2"}`)}},
			wants: []indexWant{
				cat("cat#x", "a", "c", "b"),
			},
		},
		{
			name: "RemovingIndexKeyRemovesItem",
			put:  []store.Item{{Key: key("svc", "a"), Indexes: ix(store.Key{}, key("owner#1", "2024-01")), Data: []byte(`{"n":"a2"}`)}},
			wants: []indexWant{
				cat("cat#x", "c", "b"),
				owner("owner#1", "a", "e"),
			},
		},
		{
			name: "AddingIndexKeyAddsItem",
			put:  []store.Item{{Key: key("svc", "d"), Indexes: ix(key("cat#x", "Beta")), Data: []byte(`{"n":"d2"}`)}},
			wants: []indexWant{
				cat("cat#x", "d", "c", "b"),
			},
		},
		{
			name:   "DeleteRemovesFromIndexes",
			delete: []string{"e", "c"},
			wants: []indexWant{
				cat("cat#x", "d", "b"),
				owner("owner#1", "a"),
			},
		},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			for _, it := range st.put {
				put(t, e.s, it, store.Condition{})
			}
			for _, sk := range st.delete {
				if err := e.s.Delete(context.Background(), key("svc", sk), store.Condition{}); err != nil {
					t.Fatalf("Delete(%s): %v", sk, err)
				}
			}
			for _, w := range st.wants {
				for _, it := range wantQuery(t, e.s, w.q, w.want...) {
					// Index queries return whole items, as stored now.
					checkItem(t, "item from an index query", it, get(t, e.s, it.Key))
				}
			}
		})
	}
	t.Run("EqualIndexSortKeysPaginate", func(t *testing.T) {
		var want []string
		for i := range 12 {
			sk := fmt.Sprintf("tie%02d", i)
			want = append(want, sk)
			put(t, e.s, store.Item{Key: key("ties", sk), Indexes: ix(store.Key{}, key("tied", "same"))}, store.Condition{})
		}
		put(t, e.s, store.Item{Key: key("ties", "after"), Indexes: ix(store.Key{}, key("tied", "samf"))}, store.Condition{})
		// The order among equal index sort keys is the backend's; the walk
		// must still return each item once, the different one last.
		got := sortKeys(queryAll(t, e.s, store.Query{Index: store.GSI2, PK: "tied", Limit: 5}, false))
		if len(got) != 13 || got[12] != "after" {
			t.Fatalf("walking 13 items by 5: got %q, want 12 ties then %q", got, "after")
		}
		got = got[:12]
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Fatalf("walking equal index sort keys by 5: got %q, want each of %q once", got, want)
		}
	})
	t.Run("TenantsDoNotShareIndexPartitions", func(t *testing.T) {
		other := e.db.Tenant(uniqueTenant(t))
		put(t, other, store.Item{Key: key("svc", "z"), Indexes: ix(key("cat#x", "Alpha"))}, store.Condition{})
		wantQuery(t, e.s, store.Query{Index: store.GSI1, PK: "cat#x"}, "d", "b")
		wantQuery(t, other, store.Query{Index: store.GSI1, PK: "cat#x"}, "z")
	})
}

func testSortOrder(t *testing.T, h Harness) {
	e := setup(t, h)
	// Byte order of UTF-8 is code point order. It differs from UTF-16 order
	// (U+FF21 against U+1D11E), from collation (case, accents) and from
	// numeric order ("10" against "9").
	sks := []string{"z", "Z", "a", "A", "é", "e", "ß", "€", "\uff21", "\U0001d11e", "\u00a0", "10", "9", "a-b", "a#b", "a~", "~", "ü", "u"}
	for _, sk := range sks {
		put(t, e.s, store.Item{Key: key("order", sk), Indexes: map[store.Index]store.Key{store.GSI1: key("order", sk)}}, store.Condition{})
	}
	want := slices.Clone(sks)
	slices.Sort(want) // Go compares strings byte by byte
	for _, q := range []store.Query{{PK: "order"}, {Index: store.GSI1, PK: "order"}} {
		wantQuery(t, e.s, q, want...)
	}
	// A range bound between two multi-byte keys selects by bytes too.
	wantQuery(t, e.s, store.Query{PK: "order", From: "\u00ff", To: "\uffff"}, "€", "\uff21")
}
