package spid

import (
	"context"
	"time"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/store"
)

// ReplayGuard remembers the assertions a service provider accepted, so
// that a captured Response cannot sign anyone in a second time. It must be
// shared by every process that accepts Responses.
type ReplayGuard interface {
	// Seen records id until the given time. It returns nil the first time
	// and a Conflict error while id is recorded.
	Seen(ctx context.Context, id string, until time.Time) error
}

// seenPartition holds one item per accepted assertion, in the global scope:
// an assertion is the IdP's, not a Comune's.
const seenPartition = "saml-seen"

// StoreReplayGuard is the ReplayGuard over the store: a conditional put of
// one item per assertion, which expires when the assertion does. The
// condition makes it exact across processes.
type StoreReplayGuard struct {
	scope *store.Scope
}

var _ ReplayGuard = (*StoreReplayGuard)(nil)

// NewStoreReplayGuard returns the ReplayGuard over db.
func NewStoreReplayGuard(db *store.DB) *StoreReplayGuard {
	return &StoreReplayGuard{scope: db.Global()}
}

// Seen implements ReplayGuard; id is "<issuer>#<assertion id>".
func (g *StoreReplayGuard) Seen(ctx context.Context, id string, until time.Time) error {
	// The store keeps expiries to the second, rounding down: one second
	// more keeps the record at least until the assertion expires.
	item := store.Item{Key: store.Key{PK: seenPartition, SK: id}, Expires: until.Add(time.Second), Data: []byte("{}")}
	_, err := g.scope.Put(ctx, item, store.IfAbsent)
	if fault.Is(err, fault.Conflict) {
		return fault.Wrap(err, fault.Conflict, "spid: assertion %s already accepted", id)
	}
	return err
}
