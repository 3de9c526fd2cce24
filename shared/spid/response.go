package spid

import (
	"context"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/beevik/etree"
	"github.com/crewjam/saml"

	"github.com/stanzaportal/stanza/shared/auth"
	"github.com/stanzaportal/stanza/shared/fault"
)

// MaxResponseBytes bounds a Response (decoded). A SPID Response is a few
// KiB; anything near this is not one.
const MaxResponseBytes = 256 << 10

// maxIDLength bounds an assertion's ID; IdPs use 40 or so characters.
const maxIDLength = 256

// ClockSkew is how far the identity provider's clock may be from ours:
// every time check allows it both ways. Three minutes, as Shibboleth and
// crewjam/saml allow.
const ClockSkew = 3 * time.Minute

// Expect is what a Response must answer: the pending AuthnRequest, kept by
// the caller under the RelayState it chose.
type Expect struct {
	RequestID     string     // Request.ID; "" when no request is pending (the Response is then unsolicited)
	RequestIssued time.Time  // Request.IssueInstant: nothing in the answer may be older
	IdP           IdP        // the identity provider the request went to
	Level         auth.Level // the level requested: a lower one is refused
	Now           time.Time  // zero: time.Now()
}

// Assertion is a citizen's successful sign-in.
type Assertion struct {
	ID            string     // the assertion's ID
	IdP           string     // entity ID of the identity provider
	NameID        string     // transient NameID, for single logout
	NameQualifier string     // the NameID's NameQualifier, for single logout
	SessionIndex  string     // the IdP's session, for single logout
	Level         auth.Level // the level the citizen signed in at
	// Attributes holds the requested attributes received, by SPID name, with
	// fiscalNumber upper-case and without its "TINIT-" prefix.
	Attributes map[string]string
}

// FiscalCode returns the citizen's fiscal code.
func (a *Assertion) FiscalCode() string { return a.Attributes["fiscalNumber"] }

// ParseResponse validates samlResponse, the SAMLResponse form value that
// the identity provider posted to the ACS, against expect, and returns the
// assertion. It refuses anything the package doc lists with an error that
// matches one of the Err variables; an IdP's error status is an *IdPError.
// Both are 4xx fault errors. The assertion is recorded with the
// ReplayGuard, so a second call with the same Response fails.
func (sp *ServiceProvider) ParseResponse(ctx context.Context, samlResponse string, expect Expect) (*Assertion, error) {
	now := expect.Now
	if now.IsZero() {
		now = time.Now()
	}
	root, err := readResponse(samlResponse)
	if err != nil {
		return nil, err
	}
	assertionEl, err := inspect(root)
	if err != nil {
		return nil, err
	}

	// The Response need not be signed; when it is, the signature must hold
	// and the Response is read from what it covers.
	resp := root
	if signatureOf(root) != nil {
		if resp, err = verifySignature(root, expect.IdP.Certificates); err != nil {
			return nil, reject(ErrSignature, "Response: %v", err)
		}
	}
	if err := sp.checkResponse(resp, expect, now); err != nil {
		return nil, err
	}
	if err := checkStatus(resp); err != nil {
		return nil, err
	}

	if assertionEl == nil {
		return nil, reject(ErrMalformed, "a successful Response without Assertion")
	}
	if signatureOf(assertionEl) == nil {
		return nil, reject(ErrUnsigned, "the Assertion is not signed")
	}
	signed, err := verifySignature(assertionEl, expect.IdP.Certificates)
	if err != nil {
		return nil, reject(ErrSignature, "Assertion: %v", err)
	}
	var a saml.Assertion
	if err := unmarshal(signed, &a); err != nil {
		return nil, reject(ErrMalformed, "Assertion: %v", err)
	}
	out, until, err := sp.checkAssertion(&a, expect, now)
	if err != nil {
		return nil, err
	}
	if err := sp.cfg.Replay.Seen(ctx, out.IdP+"#"+out.ID, until); err != nil {
		if fault.Is(err, fault.Conflict) {
			return nil, reject(ErrReplayed, "assertion %s of %s", out.ID, out.IdP)
		}
		return nil, err
	}
	return out, nil
}

