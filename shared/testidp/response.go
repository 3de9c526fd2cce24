package testidp

import (
	"encoding/base64"
	"errors"
	"slices"
	"sort"
	"time"

	"github.com/beevik/etree"
)

// validity is how long a Response's assertion may be presented: the
// Conditions and SubjectConfirmationData NotOnOrAfter are this far after
// the issue instant.
const validity = 5 * time.Minute

// SignMode says which parts of a Response are signed.
type SignMode int

const (
	SignBoth      SignMode = iota // Response and Assertion, as SPID providers do (the default)
	SignAssertion                 // the Assertion only
	SignResponse                  // the Response only: SPID requires the Assertion to be signed
	SignNone                      // nothing
)

// Part names an attribute or element of a Response that ResponseOptions.Omit
// leaves out. The value is its path, for readable test failures.
type Part string

const (
	PartDestination           Part = "Response/@Destination"
	PartResponseIssuer        Part = "Response/Issuer"
	PartResponseIssuerFormat  Part = "Response/Issuer/@Format"
	PartStatusMessage         Part = "Response/Status/StatusMessage"
	PartAssertion             Part = "Response/Assertion"
	PartAssertionIssuerFormat Part = "Assertion/Issuer/@Format"
	PartNameID                Part = "Assertion/Subject/NameID"
	PartNameIDFormat          Part = "Assertion/Subject/NameID/@Format"
	PartNameQualifier         Part = "Assertion/Subject/NameID/@NameQualifier"
	PartSubjectInResponseTo   Part = "Assertion/Subject/SubjectConfirmation/SubjectConfirmationData/@InResponseTo"
	PartRecipient             Part = "Assertion/Subject/SubjectConfirmation/SubjectConfirmationData/@Recipient"
	PartSubjectNotOnOrAfter   Part = "Assertion/Subject/SubjectConfirmation/SubjectConfirmationData/@NotOnOrAfter"
	PartConditions            Part = "Assertion/Conditions"
	PartNotBefore             Part = "Assertion/Conditions/@NotBefore"
	PartNotOnOrAfter          Part = "Assertion/Conditions/@NotOnOrAfter"
	PartAudienceRestriction   Part = "Assertion/Conditions/AudienceRestriction"
	PartAuthnContextClassRef  Part = "Assertion/AuthnStatement/AuthnContext/AuthnContextClassRef"
	PartAttributeStatement    Part = "Assertion/AttributeStatement"
)

// ResponseOptions shape a Response. The zero value of each field means
// "as a compliant IdP does"; the package doc maps each SPID rule to the
// field or Part that breaks it.
type ResponseOptions struct {
	// The request answered and the service provider asking.
	InResponseTo string // the AuthnRequest's ID; "" makes an unsolicited Response (no InResponseTo anywhere)
	ACS          string // the SP's AssertionConsumerService URL (required): Destination and Recipient
	Audience     string // the SP's entity ID (required when there is an Assertion)

	// Who signs in, at which level.
	Identity   *Identity         // nil: Identities()[0]
	Attributes map[string]string // nil: the Identity's attributes; an entry with value "" gives an empty AttributeValue; an empty map an empty AttributeStatement
	Level      string            // AuthnContextClassRef; "": SpidL2
	CIE        bool              // as CIE answers: Response Issuer without Format, only name, familyName, dateOfBirth, fiscalNumber

	// Times. Every default derives from Now.
	Now                 time.Time // "now" for the IdP; zero: time.Now()
	IssueInstant        time.Time // Response and Assertion IssueInstant, AuthnInstant; zero: Now
	NotBefore           time.Time // Conditions/@NotBefore; zero: Now
	NotOnOrAfter        time.Time // Conditions/@NotOnOrAfter; zero: Now + 5 minutes
	SubjectNotOnOrAfter time.Time // SubjectConfirmationData/@NotOnOrAfter; zero: Now + 5 minutes

	// Values that override the defaults.
	Destination           string // Response/@Destination; "": ACS
	Recipient             string // SubjectConfirmationData/@Recipient; "": ACS
	ResponseIssuer        string // "": the IdP's entity ID
	AssertionIssuer       string // "": the IdP's entity ID
	ResponseIssuerFormat  string // "": EntityFormat (left out with CIE)
	AssertionIssuerFormat string // "": EntityFormat
	NameID                string // "": a random transient ID
	NameIDFormat          string // "": TransientFormat
	NameQualifier         string // "": the IdP's entity ID

	// Status. ErrorCode ("nr19" … "nr30") makes a SPID error response:
	// Responder/AuthnFailed, StatusMessage "ErrorCode nrNN", no Assertion.
	// Status, SubStatus and StatusMessage override any part of that.
	ErrorCode     string
	Status        string // top-level StatusCode; "": Success (Responder with ErrorCode)
	SubStatus     string // second-level StatusCode; "": none (AuthnFailed with ErrorCode)
	StatusMessage string // "": none ("ErrorCode nrNN" with ErrorCode)

	Sign   SignMode
	Omit   []Part                // attributes and elements to leave out
	Mutate func(*etree.Document) // applied after signing, to tamper with a signed Response
}

