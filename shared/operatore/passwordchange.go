package operatore

import (
	"context"
	"unicode/utf8"

	"github.com/stanzaportal/stanza/shared/fault"
)

var (
	// errWrongCurrent is Forbidden, not Unauthorized: the caller is signed
	// in, and a client that reads 401 as "the session is over" must not
	// sign the operator out over a typing slip.
	errWrongCurrent = fault.New(fault.Forbidden, "La password attuale non è corretta.")
	errDisabled     = fault.New(fault.Forbidden, "L'account è disattivato: rivolgiti a un amministratore del Comune.")
	errSamePassword = fault.New(fault.Invalid, "La nuova password deve essere diversa da quella attuale.")
)

// ChangePassword replaces the password of a signed-in operator, who proves
// it is them with the current one, from the client address (for rate
// limiting). The new password follows the policy of account creation and
// differs from the current one.
//
// The current password is checked as at sign-in: the same rates per address
// and account, the same lock, and a wrong one counts towards it, so that a
// session left open on a shared computer is no way to guess the password.
// A right one does not clear the failures, as the password step of a
// sign-in does not either. The check runs on the record being written, so
// two changes at once cannot both pass with the same current password: the
// second finds the new one, and fails.
func (a *Accounts) ChangePassword(ctx context.Context, tenant, address, username, current, next string) (Operator, error) {
	switch {
	case current == "" || next == "":
		return Operator{}, fault.New(fault.Invalid, "Indicare la password attuale e quella nuova.")
	case utf8.RuneCountInString(current) > MaxPasswordLength:
		// It cannot match, and hashing it would cost for nothing.
		return Operator{}, errWrongCurrent
	}
	if err := CheckPassword(next, username); err != nil {
		return Operator{}, err
	}
	if next == current {
		return Operator{}, errSamePassword
	}
	if err := a.limits.allow(address, tenant, username); err != nil {
		return Operator{}, err
	}
	var hash string // of next, computed once the current password is known right
	acc, err := a.update(ctx, tenant, username, func(acc *account) (bool, error) {
		if acc.Disabled {
			return false, errDisabled
		}
		now := a.now()
		if acc.locked(now) {
			return false, lockedError(acc.LockedUntil, now)
		}
		ok, err := verifyPassword(acc.PasswordHash, current)
		if err != nil {
			return false, err
		}
		if !ok {
			return a.failed(acc, errWrongCurrent)
		}
		if hash == "" {
			hash = hashPassword(next)
		}
		acc.PasswordHash = hash
		acc.PasswordChangedAt = now.UTC()
		return true, nil
	})
	if err != nil {
		return Operator{}, err
	}
	return acc.Operator, nil
}
