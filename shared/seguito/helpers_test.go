package seguito_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stanzaportal/stanza/shared/blob"
	"github.com/stanzaportal/stanza/shared/blob/fileblob"
	"github.com/stanzaportal/stanza/shared/cittadino"
	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/mail"
	"github.com/stanzaportal/stanza/shared/mail/localmail"
	"github.com/stanzaportal/stanza/shared/pratica"
	"github.com/stanzaportal/stanza/shared/protocollo"
	"github.com/stanzaportal/stanza/shared/protocollo/localprotocollo"
	"github.com/stanzaportal/stanza/shared/ricevuta"
	"github.com/stanzaportal/stanza/shared/seguito"
	"github.com/stanzaportal/stanza/shared/store"
	"github.com/stanzaportal/stanza/shared/store/boltstore"
	"github.com/stanzaportal/stanza/shared/tenant"
	"github.com/stanzaportal/stanza/shared/worker"
)

const (
	comune    = "esempio"
	nido      = "iscrizione-nido"       // requires protocol registration
	residenza = "certificato-residenza" // does not
	scia      = "scia"                  // has markup in its title
	rossi     = "RSSMRA80A01H501U"      // verified email
	bianchi   = "BNCLRA85M41F205X"      // unverified email
	baseURL   = "https://stanza.example.org"
)

var (
	citizen  = pratica.Actor{Role: pratica.Citizen, Subject: rossi}
	operator = pratica.Actor{Role: pratica.Operator, Subject: "mverdi", Services: []string{nido, residenza}}
	quiet    = slog.New(slog.NewTextHandler(io.Discard, nil))
	formData = json.RawMessage(`{"bambino":{"nome":"Luca","cognome":"Rossi"},"isee":12000.50,"tempo":"pieno"}`)
	// registerTime is when the local register numbers: its year is the
	// register's.
	registerTime = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
)

type services map[string]seguito.Service

func (s services) Service(_ context.Context, _, slug string) (seguito.Service, error) {
	svc, ok := s[slug]
	if !ok {
		return seguito.Service{}, fault.New(fault.NotFound, "Il servizio %q non esiste.", slug)
	}
	return svc, nil
}

type accounts map[string]cittadino.Account

func (a accounts) Get(_ context.Context, cf string) (cittadino.Account, error) {
	acc, ok := a[cf]
	if !ok {
		return cittadino.Account{}, fault.New(fault.NotFound, "Il profilo non esiste: accedi con SPID o CIE per crearlo.")
	}
	return acc, nil
}

// files describes every attachment as a small PDF.
type files struct{}

func (files) Of(_ context.Context, a pratica.Application) ([]ricevuta.Attachment, error) {
	out := make([]ricevuta.Attachment, len(a.Attachments))
	for i, id := range a.Attachments {
		out[i] = ricevuta.Attachment{ID: id, Name: id + ".pdf", Size: 1024, SHA256: strings.Repeat("ab", 32)}
	}
	return out, nil
}

// flakySender delivers to the mailbox and fails the first fail sends.
type flakySender struct {
	next mail.Sender
	mu   sync.Mutex
	fail int
}

func (s *flakySender) Send(ctx context.Context, m mail.Message) error {
	s.mu.Lock()
	fail := s.fail > 0
	if fail {
		s.fail--
	}
	s.mu.Unlock()
	if fail {
		return errors.New("mail relay down")
	}
	return s.next.Send(ctx, m)
}

// flakyDriver is the embedded store with writes that fail once each when
// they match one of its rules: a crash at a chosen point, seen from the
// store.
type flakyDriver struct {
	*boltstore.Store
	mu    sync.Mutex
	rules []func(store.Item) bool
}

func (d *flakyDriver) failOnce(rule func(store.Item) bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.rules = append(d.rules, rule)
}

func (d *flakyDriver) Put(ctx context.Context, it store.Item, cond store.Condition) (store.Item, error) {
	d.mu.Lock()
	for i, rule := range d.rules {
		if rule(it) {
			d.rules = append(d.rules[:i], d.rules[i+1:]...)
			d.mu.Unlock()
			return store.Item{}, errors.New("disk unplugged")
		}
	}
	d.mu.Unlock()
	return d.Store.Put(ctx, it, cond)
}

// openStore opens the embedded store at path, behind a flakyDriver.
func openStore(tb testing.TB, path string) (*store.DB, *flakyDriver) {
	tb.Helper()
	bs, err := boltstore.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	d := &flakyDriver{Store: bs}
	db, err := store.New(d, bytes.Repeat([]byte("k"), 32))
	if err != nil {
		tb.Fatal(err)
	}
	return db, d
}

// env is one process's view of a portal: the store, the archive, the
// mailbox and the handlers over them.
type env struct {
	db       *store.DB
	driver   *flakyDriver
	apps     *pratica.Store
	box      *localmail.Mailbox
	sender   *flakySender
	archive  *blob.Bucket
	registry protocollo.Registry
	deps     seguito.Deps
}

