package boltstore_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/store"
	"github.com/stanzaportal/stanza/shared/store/boltstore"
)

// The crash test's child is this test binary, run again with crashChildEnv
// naming the store file: it writes until it is killed.
const (
	crashChildEnv = "BOLTSTORE_CRASH_CHILD"
	crashTenant   = "crash"
	crashItems    = 25
	crashRounds   = 3
)

var crashCursorKey = []byte("boltstore crash test cursor key, 32 bytes or more")

func crashKey(i int) store.Key { return store.Key{PK: "items", SK: fmt.Sprintf("%02d", i)} }

// crashData is an item's Data: a body of random length, which spans several
// pages of the file when long, and the body's checksum.
type crashData struct {
	Body json.RawMessage `json:"body"`
	Sum  string          `json:"sum"`
}

type crashBody struct {
	Item    int    `json:"item"`
	Version int64  `json:"version"`
	Pad     string `json:"pad"`
}

func crashPayload(item int, version int64) []byte {
	body, _ := json.Marshal(crashBody{Item: item, Version: version, Pad: strings.Repeat("è", rand.IntN(6000))})
	sum := sha256.Sum256(body)
	data, _ := json.Marshal(crashData{Body: body, Sum: hex.EncodeToString(sum[:])})
	return data
}

// checkPayload returns why data is not a whole payload of item at version.
func checkPayload(data []byte, item int, version int64) error {
	var d crashData
	if err := json.Unmarshal(data, &d); err != nil {
		return fmt.Errorf("data is not the JSON written: %v", err)
	}
	if sum := sha256.Sum256(d.Body); hex.EncodeToString(sum[:]) != d.Sum {
		return errors.New("the body does not match its checksum")
	}
	var b crashBody
	if err := json.Unmarshal(d.Body, &b); err != nil {
		return fmt.Errorf("the body is not the JSON written: %v", err)
	}
	if b.Item != item || b.Version != version {
		return fmt.Errorf("the body is of item %d version %d, want item %d version %d", b.Item, b.Version, item, version)
	}
	return nil
}

// TestCrash kills a process that is writing, at a random point, and checks
// that the store it leaves behind holds every write that returned, no
// half-written item, and exactly one change per committed write.
func TestCrash(t *testing.T) {
	if path := os.Getenv(crashChildEnv); path != "" {
		crashChild(path)
		return
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	acked := make([]int64, crashItems) // highest version acknowledged, per item
	for round := range crashRounds {
		killAfter := 20 + rand.IntN(200)
		n := runCrashChild(t, path, killAfter, acked)
		t.Logf("round %d: killed the writer after %d acknowledgements (%d read)", round, killAfter, n)
		checkCrashStore(t, path, acked)
	}
}

// runCrashChild starts a writer on path, kills it after killAfter
// acknowledgements, and records in acked every acknowledged version; it
// returns how many acknowledgements it read, some after the kill.
func runCrashChild(t *testing.T, path string, killAfter int, acked []int64) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrash$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting the writer: %v", err)
	}
	defer cmd.Process.Kill()
	n := 0
	lines := bufio.NewScanner(stdout)
	for lines.Scan() {
		var item int
		var version int64
		if _, err := fmt.Sscanf(lines.Text(), "ack %d %d", &item, &version); err != nil {
			continue // other output of the test binary
		}
		acked[item] = max(acked[item], version)
		if n++; n == killAfter {
			// Process.Kill sends SIGKILL: no deferred call, no flush.
			if err := cmd.Process.Kill(); err != nil {
				t.Fatalf("killing the writer: %v", err)
			}
		}
	}
	err = cmd.Wait()
	if n < killAfter {
		t.Fatalf("the writer stopped by itself after %d acknowledgements (%v): %s", n, err, stderr.Bytes())
	}
	if ee := (*exec.ExitError)(nil); !errors.As(err, &ee) || ee.Exited() {
		t.Fatalf("the writer ended with %v, want it killed by a signal: %s", err, stderr.Bytes())
	}
	return n
}

