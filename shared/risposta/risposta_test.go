package risposta_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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
	"github.com/stanzaportal/stanza/shared/risposta"
	"github.com/stanzaportal/stanza/shared/seguito"
	"github.com/stanzaportal/stanza/shared/store"
	"github.com/stanzaportal/stanza/shared/store/boltstore"
	"github.com/stanzaportal/stanza/shared/store/boltstore/bolttest"
	"github.com/stanzaportal/stanza/shared/tenant"
	"github.com/stanzaportal/stanza/shared/worker"
)

const (
	comune    = "esempio"
	nido      = "iscrizione-nido"       // registered in the protocol
	residenza = "certificato-residenza" // not registered
	rossi     = "RSSMRA80A01H501U"
)

var (
	citizen      = pratica.Actor{Role: pratica.Citizen, Subject: rossi}
	operator     = pratica.Actor{Role: pratica.Operator, Subject: "mverdi", Services: []string{nido, residenza}}
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
		return cittadino.Account{}, fault.New(fault.NotFound, "Il profilo non esiste.")
	}
	return acc, nil
}

type noFiles struct{}

func (noFiles) Of(context.Context, pratica.Application) ([]ricevuta.Attachment, error) {
	return []ricevuta.Attachment{}, nil
}

type env struct {
	db      *store.DB
	driver  *boltstore.Store // sweeps expired records
	apps    *pratica.Store
	archive *blob.Bucket
	deps    seguito.Deps
}

