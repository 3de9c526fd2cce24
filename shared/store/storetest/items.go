package storetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/store"
)

func testGet(t *testing.T, h Harness) {
	e := setup(t, h)
	stored := put(t, e.s, store.Item{Key: key("doc", "a"), Data: []byte(`{"n":1}`)}, store.Condition{})
	tests := []struct {
		name    string
		key     store.Key
		wantErr fault.Code
	}{
		{"Found", key("doc", "a"), ""},
		{"NotFoundOtherSortKey", key("doc", "b"), fault.NotFound},
		{"NotFoundSortKeyPrefix", key("doc", "a#1"), fault.NotFound},
		{"NotFoundOtherPartition", key("doc2", "a"), fault.NotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := e.s.Get(context.Background(), tc.key)
			wantCode(t, fmt.Sprintf("Get(%v)", tc.key), err, tc.wantErr)
			if err == nil {
				checkItem(t, "Get", got, stored)
			}
		})
	}
	t.Run("DriverNotFound", func(t *testing.T) {
		_, err := e.driver.Get(context.Background(), e.stored(key("doc", "b")))
		wantCode(t, "driver Get of a missing key", err, fault.NotFound)
	})
}

func testBatchGet(t *testing.T, h Harness) {
	e := setup(t, h)
	ctx := context.Background()
	for i := range 5 {
		put(t, e.s, store.Item{Key: key("batch", fmt.Sprint(i)), Data: []byte(fmt.Sprintf(`{"i":%d}`, i))}, store.Condition{})
	}
	tests := []struct {
		name string
		sks  []string // sort keys asked for, in partition "batch"
		want []string // sort keys returned
	}{
		{"OrderOfKeys", []string{"3", "0", "4", "1"}, []string{"3", "0", "4", "1"}},
		{"MissingLeftOut", []string{"9", "2", "x", "0", "y"}, []string{"2", "0"}},
		{"AllMissing", []string{"x", "y"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			keys := make([]store.Key, len(tc.sks))
			for i, sk := range tc.sks {
				keys[i] = e.stored(key("batch", sk))
			}
			items, err := e.driver.BatchGet(ctx, keys)
			if err != nil {
				t.Fatalf("driver BatchGet: %v", err)
			}
			if got := sortKeys(items); !slices.Equal(got, tc.want) {
				t.Fatalf("driver BatchGet(%q): got sort keys %q, want %q", tc.sks, got, tc.want)
			}
			for _, it := range items {
				if want := fmt.Sprintf(`{"i":%s}`, it.Key.SK); string(it.Data) != want {
					t.Errorf("driver BatchGet: item %v has data %q, want %q", it.Key, it.Data, want)
				}
			}
		})
	}
	t.Run("GetManyBeyondOneBatch", func(t *testing.T) {
		// 150 stored items asked for with 100 missing keys and duplicates
		// in between: Scope.GetMany spreads them over several BatchGets.
		for i := range 150 {
			put(t, e.s, store.Item{Key: key("many", fmt.Sprintf("%03d", i))}, store.Condition{})
		}
		var keys []store.Key
		var want []string
		for i := 149; i >= 0; i-- {
			sk := fmt.Sprintf("%03d", i)
			keys = append(keys, key("many", sk))
			want = append(want, sk)
			if i%3 == 0 {
				keys = append(keys, key("many", sk+"-missing"), key("many", sk), key("many", "149"))
			}
			if i%2 == 0 {
				keys = append(keys, key("nowhere", sk))
			}
		}
		items, err := e.s.GetMany(ctx, keys)
		if err != nil {
			t.Fatalf("GetMany of %d keys: %v", len(keys), err)
		}
		if got := sortKeys(items); !slices.Equal(got, want) {
			t.Fatalf("GetMany of %d keys: got %d sort keys %q, want %d: %q", len(keys), len(got), got, len(want), want)
		}
		for _, it := range items {
			if it.Key.PK != "many" {
				t.Fatalf("GetMany: got key %v, want partition %q", it.Key, "many")
			}
		}
	})
}

