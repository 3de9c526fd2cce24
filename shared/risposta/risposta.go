// Package risposta issues the Comune's response to a concluded application
// (the provvedimento): when an application is accepted or rejected, a
// change-feed handler renders a PDF with the outcome, the motivation, the
// date and the protocol numbers of the application and of the response
// itself, registers it in the Comune's protocol, keeps it in the archive
// and records where, for the citizen to download.
//
// # Repeating is harmless
//
// The handler follows seguito's rules (see that package): the content of
// the response is frozen in its record the first time, so every rendering
// states the same thing; the protocol request id is "<application
// id>/response", which the register answers with the number it gave the
// first time; the PDF is stored under a key derived from the application
// id; and a record that names its PDF is done.
//
// # Digest
//
// As for the receipt, the digest is the SHA-256 of the canonical JSON of
// the frozen Content, without the response's own protocol number: the
// register records it before the number exists, and the document prints
// it.
package risposta

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/i18n"
	"github.com/stanzaportal/stanza/shared/pratica"
	"github.com/stanzaportal/stanza/shared/ricevuta"
	"github.com/stanzaportal/stanza/shared/store"
)

// Content is what a response states.
type Content struct {
	Comune        string             `json:"comune"`  // as printed: "Comune di Bugliano"
	Service       string             `json:"service"` // the service's title
	ApplicationID string             `json:"applicationId"`
	Applicant     ricevuta.Applicant `json:"applicant"`
	SubmittedAt   time.Time          `json:"submittedAt"`
	// ApplicationProtocol is the application's protocol number, "" for a
	// service without registration.
	ApplicationProtocol string         `json:"applicationProtocol,omitempty"`
	Outcome             pratica.Status `json:"outcome"` // Accepted or Rejected
	Motivation          string         `json:"motivation,omitempty"`
	DecidedAt           time.Time      `json:"decidedAt"`
	// File is the document the operator attached to the decision, if any.
	File *FileRef `json:"file,omitempty"`
	// Protocol is the response's own protocol number, "" before or without
	// the registration; ProtocolAt is when it was given. Neither is part of
	// the digest.
	Protocol   string    `json:"-"`
	ProtocolAt time.Time `json:"-"`
}

// FileRef names a response file in the response: enough for the citizen
// to tell that the file they download is the one the Comune issued.
type FileRef struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
}

// Rendered is a rendered response.
type Rendered struct {
	PDF    []byte
	Digest string // SHA-256 of the Content, lower-case hex
}

// Render checks c and renders its response. The content comes from stored
// records, so a failed check is a bug: the messages are internal.
func Render(c Content) (Rendered, error) {
	if err := c.check(); err != nil {
		return Rendered{}, err
	}
	digest, err := c.digest()
	if err != nil {
		return Rendered{}, err
	}
	pdf, err := c.render(digest)
	if err != nil {
		return Rendered{}, err
	}
	return Rendered{PDF: pdf, Digest: digest}, nil
}

func (c Content) check() error {
	switch {
	case strings.TrimSpace(c.Comune) == "" || strings.TrimSpace(c.Service) == "":
		return fault.New(fault.Invalid, "risposta: the Comune and the service are required")
	case strings.TrimSpace(c.ApplicationID) == "":
		return fault.New(fault.Invalid, "risposta: the application id is required")
	case c.SubmittedAt.IsZero() || c.DecidedAt.IsZero():
		return fault.New(fault.Invalid, "risposta: the submission and decision times are required")
	case strings.TrimSpace(c.Applicant.Name) == "" || strings.TrimSpace(c.Applicant.FiscalCode) == "":
		return fault.New(fault.Invalid, "risposta: the applicant's name and fiscal code are required")
	case c.Outcome != pratica.Accepted && c.Outcome != pratica.Rejected:
		return fault.New(fault.Invalid, "risposta: the outcome %d is not a decision", int(c.Outcome))
	}
	return nil
}

