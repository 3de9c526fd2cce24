// Package protocollo is Stanza's port to a Comune's protocol register (the
// registro di protocollo): every application, every integration and every
// response the Comune sends must carry a protocol number, unique and
// sequential per Comune and year, written "2026/0000123".
//
// A Registry adapts one register: localprotocollo keeps the register in the
// store, for a Comune without an external protocol system and for the local
// host; an adapter for an external system speaks its API. Every adapter passes
// the conformance suite in protocollotest.
//
// # Idempotence
//
// The change-feed worker registers documents, and the feed delivers at least
// once; a reply can also be lost after the register has acted. So each
// Request carries an ID that names the registration for good: registering the
// same ID again returns the same number, never a second one. The worker
// derives the ID from what it registers (the application, the kind, the round
// of integration), so a redelivered change asks for the registration it
// already has.
//
// # Errors
//
// An error is retryable when Retryable reports so: the register could not
// answer now (unreachable, busy, its store failed) and the same request may
// succeed later. WithRetry retries those with backoff. Any other error is
// permanent: an invalid request (fault.Invalid), an ID reused for another
// document (fault.Conflict), a full register.
package protocollo

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/i18n"
	"github.com/stanzaportal/stanza/shared/store"
)

// Kind says what is registered, and so the direction of the document.
type Kind string

// The kinds of registration.
const (
	Application Kind = "application" // incoming: a citizen's application
	Integration Kind = "integration" // incoming: documents a citizen adds on request
	Response    Kind = "response"    // outgoing: the Comune's response
)

// Request asks for one registration.
type Request struct {
	// ID names the registration for idempotence, e.g.
	// "01JD4.../application": letters, digits and . _ - : / #, at most
	// MaxIDBytes.
	ID     string
	Tenant string // the Comune whose register numbers the document
	// Year of the register; 0 means the current year in Europe/Rome at the
	// first registration of ID.
	Year      int
	Kind      Kind
	Subject   string // the oggetto of the register entry
	Applicant string // who sends (incoming) or receives (outgoing): name and fiscal code
	// DocumentDigest is the SHA-256 of the registered document, in lower-case
	// hex: the register vouches for that document and no other.
	DocumentDigest string
}

// Registration is a protocol number given to a document.
type Registration struct {
	Number string    // "YYYY/NNNNNNN"
	At     time.Time // when the register gave the number
}

// Registry is the port every protocol register implements.
type Registry interface {
	// Register gives req's document a protocol number, or returns the
	// Registration already given to req.ID, unchanged, however many times
	// and however concurrently it is asked. Two IDs never get the same
	// number. Numbers follow each other per Comune and year; a number may be
	// skipped (a crash, a lost race), never given twice.
	//
	// It returns a fault.Invalid error, not retryable, when req.Validate
	// fails; a fault.Conflict error, not retryable, when req.ID was
	// registered for another document digest; and an error for which
	// Retryable is true when the register could not answer now.
	Register(ctx context.Context, req Request) (Registration, error)
}

// Limits of a request.
const (
	MaxIDBytes   = 200
	MaxTextRunes = 500 // Subject and Applicant
	MaxSeq       = 9_999_999
)

var (
	validID     = regexp.MustCompile(`^[A-Za-z0-9._:/#-]+$`)
	validDigest = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// Validate checks req. The worker builds requests from stored records, so a
// failure is a bug and the messages are internal.
func (req Request) Validate() error {
	switch {
	case req.ID == "" || len(req.ID) > MaxIDBytes || !validID.MatchString(req.ID):
		return fault.New(fault.Invalid, "protocollo: the request id %q is not valid", req.ID)
	case !store.ValidTenant(req.Tenant):
		return fault.New(fault.Invalid, "protocollo: the tenant %q is not valid", req.Tenant)
	case req.Year != 0 && (req.Year < 2000 || req.Year > 9999):
		return fault.New(fault.Invalid, "protocollo: the year %d is out of range", req.Year)
	case req.Kind != Application && req.Kind != Integration && req.Kind != Response:
		return fault.New(fault.Invalid, "protocollo: unknown kind %q", req.Kind)
	case !validDigest.MatchString(req.DocumentDigest):
		return fault.New(fault.Invalid, "protocollo: the document digest is not a lower-case hex SHA-256")
	}
	if !validText(req.Subject) {
		return fault.New(fault.Invalid, "protocollo: the subject must be 1 to %d characters, without control characters", MaxTextRunes)
	}
	if !validText(req.Applicant) {
		return fault.New(fault.Invalid, "protocollo: the applicant must be 1 to %d characters, without control characters", MaxTextRunes)
	}
	return nil
}

func validText(s string) bool {
	return strings.TrimSpace(s) != "" && utf8.ValidString(s) && utf8.RuneCountInString(s) <= MaxTextRunes &&
		!strings.ContainsFunc(s, unicode.IsControl)
}

// YearAt returns req.Year, or the year of now in Europe/Rome when req.Year is 0.
func (req Request) YearAt(now time.Time) int {
	if req.Year != 0 {
		return req.Year
	}
	return now.In(i18n.Rome).Year()
}

// FormatNumber writes the seq-th number of year's register, "2026/0000123".
func FormatNumber(year int, seq int64) (string, error) {
	if seq < 1 || seq > MaxSeq {
		return "", fault.New(fault.Internal, "protocollo: the register of %d is full", year)
	}
	return fmt.Sprintf("%04d/%07d", year, seq), nil
}

// unavailable marks an error as temporary.
type unavailable struct{ err error }

func (u *unavailable) Error() string { return "protocollo: register unavailable: " + u.err.Error() }
func (u *unavailable) Unwrap() error { return u.err }

// Unavailable marks err as retryable: the register could not answer now.
// Adapters wrap their transport and backend errors with it.
func Unavailable(err error) error {
	if err == nil {
		return nil
	}
	return &unavailable{err}
}

// Retryable reports whether err, from Register, may go away on a retry of
// the same request.
func Retryable(err error) bool {
	var u *unavailable
	return errors.As(err, &u)
}
