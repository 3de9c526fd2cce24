package testidp

import (
	"crypto/x509"
	"encoding/base64"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
)

const (
	testACS      = "https://comune.example/auth/acs"
	testSLO      = "https://comune.example/auth/slo"
	testSP       = "https://comune.example/auth/metadata"
	testBase     = "http://127.0.0.1:8080/_testidp"
	testEntityID = testBase + "/metadata"
)

var (
	sharedIdP     *IdP
	sharedIdPOnce sync.Once
	sharedIdPErr  error
)

// testIdP returns an IdP that knows the test SP. It is built once: key
// generation takes a while.
func testIdP(t testing.TB) *IdP {
	t.Helper()
	sharedIdPOnce.Do(func() { sharedIdP, sharedIdPErr = New(testConfig()) })
	if sharedIdPErr != nil {
		t.Fatal(sharedIdPErr)
	}
	return sharedIdP
}

func testConfig() Config {
	return Config{
		BaseURL: testBase,
		ServiceProvider: func(id string) (ServiceProvider, bool) {
			if id != testSP {
				return ServiceProvider{}, false
			}
			return ServiceProvider{EntityID: testSP, ACS: testACS, SLO: testSLO}, true
		},
	}
}

func defaultOptions() ResponseOptions {
	return ResponseOptions{InResponseTo: "_req1", ACS: testACS, Audience: testSP}
}

// forge builds a Response and parses it back.
func forge(t *testing.T, idp *IdP, o ResponseOptions) *etree.Document {
	t.Helper()
	xml, err := idp.Response(o)
	if err != nil {
		t.Fatal(err)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(xml); err != nil {
		t.Fatalf("the Response is not XML: %v", err)
	}
	return doc
}

// verify checks the enveloped signature of el against cert.
func verify(el *etree.Element, cert *x509.Certificate) error {
	ctx := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{cert}})
	_, err := ctx.Validate(el)
	return err
}

// find returns the element at path (etree syntax) or fails the test.
func find(t *testing.T, doc *etree.Document, path string) *etree.Element {
	t.Helper()
	el := doc.FindElement(path)
	if el == nil {
		t.Fatalf("no %s in the Response", path)
	}
	return el
}

func attr(el *etree.Element, name string) string { return el.SelectAttrValue(name, "") }

func TestDefaultResponseIsCompliant(t *testing.T) {
	idp := testIdP(t)
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	o := defaultOptions()
	o.Now = now
	doc := forge(t, idp, o)

	resp := doc.Root()
	if resp.Space != "samlp" || resp.Tag != "Response" {
		t.Fatalf("root: got %s:%s, want samlp:Response", resp.Space, resp.Tag)
	}
	a := find(t, doc, "/Response/Assertion")
	if err := verify(resp, idp.Certificate()); err != nil {
		t.Errorf("Response signature: %v", err)
	}
	if err := verify(a, idp.Certificate()); err != nil {
		t.Errorf("Assertion signature: %v", err)
	}
	// The Signature follows the Issuer, as SAML's schema orders them.
	for _, el := range []*etree.Element{resp, a} {
		kids := el.ChildElements()
		if len(kids) < 2 || kids[0].Tag != "Issuer" || kids[1].Tag != "Signature" {
			t.Errorf("%s: children start %v, want Issuer, Signature", el.Tag, tags(kids))
		}
	}
	sig := find(t, doc, "/Response/Signature")
	if got := attr(sig.FindElement("SignedInfo/SignatureMethod"), "Algorithm"); got != dsig.RSASHA256SignatureMethod {
		t.Errorf("SignatureMethod: got %s, want RSA-SHA256", got)
	}
	if got := attr(sig.FindElement("SignedInfo/CanonicalizationMethod"), "Algorithm"); got != string(dsig.CanonicalXML10ExclusiveAlgorithmId) {
		t.Errorf("CanonicalizationMethod: got %s, want exclusive c14n", got)
	}

	at := instant(now)
	later := instant(now.Add(5 * time.Minute))
	checks := []struct{ path, attr, want string }{
		{"/Response", "Version", "2.0"},
		{"/Response", "IssueInstant", at},
		{"/Response", "Destination", testACS},
		{"/Response", "InResponseTo", "_req1"},
		{"/Response/Issuer", "Format", EntityFormat},
		{"/Response/Issuer", "", testEntityID},
		{"/Response/Status/StatusCode", "Value", StatusSuccess},
		{"/Response/Assertion", "Version", "2.0"},
		{"/Response/Assertion", "IssueInstant", at},
		{"/Response/Assertion/Issuer", "Format", EntityFormat},
		{"/Response/Assertion/Issuer", "", testEntityID},
		{"/Response/Assertion/Subject/NameID", "Format", TransientFormat},
		{"/Response/Assertion/Subject/NameID", "NameQualifier", testEntityID},
		{"/Response/Assertion/Subject/SubjectConfirmation", "Method", bearer},
		{"/Response/Assertion/Subject/SubjectConfirmation/SubjectConfirmationData", "Recipient", testACS},
		{"/Response/Assertion/Subject/SubjectConfirmation/SubjectConfirmationData", "InResponseTo", "_req1"},
		{"/Response/Assertion/Subject/SubjectConfirmation/SubjectConfirmationData", "NotOnOrAfter", later},
		{"/Response/Assertion/Conditions", "NotBefore", at},
		{"/Response/Assertion/Conditions", "NotOnOrAfter", later},
		{"/Response/Assertion/Conditions/AudienceRestriction/Audience", "", testSP},
		{"/Response/Assertion/AuthnStatement", "AuthnInstant", at},
		{"/Response/Assertion/AuthnStatement/AuthnContext/AuthnContextClassRef", "", SpidL2},
	}
	for _, c := range checks {
		el := find(t, doc, c.path)
		got := el.Text()
		if c.attr != "" {
			got = attr(el, c.attr)
		}
		if got != c.want {
			t.Errorf("%s %s: got %q, want %q", c.path, c.attr, got, c.want)
		}
	}
	if attr(resp, "ID") == "" || attr(a, "ID") == "" || attr(resp, "ID") == attr(a, "ID") {
		t.Errorf("IDs: got Response %q and Assertion %q, want two different IDs", attr(resp, "ID"), attr(a, "ID"))
	}
	if find(t, doc, "/Response/Assertion/Subject/NameID").Text() == "" {
		t.Error("NameID is empty")
	}
	if attr(find(t, doc, "/Response/Assertion/AuthnStatement"), "SessionIndex") == "" {
		t.Error("SessionIndex is missing")
	}
	got := attributes(doc)
	want := Identities()[0].Attributes()
	if len(got) != len(want) {
		t.Errorf("attributes: got %d, want %d", len(got), len(want))
	}
	for n, v := range want {
		if got[n] != v {
			t.Errorf("attribute %s: got %q, want %q", n, got[n], v)
		}
	}
}

