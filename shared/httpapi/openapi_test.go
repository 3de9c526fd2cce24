package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"

	"github.com/stanzaportal/stanza/shared/routes"
)

func apiDocument(t *testing.T, h http.Handler) []byte {
	t.Helper()
	got := do(t, h, "GET", "/api/openapi.json", nil)
	if got.status != 200 {
		t.Fatalf("GET /api/openapi.json: %d %s", got.status, got.body)
	}
	return got.body
}

func TestDocumentDescribesEveryRoute(t *testing.T) {
	_, h := newServer(t)
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(apiDocument(t, h), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi: got %q, want 3.1.0", doc.OpenAPI)
	}
	n := 0
	for _, rt := range routes.Table {
		op, ok := doc.Paths[rt.Path][strings.ToLower(rt.Method)]
		if !ok {
			t.Errorf("%s is not in the document", rt.Pattern())
			continue
		}
		if op["x-stanza-function"] != string(rt.Function) {
			t.Errorf("%s: x-stanza-function got %v, want %s", rt.Pattern(), op["x-stanza-function"], rt.Function)
		}
		n++
	}
	total := 0
	for _, item := range doc.Paths {
		total += len(item)
	}
	if total != n {
		t.Errorf("the document has %d operations, the route table %d", total, n)
	}
}

// TestResponsesMatchDocument sends real requests to the handlers and checks
// each response, success or problem, against the document.
func TestResponsesMatchDocument(t *testing.T) {
	_, h := newServer(t)
	doc, err := libopenapi.NewDocument(apiDocument(t, h))
	if err != nil {
		t.Fatal(err)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatalf("validator: %v", errs)
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		for _, e := range verrs {
			t.Errorf("document: %s: %s", e.Message, e.Reason)
		}
	}
	for _, target := range []string{
		"/api/v1/tenants",
		"/api/v1/tenants/esempio",
		"/api/v1/tenants/atlantide",
		"/api/v1/tenants/esempio/categories",
		"/api/v1/tenants/esempio/services",
		"/api/v1/tenants/esempio/services?q=nido&category=istruzione",
		"/api/v1/tenants/esempio/services?category=astronautica",
		"/api/v1/tenants/esempio/services/iscrizione-asilo-nido",
		"/api/v1/tenants/esempio/services/teletrasporto",
		"/api/v1/me",
		"/api/v1/session",
	} {
		t.Run(target, func(t *testing.T) {
			req := httptest.NewRequest("GET", "http://localhost"+target, nil)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			resp := rec.Result()
			resp.Request = req
			if ok, verrs := v.ValidateHttpResponse(req, resp); !ok {
				for _, e := range verrs {
					t.Errorf("%d response: %s: %s", resp.StatusCode, e.Message, e.Reason)
					for _, se := range e.SchemaValidationErrors {
						t.Errorf("  %s at %s", se.Reason, se.FieldPath)
					}
				}
			}
		})
	}
}
