// Package httpapi holds Stanza's HTTP handlers: one Endpoint per row of the
// route table, the middleware every request goes through, RFC 9457 problem
// responses and the OpenAPI document generated from the same endpoints.
//
// The same handlers serve the local server and the Lambda functions: a host
// asks Server.Handler for the routes of the functions it runs.
package httpapi

import (
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"sync"

	"github.com/stanzaportal/stanza/shared/allegato"
	"github.com/stanzaportal/stanza/shared/apikey"
	"github.com/stanzaportal/stanza/shared/blob"
	"github.com/stanzaportal/stanza/shared/cittadino"
	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/operatore"
	"github.com/stanzaportal/stanza/shared/pratica"
	"github.com/stanzaportal/stanza/shared/routes"
	"github.com/stanzaportal/stanza/shared/servizio"
	"github.com/stanzaportal/stanza/shared/session"
	"github.com/stanzaportal/stanza/shared/signin"
	"github.com/stanzaportal/stanza/shared/store"
	"github.com/stanzaportal/stanza/shared/tenant"
	"github.com/stanzaportal/stanza/shared/ufficio"
	"github.com/stanzaportal/stanza/shared/webhook"
	"golang.org/x/time/rate"
)

// Param documents a query parameter of an endpoint.
type Param struct {
	Name        string
	Description string
}

// Endpoint implements one route of the table.
type Endpoint struct {
	Handler  http.Handler
	Query    []Param // accepted query parameters besides "lang"; any other is refused
	Response any     // a value of the success response's JSON type, for the API document
	Produces string  // the success response's media type when it is not JSON (a page, XML); it may redirect
	Cache    string  // Cache-Control of a success response; "" means no-store
}

// Deps are what the handlers need.
type Deps struct {
	Log        *slog.Logger
	DB         *store.DB
	Production bool
	// ClientAddressHeader names the header where the proxy in front of
	// the portal puts the client's address (see ClientAddress).
	ClientAddressHeader string
	// Sessions keeps the sessions of signed-in users; nil means one over DB.
	Sessions *session.Store
	// Keys resolves partners' API keys; nil means API keys are not accepted.
	Keys KeyResolver
	// Logout starts SAML single logout at sign-out; nil means local sign-out only.
	Logout LogoutHook
	// Operators keeps staff accounts and signs them in; APIKeys issues and
	// revokes partner keys. Without both, their routes stay unimplemented.
	Operators *operatore.Accounts
	APIKeys   *apikey.Store
	// Accounts keeps citizens' accounts; Terms, the Comuni's terms of use.
	// Without both, the citizen's account routes stay unimplemented.
	Accounts *cittadino.AccountService
	Terms    *cittadino.TermsService
	// Applications keeps citizens' applications and enforces the workflow;
	// nil leaves the application routes unimplemented.
	Applications *pratica.Store
	// Archive keeps receipts and closed applications' documents.
	Archive *blob.Bucket
	// Attachments keeps the citizens' uploaded files.
	Attachments *allegato.Store
	// SignIn runs SPID and CIE sign-in; nil leaves the SAML routes unimplemented.
	SignIn *signin.Service
	// Webhooks keeps the Comuni's webhook subscriptions and delivery logs;
	// nil leaves their routes unimplemented.
	Webhooks *webhook.Store
	// PartnerTokenKey signs the partner API's short-lived tokens (HS256, at
	// least 32 bytes); empty leaves the partner API unimplemented.
	PartnerTokenKey []byte
}

// Server holds the endpoints of every implemented route.
type Server struct {
	deps      Deps
	tenants   *tenant.Directory
	catalogs  *servizio.Catalogs
	offices   *ufficio.Store      // the Comuni's offices; nil without Operators, which check their managers
	endpoints map[string]Endpoint // by route pattern
	// partnerLimit rate-limits each partner key across every partner route.
	partnerLimit *limiter
	doc          struct {
		sync.Once
		json []byte
	}
}

