package seguito_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stanzaportal/stanza/shared/pratica"
	"github.com/stanzaportal/stanza/shared/protocollo"
	"github.com/stanzaportal/stanza/shared/seguito"
	"github.com/stanzaportal/stanza/shared/store"
)

// TestCrashBetweenChangeAndEffects fails the first worker at the worst
// points: the write of the registration after the number was drawn, the
// mail relay, and the marker after an email went out. A new worker over
// the same store then gets the changes again from the checkpoint.
func TestCrashBetweenChangeAndEffects(t *testing.T) {
	dir := t.TempDir()
	e := newEnv(t, dir)
	e.seed(t)
	a := e.submit(t, citizen, nido)

	e.driver.failOnce(func(it store.Item) bool { // the register transition
		return it.Key.SK == "application" && bytes.Contains(it.Data, []byte(`"status":3000`))
	})
	e.sender.fail = 1 // the first notice
	if err := e.step(e.worker()); err == nil {
		t.Fatal("the first worker reported no failure")
	}
	wantStatus(t, e.application(t, a.ID), pratica.Submitted)
	if n := e.numbersDrawn(t); n != 1 {
		t.Fatalf("got %d numbers drawn, want 1", n)
	}
	e.wantMails(t)

	// The second worker sends the notice and loses its marker: the third
	// gets the change again.
	e.driver.failOnce(func(it store.Item) bool {
		return strings.HasSuffix(it.Key.PK, "done#pratica-notices")
	})
	if err := e.step(e.worker()); err == nil {
		t.Fatal("the second worker reported no failure")
	}
	e.wantMails(t, "Inviata")

	e.drain(t, e.worker())
	got := e.application(t, a.ID)
	wantStatus(t, got, pratica.Registered)
	if got.Protocol.Number != "2026/0000001" {
		t.Errorf("got number %q, want 2026/0000001", got.Protocol.Number)
	}
	if n := e.numbersDrawn(t); n != 1 {
		t.Errorf("got %d numbers drawn, want 1", n)
	}
	e.wantMails(t, "Inviata", "Protocollata")
}

// The child process of TestKilledWorkerResumes runs the worker over the
// directory in childDir, and stops for good right after the register has
// given a number, saying so on stdout, until the parent kills it.
const childDir = "SEGUITO_TEST_WORKER_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(childDir); dir != "" {
		os.Exit(runChild(dir))
	}
	os.Exit(m.Run())
}

// stopAfter is a register that never returns after its first
// registration: the process is killed there.
type stopAfter struct{ next protocollo.Registry }

func (s stopAfter) Register(ctx context.Context, req protocollo.Request) (protocollo.Registration, error) {
	reg, err := s.next.Register(ctx, req)
	if err == nil {
		fmt.Println("registered", reg.Number)
		select {}
	}
	return reg, err
}

// childTB lets the child use the tests' helpers outside a test: a failure
// ends the process, which the parent sees.
type childTB struct{ testing.TB }

func (childTB) Helper()        {}
func (childTB) Cleanup(func()) {}
func (childTB) Fatal(args ...any) {
	fmt.Fprintln(os.Stderr, args...)
	os.Exit(2)
}
func (childTB) Fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(2)
}

func runChild(dir string) int {
	e := newEnv(childTB{}, dir)
	e.deps.Registry = stopAfter{e.registry}
	if err := e.step(e.worker()); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	return 1 // not reached when all goes to plan
}

// TestKilledWorkerResumes kills a real worker process between the protocol
// registration and its checkpoint; a worker started afterwards over the
// same store completes the work with one number and one email per change.
func TestKilledWorkerResumes(t *testing.T) {
	dir := t.TempDir()
	e := newEnv(t, dir)
	e.seed(t)
	a := e.submit(t, citizen, nido)
	if err := e.db.Close(); err != nil { // the child takes the store's lock
		t.Fatal(err)
	}

	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), childDir+"="+dir)
	child.Stderr = os.Stderr
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		lines <- line
	}()
	select {
	case line := <-lines:
		if !strings.HasPrefix(line, "registered 2026/0000001") {
			t.Errorf("the child said %q, want its registration", line)
		}
	case <-time.After(30 * time.Second):
		t.Error("the child did not register within 30 seconds")
	}
	_ = child.Process.Kill() // SIGKILL: no deferred function, no checkpoint
	_ = child.Wait()
	if t.Failed() {
		t.FailNow()
	}

	e = newEnv(t, dir)
	wantStatus(t, e.application(t, a.ID), pratica.Submitted)
	if n := e.numbersDrawn(t); n != 1 {
		t.Fatalf("got %d numbers drawn before the restart, want 1", n)
	}
	e.drain(t, e.worker())
	got := e.application(t, a.ID)
	wantStatus(t, got, pratica.Registered)
	if got.Protocol.Number != "2026/0000001" {
		t.Errorf("got number %q, want 2026/0000001", got.Protocol.Number)
	}
	if n := e.numbersDrawn(t); n != 1 {
		t.Errorf("got %d numbers drawn, want 1", n)
	}
	e.wantMails(t, "Inviata", "Protocollata")
	if r, err := seguito.ReceiptOf(context.Background(), e.db, comune, a.ID); err != nil || r.Protocol != got.Protocol.Number {
		t.Errorf("got receipt %+v (%v), want it with the number", r, err)
	}
}
