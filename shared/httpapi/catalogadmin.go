package httpapi

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"

	"github.com/stanzaportal/stanza/shared/apikey"
	"github.com/stanzaportal/stanza/shared/auth"
	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/routes"
	"github.com/stanzaportal/stanza/shared/servizio"
)

// AdminServiceList is every service of a Comune, drafts included, ordered
// by title.
type AdminServiceList struct {
	Items []servizio.Service `json:"items"`
}

// ProtocolConfig is how a service's applications are registered in the
// Comune's protocol. The register is "local": kept by the portal, its
// numbers sequential per Comune and year, written as Format says.
type ProtocolConfig struct {
	Service  string `json:"service"`
	Required bool   `json:"required"` // the service's settings ask for registration
	Register string `json:"register"`
	Format   string `json:"format"`  // "AAAA/NNNNNNN": the year and seven digits
	Example  string `json:"example"` // e.g. "2026/0000123"
}

// catalogAdminEndpoints let admins and partner systems edit the catalogue:
// service sheets, drafts to published and back, forms and their settings.
// Operators read a service's protocol configuration.
func (s *Server) catalogAdminEndpoints() map[string]Endpoint {
	const admin = "/api/v1/tenants/{tenant}/admin/services"
	out := map[string]Endpoint{
		"GET " + admin:                     {Response: AdminServiceList{}, Handler: handle(s.listAllServices)},
		"POST " + admin:                    {Response: servizio.Service{}, Handler: handle(s.createService)},
		"PUT " + admin + "/{service}":      {Response: servizio.Service{}, Handler: handle(s.updateService)},
		"PUT " + admin + "/{service}/form": {Response: servizio.Definition{}, Handler: handle(s.putServiceForm)},
		"GET " + admin + "/{service}/form": {Response: AdminServiceForm{}, Handler: handle(s.getServiceForm)},
		"GET /api/v1/tenants/{tenant}/backoffice/services/{service}/protocol": {Response: ProtocolConfig{}, Handler: handle(s.protocolConfig)},
	}
	// Like the rest of the partner API, these need the token key.
	if len(s.deps.PartnerTokenKey) == 0 {
		return out
	}
	l := s.partnerLimit
	partner := func(f func(w http.ResponseWriter, r *http.Request) error) http.Handler { return handle(l.limited(f)) }
	maps.Copy(out, map[string]Endpoint{
		"GET /api/v1/tenants/{tenant}/partner/services": {
			Response: AdminServiceList{},
			Handler: partner(func(w http.ResponseWriter, r *http.Request) error {
				// A partner reads the services to edit them, or to know
				// which slugs to ask applications for.
				p := auth.FromContext(r.Context())
				if requireScope(p, apikey.ScopeServicesWrite) != nil {
					if err := requireScope(p, apikey.ScopeApplicationsRead); err != nil {
						return err
					}
				}
				return s.listAllServices(w, r)
			}),
		},
		"PUT /api/v1/tenants/{tenant}/partner/services/{service}": {
			Response: servizio.Service{},
			Handler: partner(func(w http.ResponseWriter, r *http.Request) error {
				if err := requireScope(auth.FromContext(r.Context()), apikey.ScopeServicesWrite); err != nil {
					return err
				}
				return s.updateService(w, r)
			}),
		},
	})
	return out
}

func (s *Server) listAllServices(w http.ResponseWriter, r *http.Request) error {
	list, err := s.catalog(r.PathValue("tenant")).AllServices(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, AdminServiceList{Items: nonNil(list)})
	return nil
}

// createService adds a service as a draft, whatever status the body says:
// a service goes public only once its sheet is edited to published, after
// its form is in place.
func (s *Server) createService(w http.ResponseWriter, r *http.Request) error {
	var in servizio.Service
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	in.Status = servizio.Draft
	out, err := s.catalog(r.PathValue("tenant")).CreateService(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, out)
	return nil
}

// updateService replaces a sheet. The slug is the path's: a body naming
// another one is refused, since a slug is how citizens' applications and
// operators' permissions refer to the service.
func (s *Server) updateService(w http.ResponseWriter, r *http.Request) error {
	var in servizio.Service
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	service := r.PathValue("service")
	if in.Slug != "" && in.Slug != service {
		return fault.New(fault.Invalid, "L'identificativo di un servizio non si può cambiare.")
	}
	in.Slug = service
	out, err := s.catalog(r.PathValue("tenant")).UpdateService(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) putServiceForm(w http.ResponseWriter, r *http.Request) error {
	var in servizio.Definition
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if err := s.catalog(r.PathValue("tenant")).PutDefinition(r.Context(), r.PathValue("service"), in); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, in)
	return nil
}

// AdminServiceForm is a service's form as its admins edit it: Form as
// stored, naming the blocks of the Comune's form library, and Resolved with
// those blocks inline, as the citizens' renderer draws it.
type AdminServiceForm struct {
	Service  string            `json:"service"`
	Form     json.RawMessage   `json:"form"`
	Resolved json.RawMessage   `json:"resolved"`
	Settings servizio.Settings `json:"settings"`
}

// getServiceForm answers the form of any service, a draft's too, which the
// citizens' route does not show.
func (s *Server) getServiceForm(w http.ResponseWriter, r *http.Request) error {
	service := r.PathValue("service")
	cat := s.catalog(r.PathValue("tenant"))
	if err := anyService(r, cat, service); err != nil {
		return err
	}
	def, _, err := cat.Definition(r.Context(), service)
	if err != nil {
		return err
	}
	resolved, err := inlineForms(r.Context(), cat.Library(), def.Form)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, AdminServiceForm{Service: service, Form: def.Form, Resolved: resolved, Settings: def.Settings})
	return nil
}

// anyService refuses a slug that names no service, published or not.
func anyService(r *http.Request, cat *servizio.Catalog, service string) error {
	all, err := cat.AllServices(r.Context())
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(all, func(svc servizio.Service) bool { return svc.Slug == service }) {
		return fault.New(fault.NotFound, "Il servizio %q non esiste.", service)
	}
	return nil
}

func (s *Server) protocolConfig(w http.ResponseWriter, r *http.Request) error {
	service := r.PathValue("service")
	cat := s.catalog(r.PathValue("tenant"))
	if err := anyService(r, cat, service); err != nil {
		return err
	}
	if p := auth.FromContext(r.Context()); p.Role == routes.Operator && !slices.Contains(p.Services, service) {
		return fault.New(fault.Forbidden, "Non sei abilitato al servizio %q.", service)
	}
	// A service without a form yet has no settings: nothing asks for
	// registration.
	def, _, err := cat.Definition(r.Context(), service)
	if err != nil && !fault.Is(err, fault.NotFound) {
		return err
	}
	writeJSON(w, http.StatusOK, ProtocolConfig{
		Service: service, Required: def.Settings.ProtocolRequired,
		Register: "local", Format: "AAAA/NNNNNNN", Example: "2026/0000123",
	})
	return nil
}
