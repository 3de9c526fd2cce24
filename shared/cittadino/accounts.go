package cittadino

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/mail"
	"github.com/stanzaportal/stanza/shared/store"
)

// record is an account as stored: the account and the bookkeeping the
// citizen does not see.
type record struct {
	Account
	// VerificationSentAt is when the last verification link was sent; it
	// limits links to one a minute.
	VerificationSentAt time.Time `json:"verificationSentAt,omitzero"`
}

func partitionOf(cf string) string { return "citizen#" + cf }

func accountKey(cf string) store.Key { return store.Key{PK: partitionOf(cf), SK: "account"} }

// Verification configures the links that verify an email address.
type Verification struct {
	// Key signs the links: at least 32 bytes, derived from the portal's
	// secret for this use only.
	Key []byte
	// BaseURL is the portal's public address; links point at its API.
	BaseURL string
	// PortalName names the portal in the email, the same for every Comune.
	PortalName string
}

// AccountService reads and writes citizens' accounts.
type AccountService struct {
	db     *store.DB
	mailer *mail.Mailer
	verify Verification
	now    func() time.Time
}

// NewAccountService returns the accounts kept in db; verification emails go
// out through mailer.
func NewAccountService(db *store.DB, mailer *mail.Mailer, v Verification) (*AccountService, error) {
	switch {
	case len(v.Key) < 32:
		return nil, errors.New("cittadino: the verification key must have at least 32 bytes")
	case v.BaseURL == "":
		return nil, errors.New("cittadino: the portal's base URL is required")
	case v.PortalName == "":
		return nil, errors.New("cittadino: the portal's name is required")
	}
	v.BaseURL = strings.TrimSuffix(v.BaseURL, "/")
	return &AccountService{db: db, mailer: mailer, verify: v, now: time.Now}, nil
}

// Get returns the account of the citizen with fiscal code cf, or a NotFound
// error.
func (s *AccountService) Get(ctx context.Context, cf string) (Account, error) {
	rec, _, err := s.load(ctx, cf)
	return rec.Account, err
}

func (s *AccountService) load(ctx context.Context, cf string) (record, int64, error) {
	if !fiscalCode.MatchString(cf) {
		return record{}, 0, noAccount()
	}
	it, err := s.db.Global().Get(ctx, accountKey(cf))
	if fault.Is(err, fault.NotFound) {
		return record{}, 0, noAccount()
	}
	if err != nil {
		return record{}, 0, err
	}
	var rec record
	if err := json.Unmarshal(it.Data, &rec); err != nil {
		return record{}, 0, fmt.Errorf("cittadino: account %s: %w", cf, err)
	}
	return rec, it.Version, nil
}

func noAccount() error {
	return fault.New(fault.NotFound, "Il profilo non esiste: accedi con SPID o CIE per crearlo.")
}

func (s *AccountService) save(ctx context.Context, rec record, cond store.Condition) error {
	data, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	_, err = s.db.Global().Put(ctx, store.Item{Key: accountKey(rec.FiscalCode), Data: data}, cond)
	return err
}

// attempts bounds the retries of a read-modify-write that lost a race: two
// sign-ins or edits of one citizen at the same instant are rare, more than
// three in a row mean something else is wrong.
const attempts = 3

// update applies change to the stored account and writes it back if change
// reports a change, guarded by the version read; a lost race starts over
// from a fresh read, so change must only depend on the record it is given.
func (s *AccountService) update(ctx context.Context, cf string, change func(*record) (bool, error)) (record, error) {
	for i := 0; ; i++ {
		rec, version, err := s.load(ctx, cf)
		if err != nil {
			return record{}, err
		}
		changed, err := change(&rec)
		if err != nil || !changed {
			return rec, err
		}
		err = s.save(ctx, rec, store.IfVersion(version))
		if !fault.Is(err, fault.Conflict) {
			return rec, err
		}
		if i == attempts-1 {
			return record{}, busy(err)
		}
	}
}

func busy(err error) error {
	return fault.Wrap(err, fault.Conflict, "Il profilo è stato modificato nello stesso momento da un'altra richiesta: riprova.")
}

// SignedIn creates the account of a citizen who signed in for the first
// time, or refreshes the identity data of a known one, and returns it.
//
// An email the identity provider asserts is not taken as verified: SPID
// providers do not all verify it, and the citizen may prefer another. It
// is kept as a suggestion, unless it is the account's address already.
func (s *AccountService) SignedIn(ctx context.Context, id Identity) (Account, error) {
	id, err := id.normalize()
	if err != nil {
		return Account{}, err
	}
	for i := 0; ; i++ {
		now := s.now().UTC()
		rec, version, err := s.load(ctx, id.FiscalCode)
		cond := store.IfVersion(version)
		switch {
		case fault.Is(err, fault.NotFound):
			rec = record{Account: Account{FiscalCode: id.FiscalCode, CreatedAt: now}}
			cond = store.IfAbsent
		case err != nil:
			return Account{}, err
		}
		before := rec.Account
		rec.refresh(id)
		if cond != store.IfAbsent && rec.Account == before {
			return rec.Account, nil // nothing new: no write at every sign-in
		}
		rec.UpdatedAt = now
		err = s.save(ctx, rec, cond)
		if !fault.Is(err, fault.Conflict) {
			return rec.Account, err
		}
		if i == attempts-1 {
			return Account{}, busy(err)
		}
	}
}

