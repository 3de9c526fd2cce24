// Package operatore holds the accounts of a Comune's staff (operators and
// admins) and their sign-in with a password and a TOTP second factor.
//
// # Accounts
//
// There is no self sign-up: a Comune's first admin is created from the
// command line (stanza create-admin), every other account by an admin. An
// account is one record in the Comune's scope, PK "operators" and SK the
// username, so a username is unique within its Comune by a conditional put.
// The record holds the argon2id hash of the password, the TOTP secret
// encrypted with a key derived from the portal's secret, and the hashes of
// the unused recovery codes; none of them ever leaves this package, which
// hands out Operator values instead.
//
// # Sign-in
//
// The password step answers with a challenge, a short-lived signed token
// that the second step presents with a TOTP code or a recovery code; on an
// account without a second factor yet, it answers with the enrolment data
// too, and the first code from the app completes the enrolment. A wrong
// username, a wrong password and a disabled account get the same answer, and
// a missing account costs the same hashing time as an existing one, so the
// answer does not tell which usernames exist. A locked account does say so,
// with when to retry: an operator locked out needs to know, and usernames
// (name.surname) are easy to guess anyway.
//
// # Limits
//
// Attempts are rate-limited per client address and per account, in memory;
// five failures in a row (password or code) lock the account for fifteen
// minutes, on its record, so that the lock holds across processes. Every
// change to a record is a version-checked write, retried on a concurrent
// change, so two attempts at once cannot both count as the one before the
// lock, and a TOTP code cannot be used twice.
package operatore

import (
	"context"
	"crypto/cipher"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/stanzaportal/stanza/shared/auth"
	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/routes"
	"github.com/stanzaportal/stanza/shared/store"
	"github.com/stanzaportal/stanza/shared/ufficio"
)

// Role is what a member of staff may do.
type Role string

const (
	RoleOperator Role = "operator" // handles the applications of the services they are enabled for
	RoleAdmin    Role = "admin"    // also manages the Comune's services, staff and partner keys
)

// Access returns the role's caller kind in the route table; 0 for an
// unknown role.
func (r Role) Access() routes.Access {
	switch r {
	case RoleOperator:
		return routes.Operator
	case RoleAdmin:
		return routes.Admin
	}
	return 0
}

// Operator is a member of a Comune's staff, without any secret: safe to
// show to the Comune's admins.
type Operator struct {
	Username    string    `json:"username"`
	Tenant      string    `json:"tenant"`
	Name        string    `json:"name"`
	Email       string    `json:"email"`
	Role        Role      `json:"role"`
	Services    []string  `json:"services"` // slugs of the services the operator handles
	Offices     []string  `json:"offices"`  // ids of the offices the operator works for
	Disabled    bool      `json:"disabled"`
	Enrolled    bool      `json:"enrolled"` // the second factor is set up
	LockedUntil time.Time `json:"lockedUntil,omitzero"`
	CreatedAt   time.Time `json:"createdAt"`
	CreatedBy   string    `json:"createdBy,omitempty"` // the admin's username; "" from the command line
	// PasswordChangedAt is when the operator last changed their password;
	// zero while they still have the one the account was created with.
	PasswordChangedAt time.Time `json:"passwordChangedAt,omitzero"`
}

// Principal returns the caller an operator signs in as. An admin is not
// limited by Services (see auth.Principal).
func (o Operator) Principal() auth.Principal {
	return auth.Principal{Role: o.Role.Access(), Subject: o.Username, Tenant: o.Tenant, Name: o.Name, Services: o.Services}
}

// account is the stored record: the Operator and its secrets.
type account struct {
	Operator
	PasswordHash  string   `json:"passwordHash"`            // argon2id, PHC string format
	TOTPSecret    []byte   `json:"totpSecret,omitempty"`    // sealed (AES-GCM); set at the first password step
	TOTPLastStep  int64    `json:"totpLastStep,omitempty"`  // time step of the last accepted code
	RecoveryCodes []string `json:"recoveryCodes,omitempty"` // SHA-256 of each unused code
	Failures      int      `json:"failures,omitempty"`      // failed attempts since the last success or lock

	version int64
}

func (acc account) locked(now time.Time) bool { return acc.LockedUntil.After(now) }

