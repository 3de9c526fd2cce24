package pratica

import (
	"context"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/store"
)

// SubmitIntegration sends the integration the citizen prepared in
// application id: answers (plain text, up to MaxNote characters) become the
// note of the history entry, which the operator reads; the files are the
// attachments added while the integration was in preparation.
//
// Like Submit it is idempotent on key: once the integration is sent with
// key, the same key returns the application as it is and writes nothing.
func (s *Store) SubmitIntegration(ctx context.Context, tenant string, actor Actor, id, key, answers string) (Application, error) {
	if err := CheckIdempotencyKey(key); err != nil {
		return Application{}, err
	}
	for range maxAttempts {
		a, err := s.Get(ctx, tenant, actor, id)
		if err != nil {
			return Application{}, err
		}
		if a.Status != IntegrationDraft && a.IntegrationKey == key {
			return a, nil
		}
		next, err := advance(a, actor, SubmitIntegration, Input{Note: answers}, nil, s.now())
		if err != nil {
			return Application{}, err
		}
		next.IntegrationKey = key
		saved, err := s.save(ctx, next, store.IfVersion(a.Version))
		if !fault.Is(err, fault.Conflict) {
			return saved, err
		}
		// An attachment was linked in between, or another sending won.
	}
	return Application{}, stale()
}
