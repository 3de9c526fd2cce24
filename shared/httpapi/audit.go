package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"strings"

	"github.com/stanzaportal/stanza/shared/audit"
	"github.com/stanzaportal/stanza/shared/auth"
	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/routes"
	"github.com/stanzaportal/stanza/shared/store"
)

// staff are the roles whose every request the audit log records.
const staff = routes.Operator | routes.Admin | routes.Partner

// audited records in the audit log each request that staff make on a
// route open to staff, after its handler has answered: who, what, the
// answer's status and from where. A staff GET that names an application
// reads the citizen's personal data and is recorded as such. A failure to
// record is logged and does not fail the request, whose answer is already
// on its way.
func (s *Server) audited(rt routes.Route, next http.Handler) http.Handler {
	if rt.Access&staff == 0 {
		return next
	}
	log := audit.New(s.deps.DB)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		p := auth.FromContext(r.Context())
		if p.Anonymous() || !staff.Has(p.Role) {
			return
		}
		e := audit.Entry{
			Role: p.Role.String(), Subject: p.Subject, Tenant: p.Tenant, Action: rt.Pattern(),
			Application: r.PathValue("application"), Status: sw.status,
			Address: r.RemoteAddr, ForwardedFor: r.Header.Get("X-Forwarded-For"),
		}
		if e.Status == 0 {
			e.Status = http.StatusOK
		}
		if rt.Method == http.MethodGet && e.Application != "" {
			e.Action = audit.ReadPersonalData
		}
		// The entry is written even when the client has gone away.
		if _, err := log.Record(context.WithoutCancel(r.Context()), e); err != nil {
			Logger(r.Context()).Error("audit entry not recorded", slog.String("action", e.Action),
				slog.String("subject", e.Subject), slog.String("error", err.Error()))
		}
	})
}

func (s *Server) auditEndpoints() map[string]Endpoint {
	log := audit.New(s.deps.DB)
	return map[string]Endpoint{
		"GET /api/v1/tenants/{tenant}/admin/audit": {
			Response: audit.Page{},
			Query: []Param{
				{"application", "The entries about this application (its id)."},
				{"operator", "The entries of this operator or admin (their username)."},
				{"cursor", "The cursor of the previous page."},
			},
			Handler: handle(func(w http.ResponseWriter, r *http.Request) error {
				tenant, q := r.PathValue("tenant"), r.URL.Query()
				app, operator := strings.TrimSpace(q.Get("application")), strings.TrimSpace(q.Get("operator"))
				var page audit.Page
				var err error
				switch {
				case (app == "") == (operator == ""):
					return fault.New(fault.Invalid, "Indica una pratica (parametro application) oppure un operatore (parametro operator).")
				case app != "" && !store.IsID(app):
					return fault.New(fault.Invalid, "L'identificativo della pratica non è valido.")
				case app != "":
					page, err = log.ByApplication(r.Context(), tenant, app, q.Get("cursor"))
				default:
					page, err = log.ByActor(r.Context(), tenant, audit.Kind("operator"), operator, q.Get("cursor"))
				}
				if err != nil {
					return err
				}
				page.Items = nonNil(page.Items)
				writeJSON(w, http.StatusOK, page)
				return nil
			}),
		},
	}
}
