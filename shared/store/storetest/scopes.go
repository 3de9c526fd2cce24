package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/store"
)

func testExpiry(t *testing.T, h Harness) {
	e := setup(t, h)
	ctx := context.Background()
	past := time.Now().Add(-time.Hour)
	future := time.Now().Add(time.Hour)
	ttlIndex := func(sk string) map[store.Index]store.Key {
		return map[store.Index]store.Key{store.GSI1: key("ttl-index", sk)}
	}
	put(t, e.s, store.Item{Key: key("ttl", "gone"), Expires: past, Indexes: ttlIndex("gone")}, store.Condition{})
	live := put(t, e.s, store.Item{Key: key("ttl", "live"), Expires: future, Indexes: ttlIndex("live"), Data: []byte(`{}`)}, store.Condition{})
	put(t, e.s, store.Item{Key: key("ttl", "plain"), Indexes: ttlIndex("plain")}, store.Condition{})

	t.Run("ExpiresKeptToTheSecond", func(t *testing.T) {
		want := future.Truncate(time.Second)
		if !live.Expires.Equal(want) {
			t.Fatalf("Put returned expiry %v, want %v", live.Expires, want)
		}
		checkItem(t, "Get of an item expiring later", get(t, e.s, key("ttl", "live")), live)
	})
	t.Run("GetMissesExpired", func(t *testing.T) {
		wantMissing(t, e.s, key("ttl", "gone"))
	})
	t.Run("GetManyLeavesOutExpired", func(t *testing.T) {
		items, err := e.s.GetMany(ctx, []store.Key{key("ttl", "gone"), key("ttl", "live"), key("ttl", "plain")})
		if err != nil {
			t.Fatalf("GetMany: %v", err)
		}
		if got, want := sortKeys(items), []string{"live", "plain"}; !slices.Equal(got, want) {
			t.Fatalf("GetMany: got sort keys %q, want %q", got, want)
		}
	})
	t.Run("QueryLeavesOutExpired", func(t *testing.T) {
		wantQuery(t, e.s, store.Query{PK: "ttl"}, "live", "plain")
		wantQuery(t, e.s, store.Query{PK: "ttl", Reverse: true}, "plain", "live")
		wantQuery(t, e.s, store.Query{Index: store.GSI1, PK: "ttl-index"}, "live", "plain")
	})
	t.Run("PagesSkipExpired", func(t *testing.T) {
		var want []string
		for i := range 30 {
			it := store.Item{Key: key("ttl-pages", fmt.Sprintf("%02d", i))}
			if i%3 != 1 {
				it.Expires = past
			} else {
				want = append(want, it.Key.SK)
			}
			put(t, e.s, it, store.Condition{})
		}
		// Pages may come short (DynamoDB filters expired items after the
		// limit), but together they hold every live item once.
		for _, limit := range []int{1, 4, 10} {
			items := queryAll(t, e.s, store.Query{PK: "ttl-pages", Limit: limit}, true)
			if got := sortKeys(items); !slices.Equal(got, want) {
				t.Fatalf("walking by %d: got sort keys %q, want %q", limit, got, want)
			}
		}
	})

	tests := []struct {
		name    string
		write   func(k store.Key) error
		wantErr fault.Code
	}{
		{"MustNotExistPutCreates", func(k store.Key) error {
			_, err := e.s.Put(ctx, store.Item{Key: k, Data: []byte(`"new"`)}, store.IfAbsent)
			return err
		}, ""},
		{"MustExistPutConflicts", func(k store.Key) error {
			_, err := e.s.Put(ctx, store.Item{Key: k, Data: []byte(`"new"`)}, store.IfExists)
			return err
		}, fault.Conflict},
		{"VersionPutConflicts", func(k store.Key) error {
			_, err := e.s.Put(ctx, store.Item{Key: k, Data: []byte(`"new"`)}, store.IfVersion(1))
			return err
		}, fault.Conflict},
		{"MustExistDeleteConflicts", func(k store.Key) error {
			return e.s.Delete(ctx, k, store.IfExists)
		}, fault.Conflict},
		{"VersionDeleteConflicts", func(k store.Key) error {
			return e.s.Delete(ctx, k, store.IfVersion(1))
		}, fault.Conflict},
		{"MustNotExistDeleteSucceeds", func(k store.Key) error {
			return e.s.Delete(ctx, k, store.IfAbsent)
		}, ""},
	}
	for _, tc := range tests {
		t.Run("Expired"+tc.name, func(t *testing.T) {
			k := key("ttl-conditions", tc.name)
			ixPK := "ttl-conditions-" + tc.name
			put(t, e.s, store.Item{Key: k, Expires: past, Indexes: map[store.Index]store.Key{store.GSI1: key(ixPK, "x")}, Data: []byte(`"old"`)}, store.Condition{})
			wantCode(t, "write on an expired item", tc.write(k), tc.wantErr)
			got, err := e.s.Get(ctx, k)
			switch {
			case fault.CodeOf(err) == fault.NotFound:
			case err != nil:
				t.Fatalf("Get after the write: %v", err)
			case string(got.Data) != `"new"` || !got.Expires.IsZero() || len(got.Indexes) != 0:
				t.Fatalf("Get after the write: got %+v, want the new item without expiry or index keys", got)
			}
			// Whatever the write did, the expired item stays out of its index.
			wantQuery(t, e.s, store.Query{Index: store.GSI1, PK: ixPK})
		})
	}
}

