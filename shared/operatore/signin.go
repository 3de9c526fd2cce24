package operatore

import (
	"context"
	"crypto/rand"
	"math"
	"strings"
	"time"

	"github.com/stanzaportal/stanza/shared/fault"
)

// Lockout: after maxFailures failed attempts in a row, an account refuses
// every attempt for lockoutTime. Long enough to make guessing hopeless
// (at most 480 guesses a day), short enough that a clumsy operator is not
// stuck for the day.
const (
	maxFailures = 5
	lockoutTime = 15 * time.Minute
)

// errCredentials is the one answer to a wrong username, a wrong password
// and a disabled account.
var errCredentials = fault.New(fault.Unauthorized, "Nome utente o password non corretti.")

func lockedError(until, now time.Time) error {
	d := until.Sub(now)
	return &RetryError{
		RetryAfter: time.Duration(math.Ceil(d.Seconds())) * time.Second,
		Err:        fault.New(fault.TooManyRequests, "Troppi tentativi non riusciti: l'account è bloccato. Potrai riprovare tra circa %d min.", int(math.Ceil(d.Minutes()))),
	}
}

// failed counts a failed attempt on acc and returns what update needs: the
// record is written, and err is returned, or the lock when this failure
// sets it.
func (a *Accounts) failed(acc *account, err error) (bool, error) {
	now := a.now()
	acc.Failures++
	if acc.Failures >= maxFailures {
		acc.Failures = 0
		acc.LockedUntil = now.Add(lockoutTime).UTC()
		return true, lockedError(acc.LockedUntil, now)
	}
	return true, err
}

// succeeded clears the failures of acc after a complete sign-in.
func succeeded(acc *account) {
	acc.Failures = 0
	acc.LockedUntil = time.Time{}
}

// Next is what the password step asks for next.
type Next struct {
	Step      Step
	Challenge string
	// Enrolment is set when Step is StepEnrol.
	Enrolment *Enrolment
}

// SignIn checks a username and password for a Comune, from the client
// address (for rate limiting), and returns the second step. The password
// alone never signs in: failures are not cleared until the second step
// succeeds, so knowing the password does not buy more tries at the code.
func (a *Accounts) SignIn(ctx context.Context, tenant, address, username, password string) (Next, error) {
	username = strings.ToLower(strings.TrimSpace(username))
	if err := a.limits.allow(address, tenant, username); err != nil {
		return Next{}, err
	}
	acc, err := a.load(ctx, tenant, username)
	if fault.Is(err, fault.NotFound) {
		// The same work as for an existing account, so that timing does not
		// tell which usernames exist.
		_, _ = verifyPassword(a.dummyHash(), password)
		return Next{}, errCredentials
	}
	if err != nil {
		return Next{}, err
	}
	if now := a.now(); acc.locked(now) {
		return Next{}, lockedError(acc.LockedUntil, now)
	}
	ok, err := verifyPassword(acc.PasswordHash, password)
	if err != nil {
		return Next{}, err
	}
	if !ok {
		_, err := a.update(ctx, tenant, username, func(acc *account) (bool, error) {
			if now := a.now(); acc.locked(now) {
				return false, lockedError(acc.LockedUntil, now)
			}
			return a.failed(acc, errCredentials)
		})
		return Next{}, err
	}
	if acc.Disabled {
		return Next{}, errCredentials
	}
	if acc.Enrolled {
		return Next{Step: StepTOTP, Challenge: a.newChallenge(tenant, username, StepTOTP)}, nil
	}
	// Not enrolled: keep one pending secret until the enrolment completes,
	// so that signing in twice does not invalidate the QR code scanned first.
	if acc.TOTPSecret == nil {
		acc, err = a.update(ctx, tenant, username, func(acc *account) (bool, error) {
			if acc.TOTPSecret != nil || acc.Enrolled {
				return false, nil
			}
			secret := make([]byte, totpSecretSize)
			_, _ = rand.Read(secret)
			acc.TOTPSecret = a.sealSecret(tenant, username, secret)
			return true, nil
		})
		if err != nil {
			return Next{}, err
		}
		if acc.Enrolled {
			return Next{Step: StepTOTP, Challenge: a.newChallenge(tenant, username, StepTOTP)}, nil
		}
	}
	secret, err := a.openSecret(tenant, username, acc.TOTPSecret)
	if err != nil {
		return Next{}, err
	}
	e, err := enrolment(tenant, username, secret)
	if err != nil {
		return Next{}, err
	}
	return Next{Step: StepEnrol, Challenge: a.newChallenge(tenant, username, StepEnrol), Enrolment: &e}, nil
}

