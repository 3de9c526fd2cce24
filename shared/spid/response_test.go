package spid

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/stanzaportal/stanza/shared/auth"
	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/testidp"
)

const requestID = "_9d1c0a0c1d7b4e2f9a8b7c6d5e4f3a2b1c0d9e8f"

// acs is a service provider about to receive the answer to requestID.
type acs struct {
	sp  *ServiceProvider
	idp *testidp.IdP
	reg IdP
	now time.Time
}

func newACS(t testing.TB, v Variant) *acs {
	t.Helper()
	idp := testIdP(t, v)
	return &acs{sp: newSP(t, v), idp: idp, reg: registered(t, idp), now: time.Now().Truncate(time.Second)}
}

// options are those of a compliant answer at level.
func (f *acs) options(level string) testidp.ResponseOptions {
	return testidp.ResponseOptions{
		InResponseTo: requestID,
		ACS:          testACS,
		Audience:     f.sp.EntityID(),
		Level:        level,
		CIE:          f.sp.Variant() == CIE,
		Now:          f.now,
	}
}

// expect is what the service provider expects after asking for level.
func (f *acs) expect(level auth.Level) Expect {
	return Expect{RequestID: requestID, RequestIssued: f.now.Add(-time.Minute), IdP: f.reg, Level: level, Now: f.now}
}

func (f *acs) respond(t testing.TB, o testidp.ResponseOptions) string {
	t.Helper()
	xml, err := f.idp.Response(o)
	if err != nil {
		t.Fatal(err)
	}
	return testidp.Encode(xml)
}

func TestParseResponseAccepts(t *testing.T) {
	anna := testidp.Identities()[0]
	tests := []struct {
		name      string
		variant   Variant
		requested auth.Level
		change    func(*testidp.ResponseOptions)
		wantLevel auth.Level
	}{
		{"SpidL1", SPID, auth.SpidL1, func(o *testidp.ResponseOptions) { o.Level = testidp.SpidL1 }, auth.SpidL1},
		{"SpidL2", SPID, auth.SpidL2, func(o *testidp.ResponseOptions) { o.Level = testidp.SpidL2 }, auth.SpidL2},
		{"SpidL3", SPID, auth.SpidL3, func(o *testidp.ResponseOptions) { o.Level = testidp.SpidL3 }, auth.SpidL3},
		{"HigherLevelThanRequested", SPID, auth.SpidL1, func(o *testidp.ResponseOptions) { o.Level = testidp.SpidL3 }, auth.SpidL3},
		{"OnlyAssertionSigned", SPID, auth.SpidL2, func(o *testidp.ResponseOptions) { o.Sign = testidp.SignAssertion }, auth.SpidL2},
		{"ResponseIssuerWithoutFormat", SPID, auth.SpidL2, func(o *testidp.ResponseOptions) { o.Omit = []testidp.Part{testidp.PartResponseIssuerFormat} }, auth.SpidL2},
		{"ExpiredWithinClockSkew", SPID, auth.SpidL2, func(o *testidp.ResponseOptions) {
			o.Now = o.Now.Add(-5*time.Minute - ClockSkew/2) // NotOnOrAfter is Now + 5 minutes
			o.IssueInstant = time.Now()
		}, auth.SpidL2},
		{"CIE", CIE, auth.CIE, func(o *testidp.ResponseOptions) { o.Level = testidp.SpidL3 }, auth.CIE},
		{"CIEAtLevel2", CIE, auth.SpidL2, func(o *testidp.ResponseOptions) { o.Level = testidp.SpidL2 }, auth.SpidL2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newACS(t, tt.variant)
			o := f.options("")
			tt.change(&o)
			got, err := f.sp.ParseResponse(context.Background(), f.respond(t, o), f.expect(tt.requested))
			if err != nil {
				t.Fatalf("got %v, want the assertion", err)
			}
			if got.Level != tt.wantLevel {
				t.Errorf("level: got %s, want %s", got.Level, tt.wantLevel)
			}
			if got.FiscalCode() != anna.FiscalCode() {
				t.Errorf("fiscal code: got %q, want %q", got.FiscalCode(), anna.FiscalCode())
			}
			if got.IdP != f.idp.EntityID() || got.NameQualifier != f.idp.EntityID() {
				t.Errorf("IdP %q, NameQualifier %q: want both %q", got.IdP, got.NameQualifier, f.idp.EntityID())
			}
			if got.NameID == "" || got.SessionIndex == "" || got.ID == "" {
				t.Errorf("NameID %q, SessionIndex %q, ID %q: want all three for single logout", got.NameID, got.SessionIndex, got.ID)
			}
			wantAttrs := map[string]string{"fiscalNumber": anna.FiscalCode(), "name": anna.Name, "familyName": anna.FamilyName, "dateOfBirth": anna.DateOfBirth}
			if tt.variant == SPID {
				wantAttrs["email"], wantAttrs["mobilePhone"] = anna.Email, anna.MobilePhone
			}
			if len(got.Attributes) != len(wantAttrs) {
				t.Errorf("attributes: got %v, want %v (the requested ones only)", got.Attributes, wantAttrs)
			}
			for k, want := range wantAttrs {
				if got.Attributes[k] != want {
					t.Errorf("attribute %s: got %q, want %q", k, got.Attributes[k], want)
				}
			}
		})
	}
}

