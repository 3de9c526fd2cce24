package store

import (
	"context"
	"time"
)

// Driver is the port every storage adapter implements. Drivers are dumb: they
// know keys, conditions, versions and expiry, never tenants or business rules.
// The DB type in this package checks arguments before calling a driver, so a
// driver may rely on keys being valid and on Query limits being in range.
//
// Errors: a driver returns an error for which fault.CodeOf is NotFound when a
// Get finds nothing, and Conflict when a Condition does not hold. Any other
// failure is returned as it is (internal).
//
// Expiry: an item whose Expires is set and not after the current time does not
// exist for any method, whether or not the backend has removed it yet.
type Driver interface {
	// Get returns the item at k, or a NotFound error.
	Get(ctx context.Context, k Key) (Item, error)
	// BatchGet returns the items that exist among keys, in the order of keys,
	// leaving out the missing ones. keys holds at most MaxBatchGet distinct keys.
	BatchGet(ctx context.Context, keys []Key) ([]Item, error)
	// Put writes item as a whole (replacing every attribute) when cond holds,
	// and returns it as stored: Version one more than the previous one (1 for a
	// new item). item.Version is ignored. Counter is kept from the stored item.
	Put(ctx context.Context, item Item, cond Condition) (Item, error)
	// Delete removes the item at k when cond holds. Deleting a missing item
	// with the zero Condition succeeds.
	Delete(ctx context.Context, k Key, cond Condition) error
	// Add adds delta to the counter of the item at k, creating the item when
	// missing, and returns the new value. It never fails on a condition.
	Add(ctx context.Context, k Key, delta int64) (int64, error)
	// Query returns up to q.Limit items of one partition in sort-key order (or
	// reverse order), and a cursor when more may follow. after is a cursor
	// the same driver returned for the same query (never altered: the DB type checks), or nil for the first page.
	Query(ctx context.Context, q Query, after []byte) ([]Item, []byte, error)
	// Close releases the driver's resources.
	Close() error
}

// Feed is the change log of a store that keeps its own (the embedded store).
// In the cloud DynamoDB Streams takes its place and delivers to a Lambda.
type Feed interface {
	// Changes returns up to max changes that come after the consumer's
	// checkpoint, oldest first.
	Changes(ctx context.Context, consumer string, max int) ([]Change, error)
	// Checkpoint records that the consumer has handled every change up to and
	// including seq; they are not returned to it again.
	Checkpoint(ctx context.Context, consumer string, seq uint64) error
}

// ChangeKind says what a change did to an item.
type ChangeKind string

const (
	Created ChangeKind = "create"
	Updated ChangeKind = "update"
	Deleted ChangeKind = "delete"
)

// Change is one committed write, with the item before (Old, nil on create)
// and after it (New, nil on delete). Keys in a change are stored keys: they
// start with the scope prefix (see Scope).
type Change struct {
	// ID is unique per change and stable across redeliveries.
	ID string
	// Seq orders the changes of the embedded store's log; zero elsewhere.
	Seq  uint64
	Kind ChangeKind
	Key  Key
	Old  *Item
	New  *Item
	At   time.Time
}
