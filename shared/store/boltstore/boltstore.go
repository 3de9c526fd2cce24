// Package boltstore is the embedded store: a store.Driver and store.Feed on
// one bbolt file, so that Stanza runs on a laptop with no cloud account and
// no database server.
//
// # Layout
//
// The file holds these buckets:
//
//	bucket        key                                  value
//	items         pk 0 sk                              the item (record)
//	index/gsi1    ipk 0 isk 0 pk 0 sk                  pk 0 sk, the item's key in items
//	index/gsi2    (as index/gsi1)
//	changes       sequence, 8 bytes big-endian         the change (changeRecord)
//	checkpoints   consumer name                        sequence, 8 bytes big-endian
//	meta          "id"                                 random id of this file
//
// Keys cannot contain NUL (package store refuses them), so a NUL between the
// parts makes bbolt's byte order of composite keys the order of their parts:
// within a partition, by sort key compared as UTF-8 bytes, which is
// DynamoDB's order. Index keys end with the table key so that items with the
// same index key stay distinct.
//
// # Encoding
//
// Items and changes are stored as JSON of internal structs (record,
// changeRecord). JSON is stable across Go versions, tolerates fields being
// added or removed between releases (unknown fields are ignored, missing ones
// are zero), and can be read with bbolt's own command-line tool when
// debugging. Its cost, Data encoded as base64, does not matter at a laptop's
// scale.
//
// # Durability
//
// Every write is one bbolt transaction that updates the item, its index
// entries and appends its change to the log; bbolt syncs the file before a
// commit returns. So a change is in the log exactly when its write committed,
// and a write that returned survives the process being killed. This is the
// guarantee the in-process worker relies on (see store.Feed).
//
// # Expiry
//
// Expired items are left out by every read at once. A write that meets an
// expired item at its key first deletes it, with its Deleted change, as
// Sweep does for all of them; DynamoDB's own TTL deleter plays that part in
// the cloud.
//
// # Retention
//
// A checkpoint drops from the log the changes that every consumer with a
// checkpoint has passed and that are older than 24 hours, as DynamoDB Streams
// keeps its records for 24 hours.
//
// # Change IDs
//
// A change ID is the file's random id and the change's sequence number, so
// IDs never repeat, not even when the file is deleted and created again
// while a consumer still remembers the IDs it handled.
package boltstore

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/store"
)

var (
	_ store.Driver = (*Store)(nil)
	_ store.Feed   = (*Store)(nil)
)

var (
	bucketItems       = []byte("items")
	bucketChanges     = []byte("changes")
	bucketCheckpoints = []byte("checkpoints")
	bucketMeta        = []byte("meta")
	metaID            = []byte("id")
)

func indexBucket(ix store.Index) []byte { return []byte("index/" + string(ix)) }

// openTimeout bounds the wait for the file lock: a second process opening the
// same file gets an error instead of hanging.
const openTimeout = 2 * time.Second

// Store is the embedded store.Driver and store.Feed.
type Store struct {
	db *bolt.DB
	id string // this file's random id, the first part of change IDs
}

// Open opens the store in the file at path, creating the file (mode 0600)
// and its directories (mode 0700) when missing. Only one process at a time
// can have the file open.
func Open(path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("boltstore: %w", err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: openTimeout})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("boltstore: %s is in use by another process", path)
	}
	if err != nil {
		return nil, fmt.Errorf("boltstore: opening %s: %w", path, err)
	}
	s := &Store{db: db}
	err = db.Update(func(tx *bolt.Tx) error {
		names := [][]byte{bucketItems, bucketChanges, bucketCheckpoints, bucketMeta}
		for _, ix := range store.Indexes {
			names = append(names, indexBucket(ix))
		}
		for _, name := range names {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bucketMeta)
		if id := meta.Get(metaID); id != nil {
			s.id = string(id)
			return nil
		}
		b := make([]byte, 8)
		if _, err := rand.Read(b); err != nil {
			return err
		}
		s.id = hex.EncodeToString(b)
		return meta.Put(metaID, []byte(s.id))
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("boltstore: preparing %s: %w", path, err)
	}
	return s, nil
}

// Close closes the file.
func (s *Store) Close() error { return s.db.Close() }

