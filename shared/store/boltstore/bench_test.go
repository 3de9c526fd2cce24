package boltstore_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stanzaportal/stanza/shared/store"
	"github.com/stanzaportal/stanza/shared/store/boltstore"
)

// benchScope returns a tenant scope over a new store holding 100 items of
// about 1 KB in partition "apps", as a Comune's applications might be.
func benchScope(b *testing.B) *store.Scope {
	b.Helper()
	s, err := boltstore.Open(filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	db, err := store.New(s, crashCursorKey)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	sc := db.Tenant("bench")
	data := []byte(`{"stato":"in lavorazione","note":"` + strings.Repeat("à", 500) + `"}`)
	for i := range 100 {
		if _, err := sc.Put(context.Background(), store.Item{Key: benchKey(i), Data: data}, store.IfAbsent); err != nil {
			b.Fatal(err)
		}
	}
	return sc
}

func benchKey(i int) store.Key { return store.Key{PK: "apps", SK: fmt.Sprintf("app#%04d", i)} }

func BenchmarkGet(b *testing.B) {
	sc, ctx := benchScope(b), context.Background()
	i := 0
	for b.Loop() {
		if _, err := sc.Get(ctx, benchKey(i%100)); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkConditionalUpdate measures a state change: one Put under a
// version condition, committed and synced to disk.
func BenchmarkConditionalUpdate(b *testing.B) {
	sc, ctx := benchScope(b), context.Background()
	it, err := sc.Get(ctx, benchKey(0))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if it, err = sc.Put(ctx, it, store.IfVersion(it.Version)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkQuery20(b *testing.B) {
	sc, ctx := benchScope(b), context.Background()
	q := store.Query{PK: "apps", From: "app#0040", Limit: 20}
	for b.Loop() {
		page, err := sc.Query(ctx, q, "")
		if err != nil {
			b.Fatal(err)
		}
		if len(page.Items) != 20 {
			b.Fatalf("got %d items, want 20", len(page.Items))
		}
	}
}