// readResponse decodes and parses the form value, refusing what is too
// large, not base64, not well-formed XML, or not a samlp:Response.
func readResponse(samlResponse string) (*etree.Element, error) {
	if base64.StdEncoding.DecodedLen(len(samlResponse)) > 2*MaxResponseBytes {
		return nil, reject(ErrTooLarge, "%d characters of base64", len(samlResponse))
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(samlResponse))
	if err != nil {
		return nil, reject(ErrMalformed, "base64: %v", err)
	}
	if len(raw) > MaxResponseBytes {
		return nil, reject(ErrTooLarge, "%d bytes", len(raw))
	}
	root, err := readXML(raw)
	if err != nil {
		return nil, reject(ErrMalformed, "%v", err)
	}
	if root.Tag != "Response" || root.NamespaceURI() != nsProtocol {
		return nil, reject(ErrMalformed, "the root is %s, not a samlp:Response", root.FullTag())
	}
	return root, nil
}

// readXML parses a message strictly: well-formed, shallow, with no DOCTYPE
// (hence no entity declarations) and no processing instruction but the XML
// declaration, and no element with the same attribute twice.
func readXML(raw []byte) (*etree.Element, error) {
	doc := etree.NewDocument()
	doc.ReadSettings = etree.ReadSettings{ValidateInput: true, PreserveDuplicateAttrs: true, MaxDepth: 64}
	if err := doc.ReadFromBytes(raw); err != nil {
		return nil, err
	}
	var bad error
	var walk func(tokens []etree.Token)
	walk = func(tokens []etree.Token) {
		for _, t := range tokens {
			switch t := t.(type) {
			case *etree.Directive:
				bad = errors.New("a DOCTYPE or other directive")
			case *etree.ProcInst:
				if t.Target != "xml" || t.Parent() != &doc.Element {
					bad = fmt.Errorf("the processing instruction %q", t.Target)
				}
			case *etree.Element:
				seen := make(map[etree.Attr]bool, len(t.Attr))
				for _, a := range t.Attr {
					name := etree.Attr{Space: a.Space, Key: a.Key}
					if seen[name] {
						bad = fmt.Errorf("%s has the attribute %s twice", t.FullTag(), a.FullKey())
					}
					seen[name] = true
				}
				walk(t.Child)
			}
		}
	}
	walk(doc.Child)
	if bad != nil {
		return nil, bad
	}
	if doc.Root() == nil {
		return nil, errors.New("no root element")
	}
	return doc.Root(), nil
}

// inspect refuses the shapes of signature wrapping attacks, which hide a
// second Assertion (or a second copy of a signed element) where one part
// of a validator looks and another does not: exactly one Assertion at
// most, a child of the Response; no encrypted one; Signatures only as
// children of the Response and of the Assertion, one each; no ID twice in
// the document. It returns the Assertion, or nil when there is none.
func inspect(root *etree.Element) (*etree.Element, error) {
	var assertions, signatures []*etree.Element
	ids := map[string]bool{}
	var err error
	var walk func(el *etree.Element)
	walk = func(el *etree.Element) {
		for _, a := range el.Attr {
			if a.Key != "ID" {
				continue
			}
			if ids[a.Value] {
				err = reject(ErrWrapped, "the ID %q twice", a.Value)
			}
			ids[a.Value] = true
		}
		switch el.Tag {
		case "Assertion":
			assertions = append(assertions, el)
		case "EncryptedAssertion":
			err = reject(ErrWrapped, "an EncryptedAssertion")
		case "Signature":
			signatures = append(signatures, el)
		}
		for _, c := range el.ChildElements() {
			walk(c)
		}
	}
	walk(root)
	if err != nil {
		return nil, err
	}
	if len(assertions) > 1 {
		return nil, reject(ErrWrapped, "%d Assertions", len(assertions))
	}
	signable := []*etree.Element{root}
	if len(assertions) == 1 {
		a := assertions[0]
		if a.Parent() != root || a.NamespaceURI() != nsAssertion {
			return nil, reject(ErrWrapped, "the Assertion is %s inside %s", a.FullTag(), a.Parent().FullTag())
		}
		signable = append(signable, a)
	}
	for _, s := range signatures {
		if !slices.Contains(signable, s.Parent()) {
			return nil, reject(ErrWrapped, "a Signature inside %s", s.Parent().FullTag())
		}
	}
	for _, el := range signable {
		if n := len(children(el, nsDSig, "Signature")); n > 1 {
			return nil, reject(ErrWrapped, "%s has %d Signatures", el.Tag, n)
		}
	}
	if len(assertions) == 0 {
		return nil, nil
	}
	return assertions[0], nil
}