// newEnv opens the store and archive in dir, as a new process would.
func newEnv(tb testing.TB, dir string) *env {
	tb.Helper()
	db, driver := openStore(tb, filepath.Join(dir, "stanza.db"))
	tb.Cleanup(func() { _ = db.Close() })
	fb, err := fileblob.Open(filepath.Join(dir, "archive"), "http://127.0.0.1/_blob", bytes.Repeat([]byte("s"), 32))
	if err != nil {
		tb.Fatal(err)
	}
	e := &env{db: db, driver: driver, apps: pratica.NewStore(db), box: localmail.New(db), archive: blob.NewBucket(fb)}
	e.sender = &flakySender{next: e.box}
	e.registry = localprotocollo.New(db, func() time.Time { return registerTime })
	e.deps = seguito.Deps{
		DB:     db,
		Apps:   e.apps,
		Comuni: tenant.NewDirectory(db),
		Services: services{
			nido:      {Title: "Iscrizione all'asilo nido", ProtocolRequired: true},
			residenza: {Title: "Certificato di residenza"},
			scia:      {Title: `Segnalazione <SCIA> & "altro"`},
		},
		Accounts: accounts{
			rossi:   {FiscalCode: rossi, Name: "Mario", FamilyName: "Rossi", Email: "mario.rossi@example.org", EmailVerified: true},
			bianchi: {FiscalCode: bianchi, Name: "Laura", FamilyName: "Bianchi", Email: "laura.bianchi@example.org"},
		},
		Attachments: files{},
		Archive:     e.archive,
		Registry:    e.registry,
		Backoff:     protocollo.Backoff{Attempts: 3, Sleep: func(context.Context, time.Duration) error { return nil }},
		Mailer:      mail.New(e.sender, db),
		BaseURL:     baseURL,
		Log:         quiet,
	}
	return e
}

// seed creates the Comune; once per store.
func (e *env) seed(tb testing.TB) {
	tb.Helper()
	if err := tenant.NewDirectory(e.db).Create(context.Background(), tenant.Comune{ID: comune, Name: "Comune di Esempio"}); err != nil {
		tb.Fatal(err)
	}
}

func (e *env) worker() *worker.Worker { return worker.New(e.db, quiet, seguito.Handlers(e.deps)...) }

// submit starts and submits an application of the actor's for service.
func (e *env) submit(tb testing.TB, actor pratica.Actor, service string) pratica.Application {
	tb.Helper()
	ctx := context.Background()
	d, _, err := e.apps.Start(ctx, comune, actor, service, true)
	if err != nil {
		tb.Fatalf("Start: %v", err)
	}
	a, err := e.apps.Submit(ctx, comune, actor, d.ID, "key-"+d.ID, formData)
	if err != nil {
		tb.Fatalf("Submit: %v", err)
	}
	return a
}

// drain has w process the feed until nothing is left, as Run would, and
// fails the test on a handler error.
func (e *env) drain(tb testing.TB, w *worker.Worker) {
	tb.Helper()
	if err := e.step(w); err != nil {
		tb.Fatalf("worker: %v", err)
	}
}

// step has w process the feed until nothing is left or a batch fails,
// checkpointing what it processed.
func (e *env) step(w *worker.Worker) error {
	ctx := context.Background()
	feed := e.db.Feed()
	for {
		changes, err := feed.Changes(ctx, "worker", 100)
		if err != nil || len(changes) == 0 {
			return err
		}
		n, perr := w.ProcessBatch(ctx, changes)
		if n > 0 {
			if err := feed.Checkpoint(ctx, "worker", changes[n-1].Seq); err != nil {
				return err
			}
		}
		if perr != nil {
			return perr
		}
	}
}

func (e *env) application(tb testing.TB, id string) pratica.Application {
	tb.Helper()
	a, err := e.apps.Get(context.Background(), comune, pratica.SystemActor, id)
	if err != nil {
		tb.Fatalf("Get: %v", err)
	}
	return a
}

// numbersDrawn is the register's counter for the year: how many protocol
// numbers were ever drawn.
func (e *env) numbersDrawn(tb testing.TB) int64 {
	tb.Helper()
	it, err := e.db.Tenant(comune).Get(context.Background(), store.Key{PK: "protocol#2026", SK: "counter"})
	if fault.Is(err, fault.NotFound) {
		return 0
	}
	if err != nil {
		tb.Fatal(err)
	}
	return it.Counter
}

func (e *env) mails(tb testing.TB) []localmail.Stored {
	tb.Helper()
	list, err := e.box.List(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return list
}

// wantMails checks that the mailbox holds one message per status, in
// order, and no other.
func (e *env) wantMails(tb testing.TB, statuses ...string) {
	tb.Helper()
	list := e.mails(tb)
	got := make([]string, len(list))
	for i, m := range list {
		got[len(list)-1-i] = m.Subject // the mailbox lists newest first
	}
	if len(got) != len(statuses) {
		tb.Fatalf("got %d messages %q, want %d", len(got), got, len(statuses))
	}
	for i, s := range statuses {
		if !strings.HasSuffix(got[i], ": "+s) {
			tb.Errorf("message %d: got subject %q, want one ending in %q", i, got[i], s)
		}
	}
}

func wantStatus(tb testing.TB, a pratica.Application, want pratica.Status) {
	tb.Helper()
	if a.Status != want {
		tb.Fatalf("got status %d, want %d", a.Status, want)
	}
}
