package httpapi

import (
	"net/http"
	"unicode/utf8"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/servizio"
	"github.com/stanzaportal/stanza/shared/tenant"
)

// TenantList is the list of Comuni.
type TenantList struct {
	Items []tenant.Comune `json:"items"`
}

// CategoryList is a Comune's categories in display order.
type CategoryList struct {
	Items []servizio.Category `json:"items"`
}

// ServiceSummary is a service as shown in lists.
type ServiceSummary struct {
	Slug      string             `json:"slug"`
	Title     string             `json:"title"`
	Category  string             `json:"category"`
	Summary   string             `json:"summary"`
	AuthLevel servizio.AuthLevel `json:"authLevel"`
	Free      bool               `json:"free"`
}

// ServiceList is a list of services, ordered by title.
type ServiceList struct {
	Items []ServiceSummary `json:"items"`
}

// ServiceSheet is a service's public sheet, with its category and the other
// services of that category.
type ServiceSheet struct {
	Service  servizio.Service  `json:"service"`
	Category servizio.Category `json:"category"`
	Related  []ServiceSummary  `json:"related"`
}

// maxSearch bounds the search text: a longer one is not a search a person makes.
const maxSearch = 200

// relatedServices is how many related services a sheet shows.
const relatedServices = 5

// The catalogue changes rarely and is public: browsers and CloudFront may
// keep it for a minute.
const catalogCache = "public, max-age=60"

func summarize(list []servizio.Service) []ServiceSummary {
	out := make([]ServiceSummary, len(list))
	for i, s := range list {
		out[i] = ServiceSummary{Slug: s.Slug, Title: s.Title, Category: s.Category, Summary: s.Summary, AuthLevel: s.AuthLevel, Free: s.Cost.Free}
	}
	return out
}

func (s *Server) catalogEndpoints() map[string]Endpoint {
	return map[string]Endpoint{
		"GET /api/v1/tenants": {
			Response: TenantList{},
			Cache:    catalogCache,
			Handler: handle(func(w http.ResponseWriter, r *http.Request) error {
				list, err := s.tenants.List(r.Context())
				if err != nil {
					return err
				}
				writeJSON(w, http.StatusOK, TenantList{Items: nonNil(list)})
				return nil
			}),
		},
		"GET /api/v1/tenants/{tenant}": {
			Response: tenant.Comune{},
			Cache:    catalogCache,
			Handler: handle(func(w http.ResponseWriter, r *http.Request) error {
				c, err := s.tenants.Get(r.Context(), r.PathValue("tenant"))
				if err != nil {
					return err
				}
				writeJSON(w, http.StatusOK, c)
				return nil
			}),
		},
		"GET /api/v1/tenants/{tenant}/categories": {
			Response: CategoryList{},
			Cache:    catalogCache,
			Handler: handle(func(w http.ResponseWriter, r *http.Request) error {
				c, err := s.tenants.Get(r.Context(), r.PathValue("tenant"))
				if err != nil {
					return err
				}
				cats, err := s.catalog(c.ID).Categories(r.Context())
				if err != nil {
					return err
				}
				writeJSON(w, http.StatusOK, CategoryList{Items: nonNil(cats)})
				return nil
			}),
		},
		"GET /api/v1/tenants/{tenant}/services": {
			Response: ServiceList{},
			Cache:    catalogCache,
			Query: []Param{
				{"category", "Only the services of this category (its slug)."},
				{"q", "Words that must all appear in the service's title, summary, description or keywords; accents and case are ignored."},
			},
			Handler: handle(func(w http.ResponseWriter, r *http.Request) error {
				c, err := s.tenants.Get(r.Context(), r.PathValue("tenant"))
				if err != nil {
					return err
				}
				f := servizio.Filter{Category: r.URL.Query().Get("category"), Text: r.URL.Query().Get("q")}
				if utf8.RuneCountInString(f.Text) > maxSearch {
					return fault.New(fault.Invalid, "Il testo da cercare può avere al massimo %d caratteri.", maxSearch)
				}
				list, err := s.catalog(c.ID).Services(r.Context(), f)
				if fault.Is(err, fault.NotFound) {
					// An unknown category in a filter is a mistake in the request,
					// not a missing page.
					return fault.Wrap(err, fault.Invalid, "La categoria %q non esiste.", f.Category)
				}
				if err != nil {
					return err
				}
				writeJSON(w, http.StatusOK, ServiceList{Items: summarize(list)})
				return nil
			}),
		},
		"GET /api/v1/tenants/{tenant}/services/{service}": {
			Response: ServiceSheet{},
			Cache:    catalogCache,
			Handler: handle(func(w http.ResponseWriter, r *http.Request) error {
				c, err := s.tenants.Get(r.Context(), r.PathValue("tenant"))
				if err != nil {
					return err
				}
				cat := s.catalog(c.ID)
				svc, err := cat.Service(r.Context(), r.PathValue("service"))
				if err != nil {
					return err
				}
				category, err := cat.Category(r.Context(), svc.Category)
				if err != nil {
					return err
				}
				related, err := cat.Related(r.Context(), svc, relatedServices)
				if err != nil {
					return err
				}
				writeJSON(w, http.StatusOK, ServiceSheet{Service: svc, Category: category, Related: summarize(related)})
				return nil
			}),
		},
		"GET /api/openapi.json": {
			Response: map[string]any{},
			Cache:    catalogCache,
			Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write(s.document())
			}),
		},
	}
}

// nonNil turns a nil slice into an empty one, so that lists are [] in JSON.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