func tags(els []*etree.Element) []string {
	var s []string
	for _, el := range els {
		s = append(s, el.Tag)
	}
	return s
}

// attributes reads the AttributeStatement of doc.
func attributes(doc *etree.Document) map[string]string {
	m := map[string]string{}
	for _, a := range doc.FindElements("/Response/Assertion/AttributeStatement/Attribute") {
		v := ""
		if el := a.FindElement("AttributeValue"); el != nil {
			v = el.Text()
		}
		m[attr(a, "Name")] = v
	}
	return m
}

func TestEncode(t *testing.T) {
	got, err := base64.StdEncoding.DecodeString(Encode([]byte("<x/>")))
	if err != nil || string(got) != "<x/>" {
		t.Errorf("got %q, %v; want <x/>", got, err)
	}
	if strings.ContainsAny(Encode([]byte("<x/>")), "\n") {
		t.Error("Encode wraps lines")
	}
}

// generated matches the random IDs the forge makes (IDs, NameID,
// SessionIndex), which differ between two otherwise equal Responses.
var generated = regexp.MustCompile(`^_[0-9a-f]{40}$`)

// flatten maps every attribute and text of doc to its path, e.g.
// "Response/Assertion/Subject/NameID/@Format", ".../NameID/text()", and
// each element to "(element)". Attribute elements are
// named by their Name, signatures are left out and generated values
// masked, so that two Responses compare by what the options control.
func flatten(doc *etree.Document) map[string]string {
	m := map[string]string{}
	var walk func(el *etree.Element, path string)
	walk = func(el *etree.Element, path string) {
		if el.Tag == "Signature" {
			return
		}
		path += el.Tag
		if el.Tag == "Attribute" {
			path += "[" + attr(el, "Name") + "]"
		}
		for _, a := range el.Attr {
			if a.Space == "xmlns" || a.Key == "xmlns" {
				continue
			}
			m[path+"/@"+a.Key] = mask(a.Value)
		}
		m[path] = "(element)"
		if text := strings.TrimSpace(el.Text()); text != "" {
			m[path+"/text()"] = mask(text)
		}
		for _, c := range el.ChildElements() {
			walk(c, path+"/")
		}
	}
	walk(doc.Root(), "")
	return m
}

func mask(v string) string {
	if generated.MatchString(v) {
		return "(generated)"
	}
	return v
}

