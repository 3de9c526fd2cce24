package cittadino_test

import (
	"context"
	"errors"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stanzaportal/stanza/shared/cittadino"
	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/mail"
	"github.com/stanzaportal/stanza/shared/store/boltstore/bolttest"
)

var linkInText = regexp.MustCompile(`https://portale\.example\.org/verifica-email\?token=[A-Za-z0-9_.%-]+`)

// lastMessage returns the newest message of the fixture's mailbox.
func lastMessage(t *testing.T, f fixture) mail.Message {
	t.Helper()
	list, err := f.box.List(context.Background())
	if err != nil || len(list) == 0 {
		t.Fatalf("mailbox: got %d messages (%v), want some", len(list), err)
	}
	return list[0].Message
}

// tokenOf extracts the token from the link of a verification message.
func tokenOf(t *testing.T, m mail.Message) string {
	t.Helper()
	link := linkInText.FindString(m.Text)
	if link == "" {
		t.Fatalf("no verification link in:\n%s", m.Text)
	}
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("token")
}

// verify sends a link to the citizen's address, reads it from the mailbox
// and follows it.
func verify(t *testing.T, f fixture) cittadino.Account {
	t.Helper()
	ctx := context.Background()
	if _, err := f.accounts.SendVerification(ctx, cf); err != nil {
		t.Fatalf("SendVerification: %v", err)
	}
	a, err := f.accounts.VerifyEmail(ctx, tokenOf(t, lastMessage(t, f)))
	if err != nil {
		t.Fatalf("VerifyEmail: %v", err)
	}
	return a
}

func withEmail(t *testing.T, f fixture, email string) {
	t.Helper()
	if _, err := f.accounts.UpdateContacts(context.Background(), cf, cittadino.Contacts{Email: &email}); err != nil {
		t.Fatal(err)
	}
}

func TestEmailVerificationThroughTheMailbox(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.clock.now = time.Date(2026, time.March, 2, 13, 5, 0, 0, time.UTC)
	signIn(t, f, mario())
	withEmail(t, f, "mario.rossi@example.org")

	sent, err := f.accounts.SendVerification(ctx, cf)
	if err != nil {
		t.Fatalf("SendVerification: %v", err)
	}
	if sent.Email != "mario.rossi@example.org" || !sent.ExpiresAt.Equal(f.clock.Now().UTC().Add(24*time.Hour)) {
		t.Errorf("got %+v, want the address and an expiry in 24 hours", sent)
	}
	m := lastMessage(t, f)
	token := tokenOf(t, m)
	if m.To != "mario.rossi@example.org" || m.Subject != "Stanza: conferma il tuo indirizzo email" {
		t.Errorf("got to %q subject %q", m.To, m.Subject)
	}
	for _, c := range []struct{ version, body, want string }{
		{"text", m.Text, "Gentile Mario Rossi"},
		{"text", m.Text, "fino al 3 marzo 2026 alle 14:05 (ora italiana)"},
		{"html", m.HTML, `href="https://portale.example.org/verifica-email?token=` + token + `"`},
		{"html", m.HTML, "comunicazioni di Stanza"},
		{"html", m.HTML, "<strong>mario.rossi@example.org</strong>"},
		{"html", m.HTML, "(ora italiana)"},
	} {
		if !strings.Contains(c.body, c.want) {
			t.Errorf("%s version lacks %q:\n%s", c.version, c.want, c.body)
		}
	}

	a, err := f.accounts.VerifyEmail(ctx, token)
	if err != nil || !a.EmailVerified {
		t.Fatalf("VerifyEmail: got %+v (%v), want verified", a, err)
	}
	again, err := f.accounts.VerifyEmail(ctx, token)
	if err != nil || !again.EmailVerified || !again.UpdatedAt.Equal(a.UpdatedAt) {
		t.Errorf("second VerifyEmail: got %+v (%v), want the same verified account", again, err)
	}
	if _, err := f.accounts.SendVerification(ctx, cf); !fault.Is(err, fault.Conflict) {
		t.Errorf("SendVerification when verified: got %v, want Conflict", err)
	}

	// A new address must be verified again, and the old link is for
	// another address.
	withEmail(t, f, "mario@example.net")
	if a, _ := f.accounts.Get(ctx, cf); a.EmailVerified {
		t.Error("got the new address verified, want unverified")
	}
	if _, err := f.accounts.VerifyEmail(ctx, token); !fault.Is(err, fault.Conflict) {
		t.Errorf("old link: got %v, want Conflict", err)
	}
}