// record is an item as stored.
type record struct {
	PK      string                    `json:"pk"`
	SK      string                    `json:"sk"`
	Version int64                     `json:"v"`
	Expires int64                     `json:"exp,omitempty"` // Unix seconds; 0 for never
	Indexes map[store.Index]store.Key `json:"ix,omitempty"`
	Data    []byte                    `json:"d,omitempty"`
	Counter int64                     `json:"n,omitempty"`
}

func newRecord(it store.Item) *record {
	r := &record{PK: it.Key.PK, SK: it.Key.SK, Version: it.Version, Indexes: it.Indexes, Data: it.Data, Counter: it.Counter}
	if !it.Expires.IsZero() {
		r.Expires = it.Expires.Unix()
	}
	return r
}

func (r *record) key() store.Key { return store.Key{PK: r.PK, SK: r.SK} }

func (r *record) expired(now time.Time) bool { return r.Expires != 0 && r.Expires <= now.Unix() }

func (r *record) item() store.Item {
	it := store.Item{Key: r.key(), Version: r.Version, Indexes: r.Indexes, Data: r.Data, Counter: r.Counter}
	if r.Expires != 0 {
		it.Expires = time.Unix(r.Expires, 0).UTC()
	}
	return it
}

// changeRecord is a change as stored in the log.
type changeRecord struct {
	Kind store.ChangeKind `json:"kind"`
	Key  store.Key        `json:"key"`
	Old  *record          `json:"old,omitempty"`
	New  *record          `json:"new,omitempty"`
	At   int64            `json:"at"` // Unix nanoseconds
}

func itemKey(k store.Key) []byte { return []byte(k.PK + "\x00" + k.SK) }

func indexKey(ik, k store.Key) []byte {
	return []byte(ik.PK + "\x00" + ik.SK + "\x00" + k.PK + "\x00" + k.SK)
}

func seqKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

func notFound() error { return fault.New(fault.NotFound, "L'elemento richiesto non esiste.") }

func conflict() error {
	return fault.New(fault.Conflict, "L'operazione è in conflitto con lo stato attuale dei dati.")
}

// decode returns the record v stored at bucket key k.
func decode(k, v []byte) (*record, error) {
	r := new(record)
	if err := json.Unmarshal(v, r); err != nil {
		return nil, fmt.Errorf("boltstore: decoding the item at %q: %w", k, err)
	}
	return r, nil
}

// load returns the record at k in items, or nil.
func load(items *bolt.Bucket, k []byte) (*record, error) {
	v := items.Get(k)
	if v == nil {
		return nil, nil
	}
	return decode(k, v)
}

// loadLive is load without expired items.
func loadLive(items *bolt.Bucket, k []byte, now time.Time) (*record, error) {
	r, err := load(items, k)
	if err != nil || r == nil || r.expired(now) {
		return nil, err
	}
	return r, nil
}

// Get returns the item at k.
func (s *Store) Get(ctx context.Context, k store.Key) (store.Item, error) {
	if err := ctx.Err(); err != nil {
		return store.Item{}, err
	}
	var r *record
	err := s.db.View(func(tx *bolt.Tx) (err error) {
		r, err = loadLive(tx.Bucket(bucketItems), itemKey(k), time.Now())
		return err
	})
	if err != nil {
		return store.Item{}, err
	}
	if r == nil {
		return store.Item{}, notFound()
	}
	return r.item(), nil
}

// BatchGet returns the live items among keys, in the order of keys.
func (s *Store) BatchGet(ctx context.Context, keys []store.Key) ([]store.Item, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []store.Item
	err := s.db.View(func(tx *bolt.Tx) error {
		items, now := tx.Bucket(bucketItems), time.Now()
		for _, k := range keys {
			r, err := loadLive(items, itemKey(k), now)
			if err != nil {
				return err
			}
			if r != nil {
				out = append(out, r.item())
			}
		}
		return nil
	})
	return out, err
}

