package spid

import (
	"context"
	"testing"
	"time"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/store"
	"github.com/stanzaportal/stanza/shared/store/boltstore/bolttest"
)

// The access pattern "service provider, remember an accepted assertion":
// global scope, PK "saml-seen", SK "<issuer>#<assertion id>", expiring
// with the assertion.
func TestStoreReplayGuard(t *testing.T) {
	ctx := context.Background()
	db := bolttest.DB(t)
	g := NewStoreReplayGuard(db)
	const id = "https://idp.example/metadata#_a1"
	until := time.Now().Add(5 * time.Minute)

	if err := g.Seen(ctx, id, until); err != nil {
		t.Fatalf("first time: got %v, want nil", err)
	}
	it, err := db.Global().Get(ctx, store.Key{PK: "saml-seen", SK: id})
	if err != nil {
		t.Fatalf("the record: %v", err)
	}
	if it.Expires.Before(until) {
		t.Errorf("the record expires at %s, before the assertion (%s)", it.Expires, until)
	}
	if err := g.Seen(ctx, id, until); fault.CodeOf(err) != fault.Conflict {
		t.Fatalf("second time: got %v, want a conflict", err)
	}
	if err := g.Seen(ctx, "https://other-idp.example/metadata#_a1", until); err != nil {
		t.Fatalf("the same ID from another IdP: got %v, want nil", err)
	}

	const gone = "https://idp.example/metadata#_old"
	if err := g.Seen(ctx, gone, time.Now().Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := g.Seen(ctx, gone, time.Now().Add(time.Minute)); err != nil {
		t.Fatalf("after its expiry: got %v, want the record forgotten", err)
	}
}
