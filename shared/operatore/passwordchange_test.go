package operatore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/store"
)

const newPassword = "una nuova password ben più lunga"

func TestChangePassword(t *testing.T) {
	a, clk, _ := newAccounts(t)
	ctx := context.Background()
	mustCreate(t, a, "anna", RoleOperator, secret)
	before := stored(t, a, "anna")

	op, err := a.ChangePassword(ctx, testTenant, "192.0.2.1", "anna", testPassword, newPassword)
	if err != nil {
		t.Fatal(err)
	}
	if !op.PasswordChangedAt.Equal(clk.now.UTC()) {
		t.Errorf("got passwordChangedAt %v, want %v", op.PasswordChangedAt, clk.now.UTC())
	}
	after := stored(t, a, "anna")
	if after.version != before.version+1 || after.PasswordHash == before.PasswordHash || !strings.HasPrefix(after.PasswordHash, "$argon2id$") {
		t.Errorf("got version %d and hash %q, want version %d and a new argon2id hash", after.version, after.PasswordHash, before.version+1)
	}
	if _, err := a.SignIn(ctx, testTenant, "192.0.2.2", "anna", testPassword); err != errCredentials {
		t.Errorf("old password: got %v, want %v", err, errCredentials)
	}
	if next, err := a.SignIn(ctx, testTenant, "192.0.2.3", "anna", newPassword); err != nil || next.Step != StepTOTP {
		t.Errorf("new password: got %+v, %v; want the TOTP step", next, err)
	}
}

// TestAccessPatternChangeOwnPassword checks the access pattern "change own
// password": one version-checked write of PK "operators", SK the username,
// in the Comune's scope.
func TestAccessPatternChangeOwnPassword(t *testing.T) {
	a, _, db := newAccounts(t)
	ctx := context.Background()
	mustCreate(t, a, "mario.rossi", RoleOperator, "")
	k := store.Key{PK: "operators", SK: "mario.rossi"}
	before, err := db.Tenant(testTenant).Get(ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.ChangePassword(ctx, testTenant, "192.0.2.1", "mario.rossi", testPassword, newPassword); err != nil {
		t.Fatal(err)
	}
	after, err := db.Tenant(testTenant).Get(ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	if after.Version != before.Version+1 || bytes.Equal(after.Data, before.Data) {
		t.Errorf("got version %d after %d, want one write of the record", after.Version, before.Version)
	}
}

func TestChangePasswordRefuses(t *testing.T) {
	a, _, _ := newAccounts(t)
	ctx := context.Background()
	mustCreate(t, a, "anna", RoleOperator, secret)
	mustCreate(t, a, "spento", RoleOperator, secret)
	yes := true
	if _, err := a.Update(ctx, testTenant, "spento", Change{Disabled: &yes}, Operator{}.Principal()); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, username, current, next string
		want                          error
		wantCode                      fault.Code
		wantFailures                  int
	}{
		{"ErrNoCurrent", "anna", "", newPassword, nil, fault.Invalid, 0},
		{"ErrNoNew", "anna", testPassword, "", nil, fault.Invalid, 0},
		{"ErrTooShort", "anna", testPassword, "corta", nil, fault.Invalid, 0},
		{"ErrTooLong", "anna", testPassword, strings.Repeat("x", MaxPasswordLength+1), nil, fault.Invalid, 0},
		{"ErrContainsUsername", "anna", testPassword, "la password di Anna è lunga", nil, fault.Invalid, 0},
		{"ErrSameAsCurrent", "anna", testPassword, testPassword, errSamePassword, fault.Invalid, 0},
		{"ErrCurrentTooLongToMatch", "anna", strings.Repeat("x", MaxPasswordLength+1), newPassword, errWrongCurrent, fault.Forbidden, 0},
		{"ErrWrongCurrent", "anna", "una password sbagliata", newPassword, errWrongCurrent, fault.Forbidden, 1},
		{"ErrDisabled", "spento", testPassword, newPassword, errDisabled, fault.Forbidden, 0},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := stored(t, a, tt.username)
			_, err := a.ChangePassword(ctx, testTenant, fmt.Sprintf("192.0.2.%d", i+1), tt.username, tt.current, tt.next)
			if fault.CodeOf(err) != tt.wantCode || (tt.want != nil && err != tt.want) {
				t.Errorf("got %v, want %v (%s)", err, tt.want, tt.wantCode)
			}
			after := stored(t, a, tt.username)
			if after.PasswordHash != before.PasswordHash {
				t.Error("got the password changed, want it as it was")
			}
			if got := after.Failures - before.Failures; got != tt.wantFailures {
				t.Errorf("got %d more failures, want %d", got, tt.wantFailures)
			}
		})
	}
}

