package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/store"
)

// Office is one of the Comune's offices, to which operators belong and
// applications are assigned. Its id is a slug, fixed at creation, so that
// renaming it leaves assignments in place.
type Office struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// OfficeList is every office of a Comune, in id order.
type OfficeList struct {
	Items []Office `json:"items"`
}

type officeRequest struct {
	Name string `json:"name"`
}

const (
	officesPK     = "offices"
	maxOfficeName = 100 // characters
)

var officeID = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$`)

// officeEndpoints are the admins' list of offices.
func (s *Server) officeEndpoints() map[string]Endpoint {
	if s.deps.DB == nil {
		return nil
	}
	return map[string]Endpoint{
		"GET /api/v1/tenants/{tenant}/admin/offices": {
			Response: OfficeList{},
			Handler: handle(func(w http.ResponseWriter, r *http.Request) error {
				items, err := s.deps.DB.Tenant(r.PathValue("tenant")).QueryAll(r.Context(), store.Query{PK: officesPK})
				if err != nil {
					return err
				}
				out := OfficeList{Items: make([]Office, 0, len(items))}
				for _, it := range items {
					var o Office
					if err := json.Unmarshal(it.Data, &o); err != nil {
						return fault.Wrap(err, fault.Internal, "httpapi: office %s is unreadable", it.Key.SK)
					}
					out.Items = append(out.Items, o)
				}
				writeJSON(w, http.StatusOK, out)
				return nil
			}),
		},
		"PUT /api/v1/tenants/{tenant}/admin/offices/{office}": {
			Response: Office{},
			Handler: handle(func(w http.ResponseWriter, r *http.Request) error {
				var req officeRequest
				if err := decodeJSON(r, &req); err != nil {
					return err
				}
				o := Office{ID: r.PathValue("office"), Name: strings.TrimSpace(req.Name)}
				if !officeID.MatchString(o.ID) {
					return fault.New(fault.Invalid, "Il codice dell'ufficio deve avere da 1 a 64 lettere minuscole, cifre o trattini.")
				}
				if o.Name == "" || utf8.RuneCountInString(o.Name) > maxOfficeName || strings.ContainsFunc(o.Name, unicode.IsControl) {
					return fault.New(fault.Invalid, "Il nome dell'ufficio è obbligatorio e può avere al massimo %d caratteri.", maxOfficeName)
				}
				data, err := json.Marshal(o)
				if err != nil {
					return err
				}
				if _, err := s.deps.DB.Tenant(r.PathValue("tenant")).Put(r.Context(), store.Item{Key: store.Key{PK: officesPK, SK: o.ID}, Data: data}, store.Condition{}); err != nil {
					return err
				}
				writeJSON(w, http.StatusOK, o)
				return nil
			}),
		},
	}
}

// officeExists reports whether tenant has the office id.
func (s *Server) officeExists(ctx context.Context, tenant, id string) (bool, error) {
	_, err := s.deps.DB.Tenant(tenant).Get(ctx, store.Key{PK: officesPK, SK: id})
	if fault.Is(err, fault.NotFound) {
		return false, nil
	}
	return err == nil, err
}