// TestOptionsChangeOnlyWhatTheySay forges the default Response and one with
// an option, and checks that the paths that differ are exactly those under
// the option's reach.
func TestOptionsChangeOnlyWhatTheySay(t *testing.T) {
	idp := testIdP(t)
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	const (
		scd  = "Response/Assertion/Subject/SubjectConfirmation/SubjectConfirmationData"
		cond = "Response/Assertion/Conditions"
	)
	tests := []struct {
		name   string
		set    func(o *ResponseOptions)
		change []string // path prefixes that must change, and nothing else
	}{
		{"InResponseTo", func(o *ResponseOptions) { o.InResponseTo = "_other" }, []string{"Response/@InResponseTo", scd + "/@InResponseTo"}},
		{"Unsolicited", func(o *ResponseOptions) { o.InResponseTo = "" }, []string{"Response/@InResponseTo", scd + "/@InResponseTo"}},
		{"Destination", func(o *ResponseOptions) { o.Destination = "https://evil.example/acs" }, []string{"Response/@Destination"}},
		{"Recipient", func(o *ResponseOptions) { o.Recipient = "https://evil.example/acs" }, []string{scd + "/@Recipient"}},
		{"Audience", func(o *ResponseOptions) { o.Audience = "https://other.example" }, []string{cond + "/AudienceRestriction/Audience"}},
		{"ResponseIssuer", func(o *ResponseOptions) { o.ResponseIssuer = "https://evil.example" }, []string{"Response/Issuer"}},
		{"AssertionIssuer", func(o *ResponseOptions) { o.AssertionIssuer = "https://evil.example" }, []string{"Response/Assertion/Issuer"}},
		{"ResponseIssuerFormat", func(o *ResponseOptions) { o.ResponseIssuerFormat = TransientFormat }, []string{"Response/Issuer/@Format"}},
		{"AssertionIssuerFormat", func(o *ResponseOptions) { o.AssertionIssuerFormat = TransientFormat }, []string{"Response/Assertion/Issuer/@Format"}},
		{"NameID", func(o *ResponseOptions) { o.NameID = "someone" }, []string{"Response/Assertion/Subject/NameID"}},
		{"NameIDFormat", func(o *ResponseOptions) { o.NameIDFormat = EntityFormat }, []string{"Response/Assertion/Subject/NameID/@Format"}},
		{"NameQualifier", func(o *ResponseOptions) { o.NameQualifier = "https://other.example" }, []string{"Response/Assertion/Subject/NameID/@NameQualifier"}},
		{"Level", func(o *ResponseOptions) { o.Level = SpidL3 }, []string{"Response/Assertion/AuthnStatement/AuthnContext/AuthnContextClassRef"}},
		{"IssueInstant", func(o *ResponseOptions) { o.IssueInstant = now.Add(time.Hour) },
			[]string{"Response/@IssueInstant", "Response/Assertion/@IssueInstant", "Response/Assertion/AuthnStatement/@AuthnInstant"}},
		{"NotBefore", func(o *ResponseOptions) { o.NotBefore = now.Add(time.Hour) }, []string{cond + "/@NotBefore"}},
		{"NotOnOrAfter", func(o *ResponseOptions) { o.NotOnOrAfter = now.Add(-time.Hour) }, []string{cond + "/@NotOnOrAfter"}},
		{"SubjectNotOnOrAfter", func(o *ResponseOptions) { o.SubjectNotOnOrAfter = now.Add(-time.Hour) }, []string{scd + "/@NotOnOrAfter"}},
		{"Now", func(o *ResponseOptions) { o.Now = now.Add(-time.Hour) },
			[]string{"Response/@IssueInstant", "Response/Assertion/@IssueInstant", "Response/Assertion/AuthnStatement/@AuthnInstant",
				cond + "/@NotBefore", cond + "/@NotOnOrAfter", scd + "/@NotOnOrAfter"}},
		{"Identity", func(o *ResponseOptions) { o.Identity = &Identities()[2] }, []string{"Response/Assertion/AttributeStatement"}},
		{"Attributes", func(o *ResponseOptions) { o.Attributes = map[string]string{"email": ""} }, []string{"Response/Assertion/AttributeStatement"}},
		{"CIE", func(o *ResponseOptions) { o.CIE = true }, []string{"Response/Issuer/@Format", "Response/Assertion/AttributeStatement"}},
		{"ErrorCode", func(o *ResponseOptions) { o.ErrorCode = "nr19" }, []string{"Response/Status", "Response/Assertion"}},
		{"StatusMessage", func(o *ResponseOptions) { o.StatusMessage = "Tutto bene" }, []string{"Response/Status/StatusMessage"}},
		{"SubStatus", func(o *ResponseOptions) { o.SubStatus = StatusAuthnFailed }, []string{"Response/Status/StatusCode/StatusCode"}},
		{"Status", func(o *ResponseOptions) { o.Status = StatusRequester }, []string{"Response/Status/StatusCode/@Value", "Response/Assertion"}},
	}
	for _, p := range []Part{PartDestination, PartResponseIssuer, PartResponseIssuerFormat, PartAssertion,
		PartAssertionIssuerFormat, PartNameID, PartNameIDFormat, PartNameQualifier, PartSubjectInResponseTo, PartRecipient,
		PartSubjectNotOnOrAfter, PartConditions, PartNotBefore, PartNotOnOrAfter, PartAudienceRestriction,
		PartAuthnContextClassRef, PartAttributeStatement} {
		path := string(p)
		if strings.HasPrefix(path, "Assertion/") {
			path = "Response/" + path
		}
		tests = append(tests, struct {
			name   string
			set    func(o *ResponseOptions)
			change []string
		}{"Omit" + path, func(o *ResponseOptions) { o.Omit = []Part{p} }, []string{path}})
	}
	base := defaultOptions()
	base.Now = now
	want := flatten(forge(t, idp, base))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := base
			tt.set(&o)
			got := flatten(forge(t, idp, o))
			var changed []string
			for k, v := range want {
				if g, ok := got[k]; !ok || g != v {
					changed = append(changed, k)
				}
			}
			for k := range got {
				if _, ok := want[k]; !ok {
					changed = append(changed, k)
				}
			}
			for _, k := range changed {
				if !slices.ContainsFunc(tt.change, func(p string) bool { return strings.HasPrefix(k, p) }) {
					t.Errorf("%s changed (%q → %q), want only %v", k, want[k], got[k], tt.change)
				}
			}
			for _, p := range tt.change {
				if !slices.ContainsFunc(changed, func(k string) bool { return strings.HasPrefix(k, p) }) {
					t.Errorf("%s did not change", p)
				}
			}
		})
	}
}

