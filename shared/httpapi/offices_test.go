package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stanzaportal/stanza/shared/apikey"
	"github.com/stanzaportal/stanza/shared/blob"
	"github.com/stanzaportal/stanza/shared/httpapi"
	"github.com/stanzaportal/stanza/shared/pratica"
	"github.com/stanzaportal/stanza/shared/risposta"
	"github.com/stanzaportal/stanza/shared/ufficio"
)

func TestOfficesAreCreatedRenamedAndListed(t *testing.T) {
	b := newBackOffice(t, false)
	base := "/api/v1/tenants/esempio/admin/offices"
	for _, body := range []string{`{"name":"Anagrafe"}`, `{"name":"Servizi demografici"}`} {
		if w := b.as(t, adminBruno, "PUT", base+"/anagrafe", body, nil); w.Code != http.StatusOK {
			t.Fatalf("put %s: got %d %s", body, w.Code, w.Body)
		}
	}
	if w := b.as(t, adminBruno, "PUT", base+"/scuola", `{"name":"Scuola"}`, nil); w.Code != http.StatusOK {
		t.Fatalf("put scuola: got %d %s", w.Code, w.Body)
	}
	w := b.as(t, adminBruno, "GET", base, "", nil)
	var got httpapi.OfficeList
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || w.Code != http.StatusOK {
		t.Fatalf("list: got %d %s (%v)", w.Code, w.Body, err)
	}
	want := []ufficio.Office{{ID: "anagrafe", Name: "Servizi demografici", Managers: []string{}}, {ID: "scuola", Name: "Scuola", Managers: []string{}}}
	if !slices.EqualFunc(got.Items, want, sameOffice) {
		t.Errorf("got %+v, want %+v", got.Items, want)
	}
}

func sameOffice(a, b ufficio.Office) bool {
	return a.ID == b.ID && a.Name == b.Name && slices.Equal(a.Managers, b.Managers)
}

