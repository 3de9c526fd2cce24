package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"

	"github.com/stanzaportal/stanza/shared/apikey"
	"github.com/stanzaportal/stanza/shared/httpapi"
	"github.com/stanzaportal/stanza/shared/operatore"
	"github.com/stanzaportal/stanza/shared/pratica"
	"github.com/stanzaportal/stanza/shared/routes"
	"github.com/stanzaportal/stanza/shared/seed"
	"github.com/stanzaportal/stanza/shared/store/boltstore/bolttest"
	"github.com/stanzaportal/stanza/shared/ufficio"
	"github.com/stanzaportal/stanza/shared/webhook"
)

var partnerTokenKey = bytes.Repeat([]byte{7}, 32)

const partnerBase = "/api/v1/tenants/esempio/partner/"

// partnerAPI is the API with the partner routes and webhooks wired, over
// the demo Comune with its staff.
type partnerAPI struct {
	h    http.Handler
	keys *apikey.Store
	apps *pratica.Store
}

func newPartnerAPI(t *testing.T) partnerAPI {
	t.Helper()
	ctx := context.Background()
	db := bolttest.DB(t)
	if err := seed.Demo(ctx, db); err != nil {
		t.Fatal(err)
	}
	accounts, err := operatore.New(db, operatore.Keys{TOTP: bytes.Repeat([]byte{1}, 32), Challenges: bytes.Repeat([]byte{2}, 32)})
	if err != nil {
		t.Fatal(err)
	}
	if err := seed.Staff(ctx, accounts, ufficio.NewStore(db, accounts)); err != nil {
		t.Fatal(err)
	}
	keys := apikey.New(db)
	apps := pratica.NewStore(db)
	s := httpapi.NewServer(httpapi.Deps{
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), DB: db,
		Operators: accounts, APIKeys: keys, Keys: keys, Applications: apps,
		Webhooks: webhook.New(db, webhook.Options{}), PartnerTokenKey: partnerTokenKey,
	})
	return partnerAPI{h: s.Handler(routes.Functions...), keys: keys, apps: apps}
}

func (a partnerAPI) key(t *testing.T, tenant string, scopes ...string) (apikey.Key, string) {
	t.Helper()
	k, token, err := a.keys.Issue(context.Background(), tenant, "Gestionale", scopes, "admin")
	if err != nil {
		t.Fatal(err)
	}
	return k, token
}

