package cittadino

import (
	"context"
	"errors"

	"github.com/stanzaportal/stanza/shared/auth"
	"github.com/stanzaportal/stanza/shared/fault"
)

// Reason says why a caller may not use a service yet, and so what to do.
type Reason string

// The reasons, in the order CheckAccess tries them.
const (
	NeedSignIn  Reason = "sign-in" // nobody is signed in, or not as a citizen
	NeedLevel   Reason = "level"   // signed in below the service's level
	NeedTerms   Reason = "terms"   // the Comune's terms in force are not accepted
	NeedProfile Reason = "profile" // the profile is not complete
)

// Decision is whether a caller may use a service.
type Decision struct {
	Allowed bool
	Reason  Reason // "" when allowed
	// Cause is the error that explains a refusal to the citizen, with a
	// message to show; nil when allowed.
	Cause        error
	TermsVersion int      // with NeedTerms: the version to accept
	Missing      []string // with NeedProfile: what the profile lacks (see Account.Missing)
}

// CheckAccess decides whether p may use a service of tenant that requires
// sign-in level min. The checks run in the order the citizen can act on
// them: sign in, at the service's level, accept the Comune's terms,
// complete the profile. An error is returned only when a check could not
// be made.
func CheckAccess(ctx context.Context, accounts *AccountService, terms *TermsService, p auth.Principal, tenant string, min auth.Level) (Decision, error) {
	if err := auth.RequireLevel(p, min); err != nil {
		if fault.Is(err, fault.Forbidden) {
			return Decision{Reason: NeedLevel, Cause: err}, nil
		}
		return Decision{Reason: NeedSignIn, Cause: err}, nil
	}
	if err := terms.MustAcceptTerms(ctx, p.Subject, tenant); err != nil {
		var pending *TermsPending
		if !errors.As(err, &pending) {
			return Decision{}, err
		}
		return Decision{Reason: NeedTerms, Cause: err, TermsVersion: pending.Version}, nil
	}
	a, err := accounts.Get(ctx, p.Subject)
	if err != nil {
		return Decision{}, err
	}
	if missing := a.Missing(); len(missing) > 0 {
		return Decision{Reason: NeedProfile, Missing: missing,
			Cause: fault.New(fault.Forbidden, "Prima di usare il servizio completa il tuo profilo: servono un indirizzo email verificato e l'indirizzo di residenza.")}, nil
	}
	return Decision{Allowed: true}, nil
}
