package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"

	"github.com/stanzaportal/stanza/shared/apikey"
	"github.com/stanzaportal/stanza/shared/audit"
	"github.com/stanzaportal/stanza/shared/auth"
	"github.com/stanzaportal/stanza/shared/httpapi"
	"github.com/stanzaportal/stanza/shared/pratica"
	"github.com/stanzaportal/stanza/shared/routes"
)

// withKey sends a request with a partner's API key.
func (b backOffice) withKey(t *testing.T, key, method, target, body string, header map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	r.Header.Set("Authorization", "Bearer "+key)
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	b.h.ServeHTTP(w, r)
	return w
}

func (b backOffice) partnerKey(t *testing.T, scopes ...string) (apikey.Key, string) {
	t.Helper()
	k, token, err := b.keys.Issue(context.Background(), "esempio", "Gestionale", scopes, "bruno")
	if err != nil {
		t.Fatal(err)
	}
	return k, token
}

func messageList(t *testing.T, w *httptest.ResponseRecorder) httpapi.MessageList {
	t.Helper()
	if w.Code != http.StatusOK {
		t.Fatalf("got %d %s, want 200", w.Code, w.Body)
	}
	var l httpapi.MessageList
	if err := json.Unmarshal(w.Body.Bytes(), &l); err != nil {
		t.Fatal(err)
	}
	return l
}

