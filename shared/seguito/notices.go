package seguito

import (
	"bytes"
	"context"
	"fmt"
	htmltemplate "html/template"
	texttemplate "text/template"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/mail"
	"github.com/stanzaportal/stanza/shared/pratica"
	"github.com/stanzaportal/stanza/shared/store"
)

// noticed are the statuses a citizen is told about by email, each with
// the sentence that says what it means for them. The steps in between
// (the integration being prepared, sent, registered, read) are the
// citizen's own doing or lead to one of these.
var noticed = map[pratica.Status]string{
	pratica.Submitted:            "La tua pratica è stata inviata al Comune. Riceverai un altro messaggio quando sarà protocollata o presa in carico.",
	pratica.Registered:           "La tua pratica è stata registrata nel protocollo del Comune.",
	pratica.InCharge:             "Un ufficio del Comune ha preso in carico la tua pratica.",
	pratica.IntegrationRequested: "Il Comune ti chiede di integrare la pratica. Apri la pratica per leggere che cosa serve e inviare l'integrazione.",
	pratica.Accepted:             "La tua pratica è stata accettata. Apri la pratica per leggere la risposta del Comune.",
	pratica.Rejected:             "La tua pratica è stata rifiutata. Apri la pratica per leggere la motivazione.",
	pratica.Withdrawn:            "La tua pratica è stata ritirata.",
}

// Notices is the handler that emails the applicant when their application
// enters a status of noticed, at their verified address only. It never
// names the operator: the notice says what happened, the portal shows the
// rest to the signed-in citizen.
type Notices struct{ d Deps }

// NewNotices returns the handler.
func NewNotices(d Deps) *Notices { return &Notices{d: d} }

// Name implements worker.Handler.
func (h *Notices) Name() string { return "pratica-notices" }

// Handle implements worker.Handler.
func (h *Notices) Handle(ctx context.Context, ch store.Change) error {
	before, after, ok, err := applications(ch)
	if err != nil || !ok || !entered(before, after) {
		return err
	}
	if _, ok := noticed[after.Status]; !ok {
		return nil
	}
	return settle(h.d.Log, h.Name(), after, h.send(ctx, *after))
}

func (h *Notices) send(ctx context.Context, a pratica.Application) error {
	account, err := h.d.Accounts.Get(ctx, a.Applicant)
	if fault.Is(err, fault.NotFound) {
		return nil // no account, no address
	}
	if err != nil {
		return err
	}
	if account.Email == "" || !account.EmailVerified {
		return nil // the portal writes to verified addresses only
	}
	comune, err := h.d.Comuni.Get(ctx, a.Tenant)
	if err != nil {
		return err
	}
	svc, err := h.d.Services.Service(ctx, a.Tenant, a.Service)
	if err != nil {
		return err
	}
	n := notice{
		Comune:   comune.Name,
		Name:     applicantName(account),
		Service:  svc.Title,
		Status:   a.Status.Label(),
		Sentence: noticed[a.Status],
		Link:     h.d.BaseURL + "/pratiche/" + a.ID,
		ID:       a.ID,
	}
	if a.Protocol != nil {
		n.Protocol = a.Protocol.Number
	}
	m, err := n.message()
	if err != nil {
		return err
	}
	// The history index names the status change: the same change delivered
	// again has the same id, and the Mailer sends an id once.
	m.ID = fmt.Sprintf("pratica/%s/%d-%d", a.ID, len(a.History)-1, a.Status)
	m.Tenant = a.Tenant
	m.To = account.Email
	return h.d.Mailer.Send(ctx, m)
}

// notice fills both versions of a notice.
type notice struct {
	Comune, Name, Service, Status, Sentence, Protocol, Link, ID string
}

var noticeText = texttemplate.Must(texttemplate.New("text").Parse(`Gentile {{.Name}},

{{.Sentence}}

Servizio: {{.Service}}
Stato: {{.Status}}
{{- if .Protocol}}
Numero di protocollo: {{.Protocol}}{{end}}
Identificativo della pratica: {{.ID}}

Per vedere la pratica e la sua storia accedi al portale:
{{.Link}}

Questo messaggio è inviato automaticamente: non rispondere.

{{.Comune}}
`))

var noticeHTML = htmltemplate.Must(htmltemplate.New("html").Parse(`<!doctype html>
<html lang="it">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{{.Service}}: {{.Status}}</title></head>
<body style="margin:0;padding:24px;font-family:'Titillium Web',Geneva,Tahoma,sans-serif;color:#1a1a1a;background:#ffffff">
<p style="font-size:14px;color:#5c6f82;margin:0 0 24px">{{.Comune}}</p>
<h1 style="font-size:24px;margin:0 0 16px">{{.Service}}: {{.Status}}</h1>
<p>Gentile {{.Name}},</p>
<p>{{.Sentence}}</p>
<table style="border-collapse:collapse;margin:16px 0">
<tr><th scope="row" style="text-align:left;padding:4px 16px 4px 0;color:#5c6f82;font-weight:normal">Servizio</th><td style="padding:4px 0">{{.Service}}</td></tr>
<tr><th scope="row" style="text-align:left;padding:4px 16px 4px 0;color:#5c6f82;font-weight:normal">Stato</th><td style="padding:4px 0"><strong>{{.Status}}</strong></td></tr>
{{- if .Protocol}}
<tr><th scope="row" style="text-align:left;padding:4px 16px 4px 0;color:#5c6f82;font-weight:normal">Numero di protocollo</th><td style="padding:4px 0">{{.Protocol}}</td></tr>{{end}}
<tr><th scope="row" style="text-align:left;padding:4px 16px 4px 0;color:#5c6f82;font-weight:normal">Identificativo</th><td style="padding:4px 0;font-family:monospace">{{.ID}}</td></tr>
</table>
<p style="margin:24px 0"><a href="{{.Link}}" style="display:inline-block;padding:12px 24px;background:#0066cc;color:#ffffff;text-decoration:none;border-radius:4px;font-weight:bold">Vedi la pratica</a></p>
<p>Se il pulsante non funziona, copia questo indirizzo nel browser:<br><span style="word-break:break-all">{{.Link}}</span></p>
<p style="color:#5c6f82">Questo messaggio è inviato automaticamente: non rispondere.</p>
</body>
</html>
`))

// message renders n without its id and recipient.
func (n notice) message() (mail.Message, error) {
	var text, html bytes.Buffer
	if err := noticeText.Execute(&text, n); err != nil {
		return mail.Message{}, err
	}
	if err := noticeHTML.Execute(&html, n); err != nil {
		return mail.Message{}, err
	}
	return mail.Message{
		Subject: fmt.Sprintf("%s, pratica «%s»: %s", n.Comune, n.Service, n.Status),
		Text:    text.String(),
		HTML:    html.String(),
	}, nil
}