// Put writes item when cond holds.
func (s *Store) Put(ctx context.Context, item store.Item, cond store.Condition) (store.Item, error) {
	if err := ctx.Err(); err != nil {
		return store.Item{}, err
	}
	r := newRecord(item.Clone())
	err := s.update(func(w *writer) error {
		old, err := w.live(item.Key)
		if err != nil {
			return err
		}
		if !holds(cond, old) {
			return conflict()
		}
		r.Version, r.Counter = 1, 0
		if old != nil {
			r.Version, r.Counter = old.Version+1, old.Counter
		}
		return w.apply(old, r)
	})
	if err != nil {
		return store.Item{}, err
	}
	return r.item(), nil
}

// Delete removes the item at k when cond holds.
func (s *Store) Delete(ctx context.Context, k store.Key, cond store.Condition) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.update(func(w *writer) error {
		old, err := w.live(k)
		if err != nil {
			return err
		}
		if !holds(cond, old) {
			return conflict()
		}
		if old == nil {
			return nil
		}
		return w.apply(old, nil)
	})
}

// Add adds delta to the counter at k. Like a Put, it adds one to the
// version, so that a version condition taken before it fails.
func (s *Store) Add(ctx context.Context, k store.Key, delta int64) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	var n int64
	err := s.update(func(w *writer) error {
		old, err := w.live(k)
		if err != nil {
			return err
		}
		r := &record{PK: k.PK, SK: k.SK, Version: 1, Counter: delta}
		if old != nil {
			next := *old
			next.Version++
			next.Counter += delta
			r = &next
		}
		n = r.Counter
		return w.apply(old, r)
	})
	return n, err
}

// holds reports whether cond holds for the live item old (nil when absent).
func holds(cond store.Condition, old *record) bool {
	switch {
	case cond.MustExist:
		return old != nil
	case cond.MustNotExist:
		return old == nil
	case cond.Version > 0:
		return old != nil && old.Version == cond.Version
	}
	return true
}

// Sweep deletes the items expired at now, each with its Deleted change, and
// returns how many it deleted. Reads already leave expired items out; Sweep
// reclaims their space and tells the change feed, as DynamoDB's TTL deleter
// does. It reads every item, which is fine for a laptop's data.
func (s *Store) Sweep(ctx context.Context, now time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	n := 0
	err := s.update(func(w *writer) error {
		var gone []*record
		err := w.tx.Bucket(bucketItems).ForEach(func(k, v []byte) error {
			r, err := decode(k, v)
			if err != nil {
				return err
			}
			if r.expired(now) {
				gone = append(gone, r)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, r := range gone {
			if err := w.apply(r, nil); err != nil {
				return err
			}
		}
		n = len(gone)
		return nil
	})
	return n, err
}

// writer is one write transaction.
type writer struct {
	tx  *bolt.Tx
	now time.Time
}

func (s *Store) update(fn func(*writer) error) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		return fn(&writer{tx: tx, now: time.Now()})
	})
}

// live returns the live item at k, or nil. An expired item found there is
// deleted first, with its change, so that the write replaces nothing of it.
func (w *writer) live(k store.Key) (*record, error) {
	r, err := load(w.tx.Bucket(bucketItems), itemKey(k))
	if err != nil || r == nil {
		return nil, err
	}
	if r.expired(w.now) {
		return nil, w.apply(r, nil)
	}
	return r, nil
}

// apply replaces old with new (either may be nil, not both) in the items and
// index buckets, and appends the change to the log.
func (w *writer) apply(old, new *record) error {
	items := w.tx.Bucket(bucketItems)
	ch := changeRecord{Old: old, New: new, At: w.now.UnixNano()}
	if old != nil {
		ch.Key = old.key()
		for ix, ik := range old.Indexes {
			if err := w.tx.Bucket(indexBucket(ix)).Delete(indexKey(ik, ch.Key)); err != nil {
				return err
			}
		}
	}
	switch {
	case new == nil:
		ch.Kind = store.Deleted
		if err := items.Delete(itemKey(ch.Key)); err != nil {
			return err
		}
	default:
		ch.Kind, ch.Key = store.Updated, new.key()
		if old == nil {
			ch.Kind = store.Created
		}
		v, err := json.Marshal(new)
		if err != nil {
			return err
		}
		k := itemKey(ch.Key)
		if err := items.Put(k, v); err != nil {
			return err
		}
		for ix, ik := range new.Indexes {
			if err := w.tx.Bucket(indexBucket(ix)).Put(indexKey(ik, ch.Key), k); err != nil {
				return err
			}
		}
	}
	changes := w.tx.Bucket(bucketChanges)
	seq, err := changes.NextSequence()
	if err != nil {
		return err
	}
	v, err := json.Marshal(ch)
	if err != nil {
		return err
	}
	return changes.Put(seqKey(seq), v)
}

