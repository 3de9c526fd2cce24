package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"

	"github.com/stanzaportal/stanza/shared/auth"
	"github.com/stanzaportal/stanza/shared/cittadino"
	"github.com/stanzaportal/stanza/shared/httpapi"
	"github.com/stanzaportal/stanza/shared/mail"
	"github.com/stanzaportal/stanza/shared/mail/localmail"
	"github.com/stanzaportal/stanza/shared/routes"
	"github.com/stanzaportal/stanza/shared/seed"
	"github.com/stanzaportal/stanza/shared/session"
	"github.com/stanzaportal/stanza/shared/store/boltstore/bolttest"
)

// accountAPI is the API over a seeded store, with citizens' accounts whose
// mail goes to a local mailbox.
type accountAPI struct {
	sessions *session.Store
	accounts *cittadino.AccountService
	box      *localmail.Mailbox
	h        http.Handler
}

const portalURL = "https://portale.example.org"

func newAccountAPI(t *testing.T) accountAPI {
	t.Helper()
	db := bolttest.DB(t)
	if err := seed.Demo(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	box := localmail.New(db)
	accounts, err := cittadino.NewAccountService(db, mail.New(box, db), cittadino.Verification{
		Key: []byte("httpapi_test: the key of verification links"), BaseURL: portalURL, PortalName: "Stanza"})
	if err != nil {
		t.Fatal(err)
	}
	sessions := session.NewStore(db)
	s := httpapi.NewServer(httpapi.Deps{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), DB: db,
		Sessions: sessions, Accounts: accounts, Terms: cittadino.NewTermsService(db)})
	return accountAPI{sessions: sessions, accounts: accounts, box: box, h: s.Handler(routes.Functions...)}
}

// member is someone signed in: the session's cookie and CSRF token. The
// zero member is anonymous.
type member struct {
	cookie *http.Cookie
	csrf   string
}

// signIn opens a session for p; for a citizen, it also creates the account
// as a SPID sign-in does.
func (a accountAPI) signIn(t *testing.T, p auth.Principal) member {
	t.Helper()
	if p.Role == routes.Citizen {
		if _, err := a.accounts.SignedIn(context.Background(), cittadino.Identity{FiscalCode: "TINIT-" + p.Subject, Name: "Mario", FamilyName: "Rossi"}); err != nil {
			t.Fatal(err)
		}
	}
	w := httptest.NewRecorder()
	sess, err := a.sessions.Create(context.Background(), w, httptest.NewRequest("GET", "/", nil), p, session.SAML{})
	if err != nil {
		t.Fatal(err)
	}
	return member{cookie: w.Result().Cookies()[0], csrf: sess.CSRF}
}

// call sends a request as m; a body is sent as JSON.
func (a accountAPI) call(t *testing.T, m member, method, target, body string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	if m.cookie != nil {
		r.AddCookie(m.cookie)
		r.Header.Set("X-CSRF-Token", m.csrf)
	}
	w := httptest.NewRecorder()
	a.h.ServeHTTP(w, r)
	return w
}

// must checks a response's status and decodes its body into a T.
func must[T any](t *testing.T, w *httptest.ResponseRecorder, status int) T {
	t.Helper()
	if w.Code != status {
		t.Fatalf("got status %d, want %d: %s", w.Code, status, w.Body)
	}
	var v T
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatalf("%v: %s", err, w.Body)
	}
	return v
}

var (
	citizenL2  = auth.Principal{Role: routes.Citizen, Subject: "RSSMRA80A01H501U", Name: "Mario Rossi", Level: auth.SpidL2}
	adminBruno = auth.Principal{Role: routes.Admin, Subject: "bruno", Tenant: "esempio", Name: "Bruno Neri"}
	verifyLink = regexp.MustCompile(regexp.QuoteMeta(portalURL) + `/verifica-email(\?token=[A-Za-z0-9_.%-]+)`)
)

