package httpapi_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stanzaportal/stanza/shared/apikey"
	"github.com/stanzaportal/stanza/shared/auth"
	"github.com/stanzaportal/stanza/shared/httpapi"
	"github.com/stanzaportal/stanza/shared/routes"
	"github.com/stanzaportal/stanza/shared/seed"
	"github.com/stanzaportal/stanza/shared/servizio"
	"github.com/stanzaportal/stanza/shared/session"
	"github.com/stanzaportal/stanza/shared/store/boltstore/bolttest"
)

const adminServices = "/api/v1/tenants/esempio/admin/services"

// catalogAdminAPI is the API over the demo Comune, with real sessions and
// API keys.
type catalogAdminAPI struct {
	h        http.Handler
	sessions *session.Store
	keys     *apikey.Store
}

func newCatalogAdminAPI(t *testing.T) catalogAdminAPI {
	t.Helper()
	db := bolttest.DB(t)
	if err := seed.Demo(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	sessions, keys := session.NewStore(db), apikey.New(db)
	s := httpapi.NewServer(httpapi.Deps{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), DB: db, Sessions: sessions, Keys: keys, PartnerTokenKey: partnerTokenKey})
	return catalogAdminAPI{h: s.Handler(routes.Functions...), sessions: sessions, keys: keys}
}

// as sends a request with a fresh session of p, its CSRF token, and body
// declared as contentType when there is one.
func (a catalogAdminAPI) as(t *testing.T, p auth.Principal, method, target, contentType, body string) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	sess, err := a.sessions.Create(context.Background(), w, httptest.NewRequest("GET", "/", nil), p, session.SAML{})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	r.AddCookie(w.Result().Cookies()[0])
	r.Header.Set("X-CSRF-Token", sess.CSRF)
	w = httptest.NewRecorder()
	a.h.ServeHTTP(w, r)
	return w
}

// withKey sends a JSON body (or none) with a partner's API key.
func (a catalogAdminAPI) withKey(t *testing.T, key, method, target, body string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	r.Header.Set("Authorization", "Bearer "+key)
	w := httptest.NewRecorder()
	a.h.ServeHTTP(w, r)
	return w
}

var (
	catalogAdmin = auth.Principal{Role: routes.Admin, Subject: "bruno", Tenant: "esempio", Name: "Bruno"}
	// sheet is a new service's sheet; its status asks for publication,
	// which creation ignores.
	sheet = `{"slug":"bonus-libri","title":"Bonus libri di testo","category":"istruzione",
		"summary":"Contributo per i libri di testo.","description":"Rimborso delle spese per i libri.",
		"audience":"Famiglie residenti.","cost":{"free":true},"authLevel":"spid-l2","status":"published"}`
	// serviceForm is a form of one step, with instructions for that step.
	serviceForm = `{"form":{"display":"wizard","components":[{"type":"panel","key":"richiedente","title":"Richiedente",
		"components":[{"type":"textfield","key":"name","label":"Nome"}]}]},
		"settings":{"instructions":"Tieni a portata di mano le ricevute.","stepInstructions":{"richiedente":"I tuoi dati."},"protocolRequired":true}}`
)

func publicSlugs(t *testing.T, a catalogAdminAPI) []string {
	t.Helper()
	w := httptest.NewRecorder()
	a.h.ServeHTTP(w, httptest.NewRequest("GET", "/api/v1/tenants/esempio/services", nil))
	var list httpapi.ServiceList
	decode(t, w, http.StatusOK, &list)
	var out []string
	for _, s := range list.Items {
		out = append(out, s.Slug)
	}
	return out
}

