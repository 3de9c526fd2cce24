package seguito_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/pratica"
	"github.com/stanzaportal/stanza/shared/ricevuta"
	"github.com/stanzaportal/stanza/shared/seguito"
	"github.com/stanzaportal/stanza/shared/store"
)

func TestSubmissionIsRegisteredReceiptedAndNoticed(t *testing.T) {
	e := newEnv(t, t.TempDir())
	e.seed(t)
	a := e.submit(t, citizen, nido)

	// The worker's own loop, as the local server runs it.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.worker().Run(ctx, e.db.Feed(), "worker", 5*time.Millisecond) }()
	deadline := time.Now().Add(10 * time.Second)
	// The registration notice is the last effect: the receipt handler runs
	// before the notices on the same change.
	for len(e.mails(t)) < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}

	got := e.application(t, a.ID)
	wantStatus(t, got, pratica.Registered)
	if got.Protocol == nil || got.Protocol.Number != "2026/0000001" {
		t.Fatalf("got protocol %+v, want 2026/0000001", got.Protocol)
	}
	if n := e.numbersDrawn(t); n != 1 {
		t.Errorf("got %d numbers drawn, want 1", n)
	}
	last := got.History[len(got.History)-1]
	if last.Event != pratica.Register || last.Role != pratica.System {
		t.Errorf("got last entry %+v, want the system's registration", last)
	}

	r, err := seguito.ReceiptOf(context.Background(), e.db, comune, a.ID)
	if err != nil {
		t.Fatalf("ReceiptOf: %v", err)
	}
	if r.Key != seguito.ArchiveKey(comune, a.ID) || r.Protocol != "2026/0000001" {
		t.Errorf("got receipt key %q protocol %q, want %q and 2026/0000001", r.Key, r.Protocol, seguito.ArchiveKey(comune, a.ID))
	}
	pdf := e.object(t, r.Key)
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("the archived receipt is not a PDF: %q", pdf[:min(len(pdf), 16)])
	}
	// The archived PDF is the frozen submission with the number, and the
	// digest is the one the register recorded.
	s := r.Submission
	s.Protocol, s.ProtocolAt = got.Protocol.Number, got.Protocol.At
	want, err := ricevuta.Render(s)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(pdf, want.PDF) || r.Digest != want.Digest {
		t.Error("the archived receipt is not the rendering of the frozen submission with its number")
	}
	if s.Applicant.Name != "Mario Rossi" || s.Comune != "Comune di Esempio" || s.Service != "Iscrizione all'asilo nido" {
		t.Errorf("got submission %+v, want the applicant, Comune and service by name", s)
	}

	e.wantMails(t, "Inviata", "Protocollata")
	for _, m := range e.mails(t) {
		link := baseURL + "/pratiche/" + a.ID
		if m.To != "mario.rossi@example.org" || !strings.Contains(m.Text, link) || !strings.Contains(m.HTML, link) {
			t.Errorf("message %q: got to %q, want Mario's address and the link %s in both versions", m.Subject, m.To, link)
		}
		if !strings.HasPrefix(m.Subject, "Comune di Esempio, pratica «Iscrizione all'asilo nido»") {
			t.Errorf("got subject %q, want the Comune and the service", m.Subject)
		}
		if strings.HasSuffix(m.Subject, "Protocollata") && !strings.Contains(m.Text, "2026/0000001") {
			t.Errorf("the registration notice lacks the number:\n%s", m.Text)
		}
	}
}

