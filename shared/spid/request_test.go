package spid

import (
	"bytes"
	"compress/flate"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"html"
	"io"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/stanzaportal/stanza/shared/auth"
	"github.com/stanzaportal/stanza/shared/fault"
)

const relayState = "Wm9nZ2V0dG8tb3BhY28tMTIzNDU2Nzg5"

// spidInstant is the IssueInstant format of SPID: UTC, to the second (or
// the millisecond).
var spidInstant = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$`)

// redirectMessage checks the HTTP-Redirect binding of a signed message:
// the query carries the message, RelayState, SigAlg RSA-SHA256 and a
// Signature of the three made with the service provider's key. It returns
// the message's root element.
func redirectMessage(t *testing.T, sp *ServiceProvider, rawURL, param string) *etree.Element {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	raw := map[string]string{}
	var order []string
	for _, kv := range strings.Split(u.RawQuery, "&") {
		k, v, _ := strings.Cut(kv, "=")
		raw[k] = v
		order = append(order, k)
	}
	if want := []string{param, "RelayState", "SigAlg", "Signature"}; strings.Join(order, ",") != strings.Join(want, ",") {
		t.Fatalf("query parameters %v, want %v", order, want)
	}
	q := u.Query()
	if got := q.Get("SigAlg"); got != dsig.RSASHA256SignatureMethod {
		t.Errorf("SigAlg: got %q, want RSA-SHA256", got)
	}
	if got := q.Get("RelayState"); got != relayState {
		t.Errorf("RelayState: got %q, want %q", got, relayState)
	}
	signed := param + "=" + raw[param] + "&RelayState=" + raw["RelayState"] + "&SigAlg=" + raw["SigAlg"]
	sig, err := base64.StdEncoding.DecodeString(q.Get("Signature"))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(signed))
	pub := sp.cfg.KeyPair.Certificate.PublicKey.(*rsa.PublicKey)
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig); err != nil {
		t.Errorf("query signature: %v", err)
	}
	deflated, err := base64.StdEncoding.DecodeString(q.Get(param))
	if err != nil {
		t.Fatal(err)
	}
	xml, err := io.ReadAll(flate.NewReader(bytes.NewReader(deflated)))
	if err != nil {
		t.Fatal(err)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(xml); err != nil {
		t.Fatal(err)
	}
	if doc.Root().FindElement("./Signature") != nil {
		t.Error("the HTTP-Redirect binding's message carries an XML signature, want none")
	}
	return doc.Root()
}

// postMessage checks the HTTP-POST binding of a signed message: a form
// posting it with the RelayState, and an enveloped signature made with the
// service provider's key. It returns the message's root element.
func postMessage(t *testing.T, sp *ServiceProvider, req Request, param string) *etree.Element {
	t.Helper()
	page := string(req.HTML("n0nce"))
	for _, want := range []string{`action="` + req.URL + `"`, `name="RelayState" value="` + relayState + `"`, `nonce="n0nce"`} {
		if !strings.Contains(page, want) {
			t.Errorf("form %s: want %s in it", page, want)
		}
	}
	m := regexp.MustCompile(`name="` + param + `" value="([^"]*)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("form %s: no %s", page, param)
	}
	xml, err := base64.StdEncoding.DecodeString(html.UnescapeString(m[1]))
	if err != nil {
		t.Fatal(err)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(xml); err != nil {
		t.Fatal(err)
	}
	root := doc.Root()
	if err := verifyWith(root, sp.cfg.KeyPair.Certificate); err != nil {
		t.Errorf("enveloped signature: %v", err)
	}
	if got := root.ChildElements()[1].Tag; got != "Signature" {
		t.Errorf("second child %s, want the Signature right after the Issuer", got)
	}
	wantAttr(t, one(t, root, "./Signature/SignedInfo/SignatureMethod"), "Algorithm", dsig.RSASHA256SignatureMethod)
	return root
}

// postOnly is the IdP with its HTTP-Redirect endpoints removed.
func postOnly(idp IdP) IdP {
	idp.SSO = map[string]string{saml.HTTPPostBinding: idp.SSO[saml.HTTPPostBinding]}
	idp.SLO = map[string]string{saml.HTTPPostBinding: idp.SLO[saml.HTTPPostBinding]}
	return idp
}