// checkResponse checks the Response's own attributes and Issuer.
func (sp *ServiceProvider) checkResponse(resp *etree.Element, expect Expect, now time.Time) error {
	if v := resp.SelectAttrValue("Version", ""); v != "2.0" {
		return reject(ErrMalformed, "Response Version %q", v)
	}
	if resp.SelectAttrValue("ID", "") == "" {
		return reject(ErrMalformed, "Response without ID")
	}
	inResponseTo := resp.SelectAttrValue("InResponseTo", "")
	switch {
	case expect.RequestID == "" || inResponseTo == "":
		return reject(ErrUnsolicited, "InResponseTo %q, pending request %q", inResponseTo, expect.RequestID)
	case inResponseTo != expect.RequestID:
		return reject(ErrInResponseTo, "InResponseTo %q, pending request %q", inResponseTo, expect.RequestID)
	}
	if d := resp.SelectAttrValue("Destination", ""); d != sp.cfg.ACSURL {
		return reject(ErrDestination, "Destination %q", d)
	}
	issued, err := instant(resp.SelectAttrValue("IssueInstant", ""))
	if err != nil {
		return reject(ErrIssueInstant, "Response: %v", err)
	}
	if err := inWindow(issued, expect.RequestIssued, now); err != nil {
		return reject(ErrIssueInstant, "Response: %v", err)
	}
	issuers := children(resp, nsAssertion, "Issuer")
	if len(issuers) != 1 {
		return reject(ErrIssuer, "%d Response Issuers", len(issuers))
	}
	if v := strings.TrimSpace(issuers[0].Text()); v != expect.IdP.EntityID {
		return reject(ErrIssuer, "Response Issuer %q, request sent to %q", v, expect.IdP.EntityID)
	}
	// SPID allows the Format to be left out, CIE always leaves it out.
	if f := issuers[0].SelectAttrValue("Format", ""); sp.cfg.Variant == SPID && f != "" && f != entityFormat {
		return reject(ErrIssuerFormat, "Response Issuer Format %q", f)
	}
	return nil
}

// checkStatus returns an *IdPError unless the status is Success.
func checkStatus(resp *etree.Element) error {
	statuses := children(resp, nsProtocol, "Status")
	if len(statuses) != 1 {
		return reject(ErrMalformed, "%d Status elements", len(statuses))
	}
	codes := children(statuses[0], nsProtocol, "StatusCode")
	if len(codes) != 1 || codes[0].SelectAttrValue("Value", "") == "" {
		return reject(ErrMalformed, "no StatusCode")
	}
	status := codes[0].SelectAttrValue("Value", "")
	if status == saml.StatusSuccess {
		return nil
	}
	var sub, msg string
	if subs := children(codes[0], nsProtocol, "StatusCode"); len(subs) > 0 {
		sub = subs[0].SelectAttrValue("Value", "")
	}
	if msgs := children(statuses[0], nsProtocol, "StatusMessage"); len(msgs) > 0 {
		msg = msgs[0].Text()
	}
	return newIdPError(status, sub, msg)
}

