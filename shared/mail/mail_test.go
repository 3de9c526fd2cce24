package mail_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/mail"
	"github.com/stanzaportal/stanza/shared/store"
	"github.com/stanzaportal/stanza/shared/store/boltstore/bolttest"
)

// sender is a Sender whose Send runs send.
type sender struct {
	send func(mail.Message) error
}

func (s sender) Send(_ context.Context, m mail.Message) error { return s.send(m) }

func message(id string) mail.Message {
	return mail.Message{ID: id, To: "anna@example.org", Subject: "Oggetto", Text: "Testo"}
}

func TestFailedSendCanBeRetried(t *testing.T) {
	ctx := context.Background()
	var calls int
	fail := errors.New("provider down")
	ml := mail.New(sender{func(mail.Message) error {
		calls++
		if calls == 1 {
			return fail
		}
		return nil
	}}, bolttest.DB(t))

	if err := ml.Send(ctx, message("retry")); !errors.Is(err, fail) {
		t.Fatalf("first Send: got %v, want the sender's error", err)
	}
	if err := ml.Send(ctx, message("retry")); err != nil {
		t.Fatalf("second Send: %v", err)
	}
	if err := ml.Send(ctx, message("retry")); err != nil {
		t.Fatalf("third Send: %v", err)
	}
	if calls != 2 {
		t.Errorf("got %d calls to the sender, want 2 (the failure and one delivery)", calls)
	}
}

func TestSenderErrorCodeKept(t *testing.T) {
	busy := fault.New(fault.TooManyRequests, "mail: busy")
	ml := mail.New(sender{func(mail.Message) error { return busy }}, bolttest.DB(t))
	if err := ml.Send(context.Background(), message("busy")); !fault.Is(err, fault.TooManyRequests) {
		t.Errorf("got %v, want code %s", err, fault.TooManyRequests)
	}
}

// TestSentKey checks the access pattern of deduplication: PK "mail#<id>",
// SK "sent" in the global scope, remembered for 30 days.
func TestSentKey(t *testing.T) {
	ctx := context.Background()
	db := bolttest.DB(t)
	ml := mail.New(sender{func(mail.Message) error { return nil }}, db)
	if err := ml.Send(ctx, message("email-verification/RSSMRA80A01H501U/1")); err != nil {
		t.Fatal(err)
	}
	it, err := db.Global().Get(ctx, store.Key{PK: "mail#email-verification/RSSMRA80A01H501U/1", SK: "sent"})
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if d := time.Until(it.Expires); d < 29*24*time.Hour || d > 31*24*time.Hour {
		t.Errorf("got expiry in %v, want about 30 days", d)
	}
}

func TestCheckAddress(t *testing.T) {
	tests := []struct {
		name    string
		addr    string
		wantErr bool
	}{
		{"OK", "mario.rossi@example.org", false},
		{"OKPlusAndDigits", "m.rossi+comune80@posta.example.it", false},
		{"OKSubdomain", "a@pec.comune.example.it", false},
		{"ErrEmpty", "", true},
		{"ErrNoAt", "mario.example.org", true},
		{"ErrTwoAts", "mario@rossi@example.org", true},
		{"ErrSpace", "mario rossi@example.org", true},
		{"ErrNoTLD", "mario@example", true},
		{"ErrLeadingDot", ".mario@example.org", true},
		{"ErrDoubleDot", "mario..rossi@example.org", true},
		{"ErrQuoted", `"mario"@example.org`, true},
		{"ErrDisplayName", "Mario <mario@example.org>", true},
		{"ErrNewline", "mario@example.org\n", true},
		{"ErrLocalPartTooLong", strings.Repeat("a", 65) + "@example.org", true},
		{"ErrTooLong", "a@" + strings.Repeat("b", 250) + ".it", true},
		{"ErrHyphenDomain", "a@-example.org", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := mail.CheckAddress(tt.addr)
			if (err != nil) != tt.wantErr {
				t.Fatalf("got %v, want error: %v", err, tt.wantErr)
			}
			if err != nil && !fault.Is(err, fault.Invalid) {
				t.Errorf("got code %s, want %s", fault.CodeOf(err), fault.Invalid)
			}
		})
	}
}
