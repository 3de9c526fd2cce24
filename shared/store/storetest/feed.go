package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/store"
)

func testFeed(t *testing.T, h Harness) {
	probe := setup(t, h)
	if !h.Capabilities().Feed {
		if probe.db.Feed() != nil {
			t.Fatal("the driver implements store.Feed, but the harness does not declare the capability")
		}
		t.Skip("the driver keeps no change log of its own")
	}
	if probe.db.Feed() == nil {
		t.Fatal("the harness declares a feed, but the driver does not implement store.Feed")
	}
	t.Run("OneChangePerWrite", func(t *testing.T) { testFeedChanges(t, h) })
	t.Run("CommitOrderPerItem", func(t *testing.T) { testFeedOrder(t, h) })
	t.Run("Consumers", func(t *testing.T) { testFeedConsumers(t, h) })
}

// changes returns every change after the consumer's checkpoint.
func changes(t *testing.T, f store.Feed, consumer string) []store.Change {
	t.Helper()
	got, err := f.Changes(context.Background(), consumer, 1000)
	if err != nil {
		t.Fatalf("Changes(%q): %v", consumer, err)
	}
	return got
}

// ids returns the change IDs, for comparing deliveries.
func ids(cs []store.Change) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

func testFeedChanges(t *testing.T, h Harness) {
	e := setup(t, h)
	ctx := context.Background()
	start := time.Now()
	k1, k2 := key("feed", "one"), key("feed", "two")
	index := map[store.Index]store.Key{store.GSI1: key("feed-index", "x")}
	// Each write, and the change it must yield (none for a write that
	// fails or changes nothing).
	type image struct {
		version, counter int64
		data             string
	}
	writes := []struct {
		name     string
		write    func() error
		kind     store.ChangeKind // "" when no change is due
		key      store.Key
		old, new *image
	}{
		{"Create", func() error {
			_, err := e.s.Put(ctx, store.Item{Key: k1, Indexes: index, Data: []byte(`"one"`)}, store.IfAbsent)
			return err
		}, store.Created, k1, nil, &image{1, 0, `"one"`}},
		{"Update", func() error {
			_, err := e.s.Put(ctx, store.Item{Key: k1, Indexes: index, Data: []byte(`"two"`)}, store.IfVersion(1))
			return err
		}, store.Updated, k1, &image{1, 0, `"one"`}, &image{2, 0, `"two"`}},
		{"FailedCondition", func() error {
			_, err := e.s.Put(ctx, store.Item{Key: k1, Data: []byte(`"lost"`)}, store.IfVersion(1))
			if fault.CodeOf(err) != fault.Conflict {
				return fmt.Errorf("got %v, want a conflict", err)
			}
			return nil
		}, "", k1, nil, nil},
		{"AddCreates", func() error {
			_, err := e.s.Add(ctx, k2, 3)
			return err
		}, store.Created, k2, nil, &image{1, 3, ""}},
		{"AddUpdates", func() error {
			_, err := e.s.Add(ctx, k2, 4)
			return err
		}, store.Updated, k2, &image{1, 3, ""}, &image{2, 7, ""}},
		{"Delete", func() error {
			return e.s.Delete(ctx, k1, store.IfVersion(2))
		}, store.Deleted, k1, &image{2, 0, `"two"`}, nil},
		{"DeleteMissing", func() error {
			return e.s.Delete(ctx, k1, store.Condition{})
		}, "", k1, nil, nil},
		{"FailedDelete", func() error {
			err := e.s.Delete(ctx, k2, store.IfVersion(5))
			if fault.CodeOf(err) != fault.Conflict {
				return fmt.Errorf("got %v, want a conflict", err)
			}
			return nil
		}, "", k2, nil, nil},
	}
	feed := e.db.Feed()
	var lastSeq uint64
	seen := map[string]bool{}
	for _, w := range writes {
		t.Run(w.name, func(t *testing.T) {
			before := changes(t, feed, "c")
			if err := w.write(); err != nil {
				t.Fatalf("write: %v", err)
			}
			cs := changes(t, feed, "c")
			if len(cs) < len(before) || !slices.Equal(ids(cs[:len(before)]), ids(before)) {
				t.Fatalf("changes before the write %q are not a prefix of those after it %q", ids(before), ids(cs))
			}
			added := cs[len(before):]
			if w.kind == "" {
				if len(added) != 0 {
					t.Fatalf("got %d changes, want none: %+v", len(added), added)
				}
				return
			}
			if len(added) != 1 {
				t.Fatalf("got %d changes, want 1: %+v", len(added), added)
			}
			c := added[0]
			if c.Kind != w.kind || c.Key != e.stored(w.key) {
				t.Fatalf("got a %q change of %v, want a %q change of %v", c.Kind, c.Key, w.kind, e.stored(w.key))
			}
			if c.ID == "" || seen[c.ID] {
				t.Fatalf("got change ID %q, want a new non-empty one", c.ID)
			}
			seen[c.ID] = true
			if c.Seq <= lastSeq {
				t.Fatalf("got sequence %d after %d, want it to grow", c.Seq, lastSeq)
			}
			lastSeq = c.Seq
			if c.At.Before(start.Add(-time.Minute)) || c.At.After(time.Now().Add(time.Minute)) {
				t.Fatalf("got change time %v, want about %v", c.At, start)
			}
			for _, img := range []struct {
				name string
				got  *store.Item
				want *image
			}{{"old", c.Old, w.old}, {"new", c.New, w.new}} {
				switch {
				case img.want == nil && img.got != nil:
					t.Fatalf("%s image: got %+v, want none", img.name, *img.got)
				case img.want == nil:
				case img.got == nil:
					t.Fatalf("%s image: got none, want version %d", img.name, img.want.version)
				default:
					want := store.Item{Key: e.stored(w.key), Version: img.want.version, Counter: img.want.counter, Data: []byte(img.want.data)}
					if img.want.data != "" {
						want.Indexes = map[store.Index]store.Key{store.GSI1: e.stored(index[store.GSI1])}
					}
					checkItem(t, img.name+" image", *img.got, want)
				}
			}
		})
	}
}

