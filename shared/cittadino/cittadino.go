// Package cittadino holds the citizen: one person across every Comune of the
// portal, keyed by fiscal code. A citizen's account keeps the identity data
// that SPID or CIE assert at each sign-in, which the citizen cannot edit, and
// the contact data the citizen enters (email, mobile, address), which the
// portal validates and, for the email, verifies with a signed link. The
// package also keeps each Comune's terms of use, versioned, and every
// citizen's acceptances of them.
//
// # Records
//
// Accounts and acceptances live in the global scope, in the partition
// "citizen#<fiscal code>": SK "account" for the account, SK
// "terms#<tenant>#<version>" for each acceptance, so that the profile lists
// every acceptance, in every Comune, with one query. Terms of use live in
// their Comune's scope, one item per version (see the access patterns in
// package store).
//
// # Completion
//
// A profile is complete when it has a verified email and a full address;
// the mobile number is optional. A citizen uses a Comune's services only
// with a complete profile and the Comune's current terms accepted (see
// CheckAccess).
package cittadino

import (
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/mail"
)

// Address is where a citizen lives.
type Address struct {
	Street     string `json:"street"`     // street and number, e.g. "Via Roma 1"
	PostalCode string `json:"postalCode"` // CAP, five digits
	City       string `json:"city"`
	Province   string `json:"province"` // two-letter code, e.g. "TO"
}

// Account is one citizen.
type Account struct {
	// Identity data, asserted by SPID or CIE at each sign-in.
	FiscalCode   string `json:"fiscalCode"`             // upper case, without SPID's "TINIT-" prefix
	Name         string `json:"name"`                   // given name
	FamilyName   string `json:"familyName"`             // surname
	DateOfBirth  string `json:"dateOfBirth,omitempty"`  // YYYY-MM-DD
	PlaceOfBirth string `json:"placeOfBirth,omitempty"` // as asserted (SPID gives the cadastral code)
	Gender       string `json:"gender,omitempty"`       // "M" or "F"

	// Contact data, entered by the citizen.
	Email         string `json:"email,omitempty"`
	EmailVerified bool   `json:"emailVerified"`
	// SuggestedEmail is an address the identity provider asserted that
	// differs from Email: the citizen may adopt it, and then verify it.
	SuggestedEmail string  `json:"suggestedEmail,omitempty"`
	Mobile         string  `json:"mobile,omitempty"` // E.164, e.g. "+393331234567"
	Address        Address `json:"address"`

	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// The names Missing reports, as the fields are named in JSON.
const (
	FieldEmail         = "email"
	FieldEmailVerified = "emailVerified"
	FieldStreet        = "address.street"
	FieldPostalCode    = "address.postalCode"
	FieldCity          = "address.city"
	FieldProvince      = "address.province"
)

// Missing lists what the profile lacks to be complete, in the order of the
// form: the email (or its verification) and each part of the address.
func (a Account) Missing() []string {
	var m []string
	switch {
	case a.Email == "":
		m = append(m, FieldEmail)
	case !a.EmailVerified:
		m = append(m, FieldEmailVerified)
	}
	for _, f := range []struct{ name, value string }{
		{FieldStreet, a.Address.Street}, {FieldPostalCode, a.Address.PostalCode},
		{FieldCity, a.Address.City}, {FieldProvince, a.Address.Province},
	} {
		if f.value == "" {
			m = append(m, f.name)
		}
	}
	return m
}

// Complete reports whether the profile has everything a service needs.
func (a Account) Complete() bool { return len(a.Missing()) == 0 }

// Identity is what an identity provider asserts about a citizen at sign-in.
// CIE asserts only the fiscal code, name, family name and date of birth;
// fields left empty keep the account's previous value.
type Identity struct {
	FiscalCode   string // with or without the "TINIT-" prefix
	Name         string
	FamilyName   string
	DateOfBirth  string // YYYY-MM-DD
	PlaceOfBirth string
	Gender       string // "M" or "F"
	Email        string
}

// Limits of the fields, in characters. Names and streets longer than these
// are not names or streets; they keep a profile well inside one item.
const (
	maxName   = 100
	maxPlace  = 100
	maxStreet = 100
	maxCity   = 60
	maxMobile = 32 // as typed, with spaces
)

// fiscalCode is the shape of a person's fiscal code, letters standing for
// digits included (omocodia). The check character is not verified: test
// identities of identity providers do not always carry a correct one.
var fiscalCode = regexp.MustCompile(`^[A-Z]{6}[0-9LMNPQRSTUV]{2}[A-EHLMPR-T][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]$`)

// NormalizeFiscalCode returns the fiscal code in an assertion as accounts
// keep it (upper case, without "TINIT-"), or an Invalid error.
func NormalizeFiscalCode(s string) (string, error) {
	cf := strings.ToUpper(strings.TrimSpace(s))
	cf = strings.TrimPrefix(cf, "TINIT-")
	if !fiscalCode.MatchString(cf) {
		return "", fault.New(fault.Invalid, "Il codice fiscale non è valido.")
	}
	return cf, nil
}

// normalize checks an assertion and puts it in the form accounts keep.
func (id Identity) normalize() (Identity, error) {
	cf, err := NormalizeFiscalCode(id.FiscalCode)
	if err != nil {
		return Identity{}, err
	}
	out := Identity{
		FiscalCode:   cf,
		Name:         strings.TrimSpace(id.Name),
		FamilyName:   strings.TrimSpace(id.FamilyName),
		DateOfBirth:  strings.TrimSpace(id.DateOfBirth),
		PlaceOfBirth: strings.TrimSpace(id.PlaceOfBirth),
		Gender:       strings.ToUpper(strings.TrimSpace(id.Gender)),
	}
	if out.Name == "" || out.FamilyName == "" {
		return Identity{}, fault.New(fault.Invalid, "L'identità ricevuta non contiene nome e cognome.")
	}
	if !plain(out.Name, maxName) || !plain(out.FamilyName, maxName) {
		return Identity{}, fault.New(fault.Invalid, "Il nome o il cognome ricevuto non è valido.")
	}
	if !plain(out.PlaceOfBirth, maxPlace) {
		return Identity{}, fault.New(fault.Invalid, "Il luogo di nascita ricevuto non è valido.")
	}
	if out.DateOfBirth != "" {
		if _, err := time.Parse(time.DateOnly, out.DateOfBirth); err != nil {
			return Identity{}, fault.New(fault.Invalid, "La data di nascita ricevuta non è valida.")
		}
	}
	if out.Gender != "" && out.Gender != "M" && out.Gender != "F" {
		return Identity{}, fault.New(fault.Invalid, "Il sesso ricevuto non è valido.")
	}
	// A malformed email from the identity provider does not stop the
	// sign-in: it is only a suggestion, so it is dropped.
	if email, err := normalizeEmail(id.Email); err == nil {
		out.Email = email
	}
	return out, nil
}

// plain reports whether s is at most max characters of valid UTF-8
// without control characters (line breaks included: none of the fields it
// checks has lines).
func plain(s string, max int) bool {
	return utf8.RuneCountInString(s) <= max && utf8.ValidString(s) && !strings.ContainsFunc(s, unicode.IsControl)
}

// normalizeEmail returns an address in lower case, as accounts keep it, or
// an Invalid error. Providers treat addresses without regard to case, and
// one form makes comparisons simple.
func normalizeEmail(s string) (string, error) {
	email := strings.ToLower(strings.TrimSpace(s))
	if err := mail.CheckAddress(email); err != nil {
		return "", err
	}
	return email, nil
}

var (
	e164          = regexp.MustCompile(`^\+[1-9][0-9]{7,14}$`)
	italianMobile = regexp.MustCompile(`^\+393[0-9]{8,9}$`)
)

// normalizeMobile returns a mobile number in E.164. It takes the forms
// people type: "333 123 4567", "+39 333-1234567", "0039 3331234567"; a
// number without a country code is Italian. An Italian number must be a
// mobile one (they start with 3), since it is meant for text messages.
func normalizeMobile(s string) (string, error) {
	if utf8.RuneCountInString(s) > maxMobile {
		return "", fault.New(fault.Invalid, "Il numero di cellulare può avere al massimo %d caratteri.", maxMobile)
	}
	n := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '.', '/', '(', ')':
			return -1
		}
		return r
	}, strings.TrimSpace(s))
	switch {
	case strings.HasPrefix(n, "00"):
		n = "+" + n[2:]
	case !strings.HasPrefix(n, "+"):
		n = "+39" + n
	}
	if !e164.MatchString(n) || (strings.HasPrefix(n, "+39") && !italianMobile.MatchString(n)) {
		return "", fault.New(fault.Invalid, "Il numero di cellulare %q non è valido: scrivilo nella forma +39 333 1234567.", s)
	}
	return n, nil
}

