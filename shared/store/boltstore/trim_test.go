package boltstore

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/stanzaportal/stanza/shared/store"
)

// trimAt runs the log's trimming as if the clock read now.
func trimAt(t *testing.T, s *Store, now time.Time) {
	t.Helper()
	if err := s.db.Update(func(tx *bolt.Tx) error { return (&writer{tx: tx, now: now}).trim() }); err != nil {
		t.Fatal(err)
	}
}

func loggedSeqs(t *testing.T, s *Store) []uint64 {
	t.Helper()
	changes, err := s.Changes(context.Background(), "reader-without-checkpoint", 100)
	if err != nil {
		t.Fatal(err)
	}
	var seqs []uint64
	for _, ch := range changes {
		seqs = append(seqs, ch.Seq)
	}
	return seqs
}

func TestTrimKeepsWhatAConsumerStillNeeds(t *testing.T) {
	ctx := context.Background()
	s, err := Open(filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range 5 {
		if _, err := s.Put(ctx, store.Item{Key: store.Key{PK: "t#x#p", SK: fmt.Sprint(i)}}, store.Condition{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Checkpoint(ctx, "fast", 4); err != nil {
		t.Fatal(err)
	}
	if err := s.Checkpoint(ctx, "slow", 2); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(loggedSeqs(t, s)); got != "[1 2 3 4 5]" {
		t.Fatalf("recent changes were trimmed: %s", got)
	}
	trimAt(t, s, time.Now().Add(retention+time.Minute))
	if got := fmt.Sprint(loggedSeqs(t, s)); got != "[3 4 5]" {
		t.Errorf("after the retention, got %s, want [3 4 5]: only what every consumer passed goes", got)
	}
	if err := s.Checkpoint(ctx, "slow", 5); err != nil {
		t.Fatal(err)
	}
	trimAt(t, s, time.Now().Add(retention+time.Minute))
	if got := fmt.Sprint(loggedSeqs(t, s)); got != "[5]" {
		t.Errorf("got %s, want [5]: the fast consumer has not passed 5", got)
	}
}
