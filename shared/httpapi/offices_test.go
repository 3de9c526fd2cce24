package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/stanzaportal/stanza/shared/apikey"
	"github.com/stanzaportal/stanza/shared/blob"
	"github.com/stanzaportal/stanza/shared/httpapi"
	"github.com/stanzaportal/stanza/shared/pratica"
	"github.com/stanzaportal/stanza/shared/risposta"
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
	want := []httpapi.Office{{ID: "anagrafe", Name: "Servizi demografici"}, {ID: "scuola", Name: "Scuola"}}
	if len(got.Items) != 2 || got.Items[0] != want[0] || got.Items[1] != want[1] {
		t.Errorf("got %+v, want %+v", got.Items, want)
	}
}

func TestOfficesRefuse(t *testing.T) {
	b := newBackOffice(t, false)
	for _, tc := range []struct{ name, id, body string }{
		{"an id that is not a slug", "Ufficio%20Tecnico", `{"name":"Ufficio tecnico"}`},
		{"an empty name", "tecnico", `{"name":"  "}`},
		{"a name too long", "tecnico", `{"name":"` + strings.Repeat("a", 101) + `"}`},
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
