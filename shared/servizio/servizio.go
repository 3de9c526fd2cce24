// Package servizio holds a Comune's catalogue of online services and their
// categories, as the public sees them: service sheets that say what a service
// is for, who may apply, what is needed, what it costs and which level of
// authentication it requires.
//
// Each service also has a Definition: the Form.io form a citizen fills, in
// steps, and the rules of its applications (drafts, attachments,
// instructions, protocol registration). Forms include reusable blocks, such
// as the personal-data ones, from the Comune's form Library. Both are
// checked with package formio when saved, so a form that is stored can
// always be used to validate submissions.
package servizio

import (
	"regexp"
	"time"

	"github.com/stanzaportal/stanza/shared/auth"
	"github.com/stanzaportal/stanza/shared/fault"
)

// Category groups services on the catalogue page (e.g. "Istruzione").
type Category struct {
	Slug        string `json:"slug"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Order       int    `json:"order"` // position on the catalogue page, ascending
}

// AuthLevel is the minimum strength of sign-in a service requires.
type AuthLevel = auth.Level

// Authentication levels, as package auth defines them.
const (
	SpidL1 = auth.SpidL1
	SpidL2 = auth.SpidL2
	SpidL3 = auth.SpidL3
	CIE    = auth.CIE
)

// Status says whether a service is visible to the public.
type Status string

const (
	Published Status = "published"
	Draft     Status = "draft"
)

// Cost is what a service costs the citizen. Amount is in euro cents. A
// service that is not free and has no amount costs a variable sum, which
// Description explains (e.g. a fee per square metre).
type Cost struct {
	Free          bool   `json:"free"`
	AmountCents   int64  `json:"amountCents,omitempty"`
	Description   string `json:"description"`             // how the amount is made up, in plain words
	PaymentNotice string `json:"paymentNotice,omitempty"` // how and when to pay (e.g. a pagoPA notice)
}

// Service is a service sheet.
type Service struct {
	Slug           string    `json:"slug"`
	Title          string    `json:"title"`
	Category       string    `json:"category"`     // Category.Slug
	Summary        string    `json:"summary"`      // one sentence, shown in lists
	Description    string    `json:"description"`  // what the service is for
	Audience       string    `json:"audience"`     // who may apply
	Requirements   []string  `json:"requirements"` // what is needed to apply
	Cost           Cost      `json:"cost"`
	AuthLevel      AuthLevel `json:"authLevel"`
	ProcessingDays int       `json:"processingDays,omitempty"` // maximum days to conclude, by law or regulation
	Office         string    `json:"office,omitempty"`         // the office in charge
	Keywords       []string  `json:"keywords,omitempty"`       // extra words for search
	Status         Status    `json:"status"`
	UpdatedAt      time.Time `json:"updatedAt"`
}

var slug = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$`)

// Validate checks a category before it is stored.
func (c Category) Validate() error {
	switch {
	case !slug.MatchString(c.Slug):
		return fault.New(fault.Invalid, "L'identificativo della categoria %q non è valido.", c.Slug)
	case c.Name == "":
		return fault.New(fault.Invalid, "Il nome della categoria è obbligatorio.")
	case c.Order < 0 || c.Order > 9999:
		return fault.New(fault.Invalid, "L'ordine della categoria deve essere tra 0 e 9999.")
	}
	return nil
}

// Validate checks a service before it is stored.
func (s Service) Validate() error {
	switch {
	case !slug.MatchString(s.Slug):
		return fault.New(fault.Invalid, "L'identificativo del servizio %q non è valido.", s.Slug)
	case s.Title == "":
		return fault.New(fault.Invalid, "Il titolo del servizio è obbligatorio.")
	case !slug.MatchString(s.Category):
		return fault.New(fault.Invalid, "Il servizio deve appartenere a una categoria.")
	case s.Summary == "" || s.Description == "" || s.Audience == "":
		return fault.New(fault.Invalid, "Sintesi, descrizione e destinatari del servizio sono obbligatori.")
	case s.Cost.Free && s.Cost.AmountCents != 0:
		return fault.New(fault.Invalid, "Un servizio gratuito non può avere un costo.")
	case !s.Cost.Free && s.Cost.Description == "":
		return fault.New(fault.Invalid, "Descrivere il costo del servizio.")
	case s.Cost.AmountCents < 0:
		return fault.New(fault.Invalid, "Il costo del servizio non può essere negativo.")
	case s.ProcessingDays < 0:
		return fault.New(fault.Invalid, "I giorni di conclusione non possono essere negativi.")
	}
	if !s.AuthLevel.Valid() {
		return fault.New(fault.Invalid, "Il livello di autenticazione %q non è valido.", s.AuthLevel)
	}
	switch s.Status {
	case Published, Draft:
	default:
		return fault.New(fault.Invalid, "Lo stato del servizio %q non è valido.", s.Status)
	}
	return nil
}
