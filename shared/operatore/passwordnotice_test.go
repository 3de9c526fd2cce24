package operatore

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/stanzaportal/stanza/shared/mail"
	"github.com/stanzaportal/stanza/shared/mail/localmail"
	"github.com/stanzaportal/stanza/shared/store"
	"github.com/stanzaportal/stanza/shared/tenant"
)

// changes returns every change of db's feed not read yet.
func changes(t *testing.T, db *store.DB) []store.Change {
	t.Helper()
	ctx := context.Background()
	feed := db.Feed()
	list, err := feed.Changes(ctx, "test", 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) > 0 {
		if err := feed.Checkpoint(ctx, "test", list[len(list)-1].Seq); err != nil {
			t.Fatal(err)
		}
	}
	return list
}

// handleAll has h handle every change, failing the test on an error.
func handleAll(t *testing.T, h *PasswordNotices, list []store.Change) {
	t.Helper()
	for _, ch := range list {
		if err := h.Handle(context.Background(), ch); err != nil {
			t.Fatalf("change %s: %v", ch.ID, err)
		}
	}
}

// newPasswordNotices returns the handler over db, where the Comune of the
// tests exists, and the mailbox it delivers to.
func newPasswordNotices(t *testing.T, db *store.DB) (*PasswordNotices, *localmail.Mailbox) {
	t.Helper()
	if err := tenant.NewDirectory(db).Create(context.Background(), tenant.Comune{ID: testTenant, Name: "Comune di Esempio"}); err != nil {
		t.Fatal(err)
	}
	box := localmail.New(db)
	return NewPasswordNotices(db, mail.New(box, db), slog.New(slog.NewTextHandler(io.Discard, nil))), box
}

func TestPasswordNotices(t *testing.T) {
	a, _, db := newAccounts(t)
	ctx := context.Background()
	h, box := newPasswordNotices(t, db)
	inbox := func() []localmail.Stored {
		t.Helper()
		list, err := box.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return list
	}

	mustCreate(t, a, "anna", RoleOperator, secret)
	services := []string{"permesso-ztl"}
	if _, err := a.Update(ctx, testTenant, "anna", Change{Services: &services}, Operator{}.Principal()); err != nil {
		t.Fatal(err)
	}
	handleAll(t, h, changes(t, db))
	if got := inbox(); len(got) != 0 {
		t.Fatalf("creation and a change of services: got %d emails, want none", len(got))
	}

	if _, err := a.ChangePassword(ctx, testTenant, "192.0.2.1", "anna", testPassword, newPassword); err != nil {
		t.Fatal(err)
	}
	list := changes(t, db)
	handleAll(t, h, list)
	got := inbox()
	if len(got) != 1 {
		t.Fatalf("after the change: got %d emails, want 1", len(got))
	}
	m := got[0]
	if m.To != "anna@comune.example.org" || m.Tenant != testTenant || !strings.Contains(m.Subject, "password") || !strings.Contains(m.Text, "Gentile Anna Verdi") || !strings.Contains(m.Text, "anna") || !strings.Contains(m.HTML, "Comune di Esempio") {
		t.Errorf("got %+v, want the notice to Anna of the Comune di Esempio", m)
	}
	for _, p := range []string{testPassword, newPassword} {
		if strings.Contains(m.Text, p) || strings.Contains(m.HTML, p) || strings.Contains(m.Subject, p) {
			t.Errorf("got the password %q in the email, want it never there", p)
		}
	}

	// The same change delivered again sends nothing more.
	handleAll(t, h, list)
	if got := inbox(); len(got) != 1 {
		t.Errorf("redelivered change: got %d emails, want 1", len(got))
	}
}

// TestPasswordNoticeLetsGoOfARefusedAddress checks that an address the
// Mailer refuses, which would be refused at every delivery, does not hold
// back the feed.
func TestPasswordNoticeLetsGoOfARefusedAddress(t *testing.T) {
	a, _, db := newAccounts(t)
	ctx := context.Background()
	h, box := newPasswordNotices(t, db)
	// A host name without a dot is a valid address, not one the Mailer sends to.
	if _, _, err := a.Create(ctx, NewOperator{Tenant: testTenant, Username: "anna", Name: "Anna", Email: "anna@intranet", Role: RoleOperator, Password: testPassword}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.ChangePassword(ctx, testTenant, "192.0.2.1", "anna", testPassword, newPassword); err != nil {
		t.Fatal(err)
	}
	for _, ch := range changes(t, db) {
		if err := h.Handle(ctx, ch); err != nil {
			t.Errorf("change %s: got %v, want it let go", ch.ID, err)
		}
	}
	if list, err := box.List(ctx); err != nil || len(list) != 0 {
		t.Errorf("got %d emails (%v), want none", len(list), err)
	}
}
