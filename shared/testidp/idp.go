package testidp

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"strings"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
)

// SAML names used in the messages this package writes and reads.
const (
	nsProtocol  = "urn:oasis:names:tc:SAML:2.0:protocol"
	nsAssertion = "urn:oasis:names:tc:SAML:2.0:assertion"
	nsMetadata  = "urn:oasis:names:tc:SAML:2.0:metadata"
	nsXS        = "http://www.w3.org/2001/XMLSchema"
	nsXSI       = "http://www.w3.org/2001/XMLSchema-instance"
	nsDSig      = "http://www.w3.org/2000/09/xmldsig#"

	bindingRedirect = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
	bindingPOST     = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"

	bearer     = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
	attrFormat = "urn:oasis:names:tc:SAML:2.0:attrname-format:basic"
)

// Formats and status codes SPID messages carry.
const (
	EntityFormat    = "urn:oasis:names:tc:SAML:2.0:nameid-format:entity"
	TransientFormat = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"

	StatusSuccess     = "urn:oasis:names:tc:SAML:2.0:status:Success"
	StatusRequester   = "urn:oasis:names:tc:SAML:2.0:status:Requester"
	StatusResponder   = "urn:oasis:names:tc:SAML:2.0:status:Responder"
	StatusAuthnFailed = "urn:oasis:names:tc:SAML:2.0:status:AuthnFailed"
)

// The SPID authentication levels (AuthnContextClassRef values); CIE uses
// the same ones.
const (
	SpidL1 = "https://www.spid.gov.it/SpidL1"
	SpidL2 = "https://www.spid.gov.it/SpidL2"
	SpidL3 = "https://www.spid.gov.it/SpidL3"
)

// ServiceProvider is what the test IdP must know of a service provider to
// answer it: where to post assertions and where to send logout responses.
type ServiceProvider struct {
	EntityID string
	ACS      string // AssertionConsumerService location (HTTP-POST)
	SLO      string // SingleLogoutService location; "" when the SP has none
	// Certificate, when set, verifies the SP's requests: the IdP's metadata
	// says it wants them signed, and with the SP's certificate at hand it
	// refuses those that are not. Nil skips the check.
	Certificate *x509.Certificate
}

// Config configures a test IdP.
type Config struct {
	// EntityID names the IdP; "" means BaseURL + "/metadata", the usual
	// choice of SPID providers (the entity ID is where the metadata is).
	EntityID string
	// BaseURL is where Handler is mounted, e.g. http://127.0.0.1:8080/_testidp.
	BaseURL string
	// Production is the portal's mode: a test IdP must never run in
	// production, where anyone could sign in as anyone, so New refuses.
	Production bool
	// CIE makes the IdP answer as CIE does (see ResponseOptions.CIE).
	CIE bool
	// Key and Cert sign every message; when nil a 2048-bit RSA key and a
	// self-signed certificate are generated, which is what tests and the
	// local server want (the SP learns the certificate from Metadata).
	Key  *rsa.PrivateKey
	Cert *x509.Certificate
	// ServiceProvider finds a service provider by entity ID. Only the SPs
	// it knows can sign in, and assertions go to the ACS it returns, never
	// to a URL taken from the request (which would leak assertions to
	// whoever forged it).
	ServiceProvider func(entityID string) (ServiceProvider, bool)
}

// IdP is a SPID/CIE test identity provider: a Handler for the local server
// and a forge of SPID messages for tests.
type IdP struct {
	entityID string
	base     *url.URL
	cie      bool
	key      *rsa.PrivateKey
	cert     *x509.Certificate
	sps      func(string) (ServiceProvider, bool)
	stateKey []byte // HMAC key of the state the picker page carries
}