func (c Content) digest() (string, error) {
	c.SubmittedAt, c.DecidedAt = c.SubmittedAt.UTC(), c.DecidedAt.UTC()
	b, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// outcomes are the sentences that state each decision.
var outcomes = map[pratica.Status]string{
	pratica.Accepted: "La domanda è accolta.",
	pratica.Rejected: "La domanda è respinta.",
}

func (c Content) render(digest string) ([]byte, error) {
	rows := [][2]string{
		{"Numero della pratica", c.ApplicationID},
		{"Presentata il", ricevuta.LongTime(c.SubmittedAt)},
	}
	if c.ApplicationProtocol != "" {
		rows = append(rows, [2]string{"Protocollo della domanda", c.ApplicationProtocol})
	}
	if c.Protocol != "" {
		rows = append(rows, [2]string{"Protocollo della risposta", c.Protocol + " del " + i18n.ShortDate(c.ProtocolAt)})
	}
	rows = append(rows, [2]string{"Data della risposta", ricevuta.LongTime(c.DecidedAt)})
	d := ricevuta.NewDocument(ricevuta.Heading{
		Comune: c.Comune,
		Kind:   "Risposta alla domanda · provvedimento",
		Title:  c.Service,
		At:     c.DecidedAt,
		Footer: "Risposta alla pratica " + c.ApplicationID + " · impronta " + digest[:16] + "…",
	}, rows)
	d.Section("Destinatario")
	d.Row("Nome e cognome", c.Applicant.Name)
	d.Row("Codice fiscale", c.Applicant.FiscalCode)
	d.Section("Esito")
	d.Paragraph(outcomes[c.Outcome])
	d.Section("Motivazione")
	if strings.TrimSpace(c.Motivation) == "" {
		d.Note("Nessuna motivazione indicata.")
	} else {
		d.Paragraph(c.Motivation)
	}
	if c.File != nil {
		d.Section("Documento allegato")
		d.Row("Nome del file", c.File.Name)
		d.Note("Impronta SHA-256 del file:")
		d.Mono(c.File.SHA256)
	}
	d.Section("Impronta del documento")
	d.Note("Impronta SHA-256 del contenuto di questa risposta, registrata nel protocollo del Comune insieme al suo numero.")
	d.Mono(digest)
	return d.PDF()
}

// Record is the record of an application's response, in the Comune's
// scope beside the application: PK "application#<id>", SK "response". It
// is its own item, as seguito's receipt record is, so that writing it
// neither races with the application's transitions nor wakes every
// handler again.
type Record struct {
	Content Content `json:"content"`
	Digest  string  `json:"digest"`
	// Key is the response's object in the archive bucket, once stored.
	Key        string    `json:"key,omitempty"`
	Protocol   string    `json:"protocol,omitempty"`
	ProtocolAt time.Time `json:"protocolAt,omitzero"`

	version int64
}

func recordKey(id string) store.Key { return store.Key{PK: "application#" + id, SK: "response"} }

// ArchiveKey is where the response to application id of tenant is kept in
// the archive bucket.
func ArchiveKey(tenant, id string) string {
	return "t/" + tenant + "/applications/" + id + "/response.pdf"
}

// Of returns the response record of application id, or a NotFound error
// before the worker has made it. Callers check first that the asker may
// see the application.
func Of(ctx context.Context, db *store.DB, tenant, id string) (Record, error) {
	it, err := db.Tenant(tenant).Get(ctx, recordKey(id))
	if err != nil {
		return Record{}, err
	}
	var r Record
	if err := json.Unmarshal(it.Data, &r); err != nil {
		return Record{}, fault.Wrap(err, fault.Internal, "risposta: the response of %s is unreadable", id)
	}
	r.version = it.Version
	return r, nil
}

// decision is the history entry that concluded a: the last one into its
// status.
func decision(a pratica.Application) (pratica.Entry, bool) {
	for i := len(a.History) - 1; i >= 0; i-- {
		if e := a.History[i]; e.To == a.Status {
			return e, true
		}
	}
	return pratica.Entry{}, false
}