func TestParseResponseRejects(t *testing.T) {
	otherKey, err := newTestIdP(false, testEntityID) // same entity ID, another key
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		variant Variant
		change  func(f *acs, o *testidp.ResponseOptions)
		expect  func(e *Expect)
		want    *fault.Error
	}{
		// Signatures.
		{name: "UnsignedAssertionInSignedResponse", change: func(_ *acs, o *testidp.ResponseOptions) { o.Sign = testidp.SignResponse }, want: ErrUnsigned},
		{name: "NothingSigned", change: func(_ *acs, o *testidp.ResponseOptions) { o.Sign = testidp.SignNone }, want: ErrUnsigned},
		{name: "SignedWithAnotherKey", change: func(f *acs, o *testidp.ResponseOptions) { f.idp = otherKey }, want: ErrSignature},
		{name: "ResponseChangedAfterSigning", change: func(_ *acs, o *testidp.ResponseOptions) {
			o.Mutate = func(d *etree.Document) {
				d.Root().CreateAttr("Consent", "urn:oasis:names:tc:SAML:2.0:consent:obtained")
			}
		}, want: ErrSignature},
		{name: "AssertionChangedAfterSigning", change: func(_ *acs, o *testidp.ResponseOptions) {
			o.Sign = testidp.SignAssertion
			o.Mutate = func(d *etree.Document) { attributeValue(d, "fiscalNumber").SetText("TINIT-RSSMRA80A01H501U") }
		}, want: ErrSignature},

		// The request answered.
		{name: "Unsolicited", change: func(_ *acs, o *testidp.ResponseOptions) { o.InResponseTo = "" }, want: ErrUnsolicited},
		{name: "NoPendingRequest", expect: func(e *Expect) { e.RequestID = "" }, want: ErrUnsolicited},
		{name: "InResponseToAnotherRequest", change: func(_ *acs, o *testidp.ResponseOptions) { o.InResponseTo = "_another" }, want: ErrInResponseTo},
		{name: "SubjectInResponseToMissing", change: func(_ *acs, o *testidp.ResponseOptions) { omit(o, testidp.PartSubjectInResponseTo) }, want: ErrInResponseTo},
		{name: "DestinationMissing", change: func(_ *acs, o *testidp.ResponseOptions) { omit(o, testidp.PartDestination) }, want: ErrDestination},
		{name: "DestinationElsewhere", change: func(_ *acs, o *testidp.ResponseOptions) { o.Destination = "https://elsewhere.example/acs" }, want: ErrDestination},
		{name: "RecipientMissing", change: func(_ *acs, o *testidp.ResponseOptions) { omit(o, testidp.PartRecipient) }, want: ErrRecipient},
		{name: "RecipientElsewhere", change: func(_ *acs, o *testidp.ResponseOptions) { o.Recipient = "https://elsewhere.example/acs" }, want: ErrRecipient},

		// Issuers.
		{name: "ResponseIssuerMissing", change: func(_ *acs, o *testidp.ResponseOptions) { omit(o, testidp.PartResponseIssuer) }, want: ErrIssuer},
		{name: "ResponseIssuerAnotherIdP", change: func(_ *acs, o *testidp.ResponseOptions) { o.ResponseIssuer = "https://other-idp.example" }, want: ErrIssuer},
		{name: "ResponseIssuerFormatNotEntity", change: func(_ *acs, o *testidp.ResponseOptions) {
			o.ResponseIssuerFormat = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
		}, want: ErrIssuerFormat},
		{name: "AssertionIssuerAnotherIdP", change: func(_ *acs, o *testidp.ResponseOptions) { o.AssertionIssuer = "https://other-idp.example" }, want: ErrIssuer},
		{name: "AssertionIssuerWithoutFormat", change: func(_ *acs, o *testidp.ResponseOptions) { omit(o, testidp.PartAssertionIssuerFormat) }, want: ErrIssuerFormat},
		{name: "AssertionIssuerFormatNotEntity", change: func(_ *acs, o *testidp.ResponseOptions) {
			o.AssertionIssuerFormat = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
		}, want: ErrIssuerFormat},
		{name: "CIEAssertionIssuerWithoutFormat", variant: CIE, change: func(_ *acs, o *testidp.ResponseOptions) {
			omit(o, testidp.PartAssertionIssuerFormat)
			o.Level = testidp.SpidL3
		}, want: ErrIssuerFormat},

		// The subject.
		{name: "NameIDMissing", change: func(_ *acs, o *testidp.ResponseOptions) { omit(o, testidp.PartNameID) }, want: ErrNameID},
		{name: "NameIDWithoutFormat", change: func(_ *acs, o *testidp.ResponseOptions) { omit(o, testidp.PartNameIDFormat) }, want: ErrNameID},
		{name: "NameIDPersistent", change: func(_ *acs, o *testidp.ResponseOptions) {
			o.NameIDFormat = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
		}, want: ErrNameID},
		{name: "NameIDWithoutNameQualifier", change: func(_ *acs, o *testidp.ResponseOptions) { omit(o, testidp.PartNameQualifier) }, want: ErrNameID},
		{name: "SubjectConfirmationWithoutNotOnOrAfter", change: func(_ *acs, o *testidp.ResponseOptions) { omit(o, testidp.PartSubjectNotOnOrAfter) }, want: ErrSubjectConfirmation},

		// Conditions and times.
		{name: "ConditionsMissing", change: func(_ *acs, o *testidp.ResponseOptions) { omit(o, testidp.PartConditions) }, want: ErrConditions},
		{name: "ConditionsWithoutNotBefore", change: func(_ *acs, o *testidp.ResponseOptions) { omit(o, testidp.PartNotBefore) }, want: ErrConditions},
		{name: "ConditionsWithoutNotOnOrAfter", change: func(_ *acs, o *testidp.ResponseOptions) { omit(o, testidp.PartNotOnOrAfter) }, want: ErrConditions},
		{name: "AudienceRestrictionMissing", change: func(_ *acs, o *testidp.ResponseOptions) { omit(o, testidp.PartAudienceRestriction) }, want: ErrAudience},
		{name: "AudienceAnotherService", change: func(_ *acs, o *testidp.ResponseOptions) { o.Audience = "https://other.example/metadata" }, want: ErrAudience},
		{name: "ConditionsExpired", change: func(f *acs, o *testidp.ResponseOptions) {
			o.NotOnOrAfter = f.now.Add(-ClockSkew - time.Second)
		}, want: ErrExpired},
		{name: "SubjectConfirmationExpired", change: func(f *acs, o *testidp.ResponseOptions) {
			o.SubjectNotOnOrAfter = f.now.Add(-ClockSkew - time.Second)
		}, want: ErrExpired},
		{name: "NotYetValid", change: func(f *acs, o *testidp.ResponseOptions) { o.NotBefore = f.now.Add(ClockSkew + time.Minute) }, want: ErrNotYetValid},
		{name: "IssuedInTheFuture", change: func(f *acs, o *testidp.ResponseOptions) { o.IssueInstant = f.now.Add(ClockSkew + time.Minute) }, want: ErrIssueInstant},
		{name: "IssuedBeforeTheRequest", change: func(f *acs, o *testidp.ResponseOptions) {
			o.IssueInstant = f.now.Add(-time.Minute - ClockSkew - time.Minute)
		}, want: ErrIssueInstant},

		// Level.
		{name: "LevelLowerThanRequested", change: func(_ *acs, o *testidp.ResponseOptions) { o.Level = testidp.SpidL1 }, expect: func(e *Expect) { e.Level = auth.SpidL2 }, want: ErrLevel},
		{name: "LevelOfAnOlderSpecification", change: func(_ *acs, o *testidp.ResponseOptions) {
			o.Level = "urn:oasis:names:tc:SAML:2.0:ac:classes:SpidL2"
		}, want: ErrLevel},
		{name: "LevelMissing", change: func(_ *acs, o *testidp.ResponseOptions) { omit(o, testidp.PartAuthnContextClassRef) }, want: ErrLevel},
		{name: "CIEBelowCIELevel", variant: CIE, change: func(_ *acs, o *testidp.ResponseOptions) { o.Level = testidp.SpidL2 }, expect: func(e *Expect) { e.Level = auth.CIE }, want: ErrLevel},

		// Attributes.
		{name: "AttributeStatementEmpty", change: func(_ *acs, o *testidp.ResponseOptions) { o.Attributes = map[string]string{} }, want: ErrAttributes},
		{name: "AttributeStatementMissing", change: func(_ *acs, o *testidp.ResponseOptions) { omit(o, testidp.PartAttributeStatement) }, want: ErrAttributes},
		{name: "AttributeWithoutValue", change: func(_ *acs, o *testidp.ResponseOptions) {
			o.Attributes = map[string]string{"fiscalNumber": "TINIT-SRTNNA76H61F205P", "email": ""}
		}, want: ErrAttributes},
		{name: "FiscalNumberMissing", change: func(_ *acs, o *testidp.ResponseOptions) { o.Attributes = map[string]string{"name": "Anna"} }, want: ErrAttributes},
		{name: "FiscalNumberMalformed", change: func(_ *acs, o *testidp.ResponseOptions) {
			o.Attributes = map[string]string{"fiscalNumber": "SRTNNA76H61F205P"}
		}, want: ErrAttributes},

		// A successful status needs its assertion.
		{name: "SuccessWithoutAssertion", change: func(_ *acs, o *testidp.ResponseOptions) { omit(o, testidp.PartAssertion) }, want: ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			variant := tt.variant
			if variant == "" {
				variant = SPID
			}
			f := newACS(t, variant)
			o := f.options("")
			if tt.change != nil {
				tt.change(f, &o)
			}
			e := f.expect(auth.SpidL1)
			if variant == CIE {
				e.Level = auth.CIE
			}
			if tt.expect != nil {
				tt.expect(&e)
			}
			_, err := f.sp.ParseResponse(context.Background(), f.respond(t, o), e)
			assertRejected(t, err, tt.want)
		})
	}
}

