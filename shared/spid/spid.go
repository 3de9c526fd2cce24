// Package spid is Stanza's SAML 2.0 service provider for SPID and CIE
// ("Entra con CIE"): it publishes the signed metadata, writes signed
// AuthnRequests and LogoutRequests, keeps the registry of identity providers
// read from their metadata, and validates the Responses they send back.
//
// It builds on crewjam/saml for the SAML types, the bindings and the
// logout messages, and on goxmldsig for XML signatures. Responses are
// validated by this package's own code because SPID asks more than crewjam
// can be configured to check: the assertion must be signed even when the
// Response is, Issuer and NameID have fixed formats, the level must be at
// least the requested one, and an IdP's error status has a code the user
// must be told about.
//
// # Variants
//
// One ServiceProvider serves one scheme. SPID and CIE share the machinery
// and differ where their rules differ: CIE releases only name, familyName,
// dateOfBirth and fiscalNumber; its Response Issuer has no Format; its
// metadata names an administrative ContactPerson with CIE's extensions
// (AgID "Regole tecniche SPID" and Avviso n. 29 v3; "Entra con CIE",
// manuale operativo per i fornitori di servizi).
//
// # Response validation
//
// ParseResponse refuses, with a fault error whose message can be shown and
// a reason tests can match with errors.Is (the Err variables):
//
//   - input over MaxResponseBytes, bad base64, XML that is not well formed
//     or carries a DOCTYPE or entity declarations (ErrTooLarge, ErrMalformed);
//   - a structure that invites signature wrapping: more or fewer than one
//     Assertion, an encrypted one, a Signature anywhere but as a child of the
//     Response or the Assertion, duplicate IDs (ErrWrapped);
//   - an Assertion without a signature, even in a signed Response
//     (ErrUnsigned), and any signature that does not verify with the IdP's
//     certificates or does not reference the element it signs (ErrSignature);
//     everything is read from what the signatures cover, never from the
//     bytes around them;
//   - a missing or unknown InResponseTo (ErrUnsolicited, ErrInResponseTo),
//     a wrong Destination or Recipient (ErrDestination, ErrRecipient);
//   - a Response or Assertion Issuer that is not the IdP the request went to
//     (ErrIssuer), a Response Issuer Format other than entity (SPID) or an
//     Assertion Issuer without Format entity (ErrIssuerFormat);
//   - a NameID missing, not transient or without NameQualifier (ErrNameID),
//     a SubjectConfirmation that is not bearer or lacks its data
//     (ErrSubjectConfirmation);
//   - Conditions without NotBefore or NotOnOrAfter (ErrConditions), another
//     Audience (ErrAudience), times outside their window (ErrIssueInstant,
//     ErrNotYetValid, ErrExpired), each allowing ClockSkew;
//   - a level lower than requested (ErrLevel; a higher one is accepted);
//   - an empty AttributeStatement, an attribute without value or a missing
//     fiscal number (ErrAttributes);
//   - an assertion already accepted once (ErrReplayed, through ReplayGuard).
//
// An IdP that answers with an error status yields an *IdPError, which
// carries SPID's ErrorCode (nr19 … nr30) and explains it in Italian.
//
// # Trust
//
// An IdP is trusted through the certificates of its metadata, which comes
// from the portal's configuration (files, or URLs fetched over HTTPS). The
// certificates are used as keys, as the SAML metadata interoperability
// profile says: their validity dates are not checked, so that an IdP whose
// published certificate has expired keeps working until its metadata is
// replaced.
package spid

import (
	"errors"
	"fmt"
	"net/url"
	"slices"

	"github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/stanzaportal/stanza/shared/auth"
)

// Variant is the identity scheme a ServiceProvider serves.
type Variant string

const (
	SPID Variant = "spid" // Sistema Pubblico di Identità Digitale
	CIE  Variant = "cie"  // "Entra con CIE", the electronic identity card
)

// XML namespaces and SAML names of the messages.
const (
	nsMetadata  = "urn:oasis:names:tc:SAML:2.0:metadata"
	nsProtocol  = "urn:oasis:names:tc:SAML:2.0:protocol"
	nsAssertion = "urn:oasis:names:tc:SAML:2.0:assertion"
	nsDSig      = "http://www.w3.org/2000/09/xmldsig#"
	nsSPID      = "https://spid.gov.it/saml-extensions"
	nsCIE       = "https://www.cartaidentita.interno.gov.it/saml-extensions"

	entityFormat    = "urn:oasis:names:tc:SAML:2.0:nameid-format:entity"
	transientFormat = string(saml.TransientNameIDFormat)
	bearerMethod    = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
	basicAttrFormat = "urn:oasis:names:tc:SAML:2.0:attrname-format:basic"
)

// classRefs are SPID's AuthnContextClassRef values, by rank; CIE uses the
// same ones.
var classRefs = map[int]string{
	1: "https://www.spid.gov.it/SpidL1",
	2: "https://www.spid.gov.it/SpidL2",
	3: "https://www.spid.gov.it/SpidL3",
}

// spidAttributes are the attribute names SPID defines (Regole tecniche,
// Tabella attributi, and the domicile attributes added since).
var spidAttributes = []string{
	"spidCode", "name", "familyName", "placeOfBirth", "countyOfBirth", "dateOfBirth", "gender",
	"companyName", "registeredOffice", "fiscalNumber", "ivaCode", "idCard", "expirationDate",
	"mobilePhone", "email", "address", "digitalAddress", "domicileStreetAddress",
	"domicilePostalCode", "domicileMunicipality", "domicileProvince", "domicileNation",
}

