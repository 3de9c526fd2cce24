// Package mailtest is the conformance suite of the mail port. Every mail
// adapter runs it from its own tests with a Harness that reports what the
// backend received, so that all adapters deliver alike: both versions of a
// message, accents intact, once per ID, and nothing the Mailer refuses.
package mailtest

import (
	"context"
	"strings"
	"testing"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/mail"
	"github.com/stanzaportal/stanza/shared/store/boltstore/bolttest"
)

// Harness builds a sender and reads back what its backend received.
type Harness interface {
	// MakeSender returns the adapter under test, over an empty backend.
	MakeSender(ctx context.Context) (mail.Sender, error)
	// Delivered returns the messages the backend received, oldest first.
	// Only what the backend keeps is compared: To, Tenant, Subject, Text
	// and HTML.
	Delivered(ctx context.Context) ([]mail.Message, error)
}

// HarnessMaker returns a new harness for one test.
type HarnessMaker func(ctx context.Context, t *testing.T) (Harness, error)

// RunConformanceTests runs the whole suite against the adapters newHarness
// makes.
func RunConformanceTests(t *testing.T, newHarness HarnessMaker) {
	t.Run("DeliversTextAndHTML", func(t *testing.T) { testDelivers(t, newHarness) })
	t.Run("DeliversTextOnly", func(t *testing.T) { testTextOnly(t, newHarness) })
	t.Run("SameIDDeliversOnce", func(t *testing.T) { testOnce(t, newHarness) })
	t.Run("RefusedNeverDelivered", func(t *testing.T) { testRefused(t, newHarness) })
}

func open(t *testing.T, newHarness HarnessMaker) (*mail.Mailer, Harness) {
	t.Helper()
	ctx := context.Background()
	h, err := newHarness(ctx, t)
	if err != nil {
		t.Fatalf("harness: %v", err)
	}
	s, err := h.MakeSender(ctx)
	if err != nil {
		t.Fatalf("MakeSender: %v", err)
	}
	return mail.New(s, bolttest.DB(t)), h
}

func delivered(t *testing.T, h Harness) []mail.Message {
	t.Helper()
	got, err := h.Delivered(context.Background())
	if err != nil {
		t.Fatalf("Delivered: %v", err)
	}
	for i := range got {
		got[i].ID = ""
	}
	return got
}

// sample has what trips careless encodings: accents, an apostrophe, a
// non-Latin-1 sign, long and blank lines, and markup in the HTML version.
func sample(id string) mail.Message {
	return mail.Message{
		ID:      id,
		Tenant:  "esempio",
		To:      "mario.rossi@example.org",
		Subject: "Verifica dell'indirizzo – è già attivo? Sì, €5",
		Text:    "Gentile Mario,\n\nperché l'indirizzo sia verificato apri:\nhttps://portale.example.org/verifica?token=abc.def\n\n" + strings.Repeat("riga lunga ", 40) + "\n",
		HTML:    "<!doctype html><html lang=\"it\"><body><p>Gentile Mario,</p><p><a href=\"https://portale.example.org/verifica?token=abc.def\">Verifica</a> è già qui.</p></body></html>",
	}
}

func testDelivers(t *testing.T, newHarness HarnessMaker) {
	ml, h := open(t, newHarness)
	m := sample("conformance/delivers")
	if err := ml.Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := delivered(t, h)
	m.ID = ""
	if len(got) != 1 || got[0] != m {
		t.Fatalf("got %+v, want exactly %+v", got, m)
	}
}

func testTextOnly(t *testing.T, newHarness HarnessMaker) {
	ml, h := open(t, newHarness)
	m := sample("conformance/text-only")
	m.HTML = ""
	m.Tenant = ""
	if err := ml.Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := delivered(t, h)
	m.ID = ""
	if len(got) != 1 || got[0] != m {
		t.Fatalf("got %+v, want exactly %+v", got, m)
	}
}

func testOnce(t *testing.T, newHarness HarnessMaker) {
	ml, h := open(t, newHarness)
	ctx := context.Background()
	for _, id := range []string{"conformance/once", "conformance/once", "conformance/other"} {
		if err := ml.Send(ctx, sample(id)); err != nil {
			t.Fatalf("Send(%s): %v", id, err)
		}
	}
	if got := delivered(t, h); len(got) != 2 {
		t.Fatalf("got %d messages, want 2 (the repeated ID once)", len(got))
	}
}

func testRefused(t *testing.T, newHarness HarnessMaker) {
	ml, h := open(t, newHarness)
	tests := []struct {
		name     string
		change   func(m *mail.Message)
		wantCode fault.Code
	}{
		{"ErrHeaderInSubject", func(m *mail.Message) { m.Subject = "Ciao\r\nBcc: tutti@example.org" }, fault.Invalid},
		{"ErrLineFeedInSubject", func(m *mail.Message) { m.Subject = "Ciao\nBcc: tutti@example.org" }, fault.Invalid},
		{"ErrHeaderInAddress", func(m *mail.Message) { m.To = "mario@example.org\r\nBcc: tutti@example.org" }, fault.Invalid},
		{"ErrTwoAddresses", func(m *mail.Message) { m.To = "mario@example.org, anna@example.org" }, fault.Invalid},
		{"ErrDisplayName", func(m *mail.Message) { m.To = "Mario <mario@example.org>" }, fault.Invalid},
		{"ErrNoDomain", func(m *mail.Message) { m.To = "mario@localhost" }, fault.Invalid},
		{"ErrNoAddress", func(m *mail.Message) { m.To = "" }, fault.Invalid},
		{"ErrNoSubject", func(m *mail.Message) { m.Subject = "  " }, fault.Invalid},
		{"ErrLongSubject", func(m *mail.Message) { m.Subject = strings.Repeat("a", mail.MaxSubjectRunes+1) }, fault.Invalid},
		{"ErrNoText", func(m *mail.Message) { m.Text = "" }, fault.Invalid},
		{"ErrBadUTF8", func(m *mail.Message) { m.Text = "a\xffb" }, fault.Invalid},
		{"ErrBodyTooLarge", func(m *mail.Message) { m.HTML = strings.Repeat("x", mail.MaxBodyBytes) }, fault.TooLarge},
		{"ErrNoID", func(m *mail.Message) { m.ID = "" }, fault.Invalid},
		{"ErrIDWithSpace", func(m *mail.Message) { m.ID = "a b" }, fault.Invalid},
		{"ErrBadTenant", func(m *mail.Message) { m.Tenant = "Comune/Esempio" }, fault.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := sample("conformance/refused/" + tt.name)
			tt.change(&m)
			if err := ml.Send(context.Background(), m); fault.CodeOf(err) != tt.wantCode {
				t.Errorf("got %v, want code %s", err, tt.wantCode)
			}
		})
	}
	if got := delivered(t, h); len(got) != 0 {
		t.Errorf("got %d messages delivered, want none", len(got))
	}
}
