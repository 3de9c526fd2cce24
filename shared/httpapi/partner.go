package httpapi

import (
	"context"
	"maps"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/time/rate"

	"github.com/stanzaportal/stanza/shared/apikey"
	"github.com/stanzaportal/stanza/shared/auth"
	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/pratica"
	"github.com/stanzaportal/stanza/shared/routes"
)

// PartnerToken is a short-lived token for the partner API, obtained with
// an API key: the partner sends it as "Authorization: Bearer <token>"
// until it expires, and the key itself travels once per token instead of
// with every request.
type PartnerToken struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"` // "Bearer"
	ExpiresIn   int    `json:"expires_in"` // seconds
}

// PartnerApplicationList is one page of a service's applications in a
// status, the longest waiting first.
type PartnerApplicationList struct {
	Items  []ApplicationView `json:"items"`
	Cursor string            `json:"cursor,omitempty"`
}

// PartnerTransition asks for a transition in the style of OpenCity's API:
// "assign" with {user} takes the application in charge for that operator;
// "accept" and "reject" with {message} (required to reject);
// "request-integration" with {message}; "resume" after an integration.
// Version, when given, must be the application's current one.
type PartnerTransition struct {
	Transition string `json:"transition"`
	User       string `json:"user,omitempty"`
	Message    string `json:"message,omitempty"`
	Version    int64  `json:"version,omitempty"`
}

// PartnerProtocol is the registration of an application (or of its
// integration) in the Comune's protocol system. At defaults to now.
type PartnerProtocol struct {
	Number string    `json:"number"`
	At     time.Time `json:"at,omitzero"`
}

// Partner API limits.
const (
	partnerTokenTTL = 15 * time.Minute
	partnerPage     = 50
	// Each key may make partnerRate requests a second on average, in
	// bursts of up to partnerBurst.
	partnerRate  = 10
	partnerBurst = 30
	maxProtocol  = 64 // characters of a protocol number
	tokenIssuer  = "stanza"
)

// partnerEvents maps the transitions of the partner API to the workflow's
// events.
var partnerEvents = map[string]pratica.Event{
	"assign":              pratica.TakeInCharge,
	"accept":              pratica.Accept,
	"reject":              pratica.Reject,
	"request-integration": pratica.RequestIntegration,
	"resume":              pratica.Resume,
}

// tokenClaims are the claims of a partner token: the key's id as subject,
// its Comune and its scopes.
type tokenClaims struct {
	jwt.RegisteredClaims
	Tenant string   `json:"tenant"`
	Scopes []string `json:"scopes"`
	Name   string   `json:"name,omitempty"`
}

// resolveKey turns what a partner presents into its principal: a token
// signed by this portal (three dot-separated parts; API keys have no dot)
// or an API key. A token is checked by its signature alone, so it keeps
// working until it expires, at most 15 minutes after its key is revoked.
func (s *Server) resolveKey(ctx context.Context, tenant, presented string) (auth.Principal, error) {
	if strings.Count(presented, ".") != 2 || len(s.deps.PartnerTokenKey) == 0 {
		return s.deps.Keys.Resolve(ctx, tenant, presented)
	}
	var c tokenClaims
	_, err := jwt.ParseWithClaims(presented, &c, func(*jwt.Token) (any, error) { return s.deps.PartnerTokenKey, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithIssuer(tokenIssuer), jwt.WithExpirationRequired())
	if err != nil || c.Tenant != tenant || c.Subject == "" {
		return auth.Principal{}, fault.New(fault.Unauthorized, "Il token non è valido o è scaduto: richiedine uno nuovo con la chiave API.")
	}
	return auth.Principal{Role: routes.Partner, Subject: c.Subject, Tenant: c.Tenant, Name: c.Name, Scopes: c.Scopes}, nil
}

// requireScope refuses a partner whose key lacks scope.
func requireScope(p auth.Principal, scope string) error {
	if !slices.Contains(p.Scopes, scope) {
		return fault.New(fault.Forbidden, "La chiave API non ha l'ambito di accesso %q.", scope)
	}
	return nil
}

// limiter keeps one token bucket per partner key, in memory: each process
// limits on its own, which bounds a key's load on each of them.
type limiter struct {
	mu   sync.Mutex
	keys map[string]*rate.Limiter
}

// limited refuses a request beyond its key's rate with 429 and the
// seconds to wait in Retry-After.
func (l *limiter) limited(f func(w http.ResponseWriter, r *http.Request) error) func(w http.ResponseWriter, r *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		key := auth.FromContext(r.Context()).Subject
		l.mu.Lock()
		lim, ok := l.keys[key]
		if !ok {
			lim = rate.NewLimiter(partnerRate, partnerBurst)
			l.keys[key] = lim
		}
		l.mu.Unlock()
		res := lim.Reserve()
		if wait := res.Delay(); wait > 0 {
			res.Cancel()
			secs := int(math.Ceil(wait.Seconds()))
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			return fault.New(fault.TooManyRequests, "Troppe richieste con questa chiave API: riprova tra %d secondi.", secs)
		}
		return f(w, r)
	}
}

