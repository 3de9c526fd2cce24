package messaggio_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/stanzaportal/stanza/shared/cittadino"
	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/mail"
	"github.com/stanzaportal/stanza/shared/mail/localmail"
	"github.com/stanzaportal/stanza/shared/messaggio"
	"github.com/stanzaportal/stanza/shared/operatore"
	"github.com/stanzaportal/stanza/shared/pratica"
	"github.com/stanzaportal/stanza/shared/seguito"
	comuni "github.com/stanzaportal/stanza/shared/tenant"
)

type services struct{}

func (services) Service(_ context.Context, _, slug string) (seguito.Service, error) {
	if slug != nido {
		return seguito.Service{}, fault.New(fault.NotFound, "Il servizio %q non esiste.", slug)
	}
	return seguito.Service{Title: "Iscrizione all'asilo nido"}, nil
}

type accounts map[string]cittadino.Account

func (a accounts) Get(_ context.Context, cf string) (cittadino.Account, error) {
	acc, ok := a[cf]
	if !ok {
		return cittadino.Account{}, fault.New(fault.NotFound, "Il profilo non esiste: accedi con SPID o CIE per crearlo.")
	}
	return acc, nil
}

type staff map[string]operatore.Operator

func (s staff) Get(_ context.Context, _, username string) (operatore.Operator, error) {
	op, ok := s[username]
	if !ok {
		return operatore.Operator{}, fault.New(fault.NotFound, "L'operatore %q non esiste.", username)
	}
	return op, nil
}

// notify runs the notices handler over every new change of the feed,
// twice, as an at-least-once feed may, and returns the mailbox.
func (e env) notify(t *testing.T, box *localmail.Mailbox, h *messaggio.Notices) []localmail.Stored {
	t.Helper()
	ctx := context.Background()
	changes, err := e.db.Feed().Changes(ctx, "test", 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range append(changes, changes...) {
		if err := h.Handle(ctx, ch); err != nil {
			t.Fatal(err)
		}
	}
	if len(changes) > 0 {
		if err := e.db.Feed().Checkpoint(ctx, "test", changes[len(changes)-1].Seq); err != nil {
			t.Fatal(err)
		}
	}
	list, err := box.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// TestNotices: the office's message emails the citizen, once, without the
// operator's name or the text; the citizen's message emails the operator
// in charge, and nobody while nobody is in charge.
func TestNotices(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	box := localmail.New(e.db)
	h := messaggio.NewNotices(seguito.Deps{
		DB: e.db, Apps: e.apps, Comuni: comuni.NewDirectory(e.db), Services: services{},
		Accounts: accounts{
			rossi:   {FiscalCode: rossi, Name: "Mario", FamilyName: "Rossi", Email: "mario.rossi@example.org", EmailVerified: true},
			bianchi: {FiscalCode: bianchi, Name: "Laura", FamilyName: "Bianchi", Email: "laura.bianchi@example.org"},
		},
		Mailer: mail.New(box, e.db), BaseURL: "https://stanza.example.org", Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}, staff{"anna": {Username: "anna", Name: "Anna Verdi", Email: "anna.verdi@comune-esempio.example.org"}})

	a := e.submitted(t, citizen)
	e.post(t, citizen, a.ID, "Nessuno ha ancora preso la pratica?", "")
	if got := e.notify(t, box, h); len(got) != 0 {
		t.Fatalf("nobody in charge: got %d emails, want none", len(got))
	}

	e.post(t, anna, a.ID, "Risposta riservata dell'ufficio", "")
	got := e.notify(t, box, h)
	if len(got) != 1 {
		t.Fatalf("the office wrote: got %d emails, want 1", len(got))
	}
	m := got[0].Message
	if m.To != "mario.rossi@example.org" || !strings.Contains(m.Subject, "nuovo messaggio sulla pratica «Iscrizione all'asilo nido»") ||
		!strings.Contains(m.Text, "https://stanza.example.org/pratiche/"+a.ID) || !strings.Contains(m.Text, "Gentile Mario Rossi") {
		t.Errorf("got %+v, want a notice to the citizen linking the application", m)
	}
	for _, leak := range []string{"anna", "Anna", "Risposta riservata"} {
		if strings.Contains(m.Subject+m.Text+m.HTML, leak) {
			t.Errorf("the citizen's email shows %q: %+v", leak, m)
		}
	}

	if _, err := e.apps.Apply(ctx, tenant, anna, a.ID, pratica.TakeInCharge, pratica.Input{}); err != nil {
		t.Fatal(err)
	}
	e.post(t, citizen, a.ID, "Grazie, attendo.", "")
	got = e.notify(t, box, h)
	if len(got) != 2 {
		t.Fatalf("the citizen wrote to the operator in charge: got %d emails in all, want 2", len(got))
	}
	m = got[0].Message // newest first
	if m.To != "anna.verdi@comune-esempio.example.org" || !strings.Contains(m.Text, "https://stanza.example.org/backoffice/pratiche/"+a.ID) ||
		!strings.Contains(m.Text, "Gentile Anna Verdi") || strings.Contains(m.Text, "Grazie, attendo.") {
		t.Errorf("got %+v, want a notice to the operator in charge, without the text", m)
	}

	// A citizen without a verified address gets no email.
	b := e.submitted(t, other)
	e.post(t, partner, b.ID, "Pratica ricevuta.", "")
	if got := e.notify(t, box, h); len(got) != 2 {
		t.Errorf("unverified address: got %d emails in all, want still 2", len(got))
	}
}
