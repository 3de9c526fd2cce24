package operatore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stanzaportal/stanza/shared/fault"
)

const secret = "STANZADEMOSOLOPERUSOLOCALE234567"

func TestSignInWithTOTP(t *testing.T) {
	a, clk, _ := newAccounts(t)
	ctx := context.Background()
	mustCreate(t, a, "anna", RoleOperator, secret)
	next, err := a.SignIn(ctx, testTenant, "192.0.2.1", " Anna ", testPassword)
	if err != nil {
		t.Fatal(err)
	}
	if next.Step != StepTOTP || next.Challenge == "" || next.Enrolment != nil {
		t.Fatalf("got %+v, want the TOTP step without enrolment data", next)
	}
	op, err := a.VerifyTOTP(ctx, testTenant, "192.0.2.1", next.Challenge, code(t, secret, clk.now))
	if err != nil {
		t.Fatal(err)
	}
	if op.Username != "anna" || op.Role != RoleOperator {
		t.Errorf("got %+v, want anna", op)
	}
	// The same code again, even with a fresh challenge, is refused.
	next, _ = a.SignIn(ctx, testTenant, "192.0.2.1", "anna", testPassword)
	if _, err := a.VerifyTOTP(ctx, testTenant, "192.0.2.1", next.Challenge, code(t, secret, clk.now)); !errors.Is(err, errUsedCode) {
		t.Errorf("replayed code: got %v, want %v", err, errUsedCode)
	}
	// The next step's code is good.
	if _, err := a.VerifyTOTP(ctx, testTenant, "192.0.2.1", next.Challenge, code(t, secret, clk.now.Add(totpPeriod*time.Second))); err != nil {
		t.Errorf("next code: got %v, want accepted", err)
	}
}

func TestSignInRefusesWithOneAnswer(t *testing.T) {
	a, _, _ := newAccounts(t)
	ctx := context.Background()
	mustCreate(t, a, "anna", RoleOperator, secret)
	mustCreate(t, a, "spento", RoleOperator, secret)
	yes := true
	if _, err := a.Update(ctx, testTenant, "spento", Change{Disabled: &yes}, Operator{}.Principal()); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, tenant, username, password string }{
		{"ErrWrongPassword", testTenant, "anna", "una password sbagliata"},
		{"ErrMissingUser", testTenant, "nessuno", testPassword},
		{"ErrMalformedUser", testTenant, "x/../y", testPassword},
		{"ErrDisabled", testTenant, "spento", testPassword},
		{"ErrOtherComune", "altro", "anna", testPassword},
		{"ErrMalformedComune", "Altro!", "anna", testPassword},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := a.SignIn(ctx, tt.tenant, fmt.Sprintf("192.0.2.%d", i+10), tt.username, tt.password)
			if err != errCredentials {
				t.Errorf("got %v, want %v", err, errCredentials)
			}
		})
	}
}

func TestLockoutAfterFiveFailures(t *testing.T) {
	a, clk, _ := newAccounts(t)
	ctx := context.Background()
	mustCreate(t, a, "anna", RoleOperator, secret)
	for i := 1; i <= maxFailures; i++ {
		_, err := a.SignIn(ctx, testTenant, fmt.Sprintf("192.0.2.%d", i), "anna", "una password sbagliata")
		var retry *RetryError
		if i < maxFailures && err != errCredentials {
			t.Fatalf("failure %d: got %v, want %v", i, err, errCredentials)
		}
		if i == maxFailures && (!errors.As(err, &retry) || retry.RetryAfter != lockoutTime) {
			t.Fatalf("failure %d: got %v, want the lock for %v", i, err, lockoutTime)
		}
	}
	// Past the per-account rate, the lock is what answers, even to the
	// right password.
	clk.advance(time.Minute)
	_, err := a.SignIn(ctx, testTenant, "192.0.2.100", "anna", testPassword)
	var retry *RetryError
	if !errors.As(err, &retry) || !fault.Is(err, fault.TooManyRequests) || retry.RetryAfter != lockoutTime-time.Minute {
		t.Fatalf("locked: got %v, want TooManyRequests retrying after %v", err, lockoutTime-time.Minute)
	}
	clk.advance(lockoutTime - time.Minute)
	next, err := a.SignIn(ctx, testTenant, "192.0.2.100", "anna", testPassword)
	if err != nil || next.Step != StepTOTP {
		t.Fatalf("after the lock: got %+v, %v; want the TOTP step", next, err)
	}
	if acc := stored(t, a, "anna"); acc.Failures != 0 {
		t.Errorf("got %d failures after the lock, want the count restarted", acc.Failures)
	}
}

