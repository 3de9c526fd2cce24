// Package ricevuta renders the receipt of a submitted application, the
// "modulo compilato": a PDF stating the Comune, the service, the applicant,
// every answer, the attachments with their SHA-256, the submission time, the
// application's id, its protocol number when it has one, and a digest of the
// whole submission.
//
// # Digest
//
// The digest is the SHA-256, in hex, of the canonical JSON of the
// Submission: the frozen form data with its keys sorted and no insignificant
// whitespace, the answers as printed, the attachments with their digests and
// the ids. The protocol number is left out, so that the receipt rendered
// before registration and the one rendered after state the same digest,
// which is the one the protocol register records. The digest is printed on
// the document and returned with it.
//
// # Determinism
//
// The same Submission gives the same bytes: the PDF's dates come from the
// submission time, the fonts are compiled in (the Go fonts, of
// golang.org/x/image), and nothing depends on the clock or the host. So the
// SHA-256 of the PDF itself can be checked again at any time by rendering
// the stored submission anew.
package ricevuta

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"regexp"
	"strings"
	"time"

	"github.com/stanzaportal/stanza/shared/fault"
)

// Submission is what a receipt states. The caller prepares Answers from the
// form (labels in the form's order, values as the citizen sees them).
type Submission struct {
	Comune        string          `json:"comune"`  // as printed: "Comune di Bugliano"
	Service       string          `json:"service"` // the service's title
	ApplicationID string          `json:"applicationId"`
	SubmittedAt   time.Time       `json:"submittedAt"`
	Applicant     Applicant       `json:"applicant"`
	Data          json.RawMessage `json:"data"` // the frozen form data, a JSON object
	Answers       []Answer        `json:"answers"`
	Attachments   []Attachment    `json:"attachments"`
	// Protocol is the protocol number ("2026/0000123"), "" before the
	// registration; ProtocolAt is when it was given. Neither is part of the
	// digest.
	Protocol   string    `json:"-"`
	ProtocolAt time.Time `json:"-"`
}

// Applicant is the citizen who submitted.
type Applicant struct {
	Name       string `json:"name"`
	FiscalCode string `json:"fiscalCode"`
}

// Answer is one answer, or with Group a section of answers (a panel, a row
// of a repeating group), printed indented under Label.
type Answer struct {
	Label string   `json:"label"`
	Value string   `json:"value,omitempty"`
	Group []Answer `json:"group,omitempty"`
}

// Attachment is one file of the submission.
type Attachment struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"` // lower-case hex
}

// Receipt is a rendered receipt.
type Receipt struct {
	PDF    []byte
	Digest string // SHA-256 of the submission, lower-case hex
}

// MaxDepth bounds the nesting of Answer groups; forms nest a few levels.
const MaxDepth = 8

var validSHA256 = regexp.MustCompile(`^[0-9a-f]{64}$`)

// Render checks s and renders its receipt. The submission comes from stored
// records, so a failed check is a bug: the messages are internal.
func Render(s Submission) (Receipt, error) {
	if err := s.check(); err != nil {
		return Receipt{}, err
	}
	digest, err := s.digest()
	if err != nil {
		return Receipt{}, err
	}
	pdf, err := render(s, digest)
	if err != nil {
		return Receipt{}, err
	}
	return Receipt{PDF: pdf, Digest: digest}, nil
}

func (s Submission) check() error {
	switch {
	case strings.TrimSpace(s.Comune) == "" || strings.TrimSpace(s.Service) == "":
		return fault.New(fault.Invalid, "ricevuta: the Comune and the service are required")
	case strings.TrimSpace(s.ApplicationID) == "":
		return fault.New(fault.Invalid, "ricevuta: the application id is required")
	case s.SubmittedAt.IsZero():
		return fault.New(fault.Invalid, "ricevuta: the submission time is required")
	case strings.TrimSpace(s.Applicant.Name) == "" || strings.TrimSpace(s.Applicant.FiscalCode) == "":
		return fault.New(fault.Invalid, "ricevuta: the applicant's name and fiscal code are required")
	case !json.Valid(s.Data) || bytes.TrimSpace(s.Data)[0] != '{':
		return fault.New(fault.Invalid, "ricevuta: the form data must be a JSON object")
	case depth(s.Answers) > MaxDepth:
		return fault.New(fault.Invalid, "ricevuta: the answers nest deeper than %d levels", MaxDepth)
	}
	for _, a := range s.Attachments {
		if strings.TrimSpace(a.Name) == "" || !validSHA256.MatchString(a.SHA256) || a.Size < 0 {
			return fault.New(fault.Invalid, "ricevuta: the attachment %q needs a name, a size and a lower-case hex SHA-256", a.ID)
		}
	}
	return nil
}

func depth(answers []Answer) int {
	d := 0
	for _, a := range answers {
		if len(a.Group) > 0 {
			d = max(d, 1+depth(a.Group))
		}
	}
	return d
}

// digest returns the SHA-256 of the canonical JSON of s.
func (s Submission) digest() (string, error) {
	// Decoding into any and encoding again sorts object keys and drops
	// whitespace; UseNumber keeps each number's text, so that 1.10 and 1.1
	// stay different submissions.
	dec := json.NewDecoder(bytes.NewReader(s.Data))
	dec.UseNumber()
	var data any
	if err := dec.Decode(&data); err != nil {
		return "", fault.Wrap(err, fault.Invalid, "ricevuta: the form data must be a JSON object")
	}
	canonical, err := json.Marshal(data)
	if err != nil {
		return "", err
	}
	s.Data = canonical
	s.SubmittedAt = s.SubmittedAt.UTC()
	b, err := json.Marshal(s)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}