func TestOfficesRefuse(t *testing.T) {
	b := newBackOffice(t, false)
	for _, tc := range []struct{ name, id, body string }{
		{"an id that is not a slug", "Ufficio%20Tecnico", `{"name":"Ufficio tecnico"}`},
		{"an empty name", "tecnico", `{"name":"  "}`},
		{"a name too long", "tecnico", `{"name":"` + strings.Repeat("a", 101) + `"}`},
		{"a manager who does not exist", "tecnico", `{"name":"Ufficio tecnico","managers":["nessuno"]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if w := b.as(t, adminBruno, "PUT", "/api/v1/tenants/esempio/admin/offices/"+tc.id, tc.body, nil); w.Code != http.StatusBadRequest {
				t.Errorf("got %d %s, want 400", w.Code, w.Body)
			}
		})
	}
	app := b.submitted(t, "iscrizione-asilo-nido")
	w := b.as(t, adminBruno, "POST", "/api/v1/tenants/esempio/backoffice/applications/"+app.ID+"/transitions",
		`{"event":"reassign","assignee":"anna","office":"inesistente"}`, nil)
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "non esiste") {
		t.Errorf("reassign to an unknown office: got %d %s, want 400", w.Code, w.Body)
	}
}

// TestOfficeManagers: an admin names an office's managers, who must be
// enabled operators of the Comune; renaming the office keeps them.
func TestOfficeManagers(t *testing.T) {
	b := newBackOffice(t, false)
	b.office(t, "scuola", "Ufficio Scuola")
	b.operator(t, "lucia", []string{"iscrizione-asilo-nido"}, []string{"scuola"})
	b.operator(t, "spento", nil, nil)
	if w := b.as(t, adminBruno, "PATCH", "/api/v1/tenants/esempio/admin/operators/spento", `{"disabled":true}`, nil); w.Code != http.StatusOK {
		t.Fatalf("disable: got %d %s", w.Code, w.Body)
	}
	put := "/api/v1/tenants/esempio/admin/offices/scuola"
	tests := []struct {
		name         string
		body         string
		want         int
		wantManagers []string
	}{
		{"OKNamed", `{"name":"Ufficio Scuola","managers":["lucia"]}`, http.StatusOK, []string{"lucia"}},
		{"OKRenameKeepsThem", `{"name":"Servizi scolastici"}`, http.StatusOK, []string{"lucia"}},
		{"ErrMissingOperator", `{"name":"Ufficio Scuola","managers":["lucia","nessuno"]}`, http.StatusBadRequest, []string{"lucia"}},
		{"ErrDisabledOperator", `{"name":"Ufficio Scuola","managers":["spento"]}`, http.StatusBadRequest, []string{"lucia"}},
		{"ErrTooMany", `{"name":"Ufficio Scuola","managers":["a1","a2","a3","a4","a5","a6","a7","a8","a9","b1","b2"]}`, http.StatusBadRequest, []string{"lucia"}},
		{"OKCleared", `{"name":"Ufficio Scuola","managers":[]}`, http.StatusOK, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if w := b.as(t, adminBruno, "PUT", put, tt.body, nil); w.Code != tt.want {
				t.Fatalf("got %d %s, want %d", w.Code, w.Body, tt.want)
			}
			var got httpapi.OfficeList
			decode(t, b.as(t, adminBruno, "GET", "/api/v1/tenants/esempio/admin/offices", "", nil), http.StatusOK, &got)
			if len(got.Items) != 1 || !slices.Equal(got.Items[0].Managers, tt.wantManagers) {
				t.Errorf("got %+v, want managers %q", got.Items, tt.wantManagers)
			}
		})
	}
}

// TestOperatorsOfficesMustExist: an operator works for offices of the
// Comune, named by id.
func TestOperatorsOfficesMustExist(t *testing.T) {
	b := newBackOffice(t, false)
	b.office(t, "scuola", "Ufficio Scuola")
	operators := "/api/v1/tenants/esempio/admin/operators"
	newOperator := func(offices string) string {
		return `{"username":"lucia","name":"Lucia Neri","email":"lucia@comune.example.org","offices":` + offices + `}`
	}
	tests := []struct {
		name, method, target, body string
		want                       int
		says                       string
	}{
		{"ErrCreateInAMissingOffice", "POST", operators, newOperator(`["scuola","inesistente"]`), http.StatusBadRequest, `inesistente\" non esiste`},
		{"ErrCreateInAnOfficeByName", "POST", operators, newOperator(`["Ufficio Scuola"]`), http.StatusBadRequest, "non esiste"},
		{"OKCreate", "POST", operators, newOperator(`["scuola"]`), http.StatusOK, `"offices":["scuola"]`},
		{"ErrMoveToAMissingOffice", "PATCH", operators + "/lucia", `{"offices":["inesistente"]}`, http.StatusBadRequest, `inesistente\" non esiste`},
		{"OKLeaveEveryOffice", "PATCH", operators + "/lucia", `{"offices":[]}`, http.StatusOK, `"offices":[]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := b.as(t, adminBruno, tt.method, tt.target, tt.body, nil)
			if w.Code != tt.want || !strings.Contains(w.Body.String(), tt.says) {
				t.Errorf("got %d %s, want %d saying %s", w.Code, w.Body, tt.want, tt.says)
			}
		})
	}
}

func TestPartnerDownloads(t *testing.T) {
	b := newBackOffice(t, false)
	app := b.submitted(t, "iscrizione-asilo-nido")
	_, reader, err := b.keys.Issue(context.Background(), "esempio", "Gestionale", []string{apikey.ScopeApplicationsRead}, "bruno")
	if err != nil {
		t.Fatal(err)
	}
	_, writer, err := b.keys.Issue(context.Background(), "esempio", "Protocollo", []string{apikey.ScopeProtocolWrite}, "bruno")
	if err != nil {
		t.Fatal(err)
	}
	base := "/api/v1/tenants/esempio/partner/applications/" + app.ID
	for _, tc := range []struct {
		name, token, target string
		want                int
	}{
		{"a receipt not made yet", reader, base + "/receipt", http.StatusNotFound},
		{"a receipt without the read scope", writer, base + "/receipt", http.StatusForbidden},
		{"an attachment of no application", reader, base + "/attachments/01J0000000000000000000000", http.StatusNotFound},
		{"an attachment without the read scope", writer, base + "/attachments/01J0000000000000000000000", http.StatusForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", tc.target, nil)
			r.Header.Set("Authorization", "Bearer "+tc.token)
			w := httptest.NewRecorder()
			if b.h.ServeHTTP(w, r); w.Code != tc.want {
				t.Errorf("got %d %s, want %d", w.Code, w.Body, tc.want)
			}
		})
	}
}

func TestResponseFile(t *testing.T) {
	b := newBackOffice(t, false)
	app := b.submitted(t, "iscrizione-asilo-nido")
	base := "/api/v1/tenants/esempio/backoffice/applications/" + app.ID
	if w := b.as(t, anna, "POST", base+"/transitions", `{"event":"take-in-charge"}`, nil); w.Code != http.StatusOK {
		t.Fatalf("take in charge: got %d %s", w.Code, w.Body)
	}
	if w := b.as(t, anna, "POST", base+"/response-file", `{"fileName":"esito.docx","mediaType":"application/msword","size":10}`, nil); w.Code != http.StatusBadRequest {
		t.Errorf("a Word file: got %d %s, want 400", w.Code, w.Body)
	}
	if w := b.as(t, anna, "POST", base+"/response-file", `{"fileName":"esito.pdf","mediaType":"application/pdf","size":20971521}`, nil); w.Code != http.StatusRequestEntityTooLarge && w.Code != http.StatusBadRequest {
		t.Errorf("a file over 20 MB: got %d %s, want a refusal", w.Code, w.Body)
	}
	content := []byte("%PDF-1.7 provvedimento firmato")
	prepare := func() risposta.File {
		t.Helper()
		w := b.as(t, anna, "POST", base+"/response-file", `{"fileName":"esito.pdf","mediaType":"application/pdf","size":`+strconv.Itoa(len(content))+`}`, nil)
		var up httpapi.ResponseFileUpload
		if err := json.Unmarshal(w.Body.Bytes(), &up); err != nil || w.Code != http.StatusCreated {
			t.Fatalf("prepare: got %d %s (%v)", w.Code, w.Body, err)
		}
		return up.File
	}
	missing := prepare()
	if w := b.as(t, anna, "POST", base+"/transitions", `{"event":"accept","responseFile":"`+missing.ID+`"}`, nil); w.Code != http.StatusConflict {
		t.Errorf("accept with a file not uploaded: got %d %s, want 409", w.Code, w.Body)
	}
	f := prepare()
	ctx := context.Background()
	if _, err := b.archive.Put(ctx, risposta.FileArchiveKey("esempio", app.ID, f.ID), bytes.NewReader(content), blob.PutOptions{ContentType: "application/pdf"}); err != nil {
		t.Fatal(err)
	}
	if w := b.as(t, anna, "POST", base+"/transitions", `{"event":"accept","responseFile":"`+f.ID+`"}`, nil); w.Code != http.StatusOK {
		t.Fatalf("accept with the file: got %d %s", w.Code, w.Body)
	}
	a, err := b.apps.Get(ctx, "esempio", pratica.ActorOf(anna), app.ID)
	if err != nil {
		t.Fatal(err)
	}
	if last := a.History[len(a.History)-1]; a.Status != pratica.Accepted || last.ResponseFile != f.ID {
		t.Errorf("got status %d and decision %+v, want accepted with file %s", a.Status, last, f.ID)
	}
	checked, err := risposta.FileOf(ctx, b.db, "esempio", app.ID, f.ID)
	if err != nil || len(checked.SHA256) != 64 || checked.Name != "esito.pdf" {
		t.Errorf("got %+v (%v), want esito.pdf with its SHA-256", checked, err)
	}
}
