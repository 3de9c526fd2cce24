package httpapi

import (
	"net/http"

	"github.com/stanzaportal/stanza/shared/auth"
	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/pratica"
	"github.com/stanzaportal/stanza/shared/risposta"
)

// responseEndpoints serve the Comune's response to a concluded
// application, issued by risposta's handler on the change feed.
func (s *Server) responseEndpoints() map[string]Endpoint {
	apps := s.deps.Applications
	if apps == nil || s.deps.Archive == nil {
		return nil
	}
	return map[string]Endpoint{
		"GET /api/v1/tenants/{tenant}/applications/{application}/response": {
			Produces: "application/pdf",
			Query:    []Param{{"file", "true: the file the operator attached to the decision, instead of the response PDF."}},
			Handler: handle(func(w http.ResponseWriter, r *http.Request) error {
				p := auth.FromContext(r.Context())
				a, err := apps.Get(r.Context(), r.PathValue("tenant"), pratica.ActorOf(p), r.PathValue("application"))
				if err != nil {
					return err
				}
				if a.Status != pratica.Accepted && a.Status != pratica.Rejected {
					// Nothing is coming before the decision: a NotFound would
					// have the page wait for it.
					return fault.New(fault.Conflict, "La risposta del Comune è disponibile solo quando la pratica è accettata o rifiutata.")
				}
				rec, err := risposta.Of(r.Context(), s.deps.DB, a.Tenant, a.ID)
				if fault.Is(err, fault.NotFound) || (err == nil && rec.Key == "") {
					return fault.New(fault.NotFound, "La risposta del Comune è in preparazione: riprova tra qualche istante.")
				}
				if err != nil {
					return err
				}
				key, name := rec.Key, "risposta-"+a.ID+".pdf"
				if r.URL.Query().Get("file") == "true" {
					if key, name, err = s.responseFile(r, a); err != nil {
						return err
					}
				}
				return s.redirectToArchived(w, r, key, name)
			}),
		},
	}
}

// responseFile returns where the file attached to a's decision is kept,
// and its name.
func (s *Server) responseFile(r *http.Request, a pratica.Application) (key, name string, err error) {
	var id string
	for _, e := range a.History {
		if e.To == a.Status && e.ResponseFile != "" {
			id = e.ResponseFile
		}
	}
	if id == "" {
		return "", "", fault.New(fault.NotFound, "Alla risposta del Comune non è allegato alcun file.")
	}
	f, err := risposta.FileOf(r.Context(), s.deps.DB, a.Tenant, a.ID, id)
	if err != nil {
		return "", "", err
	}
	return risposta.FileArchiveKey(a.Tenant, a.ID, id), f.Name, nil
}