// assertRejected checks err is the refusal want: a 4xx fault error with an
// Italian message.
func assertRejected(t *testing.T, err error, want *fault.Error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("got %v, want %v", err, want)
	}
	if code := fault.CodeOf(err); code != fault.Invalid && code != fault.Forbidden {
		t.Errorf("code %s, want invalid or forbidden", code)
	}
}

func omit(o *testidp.ResponseOptions, p testidp.Part) { o.Omit = append(o.Omit, p) }

// Signature wrapping: each variant moves signed content around so that a
// careless validator checks one element and reads another.
func TestParseResponseRefusesWrappedSignatures(t *testing.T) {
	evil := func(a *etree.Element) *etree.Element {
		e := a.Copy()
		attributeValueIn(e, "fiscalNumber").SetText("TINIT-RSSMRA80A01H501U")
		return e
	}
	tests := []struct {
		name   string
		sign   testidp.SignMode
		mutate func(root, assertion *etree.Element)
		want   *fault.Error
	}{
		{"EvilAssertionBeforeTheSignedOne", testidp.SignBoth, func(root, a *etree.Element) {
			e := evil(a)
			e.RemoveChild(signatureOf(e))
			e.CreateAttr("ID", "_evil")
			root.InsertChildAt(a.Index(), e)
		}, ErrWrapped},
		{"SignedAssertionInsideEvilOneWithItsID", testidp.SignAssertion, func(root, a *etree.Element) {
			e := evil(a)
			root.RemoveChild(a)
			e.CreateElement("saml:Advice").AddChild(a)
			root.AddChild(e)
		}, ErrWrapped},
		{"SignedAssertionInsideTheSignatureObject", testidp.SignBoth, func(root, a *etree.Element) {
			e := evil(a)
			e.RemoveChild(signatureOf(e))
			root.RemoveChild(a)
			signatureOf(root).CreateElement("ds:Object").AddChild(a)
			root.AddChild(e)
		}, ErrWrapped},
		{"SignedResponseInsideEvilResponse", testidp.SignBoth, func(root, a *etree.Element) {
			orig := root.Copy()
			root.RemoveChild(a)
			root.RemoveChild(signatureOf(root))
			root.CreateAttr("ID", "_evilresponse")
			root.CreateElement("samlp:Extensions").AddChild(orig)
			root.AddChild(evil(a))
		}, ErrWrapped},
		{"SignatureCopiedIntoTheStatus", testidp.SignBoth, func(root, a *etree.Element) {
			root.FindElement("./Status").AddChild(signatureOf(a).Copy())
		}, ErrWrapped},
		{"AssertionSignedTwice", testidp.SignAssertion, func(root, a *etree.Element) {
			a.AddChild(signatureOf(a).Copy())
		}, ErrWrapped},
		{"EvilAssertionCarryingTheSignature", testidp.SignAssertion, func(root, a *etree.Element) {
			e := evil(a)
			e.CreateAttr("ID", "_evil")
			root.RemoveChild(a)
			root.AddChild(e)
		}, ErrSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newACS(t, SPID)
			o := f.options("")
			o.Sign = tt.sign
			o.Mutate = func(d *etree.Document) { tt.mutate(d.Root(), assertionOf(d.Root())) }
			_, err := f.sp.ParseResponse(context.Background(), f.respond(t, o), f.expect(auth.SpidL1))
			assertRejected(t, err, tt.want)
		})
	}
}

