package pratica

import (
	"context"
	"encoding/json"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/store"
)

// MaxIdempotencyKey is the longest idempotency key accepted.
const MaxIdempotencyKey = 255

// Submit submits the citizen's draft id with data, the form data the caller
// has validated against the service's form, and freezes it.
//
// It is idempotent on key (the request's Idempotency-Key): once the draft
// is submitted with key, Submit with the same key returns the submitted
// application as it is and writes nothing, whatever data it is given. With
// another key it is a Conflict. Of many concurrent submissions exactly one
// writes, because each is a write of the draft on the version it read.
func (s *Store) Submit(ctx context.Context, tenant string, actor Actor, id, key string, data json.RawMessage) (Application, error) {
	if err := CheckIdempotencyKey(key); err != nil {
		return Application{}, err
	}
	if !jsonObject(data) {
		return Application{}, fault.New(fault.Invalid, "I dati della pratica devono essere un oggetto JSON.")
	}
	for range maxAttempts {
		a, err := s.Get(ctx, tenant, actor, id)
		if err != nil {
			return Application{}, err
		}
		if a.Status != Draft {
			if a.IdempotencyKey == key {
				return a, nil
			}
			return Application{}, fault.New(fault.Conflict, "La pratica è già stata inviata.")
		}
		next, err := advance(a, actor, Submit, Input{}, data, s.now())
		if err != nil {
			return Application{}, err
		}
		next.IdempotencyKey = key
		saved, err := s.save(ctx, next, store.IfVersion(a.Version))
		if !fault.Is(err, fault.Conflict) {
			return saved, err
		}
		// Another submission or an autosave won: read what it left.
	}
	return Application{}, stale()
}

// CheckIdempotencyKey refuses a key Submit would not accept, so that the
// API can say so before validating the form: a client that sends a bad key
// is told about the key, not about fields it might then fix in vain.
func CheckIdempotencyKey(key string) error {
	if !validKey(key) {
		return fault.New(fault.Invalid, "La chiave di idempotenza deve avere da 1 a %d caratteri stampabili.", MaxIdempotencyKey)
	}
	return nil
}

func validKey(k string) bool {
	if k == "" || len(k) > MaxIdempotencyKey {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return false
		}
	}
	return true
}