// Changes returns up to max changes after the consumer's checkpoint.
func (s *Store) Changes(ctx context.Context, consumer string, max int) ([]store.Change, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if consumer == "" || max < 1 {
		return nil, fault.New(fault.Invalid, "boltstore: a consumer name and a positive maximum are required")
	}
	var out []store.Change
	err := s.db.View(func(tx *bolt.Tx) error {
		var from uint64 = 1
		if v := tx.Bucket(bucketCheckpoints).Get([]byte(consumer)); v != nil {
			from = binary.BigEndian.Uint64(v) + 1
		}
		c := tx.Bucket(bucketChanges).Cursor()
		for k, v := c.Seek(seqKey(from)); k != nil && len(out) < max; k, v = c.Next() {
			var ch changeRecord
			if err := json.Unmarshal(v, &ch); err != nil {
				return fmt.Errorf("boltstore: decoding change %x: %w", k, err)
			}
			out = append(out, s.change(binary.BigEndian.Uint64(k), ch))
		}
		return nil
	})
	return out, err
}

func (s *Store) change(seq uint64, ch changeRecord) store.Change {
	c := store.Change{
		ID:   s.id + "-" + strconv.FormatUint(seq, 10),
		Seq:  seq,
		Kind: ch.Kind,
		Key:  ch.Key,
		At:   time.Unix(0, ch.At).UTC(),
	}
	if ch.Old != nil {
		it := ch.Old.item()
		c.Old = &it
	}
	if ch.New != nil {
		it := ch.New.item()
		c.New = &it
	}
	return c
}

// Checkpoint records that consumer has handled the changes up to seq. A
// checkpoint never moves back, and cannot pass the last change written.
func (s *Store) Checkpoint(ctx context.Context, consumer string, seq uint64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if consumer == "" {
		return fault.New(fault.Invalid, "boltstore: a consumer name is required")
	}
	return s.update(func(w *writer) error {
		if seq > w.tx.Bucket(bucketChanges).Sequence() {
			return fault.New(fault.Invalid, "boltstore: change %d has not been written yet", seq)
		}
		b := w.tx.Bucket(bucketCheckpoints)
		if v := b.Get([]byte(consumer)); v != nil && binary.BigEndian.Uint64(v) >= seq {
			return nil
		}
		if err := b.Put([]byte(consumer), seqKey(seq)); err != nil {
			return err
		}
		return w.trim()
	})
}

// retention is how long the log keeps a change that every consumer has
// handled: as long as DynamoDB Streams keeps a record, so that a consumer
// added later finds the same recent history in both places.
const retention = 24 * time.Hour

// maxTrim bounds the changes one checkpoint removes, to keep its
// transaction small; the next checkpoints remove the rest.
const maxTrim = 1000

// trim removes the oldest changes that every consumer with a checkpoint has
// passed and that are older than the retention, so the log does not grow
// without end.
func (w *writer) trim() error {
	var oldest uint64 = 1<<64 - 1
	err := w.tx.Bucket(bucketCheckpoints).ForEach(func(_, v []byte) error {
		oldest = min(oldest, binary.BigEndian.Uint64(v))
		return nil
	})
	if err != nil {
		return err
	}
	cutoff := w.now.Add(-retention).UnixNano()
	changes := w.tx.Bucket(bucketChanges)
	var drop [][]byte
	c := changes.Cursor()
	for k, v := c.First(); k != nil && len(drop) < maxTrim && binary.BigEndian.Uint64(k) <= oldest; k, v = c.Next() {
		var rec changeRecord
		if err := json.Unmarshal(v, &rec); err != nil {
			return err
		}
		if rec.At >= cutoff {
			break
		}
		drop = append(drop, k)
	}
	for _, k := range drop {
		if err := changes.Delete(k); err != nil {
			return err
		}
	}
	return nil
}