// TestChangePasswordSharesTheLock checks that wrong current passwords and
// wrong sign-ins add up to the one lock, which then refuses a change even
// with the right password.
func TestChangePasswordSharesTheLock(t *testing.T) {
	a, clk, _ := newAccounts(t)
	ctx := context.Background()
	mustCreate(t, a, "anna", RoleOperator, secret)
	for i := 1; i < maxFailures; i++ {
		_, err := a.ChangePassword(ctx, testTenant, fmt.Sprintf("192.0.2.%d", i), "anna", "una password sbagliata", newPassword)
		if !errors.Is(err, errWrongCurrent) {
			t.Fatalf("attempt %d: got %v, want %v", i, err, errWrongCurrent)
		}
	}
	_, err := a.SignIn(ctx, testTenant, "192.0.2.50", "anna", "una password sbagliata")
	var retry *RetryError
	if !errors.As(err, &retry) || retry.RetryAfter != lockoutTime {
		t.Fatalf("fifth failure, at sign-in: got %v, want the lock for %v", err, lockoutTime)
	}
	// Past the per-account rate, the lock is what answers.
	clk.advance(time.Minute)
	_, err = a.ChangePassword(ctx, testTenant, "192.0.2.51", "anna", testPassword, newPassword)
	if !errors.As(err, &retry) || !fault.Is(err, fault.TooManyRequests) || retry.RetryAfter != lockoutTime-time.Minute {
		t.Fatalf("locked: got %v, want TooManyRequests retrying after %v", err, lockoutTime-time.Minute)
	}
	clk.advance(lockoutTime)
	if _, err := a.ChangePassword(ctx, testTenant, "192.0.2.52", "anna", testPassword, newPassword); err != nil {
		t.Errorf("after the lock: got %v, want the password changed", err)
	}
}

// TestChangePasswordSharesTheRate checks that sign-ins and changes draw on
// one rate per account: a burst of right sign-ins leaves no room for a
// change from yet another address.
func TestChangePasswordSharesTheRate(t *testing.T) {
	a, _, _ := newAccounts(t)
	ctx := context.Background()
	mustCreate(t, a, "anna", RoleOperator, secret)
	for i := range perAccount.burst {
		if _, err := a.SignIn(ctx, testTenant, fmt.Sprintf("192.0.2.%d", i+1), "anna", testPassword); err != nil {
			t.Fatalf("sign-in %d: %v", i+1, err)
		}
	}
	_, err := a.ChangePassword(ctx, testTenant, "192.0.2.99", "anna", testPassword, newPassword)
	var retry *RetryError
	if !errors.As(err, &retry) || !fault.Is(err, fault.TooManyRequests) || retry.RetryAfter > time.Minute/5 {
		t.Errorf("got %v, want refused by the account's rate, retrying within 12 s", err)
	}
	if !stored(t, a, "anna").PasswordChangedAt.IsZero() {
		t.Error("got the password changed, want it as it was")
	}
}

// TestConcurrentChangesWithOnePassword checks the version-checked write:
// two changes that both present the current password cannot both win.
func TestConcurrentChangesWithOnePassword(t *testing.T) {
	a, _, _ := newAccounts(t)
	ctx := context.Background()
	mustCreate(t, a, "anna", RoleOperator, secret)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = a.ChangePassword(ctx, testTenant, fmt.Sprintf("192.0.2.%d", i+1), "anna", testPassword, fmt.Sprintf("%s numero %d", newPassword, i))
		})
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, errWrongCurrent) && !fault.Is(err, fault.Conflict):
			t.Errorf("the losing change: got %v, want %v or a conflict", err, errWrongCurrent)
		}
	}
	if won != 1 {
		t.Errorf("got %d changes done, want exactly 1 (errors %v)", won, errs)
	}
}