// TestCitizenJourney goes the way of a citizen from the first sign-in to a
// service: complete the profile, verify the email through the link in the
// mailbox, accept the terms, and accept them again when the Comune
// publishes new ones.
func TestCitizenJourney(t *testing.T) {
	a := newAccountAPI(t)
	mario := a.signIn(t, citizenL2)
	admin := a.signIn(t, adminBruno)
	const access = "/api/v1/tenants/esempio/services/iscrizione-asilo-nido/access"

	p := must[httpapi.Profile](t, a.call(t, mario, "GET", "/api/v1/me", ""), 200)
	if p.Complete || p.Account.FiscalCode != citizenL2.Subject || len(p.Terms) != 0 {
		t.Fatalf("first profile: got %+v, want incomplete, with no terms accepted", p)
	}
	if got := strings.Join(p.Missing, " "); got != "email address.street address.postalCode address.city address.province" {
		t.Errorf("missing: got %q", got)
	}

	p = must[httpapi.Profile](t, a.call(t, mario, "PATCH", "/api/v1/me",
		`{"email":"Mario.Rossi@example.org","mobile":"333 1234567","address":{"street":"Via Roma 1","postalCode":"10100","city":"Torino","province":"to"}}`), 200)
	if p.Account.Email != "mario.rossi@example.org" || p.Account.Mobile != "+393331234567" || p.Account.Address.Province != "TO" {
		t.Errorf("after PATCH: got %+v", p.Account)
	}
	if strings.Join(p.Missing, " ") != "emailVerified" {
		t.Errorf("after PATCH: got missing %v, want only the verification", p.Missing)
	}

	sent := must[cittadino.Sent](t, a.call(t, mario, "POST", "/api/v1/me/email-verification", ""), 200)
	if sent.Email != "mario.rossi@example.org" {
		t.Errorf("sent to %q", sent.Email)
	}
	again := a.call(t, mario, "POST", "/api/v1/me/email-verification", "")
	if again.Code != http.StatusTooManyRequests || again.Header().Get("Retry-After") != "60" {
		t.Errorf("second link within a minute: got %d, Retry-After %q, want 429 and 60", again.Code, again.Header().Get("Retry-After"))
	}

	list, err := a.box.List(context.Background())
	if err != nil || len(list) != 1 {
		t.Fatalf("mailbox: got %d messages (%v), want 1", len(list), err)
	}
	found := verifyLink.FindStringSubmatch(list[0].Text)
	if found == nil {
		t.Fatalf("no link in the message:\n%s", list[0].Text)
	}
	// The link opens the citizens' app, maybe in another browser, whose
	// page calls the API with the link's query: it needs no session.
	verification := "/api/v1/email-verification" + found[1]
	v := must[httpapi.EmailVerification](t, a.call(t, member{}, "GET", verification, ""), 200)
	if !v.Verified || v.Email != "mario.rossi@example.org" {
		t.Errorf("verification: got %+v", v)
	}
	must[httpapi.EmailVerification](t, a.call(t, member{}, "GET", verification, ""), 200) // idempotent

	p = must[httpapi.Profile](t, a.call(t, mario, "GET", "/api/v1/me", ""), 200)
	if !p.Complete || len(p.Missing) != 0 {
		t.Errorf("after verification: got complete %v missing %v, want complete", p.Complete, p.Missing)
	}

	d := must[httpapi.ServiceAccess](t, a.call(t, mario, "GET", access, ""), 200)
	if d.Allowed || d.Reason != cittadino.NeedTerms || d.TermsVersion != 1 || !strings.Contains(d.Message, "condizioni d'uso (versione 1)") {
		t.Errorf("before the terms: got %+v, want the terms asked", d)
	}
	terms := must[httpapi.TermsOfUse](t, a.call(t, mario, "GET", "/api/v1/tenants/esempio/terms", ""), 200)
	if terms.Version != 1 || terms.Accepted == nil || *terms.Accepted || !strings.Contains(terms.Text, "GDPR") {
		t.Errorf("terms: got version %d accepted %v", terms.Version, terms.Accepted)
	}
	accepted := must[cittadino.Acceptance](t, a.call(t, mario, "POST", "/api/v1/tenants/esempio/terms/acceptances", `{"version":1}`), 200)
	terms = must[httpapi.TermsOfUse](t, a.call(t, mario, "GET", "/api/v1/tenants/esempio/terms", ""), 200)
	if terms.Accepted == nil || !*terms.Accepted || terms.AcceptedAt == nil || !terms.AcceptedAt.Equal(accepted.AcceptedAt) {
		t.Errorf("terms after accepting: got accepted %v at %v", terms.Accepted, terms.AcceptedAt)
	}

	if d := must[httpapi.ServiceAccess](t, a.call(t, mario, "GET", access, ""), 200); !d.Allowed || d.Reason != "" || d.Message != "" {
		t.Errorf("ready: got %+v, want allowed", d)
	}

	v2 := must[cittadino.Terms](t, a.call(t, admin, "PUT", "/api/v1/tenants/esempio/admin/terms", `{"text":"Nuove condizioni."}`), 200)
	if v2.Version != 2 {
		t.Fatalf("published: got %+v, want version 2", v2)
	}
	d = must[httpapi.ServiceAccess](t, a.call(t, mario, "GET", access, ""), 200)
	if d.Allowed || d.Reason != cittadino.NeedTerms || d.TermsVersion != 2 || !strings.Contains(d.Message, "sono cambiate") {
		t.Errorf("after new terms: got %+v, want version 2 asked", d)
	}
	if w := a.call(t, mario, "POST", "/api/v1/tenants/esempio/terms/acceptances", `{"version":1}`); w.Code != http.StatusConflict {
		t.Errorf("accepting the old version: got %d, want 409", w.Code)
	}
	must[cittadino.Acceptance](t, a.call(t, mario, "POST", "/api/v1/tenants/esempio/terms/acceptances", `{"version":2}`), 200)

	p = must[httpapi.Profile](t, a.call(t, mario, "GET", "/api/v1/me", ""), 200)
	if len(p.Terms) != 2 || p.Terms[0].Version != 1 || p.Terms[1].Version != 2 || p.Terms[0].AcceptedAt.IsZero() {
		t.Errorf("profile terms: got %+v, want both acceptances with their time", p.Terms)
	}
}

