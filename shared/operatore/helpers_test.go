package operatore

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/stanzaportal/stanza/shared/store"
	"github.com/stanzaportal/stanza/shared/store/boltstore/bolttest"
)

// clock is a settable time source. It starts at the real time, so that
// nothing the store expires by the real clock disappears first.
type clock struct{ now time.Time }

func (c *clock) advance(d time.Duration) { c.now = c.now.Add(d) }

// newAccounts returns Accounts over an empty embedded store, on a clock the
// test moves.
func newAccounts(t *testing.T) (*Accounts, *clock, *store.DB) {
	t.Helper()
	db := bolttest.DB(t)
	a, err := New(db, Keys{TOTP: bytes.Repeat([]byte{1}, 32), Challenges: bytes.Repeat([]byte{2}, 32)})
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{now: time.Now()}
	a.now = func() time.Time { return c.now }
	return a, c, db
}

const (
	testTenant   = "esempio"
	testPassword = "una password abbastanza lunga"
)

// mustCreate creates an operator of testTenant with testPassword.
func mustCreate(t *testing.T, a *Accounts, username string, role Role, totpSecret string) Operator {
	t.Helper()
	op, _, err := a.Create(context.Background(), NewOperator{
		Tenant: testTenant, Username: username, Name: "Anna Verdi", Email: username + "@comune.example.org",
		Role: role, Password: testPassword, TOTPSecret: totpSecret,
	})
	if err != nil {
		t.Fatalf("Create %s: %v", username, err)
	}
	return op
}

// code returns the TOTP code of secret (base32) at t.
func code(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// stored reads an account's record as stored.
func stored(t *testing.T, a *Accounts, username string) account {
	t.Helper()
	acc, err := a.load(context.Background(), testTenant, username)
	if err != nil {
		t.Fatalf("load %s: %v", username, err)
	}
	return acc
}