// refresh copies the asserted identity into the account.
func (rec *record) refresh(id Identity) {
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&rec.Name, id.Name)
	set(&rec.FamilyName, id.FamilyName)
	set(&rec.DateOfBirth, id.DateOfBirth)
	set(&rec.PlaceOfBirth, id.PlaceOfBirth)
	set(&rec.Gender, id.Gender)
	switch {
	case id.Email == "":
	case id.Email == rec.Email:
		rec.SuggestedEmail = ""
	default:
		rec.SuggestedEmail = id.Email
	}
}

// Contacts are the contact data a citizen changes; nil fields stay as they
// are.
type Contacts struct {
	Email   *string  // required once set: "" is refused
	Mobile  *string  // "" removes the number
	Address *Address // replaced whole
}

// UpdateContacts validates and stores a citizen's contact data. A new email
// address is unverified until the citizen follows the link sent to it.
func (s *AccountService) UpdateContacts(ctx context.Context, cf string, c Contacts) (Account, error) {
	var email, mobile string
	var addr Address
	var err error
	if c.Email == nil && c.Mobile == nil && c.Address == nil {
		return Account{}, fault.New(fault.Invalid, "Nessun dato da aggiornare: indica email, cellulare o indirizzo.")
	}
	if c.Email != nil {
		if email, err = normalizeEmail(*c.Email); err != nil {
			return Account{}, err
		}
	}
	if c.Mobile != nil && strings.TrimSpace(*c.Mobile) != "" {
		if mobile, err = normalizeMobile(*c.Mobile); err != nil {
			return Account{}, err
		}
	}
	if c.Address != nil {
		if addr, err = c.Address.normalize(); err != nil {
			return Account{}, err
		}
	}
	rec, err := s.update(ctx, cf, func(rec *record) (bool, error) {
		before := rec.Account
		if c.Email != nil && email != rec.Email {
			rec.Email, rec.EmailVerified = email, false
		}
		if rec.SuggestedEmail == rec.Email {
			rec.SuggestedEmail = ""
		}
		if c.Mobile != nil {
			rec.Mobile = mobile
		}
		if c.Address != nil {
			rec.Address = addr
		}
		if rec.Account == before {
			return false, nil
		}
		rec.UpdatedAt = s.now().UTC()
		return true, nil
	})
	return rec.Account, err
}

// Resend is the shortest wait between two verification links to one
// citizen: enough to stop a script from mail-bombing an address through
// the portal, short enough for a person who lost the first email.
const Resend = time.Minute

// Sent says where a verification link went and until when it works.
type Sent struct {
	Email     string    `json:"email"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// SendVerification emails the citizen a link that verifies the account's
// address. At most one link a minute is sent (TooManyRequests otherwise);
// an address already verified, or none, is a Conflict.
func (s *AccountService) SendVerification(ctx context.Context, cf string) (Sent, error) {
	now := s.now().UTC()
	rec, err := s.update(ctx, cf, func(rec *record) (bool, error) {
		switch {
		case rec.Email == "":
			return false, fault.New(fault.Conflict, "Inserisci un indirizzo email nel profilo prima di chiederne la verifica.")
		case rec.EmailVerified:
			return false, fault.New(fault.Conflict, "L'indirizzo email %s è già verificato.", rec.Email)
		case now.Before(rec.VerificationSentAt.Add(Resend)):
			return false, fault.New(fault.TooManyRequests, "Hai appena chiesto un collegamento di verifica: attendi un minuto prima di chiederne un altro.")
		}
		rec.VerificationSentAt = now
		return true, nil
	})
	if err != nil {
		return Sent{}, err
	}
	expires := now.Add(LinkValidity)
	msg, err := s.verificationMessage(rec.Account, seal(s.verify.Key, claim{CF: cf, Email: rec.Email, Exp: expires.Unix()}), expires)
	if err == nil {
		err = s.mailer.Send(ctx, msg)
	}
	if err != nil {
		// Give the minute back, so that the citizen can retry at once; only
		// if the record still carries this attempt.
		_, undo := s.update(context.WithoutCancel(ctx), cf, func(r *record) (bool, error) {
			if !r.VerificationSentAt.Equal(now) {
				return false, nil
			}
			r.VerificationSentAt = time.Time{}
			return true, nil
		})
		return Sent{}, errors.Join(err, undo)
	}
	return Sent{Email: rec.Email, ExpiresAt: expires}, nil
}

// VerifyEmail marks the address in a verification link as verified. It is
// idempotent: a link followed twice verifies once. A link that was altered
// or has expired is Invalid; one for an address the profile no longer has
// is a Conflict.
func (s *AccountService) VerifyEmail(ctx context.Context, token string) (Account, error) {
	c, err := open(s.verify.Key, token, s.now())
	if err != nil {
		return Account{}, err
	}
	rec, err := s.update(ctx, c.CF, func(rec *record) (bool, error) {
		switch {
		case rec.Email != c.Email:
			return false, fault.New(fault.Conflict, "Il collegamento riguarda un indirizzo email diverso da quello ora presente nel profilo: chiedi un nuovo collegamento.")
		case rec.EmailVerified:
			return false, nil
		}
		rec.EmailVerified = true
		if rec.SuggestedEmail == rec.Email {
			rec.SuggestedEmail = ""
		}
		rec.UpdatedAt = s.now().UTC()
		return true, nil
	})
	return rec.Account, err
}