// Keys of a Comune's staff (see the access patterns in package store).
const partition = "operators"

func key(username string) store.Key { return store.Key{PK: partition, SK: username} }

// Keys are the secrets of the package, derived from the portal's secret.
type Keys struct {
	TOTP       []byte // encrypts TOTP secrets at rest (AES-256-GCM): 32 bytes
	Challenges []byte // signs sign-in challenges: at least 32 bytes
}

// Accounts keeps the staff accounts of every Comune and signs them in.
type Accounts struct {
	db           *store.DB
	box          cipher.AEAD
	challengeKey []byte
	now          func() time.Time
	limits       *limiter
	dummyHash    func() string
}

// New returns the Accounts over db.
func New(db *store.DB, keys Keys) (*Accounts, error) {
	box, err := newSecretBox(keys.TOTP)
	if err != nil {
		return nil, err
	}
	if len(keys.Challenges) < 32 {
		return nil, errors.New("operatore: the challenge key must have at least 32 bytes")
	}
	a := &Accounts{db: db, box: box, challengeKey: append([]byte(nil), keys.Challenges...), now: time.Now}
	a.limits = newLimiter(func() time.Time { return a.now() })
	// Hashed at the first sign-in of a missing user rather than at start,
	// so that functions that never sign anyone in do not pay for it.
	a.dummyHash = sync.OnceValue(func() string { return hashPassword("stanza: no such account") })
	return a, nil
}

// Field limits.
const (
	maxName     = 100
	maxEmail    = 254
	maxServices = 200
	maxOffices  = 20
)

var (
	usernamePattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9._-]{1,62}[a-z0-9])$`)
	servicePattern  = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$`)
)

// validUsername reports whether s can be a username: 3 to 64 lower-case
// letters, digits, dots, hyphens and underscores, starting and ending with a
// letter or digit (e.g. "mario.rossi").
func validUsername(s string) bool { return usernamePattern.MatchString(s) }

// NewOperator is an account to create.
type NewOperator struct {
	Tenant   string
	Username string
	Name     string
	Email    string
	Role     Role
	Services []string
	Offices  []string
	// Password is the initial password; "" generates one, which Create
	// returns.
	Password string
	// TOTPSecret, base32, creates the account with its second factor already
	// enrolled; "" lets the operator enrol at the first sign-in. Only the
	// local demo's seeded accounts use it, so that their codes are known.
	TOTPSecret string
	CreatedBy  string
}

func checkName(name string) error {
	n := utf8.RuneCountInString(name)
	if n == 0 || n > maxName || strings.TrimSpace(name) != name || strings.ContainsFunc(name, unicode.IsControl) {
		return fault.New(fault.Invalid, "Il nome è obbligatorio e può avere al massimo %d caratteri.", maxName)
	}
	return nil
}

func checkEmail(email string) error {
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || len(email) > maxEmail {
		return fault.New(fault.Invalid, "L'indirizzo email %q non è valido.", email)
	}
	return nil
}

func checkRole(r Role) error {
	if r.Access() == 0 {
		return fault.New(fault.Invalid, "Il ruolo %q non è valido: usare operator o admin.", r)
	}
	return nil
}

