package seguito

import (
	"context"
	"fmt"

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

// notice holds what a notice says of an application.
type notice struct {
	Comune, Name, Service, Status, Sentence, Protocol, Link, ID string
}

// message renders n without its id and recipient.
func (n notice) message() (mail.Message, error) {
	facts := []mail.Fact{{Label: "Servizio", Value: n.Service}, {Label: "Stato", Value: n.Status}}
	if n.Protocol != "" {
		facts = append(facts, mail.Fact{Label: "Numero di protocollo", Value: n.Protocol})
	}
	return mail.Notice{
		From:       n.Comune,
		Subject:    fmt.Sprintf("%s, pratica «%s»: %s", n.Comune, n.Service, n.Status),
		Title:      n.Service + ": " + n.Status,
		Name:       n.Name,
		Paragraphs: []mail.Paragraph{mail.Plain(n.Sentence)},
		Facts:      append(facts, mail.Fact{Label: "Identificativo della pratica", Value: n.ID}),
		Button:     &mail.Button{Label: "Vedi la pratica", Lead: "Per vedere la pratica e la sua storia accedi al portale:", Link: n.Link},
		Footnote:   "Questo messaggio è inviato automaticamente: non rispondere.",
	}.Message()
}