// TestAdminPublishesAService: an admin creates a service, which stays a
// draft, edits it, uploads its form, publishes it and withdraws it; the
// public catalogue shows it only while published.
func TestAdminPublishesAService(t *testing.T) {
	a := newCatalogAdminAPI(t)
	var got servizio.Service
	decode(t, a.as(t, catalogAdmin, "POST", adminServices, "application/json", sheet), http.StatusCreated, &got)
	if got.Status != servizio.Draft || got.UpdatedAt.IsZero() {
		t.Fatalf("create: got %+v, want a draft stamped with its time", got)
	}
	if w := a.as(t, catalogAdmin, "POST", adminServices, "application/json", sheet); w.Code != http.StatusConflict {
		t.Errorf("the same slug again: got %d %s, want 409", w.Code, w.Body)
	}
	var all httpapi.AdminServiceList
	decode(t, a.as(t, catalogAdmin, "GET", adminServices, "", ""), http.StatusOK, &all)
	found := false
	for _, s := range all.Items {
		found = found || s.Slug == "bonus-libri" && s.Status == servizio.Draft
	}
	if !found {
		t.Errorf("admin list: got %d services without the draft", len(all.Items))
	}
	if slugs := publicSlugs(t, a); strings.Contains(strings.Join(slugs, " "), "bonus-libri") {
		t.Errorf("a draft is in the public catalogue: %v", slugs)
	}

	edited := strings.Replace(sheet, "Bonus libri di testo", "Contributo libri", 1)
	edited = strings.Replace(edited, `"published"`, `"draft"`, 1)
	decode(t, a.as(t, catalogAdmin, "PUT", adminServices+"/bonus-libri", "application/json", edited), http.StatusOK, &got)
	if got.Title != "Contributo libri" || got.Status != servizio.Draft {
		t.Errorf("edit: got %+v", got)
	}

	var def servizio.Definition
	decode(t, a.as(t, catalogAdmin, "PUT", adminServices+"/bonus-libri/form", "application/json", serviceForm), http.StatusOK, &def)
	if def.Settings.StepInstructions["richiedente"] != "I tuoi dati." {
		t.Errorf("form: got settings %+v", def.Settings)
	}
	operator := auth.Principal{Role: routes.Operator, Subject: "anna", Tenant: "esempio", Services: []string{"bonus-libri"}}
	var cfg httpapi.ProtocolConfig
	decode(t, a.as(t, operator, "GET", "/api/v1/tenants/esempio/backoffice/services/bonus-libri/protocol", "", ""), http.StatusOK, &cfg)
	if !cfg.Required || cfg.Register != "local" || cfg.Format == "" {
		t.Errorf("protocol: got %+v, want registration required in the local register", cfg)
	}

	published := strings.Replace(edited, `"draft"`, `"published"`, 1)
	decode(t, a.as(t, catalogAdmin, "PUT", adminServices+"/bonus-libri", "application/json", published), http.StatusOK, &got)
	if slugs := publicSlugs(t, a); !strings.Contains(strings.Join(slugs, " "), "bonus-libri") {
		t.Errorf("published: got %v, want bonus-libri in the public catalogue", slugs)
	}
	decode(t, a.as(t, catalogAdmin, "PUT", adminServices+"/bonus-libri", "application/json", edited), http.StatusOK, &got)
	if slugs := publicSlugs(t, a); strings.Contains(strings.Join(slugs, " "), "bonus-libri") {
		t.Errorf("withdrawn: got %v, want bonus-libri gone", slugs)
	}
}

