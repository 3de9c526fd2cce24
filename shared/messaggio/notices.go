package messaggio

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/mail"
	"github.com/stanzaportal/stanza/shared/operatore"
	"github.com/stanzaportal/stanza/shared/pratica"
	"github.com/stanzaportal/stanza/shared/seguito"
	"github.com/stanzaportal/stanza/shared/store"
)

// Staff looks a Comune's operators up; *operatore.Accounts is one. It
// returns a NotFound error for a username without an account.
type Staff interface {
	Get(ctx context.Context, tenant, username string) (operatore.Operator, error)
}

// Notices is the change-feed handler that tells the other side of a new
// message: the citizen, at their verified address, when the office writes;
// the operator in charge of the application, when the citizen writes and
// someone is in charge. The email says that a message is waiting, not what
// it says (email is no place for the content of an application), and never
// names the operator to the citizen.
//
// Each email's id is derived from the message's, and the Mailer sends an
// id once, so a change delivered twice emails once (as seguito's notices).
type Notices struct {
	d     seguito.Deps
	staff Staff
}

// NewNotices returns the handler, over the follow-up handlers' Deps.
func NewNotices(d seguito.Deps, staff Staff) *Notices { return &Notices{d: d, staff: staff} }

// Name implements worker.Handler.
func (h *Notices) Name() string { return "message-notices" }

// Handle implements worker.Handler.
func (h *Notices) Handle(ctx context.Context, ch store.Change) error {
	p, ok, err := Created(ch)
	if err == nil && ok {
		err = h.send(ctx, p)
	}
	switch fault.CodeOf(err) {
	case fault.Invalid, fault.NotFound:
		// It will fail as it did however often the change comes: holding
		// it back would block every later change of the feed.
		h.d.Log.Error("change let go", slog.String("handler", h.Name()), slog.String("change", ch.ID), slog.String("error", err.Error()))
		return nil
	}
	return err
}

func (h *Notices) send(ctx context.Context, p Posted) error {
	a, err := h.d.Apps.Get(ctx, p.Tenant, pratica.SystemActor, p.Application)
	if err != nil {
		return err
	}
	comune, err := h.d.Comuni.Get(ctx, p.Tenant)
	if err != nil {
		return err
	}
	svc, err := h.d.Services.Service(ctx, p.Tenant, a.Service)
	if err != nil {
		return err
	}
	n := notice{Comune: comune.Name, Service: svc.Title, ID: a.ID}
	var to string
	if p.Author == pratica.Citizen {
		if to, n.Name, err = h.assignee(ctx, a); err != nil || to == "" {
			return err
		}
		n.Sentence = "Il cittadino ha scritto un messaggio sulla pratica che hai in carico."
		n.Link = h.d.BaseURL + "/backoffice/pratiche/" + a.ID
	} else {
		if to, n.Name, err = h.applicant(ctx, a); err != nil || to == "" {
			return err
		}
		n.Sentence = "Il Comune ti ha scritto un messaggio sulla tua pratica. Accedi al portale per leggerlo e, se vuoi, rispondere."
		n.Link = h.d.BaseURL + "/pratiche/" + a.ID
	}
	m, err := n.message()
	if err != nil {
		return err
	}
	m.ID, m.Tenant, m.To = "messaggio/"+p.ID, p.Tenant, to
	return h.d.Mailer.Send(ctx, m)
}

// applicant returns the citizen's verified address and name; no address
// when there is none to write to.
func (h *Notices) applicant(ctx context.Context, a pratica.Application) (string, string, error) {
	acc, err := h.d.Accounts.Get(ctx, a.Applicant)
	if fault.Is(err, fault.NotFound) {
		return "", "", nil
	}
	if err != nil || acc.Email == "" || !acc.EmailVerified {
		return "", "", err
	}
	return acc.Email, strings.TrimSpace(acc.Name + " " + acc.FamilyName), nil
}

// assignee returns the address and name of the active operator in charge
// of a; no address when nobody is.
func (h *Notices) assignee(ctx context.Context, a pratica.Application) (string, string, error) {
	if a.Assignee == "" {
		return "", "", nil
	}
	op, err := h.staff.Get(ctx, a.Tenant, a.Assignee)
	if fault.Is(err, fault.NotFound) {
		return "", "", nil
	}
	if err != nil || op.Disabled {
		return "", "", err
	}
	return op.Email, op.Name, nil
}

// notice holds what an email about a message says.
type notice struct {
	Comune, Name, Service, Sentence, Link, ID string
}

// message renders n without its id and recipient.
func (n notice) message() (mail.Message, error) {
	return mail.Notice{
		From:       n.Comune,
		Subject:    fmt.Sprintf("%s: nuovo messaggio sulla pratica «%s»", n.Comune, n.Service),
		Title:      fmt.Sprintf("Nuovo messaggio sulla pratica «%s»", n.Service),
		Name:       n.Name,
		Paragraphs: []mail.Paragraph{mail.Plain(n.Sentence)},
		Facts:      []mail.Fact{{Label: "Servizio", Value: n.Service}, {Label: "Identificativo della pratica", Value: n.ID}},
		Button:     &mail.Button{Label: "Leggi il messaggio", Link: n.Link},
		Footnote:   "Questo messaggio è inviato automaticamente: non rispondere.",
	}.Message()
}