func testPutConditions(t *testing.T, h Harness) {
	e := setup(t, h)
	tests := []struct {
		name        string
		existing    bool // an item at version 2 is there before the write
		cond        store.Condition
		wantErr     fault.Code
		wantVersion int64
	}{
		{"NoConditionCreates", false, store.Condition{}, "", 1},
		{"NoConditionReplaces", true, store.Condition{}, "", 3},
		{"MustExistReplaces", true, store.IfExists, "", 3},
		{"MustExistConflictsWhenAbsent", false, store.IfExists, fault.Conflict, 0},
		{"MustNotExistCreates", false, store.IfAbsent, "", 1},
		{"MustNotExistConflictsWhenPresent", true, store.IfAbsent, fault.Conflict, 0},
		{"VersionEqualReplaces", true, store.IfVersion(2), "", 3},
		{"VersionStaleConflicts", true, store.IfVersion(1), fault.Conflict, 0},
		{"VersionAheadConflicts", true, store.IfVersion(3), fault.Conflict, 0},
		{"VersionConflictsWhenAbsent", false, store.IfVersion(1), fault.Conflict, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k := key("put-"+tc.name, "item")
			var before store.Item
			if tc.existing {
				old := store.Item{
					Key:     k,
					Indexes: map[store.Index]store.Key{store.GSI1: key("put-old-"+tc.name, "x")},
					Data:    []byte(`{"v":"old"}`),
				}
				put(t, e.s, old, store.IfAbsent)
				before = put(t, e.s, old, store.IfVersion(1))
			}
			next := store.Item{
				Key:     k,
				Indexes: map[store.Index]store.Key{store.GSI2: key("put-new-"+tc.name, "y")},
				Data:    []byte(`{"v":"new"}`),
			}
			got, err := e.s.Put(context.Background(), next, tc.cond)
			wantCode(t, fmt.Sprintf("Put(%+v)", tc.cond), err, tc.wantErr)
			if err != nil {
				if tc.existing {
					checkItem(t, "item after a failed Put", get(t, e.s, k), before)
				} else {
					wantMissing(t, e.s, k)
				}
				return
			}
			// The write replaces the whole item: the old index key is gone.
			want := next
			want.Version = tc.wantVersion
			checkItem(t, "item returned by Put", got, want)
			checkItem(t, "item read after Put", get(t, e.s, k), want)
		})
	}
}

