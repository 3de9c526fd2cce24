// Package mail is Stanza's port for sending email: the verification link of
// a citizen's address, and later the notices of applications. An adapter
// delivers (sesmail through Amazon SES, localmail into a mailbox the local
// server shows); code outside the adapters uses the Mailer type, which checks
// every message and keeps a message from being sent twice.
//
// # Idempotence
//
// A message's ID names it for good: sending the same ID again delivers
// nothing and succeeds. Events come from an at-least-once change feed, so the
// same notice can be asked for twice; the Mailer records each ID in the store
// (global scope, PK "mail#<id>") before delivering. When delivery fails the
// record is removed, so that a retry sends; a crash between the two loses the
// message rather than sending it twice.
//
// # Header injection
//
// Recipient and subject end up in message headers. A line break in either
// would let input add headers (Bcc, say), so the Mailer refuses any control
// character there instead of trusting each adapter's encoding.
package mail

import (
	"context"
	"encoding/json"
	"errors"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/store"
)

// Message is one email to one recipient.
type Message struct {
	// ID names the message for idempotence, e.g. "email-verification/<fiscal
	// code>/<time>": letters, digits and . _ - : / #, at most MaxIDBytes.
	ID string `json:"id"`
	// Tenant is the Comune the message is about; "" for the portal's own.
	Tenant  string `json:"tenant,omitempty"`
	To      string `json:"to"` // one bare address, e.g. "mario.rossi@example.org"
	Subject string `json:"subject"`
	Text    string `json:"text"`           // the plain-text version, always present
	HTML    string `json:"html,omitempty"` // the HTML version, when there is one
}

// Limits of a message. The body limit keeps a message well inside SES's and
// inside one item of the local mailbox.
const (
	MaxIDBytes      = 200
	MaxSubjectRunes = 250
	MaxBodyBytes    = 256 * 1024 // Text and HTML together
	maxAddressBytes = 254        // RFC 5321's limit on a path
)

// Sender is the port every mail adapter implements. Adapters are dumb: the
// Mailer has checked the message (a valid bare address, a subject and a text
// without control characters where they matter, sizes within the limits) and
// ensures each ID reaches the adapter once, so an adapter only delivers.
type Sender interface {
	// Send delivers m, with both its text and its HTML version when HTML is
	// set. An error means the message may not have been delivered.
	Send(ctx context.Context, m Message) error
}

// Mailer sends email through a Sender.
type Mailer struct {
	sender Sender
	db     *store.DB
}

// New returns a Mailer over sender that records sent IDs in db.
func New(sender Sender, db *store.DB) *Mailer { return &Mailer{sender: sender, db: db} }

// sentFor is how long an ID is remembered: longer than any redelivery of
// the change feed (7 days) and any retry of a request.
const sentFor = 30 * 24 * time.Hour

func sentKey(id string) store.Key { return store.Key{PK: "mail#" + id, SK: "sent"} }

// Send checks m and delivers it unless a message with its ID was sent
// already. A message that breaks a rule is an Invalid error (TooLarge for
// the size).
func (ml *Mailer) Send(ctx context.Context, m Message) error {
	if err := m.check(); err != nil {
		return err
	}
	data, err := json.Marshal(struct {
		Tenant string    `json:"tenant,omitempty"`
		At     time.Time `json:"at"`
	}{m.Tenant, time.Now().UTC()})
	if err != nil {
		return err
	}
	g := ml.db.Global()
	_, err = g.Put(ctx, store.Item{Key: sentKey(m.ID), Data: data, Expires: time.Now().Add(sentFor)}, store.IfAbsent)
	if fault.Is(err, fault.Conflict) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := ml.sender.Send(ctx, m); err != nil {
		// Forget the ID so that a retry sends. The sender's error comes
		// first, so that its code (a throttled provider, say) is the one
		// reported.
		return errors.Join(err, g.Delete(context.WithoutCancel(ctx), sentKey(m.ID), store.Condition{}))
	}
	return nil
}

var validID = regexp.MustCompile(`^[A-Za-z0-9._:/#-]+$`)

func (m Message) check() error {
	switch {
	case m.ID == "" || len(m.ID) > MaxIDBytes || !validID.MatchString(m.ID):
		return fault.New(fault.Invalid, "mail: the message id %q is not valid", m.ID)
	case m.Tenant != "" && !store.ValidTenant(m.Tenant):
		return fault.New(fault.Invalid, "mail: the tenant %q is not valid", m.Tenant)
	}
	if err := CheckAddress(m.To); err != nil {
		return err
	}
	switch {
	case strings.TrimSpace(m.Subject) == "":
		return fault.New(fault.Invalid, "mail: the subject is empty")
	case utf8.RuneCountInString(m.Subject) > MaxSubjectRunes:
		return fault.New(fault.Invalid, "mail: the subject is longer than %d characters", MaxSubjectRunes)
	case !utf8.ValidString(m.Subject) || strings.ContainsFunc(m.Subject, unicode.IsControl):
		return fault.New(fault.Invalid, "mail: the subject contains control characters")
	case strings.TrimSpace(m.Text) == "":
		return fault.New(fault.Invalid, "mail: the text version is empty")
	case !utf8.ValidString(m.Text) || !utf8.ValidString(m.HTML):
		return fault.New(fault.Invalid, "mail: the body is not valid UTF-8")
	case len(m.Text)+len(m.HTML) > MaxBodyBytes:
		return fault.New(fault.TooLarge, "mail: the body is over %d bytes", MaxBodyBytes)
	}
	return nil
}

// localPart and domain are what a person's mailbox address looks like in
// practice: the characters of RFC 5322's dot-atom for the local part (no
// quoted strings, which no Italian provider hands out and which are a
// classic vehicle for injection) and a domain name with at least one dot.
var (
	localPart = regexp.MustCompile("^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
	domain    = regexp.MustCompile(`^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$`)
)

// CheckAddress returns nil when addr is one bare email address (no display
// name, no comments, no line breaks), and otherwise an Invalid error with a
// message for the person who typed it.
func CheckAddress(addr string) error {
	if addr == "" {
		return fault.New(fault.Invalid, "L'indirizzo email è obbligatorio.")
	}
	if len(addr) > maxAddressBytes {
		return fault.New(fault.Invalid, "L'indirizzo email può avere al massimo %d caratteri.", maxAddressBytes)
	}
	bad := fault.New(fault.Invalid, "L'indirizzo email %q non è valido: scrivilo nella forma nome@dominio.it.", addr)
	local, host, ok := strings.Cut(addr, "@")
	if !ok || len(local) > 64 || !localPart.MatchString(local) || !domain.MatchString(host) {
		return bad
	}
	// net/mail agreeing is a second opinion from the parser SES's headers
	// will be read with.
	if parsed, err := mail.ParseAddress(addr); err != nil || parsed.Address != addr || parsed.Name != "" {
		return bad
	}
	return nil
}
