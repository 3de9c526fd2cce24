package httpapi

import (
	"net/http"

	"github.com/stanzaportal/stanza/shared/auth"
	"github.com/stanzaportal/stanza/shared/webhook"
)

// WebhookList is a Comune's webhook subscriptions, without their secrets.
type WebhookList struct {
	Items []webhook.Subscription `json:"items"`
}

// NewWebhookRequest subscribes a URL to events (application.status_changed,
// message.created).
type NewWebhookRequest struct {
	URL    string              `json:"url"`
	Events []webhook.EventType `json:"events"`
}

// CreatedWebhook is a new subscription and the secret that signs its
// deliveries (see the Stanza-Signature header), shown this once.
type CreatedWebhook struct {
	Webhook webhook.Subscription `json:"webhook"`
	Secret  string               `json:"secret"`
}

// deliveryPage bounds a page of a delivery log.
const deliveryPage = 50

// webhookEndpoints are the admins' management of webhook subscriptions
// and their delivery logs.
func (s *Server) webhookEndpoints() map[string]Endpoint {
	hooks := s.deps.Webhooks
	if hooks == nil {
		return nil
	}
	const base = "/api/v1/tenants/{tenant}/admin/webhooks"
	return map[string]Endpoint{
		"GET " + base: {
			Response: WebhookList{},
			Handler: handle(func(w http.ResponseWriter, r *http.Request) error {
				list, err := hooks.List(r.Context(), r.PathValue("tenant"))
				if err != nil {
					return err
				}
				writeJSON(w, http.StatusOK, WebhookList{Items: append([]webhook.Subscription{}, list...)})
				return nil
			}),
		},
		"POST " + base: {
			Response: CreatedWebhook{},
			Handler: handle(func(w http.ResponseWriter, r *http.Request) error {
				var in NewWebhookRequest
				if err := decodeJSON(r, &in); err != nil {
					return err
				}
				sub, secret, err := hooks.Subscribe(r.Context(), r.PathValue("tenant"), in.URL, in.Events, auth.FromContext(r.Context()).Subject)
				if err != nil {
					return err
				}
				writeJSON(w, http.StatusOK, CreatedWebhook{Webhook: sub, Secret: secret})
				return nil
			}),
		},
		"DELETE " + base + "/{webhook}": {
			Response: webhook.Subscription{},
			Handler: handle(func(w http.ResponseWriter, r *http.Request) error {
				sub, err := hooks.Remove(r.Context(), r.PathValue("tenant"), r.PathValue("webhook"))
				if err != nil {
					return err
				}
				writeJSON(w, http.StatusOK, sub)
				return nil
			}),
		},
		"GET " + base + "/{webhook}/deliveries": {
			Response: webhook.DeliveryPage{},
			Query:    []Param{{"cursor", "The cursor of the previous page."}},
			Handler: handle(func(w http.ResponseWriter, r *http.Request) error {
				page, err := hooks.Deliveries(r.Context(), r.PathValue("tenant"), r.PathValue("webhook"), r.URL.Query().Get("cursor"), deliveryPage)
				if err != nil {
					return err
				}
				if page.Items == nil {
					page.Items = []webhook.Delivery{}
				}
				writeJSON(w, http.StatusOK, page)
				return nil
			}),
		},
	}
}
