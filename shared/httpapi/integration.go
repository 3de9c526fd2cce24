package httpapi

import (
	"net/http"

	"github.com/stanzaportal/stanza/shared/auth"
	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/pratica"
)

// integrationStartRequest opens the integration an operator asked for;
// Version is the version the citizen saw, 0 for the current one.
type integrationStartRequest struct {
	Version int64 `json:"version,omitempty"`
}

// integrationRequest sends the integration: the citizen's answers to what
// the operator asked. The files are the attachments added meanwhile.
type integrationRequest struct {
	Answers string `json:"answers,omitempty"`
}

// integrationEndpoints are the citizen's side of an integration: open it
// (the application then accepts attachments again), then send it.
func (s *Server) integrationEndpoints() map[string]Endpoint {
	apps := s.deps.Applications
	return map[string]Endpoint{
		"POST /api/v1/tenants/{tenant}/applications/{application}/integration": {
			Response: ApplicationView{},
			Handler: handle(func(w http.ResponseWriter, r *http.Request) error {
				var req integrationStartRequest
				if err := decodeJSON(r, &req); err != nil {
					return err
				}
				if req.Version < 0 {
					return fault.New(fault.Invalid, "La versione non può essere negativa.")
				}
				p := auth.FromContext(r.Context())
				a, err := apps.Apply(r.Context(), r.PathValue("tenant"), pratica.ActorOf(p), r.PathValue("application"),
					pratica.StartIntegration, pratica.Input{Version: req.Version})
				if err != nil {
					return err
				}
				writeJSON(w, http.StatusOK, view(a, p))
				return nil
			}),
		},
		"POST /api/v1/tenants/{tenant}/applications/{application}/integration/submission": {
			Response: ApplicationView{},
			Handler: handle(func(w http.ResponseWriter, r *http.Request) error {
				key := r.Header.Get("Idempotency-Key")
				if key == "" {
					return fault.New(fault.Invalid, "L'invio richiede l'intestazione Idempotency-Key, così che ripeterlo non invii l'integrazione due volte.")
				}
				if err := pratica.CheckIdempotencyKey(key); err != nil {
					return err
				}
				var req integrationRequest
				if err := decodeJSON(r, &req); err != nil {
					return err
				}
				p := auth.FromContext(r.Context())
				a, err := apps.SubmitIntegration(r.Context(), r.PathValue("tenant"), pratica.ActorOf(p), r.PathValue("application"), key, req.Answers)
				if err != nil {
					return err
				}
				writeJSON(w, http.StatusOK, view(a, p))
				return nil
			}),
		},
	}
}