// crashChild writes creates and conditional updates to random items in a
// loop, printing "ack <item> <version>" once each write has returned.
func crashChild(path string) {
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ctx := context.Background()
	s, err := boltstore.Open(path)
	if err != nil {
		fail(err)
	}
	db, err := store.New(s, crashCursorKey)
	if err != nil {
		fail(err)
	}
	sc := db.Tenant(crashTenant)
	versions := make([]int64, crashItems)
	for i := range versions {
		it, err := sc.Get(ctx, crashKey(i))
		if err != nil && !fault.Is(err, fault.NotFound) {
			fail(err)
		}
		versions[i] = it.Version
	}
	// Far more writes than the parent waits for: it kills the loop midway.
	// Should the parent die first, the next acknowledgement goes to a closed
	// pipe, and SIGPIPE ends this process.
	for range 1_000_000 {
		i := rand.IntN(crashItems)
		cond := store.IfVersion(versions[i])
		if versions[i] == 0 {
			cond = store.IfAbsent
		}
		it, err := sc.Put(ctx, store.Item{Key: crashKey(i), Data: crashPayload(i, versions[i]+1)}, cond)
		if err != nil {
			fail(err)
		}
		versions[i] = it.Version
		// Unbuffered: the line is in the pipe before the next write starts.
		fmt.Fprintf(os.Stdout, "ack %d %d\n", i, it.Version)
	}
	fail(errors.New("the writer was not killed"))
}

// checkCrashStore reopens the store at path and checks it against the
// acknowledged versions.
func checkCrashStore(t *testing.T, path string, acked []int64) {
	t.Helper()
	ctx := context.Background()
	// Closed before the next round's writer opens the file.
	s, err := boltstore.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	db, err := store.New(s, crashCursorKey)
	if err != nil {
		t.Fatal(err)
	}
	sc := db.Tenant(crashTenant)
	current := map[store.Key]store.Item{}
	for i, v := range acked {
		it, err := sc.Get(ctx, crashKey(i))
		switch {
		case fault.Is(err, fault.NotFound) && v == 0:
			continue
		case err != nil:
			t.Fatalf("item %d, acknowledged at version %d: %v", i, v, err)
		case it.Version < v:
			t.Fatalf("item %d: got version %d, want at least the acknowledged %d", i, it.Version, v)
		}
		if err := checkPayload(it.Data, i, it.Version); err != nil {
			t.Fatalf("item %d version %d: %v", i, it.Version, err)
		}
		current[crashKey(i)] = it
	}

	// Read the whole log; a consumer of its own can start from the top.
	consumer := fmt.Sprintf("check-%d", rand.Uint64())
	var changes []store.Change
	for {
		batch, err := s.Changes(ctx, consumer, 500)
		if err != nil {
			t.Fatal(err)
		}
		if len(batch) == 0 {
			break
		}
		changes = append(changes, batch...)
		if err := s.Checkpoint(ctx, consumer, batch[len(batch)-1].Seq); err != nil {
			t.Fatal(err)
		}
	}
	// Versions only grow by one per committed write, so the changes of an
	// item must be versions 1, 2, ... up to the item's own: a change for a
	// write that did not commit, or a write without its change, breaks the
	// chain or its end.
	last := map[store.Key]*store.Item{}
	ids := map[string]bool{}
	for i, c := range changes {
		pk, ok := sc.Local(c.Key.PK)
		if !ok {
			t.Fatalf("change %d: key %v is not in the writer's tenant", i, c.Key)
		}
		k := store.Key{PK: pk, SK: c.Key.SK}
		if ids[c.ID] || (i > 0 && c.Seq <= changes[i-1].Seq) {
			t.Fatalf("change %d: ID %q or sequence %d repeats", i, c.ID, c.Seq)
		}
		ids[c.ID] = true
		prev := last[k]
		wantKind, wantVersion := store.Updated, int64(1)
		if prev == nil {
			wantKind = store.Created
		} else {
			wantVersion = prev.Version + 1
		}
		if c.Kind != wantKind || c.New == nil || c.New.Version != wantVersion || (prev == nil) != (c.Old == nil) {
			t.Fatalf("change %d of %v: got a %q change to %s, want a %q change to version %d", i, k, c.Kind, versionOf(c.New), wantKind, wantVersion)
		}
		if prev != nil && (c.Old.Version != prev.Version || !bytes.Equal(c.Old.Data, prev.Data)) {
			t.Fatalf("change %d of %v: its old image is not the previous change's new one", i, k)
		}
		last[k] = c.New
	}
	if len(last) != len(current) {
		t.Fatalf("the log changes %d items, the store holds %d", len(last), len(current))
	}
	for k, it := range current {
		l := last[k]
		if l == nil || l.Version != it.Version || !bytes.Equal(l.Data, it.Data) {
			t.Fatalf("item %v: the last change leaves %s, the store holds version %d", k, versionOf(l), it.Version)
		}
	}
}

// versionOf describes an image in a failure message, without its bulky data.
func versionOf(it *store.Item) string {
	if it == nil {
		return "no item"
	}
	return fmt.Sprintf("version %d", it.Version)
}