// partnerEndpoints are what partner systems use: the webhooks the admins
// subscribe them to (see webhookEndpoints) and the partner API, which
// needs the applications, the staff (to assign to) and the token key.
func (s *Server) partnerEndpoints() map[string]Endpoint {
	out := map[string]Endpoint{}
	maps.Copy(out, s.webhookEndpoints())
	apps := s.deps.Applications
	if apps == nil || s.deps.Operators == nil || len(s.deps.PartnerTokenKey) == 0 {
		return out
	}
	l := s.partnerLimit
	h := func(f func(w http.ResponseWriter, r *http.Request) error) http.Handler { return handle(l.limited(f)) }
	const base = "/api/v1/tenants/{tenant}/partner/"
	maps.Copy(out, map[string]Endpoint{
		"POST " + base + "token": {Response: PartnerToken{}, Handler: h(s.partnerToken)},
		"GET " + base + "applications": {
			Response: PartnerApplicationList{},
			Query: []Param{
				{"service", "The service's slug (required)."},
				{"status", "The status code, e.g. 2000 submitted, 3000 registered, 4000 in charge (required)."},
				{"cursor", "The cursor of the previous page."},
			},
			Handler: h(s.partnerList),
		},
		"GET " + base + "applications/{application}": {
			Response: ApplicationView{},
			Handler: h(func(w http.ResponseWriter, r *http.Request) error {
				p := auth.FromContext(r.Context())
				if err := requireScope(p, apikey.ScopeApplicationsRead); err != nil {
					return err
				}
				a, err := apps.Get(r.Context(), r.PathValue("tenant"), pratica.ActorOf(p), r.PathValue("application"))
				if err != nil {
					return err
				}
				writeJSON(w, http.StatusOK, view(a, p))
				return nil
			}),
		},
		"POST " + base + "applications/{application}/transitions": {Response: ApplicationView{}, Handler: h(s.partnerTransition)},
		"PUT " + base + "applications/{application}/protocol":     {Response: ApplicationView{}, Handler: h(s.partnerProtocol)},
	})
	if s.deps.Archive != nil {
		out["GET "+base+"applications/{application}/receipt"] = Endpoint{Produces: "application/pdf", Handler: h(s.partnerReceipt)}
	}
	if s.deps.Attachments != nil {
		out["GET "+base+"applications/{application}/attachments/{attachment}"] = Endpoint{Produces: "application/octet-stream", Handler: h(s.partnerAttachment)}
	}
	return out
}

// readable returns the application of the request for a partner that may
// read applications.
func (s *Server) readable(r *http.Request) (pratica.Application, error) {
	p := auth.FromContext(r.Context())
	if err := requireScope(p, apikey.ScopeApplicationsRead); err != nil {
		return pratica.Application{}, err
	}
	return s.deps.Applications.Get(r.Context(), r.PathValue("tenant"), pratica.ActorOf(p), r.PathValue("application"))
}

// partnerReceipt redirects to the receipt of a submitted application, as
// the citizen's route does.
func (s *Server) partnerReceipt(w http.ResponseWriter, r *http.Request) error {
	a, err := s.readable(r)
	if err != nil {
		return err
	}
	return s.redirectToReceipt(w, r, a)
}

// partnerAttachment redirects to one of an application's attachments.
func (s *Server) partnerAttachment(w http.ResponseWriter, r *http.Request) error {
	a, err := s.readable(r)
	if err != nil {
		return err
	}
	return s.redirectToAttachment(w, r, a)
}

