package httpapi

import (
	"net/http"
	"slices"
	"time"

	"github.com/stanzaportal/stanza/shared/auth"
	"github.com/stanzaportal/stanza/shared/metriche"
	"github.com/stanzaportal/stanza/shared/routes"
	"github.com/stanzaportal/stanza/shared/servizio"
)

// MetricsList is the metrics of the services the caller works on.
type MetricsList struct {
	Items []metriche.Service `json:"items"`
}

func (s *Server) metricsEndpoints() map[string]Endpoint {
	m := metriche.New(s.deps.DB)
	return map[string]Endpoint{
		"GET /api/v1/tenants/{tenant}/backoffice/metrics": {
			Response: MetricsList{},
			Handler: handle(func(w http.ResponseWriter, r *http.Request) error {
				tenant, p := r.PathValue("tenant"), auth.FromContext(r.Context())
				// Operators see the services they are enabled for; admins
				// every service of the Comune's catalogue.
				services := slices.Clone(p.Services)
				if p.Role == routes.Admin {
					list, err := s.catalog(tenant).Services(r.Context(), servizio.Filter{})
					if err != nil {
						return err
					}
					services = services[:0]
					for _, svc := range list {
						services = append(services, svc.Slug)
					}
				}
				slices.Sort(services)
				out := MetricsList{Items: []metriche.Service{}}
				now := time.Now()
				for _, svc := range slices.Compact(services) {
					one, err := m.Of(r.Context(), tenant, svc, now)
					if err != nil {
						return err
					}
					out.Items = append(out.Items, one)
				}
				writeJSON(w, http.StatusOK, out)
				return nil
			}),
		},
	}
}
