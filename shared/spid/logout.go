package spid

import (
	"bytes"
	"compress/flate"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/beevik/etree"
	"github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"
)

// maxLogoutBytes bounds a LogoutResponse, in the query or the body, and
// once inflated.
const maxLogoutBytes = 64 << 10

// LogoutExpect is what a LogoutResponse must answer.
type LogoutExpect struct {
	RequestID     string    // the LogoutRequest's ID (Request.ID); "" when none is pending
	RequestIssued time.Time // its IssueInstant: the answer may not be older
	IdP           IdP       // the identity provider it went to
	Now           time.Time // zero: time.Now()
}

// ParseLogoutResponse validates the LogoutResponse that the identity
// provider sent to the SingleLogoutService, by HTTP-Redirect (signed
// query, or enveloped signature) or HTTP-POST (enveloped signature). It
// refuses, with errors that match the package's Err variables: bad input
// (ErrMalformed, ErrTooLarge), a missing or bad signature (ErrSignature),
// another InResponseTo (ErrInResponseTo), Destination (ErrDestination),
// Issuer (ErrIssuer, ErrIssuerFormat), an IssueInstant out of its window
// (ErrIssueInstant), or a status other than Success (ErrLogoutStatus).
// Whatever the result, the caller ends the local session.
func (sp *ServiceProvider) ParseLogoutResponse(r *http.Request, expect LogoutExpect) error {
	now := expect.Now
	if now.IsZero() {
		now = time.Now()
	}
	var (
		root *etree.Element
		err  error
	)
	switch r.Method {
	case http.MethodGet:
		root, err = readRedirectResponse(r.URL.RawQuery, expect.IdP.Certificates)
	case http.MethodPost:
		root, err = readPostedResponse(r, expect.IdP.Certificates)
	default:
		err = reject(ErrMalformed, "a LogoutResponse by %s", r.Method)
	}
	if err != nil {
		return err
	}
	if root.Tag != "LogoutResponse" || root.NamespaceURI() != nsProtocol {
		return reject(ErrMalformed, "the root is %s, not a samlp:LogoutResponse", root.FullTag())
	}
	var resp saml.LogoutResponse
	if err := unmarshal(root, &resp); err != nil {
		return reject(ErrMalformed, "LogoutResponse: %v", err)
	}
	if resp.Version != "2.0" {
		return reject(ErrMalformed, "LogoutResponse Version %q", resp.Version)
	}
	if expect.RequestID == "" || resp.InResponseTo != expect.RequestID {
		return reject(ErrInResponseTo, "LogoutResponse InResponseTo %q, pending request %q", resp.InResponseTo, expect.RequestID)
	}
	if resp.Destination != sp.cfg.SLOURL {
		return reject(ErrDestination, "LogoutResponse Destination %q", resp.Destination)
	}
	if resp.IssueInstant.IsZero() {
		return reject(ErrIssueInstant, "LogoutResponse without IssueInstant")
	}
	if err := inWindow(resp.IssueInstant, expect.RequestIssued, now); err != nil {
		return reject(ErrIssueInstant, "LogoutResponse: %v", err)
	}
	if resp.Issuer == nil {
		return reject(ErrIssuer, "LogoutResponse without Issuer")
	}
	if v := strings.TrimSpace(resp.Issuer.Value); v != expect.IdP.EntityID {
		return reject(ErrIssuer, "LogoutResponse Issuer %q, request sent to %q", v, expect.IdP.EntityID)
	}
	if f := resp.Issuer.Format; f != "" && f != entityFormat {
		return reject(ErrIssuerFormat, "LogoutResponse Issuer Format %q", f)
	}
	if resp.Status.StatusCode.Value != saml.StatusSuccess {
		return reject(ErrLogoutStatus, "LogoutResponse status %q", resp.Status.StatusCode.Value)
	}
	return nil
}

// readPostedResponse reads the SAMLResponse of a form, which must carry an
// enveloped signature, and returns what the signature covers.
func readPostedResponse(r *http.Request, certs []*x509.Certificate) (*etree.Element, error) {
	if r.ContentLength > maxLogoutBytes {
		return nil, reject(ErrTooLarge, "a body of %d bytes", r.ContentLength)
	}
	r.Body = http.MaxBytesReader(nil, r.Body, maxLogoutBytes)
	if err := r.ParseForm(); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, reject(ErrTooLarge, "%v", err)
		}
		return nil, reject(ErrMalformed, "form: %v", err)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(r.PostForm.Get("SAMLResponse")))
	if err != nil {
		return nil, reject(ErrMalformed, "base64: %v", err)
	}
	root, err := readXML(raw)
	if err != nil {
		return nil, reject(ErrMalformed, "%v", err)
	}
	return verifiedRoot(root, certs)
}