// A comment inside a signed text does not change the signature (comments
// are not canonicalized), and a validator that read the text as parsed
// would stop at the comment. What is read must be what was signed.
func TestParseResponseReadsWhatIsSigned(t *testing.T) {
	f := newACS(t, SPID)
	o := f.options("")
	anna := testidp.Identities()[0]
	o.Mutate = func(d *etree.Document) {
		v := attributeValue(d, "fiscalNumber")
		v.SetText("TINIT-SRTNNA")
		v.CreateComment("x")
		v.CreateText(strings.TrimPrefix(anna.FiscalNumber, "TINIT-SRTNNA"))
	}
	got, err := f.sp.ParseResponse(context.Background(), f.respond(t, o), f.expect(auth.SpidL1))
	if err != nil {
		t.Fatal(err)
	}
	if got.FiscalCode() != anna.FiscalCode() {
		t.Errorf("fiscal code: got %q, want %q", got.FiscalCode(), anna.FiscalCode())
	}
}

func TestParseResponseRefusesReplay(t *testing.T) {
	f := newACS(t, SPID)
	resp := f.respond(t, f.options(""))
	if _, err := f.sp.ParseResponse(context.Background(), resp, f.expect(auth.SpidL1)); err != nil {
		t.Fatalf("first time: got %v, want the assertion", err)
	}
	_, err := f.sp.ParseResponse(context.Background(), resp, f.expect(auth.SpidL1))
	assertRejected(t, err, ErrReplayed)
}