// TestAdminReadsADraftsForm: the admins read back the form of a service
// that is still a draft, which the citizens' route does not show, as stored
// (naming the library's blocks) and with the blocks inline.
func TestAdminReadsADraftsForm(t *testing.T) {
	a := newCatalogAdminAPI(t)
	decode(t, a.as(t, catalogAdmin, "POST", adminServices, "application/json", sheet), http.StatusCreated, &servizio.Service{})
	if w := a.as(t, catalogAdmin, "GET", adminServices+"/bonus-libri/form", "", ""); w.Code != http.StatusNotFound || !strings.Contains(w.Body.String(), "non ha un modulo") {
		t.Errorf("before any form: got %d %s, want 404 saying there is no form", w.Code, w.Body)
	}
	withBlock := strings.Replace(serviceForm, `{"type":"textfield","key":"name","label":"Nome"}`,
		`{"type":"textfield","key":"name","label":"Nome"},{"type":"form","key":"cf","label":"Codice fiscale","form":"codice-fiscale","input":true}`, 1)
	decode(t, a.as(t, catalogAdmin, "PUT", adminServices+"/bonus-libri/form", "application/json", withBlock), http.StatusOK, &servizio.Definition{})

	var got httpapi.AdminServiceForm
	decode(t, a.as(t, catalogAdmin, "GET", adminServices+"/bonus-libri/form", "", ""), http.StatusOK, &got)
	if got.Service != "bonus-libri" || got.Settings.StepInstructions["richiedente"] != "I tuoi dati." {
		t.Errorf("got %s with settings %+v", got.Service, got.Settings)
	}
	if !strings.Contains(string(got.Form), `"form":"codice-fiscale"`) || strings.Contains(string(got.Form), `"fiscal_code"`) {
		t.Errorf("form as stored: got %s, want the block named, not inline", got.Form)
	}
	if !strings.Contains(string(got.Resolved), `"fiscal_code"`) {
		t.Errorf("resolved form: got %s, want the block's fields inline", got.Resolved)
	}
	if slugs := publicSlugs(t, a); strings.Contains(strings.Join(slugs, " "), "bonus-libri") {
		t.Errorf("reading the form published the draft: %v", slugs)
	}
	if w := a.as(t, catalogAdmin, "GET", adminServices+"/sconosciuto/form", "", ""); w.Code != http.StatusNotFound {
		t.Errorf("unknown service: got %d %s, want 404", w.Code, w.Body)
	}
}

// TestCatalogAdminRefusesBadInput: mistakes are 4xx with a message, never
// a 500.
func TestCatalogAdminRefusesBadInput(t *testing.T) {
	a := newCatalogAdminAPI(t)
	if w := a.as(t, catalogAdmin, "POST", adminServices, "application/json", sheet); w.Code != http.StatusCreated {
		t.Fatalf("create: got %d %s", w.Code, w.Body)
	}
	unsupported := strings.Replace(serviceForm, `"type":"textfield"`, `"type":"signature"`, 1)
	for _, tt := range []struct {
		name, method, target, contentType, body string
		want                                    int
	}{
		{"InvalidSlug", "POST", adminServices, "application/json", strings.Replace(sheet, "bonus-libri", "Bonus Libri", 1), 400},
		{"UnknownCategory", "POST", adminServices, "application/json", strings.Replace(sheet, `"istruzione"`, `"sport"`, 1), 400},
		{"WrongContentType", "POST", adminServices, "text/plain", sheet, 415},
		{"UnknownField", "POST", adminServices, "application/json", `{"slug":"x","colour":"red"}`, 400},
		{"UnknownService", "PUT", adminServices + "/sconosciuto", "application/json", strings.Replace(sheet, "bonus-libri", "sconosciuto", 1), 404},
		{"SlugChanged", "PUT", adminServices + "/bonus-libri", "application/json", strings.Replace(sheet, "bonus-libri", "altro", 1), 400},
		{"BadStatus", "PUT", adminServices + "/bonus-libri", "application/json", strings.Replace(sheet, `"published"`, `"hidden"`, 1), 400},
		{"UnsupportedComponent", "PUT", adminServices + "/bonus-libri/form", "application/json", unsupported, 400},
		{"StepInstructionsOfNoStep", "PUT", adminServices + "/bonus-libri/form", "application/json", strings.Replace(serviceForm, `{"richiedente":`, `{"altro":`, 1), 400},
		{"FormOfUnknownService", "PUT", adminServices + "/sconosciuto/form", "application/json", serviceForm, 404},
		{"FormWrongContentType", "PUT", adminServices + "/bonus-libri/form", "text/plain", serviceForm, 415},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := a.as(t, catalogAdmin, tt.method, tt.target, tt.contentType, tt.body)
			if w.Code != tt.want {
				t.Errorf("got %d %s, want %d", w.Code, w.Body, tt.want)
			}
		})
	}
	w := a.as(t, catalogAdmin, "PUT", adminServices+"/bonus-libri/form", "application/json", unsupported)
	if !strings.Contains(w.Body.String(), "non è supportato") {
		t.Errorf("unsupported component: got %s, want formio's message", w.Body)
	}
}