func testVersions(t *testing.T, h Harness) {
	e := setup(t, h)
	ctx := context.Background()
	t.Run("NumberedFromOneByPut", func(t *testing.T) {
		k := key("versions", "put")
		for want := int64(1); want <= 4; want++ {
			got := put(t, e.s, store.Item{Key: k, Data: []byte(fmt.Sprint(want))}, store.Condition{})
			if got.Version != want {
				t.Fatalf("Put number %d: got version %d, want %d", want, got.Version, want)
			}
			if read := get(t, e.s, k); read.Version != want {
				t.Fatalf("Get after Put number %d: got version %d, want %d", want, read.Version, want)
			}
		}
	})
	t.Run("AddBumpsVersionAndPutKeepsCounter", func(t *testing.T) {
		// Add counts as a write: a version condition taken before it fails,
		// so that a counter change is never overlooked.
		k := key("versions", "put-then-add")
		put(t, e.s, store.Item{Key: k, Data: []byte(`{"a":1}`)}, store.IfAbsent)
		put(t, e.s, store.Item{Key: k, Data: []byte(`{"a":2}`)}, store.IfVersion(1))
		if _, err := e.s.Add(ctx, k, 7); err != nil {
			t.Fatalf("Add: %v", err)
		}
		checkItem(t, "item after Add", get(t, e.s, k), store.Item{Key: k, Version: 3, Data: []byte(`{"a":2}`), Counter: 7})
		_, err := e.s.Put(ctx, store.Item{Key: k, Data: []byte(`{"a":3}`)}, store.IfVersion(2))
		wantCode(t, "Put with the version from before Add", err, fault.Conflict)
		// The caller's Counter is ignored: the counter belongs to Add.
		got := put(t, e.s, store.Item{Key: k, Data: []byte(`{"a":3}`), Counter: 100}, store.IfVersion(3))
		checkItem(t, "item returned by Put after Add", got, store.Item{Key: k, Version: 4, Data: []byte(`{"a":3}`), Counter: 7})
	})
	t.Run("ItemCreatedByAddHasVersionOne", func(t *testing.T) {
		k := key("versions", "add-first")
		if _, err := e.s.Add(ctx, k, 5); err != nil {
			t.Fatalf("Add: %v", err)
		}
		checkItem(t, "item created by Add", get(t, e.s, k), store.Item{Key: k, Version: 1, Counter: 5})
		_, err := e.s.Put(ctx, store.Item{Key: k}, store.IfAbsent)
		wantCode(t, "Put(IfAbsent) on an item created by Add", err, fault.Conflict)
		got := put(t, e.s, store.Item{Key: k, Data: []byte(`{}`)}, store.IfVersion(1))
		checkItem(t, "item returned by the first Put", got, store.Item{Key: k, Version: 2, Data: []byte(`{}`), Counter: 5})
	})
	t.Run("NewItemIgnoresCallerVersionAndCounter", func(t *testing.T) {
		k := key("versions", "fresh")
		got := put(t, e.s, store.Item{Key: k, Version: 42, Counter: 9}, store.IfAbsent)
		checkItem(t, "item returned by Put", got, store.Item{Key: k, Version: 1})
	})
}

func testDeleteConditions(t *testing.T, h Harness) {
	e := setup(t, h)
	tests := []struct {
		name     string
		existing bool // an item at version 2, in GSI1, is there before the delete
		cond     store.Condition
		wantErr  fault.Code
	}{
		{"NoConditionDeletes", true, store.Condition{}, ""},
		{"NoConditionMissingSucceeds", false, store.Condition{}, ""},
		{"MustExistDeletes", true, store.IfExists, ""},
		{"MustExistConflictsWhenAbsent", false, store.IfExists, fault.Conflict},
		{"MustNotExistConflictsWhenPresent", true, store.IfAbsent, fault.Conflict},
		{"MustNotExistMissingSucceeds", false, store.IfAbsent, ""},
		{"VersionEqualDeletes", true, store.IfVersion(2), ""},
		{"VersionStaleConflicts", true, store.IfVersion(1), fault.Conflict},
		{"VersionConflictsWhenAbsent", false, store.IfVersion(1), fault.Conflict},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k := key("delete-"+tc.name, "item")
			ixPK := "delete-index-" + tc.name
			var before store.Item
			if tc.existing {
				it := store.Item{Key: k, Indexes: map[store.Index]store.Key{store.GSI1: key(ixPK, "x")}, Data: []byte(`{}`)}
				put(t, e.s, it, store.IfAbsent)
				before = put(t, e.s, it, store.IfVersion(1))
			}
			err := e.s.Delete(context.Background(), k, tc.cond)
			wantCode(t, fmt.Sprintf("Delete(%+v)", tc.cond), err, tc.wantErr)
			if tc.existing && err != nil {
				checkItem(t, "item after a failed Delete", get(t, e.s, k), before)
				wantQuery(t, e.s, store.Query{Index: store.GSI1, PK: ixPK}, "item")
				return
			}
			wantMissing(t, e.s, k)
			wantQuery(t, e.s, store.Query{Index: store.GSI1, PK: ixPK})
		})
	}
}