func TestParseResponseExplainsIdPErrors(t *testing.T) {
	tests := []struct {
		code        string
		wantMessage string // a word of the explanation
	}{
		{"nr19", "troppe volte"},
		{"nr20", "livello"},
		{"nr21", "tempo"},
		{"nr22", "consenso"},
		{"nr23", "sospesa"},
		{"nr24", "codice nr24"},
		{"nr25", "annullato"},
		{"nr30", "professionale"},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			f := newACS(t, SPID)
			o := f.options("")
			o.ErrorCode = tt.code
			_, err := f.sp.ParseResponse(context.Background(), f.respond(t, o), f.expect(auth.SpidL1))
			var idpErr *IdPError
			if !errors.As(err, &idpErr) {
				t.Fatalf("got %v, want an *IdPError", err)
			}
			if idpErr.Code != tt.code {
				t.Errorf("code: got %q, want %q", idpErr.Code, tt.code)
			}
			if got := fault.CodeOf(err); got != fault.Forbidden {
				t.Errorf("fault code: got %s, want forbidden", got)
			}
			var fe *fault.Error
			if !errors.As(err, &fe) || !strings.Contains(fe.Error(), tt.wantMessage) {
				t.Errorf("explanation %v: want it to mention %q", fe, tt.wantMessage)
			}
		})
	}
	t.Run("StatusWithoutErrorCode", func(t *testing.T) {
		f := newACS(t, SPID)
		o := f.options("")
		o.Status = testidp.StatusRequester
		_, err := f.sp.ParseResponse(context.Background(), f.respond(t, o), f.expect(auth.SpidL1))
		var idpErr *IdPError
		if !errors.As(err, &idpErr) || idpErr.Code != "" || idpErr.Status != testidp.StatusRequester {
			t.Fatalf("got %v, want an *IdPError with status Requester and no code", err)
		}
		if got := fault.CodeOf(err); got != fault.Forbidden {
			t.Errorf("fault code: got %s, want forbidden", got)
		}
	})
}