// New returns a test IdP. It refuses to run in production mode.
func New(cfg Config) (*IdP, error) {
	if cfg.Production {
		return nil, errors.New("testidp: the test identity provider must not run in production mode")
	}
	base, err := url.Parse(strings.TrimSuffix(cfg.BaseURL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("testidp: BaseURL %q is not an absolute http(s) URL", cfg.BaseURL)
	}
	if cfg.ServiceProvider == nil {
		return nil, errors.New("testidp: ServiceProvider lookup is required")
	}
	idp := &IdP{entityID: cfg.EntityID, base: base, cie: cfg.CIE, key: cfg.Key, cert: cfg.Cert, sps: cfg.ServiceProvider}
	if idp.entityID == "" {
		idp.entityID = base.String() + "/metadata"
	}
	switch {
	case idp.key == nil && idp.cert == nil:
		if idp.key, idp.cert, err = newKeyPair(idp.entityID); err != nil {
			return nil, err
		}
	case idp.key == nil || idp.cert == nil:
		return nil, errors.New("testidp: Key and Cert go together")
	}
	// The state key derives from the signing key, so a restarted local
	// server with the same key still accepts a page served before.
	mac := sha256.Sum256(append([]byte("stanza testidp state\x00"), idp.key.D.Bytes()...))
	idp.stateKey = mac[:]
	return idp, nil
}

// newKeyPair generates the signing key and a self-signed certificate.
func newKeyPair(entityID string) (*rsa.PrivateKey, *x509.Certificate, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, nil, fmt.Errorf("testidp: generating key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, nil, fmt.Errorf("testidp: generating serial: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject: pkix.Name{
			CommonName:   "Stanza test IdP",
			Organization: []string{"Stanza"},
			Country:      []string{"IT"},
			Locality:     []string{entityID},
		},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("testidp: creating certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, fmt.Errorf("testidp: parsing certificate: %w", err)
	}
	return key, cert, nil
}

// EntityID returns the IdP's entity ID.
func (idp *IdP) EntityID() string { return idp.entityID }

// Certificate returns the certificate whose key signs the IdP's messages.
func (idp *IdP) Certificate() *x509.Certificate { return idp.cert }

// endpoint returns the absolute URL of one of the handler's paths.
func (idp *IdP) endpoint(path string) string { return idp.base.String() + path }

// sign signs el (which must have an ID) with an enveloped RSA-SHA256
// signature, exclusive canonicalization, and puts the Signature right after
// the Issuer child (SAML's schema order), or first when there is no Issuer
// (metadata).
func (idp *IdP) sign(el *etree.Element) error {
	ctx, err := dsig.NewSigningContext(idp.key, [][]byte{idp.cert.Raw})
	if err != nil {
		return fmt.Errorf("testidp: %w", err)
	}
	ctx.Prefix = "ds"
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	if err := ctx.SetSignatureMethod(dsig.RSASHA256SignatureMethod); err != nil {
		return fmt.Errorf("testidp: %w", err)
	}
	// Canonicalization rewrites the element it is given, so the signature
	// is computed over a copy and el keeps its namespace declarations
	// (xs, used only inside xsi:type values, would be dropped).
	sig, err := ctx.ConstructSignature(el.Copy(), true)
	if err != nil {
		return fmt.Errorf("testidp: signing: %w", err)
	}
	pos := 0
	for i, t := range el.Child {
		if c, ok := t.(*etree.Element); ok && c.Tag == "Issuer" {
			pos = i + 1
			break
		}
	}
	el.InsertChildAt(pos, sig)
	return nil
}

// newID returns a random SAML ID; IDs are xs:ID values, which must not start
// with a digit.
func newID() string {
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return "_" + fmt.Sprintf("%x", b)
}

// instant formats t as SAML dateTime values are written by SPID providers:
// UTC, to the second.
func instant(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// Metadata returns the IdP's signed metadata: an IDPSSODescriptor that wants
// signed AuthnRequests, with the signing certificate, SingleSignOnService
// and SingleLogoutService for the HTTP-Redirect and HTTP-POST bindings,
// the transient NameID format and the attributes it can release.
func (idp *IdP) Metadata() ([]byte, error) {
	doc := etree.NewDocument()
	doc.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	ed := doc.CreateElement("md:EntityDescriptor")
	ed.CreateAttr("xmlns:md", nsMetadata)
	ed.CreateAttr("xmlns:ds", nsDSig)
	ed.CreateAttr("xmlns:saml", nsAssertion)
	ed.CreateAttr("ID", newID())
	ed.CreateAttr("entityID", idp.entityID)

	sso := ed.CreateElement("md:IDPSSODescriptor")
	sso.CreateAttr("protocolSupportEnumeration", nsProtocol)
	sso.CreateAttr("WantAuthnRequestsSigned", "true")

	kd := sso.CreateElement("md:KeyDescriptor")
	kd.CreateAttr("use", "signing")
	kd.CreateElement("ds:KeyInfo").CreateElement("ds:X509Data").CreateElement("ds:X509Certificate").
		SetText(base64.StdEncoding.EncodeToString(idp.cert.Raw))

	for _, b := range []string{bindingRedirect, bindingPOST} {
		s := sso.CreateElement("md:SingleLogoutService")
		s.CreateAttr("Binding", b)
		s.CreateAttr("Location", idp.endpoint("/slo"))
	}
	sso.CreateElement("md:NameIDFormat").SetText(TransientFormat)
	for _, b := range []string{bindingRedirect, bindingPOST} {
		s := sso.CreateElement("md:SingleSignOnService")
		s.CreateAttr("Binding", b)
		s.CreateAttr("Location", idp.endpoint("/sso"))
	}
	names := []string{"spidCode", "name", "familyName", "fiscalNumber", "email", "mobilePhone", "dateOfBirth",
		"placeOfBirth", "countyOfBirth", "gender", "address", "digitalAddress", "ivaCode"}
	if idp.cie {
		names = []string{"name", "familyName", "dateOfBirth", "fiscalNumber"}
	}
	for _, n := range names {
		a := sso.CreateElement("saml:Attribute")
		a.CreateAttr("Name", n)
		a.CreateAttr("NameFormat", attrFormat)
	}

	// The name that the portal's sign-in button shows.
	name := "Identity provider di test SPID"
	if idp.cie {
		name = "Identity provider di test CIE"
	}
	org := ed.CreateElement("md:Organization")
	for _, el := range []string{"md:OrganizationName", "md:OrganizationDisplayName"} {
		e := org.CreateElement(el)
		e.CreateAttr("xml:lang", "it")
		e.SetText(name + " (solo sviluppo locale)")
	}
	u := org.CreateElement("md:OrganizationURL")
	u.CreateAttr("xml:lang", "it")
	u.SetText(idp.base.String())

	// Indent before signing: whitespace is part of what the signature covers.
	doc.Indent(2)
	if err := idp.sign(ed); err != nil {
		return nil, err
	}
	return doc.WriteToBytes()
}
