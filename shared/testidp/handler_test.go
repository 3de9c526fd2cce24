package testidp

import (
	"bytes"
	"compress/flate"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"html"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
)

// authnRequest returns a SPID AuthnRequest as the SP sends it.
func authnRequest(id, issuer, level string) string {
	return fmt.Sprintf(`<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"
 ID="%s" Version="2.0" IssueInstant="%s" Destination="%s/sso" ForceAuthn="true"
 AssertionConsumerServiceIndex="0" AttributeConsumingServiceIndex="0">
<saml:Issuer Format="urn:oasis:names:tc:SAML:2.0:nameid-format:entity" NameQualifier="%[3]s">%[4]s</saml:Issuer>
<samlp:NameIDPolicy Format="urn:oasis:names:tc:SAML:2.0:nameid-format:transient"/>
<samlp:RequestedAuthnContext Comparison="minimum"><saml:AuthnContextClassRef>%[5]s</saml:AuthnContextClassRef></samlp:RequestedAuthnContext>
</samlp:AuthnRequest>`, id, instant(time.Now()), testBase, issuer, level)
}

func logoutRequest(id, issuer string) string {
	return fmt.Sprintf(`<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"
 ID="%s" Version="2.0" IssueInstant="%s" Destination="%s/slo">
<saml:Issuer Format="urn:oasis:names:tc:SAML:2.0:nameid-format:entity" NameQualifier="%[4]s">%[4]s</saml:Issuer>
<saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:transient" NameQualifier="%[3]s/metadata">_abc</saml:NameID>
<samlp:SessionIndex>_idx</samlp:SessionIndex>
</samlp:LogoutRequest>`, id, instant(time.Now()), testBase, issuer)
}

