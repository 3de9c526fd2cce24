package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/stanzaportal/stanza/shared/auth"
	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/routes"
	"github.com/stanzaportal/stanza/shared/session"
	"github.com/stanzaportal/stanza/shared/store"
)

// KeyResolver turns a partner's API key into its principal. Keys belong to
// one Comune and are looked up within the tenant of the path. Resolve
// returns an Unauthorized error for a key that is malformed, unknown in
// tenant or revoked.
type KeyResolver interface {
	Resolve(ctx context.Context, tenant, presented string) (auth.Principal, error)
}

// LogoutHook starts single logout at the identity provider of a SAML
// session, and returns the address the browser must go to next. It is called
// only for sessions with SAML data, before the local session ends.
type LogoutHook func(ctx context.Context, s session.Session) (next string, err error)

// SessionInfo says who is signed in. The web apps read it at start, and take
// from it the CSRF token to send with every state-changing request.
type SessionInfo struct {
	SignedIn  bool       `json:"signedIn"`
	Role      string     `json:"role,omitempty"` // citizen, operator, admin or partner
	Subject   string     `json:"subject,omitempty"`
	Tenant    string     `json:"tenant,omitempty"`
	Name      string     `json:"name,omitempty"`
	Level     auth.Level `json:"level,omitempty"`
	Services  []string   `json:"services,omitempty"`
	Manages   []string   `json:"manages,omitempty"` // staff: offices whose applications they may reassign
	CSRFToken string     `json:"csrfToken,omitempty"`
	ExpiresAt time.Time  `json:"expiresAt,omitzero"` // unless used again before
}

// LogoutResult is the answer to a sign-out. Next, when set, is where the
// browser goes to end the session at the identity provider too.
type LogoutResult struct {
	Next string `json:"next,omitempty"`
}

func (s *Server) sessionEndpoints() map[string]Endpoint {
	return map[string]Endpoint{
		"GET /api/v1/session":          {Handler: handle(s.currentSession), Response: SessionInfo{}},
		"POST /auth/logout":            {Handler: handle(s.logout), Response: LogoutResult{}},
		"POST /auth/logout-everywhere": {Handler: handle(s.logoutEverywhere), Response: LogoutResult{}},
	}
}

func (s *Server) currentSession(w http.ResponseWriter, r *http.Request) error {
	p := auth.FromContext(r.Context())
	info := SessionInfo{SignedIn: !p.Anonymous()}
	if info.SignedIn {
		info.Role, info.Subject, info.Tenant, info.Name = p.Role.String(), p.Subject, p.Tenant, p.Name
		info.Level, info.Services = p.Level, p.Services
		var err error
		if info.Manages, err = s.managed(r.Context(), p); err != nil {
			return err
		}
	}
	if sess, ok := session.FromContext(r.Context()); ok {
		info.CSRFToken, info.ExpiresAt = sess.CSRF, sess.Expires()
	}
	writeJSON(w, http.StatusOK, info)
	return nil
}

// managed returns the ids of the offices a member of staff manages, so
// that the back office offers to reassign only what the operator may (an
// admin reassigns anything regardless); none for anyone else. It is read at
// each request rather than kept in the session, since an admin changes an
// office's managers without signing anyone out.
func (s *Server) managed(ctx context.Context, p auth.Principal) ([]string, error) {
	if s.offices == nil || (p.Role != routes.Operator && p.Role != routes.Admin) {
		return nil, nil
	}
	return s.offices.Managed(ctx, p.Tenant, p.Subject)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	sess, ok := session.FromContext(r.Context())
	if !ok {
		return fault.New(fault.Unauthorized, "Per continuare è necessario accedere.")
	}
	next := s.singleLogout(r, sess)
	if err := s.deps.Sessions.End(r.Context(), w, sess.ID); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, LogoutResult{Next: next})
	return nil
}

func (s *Server) logoutEverywhere(w http.ResponseWriter, r *http.Request) error {
	sess, ok := session.FromContext(r.Context())
	if !ok {
		return fault.New(fault.Unauthorized, "Per continuare è necessario accedere.")
	}
	next := s.singleLogout(r, sess)
	if err := s.deps.Sessions.EndAll(r.Context(), sess.Role, sess.Tenant, sess.Subject); err != nil {
		return err
	}
	// The session is gone with the others; this clears the cookie.
	if err := s.deps.Sessions.End(r.Context(), w, sess.ID); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, LogoutResult{Next: next})
	return nil
}