func (o *ResponseOptions) omits(p Part) bool { return slices.Contains(o.Omit, p) }

// or returns v, or def when v is empty.
func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func orTime(v, def time.Time) time.Time {
	if v.IsZero() {
		return def
	}
	return v
}

// Response returns a SPID Response (XML) built as the options say. Without
// options beyond InResponseTo, ACS and Audience it is what a compliant SPID
// provider sends; each option changes only what it names.
func (idp *IdP) Response(o ResponseOptions) ([]byte, error) {
	if o.ACS == "" {
		return nil, errors.New("testidp: ResponseOptions.ACS is required")
	}
	now := orTime(o.Now, time.Now())
	issued := orTime(o.IssueInstant, now)
	status, sub, msg := o.Status, o.SubStatus, o.StatusMessage
	if o.ErrorCode != "" {
		status, sub, msg = or(status, StatusResponder), or(sub, StatusAuthnFailed), or(msg, "ErrorCode "+o.ErrorCode)
	}
	status = or(status, StatusSuccess)
	withAssertion := status == StatusSuccess && !o.omits(PartAssertion)
	if withAssertion && o.Audience == "" {
		return nil, errors.New("testidp: ResponseOptions.Audience is required")
	}

	doc := etree.NewDocument()
	resp := doc.CreateElement("samlp:Response")
	resp.CreateAttr("xmlns:samlp", nsProtocol)
	resp.CreateAttr("xmlns:saml", nsAssertion)
	resp.CreateAttr("ID", newID())
	resp.CreateAttr("Version", "2.0")
	resp.CreateAttr("IssueInstant", instant(issued))
	if !o.omits(PartDestination) {
		resp.CreateAttr("Destination", or(o.Destination, o.ACS))
	}
	if o.InResponseTo != "" {
		resp.CreateAttr("InResponseTo", o.InResponseTo)
	}
	if !o.omits(PartResponseIssuer) {
		iss := resp.CreateElement("saml:Issuer")
		format := or(o.ResponseIssuerFormat, EntityFormat)
		if o.CIE && o.ResponseIssuerFormat == "" {
			format = ""
		}
		if format != "" && !o.omits(PartResponseIssuerFormat) {
			iss.CreateAttr("Format", format)
		}
		iss.SetText(or(o.ResponseIssuer, idp.entityID))
	}
	st := resp.CreateElement("samlp:Status")
	code := st.CreateElement("samlp:StatusCode")
	code.CreateAttr("Value", status)
	if sub != "" {
		code.CreateElement("samlp:StatusCode").CreateAttr("Value", sub)
	}
	if msg != "" && !o.omits(PartStatusMessage) {
		st.CreateElement("samlp:StatusMessage").SetText(msg)
	}

	if withAssertion {
		a, err := idp.assertion(&o, now, issued)
		if err != nil {
			return nil, err
		}
		resp.AddChild(a)
	}
	if o.Sign == SignBoth || o.Sign == SignResponse {
		if err := idp.sign(resp); err != nil {
			return nil, err
		}
	}
	if o.Mutate != nil {
		o.Mutate(doc)
	}
	return doc.WriteToBytes()
}