func TestServiceAccessAsksToSignIn(t *testing.T) {
	a := newAccountAPI(t)
	low := a.signIn(t, auth.Principal{Role: routes.Citizen, Subject: "RSSMRA80A01H501U", Level: auth.SpidL1})
	tests := []struct {
		name       string
		who        member
		target     string
		wantReason cittadino.Reason
		wantLogin  string
		wantIn     string // in Message
	}{
		{"Anonymous", member{}, "/api/v1/tenants/esempio/services/iscrizione-asilo-nido/access?next=/servizi/iscrizione-asilo-nido",
			cittadino.NeedSignIn, "/auth/login?level=spid-l2&next=%2Fservizi%2Fiscrizione-asilo-nido", "necessario accedere"},
		{"AnonymousDefaultNext", member{}, "/api/v1/tenants/esempio/services/segnalazione-disservizio/access",
			cittadino.NeedSignIn, "/auth/login?level=spid-l1&next=%2F", "necessario accedere"},
		{"LevelTooLow", low, "/api/v1/tenants/esempio/services/iscrizione-asilo-nido/access",
			cittadino.NeedLevel, "/auth/login?level=spid-l2&next=%2F", "livello spid-l2"},
		{"LevelEnoughTermsFirst", low, "/api/v1/tenants/esempio/services/segnalazione-disservizio/access",
			cittadino.NeedTerms, "", "condizioni d'uso"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := must[httpapi.ServiceAccess](t, a.call(t, tt.who, "GET", tt.target, ""), 200)
			if d.Allowed || d.Reason != tt.wantReason || d.LoginURL != tt.wantLogin || !strings.Contains(d.Message, tt.wantIn) {
				t.Errorf("got %+v, want reason %q, login %q, message with %q", d, tt.wantReason, tt.wantLogin, tt.wantIn)
			}
		})
	}
	t.Run("English", func(t *testing.T) {
		d := must[httpapi.ServiceAccess](t, a.call(t, member{}, "GET", "/api/v1/tenants/esempio/services/iscrizione-asilo-nido/access?lang=en", ""), 200)
		if d.Message != "Please sign in to continue." {
			t.Errorf("got %q", d.Message)
		}
	})
}

func TestTermsForAnonymous(t *testing.T) {
	a := newAccountAPI(t)
	terms := must[httpapi.TermsOfUse](t, a.call(t, member{}, "GET", "/api/v1/tenants/esempio/terms", ""), 200)
	if terms.Version != 1 || terms.Accepted != nil || terms.Tenant != "esempio" {
		t.Errorf("got version %d tenant %q accepted %v, want version 1 and no acceptance state", terms.Version, terms.Tenant, terms.Accepted)
	}
}