// checkAssertion applies SPID's rules to the signed assertion and returns
// the sign-in, and until when the assertion could be presented.
func (sp *ServiceProvider) checkAssertion(a *saml.Assertion, expect Expect, now time.Time) (*Assertion, time.Time, error) {
	if a.Version != "2.0" {
		return nil, time.Time{}, reject(ErrMalformed, "Assertion Version %q", a.Version)
	}
	// The ID goes into the replay record's key, which the store bounds.
	if a.ID == "" || len(a.ID) > maxIDLength {
		return nil, time.Time{}, reject(ErrMalformed, "Assertion ID of %d characters", len(a.ID))
	}
	if a.IssueInstant.IsZero() {
		return nil, time.Time{}, reject(ErrIssueInstant, "Assertion without IssueInstant")
	}
	if err := inWindow(a.IssueInstant, expect.RequestIssued, now); err != nil {
		return nil, time.Time{}, reject(ErrIssueInstant, "Assertion: %v", err)
	}
	if v := strings.TrimSpace(a.Issuer.Value); v != expect.IdP.EntityID {
		return nil, time.Time{}, reject(ErrIssuer, "Assertion Issuer %q, request sent to %q", v, expect.IdP.EntityID)
	}
	if a.Issuer.Format != entityFormat {
		return nil, time.Time{}, reject(ErrIssuerFormat, "Assertion Issuer Format %q", a.Issuer.Format)
	}

	if a.Subject == nil || a.Subject.NameID == nil || strings.TrimSpace(a.Subject.NameID.Value) == "" {
		return nil, time.Time{}, reject(ErrNameID, "no NameID")
	}
	nameID := a.Subject.NameID
	if nameID.Format != transientFormat {
		return nil, time.Time{}, reject(ErrNameID, "NameID Format %q", nameID.Format)
	}
	if nameID.NameQualifier == "" {
		return nil, time.Time{}, reject(ErrNameID, "NameID without NameQualifier")
	}
	subjectUntil, err := sp.checkSubjectConfirmation(a.Subject, expect, now)
	if err != nil {
		return nil, time.Time{}, err
	}

	c := a.Conditions
	if c == nil || c.NotBefore.IsZero() || c.NotOnOrAfter.IsZero() {
		return nil, time.Time{}, reject(ErrConditions, "Conditions without NotBefore or NotOnOrAfter")
	}
	if now.Add(ClockSkew).Before(c.NotBefore) {
		return nil, time.Time{}, reject(ErrNotYetValid, "NotBefore %s, now %s", c.NotBefore, now)
	}
	if !now.Before(c.NotOnOrAfter.Add(ClockSkew)) {
		return nil, time.Time{}, reject(ErrExpired, "Conditions NotOnOrAfter %s, now %s", c.NotOnOrAfter, now)
	}
	if len(c.AudienceRestrictions) == 0 {
		return nil, time.Time{}, reject(ErrAudience, "no AudienceRestriction")
	}
	for _, r := range c.AudienceRestrictions {
		if !slices.ContainsFunc(r.AllAudiences(), func(au saml.Audience) bool { return strings.TrimSpace(au.Value) == sp.cfg.EntityID }) {
			return nil, time.Time{}, reject(ErrAudience, "an AudienceRestriction without %q", sp.cfg.EntityID)
		}
	}

	if len(a.AuthnStatements) != 1 {
		return nil, time.Time{}, reject(ErrLevel, "%d AuthnStatements", len(a.AuthnStatements))
	}
	st := a.AuthnStatements[0]
	var classRef string
	if st.AuthnContext.AuthnContextClassRef != nil {
		classRef = strings.TrimSpace(st.AuthnContext.AuthnContextClassRef.Value)
	}
	level, ok := sp.levelOf(classRef)
	if !ok {
		return nil, time.Time{}, reject(ErrLevel, "AuthnContextClassRef %q", classRef)
	}
	if !level.Satisfies(expect.Level) {
		return nil, time.Time{}, reject(ErrLevel, "level %s, requested %s", level, expect.Level)
	}

	attrs, err := sp.attributesOf(a.AttributeStatements)
	if err != nil {
		return nil, time.Time{}, err
	}
	out := &Assertion{
		ID:            a.ID,
		IdP:           expect.IdP.EntityID,
		NameID:        strings.TrimSpace(nameID.Value),
		NameQualifier: nameID.NameQualifier,
		SessionIndex:  st.SessionIndex,
		Level:         level,
		Attributes:    attrs,
	}
	until := c.NotOnOrAfter
	if subjectUntil.After(until) {
		until = subjectUntil
	}
	return out, until.Add(ClockSkew), nil
}

