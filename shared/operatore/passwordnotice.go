package operatore

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/i18n"
	"github.com/stanzaportal/stanza/shared/mail"
	"github.com/stanzaportal/stanza/shared/store"
	"github.com/stanzaportal/stanza/shared/tenant"
)

// PasswordNotices is the change-feed handler that emails an operator when
// their password changes, so that a change they did not make (a session
// left open, a password seen) does not go unnoticed. It runs on the feed
// rather than in the request, so that the change is one write and a mail
// provider that is down delays the email instead of failing the change.
// The email never holds the password.
type PasswordNotices struct {
	mailer *mail.Mailer
	comuni *tenant.Directory
	log    *slog.Logger
}

// NewPasswordNotices returns the handler, which sends through mailer.
func NewPasswordNotices(db *store.DB, mailer *mail.Mailer, log *slog.Logger) *PasswordNotices {
	return &PasswordNotices{mailer: mailer, comuni: tenant.NewDirectory(db), log: log}
}

// Name implements worker.Handler.
func (h *PasswordNotices) Name() string { return "operatore-password-notices" }

// Handle implements worker.Handler.
func (h *PasswordNotices) Handle(ctx context.Context, ch store.Change) error {
	tenantID, pk, ok := store.TenantOf(ch.Key.PK)
	if !ok || pk != partition || ch.Old == nil || ch.New == nil {
		return nil
	}
	var before, after account
	if err := json.Unmarshal(ch.Old.Data, &before); err != nil {
		return h.letGo(ch, err)
	}
	if err := json.Unmarshal(ch.New.Data, &after); err != nil {
		return h.letGo(ch, err)
	}
	if before.PasswordHash == after.PasswordHash {
		return nil
	}
	comune, err := h.comuni.Get(ctx, tenantID)
	if err != nil {
		return h.settle(ch, err)
	}
	m, err := passwordNotice{
		Comune: comune.Name, Name: after.Name, Username: after.Username,
		When: italianTime(after.PasswordChangedAt),
	}.message()
	if err != nil {
		return err
	}
	// The record's version names the change: the same change delivered
	// again has the same id, and the Mailer sends an id once.
	m.ID = fmt.Sprintf("operatore/%s/%s/password-%d", tenantID, after.Username, ch.New.Version)
	m.Tenant = tenantID
	m.To = after.Email
	return h.settle(ch, h.mailer.Send(ctx, m))
}

// settle lets go of a failure that would come again however often the
// change does (an address the Mailer refuses, a Comune that is gone), since
// returning it would hold back every later change of the feed; any other
// failure comes back, for the change to be delivered again.
func (h *PasswordNotices) settle(ch store.Change, err error) error {
	switch fault.CodeOf(err) {
	case fault.Invalid, fault.NotFound:
		return h.letGo(ch, err)
	}
	return err
}

func (h *PasswordNotices) letGo(ch store.Change, err error) error {
	h.log.Error("change let go", slog.String("handler", h.Name()), slog.String("key", ch.Key.PK+"/"+ch.Key.SK),
		slog.String("error", err.Error()))
	return nil
}

// italianTime writes t as Italians read it, in Italian time: "03/03/2026
// alle 14:05".
func italianTime(t time.Time) string { return i18n.ShortDate(t) + " alle " + i18n.Clock(t) }

// passwordNotice holds what the email says.
type passwordNotice struct {
	Comune, Name, Username, When string
}

// message renders n without its id and recipient.
func (n passwordNotice) message() (mail.Message, error) {
	return mail.Notice{
		From:    n.Comune,
		Subject: n.Comune + ": la password del tuo account è stata cambiata",
		Title:   "La tua password è stata cambiata",
		Name:    n.Name,
		Paragraphs: []mail.Paragraph{
			{{Text: "la password del tuo account "}, {Text: n.Username, Strong: true}, {Text: " del " + n.Comune + " è stata cambiata il " + n.When + " (ora italiana)."}},
			mail.Plain("Se sei stato tu, non devi fare altro."),
			{{Text: "Se non sei stato tu", Strong: true}, {Text: ", chiedi subito a un amministratore del Comune di disattivare l'account: qualcuno potrebbe conoscere la tua password."}},
		},
		Footnote: "Questo messaggio è inviato automaticamente: non rispondere.",
	}.Message()
}