var (
	postalCode = regexp.MustCompile(`^[0-9]{5}$`)
	province   = regexp.MustCompile(`^[A-Z]{2}$`)
)

// normalize checks an address and trims it; the province is kept in upper
// case.
func (a Address) normalize() (Address, error) {
	out := Address{
		Street:     strings.TrimSpace(a.Street),
		PostalCode: strings.TrimSpace(a.PostalCode),
		City:       strings.TrimSpace(a.City),
		Province:   strings.ToUpper(strings.TrimSpace(a.Province)),
	}
	switch {
	case out.Street == "":
		return Address{}, fault.New(fault.Invalid, "L'indirizzo di residenza (via e numero civico) è obbligatorio.")
	case out.City == "":
		return Address{}, fault.New(fault.Invalid, "Il Comune di residenza è obbligatorio.")
	}
	if !plain(out.Street, maxStreet) {
		return Address{}, fault.New(fault.Invalid, "L'indirizzo di residenza può avere al massimo %d caratteri, senza a capo.", maxStreet)
	}
	if !plain(out.City, maxCity) {
		return Address{}, fault.New(fault.Invalid, "Il nome del Comune di residenza può avere al massimo %d caratteri, senza a capo.", maxCity)
	}
	if !postalCode.MatchString(out.PostalCode) {
		return Address{}, fault.New(fault.Invalid, "Il CAP deve essere di 5 cifre.")
	}
	if !province.MatchString(out.Province) {
		return Address{}, fault.New(fault.Invalid, "La sigla della provincia deve essere di 2 lettere (ad esempio TO).")
	}
	return out, nil
}