func TestOmittedStatusMessage(t *testing.T) {
	o := defaultOptions()
	o.ErrorCode = "nr20"
	o.Omit = []Part{PartStatusMessage}
	doc := forge(t, testIdP(t), o)
	if doc.FindElement("/Response/Status/StatusMessage") != nil {
		t.Error("got a StatusMessage, want none")
	}
	if got := attr(find(t, doc, "/Response/Status/StatusCode/StatusCode"), "Value"); got != StatusAuthnFailed {
		t.Errorf("second-level status: got %q, want AuthnFailed", got)
	}
}

func TestErrorResponse(t *testing.T) {
	o := defaultOptions()
	o.ErrorCode = "nr22"
	doc := forge(t, testIdP(t), o)
	checks := map[string]string{
		"/Response/Status/StatusCode":            StatusResponder,
		"/Response/Status/StatusCode/StatusCode": StatusAuthnFailed,
	}
	for path, want := range checks {
		if got := attr(find(t, doc, path), "Value"); got != want {
			t.Errorf("%s: got %q, want %q", path, got, want)
		}
	}
	if got := find(t, doc, "/Response/Status/StatusMessage").Text(); got != "ErrorCode nr22" {
		t.Errorf("StatusMessage: got %q, want ErrorCode nr22", got)
	}
	if doc.FindElement("/Response/Assertion") != nil {
		t.Error("an error Response carries an Assertion")
	}
	if err := verify(doc.Root(), testIdP(t).Certificate()); err != nil {
		t.Errorf("Response signature: %v", err)
	}
}