// NewServer returns a Server over deps.
func NewServer(deps Deps) *Server {
	if deps.Sessions == nil {
		deps.Sessions = session.NewStore(deps.DB)
	}
	s := &Server{deps: deps, tenants: tenant.NewDirectory(deps.DB), catalogs: servizio.NewCatalogs(deps.DB), partnerLimit: &limiter{keys: map[string]*rate.Limiter{}}}
	if deps.Operators != nil {
		s.offices = ufficio.NewStore(deps.DB, deps.Operators)
	}
	s.endpoints = map[string]Endpoint{}
	for pattern, e := range s.catalogEndpoints() {
		s.endpoints[pattern] = e
	}
	maps.Copy(s.endpoints, s.sessionEndpoints())
	maps.Copy(s.endpoints, s.operatorEndpoints())
	maps.Copy(s.endpoints, s.citizenEndpoints())
	maps.Copy(s.endpoints, s.samlEndpoints())
	maps.Copy(s.endpoints, s.applicationEndpoints())
	maps.Copy(s.endpoints, s.attachmentEndpoints())
	maps.Copy(s.endpoints, s.partnerEndpoints())
	maps.Copy(s.endpoints, s.catalogAdminEndpoints())
	maps.Copy(s.endpoints, s.responseEndpoints())
	maps.Copy(s.endpoints, s.backofficeEndpoints())
	maps.Copy(s.endpoints, s.backofficeFileEndpoints())
	maps.Copy(s.endpoints, s.officeEndpoints())
	maps.Copy(s.endpoints, s.auditEndpoints())
	maps.Copy(s.endpoints, s.metricsEndpoints())
	maps.Copy(s.endpoints, s.messageEndpoints())
	return s
}

func (s *Server) catalog(id string) *servizio.Catalog { return s.catalogs.Of(id) }

// Handler returns the routes of the given functions, with the middleware
// every request goes through. Each route is behind guard, which admits only
// the callers its Access names. Routes of the table that have no endpoint yet
// answer 501; paths outside these functions answer 404, wrong methods 405.
func (s *Server) Handler(fns ...routes.Function) http.Handler {
	mux := http.NewServeMux()
	var served []routes.Route
	for _, rt := range routes.Table {
		if !slices.Contains(fns, rt.Function) {
			continue
		}
		served = append(served, rt)
		e, ok := s.endpoints[rt.Pattern()]
		if !ok {
			mux.Handle(rt.Pattern(), s.guard(rt, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				Error(w, r, fault.New(fault.Unimplemented, "Questa funzione del portale non è ancora disponibile."))
			})))
			continue
		}
		mux.Handle(rt.Pattern(), s.guard(rt, s.audited(rt, e.wrap())))
	}
	var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		if allow := allowed(mux, r, served); len(allow) > 0 {
			w.Header()["Allow"] = allow
			Error(w, r, fault.New(fault.MethodNotAllowed, "Il metodo %s non è consentito per questo indirizzo.", r.Method))
			return
		}
		Error(w, r, fault.New(fault.NotFound, "Nessuna risorsa corrisponde a questo indirizzo."))
	})
	return ClientAddress(s.deps.ClientAddressHeader, Observe(s.deps.Log, Secure(s.deps.Production, h)))
}

// allowed returns the methods the served routes accept for r's path.
func allowed(mux *http.ServeMux, r *http.Request, served []routes.Route) []string {
	var methods []string
	for _, rt := range served {
		if slices.Contains(methods, rt.Method) {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = rt.Method
		if _, pattern := mux.Handler(probe); pattern != "" {
			methods = append(methods, rt.Method)
		}
	}
	return methods
}

// wrap refuses unknown query parameters (a typo in a filter must not silently
// return everything) and sets the cache policy.
func (e Endpoint) wrap() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for name := range r.URL.Query() {
			if name != "lang" && !slices.ContainsFunc(e.Query, func(p Param) bool { return p.Name == name }) {
				Error(w, r, fault.New(fault.Invalid, "Il parametro %q non è previsto.", name))
				return
			}
		}
		if e.Cache != "" {
			w.Header().Set("Cache-Control", e.Cache)
		} else {
			w.Header().Set("Cache-Control", "no-store")
		}
		e.Handler.ServeHTTP(w, r)
	})
}

// handle adapts a handler that returns an error.
func handle(f func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := f(w, r); err != nil {
			Error(w, r, err)
		}
	})
}
