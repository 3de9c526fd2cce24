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

	"github.com/stanzaportal/stanza/shared/httpapi"
	"github.com/stanzaportal/stanza/shared/routes"
	"github.com/stanzaportal/stanza/shared/seed"
	"github.com/stanzaportal/stanza/shared/store/boltstore/bolttest"
)

// newServer returns the API of every function over an embedded store seeded
// with the demo Comune.
func newServer(t testing.TB) (*httpapi.Server, http.Handler) {
	t.Helper()
	db := bolttest.DB(t)
	if err := seed.Demo(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	s := httpapi.NewServer(httpapi.Deps{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), DB: db})
	return s, s.Handler(routes.Functions...)
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func do(t *testing.T, h http.Handler, method, target string, header map[string]string) response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return response{rec.Code, rec.Header(), rec.Body.Bytes()}
}

func TestCatalog(t *testing.T) {
	_, h := newServer(t)
	tests := []struct {
		name       string
		target     string
		lang       string
		wantStatus int
		wantType   string   // Content-Type
		wantIn     []string // substrings of the body
		wantOut    []string // substrings the body must not have
	}{
		{name: "ListTenants", target: "/api/v1/tenants", wantStatus: 200, wantType: "application/json; charset=utf-8", wantIn: []string{`"id":"esempio"`, "Comune di Esempio"}},
		{name: "OneTenant", target: "/api/v1/tenants/esempio", wantStatus: 200, wantIn: []string{`"name":"Comune di Esempio"`, `"ipaCode"`}},
		{name: "ErrUnknownTenant", target: "/api/v1/tenants/atlantide", wantStatus: 404, wantType: "application/problem+json",
			wantIn: []string{`"title":"Risorsa non trovata"`, `"status":404`, `Il Comune \"atlantide\" non esiste`, `"type":"urn:stanza:problem:not_found"`}},
		{name: "ErrUnknownTenantInEnglish", target: "/api/v1/tenants/atlantide", lang: "en", wantStatus: 404,
			wantIn: []string{`"title":"Not found"`, `The Comune \"atlantide\" does not exist`}},
		{name: "ErrMalformedTenant", target: "/api/v1/tenants/Not_A_Slug", wantStatus: 404, wantType: "application/problem+json"},
		{name: "ErrUnknownTenantServices", target: "/api/v1/tenants/atlantide/services", wantStatus: 404},
		{name: "Categories", target: "/api/v1/tenants/esempio/categories", wantStatus: 200, wantIn: []string{`"slug":"istruzione"`}},
		{name: "AllServices", target: "/api/v1/tenants/esempio/services", wantStatus: 200,
			wantIn: []string{"iscrizione-asilo-nido", "occupazione-suolo-pubblico", "certificato-residenza", "segnalazione-disservizio"}, wantOut: []string{"iscrizione-centri-estivi"}},
		{name: "SearchIgnoresCaseAndAccents", target: "/api/v1/tenants/esempio/services?q=R%C3%A9sidenza", wantStatus: 200,
			wantIn: []string{"certificato-residenza"}, wantOut: []string{"iscrizione-asilo-nido"}},
		{name: "SearchNoMatch", target: "/api/v1/tenants/esempio/services?q=astronave", wantStatus: 200, wantIn: []string{`"items":[]`}},
		{name: "FilterByCategory", target: "/api/v1/tenants/esempio/services?category=istruzione", wantStatus: 200,
			wantIn: []string{"iscrizione-asilo-nido"}, wantOut: []string{"occupazione-suolo-pubblico"}},
		{name: "ErrUnknownCategory", target: "/api/v1/tenants/esempio/services?category=astronautica", wantStatus: 400,
			wantIn: []string{`La categoria \"astronautica\" non esiste`}},
		{name: "ErrUnknownParameter", target: "/api/v1/tenants/esempio/services?categoria=istruzione", wantStatus: 400,
			wantIn: []string{`Il parametro \"categoria\" non è previsto`}},
		{name: "ErrSearchTooLong", target: "/api/v1/tenants/esempio/services?q=" + strings.Repeat("a", 201), wantStatus: 400},
		{name: "ServiceSheet", target: "/api/v1/tenants/esempio/services/iscrizione-asilo-nido", wantStatus: 200,
			wantIn: []string{`"authLevel":"spid-l2"`, `"related":[`, `"category":{"slug":"istruzione"`, "iscrizione-mensa-scolastica"}},
		{name: "ErrDraftServiceIsHidden", target: "/api/v1/tenants/esempio/services/iscrizione-centri-estivi", wantStatus: 404},
		{name: "ErrUnknownService", target: "/api/v1/tenants/esempio/services/teletrasporto", wantStatus: 404, wantIn: []string{`Il servizio \"teletrasporto\" non esiste`}},
		{name: "ErrNoSuchPath", target: "/api/v1/nowhere", wantStatus: 404, wantType: "application/problem+json"},
		{name: "ErrCitizenRouteNeedsSignIn", target: "/api/v1/me", wantStatus: 401, wantType: "application/problem+json", wantIn: []string{"necessario accedere"}},
		{name: "OpenAPI", target: "/api/openapi.json", wantStatus: 200, wantIn: []string{`"openapi": "3.1.0"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			header := map[string]string{}
			if tt.lang != "" {
				header["Accept-Language"] = tt.lang
			}
			got := do(t, h, "GET", tt.target, header)
			if got.status != tt.wantStatus {
				t.Fatalf("status: got %d, want %d; body %s", got.status, tt.wantStatus, got.body)
			}
			if tt.wantType != "" && got.header.Get("Content-Type") != tt.wantType {
				t.Errorf("Content-Type: got %q, want %q", got.header.Get("Content-Type"), tt.wantType)
			}
			for _, s := range tt.wantIn {
				if !bytes.Contains(got.body, []byte(s)) {
					t.Errorf("body lacks %s: %s", s, got.body)
				}
			}
			for _, s := range tt.wantOut {
				if bytes.Contains(got.body, []byte(s)) {
					t.Errorf("body has %s: %s", s, got.body)
				}
			}
			if got.header.Get("X-Request-Id") == "" {
				t.Error("no X-Request-Id")
			}
			if got.header.Get("X-Content-Type-Options") != "nosniff" {
				t.Error("no X-Content-Type-Options: nosniff")
			}
		})
	}
}

func TestMethodNotAllowed(t *testing.T) {
	_, h := newServer(t)
	got := do(t, h, "DELETE", "/api/v1/tenants/esempio", nil)
	if got.status != http.StatusMethodNotAllowed {
		t.Fatalf("status: got %d, want 405", got.status)
	}
	if allow := got.header.Get("Allow"); allow != "GET" {
		t.Errorf("Allow: got %q, want GET", allow)
	}
	var p httpapi.Problem
	if err := json.Unmarshal(got.body, &p); err != nil || p.Status != 405 || !strings.Contains(p.Detail, "DELETE") {
		t.Errorf("problem: got %+v (%v)", p, err)
	}
}

func TestRequestIDIsKeptWhenWellFormed(t *testing.T) {
	_, h := newServer(t)
	got := do(t, h, "GET", "/api/v1/tenants/atlantide", map[string]string{"X-Request-Id": "abc-12345678"})
	if id := got.header.Get("X-Request-Id"); id != "abc-12345678" {
		t.Errorf("X-Request-Id: got %q, want abc-12345678", id)
	}
	var p httpapi.Problem
	if err := json.Unmarshal(got.body, &p); err != nil || p.Instance != "urn:stanza:request:abc-12345678" {
		t.Errorf("instance: got %q (%v)", p.Instance, err)
	}
	forged := do(t, h, "GET", "/api/v1/tenants", map[string]string{"X-Request-Id": "bad\nid"})
	if id := forged.header.Get("X-Request-Id"); id == "bad\nid" || id == "" {
		t.Errorf("a malformed X-Request-Id was kept: %q", id)
	}
}

func TestCatalogIsCacheable(t *testing.T) {
	_, h := newServer(t)
	if got := do(t, h, "GET", "/api/v1/tenants/esempio/services", nil); got.header.Get("Cache-Control") != "public, max-age=60" {
		t.Errorf("Cache-Control of a listing: got %q", got.header.Get("Cache-Control"))
	}
	if got := do(t, h, "GET", "/api/v1/tenants/atlantide", nil); got.header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control of an error: got %q, want no-store", got.header.Get("Cache-Control"))
	}
}

func TestFunctionServesOnlyItsRoutes(t *testing.T) {
	s, _ := newServer(t)
	h := s.Handler(routes.Catalog)
	if got := do(t, h, "GET", "/api/v1/tenants", nil); got.status != 200 {
		t.Errorf("catalog route: got %d, want 200", got.status)
	}
	if got := do(t, h, "GET", "/api/v1/me", nil); got.status != 404 {
		t.Errorf("another function's route: got %d, want 404", got.status)
	}
}

// BenchmarkServiceList measures the busiest public page's handler alone,
// middleware included; cmd/loadbench measures it over HTTP.
func BenchmarkServiceList(b *testing.B) {
	_, h := newServer(b)
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/tenants/esempio/services?q=iscrizione", nil))
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}