// singleLogout asks the hook where the browser goes to end a SAML session
// at its identity provider. Signing out must work even when that fails: the
// local session, which is what lets this browser in, ends regardless, and the
// failure is logged.
func (s *Server) singleLogout(r *http.Request, sess session.Session) string {
	if s.deps.Logout == nil || sess.SAML.IdP == "" {
		return ""
	}
	next, err := s.deps.Logout(r.Context(), sess)
	if err != nil {
		Logger(r.Context()).Warn("single logout not started", slog.String("idp", sess.SAML.IdP), slog.String("error", err.Error()))
		return ""
	}
	return next
}

// csrfExempt are the state-changing routes that identity providers post to
// from their own sites. The session cookie does not travel with those posts
// (SameSite=Lax); SAML's InResponseTo and RelayState protect them instead.
var csrfExempt = map[string]bool{
	"POST /auth/acs": true,
	"POST /auth/slo": true,
}

// guard runs before every route of the table: it finds who is calling,
// refuses cross-site forgeries and lets the request through only when the
// route's Access admits the caller, with the principal (and the session, for
// a cookie) in the request's context. Being in front of every route, planned
// ones included, no handler can forget it.
func (s *Server) guard(rt routes.Route, next http.Handler) http.Handler {
	exempt := csrfExempt[rt.Pattern()]
	return handle(func(w http.ResponseWriter, r *http.Request) error {
		p, sess, byKey, err := s.authenticate(r, rt)
		if err != nil {
			if fault.Is(err, fault.Unauthorized) {
				w.Header().Set("WWW-Authenticate", `Bearer realm="stanza", error="invalid_token"`)
			}
			return err
		}
		// A request with an API key carries no cookie a forger could ride on.
		if !byKey && !exempt && stateChanging(r.Method) {
			if err := checkSameOrigin(r); err != nil {
				return err
			}
			if sess != nil && !sess.ValidCSRF(r.Header.Get("X-CSRF-Token")) {
				return fault.New(fault.Forbidden, "Il codice di sicurezza della richiesta manca o non è valido: ricarica la pagina e riprova.")
			}
		}
		if err := auth.Authorize(p, rt, r.PathValue("tenant")); err != nil {
			if fault.Is(err, fault.Unauthorized) {
				w.Header().Set("WWW-Authenticate", `Bearer realm="stanza"`)
			}
			return err
		}
		ctx := auth.NewContext(r.Context(), p)
		if sess != nil {
			ctx = session.NewContext(ctx, *sess)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
		return nil
	})
}

// authenticate finds the caller: a partner's API key when the request
// presents one, else the session its cookie names. byKey reports an API-key
// request. A key is looked up within the Comune of the path, on the routes
// that admit partners; a route closed to partners refuses any key, and on a
// public route a key that does not resolve is no obstacle, since the route
// needs no credentials.
func (s *Server) authenticate(r *http.Request, rt routes.Route) (p auth.Principal, sess *session.Session, byKey bool, err error) {
	key, byKey := presentedKey(r)
	if byKey {
		public := rt.Access.Has(routes.Public)
		if !public && !rt.Access.Has(routes.Partner) {
			return auth.Principal{}, nil, true, fault.New(fault.Forbidden, "Le chiavi API non valgono per questo indirizzo.")
		}
		tenant := r.PathValue("tenant")
		if s.deps.Keys == nil || !store.ValidTenant(tenant) {
			return auth.Principal{}, nil, true, nil
		}
		p, err := s.resolveKey(r.Context(), tenant, key)
		if fault.Is(err, fault.Unauthorized) && public {
			return auth.Principal{}, nil, true, nil
		}
		return p, nil, true, err
	}
	p, loaded, err := s.deps.Sessions.Load(r.Context(), r)
	if err != nil || p.Anonymous() {
		return auth.Principal{}, nil, false, err
	}
	return p, &loaded, false, nil
}

// presentedKey returns the API key of a request: "Authorization: Bearer
// <key>" or "X-API-Key: <key>". ok is true whenever either header is
// present, so that a malformed one is refused rather than ignored.
func presentedKey(r *http.Request) (key string, ok bool) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, token, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") {
			return "", true
		}
		return strings.TrimSpace(token), true
	}
	if h, ok := r.Header["X-Api-Key"]; ok {
		return strings.TrimSpace(strings.Join(h, "")), true
	}
	return "", false
}

func stateChanging(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

// checkSameOrigin refuses a state-changing request that a browser says comes
// from another site: by Sec-Fetch-Site, or by an Origin whose host is not the
// one the request was sent to. Requests without either header (not from a
// browser, or from an old one) rely on the CSRF token alone.
func checkSameOrigin(r *http.Request) error {
	refused := fault.New(fault.Forbidden, "La richiesta proviene da un altro sito ed è stata rifiutata.")
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		return refused
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return nil
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || !strings.EqualFold(u.Host, r.Host) {
		return refused
	}
	return nil
}