func newEnv(t *testing.T) *env {
	t.Helper()
	db, driver := bolttest.WithDriver(t)
	fb, err := fileblob.Open(t.TempDir(), "http://127.0.0.1/_blob", bytes.Repeat([]byte("s"), 32))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{db: db, driver: driver, apps: pratica.NewStore(db), archive: blob.NewBucket(fb)}
	e.deps = seguito.Deps{
		DB:     db,
		Apps:   e.apps,
		Comuni: tenant.NewDirectory(db),
		Services: services{
			nido:      {Title: "Iscrizione all'asilo nido", ProtocolRequired: true},
			residenza: {Title: "Certificato di residenza"},
		},
		Accounts:    accounts{rossi: {FiscalCode: rossi, Name: "Mario", FamilyName: "Rossi"}},
		Attachments: noFiles{},
		Archive:     e.archive,
		Registry:    localprotocollo.New(db, func() time.Time { return registerTime }),
		Backoff:     protocollo.Backoff{Attempts: 2, Sleep: func(context.Context, time.Duration) error { return nil }},
		Mailer:      mail.New(localmail.New(db), db),
		BaseURL:     "https://stanza.example.org",
		Log:         slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if err := tenant.NewDirectory(db).Create(context.Background(), tenant.Comune{ID: comune, Name: "Comune di Esempio"}); err != nil {
		t.Fatal(err)
	}
	return e
}

// worker runs seguito's handlers and the response's, as the portal does.
func (e *env) worker() *worker.Worker {
	return worker.New(e.db, e.deps.Log, append(seguito.Handlers(e.deps), risposta.NewHandler(e.deps))...)
}

// drain has w process the feed until nothing is left.
func (e *env) drain(t *testing.T, w *worker.Worker) {
	t.Helper()
	ctx := context.Background()
	for {
		changes, err := e.db.Feed().Changes(ctx, "worker", 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(changes) == 0 {
			return
		}
		if _, err := w.ProcessBatch(ctx, changes); err != nil {
			t.Fatalf("worker: %v", err)
		}
		if err := e.db.Feed().Checkpoint(ctx, "worker", changes[len(changes)-1].Seq); err != nil {
			t.Fatal(err)
		}
	}
}

// decide submits an application for service, has the worker follow it,
// takes it in charge and performs ev with note.
func (e *env) decide(t *testing.T, w *worker.Worker, service string, ev pratica.Event, note string) pratica.Application {
	t.Helper()
	ctx := context.Background()
	d, _, err := e.apps.Start(ctx, comune, citizen, service, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.apps.Submit(ctx, comune, citizen, d.ID, "key-"+d.ID, json.RawMessage(`{"nome":"Luca"}`)); err != nil {
		t.Fatal(err)
	}
	e.drain(t, w)
	if _, err := e.apps.Apply(ctx, comune, operator, d.ID, pratica.TakeInCharge, pratica.Input{}); err != nil {
		t.Fatalf("take in charge: %v", err)
	}
	a, err := e.apps.Apply(ctx, comune, operator, d.ID, ev, pratica.Input{Note: note})
	if err != nil {
		t.Fatalf("%s: %v", ev, err)
	}
	e.drain(t, w)
	return a
}

func (e *env) object(t *testing.T, key string) []byte {
	t.Helper()
	r, _, err := e.archive.Get(context.Background(), key, nil)
	if err != nil {
		t.Fatalf("archive %s: %v", key, err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRejectionIssuesRegisteredResponse(t *testing.T) {
	e := newEnv(t)
	w := e.worker()
	a := e.decide(t, w, nido, pratica.Reject, "Manca l'ISEE in corso di validità.")

	rec, err := risposta.Of(context.Background(), e.db, comune, a.ID)
	if err != nil {
		t.Fatalf("Of: %v", err)
	}
	// The application took 2026/0000001 at submission; the response is the
	// next number of the register.
	if rec.Protocol != "2026/0000002" || rec.Key != risposta.ArchiveKey(comune, a.ID) {
		t.Errorf("got protocol %q key %q, want 2026/0000002 and %q", rec.Protocol, rec.Key, risposta.ArchiveKey(comune, a.ID))
	}
	c := rec.Content
	if c.Outcome != pratica.Rejected || c.Motivation != "Manca l'ISEE in corso di validità." ||
		c.ApplicationProtocol != "2026/0000001" || c.Applicant.Name != "Mario Rossi" || c.Comune != "Comune di Esempio" {
		t.Errorf("got content %+v, want the rejection with its motivation, numbers and names", c)
	}
	// The archived PDF is the frozen content with the response's number,
	// and its digest is the record's.
	c.Protocol, c.ProtocolAt = rec.Protocol, rec.ProtocolAt
	want, err := risposta.Render(c)
	if err != nil {
		t.Fatal(err)
	}
	if got := e.object(t, rec.Key); !bytes.Equal(got, want.PDF) || want.Digest != rec.Digest {
		t.Error("the archived response is not the rendering of the frozen content with its number")
	}
}

func TestAcceptanceWithoutProtocolIsStoredUnnumbered(t *testing.T) {
	e := newEnv(t)
	a := e.decide(t, e.worker(), residenza, pratica.Accept, "")

	rec, err := risposta.Of(context.Background(), e.db, comune, a.ID)
	if err != nil {
		t.Fatalf("Of: %v", err)
	}
	if rec.Protocol != "" || rec.Content.ApplicationProtocol != "" || rec.Content.Outcome != pratica.Accepted {
		t.Errorf("got %+v, want an acceptance without protocol numbers", rec)
	}
	if pdf := e.object(t, rec.Key); !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Errorf("the archived response is not a PDF: %q", pdf[:min(len(pdf), 16)])
	}
}

func TestRedeliveryIssuesNothingTwice(t *testing.T) {
	e := newEnv(t)
	a := e.decide(t, e.worker(), nido, pratica.Accept, "Requisiti verificati.")
	first, err := risposta.Of(context.Background(), e.db, comune, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	// The change into accepted, delivered again straight to the handler,
	// past the worker's markers.
	it, err := e.db.Tenant(comune).Get(context.Background(), store.Key{PK: "application#" + a.ID, SK: "application"})
	if err != nil {
		t.Fatal(err)
	}
	old := it
	var before pratica.Application
	if err := json.Unmarshal(it.Data, &before); err != nil {
		t.Fatal(err)
	}
	before.Status = pratica.InCharge
	old.Data, _ = json.Marshal(before)
	ch := store.Change{ID: "again", Key: store.Key{PK: "t#" + comune + "#application#" + a.ID, SK: "application"}, Old: &old, New: &it}
	h := risposta.NewHandler(e.deps)
	for range 2 {
		if err := h.Handle(context.Background(), ch); err != nil {
			t.Fatalf("Handle: %v", err)
		}
	}
	again, err := risposta.Of(context.Background(), e.db, comune, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if again.Protocol != first.Protocol || again.Digest != first.Digest {
		t.Errorf("got %s %s after redelivery, want %s %s", again.Protocol, again.Digest, first.Protocol, first.Digest)
	}
	if n, err := e.db.Tenant(comune).Get(context.Background(), store.Key{PK: "protocol#2026", SK: "counter"}); err != nil || n.Counter != 2 {
		t.Errorf("got %d numbers drawn (%v), want 2", n.Counter, err)
	}
}

func TestOtherChangesIssueNothing(t *testing.T) {
	e := newEnv(t)
	w := e.worker()
	ctx := context.Background()
	d, _, err := e.apps.Start(ctx, comune, citizen, residenza, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.apps.Submit(ctx, comune, citizen, d.ID, "key-"+d.ID, json.RawMessage(`{}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.apps.Apply(ctx, comune, citizen, d.ID, pratica.Withdraw, pratica.Input{}); err != nil {
		t.Fatal(err)
	}
	e.drain(t, w)
	if _, err := risposta.Of(ctx, e.db, comune, d.ID); !fault.Is(err, fault.NotFound) {
		t.Errorf("got %v for a withdrawn application, want NotFound", err)
	}
}

func content() risposta.Content {
	return risposta.Content{
		Comune: "Comune di Esempio", Service: "Iscrizione all'asilo nido", ApplicationID: "abcdefghijklmnopqrstuvwxyz",
		Applicant:   ricevuta.Applicant{Name: "Mario Rossi", FiscalCode: rossi},
		SubmittedAt: registerTime, DecidedAt: registerTime.Add(72 * time.Hour),
		Outcome: pratica.Rejected, Motivation: "Manca l'ISEE.",
	}
}

func TestRenderIsDeterministicAndDigestIgnoresOwnNumber(t *testing.T) {
	a, err := risposta.Render(content())
	if err != nil {
		t.Fatal(err)
	}
	b, err := risposta.Render(content())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.PDF, b.PDF) {
		t.Error("the same content gave different bytes")
	}
	numbered := content()
	numbered.Protocol, numbered.ProtocolAt = "2026/0000009", registerTime
	n, err := risposta.Render(numbered)
	if err != nil {
		t.Fatal(err)
	}
	if n.Digest != a.Digest || bytes.Equal(n.PDF, a.PDF) {
		t.Error("got the number changing the digest or not the document, want the reverse")
	}
	other := content()
	other.Motivation = "Altro."
	o, err := risposta.Render(other)
	if err != nil {
		t.Fatal(err)
	}
	if o.Digest == a.Digest {
		t.Error("a different motivation gave the same digest")
	}
}

func TestRenderRefusesIncompleteContent(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*risposta.Content)
	}{
		{"ErrNotADecision", func(c *risposta.Content) { c.Outcome = pratica.InCharge }},
		{"ErrNoApplicant", func(c *risposta.Content) { c.Applicant.Name = " " }},
		{"ErrNoDecisionTime", func(c *risposta.Content) { c.DecidedAt = time.Time{} }},
		{"ErrNoService", func(c *risposta.Content) { c.Service = "" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := content()
			tc.change(&c)
			if _, err := risposta.Render(c); !fault.Is(err, fault.Invalid) {
				t.Errorf("got %v, want an Invalid error", err)
			}
		})
	}
}

// TestRenderNamesTheResponseFile checks the response PDF names the file the
// operator attached, with its SHA-256, and that the file is part of the
// digest. The text is read with pdftotext (Debian's poppler-utils).
func TestRenderNamesTheResponseFile(t *testing.T) {
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pdftotext is missing: install poppler-utils")
		}
		t.Skip("pdftotext is missing (apt-get install poppler-utils)")
	}
	withFile := content()
	withFile.File = &risposta.FileRef{Name: "provvedimento-firmato.pdf.p7m", SHA256: strings.Repeat("ab", 32)}
	r, err := risposta.Render(withFile)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := risposta.Render(content())
	if err != nil {
		t.Fatal(err)
	}
	if r.Digest == plain.Digest {
		t.Error("attaching a file left the digest unchanged")
	}
	path := filepath.Join(t.TempDir(), "risposta.pdf")
	if err := os.WriteFile(path, r.PDF, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-layout", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	text := strings.Join(strings.Fields(string(out)), " ")
	for _, want := range []string{"provvedimento-firmato.pdf.p7m", strings.Repeat("ab", 16)} {
		if !strings.Contains(strings.ReplaceAll(text, " ", ""), strings.ReplaceAll(want, " ", "")) {
			t.Errorf("the response PDF lacks %q:\n%s", want, text)
		}
	}
}