func TestAuthnRequest(t *testing.T) {
	sp := newSP(t, SPID)
	idp := registered(t, testIdP(t, SPID))
	tests := []struct {
		name      string
		idp       IdP
		level     auth.Level
		wantClass string
		wantForce string
	}{
		{"RedirectSpidL1", idp, auth.SpidL1, "https://www.spid.gov.it/SpidL1", ""},
		{"RedirectSpidL2", idp, auth.SpidL2, "https://www.spid.gov.it/SpidL2", "true"},
		{"RedirectSpidL3", idp, auth.SpidL3, "https://www.spid.gov.it/SpidL3", "true"},
		{"PostSpidL2", postOnly(idp), auth.SpidL2, "https://www.spid.gov.it/SpidL2", "true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := sp.AuthnRequest(tt.idp, tt.level, relayState)
			if err != nil {
				t.Fatal(err)
			}
			var ar *etree.Element
			if strings.HasPrefix(tt.name, "Redirect") {
				if req.Binding != saml.HTTPRedirectBinding || req.HTML("") != nil {
					t.Fatalf("binding %s, want HTTP-Redirect with no form", req.Binding)
				}
				if !strings.HasPrefix(req.URL, tt.idp.SSO[saml.HTTPRedirectBinding]+"?") {
					t.Errorf("URL %s, want the IdP's HTTP-Redirect SSO", req.URL)
				}
				ar = redirectMessage(t, sp, req.URL, "SAMLRequest")
			} else {
				if req.Binding != saml.HTTPPostBinding || req.URL != tt.idp.SSO[saml.HTTPPostBinding] {
					t.Fatalf("binding %s to %s, want HTTP-POST to the IdP's SSO", req.Binding, req.URL)
				}
				ar = postMessage(t, sp, req, "SAMLRequest")
			}

			if ar.Tag != "AuthnRequest" || ar.NamespaceURI() != nsProtocol {
				t.Fatalf("root %s, want samlp:AuthnRequest", ar.FullTag())
			}
			wantAttr(t, ar, "ID", req.ID)
			wantAttr(t, ar, "Version", "2.0")
			if got := ar.SelectAttrValue("IssueInstant", ""); !spidInstant.MatchString(got) || got != req.IssueInstant.Format("2006-01-02T15:04:05Z") {
				t.Errorf("IssueInstant %q, want %s in SPID's format", got, req.IssueInstant)
			}
			wantAttr(t, ar, "Destination", tt.idp.SSO[req.Binding])
			wantAttr(t, ar, "AssertionConsumerServiceIndex", "0")
			wantAttr(t, ar, "AttributeConsumingServiceIndex", "0")
			wantAttr(t, ar, "ForceAuthn", map[string]string{"": "(missing)", "true": "true"}[tt.wantForce])
			for _, absent := range []string{"AssertionConsumerServiceURL", "ProtocolBinding", "IsPassive"} {
				if ar.SelectAttr(absent) != nil {
					t.Errorf("%s is set, want it left out", absent)
				}
			}

			iss := one(t, ar, "./Issuer")
			wantText(t, iss, testEntityID)
			wantAttr(t, iss, "Format", "urn:oasis:names:tc:SAML:2.0:nameid-format:entity")
			wantAttr(t, iss, "NameQualifier", testEntityID)

			pol := one(t, ar, "./NameIDPolicy")
			wantAttr(t, pol, "Format", "urn:oasis:names:tc:SAML:2.0:nameid-format:transient")
			if pol.SelectAttr("AllowCreate") != nil {
				t.Error("NameIDPolicy has AllowCreate, want it left out")
			}

			rac := one(t, ar, "./RequestedAuthnContext")
			wantAttr(t, rac, "Comparison", "minimum")
			wantText(t, one(t, rac, "./AuthnContextClassRef"), tt.wantClass)
			if ar.FindElement("./Scoping") != nil || ar.FindElement("./Subject") != nil {
				t.Error("the request has Scoping or Subject, want neither")
			}
		})
	}
}

func TestAuthnRequestRefuses(t *testing.T) {
	sp := newSP(t, SPID)
	idp := registered(t, testIdP(t, SPID))
	tests := []struct {
		name       string
		level      auth.Level
		relayState string
		wantErr    error
	}{
		{"RelayStateURL", auth.SpidL2, "https://comune.example/servizi", ErrRelayState},
		{"RelayStateShort", auth.SpidL2, "abc", ErrRelayState},
		{"RelayStateOver80Bytes", auth.SpidL2, strings.Repeat("a", 81), ErrRelayState},
		{"UnknownLevel", "spid-l9", relayState, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := sp.AuthnRequest(idp, tt.level, tt.relayState)
			switch {
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Fatalf("got %v, want %v", err, tt.wantErr)
			case tt.wantErr == nil && fault.CodeOf(err) != fault.Invalid:
				t.Fatalf("got %v, want an invalid level", err)
			}
		})
	}
}

func TestAuthnRequestCIE(t *testing.T) {
	sp := newSP(t, CIE)
	idp := registered(t, testIdP(t, CIE))
	req, err := sp.AuthnRequest(idp, auth.CIE, relayState)
	if err != nil {
		t.Fatal(err)
	}
	ar := redirectMessage(t, sp, req.URL, "SAMLRequest")
	wantText(t, one(t, ar, "./Issuer"), testCIEID)
	wantText(t, one(t, ar, "./RequestedAuthnContext/AuthnContextClassRef"), "https://www.spid.gov.it/SpidL3")
	wantAttr(t, ar, "ForceAuthn", "true")
}