// assertion builds the (signed, unless o.Sign says otherwise) Assertion.
func (idp *IdP) assertion(o *ResponseOptions, now, issued time.Time) (*etree.Element, error) {
	// The Assertion declares every namespace it uses, so it canonicalizes
	// (and verifies) the same inside and outside the Response.
	a := etree.NewElement("saml:Assertion")
	a.CreateAttr("xmlns:saml", nsAssertion)
	a.CreateAttr("xmlns:xs", nsXS)
	a.CreateAttr("xmlns:xsi", nsXSI)
	a.CreateAttr("ID", newID())
	a.CreateAttr("Version", "2.0")
	a.CreateAttr("IssueInstant", instant(issued))

	iss := a.CreateElement("saml:Issuer")
	if !o.omits(PartAssertionIssuerFormat) {
		iss.CreateAttr("Format", or(o.AssertionIssuerFormat, EntityFormat))
	}
	iss.SetText(or(o.AssertionIssuer, idp.entityID))

	subj := a.CreateElement("saml:Subject")
	if !o.omits(PartNameID) {
		nid := subj.CreateElement("saml:NameID")
		if !o.omits(PartNameIDFormat) {
			nid.CreateAttr("Format", or(o.NameIDFormat, TransientFormat))
		}
		if !o.omits(PartNameQualifier) {
			nid.CreateAttr("NameQualifier", or(o.NameQualifier, idp.entityID))
		}
		nid.SetText(or(o.NameID, newID()))
	}
	sc := subj.CreateElement("saml:SubjectConfirmation")
	sc.CreateAttr("Method", bearer)
	scd := sc.CreateElement("saml:SubjectConfirmationData")
	if o.InResponseTo != "" && !o.omits(PartSubjectInResponseTo) {
		scd.CreateAttr("InResponseTo", o.InResponseTo)
	}
	if !o.omits(PartSubjectNotOnOrAfter) {
		scd.CreateAttr("NotOnOrAfter", instant(orTime(o.SubjectNotOnOrAfter, now.Add(validity))))
	}
	if !o.omits(PartRecipient) {
		scd.CreateAttr("Recipient", or(o.Recipient, o.ACS))
	}

	if !o.omits(PartConditions) {
		c := a.CreateElement("saml:Conditions")
		if !o.omits(PartNotBefore) {
			c.CreateAttr("NotBefore", instant(orTime(o.NotBefore, now)))
		}
		if !o.omits(PartNotOnOrAfter) {
			c.CreateAttr("NotOnOrAfter", instant(orTime(o.NotOnOrAfter, now.Add(validity))))
		}
		if !o.omits(PartAudienceRestriction) {
			c.CreateElement("saml:AudienceRestriction").CreateElement("saml:Audience").SetText(o.Audience)
		}
	}

	as := a.CreateElement("saml:AuthnStatement")
	as.CreateAttr("AuthnInstant", instant(issued))
	as.CreateAttr("SessionIndex", newID())
	ac := as.CreateElement("saml:AuthnContext")
	if !o.omits(PartAuthnContextClassRef) {
		ac.CreateElement("saml:AuthnContextClassRef").SetText(or(o.Level, SpidL2))
	}

	if !o.omits(PartAttributeStatement) {
		st := a.CreateElement("saml:AttributeStatement")
		attrs := o.Attributes
		if attrs == nil {
			id := Identities()[0]
			if o.Identity != nil {
				id = *o.Identity
			}
			attrs = id.Attributes()
			if o.CIE {
				attrs = id.CIEAttributes()
			}
		}
		names := make([]string, 0, len(attrs))
		for n := range attrs {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			at := st.CreateElement("saml:Attribute")
			at.CreateAttr("Name", n)
			at.CreateAttr("NameFormat", attrFormat)
			v := at.CreateElement("saml:AttributeValue")
			// SPID types dateOfBirth as xs:date and everything else as
			// xs:string.
			typ := "xs:string"
			if n == "dateOfBirth" {
				typ = "xs:date"
			}
			v.CreateAttr("xsi:type", typ)
			v.SetText(attrs[n])
		}
	}

	if o.Sign == SignBoth || o.Sign == SignAssertion {
		if err := idp.sign(a); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// Encode returns a message as the SAMLResponse (or SAMLRequest) value of an
// HTTP-POST binding form: base64 of the XML.
func Encode(msg []byte) string { return base64.StdEncoding.EncodeToString(msg) }

// LogoutResponseOptions shape a LogoutResponse, like ResponseOptions.
type LogoutResponseOptions struct {
	InResponseTo string    // the LogoutRequest's ID; "": left out
	Destination  string    // the SP's SingleLogoutService URL (required)
	Issuer       string    // "": the IdP's entity ID
	IssueInstant time.Time // zero: time.Now()
	Status       string    // "": Success
	Unsigned     bool      // leave the enveloped signature out (the HTTP-Redirect binding signs the query instead)
	Mutate       func(*etree.Document)
}

// LogoutResponse returns a LogoutResponse (XML) as the options say.
func (idp *IdP) LogoutResponse(o LogoutResponseOptions) ([]byte, error) {
	if o.Destination == "" {
		return nil, errors.New("testidp: LogoutResponseOptions.Destination is required")
	}
	doc := etree.NewDocument()
	lr := doc.CreateElement("samlp:LogoutResponse")
	lr.CreateAttr("xmlns:samlp", nsProtocol)
	lr.CreateAttr("xmlns:saml", nsAssertion)
	lr.CreateAttr("ID", newID())
	lr.CreateAttr("Version", "2.0")
	lr.CreateAttr("IssueInstant", instant(orTime(o.IssueInstant, time.Now())))
	lr.CreateAttr("Destination", o.Destination)
	if o.InResponseTo != "" {
		lr.CreateAttr("InResponseTo", o.InResponseTo)
	}
	iss := lr.CreateElement("saml:Issuer")
	iss.CreateAttr("Format", EntityFormat)
	iss.SetText(or(o.Issuer, idp.entityID))
	lr.CreateElement("samlp:Status").CreateElement("samlp:StatusCode").CreateAttr("Value", or(o.Status, StatusSuccess))
	if !o.Unsigned {
		if err := idp.sign(lr); err != nil {
			return nil, err
		}
	}
	if o.Mutate != nil {
		o.Mutate(doc)
	}
	return doc.WriteToBytes()
}
