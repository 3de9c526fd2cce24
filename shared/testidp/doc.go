// Package testidp is a SPID/CIE identity provider for development and tests.
//
// It has two uses. The local server mounts Handler so that a developer signs
// in as one of the fictional citizens of Identities without any external
// identity provider. Tests of the service provider use Response to forge
// SPID responses, compliant by default and broken one rule at a time.
//
// A test IdP lets anyone sign in as anyone: New refuses to build one when
// the portal runs in production mode.
//
// # Handler
//
// Mounted at Config.BaseURL's path, it serves:
//
//	GET  /metadata      signed metadata (Metadata)
//	GET  /sso           AuthnRequest, HTTP-Redirect binding
//	POST /sso           AuthnRequest, HTTP-POST binding
//	POST /sso/continue  the choice made on the picker page
//	GET  /slo           LogoutRequest, HTTP-Redirect binding (answered by redirect)
//	POST /slo           LogoutRequest, HTTP-POST binding (answered by POST)
//
// /sso checks the AuthnRequest is well-formed (SAML 2.0, an ID, an Issuer
// known to Config.ServiceProvider, a SPID level in RequestedAuthnContext, an
// AssertionConsumerServiceURL, if any, equal to the registered one, a
// RelayState of at most 80 bytes as the SAML bindings require) and shows a
// page listing the test citizens and the simulated IdP errors. When the
// ServiceProvider has a Certificate (ParseServiceProvider reads it from the
// SP's metadata) the request must also be signed with it: the query
// signature of HTTP-Redirect, the enveloped XML signature of HTTP-POST.
// /slo does the same checks on a LogoutRequest.
// The request's ID, issuer, level and RelayState travel in a hidden field
// authenticated with an HMAC derived from the IdP's key, so the IdP keeps
// no state and survives restarts. /sso/continue answers with a page that
// posts the signed Response to the SP's registered ACS. Malformed input
// (base64, DEFLATE, XML, sizes over 64 KiB) gets a 400 page that says what
// is wrong.
//
// # Forging responses
//
// ResponseOptions with InResponseTo, ACS and Audience set gives the Response
// a compliant SPID IdP sends: both Response and Assertion signed (RSA-SHA256,
// exclusive canonicalization, enveloped, the Signature right after the
// Issuer), level SpidL2, the attributes of Identities()[0]. Each SPID rule
// the SP enforces maps to one option that breaks it:
//
//	Rule (SP must reject when broken)               Option that breaks it
//	Assertion signed                                Sign: SignResponse or SignNone
//	Signatures valid, not wrapped (XSW)             Mutate (applied after signing)
//	Response/@InResponseTo = the request's ID       InResponseTo (other ID); "" for unsolicited
//	SubjectConfirmationData/@InResponseTo           Omit PartSubjectInResponseTo, or Mutate
//	Response/@Destination = ACS                     Destination, or Omit PartDestination
//	SubjectConfirmationData/@Recipient = ACS        Recipient, or Omit PartRecipient
//	Response Issuer = IdP, Format entity if any     ResponseIssuer, ResponseIssuerFormat, Omit PartResponseIssuer
//	Assertion Issuer = IdP, Format entity           AssertionIssuer, AssertionIssuerFormat, Omit PartAssertionIssuerFormat
//	NameID present, transient, with NameQualifier   Omit PartNameID / PartNameIDFormat / PartNameQualifier, NameIDFormat
//	Conditions with NotBefore and NotOnOrAfter      Omit PartConditions / PartNotBefore / PartNotOnOrAfter
//	Audience = SP entity ID                         Audience, or Omit PartAudienceRestriction
//	Not expired, not issued in the future           Now (shifts every time), NotBefore, NotOnOrAfter, SubjectNotOnOrAfter, IssueInstant
//	Level at least the requested one               Level (SpidL1, SpidL2, SpidL3), Omit PartAuthnContextClassRef
//	AttributeStatement not empty, values present    Attributes (map[string]string{} or {"email": ""}), Omit PartAttributeStatement
//	IdP error status shown to the citizen           ErrorCode ("nr19" … "nr30"), Status, SubStatus, StatusMessage
//	Not replayed                                    send the same bytes twice
//	CIE flavour                                     CIE: true
//
// Times are written as SPID providers write them: UTC, to the second.
//
// Example, a response whose assertion is not signed:
//
//	idp, _ := testidp.New(testidp.Config{BaseURL: "http://127.0.0.1/_testidp", ServiceProvider: lookup})
//	xml, err := idp.Response(testidp.ResponseOptions{
//		InResponseTo: req.ID,
//		ACS:          "https://comune.example/auth/acs",
//		Audience:     "https://comune.example/auth/metadata",
//		Sign:         testidp.SignResponse,
//	})
//	form := url.Values{"SAMLResponse": {testidp.Encode(xml)}, "RelayState": {relayState}}
//
// LogoutResponse forges the answer to a LogoutRequest the same way.
package testidp