// TestMessagesBetweenCitizenAndOffice: the citizen writes (once, though
// the phone sends twice), the operator and a partner answer; everyone
// reads the three messages, the citizen without the operator's username;
// the staff's reads and writes are in the audit log, the citizen's not;
// every answer matches the API document.
func TestMessagesBetweenCitizenAndOffice(t *testing.T) {
	b := newBackOffice(t, false)
	doc, err := libopenapi.NewDocument(apiDocument(t, b.h))
	if err != nil {
		t.Fatal(err)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatalf("validator: %v", errs)
	}
	check := func(method, target string, w *httptest.ResponseRecorder, want int) {
		t.Helper()
		if w.Code != want {
			t.Fatalf("%s %s: got %d %s, want %d", method, target, w.Code, w.Body, want)
		}
		resp := w.Result()
		resp.Request = httptest.NewRequest(method, "http://localhost"+target, nil)
		if ok, verrs := v.ValidateHttpResponse(resp.Request, resp); !ok {
			for _, e := range verrs {
				t.Errorf("%s %s: %d response: %s: %s", method, target, resp.StatusCode, e.Message, e.Reason)
			}
		}
	}
	app := b.submitted(t, "iscrizione-asilo-nido")
	citizenPath := "/api/v1/tenants/esempio/applications/" + app.ID + "/messages"
	officePath := "/api/v1/tenants/esempio/backoffice/applications/" + app.ID + "/messages"
	partnerPath := "/api/v1/tenants/esempio/partner/applications/" + app.ID + "/messages"
	key, token := b.partnerKey(t, apikey.ScopeApplicationsRead, apikey.ScopeApplicationsWrite)

	phone := map[string]string{"Idempotency-Key": "tel-1"}
	first := b.as(t, mario, "POST", citizenPath, `{"text":"Serve anche il certificato vaccinale?"}`, phone)
	check("POST", citizenPath, first, 201)
	again := b.as(t, mario, "POST", citizenPath, `{"text":"Serve anche il certificato vaccinale?"}`, phone)
	check("POST", citizenPath, again, 200)
	if again.Body.String() != first.Body.String() {
		t.Errorf("repeated request: got %s, want the first answer %s", again.Body, first.Body)
	}
	check("POST", officePath, b.as(t, anna, "POST", officePath, `{"text":"Sì, lo alleghi come integrazione."}`, nil), 201)
	check("POST", partnerPath, b.withKey(t, token, "POST", partnerPath, `{"text":"Pratica protocollata."}`, nil), 201)

	w := b.as(t, mario, "GET", citizenPath, "", nil)
	check("GET", citizenPath, w, 200)
	mine := messageList(t, w)
	if len(mine.Items) != 3 || mine.Items[0].Author != pratica.Citizen || mine.Items[1].Author != pratica.Operator || mine.Items[2].Author != pratica.Partner {
		t.Fatalf("citizen's list: got %+v, want the three messages oldest first", mine.Items)
	}
	if strings.Contains(w.Body.String(), "anna") || strings.Contains(w.Body.String(), `"by"`) {
		t.Errorf("the citizen's view names the staff: %s", w.Body)
	}
	w = b.as(t, anna, "GET", officePath, "", nil)
	check("GET", officePath, w, 200)
	if staff := messageList(t, w); len(staff.Items) != 3 || staff.Items[1].By != "anna" || staff.Items[2].By != key.ID {
		t.Errorf("operator's list: got %+v, want the authors' names", staff.Items)
	}
	w = b.withKey(t, token, "GET", partnerPath, "", nil)
	check("GET", partnerPath, w, 200)
	if got := messageList(t, w); len(got.Items) != 3 {
		t.Errorf("partner's list: got %+v, want 3 messages", got.Items)
	}
	got, err := b.apps.Get(context.Background(), "esempio", pratica.ActorOf(anna), app.ID)
	if err != nil || got.Version != app.Version {
		t.Errorf("messages rewrote the application: got version %d (%v), want %d", got.Version, err, app.Version)
	}

	post := "POST /api/v1/tenants/{tenant}/backoffice/applications/{application}/messages"
	partnerPost := "POST /api/v1/tenants/{tenant}/partner/applications/{application}/messages"
	want := []string{
		"partner " + key.ID + " " + audit.ReadPersonalData,
		"operator anna " + audit.ReadPersonalData,
		"partner " + key.ID + " " + partnerPost,
		"operator anna " + post,
	}
	if got := actions(b.auditPage(t, "application="+app.ID)); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit: got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestMessagesRefuse(t *testing.T) {
	b := newBackOffice(t, false)
	app := b.submitted(t, "iscrizione-asilo-nido")
	draft, _, err := b.apps.Start(context.Background(), "esempio", pratica.ActorOf(mario), "bonus-libri", true)
	if err != nil {
		t.Fatal(err)
	}
	citizenPath := "/api/v1/tenants/esempio/applications/" + app.ID + "/messages"
	officePath := "/api/v1/tenants/esempio/backoffice/applications/" + app.ID + "/messages"
	partnerPath := "/api/v1/tenants/esempio/partner/applications/" + app.ID + "/messages"
	if w := b.as(t, mario, "POST", citizenPath, `{"text":"Prima domanda"}`, map[string]string{"Idempotency-Key": "k1"}); w.Code != 201 {
		t.Fatalf("first message: got %d %s", w.Code, w.Body)
	}
	_, readOnly := b.partnerKey(t, apikey.ScopeApplicationsRead)
	elsa := auth.Principal{Role: routes.Operator, Subject: "elsa", Tenant: "esempio", Services: []string{"bonus-libri"}}
	laura := auth.Principal{Role: routes.Citizen, Subject: "BNCLRA85M41F205X", Level: auth.SpidL2}
	tests := []struct {
		name       string
		who        auth.Principal
		key        string // a partner's key instead of a session
		method     string
		target     string
		body       string
		header     map[string]string
		wantStatus int
		wantDetail string
	}{
		{"ErrOperatorOfAnotherServiceReads", elsa, "", "GET", officePath, "", nil, 404, "non esiste"},
		{"ErrOperatorOfAnotherServiceWrites", elsa, "", "POST", officePath, `{"text":"Ciao"}`, nil, 404, "non esiste"},
		{"ErrOtherCitizen", laura, "", "GET", citizenPath, "", nil, 404, "non esiste"},
		{"ErrInvalidComune", mario, "", "GET", "/api/v1/tenants/Comune_X/applications/" + app.ID + "/messages", "", nil, 404, "non esiste"},
		{"ErrDraft", mario, "", "POST", "/api/v1/tenants/esempio/applications/" + draft.ID + "/messages", `{"text":"Ciao"}`, nil, 409, "dopo l'invio"},
		{"ErrEmpty", mario, "", "POST", citizenPath, `{"text":"   "}`, nil, 400, "vuoto"},
		{"ErrTooLong", mario, "", "POST", citizenPath, `{"text":"` + strings.Repeat("a", pratica.MaxNote+1) + `"}`, nil, 400, "al massimo"},
		{"ErrControlCharacters", mario, "", "POST", citizenPath, `{"text":"a\u0007b"}`, nil, 400, "non ammessi"},
		{"ErrUnknownField", mario, "", "POST", citizenPath, `{"text":"Ciao","to":"anna"}`, nil, 400, "non è previsto"},
		{"ErrNotJSON", mario, "", "POST", citizenPath, "", nil, 415, "JSON"},
		{"ErrBadIdempotencyKey", mario, "", "POST", citizenPath, `{"text":"Ciao"}`, map[string]string{"Idempotency-Key": "due parole"}, 400, "chiave di idempotenza"},
		{"ErrKeyReusedForAnotherText", mario, "", "POST", citizenPath, `{"text":"Altra domanda"}`, map[string]string{"Idempotency-Key": "k1"}, 409, "già stata usata"},
		{"ErrBadCursor", anna, "", "GET", officePath + "?cursor=forged", "", nil, 400, "cursore"},
		{"ErrUnknownParameter", anna, "", "GET", officePath + "?after=x", "", nil, 400, "non è previsto"},
		{"ErrOperatorOnCitizensRoute", anna, "", "GET", citizenPath, "", nil, 403, "permessi"},
		{"ErrCitizenOnBackOffice", mario, "", "GET", officePath, "", nil, 403, "permessi"},
		{"ErrPartnerWithoutWriteScope", auth.Principal{}, readOnly, "POST", partnerPath, `{"text":"Ciao"}`, nil, 403, "applications:write"},
		{"ErrForgedKey", auth.Principal{}, "forged", "GET", partnerPath, "", nil, 401, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var w *httptest.ResponseRecorder
			if tt.key != "" {
				w = b.withKey(t, tt.key, tt.method, tt.target, tt.body, tt.header)
			} else {
				w = b.as(t, tt.who, tt.method, tt.target, tt.body, tt.header)
			}
			if w.Code != tt.wantStatus || !strings.Contains(w.Body.String(), tt.wantDetail) {
				t.Errorf("got %d %s, want %d with %q", w.Code, w.Body, tt.wantStatus, tt.wantDetail)
			}
		})
	}
	// ErrNotJSON sent no Content-Type; a text body must be refused too.
	if w := b.as(t, mario, "POST", citizenPath, "", map[string]string{"Content-Type": "text/plain"}); w.Code != 415 {
		t.Errorf("a text body: got %d %s, want 415", w.Code, w.Body)
	}
	if l := messageList(t, b.as(t, mario, "GET", citizenPath, "", nil)); len(l.Items) != 1 {
		t.Errorf("got %d messages after the refusals, want 1", len(l.Items))
	}
}
