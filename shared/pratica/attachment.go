package pratica

import (
	"context"
	"slices"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/store"
)

// AcceptsAttachments reports whether the applicant may still add files to
// a: while it is a draft, or while they prepare an integration, which is
// mostly the documents an operator asked for.
func (a Application) AcceptsAttachments() bool {
	return a.Status == Draft || a.Status == IntegrationDraft
}

// LinkAttachment adds the attachment id to the citizen's application app,
// unless it is there already, as one conditional write of the application:
// a submission that wins the race leaves the attachment out rather than
// half in. max is the most attachments the service admits. Package allegato
// calls it once it has checked the file and its owner.
func (s *Store) LinkAttachment(ctx context.Context, tenant string, actor Actor, app, id string, max int) (Application, error) {
	if actor.Role != Citizen {
		return Application{}, fault.New(fault.Forbidden, "Non hai i permessi per questa operazione.")
	}
	for range maxAttempts {
		a, err := s.Get(ctx, tenant, actor, app)
		if err != nil {
			return Application{}, err
		}
		if slices.Contains(a.Attachments, id) {
			return a, nil
		}
		if !a.AcceptsAttachments() {
			return Application{}, fault.New(fault.Conflict, "La pratica è già stata inviata: non si possono aggiungere allegati.")
		}
		if len(a.Attachments) >= max {
			return Application{}, fault.New(fault.Invalid, "La pratica ha già il numero massimo di allegati (%d).", max)
		}
		read := a.Version
		a.Attachments = append(slices.Clip(a.Attachments), id)
		a.UpdatedAt = s.now()
		saved, err := s.save(ctx, a, store.IfVersion(read))
		if !fault.Is(err, fault.Conflict) {
			return saved, err
		}
	}
	return Application{}, stale()
}