func testAdd(t *testing.T, h Harness) {
	e := setup(t, h)
	ctx := context.Background()
	steps := []struct {
		name  string
		delta int64
		want  int64
	}{
		{"CreatesAtZero", 5, 5},
		{"AddsToStored", 10, 15},
		{"AddsNegative", -20, -5},
		{"AddsZero", 0, -5},
	}
	k := key("counters", "c")
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			got, err := e.s.Add(ctx, k, st.delta)
			if err != nil {
				t.Fatalf("Add(%d): %v", st.delta, err)
			}
			if got != st.want {
				t.Fatalf("Add(%d): got %d, want %d", st.delta, got, st.want)
			}
			if read := get(t, e.s, k); read.Counter != st.want {
				t.Fatalf("Get after Add(%d): got counter %d, want %d", st.delta, read.Counter, st.want)
			}
		})
	}
	t.Run("KeepsItem", func(t *testing.T) {
		k := key("counters", "with-data")
		it := put(t, e.s, store.Item{Key: k, Indexes: map[store.Index]store.Key{store.GSI1: key("counted", "x")}, Data: []byte(`{"keep":true}`)}, store.IfAbsent)
		if _, err := e.s.Add(ctx, k, 3); err != nil {
			t.Fatalf("Add: %v", err)
		}
		it.Counter, it.Version = 3, it.Version+1
		checkItem(t, "item after Add", get(t, e.s, k), it)
	})
	t.Run("ConcurrentAddsSumExactly", func(t *testing.T) {
		const workers, each = 20, 5
		k := key("counters", "concurrent")
		results := make(chan int64, workers*each)
		errs := make(chan error, workers*each)
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for range each {
					n, err := e.s.Add(ctx, k, 1)
					if err != nil {
						errs <- err
						return
					}
					results <- n
				}
			})
		}
		wg.Wait()
		close(results)
		close(errs)
		for err := range errs {
			t.Fatalf("concurrent Add: %v", err)
		}
		// Each Add saw a value of its own: no two read the same counter.
		var got []int64
		for n := range results {
			got = append(got, n)
		}
		slices.Sort(got)
		for i, n := range got {
			if n != int64(i+1) {
				t.Fatalf("concurrent Adds of 1 returned %v, want each of 1..%d once", got, workers*each)
			}
		}
		if read := get(t, e.s, k); read.Counter != workers*each {
			t.Fatalf("counter after %d concurrent Adds: got %d, want %d", workers*each, read.Counter, workers*each)
		}
	})
}

func testConcurrentConditionalWrites(t *testing.T, h Harness) {
	e := setup(t, h)
	ctx := context.Background()
	tests := []struct {
		name     string
		existing bool // an item at version 1 is there before the race
		cond     store.Condition
	}{
		{"SameVersionOneWins", true, store.IfVersion(1)},
		{"CreateIfAbsentOneWins", false, store.IfAbsent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			const writers = 20
			k := key("race-"+tc.name, "item")
			if tc.existing {
				put(t, e.s, store.Item{Key: k, Data: []byte(`"start"`)}, store.IfAbsent)
			}
			errs := make([]error, writers)
			var wg sync.WaitGroup
			for i := range writers {
				wg.Go(func() {
					_, errs[i] = e.s.Put(ctx, store.Item{Key: k, Data: []byte(fmt.Sprintf(`"writer %d"`, i))}, tc.cond)
				})
			}
			wg.Wait()
			winner := -1
			for i, err := range errs {
				switch fault.CodeOf(err) {
				case "":
					if winner >= 0 {
						t.Fatalf("writers %d and %d both succeeded under %+v, want exactly one", winner, i, tc.cond)
					}
					winner = i
				case fault.Conflict:
				default:
					t.Fatalf("writer %d: got error %v, want success or a %s error", i, err, fault.Conflict)
				}
			}
			if winner < 0 {
				t.Fatalf("every writer failed under %+v, want exactly one to succeed", tc.cond)
			}
			want := store.Item{Key: k, Version: 1, Data: []byte(fmt.Sprintf(`"writer %d"`, winner))}
			if tc.existing {
				want.Version = 2
			}
			checkItem(t, "item after the race", get(t, e.s, k), want)
		})
	}
}