// cleanServices checks service slugs and returns them sorted, once each.
func cleanServices(list []string) ([]string, error) {
	if len(list) > maxServices {
		return nil, fault.New(fault.Invalid, "Un operatore può essere abilitato al massimo a %d servizi.", maxServices)
	}
	out := []string{}
	for _, s := range list {
		if !servicePattern.MatchString(s) {
			return nil, fault.New(fault.Invalid, "L'identificativo del servizio %q non è valido.", s)
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// cleanOffices checks office ids and returns them sorted, once each. That
// the offices exist is checked by the caller, which has the Comune's
// offices (package ufficio).
func cleanOffices(list []string) ([]string, error) {
	if len(list) > maxOffices {
		return nil, fault.New(fault.Invalid, "Un operatore può appartenere al massimo a %d uffici.", maxOffices)
	}
	out := []string{}
	for _, o := range list {
		if !ufficio.ValidID(o) {
			return nil, fault.New(fault.Invalid, "Il codice dell'ufficio %q non è valido: da 1 a 64 lettere minuscole, cifre o trattini.", o)
		}
		out = append(out, o)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// Create stores a new account and returns it with its initial password when
// it was generated ("" when n.Password was given). A username already used
// in the Comune is a Conflict.
func (a *Accounts) Create(ctx context.Context, n NewOperator) (Operator, string, error) {
	if !store.ValidTenant(n.Tenant) {
		return Operator{}, "", fault.New(fault.Invalid, "L'identificativo del Comune %q non è valido: usare lettere minuscole, cifre e trattini.", n.Tenant)
	}
	if !validUsername(n.Username) {
		return Operator{}, "", fault.New(fault.Invalid, "Il nome utente %q non è valido: da 3 a 64 caratteri tra lettere minuscole, cifre, punti, trattini e trattini bassi.", n.Username)
	}
	for _, err := range []error{checkName(n.Name), checkEmail(n.Email), checkRole(n.Role)} {
		if err != nil {
			return Operator{}, "", err
		}
	}
	services, err := cleanServices(n.Services)
	if err != nil {
		return Operator{}, "", err
	}
	offices, err := cleanOffices(n.Offices)
	if err != nil {
		return Operator{}, "", err
	}
	generated := ""
	if n.Password == "" {
		generated = GeneratePassword(n.Username)
		n.Password = generated
	} else if err := CheckPassword(n.Password, n.Username); err != nil {
		return Operator{}, "", err
	}
	acc := account{Operator: Operator{
		Username: n.Username, Tenant: n.Tenant, Name: n.Name, Email: n.Email, Role: n.Role,
		Services: services, Offices: offices,
		CreatedAt: a.now().UTC().Truncate(time.Second), CreatedBy: n.CreatedBy,
	}}
	if n.TOTPSecret != "" {
		secret, err := base32NoPad.DecodeString(strings.TrimRight(strings.ToUpper(n.TOTPSecret), "="))
		if err != nil || len(secret) < 16 {
			return Operator{}, "", fault.New(fault.Invalid, "operatore: the TOTP secret must be base32 of at least 16 bytes")
		}
		acc.TOTPSecret = a.sealSecret(n.Tenant, n.Username, secret)
		acc.Enrolled = true
	}
	acc.PasswordHash = hashPassword(n.Password)
	err = a.put(ctx, acc, store.IfAbsent)
	if fault.Is(err, fault.Conflict) {
		return Operator{}, "", fault.Wrap(err, fault.Conflict, "Il nome utente %q è già in uso in questo Comune.", n.Username)
	}
	if err != nil {
		return Operator{}, "", err
	}
	return acc.Operator, generated, nil
}

func notFound(username string) error {
	return fault.New(fault.NotFound, "L'operatore %q non esiste.", username)
}

func (a *Accounts) load(ctx context.Context, tenant, username string) (account, error) {
	if !store.ValidTenant(tenant) || !validUsername(username) {
		return account{}, notFound(username)
	}
	it, err := a.db.Tenant(tenant).Get(ctx, key(username))
	if fault.Is(err, fault.NotFound) {
		return account{}, notFound(username)
	}
	if err != nil {
		return account{}, err
	}
	var acc account
	if err := json.Unmarshal(it.Data, &acc); err != nil {
		return account{}, fmt.Errorf("operatore: %s/%s: %w", tenant, username, err)
	}
	acc.version = it.Version
	return acc, nil
}

func (a *Accounts) put(ctx context.Context, acc account, cond store.Condition) error {
	data, err := json.Marshal(acc)
	if err != nil {
		return err
	}
	_, err = a.db.Tenant(acc.Tenant).Put(ctx, store.Item{Key: key(acc.Username), Data: data}, cond)
	return err
}

// maxRetries bounds the version-checked writes tried for one change: more
// than a few concurrent changes of one account are an attack or a bug.
const maxRetries = 5

// update applies f to the current record of an account and writes it back
// when it has not changed since it was read, trying again on the new record
// otherwise. f returns whether to write, and the error to return once the
// write is done: a failed attempt is written too, as a failure.
func (a *Accounts) update(ctx context.Context, tenant, username string, f func(acc *account) (bool, error)) (account, error) {
	for range maxRetries {
		acc, err := a.load(ctx, tenant, username)
		if err != nil {
			return account{}, err
		}
		write, result := f(&acc)
		if !write {
			return acc, result
		}
		err = a.put(ctx, acc, store.IfVersion(acc.version))
		if fault.Is(err, fault.Conflict) {
			continue
		}
		if err != nil {
			return account{}, err
		}
		return acc, result
	}
	return account{}, fault.New(fault.Conflict, "L'account è stato modificato da un'altra richiesta nello stesso momento: riprova.")
}

// Get returns one account of a Comune, or a NotFound error.
func (a *Accounts) Get(ctx context.Context, tenant, username string) (Operator, error) {
	acc, err := a.load(ctx, tenant, username)
	return acc.Operator, err
}

// Enabled reports whether username is an enabled account of tenant: one
// that can sign in and act, as an office's manager must be. It implements
// ufficio.Staff.
func (a *Accounts) Enabled(ctx context.Context, tenant, username string) (bool, error) {
	acc, err := a.load(ctx, tenant, username)
	if fault.Is(err, fault.NotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return !acc.Disabled, nil
}

// List returns the accounts of a Comune by username. A Comune's staff is
// bounded (hundreds at most), so the whole partition is read.
func (a *Accounts) List(ctx context.Context, tenant string) ([]Operator, error) {
	if !store.ValidTenant(tenant) {
		return nil, nil
	}
	items, err := a.db.Tenant(tenant).QueryAll(ctx, store.Query{PK: partition})
	if err != nil {
		return nil, err
	}
	accs, err := store.Decode[account](items)
	if err != nil {
		return nil, err
	}
	out := make([]Operator, len(accs))
	for i, acc := range accs {
		out[i] = acc.Operator
	}
	return out, nil
}

// Change is an admin's change to an account; nil fields stay as they are.
type Change struct {
	Role     *Role
	Services *[]string
	Offices  *[]string
	Disabled *bool
}

// Update applies an admin's change to an account. An admin may not disable
// or demote their own account, so that a Comune always keeps the admin who
// is acting.
func (a *Accounts) Update(ctx context.Context, tenant, username string, ch Change, by auth.Principal) (Operator, error) {
	if ch.Role == nil && ch.Services == nil && ch.Offices == nil && ch.Disabled == nil {
		return Operator{}, fault.New(fault.Invalid, "La richiesta non indica alcuna modifica.")
	}
	self := by.Tenant == tenant && by.Subject == username
	if self && ((ch.Disabled != nil && *ch.Disabled) || (ch.Role != nil && *ch.Role != RoleAdmin)) {
		return Operator{}, fault.New(fault.Forbidden, "Non puoi disattivare il tuo account né toglierti il ruolo di amministratore: chiedilo a un altro amministratore.")
	}
	var services, offices []string
	var err error
	if ch.Role != nil {
		if err := checkRole(*ch.Role); err != nil {
			return Operator{}, err
		}
	}
	if ch.Services != nil {
		if services, err = cleanServices(*ch.Services); err != nil {
			return Operator{}, err
		}
	}
	if ch.Offices != nil {
		if offices, err = cleanOffices(*ch.Offices); err != nil {
			return Operator{}, err
		}
	}
	acc, err := a.update(ctx, tenant, username, func(acc *account) (bool, error) {
		if ch.Role != nil {
			acc.Role = *ch.Role
		}
		if ch.Services != nil {
			acc.Services = services
		}
		if ch.Offices != nil {
			acc.Offices = offices
		}
		if ch.Disabled != nil {
			acc.Disabled = *ch.Disabled
		}
		return true, nil
	})
	return acc.Operator, err
}

// ResetSecondFactor removes an account's TOTP secret and recovery codes, for
// an operator who lost their phone: the next sign-in enrols a new app.
func (a *Accounts) ResetSecondFactor(ctx context.Context, tenant, username string) (Operator, error) {
	acc, err := a.update(ctx, tenant, username, func(acc *account) (bool, error) {
		acc.Enrolled = false
		acc.TOTPSecret = nil
		acc.TOTPLastStep = 0
		acc.RecoveryCodes = nil
		return true, nil
	})
	return acc.Operator, err
}
