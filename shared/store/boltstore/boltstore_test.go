package boltstore_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/store"
	"github.com/stanzaportal/stanza/shared/store/boltstore"
	"github.com/stanzaportal/stanza/shared/store/storetest"
)

// harness makes every driver on a new file in the test's temporary directory.
type harness struct {
	dir string
	n   int
}

func (h *harness) MakeDriver(context.Context) (store.Driver, error) {
	h.n++
	return boltstore.Open(filepath.Join(h.dir, fmt.Sprintf("store-%d.db", h.n)))
}

func (h *harness) Capabilities() storetest.Capabilities { return storetest.Capabilities{Feed: true} }

func (h *harness) Close() {}

func TestConformance(t *testing.T) {
	storetest.RunConformanceTests(t, func(_ context.Context, t *testing.T) (storetest.Harness, error) {
		return &harness{dir: t.TempDir()}, nil
	})
}

// open opens a store at path and closes it when the test ends.
func open(t *testing.T, path string) *boltstore.Store {
	t.Helper()
	s, err := boltstore.Open(path)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestOpenCreatesPrivateFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "store")
	path := filepath.Join(dir, "stanza.db")
	open(t, path)
	for _, f := range []struct {
		path string
		want os.FileMode
	}{{dir, 0o700 | os.ModeDir}, {path, 0o600}} {
		info, err := os.Stat(f.path)
		if err != nil {
			t.Fatal(err)
		}
		if got := info.Mode(); got != f.want {
			t.Errorf("mode of %s: got %v, want %v", f.path, got, f.want)
		}
	}
}

func TestOpenFailsWhileFileInUse(t *testing.T) {
	path := filepath.Join(t.TempDir(), "stanza.db")
	open(t, path)
	start := time.Now()
	s, err := boltstore.Open(path)
	if err == nil {
		s.Close()
		t.Fatal("second Open of a file in use: got no error, want one")
	}
	if !strings.Contains(err.Error(), "in use") {
		t.Errorf("second Open: got error %q, want it to say the file is in use", err)
	}
	if waited := time.Since(start); waited > 10*time.Second {
		t.Errorf("second Open waited %v, want a few seconds at most", waited)
	}
}

func TestReopenKeepsItemsAndChanges(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "stanza.db")
	s := open(t, path)
	k := store.Key{PK: "g#p", SK: "s"}
	if _, err := s.Put(ctx, store.Item{Key: k, Data: []byte(`{"città":"Forlì"}`)}, store.IfAbsent); err != nil {
		t.Fatal(err)
	}
	before, err := s.Changes(ctx, "c", 10)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = open(t, path)
	it, err := s.Get(ctx, k)
	if err != nil || string(it.Data) != `{"città":"Forlì"}` || it.Version != 1 {
		t.Fatalf("Get after reopening: got %+v, %v; want the item at version 1", it, err)
	}
	after, err := s.Changes(ctx, "c", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != 1 || len(before) != 1 || after[0].ID != before[0].ID {
		t.Fatalf("changes after reopening: got %+v, want the one change %+v", after, before)
	}
}

func TestChangeIDsNeverRepeatAcrossFiles(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "stanza.db")
	seen := map[string]bool{}
	for range 2 {
		s, err := boltstore.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Put(ctx, store.Item{Key: store.Key{PK: "g#p", SK: "s"}}, store.Condition{}); err != nil {
			t.Fatal(err)
		}
		cs, err := s.Changes(ctx, "c", 10)
		if err != nil || len(cs) != 1 {
			t.Fatalf("Changes: got %d, error %v; want one change", len(cs), err)
		}
		if seen[cs[0].ID] {
			t.Fatalf("change ID %q of a re-created file was used before", cs[0].ID)
		}
		seen[cs[0].ID] = true
		s.Close()
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
	}
}

