package operatore

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	htmltemplate "html/template"
	"log/slog"
	texttemplate "text/template"
	"time"
	_ "time/tzdata" // Europe/Rome for the time in the email, whatever the host has

	"github.com/stanzaportal/stanza/shared/fault"
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

var rome = mustLocation("Europe/Rome")

func mustLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// italianTime writes t as Italians read it, in Italian time: "03/03/2026
// alle 14:05".
func italianTime(t time.Time) string { return t.In(rome).Format("02/01/2006 alle 15:04") }

// passwordNotice fills both versions of the email.
type passwordNotice struct {
	Comune, Name, Username, When string
}

var passwordNoticeText = texttemplate.Must(texttemplate.New("text").Parse(`Gentile {{.Name}},

la password del tuo account {{.Username}} del {{.Comune}} è stata cambiata il {{.When}} (ora italiana).

Se sei stato tu, non devi fare altro.
Se non sei stato tu, chiedi subito a un amministratore del Comune di disattivare l'account: qualcuno potrebbe conoscere la tua password.

Questo messaggio è inviato automaticamente: non rispondere.

{{.Comune}}
`))

var passwordNoticeHTML = htmltemplate.Must(htmltemplate.New("html").Parse(`<!doctype html>
<html lang="it">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>La tua password è stata cambiata</title></head>
<body style="margin:0;padding:24px;font-family:'Titillium Web',Geneva,Tahoma,sans-serif;color:#1a1a1a;background:#ffffff">
<p style="font-size:14px;color:#5c6f82;margin:0 0 24px">{{.Comune}}</p>
<h1 style="font-size:24px;margin:0 0 16px">La tua password è stata cambiata</h1>
<p>Gentile {{.Name}},</p>
<p>la password del tuo account <strong>{{.Username}}</strong> del {{.Comune}} è stata cambiata il {{.When}} (ora italiana).</p>
<p>Se sei stato tu, non devi fare altro.</p>
<p><strong>Se non sei stato tu</strong>, chiedi subito a un amministratore del Comune di disattivare l'account: qualcuno potrebbe conoscere la tua password.</p>
<p style="color:#5c6f82">Questo messaggio è inviato automaticamente: non rispondere.</p>
</body>
</html>
`))

// message renders n without its id and recipient.
func (n passwordNotice) message() (mail.Message, error) {
	var text, html bytes.Buffer
	if err := passwordNoticeText.Execute(&text, n); err != nil {
		return mail.Message{}, err
	}
	if err := passwordNoticeHTML.Execute(&html, n); err != nil {
		return mail.Message{}, err
	}
	return mail.Message{
		Subject: n.Comune + ": la password del tuo account è stata cambiata",
		Text:    text.String(),
		HTML:    html.String(),
	}, nil
}