func TestAttributeOptions(t *testing.T) {
	idp := testIdP(t)
	tests := []struct {
		name string
		set  func(o *ResponseOptions)
		want map[string]string
	}{
		{"EmptyValue", func(o *ResponseOptions) { o.Attributes = map[string]string{"fiscalNumber": "TINIT-X", "email": ""} },
			map[string]string{"fiscalNumber": "TINIT-X", "email": ""}},
		{"EmptyStatement", func(o *ResponseOptions) { o.Attributes = map[string]string{} }, map[string]string{}},
		{"Identity", func(o *ResponseOptions) { o.Identity = &Identities()[6] }, Identities()[6].Attributes()},
		{"CIE", func(o *ResponseOptions) { o.CIE = true }, Identities()[0].CIEAttributes()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := defaultOptions()
			tt.set(&o)
			doc := forge(t, idp, o)
			find(t, doc, "/Response/Assertion/AttributeStatement")
			if got := attributes(doc); !maps.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDateOfBirthIsTypedDate(t *testing.T) {
	doc := forge(t, testIdP(t), defaultOptions())
	for _, a := range doc.FindElements("/Response/Assertion/AttributeStatement/Attribute") {
		want := "xs:string"
		if attr(a, "Name") == "dateOfBirth" {
			want = "xs:date"
		}
		if got := a.FindElement("AttributeValue").SelectAttrValue("xsi:type", ""); got != want {
			t.Errorf("%s: got xsi:type %q, want %q", attr(a, "Name"), got, want)
		}
		if attr(a, "NameFormat") != attrFormat {
			t.Errorf("%s: got NameFormat %q, want basic", attr(a, "Name"), attr(a, "NameFormat"))
		}
	}
}

func TestSignModes(t *testing.T) {
	idp := testIdP(t)
	tests := []struct {
		name                    string
		mode                    SignMode
		response, assertionSign bool
	}{
		{"Both", SignBoth, true, true},
		{"AssertionOnly", SignAssertion, false, true},
		{"ResponseOnly", SignResponse, true, false},
		{"None", SignNone, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := defaultOptions()
			o.Sign = tt.mode
			doc := forge(t, idp, o)
			for _, c := range []struct {
				el   *etree.Element
				want bool
			}{{doc.Root(), tt.response}, {find(t, doc, "/Response/Assertion"), tt.assertionSign}} {
				has := c.el.SelectElement("Signature") != nil
				err := verify(c.el, idp.Certificate())
				if has != c.want || (c.want && err != nil) {
					t.Errorf("%s: got signature %v (verify: %v), want %v", c.el.Tag, has, err, c.want)
				}
			}
		})
	}
}

// TestMutateRunsAfterSigning shows the hook tampers with a signed Response:
// the change is there and the signature no longer holds.
func TestMutateRunsAfterSigning(t *testing.T) {
	idp := testIdP(t)
	o := defaultOptions()
	o.Mutate = func(doc *etree.Document) {
		doc.FindElement("/Response/Assertion/Conditions/AudienceRestriction/Audience").SetText("https://evil.example")
	}
	doc := forge(t, idp, o)
	if got := find(t, doc, "/Response/Assertion/Conditions/AudienceRestriction/Audience").Text(); got != "https://evil.example" {
		t.Fatalf("Audience: got %q, want the mutated one", got)
	}
	if err := verify(find(t, doc, "/Response/Assertion"), idp.Certificate()); err == nil {
		t.Error("the tampered Assertion still verifies")
	}
}

func TestResponseNeedsACSAndAudience(t *testing.T) {
	idp := testIdP(t)
	if _, err := idp.Response(ResponseOptions{Audience: testSP}); err == nil {
		t.Error("no ACS: got no error")
	}
	if _, err := idp.Response(ResponseOptions{ACS: testACS}); err == nil {
		t.Error("no Audience: got no error")
	}
	if _, err := idp.Response(ResponseOptions{ACS: testACS, ErrorCode: "nr19"}); err != nil {
		t.Errorf("error Response without Audience: %v", err)
	}
}

func TestLogoutResponse(t *testing.T) {
	idp := testIdP(t)
	xml, err := idp.LogoutResponse(LogoutResponseOptions{InResponseTo: "_lr1", Destination: testSLO})
	if err != nil {
		t.Fatal(err)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(xml); err != nil {
		t.Fatal(err)
	}
	lr := doc.Root()
	if lr.Tag != "LogoutResponse" || attr(lr, "InResponseTo") != "_lr1" || attr(lr, "Destination") != testSLO {
		t.Errorf("got %s InResponseTo=%q Destination=%q", lr.Tag, attr(lr, "InResponseTo"), attr(lr, "Destination"))
	}
	if got := attr(lr.FindElement("Status/StatusCode"), "Value"); got != StatusSuccess {
		t.Errorf("status: got %q, want Success", got)
	}
	if got := lr.FindElement("Issuer"); got == nil || got.Text() != testEntityID || attr(got, "Format") != EntityFormat {
		t.Errorf("Issuer: got %v, want the IdP with Format entity", got)
	}
	if err := verify(lr, idp.Certificate()); err != nil {
		t.Errorf("signature: %v", err)
	}

	xml, err = idp.LogoutResponse(LogoutResponseOptions{Destination: testSLO, Status: StatusRequester, Unsigned: true})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(xml), StatusRequester) || strings.Contains(string(xml), "Signature") {
		t.Errorf("Status and Unsigned not applied: %s", xml)
	}
	if _, err := idp.LogoutResponse(LogoutResponseOptions{}); err == nil {
		t.Error("no Destination: got no error")
	}
}