// secondStep opens the challenge of a second step and applies check to the
// account's record under the lockout rules. check returns the error of a
// failed attempt, or nil after changing the record for a successful one.
func (a *Accounts) secondStep(ctx context.Context, tenant, address, token string, step Step, check func(acc *account) error) (account, error) {
	username, err := a.openChallenge(token, tenant, step)
	if err != nil {
		return account{}, err
	}
	if err := a.limits.allow(address, tenant, username); err != nil {
		return account{}, err
	}
	acc, err := a.update(ctx, tenant, username, func(acc *account) (bool, error) {
		if acc.Disabled {
			return false, errCredentials
		}
		if now := a.now(); acc.locked(now) {
			return false, lockedError(acc.LockedUntil, now)
		}
		if err := check(acc); err != nil {
			if fault.Is(err, fault.Unauthorized) {
				return a.failed(acc, err)
			}
			return false, err
		}
		succeeded(acc)
		return true, nil
	})
	if fault.Is(err, fault.NotFound) {
		// Deleted between the steps.
		return account{}, errChallenge
	}
	return acc, err
}

// VerifyTOTP completes a sign-in with a code from the operator's app.
func (a *Accounts) VerifyTOTP(ctx context.Context, tenant, address, challenge, code string) (Operator, error) {
	code, err := normalizeTOTP(code)
	if err != nil {
		return Operator{}, err
	}
	acc, err := a.secondStep(ctx, tenant, address, challenge, StepTOTP, func(acc *account) error {
		if !acc.Enrolled {
			// Reset by an admin since the password step.
			return errChallengeStale
		}
		secret, err := a.openSecret(tenant, acc.Username, acc.TOTPSecret)
		if err != nil {
			return err
		}
		step, err := matchTOTP(secret, code, a.now(), acc.TOTPLastStep)
		if err != nil {
			return err
		}
		acc.TOTPLastStep = step
		return nil
	})
	return acc.Operator, err
}

// maxRecoveryCode bounds a recovery code as typed: 19 characters, with room
// for spaces.
const maxRecoveryCode = 40

// VerifyRecoveryCode completes a sign-in with one of the recovery codes,
// which is used up, and returns how many are left.
func (a *Accounts) VerifyRecoveryCode(ctx context.Context, tenant, address, challenge, code string) (Operator, int, error) {
	if strings.TrimSpace(code) == "" || len(code) > maxRecoveryCode {
		return Operator{}, 0, fault.New(fault.Invalid, "Il codice di recupero non è nel formato previsto.")
	}
	acc, err := a.secondStep(ctx, tenant, address, challenge, StepTOTP, func(acc *account) error {
		if !acc.Enrolled {
			return errChallengeStale
		}
		rest, ok := useRecoveryCode(acc.RecoveryCodes, code)
		if !ok {
			return errWrongRecoveryCode
		}
		acc.RecoveryCodes = rest
		return nil
	})
	return acc.Operator, len(acc.RecoveryCodes), err
}

// Enrol completes a first sign-in: the first code from the app proves it
// holds the secret, the second factor is enrolled and the recovery codes are
// returned, in clear this once only.
func (a *Accounts) Enrol(ctx context.Context, tenant, address, challenge, code string) (Operator, []string, error) {
	code, err := normalizeTOTP(code)
	if err != nil {
		return Operator{}, nil, err
	}
	var codes []string
	acc, err := a.secondStep(ctx, tenant, address, challenge, StepEnrol, func(acc *account) error {
		if acc.Enrolled {
			return fault.New(fault.Conflict, "Il secondo fattore è già attivo: accedi con il codice dell'app.")
		}
		if acc.TOTPSecret == nil {
			return errChallengeStale
		}
		secret, err := a.openSecret(tenant, acc.Username, acc.TOTPSecret)
		if err != nil {
			return err
		}
		step, err := matchTOTP(secret, code, a.now(), acc.TOTPLastStep)
		if err != nil {
			return err
		}
		var hashes []string
		codes, hashes = newRecoveryCodes()
		acc.Enrolled = true
		acc.TOTPLastStep = step
		acc.RecoveryCodes = hashes
		return nil
	})
	if err != nil {
		return Operator{}, nil, err
	}
	return acc.Operator, codes, nil
}

var (
	// errChallengeStale is a challenge made before an admin changed the
	// second factor: the operator starts again. It is Invalid, not
	// Unauthorized, so that it does not count as a failed attempt.
	errChallengeStale    = fault.New(fault.Invalid, "La verifica non è più valida: accedi di nuovo con nome utente e password.")
	errWrongRecoveryCode = fault.New(fault.Unauthorized, "Il codice di recupero non è corretto o è già stato usato.")
)
