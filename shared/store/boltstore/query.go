package boltstore

import (
	"bytes"
	"context"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/stanzaportal/stanza/shared/store"
)

// Query returns a page of one partition of the table or of an index. The
// cursor is the bucket key of the last item returned, less the partition
// prefix: a position, so it stays valid when that item is deleted.
func (s *Store) Query(ctx context.Context, q store.Query, after []byte) ([]store.Item, []byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	var out []store.Item
	var next []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		items, now := tx.Bucket(bucketItems), time.Now()
		b := items
		if q.Index != "" {
			b = tx.Bucket(indexBucket(q.Index))
		}
		sc := scan{q: q, partition: []byte(q.PK + "\x00"), c: b.Cursor()}
		var last []byte
		for k, v := sc.first(after); k != nil && sc.contains(k); k, v = sc.step() {
			if q.Index != "" {
				// The entry holds the item's key in items.
				if v = items.Get(v); v == nil {
					continue
				}
			}
			r, err := decode(k, v)
			if err != nil {
				return err
			}
			if r.expired(now) {
				continue
			}
			if len(out) == q.Limit {
				// One more live item exists: the page gets a cursor.
				next = bytes.Clone(last[len(sc.partition):])
				break
			}
			out = append(out, r.item())
			last = k
		}
		return nil
	})
	return out, next, err
}

// scan walks the keys of one partition of a bucket, forward or backward,
// starting at the query's bounds or after a cursor.
type scan struct {
	q         store.Query
	partition []byte // PK and NUL: the prefix of every key of the partition
	c         *bolt.Cursor
}

// first positions the cursor on the first key to consider.
func (sc scan) first(after []byte) (k, v []byte) {
	if after != nil {
		pos := append(bytes.Clone(sc.partition), after...)
		k, v = sc.c.Seek(pos)
		if sc.q.Reverse {
			return sc.prev(k, v)
		}
		if bytes.Equal(k, pos) {
			return sc.c.Next()
		}
		return k, v
	}
	if !sc.q.Reverse {
		start := sc.q.From
		if sc.q.Prefix != "" {
			start = sc.q.Prefix
		}
		return sc.c.Seek(append(bytes.Clone(sc.partition), start...))
	}
	// Backward: seek the first key past the range, then step back.
	var end []byte
	switch {
	case sc.q.To != "":
		// Keys of sort key To are To itself (table) or To, NUL, ... (index);
		// every later sort key is at least To followed by a byte above NUL.
		end = append(append(bytes.Clone(sc.partition), sc.q.To...), 1)
	case sc.q.Prefix != "":
		end = successor(append(bytes.Clone(sc.partition), sc.q.Prefix...))
	default:
		end = successor(sc.partition)
	}
	if end == nil {
		return sc.c.Last()
	}
	return sc.prev(sc.c.Seek(end))
}

// prev returns the key before the one Seek found (the last one when Seek
// went past the end).
func (sc scan) prev(k, _ []byte) ([]byte, []byte) {
	if k == nil {
		return sc.c.Last()
	}
	return sc.c.Prev()
}

func (sc scan) step() (k, v []byte) {
	if sc.q.Reverse {
		return sc.c.Prev()
	}
	return sc.c.Next()
}

// contains reports whether k is in the query's range. Keys in range are
// contiguous, so the first key out of it ends the scan.
func (sc scan) contains(k []byte) bool {
	rest, ok := bytes.CutPrefix(k, sc.partition)
	if !ok {
		return false
	}
	if sc.q.Index != "" {
		rest, _, _ = bytes.Cut(rest, []byte{0}) // the index sort key
	}
	sk := string(rest)
	switch {
	case sc.q.Prefix != "":
		return strings.HasPrefix(sk, sc.q.Prefix)
	case sc.q.From != "" && sk < sc.q.From:
		return false
	case sc.q.To != "" && sk > sc.q.To:
		return false
	}
	return true
}

// successor returns the smallest key above every key that starts with
// prefix, or nil when there is none.
func successor(prefix []byte) []byte {
	for i := len(prefix) - 1; i >= 0; i-- {
		if prefix[i] != 0xff {
			end := bytes.Clone(prefix[:i+1])
			end[i]++
			return end
		}
	}
	return nil
}
