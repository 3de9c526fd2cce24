package storetest

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/store"
)

func key(pk, sk string) store.Key { return store.Key{PK: pk, SK: sk} }

// put writes item under cond and fails the test on any error.
func put(t *testing.T, s *store.Scope, item store.Item, cond store.Condition) store.Item {
	t.Helper()
	got, err := s.Put(context.Background(), item, cond)
	if err != nil {
		t.Fatalf("Put(%v, %+v): %v", item.Key, cond, err)
	}
	return got
}

// get reads k and fails the test on any error.
func get(t *testing.T, s *store.Scope, k store.Key) store.Item {
	t.Helper()
	got, err := s.Get(context.Background(), k)
	if err != nil {
		t.Fatalf("Get(%v): %v", k, err)
	}
	return got
}

// wantMissing fails the test unless Get(k) is a NotFound error.
func wantMissing(t *testing.T, s *store.Scope, k store.Key) {
	t.Helper()
	got, err := s.Get(context.Background(), k)
	if code := fault.CodeOf(err); code != fault.NotFound {
		t.Fatalf("Get(%v): got item %+v, error %v; want a %s error", k, got, err, fault.NotFound)
	}
}

// wantCode fails the test unless err carries code ("" for no error).
func wantCode(t *testing.T, what string, err error, code fault.Code) {
	t.Helper()
	if got := fault.CodeOf(err); got != code {
		t.Fatalf("%s: got error %v (code %q), want code %q", what, err, got, code)
	}
}

// diffItem describes how got differs from want, or returns "".
func diffItem(got, want store.Item) string {
	var diffs []string
	if got.Key != want.Key {
		diffs = append(diffs, fmt.Sprintf("key: got %v, want %v", got.Key, want.Key))
	}
	if got.Version != want.Version {
		diffs = append(diffs, fmt.Sprintf("version: got %d, want %d", got.Version, want.Version))
	}
	if !got.Expires.Equal(want.Expires) {
		diffs = append(diffs, fmt.Sprintf("expires: got %v, want %v", got.Expires, want.Expires))
	}
	if !indexesEqual(got.Indexes, want.Indexes) {
		diffs = append(diffs, fmt.Sprintf("indexes: got %v, want %v", got.Indexes, want.Indexes))
	}
	if !bytes.Equal(got.Data, want.Data) {
		diffs = append(diffs, fmt.Sprintf("data: got %q, want %q", abbrev(got.Data), abbrev(want.Data)))
	}
	if got.Counter != want.Counter {
		diffs = append(diffs, fmt.Sprintf("counter: got %d, want %d", got.Counter, want.Counter))
	}
	if diffs == nil {
		return ""
	}
	return fmt.Sprint(diffs)
}

// checkItem fails the test when got differs from want.
func checkItem(t *testing.T, what string, got, want store.Item) {
	t.Helper()
	if d := diffItem(got, want); d != "" {
		t.Fatalf("%s: %s", what, d)
	}
}

// indexesEqual treats a nil and an empty map alike: an item in no index.
func indexesEqual(a, b map[store.Index]store.Key) bool {
	if len(a) != len(b) {
		return false
	}
	for ix, k := range a {
		if bk, ok := b[ix]; !ok || bk != k {
			return false
		}
	}
	return true
}

// abbrev keeps failure messages about large items readable.
func abbrev(b []byte) []byte {
	if len(b) > 80 {
		return append(slices.Clip(b[:80]), "..."...)
	}
	return b
}

// sortKeys returns the sort keys of items, in their order.
func sortKeys(items []store.Item) []string {
	sks := make([]string, len(items))
	for i, it := range items {
		sks[i] = it.Key.SK
	}
	return sks
}

// queryAll walks every page of q and returns the items in order. It checks
// that every page but the last is full: a short page may only end a query
// whose items expire, which the caller says with shortPagesOK.
func queryAll(t *testing.T, s *store.Scope, q store.Query, shortPagesOK bool) []store.Item {
	t.Helper()
	limit := q.Limit
	if limit == 0 {
		limit = store.DefaultQueryLimit
	}
	var all []store.Item
	cursor := ""
	for pages := 1; ; pages++ {
		page, err := s.Query(context.Background(), q, cursor)
		if err != nil {
			t.Fatalf("Query(%+v) page %d: %v", q, pages, err)
		}
		if len(page.Items) > limit {
			t.Fatalf("Query(%+v) page %d: got %d items, want at most %d", q, pages, len(page.Items), limit)
		}
		all = append(all, page.Items...)
		if page.Cursor == "" {
			return all
		}
		if !shortPagesOK && len(page.Items) != limit {
			t.Fatalf("Query(%+v) page %d: got %d items and a cursor, want a full page of %d", q, pages, len(page.Items), limit)
		}
		if pages > 1000 {
			t.Fatalf("Query(%+v): still a cursor after %d pages", q, pages)
		}
		cursor = page.Cursor
	}
}

// wantQuery fails the test unless walking q returns items with sort keys want.
func wantQuery(t *testing.T, s *store.Scope, q store.Query, want ...string) []store.Item {
	t.Helper()
	items := queryAll(t, s, q, false)
	if got := sortKeys(items); !slices.Equal(got, want) {
		t.Fatalf("Query(%+v): got sort keys %q, want %q", q, got, want)
	}
	return items
}
