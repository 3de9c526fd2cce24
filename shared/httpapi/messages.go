package httpapi

import (
	"net/http"

	"github.com/stanzaportal/stanza/shared/apikey"
	"github.com/stanzaportal/stanza/shared/auth"
	"github.com/stanzaportal/stanza/shared/messaggio"
	"github.com/stanzaportal/stanza/shared/pratica"
	"github.com/stanzaportal/stanza/shared/routes"
)

// MessageList is one page of an application's messages, oldest first.
type MessageList struct {
	Items  []messaggio.Message `json:"items"`
	Cursor string              `json:"cursor,omitempty"`
}

type messageRequest struct {
	Text string `json:"text"`
}

// messageEndpoints are the messages between a citizen and the office on an
// application: the same exchange seen by the citizen, by the operators and
// by partner systems, each on its own route so that each side has its
// view (the citizen never sees an operator's username) and its audit.
func (s *Server) messageEndpoints() map[string]Endpoint {
	if s.deps.Applications == nil {
		return nil
	}
	msgs := messaggio.New(s.deps.DB, s.deps.Applications)
	list := func(scope string) func(w http.ResponseWriter, r *http.Request) error {
		return func(w http.ResponseWriter, r *http.Request) error {
			p := auth.FromContext(r.Context())
			if err := partnerScope(p, scope); err != nil {
				return err
			}
			page, err := msgs.List(r.Context(), r.PathValue("tenant"), pratica.ActorOf(p), r.PathValue("application"), r.URL.Query().Get("cursor"))
			if err != nil {
				return unseen(err)
			}
			out := MessageList{Items: make([]messaggio.Message, len(page.Items)), Cursor: page.Cursor}
			for i, m := range page.Items {
				out.Items[i] = messageView(m, p)
			}
			writeJSON(w, http.StatusOK, out)
			return nil
		}
	}
	post := func(scope string) func(w http.ResponseWriter, r *http.Request) error {
		return func(w http.ResponseWriter, r *http.Request) error {
			p := auth.FromContext(r.Context())
			if err := partnerScope(p, scope); err != nil {
				return err
			}
			var req messageRequest
			if err := decodeJSON(r, &req); err != nil {
				return err
			}
			m, created, err := msgs.Post(r.Context(), r.PathValue("tenant"), pratica.ActorOf(p), r.PathValue("application"), req.Text, r.Header.Get("Idempotency-Key"))
			if err != nil {
				return unseen(err)
			}
			status := http.StatusCreated
			if !created {
				status = http.StatusOK // a repeated request, answered as the first
			}
			writeJSON(w, status, messageView(m, p))
			return nil
		}
	}
	cursor := []Param{{"cursor", "The cursor of the previous page."}}
	limited := func(f func(w http.ResponseWriter, r *http.Request) error) http.Handler {
		return handle(s.partnerLimit.limited(f))
	}
	return map[string]Endpoint{
		"GET /api/v1/tenants/{tenant}/applications/{application}/messages":             {Response: MessageList{}, Query: cursor, Handler: handle(list(""))},
		"POST /api/v1/tenants/{tenant}/applications/{application}/messages":            {Response: messaggio.Message{}, Handler: handle(post(""))},
		"GET /api/v1/tenants/{tenant}/backoffice/applications/{application}/messages":  {Response: MessageList{}, Query: cursor, Handler: handle(list(""))},
		"POST /api/v1/tenants/{tenant}/backoffice/applications/{application}/messages": {Response: messaggio.Message{}, Handler: handle(post(""))},
		"GET /api/v1/tenants/{tenant}/partner/applications/{application}/messages":     {Response: MessageList{}, Query: cursor, Handler: limited(list(apikey.ScopeApplicationsRead))},
		"POST /api/v1/tenants/{tenant}/partner/applications/{application}/messages":    {Response: messaggio.Message{}, Handler: limited(post(apikey.ScopeApplicationsWrite))},
	}
}

// partnerScope refuses a partner whose key lacks scope; the citizen's and
// the operators' routes pass "" and need none.
func partnerScope(p auth.Principal, scope string) error {
	if scope == "" {
		return nil
	}
	return requireScope(p, scope)
}

// messageView is m as p sees it: the citizen reads the office's messages
// as the Comune's, without the operator's username.
func messageView(m messaggio.Message, p auth.Principal) messaggio.Message {
	if p.Role == routes.Citizen {
		return m.ForCitizen()
	}
	return m
}