// cieAttributes are the only attributes CIE releases (the eIDAS minimum
// dataset).
var cieAttributes = []string{"name", "familyName", "dateOfBirth", "fiscalNumber"}

// DefaultAttributes returns the attributes a service provider of variant v
// requests when its Config names none: who the citizen is and, for SPID,
// how to reach them, so that the profile starts filled in.
func DefaultAttributes(v Variant) []string {
	if v == CIE {
		return slices.Clone(cieAttributes)
	}
	return []string{"fiscalNumber", "name", "familyName", "dateOfBirth", "email", "mobilePhone"}
}

// Organization is who runs the service provider, as the metadata shows it
// (in Italian).
type Organization struct {
	Name        string // full legal name, e.g. "Comune di Esempio"
	DisplayName string // short name the IdP shows the citizen
	URL         string // institutional website
}

// Contact identifies the service provider in the metadata's ContactPerson.
type Contact struct {
	IPACode string // the administration's code in the Indice PA
	Email   string // institutional address (not a personal one)
	Phone   string // optional; international format without spaces, e.g. "+390612345678"

	// CIE only.
	Municipality string // cadastral code of the seat, e.g. "H501"
	Province     string // optional; vehicle registration code, e.g. "RM"
}

// Config configures a ServiceProvider.
type Config struct {
	Variant Variant
	// EntityID names the service provider and is the URL its metadata is
	// served at, as SPID and CIE require.
	EntityID string
	// ACSURL receives Responses (HTTP-POST); SLOURL receives logout
	// responses (HTTP-Redirect and HTTP-POST).
	ACSURL, SLOURL string
	// KeyPair signs the metadata and every request: RSA of at least 2048
	// bits, with SHA-256.
	KeyPair      KeyPair
	Organization Organization
	Contact      Contact
	// Attributes are the SPID names of the attributes requested; nil means
	// DefaultAttributes. fiscalNumber is required: it identifies citizens.
	Attributes []string
	// Replay remembers the assertions already accepted.
	Replay ReplayGuard
}

// ServiceProvider is the SAML service provider of one Variant.
type ServiceProvider struct {
	cfg        Config
	attributes []string
}

// New checks cfg and returns its service provider.
func New(cfg Config) (*ServiceProvider, error) {
	sp := &ServiceProvider{cfg: cfg, attributes: cfg.Attributes}
	if cfg.Variant != SPID && cfg.Variant != CIE {
		return nil, fmt.Errorf("spid: unknown variant %q", cfg.Variant)
	}
	for _, u := range []struct{ field, value string }{{"EntityID", cfg.EntityID}, {"ACSURL", cfg.ACSURL}, {"SLOURL", cfg.SLOURL}} {
		if err := absoluteURL(u.field, u.value); err != nil {
			return nil, err
		}
	}
	if err := cfg.KeyPair.check(); err != nil {
		return nil, err
	}
	if o := cfg.Organization; o.Name == "" || o.DisplayName == "" || o.URL == "" {
		return nil, errors.New("spid: the organization's name, display name and URL are required")
	}
	if cfg.Contact.IPACode == "" || cfg.Contact.Email == "" {
		return nil, errors.New("spid: the contact's IPA code and email are required")
	}
	if cfg.Variant == CIE && cfg.Contact.Municipality == "" {
		return nil, errors.New("spid: CIE requires the contact's municipality")
	}
	if sp.attributes == nil {
		sp.attributes = DefaultAttributes(cfg.Variant)
	}
	if err := checkAttributes(cfg.Variant, sp.attributes); err != nil {
		return nil, err
	}
	if cfg.Replay == nil {
		return nil, errors.New("spid: a ReplayGuard is required")
	}
	return sp, nil
}

func absoluteURL(field, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("spid: %s %q is not an absolute http(s) URL", field, raw)
	}
	return nil
}

func checkAttributes(v Variant, names []string) error {
	allowed := spidAttributes
	if v == CIE {
		allowed = cieAttributes
	}
	for i, n := range names {
		if !slices.Contains(allowed, n) {
			return fmt.Errorf("spid: %s does not release the attribute %q", v, n)
		}
		if slices.Contains(names[:i], n) {
			return fmt.Errorf("spid: the attribute %q is requested twice", n)
		}
	}
	if !slices.Contains(names, "fiscalNumber") {
		return errors.New("spid: the fiscalNumber attribute is required")
	}
	return nil
}

// EntityID returns the service provider's entity ID (its metadata URL).
func (sp *ServiceProvider) EntityID() string { return sp.cfg.EntityID }

// Variant returns the scheme the service provider serves.
func (sp *ServiceProvider) Variant() Variant { return sp.cfg.Variant }

// crewjam returns crewjam's service provider, which writes and signs the
// bindings' messages with the service provider's key.
func (sp *ServiceProvider) crewjam() *saml.ServiceProvider {
	return &saml.ServiceProvider{
		EntityID:        sp.cfg.EntityID,
		Key:             sp.cfg.KeyPair.Key,
		Certificate:     sp.cfg.KeyPair.Certificate,
		SignatureMethod: dsig.RSASHA256SignatureMethod,
	}
}

// levelOf returns the level of an AuthnContextClassRef, and false for a
// value SPID does not define (the class refs of older specifications
// included). A CIE sign-in at level 3 is auth.CIE; lower ones are named
// after their SPID level, which is what they are worth.
func (sp *ServiceProvider) levelOf(classRef string) (auth.Level, bool) {
	for rank, ref := range classRefs {
		if ref != classRef {
			continue
		}
		if sp.cfg.Variant == CIE && rank == 3 {
			return auth.CIE, true
		}
		return []auth.Level{auth.SpidL1, auth.SpidL2, auth.SpidL3}[rank-1], true
	}
	return "", false
}