func (e *env) object(tb testing.TB, key string) []byte {
	tb.Helper()
	rc, _, err := e.archive.Get(context.Background(), key, nil)
	if err != nil {
		tb.Fatalf("archive: %v", err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestServiceWithoutProtocolStaysSubmitted(t *testing.T) {
	e := newEnv(t, t.TempDir())
	e.seed(t)
	a := e.submit(t, citizen, residenza)
	e.drain(t, e.worker())

	wantStatus(t, e.application(t, a.ID), pratica.Submitted)
	if n := e.numbersDrawn(t); n != 0 {
		t.Errorf("got %d numbers drawn, want none", n)
	}
	r, err := seguito.ReceiptOf(context.Background(), e.db, comune, a.ID)
	if err != nil || r.Key == "" || r.Protocol != "" {
		t.Errorf("got receipt %+v (%v), want one stored without a number", r, err)
	}
	e.wantMails(t, "Inviata")
}

func TestUnverifiedAddressGetsNothing(t *testing.T) {
	e := newEnv(t, t.TempDir())
	e.seed(t)
	a := e.submit(t, pratica.Actor{Role: pratica.Citizen, Subject: bianchi}, nido)
	e.drain(t, e.worker())

	wantStatus(t, e.application(t, a.ID), pratica.Registered)
	e.wantMails(t)
}

func TestOperatorStepsAreNoticedWithoutTheOperator(t *testing.T) {
	e := newEnv(t, t.TempDir())
	e.seed(t)
	a := e.submit(t, citizen, nido)
	w := e.worker()
	e.drain(t, w)
	ctx := context.Background()
	steps := []struct {
		ev   pratica.Event
		note string
	}{
		{pratica.TakeInCharge, ""},
		{pratica.Reject, "Manca l'attestazione ISEE."},
	}
	for _, s := range steps {
		if _, err := e.apps.Apply(ctx, comune, operator, a.ID, s.ev, pratica.Input{Note: s.note}); err != nil {
			t.Fatalf("%s: %v", s.ev, err)
		}
		e.drain(t, w)
	}
	e.wantMails(t, "Inviata", "Protocollata", "Presa in carico", "Rifiutata")
	for _, m := range e.mails(t) {
		if strings.Contains(m.Text, "mverdi") || strings.Contains(m.HTML, "mverdi") {
			t.Errorf("message %q names the operator", m.Subject)
		}
	}
}

func TestIntegrationIsRegisteredInItsRound(t *testing.T) {
	e := newEnv(t, t.TempDir())
	e.seed(t)
	a := e.submit(t, citizen, nido)
	w := e.worker()
	e.drain(t, w)
	ctx := context.Background()
	steps := []struct {
		actor pratica.Actor
		ev    pratica.Event
		note  string
	}{
		{operator, pratica.TakeInCharge, ""},
		{operator, pratica.RequestIntegration, "Allegare l'attestazione ISEE."},
		{citizen, pratica.StartIntegration, ""},
		{citizen, pratica.SubmitIntegration, ""},
	}
	for _, s := range steps {
		if _, err := e.apps.Apply(ctx, comune, s.actor, a.ID, s.ev, pratica.Input{Note: s.note}); err != nil {
			t.Fatalf("%s: %v", s.ev, err)
		}
		e.drain(t, w)
	}
	got := e.application(t, a.ID)
	wantStatus(t, got, pratica.IntegrationRegistered)
	last := got.History[len(got.History)-1]
	if last.Protocol == nil || last.Protocol.Number != "2026/0000002" {
		t.Errorf("got integration registration %+v, want 2026/0000002", last.Protocol)
	}
	if got.Protocol.Number != "2026/0000001" {
		t.Errorf("got application number %q, want the first registration's 2026/0000001", got.Protocol.Number)
	}
	if _, err := e.db.Tenant(comune).Get(ctx, store.Key{PK: "protocol-request#" + a.ID + "/integration/1", SK: "registration"}); err != nil {
		t.Errorf("the integration's request id is not <id>/integration/1: %v", err)
	}
	e.wantMails(t, "Inviata", "Protocollata", "Presa in carico", "Integrazione richiesta")
}

// TestHandlersAreSafeToRepeat hands every change to the handlers twice,
// without the worker's markers: the case of a crash after an effect and
// before its marker, for every effect at once.
func TestHandlersAreSafeToRepeat(t *testing.T) {
	e := newEnv(t, t.TempDir())
	e.seed(t)
	a := e.submit(t, citizen, nido)
	ctx := context.Background()
	handlers := seguito.Handlers(e.deps)
	for round := range 3 {
		changes, err := e.db.Feed().Changes(ctx, "repeat", 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, ch := range changes {
			for _, h := range handlers {
				if err := h.Handle(ctx, ch); err != nil {
					t.Fatalf("round %d, %s: %v", round, h.Name(), err)
				}
				if err := h.Handle(ctx, ch); err != nil {
					t.Fatalf("round %d, %s again: %v", round, h.Name(), err)
				}
			}
		}
	}
	got := e.application(t, a.ID)
	wantStatus(t, got, pratica.Registered)
	if n := e.numbersDrawn(t); n != 1 {
		t.Errorf("got %d numbers drawn, want 1", n)
	}
	if len(got.History) != 2 {
		t.Errorf("got %d history entries, want submission and registration", len(got.History))
	}
	e.wantMails(t, "Inviata", "Protocollata")
	r, err := seguito.ReceiptOf(ctx, e.db, comune, a.ID)
	if err != nil || r.Protocol != "2026/0000001" {
		t.Errorf("got receipt %+v (%v), want it with the number", r, err)
	}
}

// TestLateSubmissionChangeKeepsTheNumber delivers the submission change
// again after the registration: the receipt keeps its number.
func TestLateSubmissionChangeKeepsTheNumber(t *testing.T) {
	e := newEnv(t, t.TempDir())
	e.seed(t)
	a := e.submit(t, citizen, nido)
	ctx := context.Background()
	first, err := e.db.Feed().Changes(ctx, "late", 100)
	if err != nil {
		t.Fatal(err)
	}
	e.drain(t, e.worker())
	before := e.object(t, seguito.ArchiveKey(comune, a.ID))
	receipts := seguito.NewReceipts(e.deps)
	for _, ch := range first {
		if err := receipts.Handle(ctx, ch); err != nil {
			t.Fatal(err)
		}
	}
	r, err := seguito.ReceiptOf(ctx, e.db, comune, a.ID)
	if err != nil || r.Protocol != "2026/0000001" {
		t.Errorf("got receipt %+v (%v), want it still with the number", r, err)
	}
	if !bytes.Equal(e.object(t, r.Key), before) {
		t.Error("the archived receipt changed")
	}
}

// TestPermanentFailureLetsTheFeedGoOn checks that a change that can never
// succeed (its service is gone) does not hold back the next ones.
func TestPermanentFailureLetsTheFeedGoOn(t *testing.T) {
	e := newEnv(t, t.TempDir())
	e.seed(t)
	orphan := e.submit(t, citizen, "servizio-chiuso")
	a := e.submit(t, citizen, nido)
	e.drain(t, e.worker())
	wantStatus(t, e.application(t, orphan.ID), pratica.Submitted)
	wantStatus(t, e.application(t, a.ID), pratica.Registered)
	if _, err := seguito.ReceiptOf(context.Background(), e.db, comune, orphan.ID); !fault.Is(err, fault.NotFound) {
		t.Errorf("got %v, want no receipt for the unknown service", err)
	}
}

// TestReceiptKey checks the access pattern "receipt of an application":
// tenant scope, PK "application#<id>", SK "receipt".
func TestReceiptKey(t *testing.T) {
	e := newEnv(t, t.TempDir())
	e.seed(t)
	a := e.submit(t, citizen, residenza)
	e.drain(t, e.worker())
	it, err := e.db.Tenant(comune).Get(context.Background(), store.Key{PK: "application#" + a.ID, SK: "receipt"})
	if err != nil {
		t.Fatalf("got %v, want the receipt record", err)
	}
	if !bytes.Contains(it.Data, []byte(seguito.ArchiveKey(comune, a.ID))) {
		t.Errorf("the record does not name the archived receipt: %s", it.Data)
	}
}

func TestWithdrawalIsNoticedAndTitlesAreEscaped(t *testing.T) {
	e := newEnv(t, t.TempDir())
	e.seed(t)
	a := e.submit(t, citizen, scia)
	w := e.worker()
	e.drain(t, w)
	if _, err := e.apps.Apply(context.Background(), comune, citizen, a.ID, pratica.Withdraw, pratica.Input{}); err != nil {
		t.Fatalf("Withdraw: %v", err)
	}
	e.drain(t, w)
	e.wantMails(t, "Inviata", "Ritirata")
	for _, m := range e.mails(t) {
		if strings.Contains(m.HTML, "<SCIA>") || !strings.Contains(m.HTML, "&lt;SCIA&gt;") {
			t.Errorf("the HTML of %q does not escape the title", m.Subject)
		}
		if !strings.Contains(m.Text, `Segnalazione <SCIA> & "altro"`) {
			t.Errorf("the text of %q does not keep the title as it is", m.Subject)
		}
	}
}