// TestWrongCodesCountTowardsTheLock checks that a known password does not
// buy unlimited tries at the second factor.
func TestWrongCodesCountTowardsTheLock(t *testing.T) {
	a, clk, _ := newAccounts(t)
	ctx := context.Background()
	mustCreate(t, a, "anna", RoleOperator, secret)
	next, err := a.SignIn(ctx, testTenant, "192.0.2.1", "anna", testPassword)
	if err != nil {
		t.Fatal(err)
	}
	wrong := code(t, secret, clk.now.Add(-time.Hour))
	for i := 1; i < maxFailures; i++ {
		if _, err := a.VerifyTOTP(ctx, testTenant, fmt.Sprintf("192.0.2.%d", i), next.Challenge, wrong); !errors.Is(err, errWrongCode) {
			t.Fatalf("attempt %d: got %v, want %v", i, err, errWrongCode)
		}
	}
	// A right password in between does not clear the count.
	clk.advance(time.Minute)
	next, err = a.SignIn(ctx, testTenant, "192.0.2.50", "anna", testPassword)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = a.VerifyRecoveryCode(ctx, testTenant, "192.0.2.51", next.Challenge, "aaaa-bbbb-cccc-dddd")
	if !fault.Is(err, fault.TooManyRequests) {
		t.Fatalf("fifth failure: got %v, want the lock", err)
	}
	if _, err := a.VerifyTOTP(ctx, testTenant, "192.0.2.52", next.Challenge, code(t, secret, clk.now)); !fault.Is(err, fault.TooManyRequests) {
		t.Errorf("right code while locked: got %v, want the lock", err)
	}
}

func TestEnrolment(t *testing.T) {
	a, clk, _ := newAccounts(t)
	ctx := context.Background()
	mustCreate(t, a, "anna", RoleOperator, "")
	next, err := a.SignIn(ctx, testTenant, "192.0.2.1", "anna", testPassword)
	if err != nil {
		t.Fatal(err)
	}
	if next.Step != StepEnrol || next.Enrolment == nil || next.Enrolment.Secret == "" {
		t.Fatalf("got %+v, want the enrolment step with its data", next)
	}
	again, err := a.SignIn(ctx, testTenant, "192.0.2.1", "anna", testPassword)
	if err != nil || again.Enrolment == nil || again.Enrolment.Secret != next.Enrolment.Secret {
		t.Fatalf("second password step: got %+v, %v; want the same pending secret", again, err)
	}
	pending := next.Enrolment.Secret

	if _, err := a.VerifyTOTP(ctx, testTenant, "192.0.2.1", next.Challenge, code(t, pending, clk.now)); !fault.Is(err, fault.Unauthorized) {
		t.Errorf("enrol challenge on the TOTP step: got %v, want Unauthorized", err)
	}
	if _, _, err := a.Enrol(ctx, testTenant, "192.0.2.1", next.Challenge, code(t, pending, clk.now.Add(-time.Hour))); !errors.Is(err, errWrongCode) {
		t.Errorf("wrong code: got %v, want %v", err, errWrongCode)
	}
	op, codes, err := a.Enrol(ctx, testTenant, "192.0.2.1", next.Challenge, code(t, pending, clk.now))
	if err != nil {
		t.Fatal(err)
	}
	if !op.Enrolled || len(codes) != RecoveryCodes {
		t.Fatalf("got %+v with %d recovery codes, want enrolled with %d", op, len(codes), RecoveryCodes)
	}
	if acc := stored(t, a, "anna"); acc.Failures != 0 || len(acc.RecoveryCodes) != RecoveryCodes || slices.Contains(acc.RecoveryCodes, codes[0]) {
		t.Errorf("got record %+v, want failures cleared and the codes stored hashed", acc)
	}
	if _, _, err := a.Enrol(ctx, testTenant, "192.0.2.1", next.Challenge, code(t, pending, clk.now.Add(totpPeriod*time.Second))); !fault.Is(err, fault.Conflict) {
		t.Errorf("enrolling twice: got %v, want Conflict", err)
	}

	// From now on: password, then a code from the enrolled app.
	clk.advance(time.Minute)
	next, err = a.SignIn(ctx, testTenant, "192.0.2.1", "anna", testPassword)
	if err != nil || next.Step != StepTOTP {
		t.Fatalf("after enrolment: got %+v, %v; want the TOTP step", next, err)
	}
	if _, err := a.VerifyTOTP(ctx, testTenant, "192.0.2.1", next.Challenge, code(t, pending, clk.now)); err != nil {
		t.Errorf("code from the enrolled app: %v", err)
	}

	// A recovery code signs in once.
	clk.advance(time.Minute)
	next, _ = a.SignIn(ctx, testTenant, "192.0.2.1", "anna", testPassword)
	_, left, err := a.VerifyRecoveryCode(ctx, testTenant, "192.0.2.1", next.Challenge, codes[0])
	if err != nil || left != RecoveryCodes-1 {
		t.Fatalf("recovery code: got %d left, %v; want %d", left, err, RecoveryCodes-1)
	}
	if _, _, err := a.VerifyRecoveryCode(ctx, testTenant, "192.0.2.1", next.Challenge, codes[0]); !errors.Is(err, errWrongRecoveryCode) {
		t.Errorf("used recovery code: got %v, want %v", err, errWrongRecoveryCode)
	}
}

