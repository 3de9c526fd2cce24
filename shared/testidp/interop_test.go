package testidp

import (
	"encoding/xml"
	"net/url"
	"testing"

	"github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"
)

// crewjamSP returns crewjam's service provider trusting idp through its
// metadata and signing its requests with a key of its own. Tests run it as
// an independent SAML implementation against the test IdP.
func crewjamSP(t *testing.T, idp *IdP) *saml.ServiceProvider {
	t.Helper()
	md, err := idp.Metadata()
	if err != nil {
		t.Fatal(err)
	}
	var ed saml.EntityDescriptor
	if err := xml.Unmarshal(md, &ed); err != nil {
		t.Fatal(err)
	}
	key, cert := spKey(t)
	acs, _ := url.Parse(testACS)
	meta, _ := url.Parse(testSP)
	slo, _ := url.Parse(testSLO)
	return &saml.ServiceProvider{
		EntityID: testSP, AcsURL: *acs, MetadataURL: *meta, SloURL: *slo, IDPMetadata: &ed,
		Key: key, Certificate: cert, SignatureMethod: dsig.RSASHA256SignatureMethod,
		RequestedAuthnContext: &saml.RequestedAuthnContext{Comparison: "minimum", AuthnContextClassRef: SpidL2},
	}
}

// TestCrewjamAcceptsDefaultResponse checks the forge against an independent
// SAML implementation: crewjam accepts the default Response and reads its
// attributes.
func TestCrewjamAcceptsDefaultResponse(t *testing.T) {
	idp := testIdP(t)
	sp := crewjamSP(t, idp)
	resp, err := idp.Response(defaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	a, err := sp.ParseXMLResponse(resp, []string{"_req1"}, sp.AcsURL)
	if err != nil {
		t.Fatalf("crewjam refused the Response: %v", err)
	}
	if got, want := fiscalNumber(a), Identities()[0].FiscalNumber; got != want {
		t.Errorf("fiscalNumber: got %q, want %q", got, want)
	}
}

func fiscalNumber(a *saml.Assertion) string {
	for _, st := range a.AttributeStatements {
		for _, at := range st.Attributes {
			if at.Name == "fiscalNumber" && len(at.Values) == 1 {
				return at.Values[0].Value
			}
		}
	}
	return ""
}

// TestCrewjamSignsIn runs the whole sign-in with crewjam as the SP: its
// signed HTTP-Redirect AuthnRequest, the picker, and its validation of the
// Response. The IdP learns the SP from crewjam's metadata, certificate
// included, so the request's signature is verified too.
func TestCrewjamSignsIn(t *testing.T) {
	base := testIdP(t)
	sp := crewjamSP(t, base)
	spMeta, err := xml.Marshal(sp.Metadata())
	if err != nil {
		t.Fatal(err)
	}
	reg, err := ParseServiceProvider(spMeta)
	if err != nil {
		t.Fatal(err)
	}
	if reg.Certificate == nil || !reg.Certificate.Equal(sp.Certificate) {
		t.Fatal("ParseServiceProvider did not read the SP's certificate")
	}
	cfg := testConfig()
	cfg.Key, cfg.Cert = base.key, base.cert
	cfg.ServiceProvider = func(id string) (ServiceProvider, bool) { return reg, id == reg.EntityID }
	idp, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h := idp.Handler()

	req, err := sp.MakeAuthenticationRequest(sp.GetSSOBindingLocation(saml.HTTPRedirectBinding), saml.HTTPRedirectBinding, saml.HTTPPostBinding)
	if err != nil {
		t.Fatal(err)
	}
	u, err := req.Redirect("rs-1", sp)
	if err != nil {
		t.Fatal(err)
	}
	w := get(h, "/sso?"+u.RawQuery)
	if w.Code != 200 {
		t.Fatalf("GET /sso: got %d: %s", w.Code, w.Body)
	}
	chosen := Identities()[3]
	w = post(h, "/sso/continue", url.Values{"state": {hidden(t, w.Body.String(), "state")}, "identity": {chosen.SpidCode}})
	doc := answer(t, w, "rs-1")
	resp, err := doc.WriteToBytes()
	if err != nil {
		t.Fatal(err)
	}
	a, err := sp.ParseXMLResponse(resp, []string{req.ID}, sp.AcsURL)
	if err != nil {
		t.Fatalf("crewjam refused the Response: %v", err)
	}
	if got := fiscalNumber(a); got != chosen.FiscalNumber {
		t.Errorf("fiscalNumber: got %q, want %q", got, chosen.FiscalNumber)
	}
}
