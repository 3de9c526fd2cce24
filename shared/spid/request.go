package spid

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/crewjam/saml"

	"github.com/stanzaportal/stanza/shared/auth"
	"github.com/stanzaportal/stanza/shared/fault"
)

// Request is a signed message on its way to an identity provider, in the
// binding its metadata offers: HTTP-Redirect when it can (a plain redirect
// needs no script in the browser), else HTTP-POST.
type Request struct {
	// ID is the message's ID: the answer's InResponseTo must match it.
	ID string
	// IssueInstant is when the message was written; no answer may be older.
	IssueInstant time.Time
	// Binding is saml.HTTPRedirectBinding or saml.HTTPPostBinding.
	Binding string
	// URL is where the browser goes: for HTTP-Redirect, the identity
	// provider's URL with the signed query; for HTTP-POST, the form's
	// action.
	URL string

	form func(nonce string) []byte
}

// HTML returns, for the HTTP-POST binding, the form that posts the message
// and the script that submits it (its button stays visible when scripts
// are blocked); nonce, when not empty, is set on the script for a
// Content-Security-Policy. It returns nil for the HTTP-Redirect binding.
func (r Request) HTML(nonce string) []byte {
	if r.form == nil {
		return nil
	}
	return r.form(nonce)
}

// relayStateRule: RelayState is an opaque token the caller keeps with the
// pending request. SPID forbids a readable value (never a URL), and the
// SAML bindings cap it at 80 bytes.
var relayStateRule = regexp.MustCompile(`^[A-Za-z0-9_-]{16,80}$`)

// ErrRelayState refuses a RelayState that is not an opaque token.
var ErrRelayState = errors.New("spid: RelayState must be an opaque token of 16 to 80 URL-safe characters")

// AuthnRequest returns a signed AuthnRequest for idp at level (at least;
// the IdP may authenticate more strongly). relayState is an opaque random
// token that comes back with the answer: see ErrRelayState.
//
// The request carries what SPID asks (Regole tecniche, Avviso n. 29 v3):
// IssueInstant in UTC to the second, Destination, the Issuer with Format
// entity and NameQualifier, a transient NameIDPolicy without AllowCreate,
// AssertionConsumerServiceIndex and AttributeConsumingServiceIndex 0,
// RequestedAuthnContext with Comparison "minimum" and the level's class,
// and ForceAuthn from level 2.
func (sp *ServiceProvider) AuthnRequest(idp IdP, level auth.Level, relayState string) (Request, error) {
	if !level.Valid() {
		return Request{}, fault.New(fault.Invalid, "Il livello di autenticazione %q non è valido.", level)
	}
	if !relayStateRule.MatchString(relayState) {
		return Request{}, ErrRelayState
	}
	binding, dest, ok := pickBinding(idp.SSO)
	if !ok {
		return Request{}, fmt.Errorf("spid: %s has no SingleSignOnService", idp.EntityID)
	}
	now := time.Now().UTC().Truncate(time.Second)
	transient := transientFormat
	req := &saml.AuthnRequest{
		ID:           newID(),
		Version:      "2.0",
		IssueInstant: now,
		Destination:  dest,
		Issuer:       sp.issuer(),
		NameIDPolicy: &saml.NameIDPolicy{Format: &transient},
		RequestedAuthnContext: &saml.RequestedAuthnContext{
			Comparison:            "minimum",
			AuthnContextClassRefs: []string{classRefs[level.Rank()]},
		},
		AssertionConsumerServiceIndex:  "0",
		AttributeConsumingServiceIndex: "0",
	}
	if level.Rank() >= 2 {
		force := true
		req.ForceAuthn = &force
	}
	cj := sp.crewjam()
	out := Request{ID: req.ID, IssueInstant: now, Binding: binding}
	if binding == saml.HTTPRedirectBinding {
		u, err := req.Redirect(relayState, cj)
		if err != nil {
			return Request{}, fmt.Errorf("spid: signing the AuthnRequest: %w", err)
		}
		out.URL = u.String()
		return out, nil
	}
	if err := cj.SignAuthnRequest(req); err != nil {
		return Request{}, fmt.Errorf("spid: signing the AuthnRequest: %w", err)
	}
	out.URL = dest
	out.form = func(nonce string) []byte { return req.PostWithNonce(relayState, nonce) }
	return out, nil
}

// ErrNoSingleLogout is returned by LogoutRequest for an identity provider
// without a SingleLogoutService (CIE has none): the caller ends the local
// session only.
var ErrNoSingleLogout = errors.New("spid: the identity provider has no single logout service")

// LogoutRequest returns a signed LogoutRequest that asks idp to end the
// citizen's session there: nameID, nameQualifier and sessionIndex are those
// of the Assertion the session started with. relayState is as for
// AuthnRequest.
func (sp *ServiceProvider) LogoutRequest(idp IdP, nameID, nameQualifier, sessionIndex, relayState string) (Request, error) {
	if !relayStateRule.MatchString(relayState) {
		return Request{}, ErrRelayState
	}
	binding, dest, ok := pickBinding(idp.SLO)
	if !ok {
		return Request{}, ErrNoSingleLogout
	}
	now := time.Now().UTC().Truncate(time.Second)
	req := &saml.LogoutRequest{
		ID:           newID(),
		Version:      "2.0",
		IssueInstant: now,
		Destination:  dest,
		Issuer:       sp.issuer(),
		NameID: &saml.NameID{
			Format:        transientFormat,
			NameQualifier: nameQualifier,
			Value:         nameID,
		},
		SessionIndex: &saml.SessionIndex{Value: sessionIndex},
	}
	cj := sp.crewjam()
	out := Request{ID: req.ID, IssueInstant: now, Binding: binding}
	if binding == saml.HTTPRedirectBinding {
		u, err := cj.RedirectLogoutRequestURL(req, relayState)
		if err != nil {
			return Request{}, fmt.Errorf("spid: signing the LogoutRequest: %w", err)
		}
		out.URL = u.String()
		return out, nil
	}
	if err := cj.SignLogoutRequest(req); err != nil {
		return Request{}, fmt.Errorf("spid: signing the LogoutRequest: %w", err)
	}
	out.URL = dest
	out.form = func(nonce string) []byte { return req.PostWithNonce(relayState, nonce) }
	return out, nil
}

// issuer is the Issuer of the requests: SPID wants Format entity and the
// entity ID as NameQualifier.
func (sp *ServiceProvider) issuer() *saml.Issuer {
	return &saml.Issuer{Format: entityFormat, NameQualifier: sp.cfg.EntityID, Value: sp.cfg.EntityID}
}

// pickBinding chooses among an IdP's endpoints: HTTP-Redirect first.
func pickBinding(endpoints map[string]string) (binding, location string, ok bool) {
	for _, b := range []string{saml.HTTPRedirectBinding, saml.HTTPPostBinding} {
		if loc, ok := endpoints[b]; ok {
			return b, loc, true
		}
	}
	return "", "", false
}

// newID returns a random message ID. IDs are xs:ID values, which may not
// start with a digit.
func newID() string {
	b := make([]byte, 20)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return "_" + hex.EncodeToString(b)
}