func TestParseResponseRefusesMalformedInput(t *testing.T) {
	f := newACS(t, SPID)
	valid, err := f.idp.Response(f.options(""))
	if err != nil {
		t.Fatal(err)
	}
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	tests := []struct {
		name  string
		input string
		want  *fault.Error
	}{
		{"Empty", "", ErrMalformed},
		{"NotBase64", "%%% not base64 %%%", ErrMalformed},
		{"NotXML", b64("hello"), ErrMalformed},
		{"Truncated", testidp.Encode(valid[:len(valid)/2]), ErrMalformed},
		{"AnotherMessage", b64(`<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_a" Version="2.0"/>`), ErrMalformed},
		{"ResponseOutsideItsNamespace", b64(`<Response ID="_a" Version="2.0"/>`), ErrMalformed},
		{"Doctype", b64(`<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">]>` + string(valid[strings.Index(string(valid), "<samlp:Response"):])), ErrMalformed},
		{"ProcessingInstruction", b64(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"><?evil x?></samlp:Response>`), ErrMalformed},
		{"AttributeTwice", b64(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_a" ID="_b"/>`), ErrMalformed},
		{"TooDeep", b64(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">` + strings.Repeat("<a>", 100) + strings.Repeat("</a>", 100) + `</samlp:Response>`), ErrMalformed},
		{"TooLarge", b64(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">` + strings.Repeat(" ", MaxResponseBytes) + `</samlp:Response>`), ErrTooLarge},
		{"FarTooLarge", strings.Repeat("A", 4*MaxResponseBytes), ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.sp.ParseResponse(context.Background(), tt.input, f.expect(auth.SpidL1))
			assertRejected(t, err, tt.want)
		})
	}
}

// assertionOf returns the Assertion child of a Response.
func assertionOf(resp *etree.Element) *etree.Element {
	for _, c := range resp.ChildElements() {
		if c.Tag == "Assertion" {
			return c
		}
	}
	return nil
}

// attributeValue returns the AttributeValue of the attribute name in a
// Response document.
func attributeValue(d *etree.Document, name string) *etree.Element {
	return attributeValueIn(assertionOf(d.Root()), name)
}

func attributeValueIn(assertion *etree.Element, name string) *etree.Element {
	for _, at := range assertion.FindElements("./AttributeStatement/Attribute") {
		if at.SelectAttrValue("Name", "") == name {
			return at.FindElement("./AttributeValue")
		}
	}
	return nil
}