func deflate(t *testing.T, s string) []byte {
	t.Helper()
	var buf bytes.Buffer
	fw, _ := flate.NewWriter(&buf, flate.DefaultCompression)
	if _, err := fw.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// redirectQuery encodes msg for the HTTP-Redirect binding, signing the
// query with key when it is not nil.
func redirectQuery(t *testing.T, msg, relay string, key *rsa.PrivateKey) string {
	t.Helper()
	q := "SAMLRequest=" + url.QueryEscape(base64.StdEncoding.EncodeToString(deflate(t, msg)))
	if relay != "" {
		q += "&RelayState=" + url.QueryEscape(relay)
	}
	if key == nil {
		return q
	}
	q += "&SigAlg=" + url.QueryEscape(sigRSASHA256)
	sum := sha256.Sum256([]byte(q))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return q + "&Signature=" + url.QueryEscape(base64.StdEncoding.EncodeToString(sig))
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func get(h http.Handler, pathAndQuery string) *httptest.ResponseRecorder {
	return serve(h, httptest.NewRequest("GET", "/_testidp"+pathAndQuery, nil))
}

func post(h http.Handler, path string, form url.Values) *httptest.ResponseRecorder {
	r := httptest.NewRequest("POST", "/_testidp"+path, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return serve(h, r)
}

// hidden returns the value of the hidden input named name in page.
func hidden(t *testing.T, page, name string) string {
	t.Helper()
	m := regexp.MustCompile(`name="` + name + `" value="([^"]*)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no hidden %s in the page:\n%s", name, page)
	}
	return html.UnescapeString(m[1])
}

// pick runs the sign-in up to the picker page and returns its state.
func pick(t *testing.T, h http.Handler, level, relay string) string {
	t.Helper()
	w := get(h, "/sso?"+redirectQuery(t, authnRequest("_req1", testSP, level), relay, nil))
	if w.Code != http.StatusOK {
		t.Fatalf("GET /sso: got %d, want 200: %s", w.Code, w.Body)
	}
	return hidden(t, w.Body.String(), "state")
}

// answer reads the Response posted by the page of /sso/continue.
func answer(t *testing.T, w *httptest.ResponseRecorder, wantRelay string) *etree.Document {
	t.Helper()
	if w.Code != http.StatusOK {
		t.Fatalf("got %d, want 200: %s", w.Code, w.Body)
	}
	page := w.Body.String()
	if !strings.Contains(page, `action="`+testACS+`"`) {
		t.Errorf("the form does not post to the ACS:\n%s", page)
	}
	if wantRelay == "" && strings.Contains(page, `name="RelayState"`) {
		t.Error("an empty RelayState is posted")
	} else if wantRelay != "" && hidden(t, page, "RelayState") != wantRelay {
		t.Errorf("RelayState: got %q, want %q", hidden(t, page, "RelayState"), wantRelay)
	}
	xml, err := base64.StdEncoding.DecodeString(hidden(t, page, "SAMLResponse"))
	if err != nil {
		t.Fatal(err)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(xml); err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestSignInFlow(t *testing.T) {
	idp := testIdP(t)
	h := idp.Handler()
	for _, level := range []string{SpidL1, SpidL2, SpidL3} {
		t.Run(level[len(level)-2:], func(t *testing.T) {
			w := get(h, "/sso?"+redirectQuery(t, authnRequest("_req1", testSP, level), "rs-42", nil))
			if w.Code != http.StatusOK {
				t.Fatalf("GET /sso: got %d: %s", w.Code, w.Body)
			}
			page := w.Body.String()
			for _, id := range Identities() {
				if !strings.Contains(page, id.Name+" "+id.FamilyName) || !strings.Contains(page, id.FiscalCode()) {
					t.Errorf("the picker does not list %s %s", id.Name, id.FamilyName)
				}
			}
			for _, e := range SimulatedErrors() {
				if !strings.Contains(page, `value="`+e.Code+`"`) {
					t.Errorf("the picker has no button for %s", e.Code)
				}
			}
			if !strings.Contains(page, `<html lang="it">`) {
				t.Error("the picker is not marked as Italian")
			}

			chosen := Identities()[4]
			w = post(h, "/sso/continue", url.Values{"state": {hidden(t, page, "state")}, "identity": {chosen.SpidCode}})
			doc := answer(t, w, "rs-42")
			if err := verify(doc.Root(), idp.Certificate()); err != nil {
				t.Errorf("Response signature: %v", err)
			}
			if err := verify(find(t, doc, "/Response/Assertion"), idp.Certificate()); err != nil {
				t.Errorf("Assertion signature: %v", err)
			}
			checks := map[string]string{
				"/Response/@InResponseTo":                                              "_req1",
				"/Response/@Destination":                                               testACS,
				"/Response/Assertion/Conditions/AudienceRestriction/Audience":          testSP,
				"/Response/Assertion/AuthnStatement/AuthnContext/AuthnContextClassRef": level,
			}
			for path, want := range checks {
				var got string
				if p, a, ok := strings.Cut(path, "/@"); ok {
					got = attr(find(t, doc, p), a)
				} else {
					got = find(t, doc, path).Text()
				}
				if got != want {
					t.Errorf("%s: got %q, want %q", path, got, want)
				}
			}
			if got := attributes(doc)["fiscalNumber"]; got != chosen.FiscalNumber {
				t.Errorf("fiscalNumber: got %q, want %q", got, chosen.FiscalNumber)
			}
		})
	}
}

func TestPagesHaveNonceCSP(t *testing.T) {
	h := testIdP(t).Handler()
	state := pick(t, h, SpidL2, "")
	w := post(h, "/sso/continue", url.Values{"state": {state}, "identity": {Identities()[0].SpidCode}})
	csp := w.Header().Get("Content-Security-Policy")
	m := regexp.MustCompile(`script-src 'nonce-([^']+)'`).FindStringSubmatch(csp)
	if m == nil || !strings.Contains(csp, "default-src 'none'") {
		t.Fatalf("CSP: got %q, want default-src 'none' and a script nonce", csp)
	}
	body := w.Body.String()
	if !strings.Contains(body, `<script nonce="`+m[1]+`">`) {
		t.Errorf("the script does not carry the CSP nonce %s:\n%s", m[1], body)
	}
	if !strings.Contains(body, `<button type="submit">Continua</button>`) {
		t.Error("no Continua button for browsers without scripts")
	}
	if got := w.Header().Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control: got %q, want no-store", got)
	}
}

func TestErrorButtons(t *testing.T) {
	h := testIdP(t).Handler()
	for _, e := range SimulatedErrors() {
		t.Run(e.Code, func(t *testing.T) {
			state := pick(t, h, SpidL2, "rs")
			doc := answer(t, post(h, "/sso/continue", url.Values{"state": {state}, "error": {e.Code}}), "rs")
			if got := attr(find(t, doc, "/Response/Status/StatusCode"), "Value"); got != StatusResponder {
				t.Errorf("status: got %q, want Responder", got)
			}
			if got := attr(find(t, doc, "/Response/Status/StatusCode/StatusCode"), "Value"); got != StatusAuthnFailed {
				t.Errorf("second-level status: got %q, want AuthnFailed", got)
			}
			if got := find(t, doc, "/Response/Status/StatusMessage").Text(); got != "ErrorCode "+e.Code {
				t.Errorf("StatusMessage: got %q, want ErrorCode %s", got, e.Code)
			}
			if got := attr(doc.Root(), "InResponseTo"); got != "_req1" {
				t.Errorf("InResponseTo: got %q, want _req1", got)
			}
			if doc.FindElement("/Response/Assertion") != nil {
				t.Error("an error Response carries an Assertion")
			}
		})
	}
}

func TestPostBinding(t *testing.T) {
	h := testIdP(t).Handler()
	form := url.Values{"SAMLRequest": {base64.StdEncoding.EncodeToString([]byte(authnRequest("_req9", testSP, SpidL1)))}, "RelayState": {"r"}}
	w := post(h, "/sso", form)
	if w.Code != http.StatusOK {
		t.Fatalf("POST /sso: got %d: %s", w.Code, w.Body)
	}
	w = post(h, "/sso/continue", url.Values{"state": {hidden(t, w.Body.String(), "state")}, "identity": {Identities()[1].SpidCode}})
	doc := answer(t, w, "r")
	if got := attr(doc.Root(), "InResponseTo"); got != "_req9" {
		t.Errorf("InResponseTo: got %q, want _req9", got)
	}
}

func TestCIEFlow(t *testing.T) {
	cfg := testConfig()
	cfg.CIE = true
	idp, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h := idp.Handler()
	state := pick(t, h, SpidL2, "")
	doc := answer(t, post(h, "/sso/continue", url.Values{"state": {state}, "identity": {Identities()[0].SpidCode}}), "")
	if got := find(t, doc, "/Response/Issuer"); attr(got, "Format") != "" {
		t.Errorf("CIE Response Issuer: got Format %q, want none", attr(got, "Format"))
	}
	if got := attributes(doc); len(got) != 4 {
		t.Errorf("CIE attributes: got %v, want the four CIE releases", got)
	}
}

func TestBadInputGets400(t *testing.T) {
	idp := testIdP(t)
	h := idp.Handler()
	b64 := func(s string) string { return url.QueryEscape(base64.StdEncoding.EncodeToString([]byte(s))) }
	redirect := func(s string) string { return redirectQuery(t, s, "", nil) }
	huge := strings.Replace(authnRequest("_big", testSP, SpidL2), "<samlp:NameIDPolicy", "<!--"+strings.Repeat("x", maxMessage)+"--><samlp:NameIDPolicy", 1)
	good := pick(t, h, SpidL2, "")
	data, mac, _ := strings.Cut(good, ".")
	expired, err := idp.sealState(pending{ID: "_r", SP: testSP, Level: SpidL2, Expires: time.Now().Add(-time.Minute).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	withACS := strings.Replace(authnRequest("_r", testSP, SpidL2), `ForceAuthn="true"`, `AssertionConsumerServiceURL="https://evil.example/acs"`, 1)

	tests := []struct {
		name    string
		req     func() *httptest.ResponseRecorder
		wantMsg string
	}{
		{"ErrNoRequest", func() *httptest.ResponseRecorder { return get(h, "/sso") }, "Manca il parametro SAMLRequest."},
		{"ErrNotBase64", func() *httptest.ResponseRecorder { return get(h, "/sso?SAMLRequest=%25%25%25") }, "non è codificato in base64"},
		{"ErrNotDeflate", func() *httptest.ResponseRecorder { return get(h, "/sso?SAMLRequest="+b64("plain text")) }, "non è compresso con DEFLATE"},
		{"ErrNotXML", func() *httptest.ResponseRecorder { return get(h, "/sso?"+redirect("not <xml")) }, "non è un AuthnRequest valido"},
		{"ErrWrongMessage", func() *httptest.ResponseRecorder { return get(h, "/sso?"+redirect(logoutRequest("_l", testSP))) }, "non è un AuthnRequest valido"},
		{"ErrVersion", func() *httptest.ResponseRecorder {
			return get(h, "/sso?"+redirect(strings.Replace(authnRequest("_r", testSP, SpidL2), `Version="2.0"`, `Version="1.1"`, 1)))
		}, "versione 2.0"},
		{"ErrNoID", func() *httptest.ResponseRecorder { return get(h, "/sso?"+redirect(authnRequest("", testSP, SpidL2))) }, "non ha un ID"},
		{"ErrNoIssuer", func() *httptest.ResponseRecorder { return get(h, "/sso?"+redirect(authnRequest("_r", "", SpidL2))) }, "(Issuer)"},
		{"ErrUnknownSP", func() *httptest.ResponseRecorder {
			return get(h, "/sso?"+redirect(authnRequest("_r", "https://unknown.example", SpidL2)))
		}, "non è registrato"},
		{"ErrNoLevel", func() *httptest.ResponseRecorder {
			return get(h, "/sso?"+redirect(authnRequest("_r", testSP, "urn:other")))
		}, "RequestedAuthnContext"},
		{"ErrForeignACS", func() *httptest.ResponseRecorder { return get(h, "/sso?"+redirect(withACS)) }, "AssertionConsumerServiceURL"},
		{"ErrLongRelayState", func() *httptest.ResponseRecorder {
			return get(h, "/sso?"+redirectQuery(t, authnRequest("_r", testSP, SpidL2), strings.Repeat("r", 81), nil))
		}, "RelayState"},
		{"ErrInflatedTooLarge", func() *httptest.ResponseRecorder { return get(h, "/sso?"+redirect(huge)) }, "64 KiB"},
		{"ErrPostTooLarge", func() *httptest.ResponseRecorder {
			return post(h, "/sso", url.Values{"SAMLRequest": {base64.StdEncoding.EncodeToString([]byte(huge + huge))}})
		}, "64 KiB"},
		{"ErrPostDecodedTooLarge", func() *httptest.ResponseRecorder {
			return post(h, "/sso", url.Values{"SAMLRequest": {base64.StdEncoding.EncodeToString([]byte(huge))}})
		}, "64 KiB"},
		{"ErrPostNotBase64", func() *httptest.ResponseRecorder { return post(h, "/sso", url.Values{"SAMLRequest": {"***"}}) }, "base64"},
		{"ErrStateMissing", func() *httptest.ResponseRecorder {
			return post(h, "/sso/continue", url.Values{"identity": {Identities()[0].SpidCode}})
		}, "pagina di scelta non è valida"},
		{"ErrStateTampered", func() *httptest.ResponseRecorder {
			forged := base64.RawURLEncoding.EncodeToString([]byte(`{"id":"_x","sp":"` + testSP + `","lvl":"` + SpidL3 + `","exp":9999999999}`))
			return post(h, "/sso/continue", url.Values{"state": {forged + "." + mac}, "identity": {Identities()[0].SpidCode}})
		}, "pagina di scelta non è valida"},
		{"ErrStateBadMAC", func() *httptest.ResponseRecorder {
			return post(h, "/sso/continue", url.Values{"state": {data + ".AAAA"}, "identity": {Identities()[0].SpidCode}})
		}, "pagina di scelta non è valida"},
		{"ErrStateExpired", func() *httptest.ResponseRecorder {
			return post(h, "/sso/continue", url.Values{"state": {expired}, "identity": {Identities()[0].SpidCode}})
		}, "scaduta"},
		{"ErrNoChoice", func() *httptest.ResponseRecorder { return post(h, "/sso/continue", url.Values{"state": {good}}) }, "Scegli un cittadino"},
		{"ErrUnknownIdentity", func() *httptest.ResponseRecorder {
			return post(h, "/sso/continue", url.Values{"state": {good}, "identity": {"nobody"}})
		}, "Scegli un cittadino"},
		{"ErrUnknownError", func() *httptest.ResponseRecorder {
			return post(h, "/sso/continue", url.Values{"state": {good}, "error": {"nr99"}})
		}, "nr99"},
		{"ErrSLONotLogoutRequest", func() *httptest.ResponseRecorder {
			return get(h, "/slo?"+redirect(authnRequest("_r", testSP, SpidL2)))
		}, "non è un LogoutRequest valido"},
		{"ErrSLOUnknownSP", func() *httptest.ResponseRecorder {
			return get(h, "/slo?"+redirect(logoutRequest("_l", "https://unknown.example")))
		}, "non è registrato"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := tt.req()
			if w.Code != http.StatusBadRequest {
				t.Fatalf("got %d, want 400: %s", w.Code, w.Body)
			}
			if body := html.UnescapeString(w.Body.String()); !strings.Contains(body, tt.wantMsg) {
				t.Errorf("the page does not say %q:\n%s", tt.wantMsg, body)
			}
		})
	}
}

func TestErrorPageSpeaksEnglishWhenAsked(t *testing.T) {
	r := httptest.NewRequest("GET", "/_testidp/sso", nil)
	r.Header.Set("Accept-Language", "en")
	w := serve(testIdP(t).Handler(), r)
	if body := w.Body.String(); w.Code != http.StatusBadRequest || !strings.Contains(body, "The parameter SAMLRequest is missing.") ||
		!strings.Contains(body, `lang="en"`) {
		t.Errorf("got %d:\n%s\nwant 400 in English", w.Code, body)
	}
}

// spKey is the test SP's signing key and certificate.
func spKey(t *testing.T) (*rsa.PrivateKey, *x509.Certificate) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sp"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return key, cert
}

func TestRequestSignatures(t *testing.T) {
	key, cert := spKey(t)
	otherKey, _ := spKey(t)
	cfg := testConfig()
	cfg.Key, cfg.Cert = testIdP(t).key, testIdP(t).cert
	cfg.ServiceProvider = func(id string) (ServiceProvider, bool) {
		return ServiceProvider{EntityID: testSP, ACS: testACS, SLO: testSLO, Certificate: cert}, id == testSP
	}
	idp, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h := idp.Handler()
	req := authnRequest("_s1", testSP, SpidL2)

	signedXML := func(k *rsa.PrivateKey, c *x509.Certificate) string {
		doc := etree.NewDocument()
		if err := doc.ReadFromString(req); err != nil {
			t.Fatal(err)
		}
		ctx, err := dsig.NewSigningContext(k, [][]byte{c.Raw})
		if err != nil {
			t.Fatal(err)
		}
		ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
		signed, err := ctx.SignEnveloped(doc.Root())
		if err != nil {
			t.Fatal(err)
		}
		doc.SetRoot(signed)
		s, err := doc.WriteToString()
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	postXML := func(s string) *httptest.ResponseRecorder {
		return post(h, "/sso", url.Values{"SAMLRequest": {base64.StdEncoding.EncodeToString([]byte(s))}})
	}

	tests := []struct {
		name string
		do   func() *httptest.ResponseRecorder
		want int
	}{
		{"RedirectSigned", func() *httptest.ResponseRecorder { return get(h, "/sso?"+redirectQuery(t, req, "rs", key)) }, 200},
		{"ErrRedirectUnsigned", func() *httptest.ResponseRecorder { return get(h, "/sso?"+redirectQuery(t, req, "rs", nil)) }, 400},
		{"ErrRedirectOtherKey", func() *httptest.ResponseRecorder { return get(h, "/sso?"+redirectQuery(t, req, "rs", otherKey)) }, 400},
		{"ErrRedirectRelayStateChanged", func() *httptest.ResponseRecorder {
			return get(h, "/sso?"+strings.Replace(redirectQuery(t, req, "rs", key), "RelayState=rs", "RelayState=xx", 1))
		}, 400},
		{"PostSigned", func() *httptest.ResponseRecorder { return postXML(signedXML(key, cert)) }, 200},
		{"ErrPostUnsigned", func() *httptest.ResponseRecorder { return postXML(req) }, 400},
		{"ErrPostTampered", func() *httptest.ResponseRecorder {
			return postXML(strings.Replace(signedXML(key, cert), "SpidL2", "SpidL1", 1))
		}, 400},
		{"ErrPostOtherKey", func() *httptest.ResponseRecorder {
			_, otherCert := spKey(t)
			return postXML(signedXML(otherKey, otherCert))
		}, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if w := tt.do(); w.Code != tt.want {
				t.Errorf("got %d, want %d: %s", w.Code, tt.want, w.Body)
			}
		})
	}
}

func TestSingleLogoutRedirect(t *testing.T) {
	idp := testIdP(t)
	w := get(idp.Handler(), "/slo?"+redirectQuery(t, logoutRequest("_lo1", testSP), "rs-9", nil))
	if w.Code != http.StatusFound {
		t.Fatalf("got %d, want 302: %s", w.Code, w.Body)
	}
	loc, err := url.Parse(w.Header().Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != testSLO {
		t.Errorf("redirect to %s, want %s", got, testSLO)
	}
	q := loc.Query()
	if q.Get("RelayState") != "rs-9" || q.Get("SigAlg") != sigRSASHA256 {
		t.Errorf("RelayState %q, SigAlg %q: want rs-9 and RSA-SHA256", q.Get("RelayState"), q.Get("SigAlg"))
	}
	signed, _, _ := strings.Cut(loc.RawQuery, "&Signature=")
	sig, err := base64.StdEncoding.DecodeString(q.Get("Signature"))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(signed))
	if err := rsa.VerifyPKCS1v15(idp.Certificate().PublicKey.(*rsa.PublicKey), crypto.SHA256, sum[:], sig); err != nil {
		t.Errorf("query signature: %v", err)
	}
	raw, err := base64.StdEncoding.DecodeString(q.Get("SAMLResponse"))
	if err != nil {
		t.Fatal(err)
	}
	xml, err := io.ReadAll(flate.NewReader(bytes.NewReader(raw)))
	if err != nil {
		t.Fatal(err)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(xml); err != nil {
		t.Fatal(err)
	}
	lr := doc.Root()
	if lr.Tag != "LogoutResponse" || attr(lr, "InResponseTo") != "_lo1" || attr(lr, "Destination") != testSLO {
		t.Errorf("got %s InResponseTo=%q Destination=%q", lr.Tag, attr(lr, "InResponseTo"), attr(lr, "Destination"))
	}
	if attr(lr.FindElement("Status/StatusCode"), "Value") != StatusSuccess {
		t.Error("status is not Success")
	}
}

func TestSingleLogoutPost(t *testing.T) {
	idp := testIdP(t)
	w := post(idp.Handler(), "/slo", url.Values{"SAMLRequest": {Encode([]byte(logoutRequest("_lo2", testSP)))}, "RelayState": {"x"}})
	if w.Code != http.StatusOK {
		t.Fatalf("got %d, want 200: %s", w.Code, w.Body)
	}
	page := w.Body.String()
	if !strings.Contains(page, `action="`+testSLO+`"`) || hidden(t, page, "RelayState") != "x" {
		t.Errorf("the form does not post to the SLO with the RelayState:\n%s", page)
	}
	xml, err := base64.StdEncoding.DecodeString(hidden(t, page, "SAMLResponse"))
	if err != nil {
		t.Fatal(err)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(xml); err != nil {
		t.Fatal(err)
	}
	if attr(doc.Root(), "InResponseTo") != "_lo2" {
		t.Errorf("InResponseTo: got %q, want _lo2", attr(doc.Root(), "InResponseTo"))
	}
	if err := verify(doc.Root(), idp.Certificate()); err != nil {
		t.Errorf("signature: %v", err)
	}
}

func TestMetadata(t *testing.T) {
	idp := testIdP(t)
	w := get(idp.Handler(), "/metadata")
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/samlmetadata+xml" {
		t.Fatalf("got %d %q, want 200 application/samlmetadata+xml", w.Code, w.Header().Get("Content-Type"))
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(w.Body.Bytes()); err != nil {
		t.Fatal(err)
	}
	ed := doc.Root()
	if err := verify(ed, idp.Certificate()); err != nil {
		t.Errorf("signature: %v", err)
	}
	if kids := ed.ChildElements(); len(kids) == 0 || kids[0].Tag != "Signature" {
		t.Errorf("children %v: want the Signature first", tags(kids))
	}
	if attr(ed, "entityID") != testEntityID {
		t.Errorf("entityID: got %q, want %q", attr(ed, "entityID"), testEntityID)
	}
	sso := ed.FindElement("IDPSSODescriptor")
	if sso == nil || attr(sso, "WantAuthnRequestsSigned") != "true" {
		t.Fatal("no IDPSSODescriptor wanting signed requests")
	}
	if got := sso.FindElement("NameIDFormat"); got == nil || got.Text() != TransientFormat {
		t.Error("NameIDFormat is not transient")
	}
	kd := sso.FindElement("KeyDescriptor[@use='signing']/KeyInfo/X509Data/X509Certificate")
	if kd == nil || kd.Text() != base64.StdEncoding.EncodeToString(idp.Certificate().Raw) {
		t.Error("no signing KeyDescriptor with the IdP's certificate")
	}
	for _, svc := range []struct{ tag, path string }{{"SingleSignOnService", "/sso"}, {"SingleLogoutService", "/slo"}} {
		for _, b := range []string{bindingRedirect, bindingPOST} {
			el := sso.FindElement(svc.tag + "[@Binding='" + b + "']")
			if el == nil || attr(el, "Location") != testBase+svc.path {
				t.Errorf("%s %s: got %v, want Location %s", svc.tag, b, el, testBase+svc.path)
			}
		}
	}
	if idp.Certificate().PublicKey.(*rsa.PublicKey).N.BitLen() != 2048 {
		t.Error("the generated key is not 2048-bit RSA")
	}
}

func TestNew(t *testing.T) {
	lookup := testConfig().ServiceProvider
	tests := []struct {
		name    string
		cfg     Config
		wantErr bool
	}{
		{"ErrProduction", Config{BaseURL: testBase, ServiceProvider: lookup, Production: true}, true},
		{"ErrNoLookup", Config{BaseURL: testBase}, true},
		{"ErrRelativeBaseURL", Config{BaseURL: "/_testidp", ServiceProvider: lookup}, true},
		{"ErrKeyWithoutCert", Config{BaseURL: testBase, ServiceProvider: lookup, Key: testIdP(t).key}, true},
		{"EntityIDGiven", Config{BaseURL: testBase, ServiceProvider: lookup, EntityID: "https://idp.example", Key: testIdP(t).key, Cert: testIdP(t).cert}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			idp, err := New(tt.cfg)
			if (err != nil) != tt.wantErr {
				t.Fatalf("got error %v, want error %v", err, tt.wantErr)
			}
			if err == nil && idp.EntityID() != tt.cfg.EntityID {
				t.Errorf("EntityID: got %q, want %q", idp.EntityID(), tt.cfg.EntityID)
			}
		})
	}
	if got := testIdP(t).EntityID(); got != testEntityID {
		t.Errorf("default EntityID: got %q, want %q", got, testEntityID)
	}
}