// partnerToken signs a token for the key presented. A token cannot renew
// itself: a revoked key then stops working within 15 minutes.
func (s *Server) partnerToken(w http.ResponseWriter, r *http.Request) error {
	if key, _ := presentedKey(r); strings.Count(key, ".") == 2 {
		return fault.New(fault.Forbidden, "Un token si ottiene solo con la chiave API.")
	}
	p := auth.FromContext(r.Context())
	now := time.Now()
	claims := tokenClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: tokenIssuer, Subject: p.Subject,
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(partnerTokenTTL)),
		},
		Tenant: p.Tenant, Scopes: p.Scopes, Name: p.Name,
	}
	signed, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(s.deps.PartnerTokenKey)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, PartnerToken{AccessToken: signed, TokenType: "Bearer", ExpiresIn: int(partnerTokenTTL.Seconds())})
	return nil
}

func (s *Server) partnerList(w http.ResponseWriter, r *http.Request) error {
	p := auth.FromContext(r.Context())
	if err := requireScope(p, apikey.ScopeApplicationsRead); err != nil {
		return err
	}
	q := r.URL.Query()
	service := q.Get("service")
	if service == "" {
		return fault.New(fault.Invalid, "Indica il servizio (parametro service).")
	}
	code, err := strconv.Atoi(q.Get("status"))
	if err != nil {
		return fault.New(fault.Invalid, "Indica lo stato con il suo codice numerico (parametro status).")
	}
	page, err := s.deps.Applications.Queue(r.Context(), r.PathValue("tenant"), pratica.ActorOf(p), service, pratica.Status(code), q.Get("cursor"), partnerPage)
	if err != nil {
		return err
	}
	out := PartnerApplicationList{Items: []ApplicationView{}, Cursor: page.Cursor}
	for _, a := range page.Applications {
		out.Items = append(out.Items, view(a, p))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) partnerTransition(w http.ResponseWriter, r *http.Request) error {
	p := auth.FromContext(r.Context())
	if err := requireScope(p, apikey.ScopeApplicationsWrite); err != nil {
		return err
	}
	var in PartnerTransition
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	ev, ok := partnerEvents[in.Transition]
	if !ok {
		return fault.New(fault.Invalid, "La transizione %q non esiste: usa assign, accept, reject, request-integration o resume.", in.Transition)
	}
	if in.Version < 0 {
		return fault.New(fault.Invalid, "La versione della pratica non è valida.")
	}
	tenant := r.PathValue("tenant")
	if ev == pratica.TakeInCharge {
		// A partner is no operator: it assigns the application to one,
		// who must exist, be active and handle the service.
		a, err := s.deps.Applications.Get(r.Context(), tenant, pratica.ActorOf(p), r.PathValue("application"))
		if err != nil {
			return err
		}
		if err := s.checkAssignee(r, tenant, a.Service, in.User, ""); err != nil {
			return err
		}
	}
	a, err := s.deps.Applications.Apply(r.Context(), tenant, pratica.ActorOf(p), r.PathValue("application"), ev,
		pratica.Input{Version: in.Version, Note: in.Message, Assignee: in.User})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, view(a, p))
	return nil
}

// partnerProtocol records the protocol registration of a submitted
// application or of its integration: the register transition that its
// status calls for. Repeating the same registration answers as the first.
func (s *Server) partnerProtocol(w http.ResponseWriter, r *http.Request) error {
	p := auth.FromContext(r.Context())
	if err := requireScope(p, apikey.ScopeProtocolWrite); err != nil {
		return err
	}
	var in PartnerProtocol
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	number := strings.TrimSpace(in.Number)
	if number == "" || utf8.RuneCountInString(number) > maxProtocol || strings.ContainsFunc(number, unicode.IsControl) {
		return fault.New(fault.Invalid, "Il numero di protocollo è obbligatorio e può avere al massimo %d caratteri.", maxProtocol)
	}
	at := in.At
	if at.IsZero() {
		at = time.Now()
	}
	tenant, id, actor := r.PathValue("tenant"), r.PathValue("application"), pratica.ActorOf(p)
	apps := s.deps.Applications
	a, err := apps.Get(r.Context(), tenant, actor, id)
	if err != nil {
		return err
	}
	if n := len(a.History); n > 0 && a.History[n-1].Protocol != nil && a.History[n-1].Protocol.Number == number {
		writeJSON(w, http.StatusOK, view(a, p))
		return nil
	}
	ev := pratica.Register
	if a.Status == pratica.IntegrationSubmitted {
		ev = pratica.RegisterIntegration
	}
	a, err = apps.Apply(r.Context(), tenant, actor, id, ev, pratica.Input{Version: a.Version, Protocol: &pratica.Protocol{Number: number, At: at.UTC()}})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, view(a, p))
	return nil
}