func testTenantIsolation(t *testing.T, h Harness) {
	e := setup(t, h)
	ctx := context.Background()
	other := e.db.Tenant(uniqueTenant(t))
	global := e.db.Global()
	pk := "shared-" + randomHex(t) // global keys are shared by every test
	k := key(pk, "same")
	scopes := []struct {
		name string
		s    *store.Scope
	}{
		{"Tenant", e.s},
		{"OtherTenant", other},
		{"Global", global},
	}
	for _, sc := range scopes {
		it := store.Item{Key: k, Indexes: map[store.Index]store.Key{store.GSI1: key(pk, sc.name)}, Data: []byte(`"` + sc.name + `"`)}
		if got := put(t, sc.s, it, store.IfAbsent); got.Version != 1 || got.Key != k {
			t.Fatalf("Put in scope %s: got key %v version %d, want key %v version 1", sc.name, got.Key, got.Version, k)
		}
	}
	if _, err := e.s.Add(ctx, k, 5); err != nil {
		t.Fatalf("Add: %v", err)
	}
	if err := e.s.Delete(ctx, key(pk, "same"), store.IfVersion(2)); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	for _, sc := range scopes[1:] {
		t.Run(sc.name+"KeepsItsOwn", func(t *testing.T) {
			want := store.Item{Key: k, Version: 1, Indexes: map[store.Index]store.Key{store.GSI1: key(pk, sc.name)}, Data: []byte(`"` + sc.name + `"`)}
			checkItem(t, "Get", get(t, sc.s, k), want)
			items, err := sc.s.GetMany(ctx, []store.Key{k})
			if err != nil || len(items) != 1 {
				t.Fatalf("GetMany: got %d items, error %v; want 1", len(items), err)
			}
			checkItem(t, "GetMany", items[0], want)
			wantQuery(t, sc.s, store.Query{PK: pk}, "same")
			wantQuery(t, sc.s, store.Query{Index: store.GSI1, PK: pk}, "same")
		})
	}
	t.Run("DeletedTenantItemGone", func(t *testing.T) {
		wantMissing(t, e.s, k)
		wantQuery(t, e.s, store.Query{PK: pk})
		wantQuery(t, e.s, store.Query{Index: store.GSI1, PK: pk})
	})
	t.Run("DriverSeesPrefixedKeys", func(t *testing.T) {
		it, err := e.driver.Get(ctx, store.Key{PK: "g#" + pk, SK: "same"})
		if err != nil {
			t.Fatalf("driver Get of the global item: %v", err)
		}
		if want := (store.Key{PK: "g#" + pk, SK: "Global"}); it.Indexes[store.GSI1] != want {
			t.Fatalf("driver Get: got index key %v, want %v", it.Indexes[store.GSI1], want)
		}
		if rest, ok := global.Local(it.Key.PK); !ok || rest != pk {
			t.Fatalf("Global().Local(%q): got %q, %v; want %q, true", it.Key.PK, rest, ok, pk)
		}
		if _, ok := e.s.Local(it.Key.PK); ok {
			t.Fatalf("tenant scope's Local(%q): got ok, want a key of another scope", it.Key.PK)
		}
	})
}

func testData(t *testing.T, h Harness) {
	e := setup(t, h)
	ctx := context.Background()
	// Close to the limit, with multi-byte characters throughout.
	const phrase = "Perché è così? Già: l'àncora 🏛️ "
	big := `{"testo":"` + strings.Repeat(phrase, (store.MaxItemBytes-16)/len(phrase)) + `"}`
	tests := []struct {
		name string
		data []byte
	}{
		{"Empty", nil},
		{"ASCII", []byte(`{"a":1,"b":[true,null]}`)},
		{"NonASCII", []byte(`{"città":"Forlì","nome":"Niccolò Ñandú","simboli":"€ ß 𝄞 🏛️ 中文"}`)},
		{"SpacingAndKeyOrderKept", []byte("{ \"z\" : 1,\n\t\"a\" : [ 1 , 2.50 ],  \"m\":{} }\n")},
		{"EscapesKept", []byte(`{"s":"\u00e8 \" \\ \/ \n","t":"\ud83c\udfdb"}`)},
		{"NearTheSizeLimit", []byte(big)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.data) > store.MaxItemBytes {
				t.Fatalf("test data is %d bytes, over the %d limit", len(tc.data), store.MaxItemBytes)
			}
			k := key("data", tc.name)
			want := put(t, e.s, store.Item{Key: k, Indexes: map[store.Index]store.Key{store.GSI1: key("data-"+tc.name, "x")}, Data: tc.data}, store.Condition{})
			checkItem(t, "item returned by Put", want, store.Item{Key: k, Version: 1, Indexes: map[store.Index]store.Key{store.GSI1: key("data-"+tc.name, "x")}, Data: tc.data})
			checkItem(t, "Get", get(t, e.s, k), want)
			items, err := e.s.GetMany(ctx, []store.Key{k})
			if err != nil || len(items) != 1 {
				t.Fatalf("GetMany: got %d items, error %v; want 1", len(items), err)
			}
			checkItem(t, "GetMany", items[0], want)
			for _, q := range []store.Query{{PK: "data", Prefix: tc.name}, {Index: store.GSI1, PK: "data-" + tc.name}} {
				items := queryAll(t, e.s, q, false)
				if len(items) != 1 {
					t.Fatalf("Query(%+v): got %d items, want 1", q, len(items))
				}
				checkItem(t, "Query", items[0], want)
			}
		})
	}
}
