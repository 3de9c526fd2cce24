// Package signin runs a citizen's SAML sign-in and single logout from end to
// end: it remembers each request sent to an identity provider, checks the
// answer with package spid, keeps the citizen's account up to date and opens
// the session.
//
// # Pending requests
//
// Each AuthnRequest or LogoutRequest is remembered in the store under its
// RelayState, an opaque random token that the identity provider sends back
// (global scope, PK "saml-pending", SK the token, expiring after 15
// minutes). The answer takes the pending request with a conditional delete,
// so a request is answered once: a second answer is unsolicited. Where the
// citizen goes afterwards (a path of the portal) is kept there too, never in
// the RelayState.
package signin

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/stanzaportal/stanza/shared/auth"
	"github.com/stanzaportal/stanza/shared/cittadino"
	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/routes"
	"github.com/stanzaportal/stanza/shared/session"
	"github.com/stanzaportal/stanza/shared/spid"
	"github.com/stanzaportal/stanza/shared/store"
)

// pendingTTL is how long a citizen has to sign in at the identity provider.
const pendingTTL = 15 * time.Minute

const pendingPK = "saml-pending"

// pending is a request sent to an identity provider and not answered yet.
type pending struct {
	Logout    bool       `json:"logout,omitempty"`
	RequestID string     `json:"requestId"`
	Issued    time.Time  `json:"issued"`
	IdP       string     `json:"idp"`
	CIE       bool       `json:"cie,omitempty"`
	Level     auth.Level `json:"level,omitempty"`
	Next      string     `json:"next"`
}

// Provider is an identity provider offered on the sign-in page.
type Provider struct {
	EntityID string `json:"entityId"`
	Name     string `json:"name"`
	Kind     string `json:"kind"` // "spid" or "cie"
}

// Service signs citizens in and out.
type Service struct {
	db       *store.DB
	spid     *spid.ServiceProvider
	cie      *spid.ServiceProvider
	spidIdPs *spid.Registry
	cieIdPs  *spid.Registry
	accounts *cittadino.AccountService
	sessions *session.Store
}

// Config gathers what a Service needs. CIE and CIEIdPs may be nil where
// "Entra con CIE" is not offered.
type Config struct {
	DB       *store.DB
	SPID     *spid.ServiceProvider
	SPIDIdPs *spid.Registry
	CIE      *spid.ServiceProvider
	CIEIdPs  *spid.Registry
	Accounts *cittadino.AccountService
	Sessions *session.Store
}

// New returns a Service.
func New(c Config) *Service {
	return &Service{db: c.DB, spid: c.SPID, cie: c.CIE, spidIdPs: c.SPIDIdPs, cieIdPs: c.CIEIdPs, accounts: c.Accounts, sessions: c.Sessions}
}

// Providers lists the identity providers a citizen can choose, SPID's first.
func (s *Service) Providers() []Provider {
	var out []Provider
	for _, idp := range s.spidIdPs.List() {
		out = append(out, Provider{EntityID: idp.EntityID, Name: idp.Name, Kind: "spid"})
	}
	if s.cieIdPs != nil {
		for _, idp := range s.cieIdPs.List() {
			out = append(out, Provider{EntityID: idp.EntityID, Name: idp.Name, Kind: "cie"})
		}
	}
	return out
}

// Metadata returns the signed metadata of the SPID or the CIE service provider.
func (s *Service) Metadata(cie bool) ([]byte, error) {
	if cie {
		if s.cie == nil {
			return nil, fault.New(fault.NotFound, "L'accesso con CIE non è configurato su questo portale.")
		}
		return s.cie.Metadata()
	}
	return s.spid.Metadata()
}

// provider finds an identity provider and the service provider that talks to it.
func (s *Service) provider(entityID string) (spid.IdP, *spid.ServiceProvider, bool, error) {
	if idp, ok := s.spidIdPs.Get(entityID); ok {
		return idp, s.spid, false, nil
	}
	if s.cieIdPs != nil {
		if idp, ok := s.cieIdPs.Get(entityID); ok {
			return idp, s.cie, true, nil
		}
	}
	return spid.IdP{}, nil, false, fault.New(fault.Invalid, "Il gestore dell'identità digitale scelto non è tra quelli ammessi.")
}

// SafeNext returns next when it is a path of this portal, else "/". It
// keeps a sign-in from being used to send citizens to another site.
func SafeNext(next string) string {
	u, err := url.Parse(next)
	if next == "" || err != nil || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(next, "/") ||
		strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/"
	}
	return next
}

func token() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// remember keeps p until its answer comes back with relayState.
func (s *Service) remember(ctx context.Context, relayState string, p pending) error {
	data, err := json.Marshal(p)
	if err != nil {
		return err
	}
	item := store.Item{Key: store.Key{PK: pendingPK, SK: relayState}, Data: data, Expires: time.Now().Add(pendingTTL)}
	_, err = s.db.Global().Put(ctx, item, store.IfAbsent)
	return err
}

func unsolicited() error {
	return fault.New(fault.Invalid, "La risposta dell'identity provider non corrisponde a una richiesta in corso: riprova ad accedere.")
}