func testFeedOrder(t *testing.T, h Harness) {
	e := setup(t, h)
	keys := []store.Key{key("order", "a"), key("order", "b"), key("order", "c")}
	const rounds = 8
	for v := int64(1); v <= rounds; v++ {
		for _, k := range keys {
			put(t, e.s, store.Item{Key: k, Data: []byte(fmt.Sprint(v))}, store.IfVersion(v-1))
		}
	}
	cs := changes(t, e.db.Feed(), "c")
	if len(cs) != rounds*len(keys) {
		t.Fatalf("got %d changes, want %d", len(cs), rounds*len(keys))
	}
	next := map[store.Key]int64{}
	for i, c := range cs {
		if i > 0 && c.Seq <= cs[i-1].Seq {
			t.Fatalf("change %d has sequence %d after %d, want oldest first", i, c.Seq, cs[i-1].Seq)
		}
		want := next[c.Key] + 1
		if c.New == nil || c.New.Version != want || string(c.New.Data) != fmt.Sprint(want) {
			t.Fatalf("change %d of %v: got new image %+v, want version %d", i, c.Key, c.New, want)
		}
		if (want == 1) != (c.Old == nil) || (c.Old != nil && c.Old.Version != want-1) {
			t.Fatalf("change %d of %v: got old image %+v, want version %d", i, c.Key, c.Old, want-1)
		}
		next[c.Key] = want
	}
}

func testFeedConsumers(t *testing.T, h Harness) {
	e := setup(t, h)
	ctx := context.Background()
	feed := e.db.Feed()
	for i := range 5 {
		put(t, e.s, store.Item{Key: key("consumers", fmt.Sprint(i))}, store.IfAbsent)
	}
	all := changes(t, feed, "mailer")
	if len(all) != 5 {
		t.Fatalf("got %d changes, want 5", len(all))
	}
	t.Run("RedeliveredUntilCheckpoint", func(t *testing.T) {
		if got := ids(changes(t, feed, "mailer")); !slices.Equal(got, ids(all)) {
			t.Fatalf("second read without a checkpoint: got %q, want %q", got, ids(all))
		}
	})
	t.Run("MaxLimitsBatch", func(t *testing.T) {
		got, err := feed.Changes(ctx, "mailer", 2)
		if err != nil {
			t.Fatalf("Changes: %v", err)
		}
		if !slices.Equal(ids(got), ids(all[:2])) {
			t.Fatalf("Changes with max 2: got %q, want %q", ids(got), ids(all[:2]))
		}
	})
	t.Run("CheckpointSkipsHandled", func(t *testing.T) {
		if err := feed.Checkpoint(ctx, "mailer", all[2].Seq); err != nil {
			t.Fatalf("Checkpoint: %v", err)
		}
		if got := ids(changes(t, feed, "mailer")); !slices.Equal(got, ids(all[3:])) {
			t.Fatalf("after a checkpoint at the third change: got %q, want %q", got, ids(all[3:]))
		}
	})
	t.Run("ConsumersIndependent", func(t *testing.T) {
		if got := ids(changes(t, feed, "webhooks")); !slices.Equal(got, ids(all)) {
			t.Fatalf("another consumer: got %q, want every change %q", got, ids(all))
		}
	})
	t.Run("CheckpointAtEndThenNewWrite", func(t *testing.T) {
		if err := feed.Checkpoint(ctx, "mailer", all[4].Seq); err != nil {
			t.Fatalf("Checkpoint: %v", err)
		}
		if got := changes(t, feed, "mailer"); len(got) != 0 {
			t.Fatalf("after a checkpoint at the last change: got %q, want none", ids(got))
		}
		put(t, e.s, store.Item{Key: key("consumers", "late")}, store.IfAbsent)
		got := changes(t, feed, "mailer")
		if len(got) != 1 || got[0].Kind != store.Created || got[0].Key != e.stored(key("consumers", "late")) {
			t.Fatalf("after a new write: got %+v, want its one change", got)
		}
		if n := len(changes(t, feed, "webhooks")); n != 6 {
			t.Fatalf("the other consumer: got %d changes, want 6", n)
		}
	})
}