func TestSweep(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "stanza.db"))
	now := time.Now()
	items := []struct {
		sk      string
		expires time.Time
	}{
		{"gone", now.Add(-time.Hour)},
		{"soon", now.Add(time.Hour)},
		{"kept", time.Time{}},
		{"later", now.Add(3 * time.Hour)},
	}
	for _, it := range items {
		if _, err := s.Put(ctx, store.Item{Key: store.Key{PK: "g#p", SK: it.sk}, Expires: it.expires}, store.Condition{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Checkpoint(ctx, "c", uint64(len(items))); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		at       time.Time
		wantGone []string
	}{
		{"RemovesExpired", now, []string{"gone"}},
		{"NothingMoreYet", now, nil},
		{"RemovesWhatExpiredSince", now.Add(2 * time.Hour), []string{"soon"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, err := s.Sweep(ctx, tc.at)
			if err != nil {
				t.Fatalf("Sweep: %v", err)
			}
			if n != len(tc.wantGone) {
				t.Fatalf("Sweep: got %d deleted, want %d", n, len(tc.wantGone))
			}
			cs, err := s.Changes(ctx, "c", 100)
			if err != nil {
				t.Fatal(err)
			}
			if len(cs) != len(tc.wantGone) {
				t.Fatalf("got %d changes, want %d", len(cs), len(tc.wantGone))
			}
			for i, c := range cs {
				if c.Kind != store.Deleted || c.Key.SK != tc.wantGone[i] || c.Old == nil || c.New != nil {
					t.Fatalf("change %d: got %+v, want the deletion of %q", i, c, tc.wantGone[i])
				}
				if err := s.Checkpoint(ctx, "c", c.Seq); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

func TestWriteOverExpiredItemLogsItsDeletion(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "stanza.db"))
	k := store.Key{PK: "g#p", SK: "s"}
	if _, err := s.Put(ctx, store.Item{Key: k, Expires: time.Now().Add(-time.Minute), Data: []byte(`"old"`)}, store.Condition{}); err != nil {
		t.Fatal(err)
	}
	it, err := s.Put(ctx, store.Item{Key: k, Data: []byte(`"new"`)}, store.IfAbsent)
	if err != nil || it.Version != 1 {
		t.Fatalf("Put over an expired item: got version %d, error %v; want a new item at version 1", it.Version, err)
	}
	cs, err := s.Changes(ctx, "c", 10)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []store.ChangeKind
	for _, c := range cs {
		kinds = append(kinds, c.Kind)
	}
	if want := []store.ChangeKind{store.Created, store.Deleted, store.Created}; !slices.Equal(kinds, want) {
		t.Fatalf("changes: got kinds %v, want %v", kinds, want)
	}
	if string(cs[1].Old.Data) != `"old"` || string(cs[2].New.Data) != `"new"` {
		t.Fatalf("changes: got deleted %q and created %q, want %q and %q", cs[1].Old.Data, cs[2].New.Data, `"old"`, `"new"`)
	}
}

func TestFeedArguments(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "stanza.db"))
	for i := range 3 {
		if _, err := s.Add(ctx, store.Key{PK: "g#n", SK: "c"}, int64(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Checkpoint(ctx, "c", 2); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		call    func() error
		wantErr fault.Code
	}{
		{"CheckpointBackIgnored", func() error { return s.Checkpoint(ctx, "c", 1) }, ""},
		{"CheckpointPastLastChangeInvalid", func() error { return s.Checkpoint(ctx, "c", 4) }, fault.Invalid},
		{"CheckpointWithoutConsumerInvalid", func() error { return s.Checkpoint(ctx, "", 1) }, fault.Invalid},
		{"ChangesWithoutConsumerInvalid", func() error { _, err := s.Changes(ctx, "", 1); return err }, fault.Invalid},
		{"ChangesOfNoneInvalid", func() error { _, err := s.Changes(ctx, "c", 0); return err }, fault.Invalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := fault.CodeOf(tc.call()); got != tc.wantErr {
				t.Fatalf("got code %q, want %q", got, tc.wantErr)
			}
			cs, err := s.Changes(ctx, "c", 10)
			if err != nil || len(cs) != 1 || cs[0].Seq != 3 {
				t.Fatalf("Changes after the call: got %+v, %v; want only change 3", cs, err)
			}
		})
	}
}