// TestAccountBadInput checks that every mistake in a request gets a 4xx
// answer that says what is wrong.
func TestAccountBadInput(t *testing.T) {
	a := newAccountAPI(t)
	mario := a.signIn(t, citizenL2)
	// A session without an account: sign-ins create one, this one skipped it.
	w := httptest.NewRecorder()
	sess, err := a.sessions.Create(context.Background(), w, httptest.NewRequest("GET", "/", nil),
		auth.Principal{Role: routes.Citizen, Subject: "BNCLRA90A41F205Z", Level: auth.SpidL2}, session.SAML{})
	if err != nil {
		t.Fatal(err)
	}
	ghost := member{cookie: w.Result().Cookies()[0], csrf: sess.CSRF}
	admin := a.signIn(t, adminBruno)

	tests := []struct {
		name       string
		who        member
		method     string
		target     string
		body       string
		header     map[string]string
		wantStatus int
		wantIn     string
	}{
		{"IdentityFieldRefused", mario, "PATCH", "/api/v1/me", `{"name":"Marco"}`, nil, 400, "provengono da SPID o CIE"},
		{"FiscalCodeRefused", mario, "PATCH", "/api/v1/me", `{"fiscalCode":"XXXXXX00X00X000X","email":"a@example.org"}`, nil, 400, "provengono da SPID o CIE"},
		{"UnknownField", mario, "PATCH", "/api/v1/me", `{"emailVerified":true}`, nil, 400, "emailVerified"},
		{"UnknownAddressField", mario, "PATCH", "/api/v1/me", `{"address":{"street":"Via Roma 1","cap":"10100"}}`, nil, 400, "cap"},
		{"EmptyPatch", mario, "PATCH", "/api/v1/me", `{}`, nil, 400, "Nessun dato da aggiornare"},
		{"BadEmail", mario, "PATCH", "/api/v1/me", `{"email":"mario@"}`, nil, 400, "non è valido"},
		{"BadPostalCode", mario, "PATCH", "/api/v1/me", `{"address":{"street":"Via Roma 1","postalCode":"101","city":"Torino","province":"TO"}}`, nil, 400, "CAP"},
		{"BadProvince", mario, "PATCH", "/api/v1/me", `{"address":{"street":"Via Roma 1","postalCode":"10100","city":"Torino","province":"Torino"}}`, nil, 400, "provincia"},
		{"BadMobile", mario, "PATCH", "/api/v1/me", `{"mobile":"011 555 1234"}`, nil, 400, "cellulare"},
		{"LongStreet", mario, "PATCH", "/api/v1/me", `{"address":{"street":"` + strings.Repeat("a", 101) + `","postalCode":"10100","city":"Torino","province":"TO"}}`, nil, 400, "al massimo 100 caratteri"},
		{"WrongType", mario, "PATCH", "/api/v1/me", `{"mobile":3331234567}`, nil, 400, "mobile"},
		{"NotJSON", mario, "PATCH", "/api/v1/me", `email=a@example.org`, nil, 400, "JSON"},
		{"OversizedBody", mario, "PATCH", "/api/v1/me", `{"email":"` + strings.Repeat("a", 70<<10) + `"}`, nil, 413, "dimensione massima"},
		{"WrongContentType", mario, "PATCH", "/api/v1/me", `{"email":"a@example.org"}`, map[string]string{"Content-Type": "text/plain"}, 415, "JSON"},
		{"NoAccount", ghost, "GET", "/api/v1/me", "", nil, 404, "accedi con SPID o CIE"},
		{"NoAddressToVerify", ghost, "POST", "/api/v1/me/email-verification", "", nil, 404, "accedi con SPID o CIE"},
		{"NoEmailToVerify", mario, "POST", "/api/v1/me/email-verification", "", nil, 409, "Inserisci un indirizzo email"},
		{"GarbageToken", member{}, "GET", "/api/v1/email-verification?token=abc.def", "", nil, 400, "non è valido"},
		{"NoToken", member{}, "GET", "/api/v1/email-verification", "", nil, 400, "non è valido"},
		{"UnknownParameter", member{}, "GET", "/api/v1/email-verification?tokn=abc", "", nil, 400, "tokn"},
		{"AcceptNoVersion", mario, "POST", "/api/v1/tenants/esempio/terms/acceptances", `{}`, nil, 400, "Indica la versione"},
		{"AcceptVersionAsText", mario, "POST", "/api/v1/tenants/esempio/terms/acceptances", `{"version":"1"}`, nil, 400, "version"},
		{"AcceptFutureVersion", mario, "POST", "/api/v1/tenants/esempio/terms/acceptances", `{"version":7}`, nil, 409, "versione 1"},
		{"AcceptUnknownComune", mario, "POST", "/api/v1/tenants/atlantide/terms/acceptances", `{"version":1}`, nil, 404, "atlantide"},
		{"TermsUnknownComune", member{}, "GET", "/api/v1/tenants/atlantide/terms", "", nil, 404, "atlantide"},
		{"PublishEmpty", admin, "PUT", "/api/v1/tenants/esempio/admin/terms", `{"text":"  "}`, nil, 400, "obbligatorio"},
		{"PublishTooLong", admin, "PUT", "/api/v1/tenants/esempio/admin/terms", `{"text":"` + strings.Repeat("a", cittadino.MaxTermsRunes+1) + `"}`, nil, 400, "al massimo"},
		{"PublishNoText", admin, "PUT", "/api/v1/tenants/esempio/admin/terms", `{"testo":"x"}`, nil, 400, "testo"},
		{"AccessOtherSite", member{}, "GET", "/api/v1/tenants/esempio/services/iscrizione-asilo-nido/access?next=//evil.example/x", "", nil, 400, "next"},
		{"AccessBackslash", member{}, "GET", "/api/v1/tenants/esempio/services/iscrizione-asilo-nido/access?next=/%5Cevil.example", "", nil, 400, "next"},
		{"AccessAbsoluteURL", member{}, "GET", "/api/v1/tenants/esempio/services/iscrizione-asilo-nido/access?next=" + url.QueryEscape("https://evil.example/"), "", nil, 400, "next"},
		{"AccessUnknownService", member{}, "GET", "/api/v1/tenants/esempio/services/teletrasporto/access", "", nil, 404, "teletrasporto"},
		{"AccessDraftService", member{}, "GET", "/api/v1/tenants/esempio/services/iscrizione-centri-estivi/access", "", nil, 404, "iscrizione-centri-estivi"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.target, strings.NewReader(tt.body))
			if tt.body != "" {
				r.Header.Set("Content-Type", "application/json")
			}
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			if tt.who.cookie != nil {
				r.AddCookie(tt.who.cookie)
				r.Header.Set("X-CSRF-Token", tt.who.csrf)
			}
			w := httptest.NewRecorder()
			a.h.ServeHTTP(w, r)
			if w.Code != tt.wantStatus {
				t.Fatalf("got %d, want %d: %s", w.Code, tt.wantStatus, w.Body)
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("got Content-Type %q, want a problem", ct)
			}
			var p httpapi.Problem
			if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || !strings.Contains(p.Detail, tt.wantIn) {
				t.Errorf("got detail %q (%v), want it to mention %q", p.Detail, err, tt.wantIn)
			}
		})
	}
}