// readRedirectResponse reads the SAMLResponse of an HTTP-Redirect query:
// base64 of the DEFLATEd message, with the query signed (SigAlg and
// Signature) or, failing that, the message.
func readRedirectResponse(rawQuery string, certs []*x509.Certificate) (*etree.Element, error) {
	if len(rawQuery) > maxLogoutBytes {
		return nil, reject(ErrTooLarge, "a query of %d bytes", len(rawQuery))
	}
	// The signature covers the parameters as they were encoded, so they
	// are kept raw (saml-bindings-2.0-os §3.4.4.1).
	raw := map[string]string{}
	for _, kv := range strings.Split(rawQuery, "&") {
		k, v, _ := strings.Cut(kv, "=")
		if _, dup := raw[k]; dup {
			return nil, reject(ErrMalformed, "the parameter %s twice", k)
		}
		raw[k] = v
	}
	value := func(k string) (string, error) {
		v, err := url.QueryUnescape(raw[k])
		if err != nil {
			return "", reject(ErrMalformed, "%s: %v", k, err)
		}
		return v, nil
	}
	msg, err := value("SAMLResponse")
	if err != nil {
		return nil, err
	}
	deflated, err := base64.StdEncoding.DecodeString(msg)
	if err != nil {
		return nil, reject(ErrMalformed, "base64: %v", err)
	}
	xml, err := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(deflated)), maxLogoutBytes+1))
	if err != nil {
		return nil, reject(ErrMalformed, "DEFLATE: %v", err)
	}
	if len(xml) > maxLogoutBytes {
		return nil, reject(ErrTooLarge, "over %d bytes inflated", maxLogoutBytes)
	}
	root, err := readXML(xml)
	if err != nil {
		return nil, reject(ErrMalformed, "%v", err)
	}
	if _, signed := raw["SigAlg"]; !signed {
		return verifiedRoot(root, certs)
	}
	signed := "SAMLResponse=" + raw["SAMLResponse"]
	if rs, ok := raw["RelayState"]; ok {
		signed += "&RelayState=" + rs
	}
	signed += "&SigAlg=" + raw["SigAlg"]
	sigAlg, err := value("SigAlg")
	if err != nil {
		return nil, err
	}
	sigB64, err := value("Signature")
	if err != nil {
		return nil, err
	}
	sig, err := base64.StdEncoding.DecodeString(sigB64)
	if err != nil {
		return nil, reject(ErrSignature, "query Signature: %v", err)
	}
	algorithm, ok := queryAlgorithms[sigAlg]
	if !ok {
		return nil, reject(ErrSignature, "SigAlg %q", sigAlg)
	}
	for _, cert := range certs {
		if cert.CheckSignature(algorithm, []byte(signed), sig) == nil {
			return root, nil
		}
	}
	return nil, reject(ErrSignature, "the query signature does not verify with the IdP's certificates")
}

// queryAlgorithms are the SigAlg values SPID accepts.
var queryAlgorithms = map[string]x509.SignatureAlgorithm{
	dsig.RSASHA256SignatureMethod:   x509.SHA256WithRSA,
	dsig.RSASHA384SignatureMethod:   x509.SHA384WithRSA,
	dsig.RSASHA512SignatureMethod:   x509.SHA512WithRSA,
	dsig.ECDSASHA256SignatureMethod: x509.ECDSAWithSHA256,
	dsig.ECDSASHA384SignatureMethod: x509.ECDSAWithSHA384,
	dsig.ECDSASHA512SignatureMethod: x509.ECDSAWithSHA512,
}

// verifiedRoot checks the enveloped signature a message must then carry,
// and returns what it covers.
func verifiedRoot(root *etree.Element, certs []*x509.Certificate) (*etree.Element, error) {
	if signatureOf(root) == nil {
		return nil, reject(ErrSignature, "%s is not signed", root.Tag)
	}
	if n := len(children(root, nsDSig, "Signature")); n > 1 {
		return nil, reject(ErrWrapped, "%s has %d Signatures", root.Tag, n)
	}
	signed, err := verifySignature(root, certs)
	if err != nil {
		return nil, reject(ErrSignature, "%s: %v", root.Tag, err)
	}
	return signed, nil
}