// checkSubjectConfirmation checks the one bearer confirmation SPID
// prescribes, and returns its NotOnOrAfter.
func (sp *ServiceProvider) checkSubjectConfirmation(s *saml.Subject, expect Expect, now time.Time) (time.Time, error) {
	if len(s.SubjectConfirmations) != 1 {
		return time.Time{}, reject(ErrSubjectConfirmation, "%d SubjectConfirmations", len(s.SubjectConfirmations))
	}
	sc := s.SubjectConfirmations[0]
	if sc.Method != bearerMethod {
		return time.Time{}, reject(ErrSubjectConfirmation, "Method %q", sc.Method)
	}
	d := sc.SubjectConfirmationData
	if d == nil {
		return time.Time{}, reject(ErrSubjectConfirmation, "no SubjectConfirmationData")
	}
	if d.Recipient != sp.cfg.ACSURL {
		return time.Time{}, reject(ErrRecipient, "Recipient %q", d.Recipient)
	}
	if d.InResponseTo != expect.RequestID {
		return time.Time{}, reject(ErrInResponseTo, "SubjectConfirmationData InResponseTo %q, pending request %q", d.InResponseTo, expect.RequestID)
	}
	if d.NotOnOrAfter.IsZero() {
		return time.Time{}, reject(ErrSubjectConfirmation, "SubjectConfirmationData without NotOnOrAfter")
	}
	if !now.Before(d.NotOnOrAfter.Add(ClockSkew)) {
		return time.Time{}, reject(ErrExpired, "SubjectConfirmationData NotOnOrAfter %s, now %s", d.NotOnOrAfter, now)
	}
	return d.NotOnOrAfter, nil
}

// fiscalNumber is how SPID and CIE write a fiscal code: "TINIT-" and the
// 16 characters of a person's code (11 digits for a provisional one).
var fiscalNumber = regexp.MustCompile(`^TINIT-([A-Z0-9]{16}|[0-9]{11})$`)

// attributesOf returns the requested attributes, each with a value; the
// statement must not be empty, and must hold the fiscal number.
func (sp *ServiceProvider) attributesOf(statements []saml.AttributeStatement) (map[string]string, error) {
	attrs := map[string]string{}
	n := 0
	for _, st := range statements {
		for _, at := range st.Attributes {
			n++
			if len(at.Values) == 0 || strings.TrimSpace(at.Values[0].Value) == "" {
				return nil, reject(ErrAttributes, "the attribute %q has no value", at.Name)
			}
			if _, dup := attrs[at.Name]; dup {
				return nil, reject(ErrAttributes, "the attribute %q twice", at.Name)
			}
			attrs[at.Name] = strings.TrimSpace(at.Values[0].Value)
		}
	}
	if n == 0 {
		return nil, reject(ErrAttributes, "no attribute")
	}
	// Keep only what was asked for: the portal holds no personal data it
	// did not request.
	for name := range attrs {
		if !slices.Contains(sp.attributes, name) {
			delete(attrs, name)
		}
	}
	fc := strings.ToUpper(attrs["fiscalNumber"])
	if !fiscalNumber.MatchString(fc) {
		return nil, reject(ErrAttributes, "fiscalNumber %q", attrs["fiscalNumber"])
	}
	attrs["fiscalNumber"] = strings.TrimPrefix(fc, "TINIT-")
	return attrs, nil
}

// instant parses a SAML dateTime attribute.
func instant(v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, errors.New("no IssueInstant")
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("IssueInstant %q: %w", v, err)
	}
	return t, nil
}

// inWindow checks that an IssueInstant is neither before the request nor
// after now, give or take ClockSkew.
func inWindow(issued, requested, now time.Time) error {
	if issued.Add(ClockSkew).Before(requested) {
		return fmt.Errorf("IssueInstant %s before the request's %s", issued, requested)
	}
	if issued.After(now.Add(ClockSkew)) {
		return fmt.Errorf("IssueInstant %s after now %s", issued, now)
	}
	return nil
}

// children returns the child elements of el with the namespace ns and the
// local name tag.
func children(el *etree.Element, ns, tag string) []*etree.Element {
	var out []*etree.Element
	for _, c := range el.ChildElements() {
		if c.Tag == tag && c.NamespaceURI() == ns {
			out = append(out, c)
		}
	}
	return out
}

// signatureOf returns el's enveloped Signature, or nil.
func signatureOf(el *etree.Element) *etree.Element {
	if sigs := children(el, nsDSig, "Signature"); len(sigs) > 0 {
		return sigs[0]
	}
	return nil
}

// unmarshal decodes el into v with encoding/xml (crewjam's types).
func unmarshal(el *etree.Element, v any) error {
	doc := etree.NewDocument()
	doc.SetRoot(el.Copy())
	b, err := doc.WriteToBytes()
	if err != nil {
		return err
	}
	return xml.Unmarshal(b, v)
}
