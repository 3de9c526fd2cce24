package httpapi

import (
	"net/http"

	"github.com/stanzaportal/stanza/shared/ufficio"
)

// OfficeList is every office of a Comune, in id order.
type OfficeList struct {
	Items []ufficio.Office `json:"items"`
}

// OfficeRequest creates or changes the office of the path, whose id is
// fixed at creation.
type OfficeRequest struct {
	Name string `json:"name"`
	// Managers are the usernames of the enabled operators who manage the
	// office and may reassign its applications. When given, even empty,
	// they replace the office's managers; when absent, the office keeps
	// those it has, so that renaming it does not need them.
	Managers *[]string `json:"managers,omitempty"`
}

// officeEndpoints are the admins' list of offices and their edit. The
// offices need the staff accounts, to check the managers they name.
func (s *Server) officeEndpoints() map[string]Endpoint {
	if s.offices == nil {
		return nil
	}
	return map[string]Endpoint{
		"GET /api/v1/tenants/{tenant}/admin/offices": {
			Response: OfficeList{},
			Handler: handle(func(w http.ResponseWriter, r *http.Request) error {
				list, err := s.offices.List(r.Context(), r.PathValue("tenant"))
				if err != nil {
					return err
				}
				writeJSON(w, http.StatusOK, OfficeList{Items: nonNil(list)})
				return nil
			}),
		},
		"PUT /api/v1/tenants/{tenant}/admin/offices/{office}": {
			Response: ufficio.Office{},
			Handler: handle(func(w http.ResponseWriter, r *http.Request) error {
				var req OfficeRequest
				if err := decodeJSON(r, &req); err != nil {
					return err
				}
				o, err := s.offices.Put(r.Context(), r.PathValue("tenant"), r.PathValue("office"), req.Name, req.Managers)
				if err != nil {
					return err
				}
				writeJSON(w, http.StatusOK, o)
				return nil
			}),
		},
	}
}