// TestProtocolConfigIsForTheServiceOperators: an operator reads only the
// configuration of the services they handle; a service without a form
// asks for no registration.
func TestProtocolConfigIsForTheServiceOperators(t *testing.T) {
	a := newCatalogAdminAPI(t)
	if w := a.as(t, catalogAdmin, "POST", adminServices, "application/json", sheet); w.Code != http.StatusCreated {
		t.Fatalf("create: got %d %s", w.Code, w.Body)
	}
	const target = "/api/v1/tenants/esempio/backoffice/services/bonus-libri/protocol"
	other := auth.Principal{Role: routes.Operator, Subject: "anna", Tenant: "esempio", Services: []string{"iscrizione-asilo-nido"}}
	if w := a.as(t, other, "GET", target, "", ""); w.Code != http.StatusForbidden {
		t.Errorf("an operator of other services: got %d %s, want 403", w.Code, w.Body)
	}
	var cfg httpapi.ProtocolConfig
	decode(t, a.as(t, catalogAdmin, "GET", target, "", ""), http.StatusOK, &cfg)
	if cfg.Required {
		t.Errorf("a service without a form: got %+v, want no registration required", cfg)
	}
	if w := a.as(t, catalogAdmin, "GET", "/api/v1/tenants/esempio/backoffice/services/sconosciuto/protocol", "", ""); w.Code != http.StatusNotFound {
		t.Errorf("an unknown service: got %d, want 404", w.Code)
	}
}

// TestPartnerEditsServices: a key with services:write lists the services
// and edits a sheet; a key with only applications:read lists them but may
// not edit.
func TestPartnerEditsServices(t *testing.T) {
	a := newCatalogAdminAPI(t)
	if w := a.as(t, catalogAdmin, "POST", adminServices, "application/json", sheet); w.Code != http.StatusCreated {
		t.Fatalf("create: got %d %s", w.Code, w.Body)
	}
	issue := func(scopes ...string) string {
		t.Helper()
		_, token, err := a.keys.Issue(context.Background(), "esempio", "Gestionale", scopes, "admin")
		if err != nil {
			t.Fatal(err)
		}
		return token
	}
	writer, reader := issue(apikey.ScopeServicesWrite), issue(apikey.ScopeApplicationsRead)
	const base = "/api/v1/tenants/esempio/partner/services"
	for _, key := range []string{writer, reader} {
		var list httpapi.AdminServiceList
		decode(t, a.withKey(t, key, "GET", base, ""), http.StatusOK, &list)
		if len(list.Items) == 0 {
			t.Errorf("list: got no services")
		}
	}
	edited := strings.Replace(sheet, "Bonus libri di testo", "Contributo libri", 1)
	if w := a.withKey(t, reader, "PUT", base+"/bonus-libri", edited); w.Code != http.StatusForbidden {
		t.Errorf("edit without services:write: got %d %s, want 403", w.Code, w.Body)
	}
	var got servizio.Service
	decode(t, a.withKey(t, writer, "PUT", base+"/bonus-libri", edited), http.StatusOK, &got)
	if got.Title != "Contributo libri" || got.Status != servizio.Published {
		t.Errorf("edit: got %+v", got)
	}
	if w := a.withKey(t, issue(apikey.ScopeProtocolWrite), "GET", base, ""); w.Code != http.StatusForbidden {
		t.Errorf("list with neither scope: got %d, want 403", w.Code)
	}
}