// TestAccountResponsesMatchDocument checks the account routes' answers,
// success and problem, against the API document.
func TestAccountResponsesMatchDocument(t *testing.T) {
	a := newAccountAPI(t)
	mario := a.signIn(t, citizenL2)
	admin := a.signIn(t, adminBruno)
	doc, err := libopenapi.NewDocument(apiDocument(t, a.h))
	if err != nil {
		t.Fatal(err)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatalf("validator: %v", errs)
	}
	for _, c := range []struct {
		who            member
		method, target string
		body           string
	}{
		{mario, "GET", "/api/v1/me", ""},
		{mario, "PATCH", "/api/v1/me", `{"email":"mario@example.org"}`},
		{mario, "PATCH", "/api/v1/me", `{"name":"Marco"}`},
		{mario, "POST", "/api/v1/me/email-verification", ""},
		{member{}, "GET", "/api/v1/email-verification?token=x.y", ""},
		{mario, "GET", "/api/v1/tenants/esempio/terms", ""},
		{member{}, "GET", "/api/v1/tenants/esempio/terms", ""},
		{mario, "POST", "/api/v1/tenants/esempio/terms/acceptances", `{"version":1}`},
		{mario, "GET", "/api/v1/tenants/esempio/services/iscrizione-asilo-nido/access", ""},
		{member{}, "GET", "/api/v1/tenants/esempio/services/iscrizione-asilo-nido/access", ""},
		{admin, "PUT", "/api/v1/tenants/esempio/admin/terms", `{"text":"Nuove condizioni."}`},
	} {
		t.Run(c.method+" "+c.target, func(t *testing.T) {
			req := httptest.NewRequest(c.method, "http://localhost"+c.target, strings.NewReader(c.body))
			if c.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			if c.who.cookie != nil {
				req.AddCookie(c.who.cookie)
				req.Header.Set("X-CSRF-Token", c.who.csrf)
			}
			rec := httptest.NewRecorder()
			a.h.ServeHTTP(rec, req)
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