// take returns the pending request of relayState and forgets it, so that it
// is answered once.
func (s *Service) take(ctx context.Context, relayState string) (pending, error) {
	if relayState == "" || len(relayState) > 80 {
		return pending{}, unsolicited()
	}
	k := store.Key{PK: pendingPK, SK: relayState}
	it, err := s.db.Global().Get(ctx, k)
	if fault.Is(err, fault.NotFound) {
		return pending{}, unsolicited()
	}
	if err != nil {
		return pending{}, err
	}
	if err := s.db.Global().Delete(ctx, k, store.IfVersion(it.Version)); fault.Is(err, fault.Conflict) {
		return pending{}, unsolicited() // answered by a concurrent request
	} else if err != nil {
		return pending{}, err
	}
	var p pending
	if err := json.Unmarshal(it.Data, &p); err != nil {
		return pending{}, fmt.Errorf("signin: pending request: %w", err)
	}
	return p, nil
}

// Start prepares the AuthnRequest for a sign-in with the identity provider
// entityID at level, after which the citizen goes to next.
func (s *Service) Start(ctx context.Context, entityID string, level auth.Level, next string) (spid.Request, error) {
	if !level.Valid() {
		return spid.Request{}, fault.New(fault.Invalid, "Il livello di autenticazione %q non è valido.", level)
	}
	idp, sp, cie, err := s.provider(entityID)
	if err != nil {
		return spid.Request{}, err
	}
	// The request's ID is known only once it is built, and the RelayState
	// goes inside it: build with the token, then remember both.
	relayState, err := token()
	if err != nil {
		return spid.Request{}, err
	}
	req, err := sp.AuthnRequest(idp, level, relayState)
	if err != nil {
		return spid.Request{}, err
	}
	if err := s.remember(ctx, relayState, pending{RequestID: req.ID, Issued: req.IssueInstant, IdP: idp.EntityID, CIE: cie, Level: level, Next: SafeNext(next)}); err != nil {
		return spid.Request{}, err
	}
	return req, nil
}

// Finish checks the Response posted to the ACS, signs the citizen in and
// returns where to go next.
func (s *Service) Finish(ctx context.Context, w http.ResponseWriter, r *http.Request) (string, error) {
	p, err := s.take(ctx, r.PostFormValue("RelayState"))
	if err != nil {
		return "", err
	}
	if p.Logout {
		return "", unsolicited()
	}
	idp, sp, _, err := s.provider(p.IdP)
	if err != nil {
		return "", err
	}
	a, err := sp.ParseResponse(ctx, r.PostFormValue("SAMLResponse"), spid.Expect{RequestID: p.RequestID, RequestIssued: p.Issued, IdP: idp, Level: p.Level})
	if err != nil {
		return "", err
	}
	account, err := s.accounts.SignedIn(ctx, cittadino.Identity{
		FiscalCode:   a.FiscalCode(),
		Name:         a.Attributes["name"],
		FamilyName:   a.Attributes["familyName"],
		DateOfBirth:  a.Attributes["dateOfBirth"],
		PlaceOfBirth: a.Attributes["placeOfBirth"],
		Gender:       a.Attributes["gender"],
		Email:        a.Attributes["email"],
	})
	if err != nil {
		return "", err
	}
	principal := auth.Principal{Role: routes.Citizen, Subject: account.FiscalCode, Name: account.Name + " " + account.FamilyName, Level: a.Level}
	if _, err := s.sessions.Create(ctx, w, r, principal, session.SAML{IdP: a.IdP, NameID: a.NameID, NameQualifier: a.NameQualifier, SessionIndex: a.SessionIndex}); err != nil {
		return "", err
	}
	return p.Next, nil
}

// Logout starts single logout for a SAML session: it returns the URL the
// browser goes to, or "" when the identity provider offers no logout by
// redirect (CIE has none), in which case the sign-out is local only.
func (s *Service) Logout(ctx context.Context, sess session.Session) (string, error) {
	if sess.SAML.IdP == "" {
		return "", nil
	}
	idp, sp, _, err := s.provider(sess.SAML.IdP)
	if err != nil || len(idp.SLO) == 0 {
		return "", nil // an identity provider since removed, or one without logout
	}
	relayState, err := token()
	if err != nil {
		return "", err
	}
	req, err := sp.LogoutRequest(idp, sess.SAML.NameID, sess.SAML.NameQualifier, sess.SAML.SessionIndex, relayState)
	if err != nil {
		return "", err
	}
	if req.HTML("") != nil {
		return "", nil // POST-only logout needs a page of its own; sign out locally
	}
	if err := s.remember(ctx, relayState, pending{Logout: true, RequestID: req.ID, Issued: req.IssueInstant, IdP: idp.EntityID, Next: "/"}); err != nil {
		return "", err
	}
	return req.URL, nil
}

// FinishLogout checks the LogoutResponse that ends single logout and
// returns where to go next. The local session has already ended.
func (s *Service) FinishLogout(ctx context.Context, r *http.Request) (string, error) {
	relayState := r.URL.Query().Get("RelayState")
	if relayState == "" {
		relayState = r.PostFormValue("RelayState")
	}
	p, err := s.take(ctx, relayState)
	if err != nil {
		return "", err
	}
	if !p.Logout {
		return "", unsolicited()
	}
	idp, sp, _, err := s.provider(p.IdP)
	if err != nil {
		return "", err
	}
	if err := sp.ParseLogoutResponse(r, spid.LogoutExpect{RequestID: p.RequestID, IdP: idp}); err != nil {
		return "", err
	}
	return p.Next, nil
}