func TestSecondStepRefusesADisabledAccount(t *testing.T) {
	a, clk, _ := newAccounts(t)
	ctx := context.Background()
	mustCreate(t, a, "anna", RoleOperator, secret)
	next, err := a.SignIn(ctx, testTenant, "192.0.2.1", "anna", testPassword)
	if err != nil {
		t.Fatal(err)
	}
	yes := true
	if _, err := a.Update(ctx, testTenant, "anna", Change{Disabled: &yes}, Operator{}.Principal()); err != nil {
		t.Fatal(err)
	}
	if _, err := a.VerifyTOTP(ctx, testTenant, "192.0.2.1", next.Challenge, code(t, secret, clk.now)); err != errCredentials {
		t.Errorf("got %v, want %v", err, errCredentials)
	}
}

func TestSecondStepRefusesBadInput(t *testing.T) {
	a, _, _ := newAccounts(t)
	ctx := context.Background()
	mustCreate(t, a, "anna", RoleOperator, secret)
	next, err := a.SignIn(ctx, testTenant, "192.0.2.1", "anna", testPassword)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.VerifyTOTP(ctx, testTenant, "192.0.2.1", next.Challenge, "12ab56"); !fault.Is(err, fault.Invalid) {
		t.Errorf("malformed code: got %v, want Invalid", err)
	}
	if _, _, err := a.VerifyRecoveryCode(ctx, testTenant, "192.0.2.1", next.Challenge, " "); !fault.Is(err, fault.Invalid) {
		t.Errorf("empty recovery code: got %v, want Invalid", err)
	}
	if acc := stored(t, a, "anna"); acc.Failures != 0 {
		t.Errorf("got %d failures, want malformed input not counted", acc.Failures)
	}
}

// TestConcurrentUsesOfOneCode sends one code in several requests at once:
// the version-checked write lets exactly one of them sign in.
func TestConcurrentUsesOfOneCode(t *testing.T) {
	a, clk, _ := newAccounts(t)
	ctx := context.Background()
	mustCreate(t, a, "anna", RoleOperator, secret)
	next, err := a.SignIn(ctx, testTenant, "192.0.2.1", "anna", testPassword)
	if err != nil {
		t.Fatal(err)
	}
	c := code(t, secret, clk.now)
	const n = 4
	errs := make(chan error, n)
	for i := range n {
		go func() {
			_, err := a.VerifyTOTP(ctx, testTenant, fmt.Sprintf("192.0.2.%d", i+10), next.Challenge, c)
			errs <- err
		}()
	}
	ok, used := 0, 0
	for range n {
		switch err := <-errs; {
		case err == nil:
			ok++
		case errors.Is(err, errUsedCode):
			used++
		default:
			t.Errorf("got %v, want success or %v", err, errUsedCode)
		}
	}
	if ok != 1 || used != n-1 {
		t.Errorf("got %d successes and %d refusals, want 1 and %d", ok, used, n-1)
	}
}