func TestVerificationAtMostOnceAMinute(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	signIn(t, f, mario())
	withEmail(t, f, "mario.rossi@example.org")
	if _, err := f.accounts.SendVerification(ctx, cf); err != nil {
		t.Fatal(err)
	}
	f.clock.advance(59 * time.Second)
	if _, err := f.accounts.SendVerification(ctx, cf); !fault.Is(err, fault.TooManyRequests) {
		t.Fatalf("after 59 s: got %v, want TooManyRequests", err)
	}
	f.clock.advance(time.Second)
	if _, err := f.accounts.SendVerification(ctx, cf); err != nil {
		t.Fatalf("after 60 s: %v", err)
	}
	if list, _ := f.box.List(ctx); len(list) != 2 {
		t.Errorf("got %d messages, want 2", len(list))
	}
}

func TestVerificationNeedsAnAddress(t *testing.T) {
	f := newFixture(t)
	signIn(t, f, mario())
	if _, err := f.accounts.SendVerification(context.Background(), cf); !fault.Is(err, fault.Conflict) {
		t.Errorf("got %v, want Conflict", err)
	}
}

// sender fails its first send.
type flakySender struct {
	calls int
}

func (s *flakySender) Send(context.Context, mail.Message) error {
	s.calls++
	if s.calls == 1 {
		return errors.New("provider down")
	}
	return nil
}

func TestFailedVerificationMailCanBeRetriedAtOnce(t *testing.T) {
	ctx := context.Background()
	db := bolttest.DB(t)
	s := &flakySender{}
	accounts := newAccounts(t, db, s)
	if _, err := accounts.SignedIn(ctx, mario()); err != nil {
		t.Fatal(err)
	}
	if _, err := accounts.UpdateContacts(ctx, cf, cittadino.Contacts{Email: ptr("mario@example.org")}); err != nil {
		t.Fatal(err)
	}
	if _, err := accounts.SendVerification(ctx, cf); err == nil {
		t.Fatal("first send: got no error")
	}
	if _, err := accounts.SendVerification(ctx, cf); err != nil {
		t.Fatalf("retry: got %v, want it sent", err)
	}
	if s.calls != 2 {
		t.Errorf("got %d sends, want 2", s.calls)
	}
}

func TestBadLinks(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	signIn(t, f, mario())
	withEmail(t, f, "mario.rossi@example.org")
	if _, err := f.accounts.SendVerification(ctx, cf); err != nil {
		t.Fatal(err)
	}
	token := tokenOf(t, lastMessage(t, f))
	body, sum, _ := strings.Cut(token, ".")
	flip := func(s string) string {
		b := []byte(s)
		if b[5] == 'A' {
			b[5] = 'B'
		} else {
			b[5] = 'A'
		}
		return string(b)
	}
	tests := []struct {
		name    string
		token   string
		wantMsg string
	}{
		{"ErrEmpty", "", "non è valido"},
		{"ErrNoSignature", body, "non è valido"},
		{"ErrTamperedClaim", flip(body) + "." + sum, "non è valido"},
		{"ErrTamperedSignature", body + "." + flip(sum), "non è valido"},
		{"ErrNotBase64", "!!!." + sum, "non è valido"},
		{"ErrTooLong", strings.Repeat("a", 2000) + "." + sum, "non è valido"},
		{"ErrOtherKey", otherKeyToken(t, f), "non è valido"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.accounts.VerifyEmail(ctx, tt.token)
			var fe *fault.Error
			if !errors.As(err, &fe) || fe.Code != fault.Invalid || !strings.Contains(fe.Message, tt.wantMsg) {
				t.Errorf("got %v, want Invalid saying %q", err, tt.wantMsg)
			}
		})
	}

	t.Run("ErrExpired", func(t *testing.T) {
		f.clock.advance(24 * time.Hour)
		_, err := f.accounts.VerifyEmail(ctx, token)
		var fe *fault.Error
		if !errors.As(err, &fe) || fe.Code != fault.Invalid || !strings.Contains(fe.Message, "scaduto") {
			t.Errorf("got %v, want Invalid saying the link expired", err)
		}
	})
}

// otherKeyToken returns a well-formed token signed by another portal.
func otherKeyToken(t *testing.T, f fixture) string {
	t.Helper()
	ctx := context.Background()
	other, err := cittadino.NewAccountService(f.db, mail.New(f.box, f.db), cittadino.Verification{
		Key: []byte("another portal's key, also long enough"), BaseURL: "https://portale.example.org", PortalName: "Altro"})
	if err != nil {
		t.Fatal(err)
	}
	id := mario()
	id.FiscalCode = "VRDNNA85M41L219X"
	if _, err := other.SignedIn(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := other.UpdateContacts(ctx, "VRDNNA85M41L219X", cittadino.Contacts{Email: ptr("anna@example.org")}); err != nil {
		t.Fatal(err)
	}
	if _, err := other.SendVerification(ctx, "VRDNNA85M41L219X"); err != nil {
		t.Fatal(err)
	}
	return tokenOf(t, lastMessage(t, f))
}