// submitted is a citizen's application, submitted to the nursery service.
func (a partnerAPI) submitted(t *testing.T) pratica.Application {
	t.Helper()
	ctx := context.Background()
	citizen := pratica.Actor{Role: pratica.Citizen, Subject: "BLLGLI93B67A944K"}
	d, _, err := a.apps.Start(ctx, "esempio", citizen, "iscrizione-asilo-nido", true)
	if err != nil {
		t.Fatal(err)
	}
	app, err := a.apps.Submit(ctx, "esempio", citizen, d.ID, "key-"+d.ID, json.RawMessage(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	return app
}

// call sends a JSON body (or none) with credential as a bearer token.
func (a partnerAPI) call(t *testing.T, credential, method, target, body string) *httptest.ResponseRecorder {
	t.Helper()
	var r *http.Request
	if body == "" {
		r = httptest.NewRequest(method, target, nil)
	} else {
		r = httptest.NewRequest(method, target, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
	}
	r.Header.Set("Authorization", "Bearer "+credential)
	w := httptest.NewRecorder()
	a.h.ServeHTTP(w, r)
	return w
}

// TestPartnerDrivesTheWorkflow: a partner system lists the submitted
// applications, registers one in its protocol, assigns it to an operator
// and asks for an integration, first with its key, then with a token.
func TestPartnerDrivesTheWorkflow(t *testing.T) {
	api := newPartnerAPI(t)
	_, key := api.key(t, "esempio", apikey.ScopeApplicationsRead, apikey.ScopeApplicationsWrite, apikey.ScopeProtocolWrite)
	app := api.submitted(t)
	one := partnerBase + "applications/" + app.ID

	var list httpapi.PartnerApplicationList
	decode(t, api.call(t, key, "GET", partnerBase+"applications?service=iscrizione-asilo-nido&status=2000", ""), 200, &list)
	if len(list.Items) != 1 || list.Items[0].ID != app.ID {
		t.Fatalf("list: got %+v, want the submitted application", list.Items)
	}

	var got httpapi.ApplicationView
	decode(t, api.call(t, key, "PUT", one+"/protocol", `{"number":"2026/0000042"}`), 200, &got)
	if got.Status != pratica.Registered || got.Protocol == nil || got.Protocol.Number != "2026/0000042" {
		t.Fatalf("protocol: got %+v", got.Application)
	}
	decode(t, api.call(t, key, "PUT", one+"/protocol", `{"number":"2026/0000042"}`), 200, &got)
	if got.Status != pratica.Registered || len(got.History) != 2 {
		t.Errorf("the same registration again: got status %d, %d entries; want it unchanged", got.Status, len(got.History))
	}

	var token httpapi.PartnerToken
	decode(t, api.call(t, key, "POST", partnerBase+"token", ""), 200, &token)
	if token.TokenType != "Bearer" || token.ExpiresIn != 900 || strings.Count(token.AccessToken, ".") != 2 {
		t.Fatalf("token: got %+v", token)
	}
	decode(t, api.call(t, token.AccessToken, "POST", one+"/transitions", `{"transition":"assign","user":"`+seed.DemoOperatorUsername+`"}`), 200, &got)
	if got.Status != pratica.InCharge || got.Assignee != seed.DemoOperatorUsername {
		t.Fatalf("assign: got %+v", got.Application)
	}
	decode(t, api.call(t, token.AccessToken, "POST", one+"/transitions", `{"transition":"request-integration","message":"Manca l'ISEE."}`), 200, &got)
	if got.Status != pratica.IntegrationRequested {
		t.Fatalf("request integration: got %+v", got.Application)
	}
	decode(t, api.call(t, token.AccessToken, "GET", one, ""), 200, &got)
	if n := len(got.History); n != 4 || got.History[n-1].Role != pratica.Partner || got.History[n-1].Note != "Manca l'ISEE." {
		t.Errorf("history: got %+v", got.History)
	}
}

// TestPartnerAPIRefuses: every wrong credential, scope or payload gets a
// clear 4xx answer, never a 500.
func TestPartnerAPIRefuses(t *testing.T) {
	api := newPartnerAPI(t)
	_, all := api.key(t, "esempio", apikey.ScopeApplicationsRead, apikey.ScopeApplicationsWrite, apikey.ScopeProtocolWrite)
	_, readOnly := api.key(t, "esempio", apikey.ScopeApplicationsRead)
	revokedKey, revoked := api.key(t, "esempio", apikey.ScopeApplicationsRead)
	if _, err := api.keys.Revoke(context.Background(), "esempio", revokedKey.ID); err != nil {
		t.Fatal(err)
	}
	_, other := api.key(t, "altro", apikey.ScopeApplicationsRead)
	forged := "stz_" + strings.Repeat("a", 16) + "_" + strings.Repeat("b", 52)
	app := api.submitted(t)
	one := partnerBase + "applications/" + app.ID
	list := partnerBase + "applications?service=iscrizione-asilo-nido&status=2000"

	sign := func(key []byte, claims jwt.MapClaims) string {
		s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	now := time.Now()
	claims := func(tenant string, exp time.Time) jwt.MapClaims {
		return jwt.MapClaims{"iss": "stanza", "sub": "abc", "tenant": tenant, "scopes": []string{"applications:read"}, "exp": exp.Unix()}
	}
	var token httpapi.PartnerToken
	decode(t, api.call(t, readOnly, "POST", partnerBase+"token", ""), 200, &token)

	tests := []struct {
		name                       string
		credential, method, target string
		body                       string
		want                       int
	}{
		{"ErrForgedKey", forged, "GET", list, "", 401},
		{"ErrRevokedKey", revoked, "GET", list, "", 401},
		{"ErrOtherComunesKey", other, "GET", list, "", 401},
		{"ErrKeyOnOtherComune", all, "GET", "/api/v1/tenants/altro/partner/applications?service=x&status=2000", "", 401},
		{"ErrTokenOfOtherComune", sign(partnerTokenKey, claims("altro", now.Add(time.Minute))), "GET", list, "", 401},
		{"ErrForgedToken", sign(bytes.Repeat([]byte{9}, 32), claims("esempio", now.Add(time.Minute))), "GET", list, "", 401},
		{"ErrExpiredToken", sign(partnerTokenKey, claims("esempio", now.Add(-time.Minute))), "GET", list, "", 401},
		{"ErrTokenWithoutExpiry", sign(partnerTokenKey, jwt.MapClaims{"iss": "stanza", "sub": "abc", "tenant": "esempio"}), "GET", list, "", 401},
		{"ErrTokenForAToken", token.AccessToken, "POST", partnerBase + "token", "", 403},
		{"ErrMissingReadScope", sign(partnerTokenKey, jwt.MapClaims{"iss": "stanza", "sub": "abc", "tenant": "esempio", "exp": now.Add(time.Minute).Unix()}), "GET", list, "", 403},
		{"ErrMissingWriteScope", readOnly, "POST", one + "/transitions", `{"transition":"accept"}`, 403},
		{"ErrMissingWriteScopeWithToken", token.AccessToken, "POST", one + "/transitions", `{"transition":"accept"}`, 403},
		{"ErrMissingProtocolScope", readOnly, "PUT", one + "/protocol", `{"number":"1"}`, 403},
		{"ErrUnknownTransition", all, "POST", one + "/transitions", `{"transition":"approve"}`, 400},
		{"ErrUnknownField", all, "POST", one + "/transitions", `{"transition":"accept","motivo":"x"}`, 400},
		{"ErrAssignWithoutUser", all, "POST", one + "/transitions", `{"transition":"assign"}`, 400},
		{"ErrAssignToStranger", all, "POST", one + "/transitions", `{"transition":"assign","user":"nessuno"}`, 400},
		{"ErrNotJSON", all, "POST", one + "/transitions", `transition=accept`, 400},
		{"ErrTransitionFromWrongStatus", all, "POST", one + "/transitions", `{"transition":"accept"}`, 409},
		{"ErrEmptyProtocolNumber", all, "PUT", one + "/protocol", `{"number":" "}`, 400},
		{"ErrListWithoutService", all, "GET", partnerBase + "applications?status=2000", "", 400},
		{"ErrListWithBadStatus", all, "GET", partnerBase + "applications?service=iscrizione-asilo-nido&status=bozza", "", 400},
		{"ErrListDrafts", all, "GET", partnerBase + "applications?service=iscrizione-asilo-nido&status=1000", "", 400},
		{"ErrUnknownApplication", all, "GET", partnerBase + "applications/nonesiste", "", 404},
		{"ErrBadCursor", all, "GET", list + "&cursor=abc", "", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := api.call(t, tt.credential, tt.method, tt.target, tt.body)
			if w.Code != tt.want {
				t.Errorf("got %d %s, want %d", w.Code, w.Body, tt.want)
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("got Content-Type %q, want a problem", ct)
			}
		})
	}
	// A transition refused as the workflow says: rejecting needs a motivation.
	assign := api.call(t, all, "POST", one+"/transitions", `{"transition":"assign","user":"`+seed.DemoOperatorUsername+`"}`)
	if assign.Code != 200 {
		t.Fatalf("assign: got %d %s", assign.Code, assign.Body)
	}
	if w := api.call(t, all, "POST", one+"/transitions", `{"transition":"reject"}`); w.Code != 400 {
		t.Errorf("reject without a message: got %d %s, want 400", w.Code, w.Body)
	}
}

// TestPartnerRateLimit: a key past its burst gets 429 with Retry-After,
// while another key is unaffected.
func TestPartnerRateLimit(t *testing.T) {
	api := newPartnerAPI(t)
	_, busy := api.key(t, "esempio", apikey.ScopeApplicationsRead)
	_, calm := api.key(t, "esempio", apikey.ScopeApplicationsRead)
	list := partnerBase + "applications?service=iscrizione-asilo-nido&status=2000"
	var limited *httptest.ResponseRecorder
	for range 200 {
		if w := api.call(t, busy, "GET", list, ""); w.Code == http.StatusTooManyRequests {
			limited = w
			break
		} else if w.Code != 200 {
			t.Fatalf("got %d %s", w.Code, w.Body)
		}
	}
	if limited == nil {
		t.Fatal("200 requests at once were never limited")
	}
	if ra := limited.Header().Get("Retry-After"); ra == "" || ra == "0" {
		t.Errorf("got Retry-After %q, want seconds to wait", ra)
	}
	if w := api.call(t, calm, "GET", list, ""); w.Code != 200 {
		t.Errorf("another key: got %d, want 200", w.Code)
	}
}

// TestAdminManagesWebhooks: an admin subscribes a URL, sees the secret
// once, reads the (empty) delivery log and removes the subscription; an
// operator cannot.
func TestAdminManagesWebhooks(t *testing.T) {
	api := newPartnerAPI(t)
	const base = "/api/v1/tenants/esempio/admin/webhooks"
	admin := newBrowser(api.h, "192.0.2.10")
	admin.signInStaff(t, seed.DemoAdminUsername, seed.DemoAdminPassword, seed.DemoTOTPSecret, time.Now())

	var created httpapi.CreatedWebhook
	decode(t, admin.json(t, "POST", base, httpapi.NewWebhookRequest{URL: "https://partner.example.org/hook", Events: webhook.EventTypes}), 200, &created)
	if created.Webhook.ID == "" || !strings.HasPrefix(created.Secret, "whsec_") || created.Webhook.CreatedBy != seed.DemoAdminUsername {
		t.Fatalf("created: got %+v", created)
	}
	w := admin.json(t, "GET", base, nil)
	var list httpapi.WebhookList
	decode(t, w, 200, &list)
	if len(list.Items) != 1 || strings.Contains(w.Body.String(), created.Secret) {
		t.Errorf("list: got %s, want the subscription without its secret", w.Body)
	}
	var log webhook.DeliveryPage
	decode(t, admin.json(t, "GET", base+"/"+created.Webhook.ID+"/deliveries", nil), 200, &log)
	if log.Items == nil || len(log.Items) != 0 {
		t.Errorf("log: got %+v, want an empty list", log)
	}
	for _, bad := range []struct {
		name string
		body any
		want int
	}{
		{"ErrPlainHTTP", httpapi.NewWebhookRequest{URL: "http://partner.example.org/hook", Events: webhook.EventTypes}, 400},
		{"ErrLoopback", httpapi.NewWebhookRequest{URL: "https://127.0.0.1/hook", Events: webhook.EventTypes}, 400},
		{"ErrNoEvents", httpapi.NewWebhookRequest{URL: "https://partner.example.org/hook"}, 400},
		{"ErrUnknownField", `{"url":"https://partner.example.org/hook","events":["application.status_changed"],"secret":"x"}`, 400},
	} {
		if w := admin.json(t, "POST", base, bad.body); w.Code != bad.want {
			t.Errorf("%s: got %d %s, want %d", bad.name, w.Code, w.Body, bad.want)
		}
	}
	if w := admin.json(t, "GET", base+"/nonesiste/deliveries", nil); w.Code != 404 {
		t.Errorf("log of an unknown webhook: got %d, want 404", w.Code)
	}

	operator := newBrowser(api.h, "192.0.2.11")
	operator.signInStaff(t, seed.DemoOperatorUsername, seed.DemoOperatorPassword, seed.DemoTOTPSecret, time.Now())
	if w := operator.json(t, "GET", base, nil); w.Code != 403 {
		t.Errorf("an operator lists webhooks: got %d, want 403", w.Code)
	}

	var removed webhook.Subscription
	decode(t, admin.json(t, "DELETE", base+"/"+created.Webhook.ID, nil), 200, &removed)
	if removed.ID != created.Webhook.ID {
		t.Errorf("removed: got %+v", removed)
	}
	if w := admin.json(t, "DELETE", base+"/"+created.Webhook.ID, nil); w.Code != 404 {
		t.Errorf("removing again: got %d, want 404", w.Code)
	}
}

// TestPartnerResponsesMatchDocument checks the partner API's and the
// webhooks' answers, successes and problems, against the API document.
func TestPartnerResponsesMatchDocument(t *testing.T) {
	api := newPartnerAPI(t)
	doc, err := libopenapi.NewDocument(apiDocument(t, api.h))
	if err != nil {
		t.Fatal(err)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatalf("validator: %v", errs)
	}
	validate := func(t *testing.T, method, target string, w *httptest.ResponseRecorder, want int) {
		t.Helper()
		if w.Code != want {
			t.Fatalf("%s %s: got %d %s, want %d", method, target, w.Code, w.Body, want)
		}
		req := httptest.NewRequest(method, "http://localhost"+target, nil)
		resp := w.Result()
		resp.Request = req
		if ok, verrs := v.ValidateHttpResponse(req, resp); !ok {
			for _, e := range verrs {
				t.Errorf("%s %s: %d response: %s: %s", method, target, resp.StatusCode, e.Message, e.Reason)
				for _, se := range e.SchemaValidationErrors {
					t.Errorf("  %s at %s", se.Reason, se.FieldPath)
				}
			}
		}
	}
	_, key := api.key(t, "esempio", apikey.ScopeApplicationsRead, apikey.ScopeApplicationsWrite, apikey.ScopeProtocolWrite)
	app := api.submitted(t)
	one := partnerBase + "applications/" + app.ID
	partner := func(method, target, body string, want int) {
		t.Helper()
		validate(t, method, target, api.call(t, key, method, target, body), want)
	}
	partner("POST", partnerBase+"token", "", 200)
	partner("GET", partnerBase+"applications?service=iscrizione-asilo-nido&status=2000", "", 200)
	partner("GET", one, "", 200)
	partner("PUT", one+"/protocol", `{"number":"2026/0000001"}`, 200)
	partner("POST", one+"/transitions", `{"transition":"assign","user":"`+seed.DemoOperatorUsername+`"}`, 200)
	partner("POST", one+"/transitions", `{"transition":"approve"}`, 400)

	const base = "/api/v1/tenants/esempio/admin/webhooks"
	admin := newBrowser(api.h, "192.0.2.20")
	admin.signInStaff(t, seed.DemoAdminUsername, seed.DemoAdminPassword, seed.DemoTOTPSecret, time.Now())
	w := admin.json(t, "POST", base, httpapi.NewWebhookRequest{URL: "https://partner.example.org/hook", Events: webhook.EventTypes})
	validate(t, "POST", base, w, 200)
	var created httpapi.CreatedWebhook
	decode(t, w, 200, &created)
	validate(t, "GET", base, admin.json(t, "GET", base, nil), 200)
	validate(t, "GET", base+"/"+created.Webhook.ID+"/deliveries", admin.json(t, "GET", base+"/"+created.Webhook.ID+"/deliveries", nil), 200)
	validate(t, "DELETE", base+"/"+created.Webhook.ID, admin.json(t, "DELETE", base+"/"+created.Webhook.ID, nil), 200)
}
