package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stanzaportal/stanza/shared/audit"
	"github.com/stanzaportal/stanza/shared/httpapi"
	"github.com/stanzaportal/stanza/shared/operatore"
	"github.com/stanzaportal/stanza/shared/routes"
	"github.com/stanzaportal/stanza/shared/seed"
	"github.com/stanzaportal/stanza/shared/session"
)

const (
	passwordPath = "/api/v1/tenants/esempio/operator/password"
	newPassword  = "una nuova password per l'ufficio"
)

func signedIn(t *testing.T, b *browser) bool {
	t.Helper()
	var info httpapi.SessionInfo
	decode(t, b.json(t, "GET", "/api/v1/session", nil), 200, &info)
	return info.SignedIn
}

// staffServer is newStaffServer with its sessions at hand.
func staffServer(t *testing.T) (httpapi.Deps, http.Handler) {
	t.Helper()
	deps := staffDeps(t)
	deps.Sessions = session.NewStore(deps.DB)
	return deps, httpapi.NewServer(deps).Handler(routes.Functions...)
}

// openSession signs username in by creating its session in the store, as
// the sign-in would, so that no sign-in draws on the account's rate of
// attempts before the test's own.
func openSession(t *testing.T, deps httpapi.Deps, h http.Handler, username, address string) *browser {
	t.Helper()
	op, err := deps.Operators.Get(context.Background(), "esempio", username)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	sess, err := deps.Sessions.Create(context.Background(), rec, httptest.NewRequest("GET", "/", nil), op.Principal(), session.SAML{})
	if err != nil {
		t.Fatal(err)
	}
	return &browser{h: h, address: address, cookie: rec.Result().Cookies()[0], csrf: sess.CSRF}
}

// TestOperatorChangesPassword changes the seeded operator's password from
// one of their two browsers: that one stays signed in, the other is signed
// out, the admin is not touched, the old password stops working, the new
// one works and the change is in the audit log.
func TestOperatorChangesPassword(t *testing.T) {
	deps, h := staffServer(t)
	mine := openSession(t, deps, h, seed.DemoOperatorUsername, "192.0.2.1")
	other := openSession(t, deps, h, seed.DemoOperatorUsername, "192.0.2.2")
	admin := openSession(t, deps, h, seed.DemoAdminUsername, "192.0.2.3")

	var op operatore.Operator
	decode(t, mine.json(t, "POST", passwordPath, httpapi.PasswordChange{Current: seed.DemoOperatorPassword, New: newPassword}), 200, &op)
	if op.Username != seed.DemoOperatorUsername || op.PasswordChangedAt.IsZero() {
		t.Errorf("got %+v, want the operator with the time of the change", op)
	}
	if !signedIn(t, mine) {
		t.Error("the browser that changed the password: got signed out, want signed in")
	}
	if signedIn(t, other) {
		t.Error("the operator's other browser: got signed in, want signed out")
	}
	if !signedIn(t, admin) {
		t.Error("another account: got signed out, want signed in")
	}

	login := func(password string) int {
		return newBrowser(h, "192.0.2.4").json(t, "POST", loginPath, httpapi.OperatorLogin{Username: seed.DemoOperatorUsername, Password: password}).Code
	}
	if got := login(seed.DemoOperatorPassword); got != 401 {
		t.Errorf("old password: got %d, want 401", got)
	}
	if got := login(newPassword); got != 200 {
		t.Errorf("new password: got %d, want 200", got)
	}

	var log audit.Page
	decode(t, admin.json(t, "GET", "/api/v1/tenants/esempio/admin/audit?operator="+seed.DemoOperatorUsername, nil), 200, &log)
	found := false
	for _, e := range log.Items {
		found = found || (e.Action == "POST /api/v1/tenants/{tenant}/operator/password" && e.Status == 200 && e.Address == "192.0.2.1:40000")
	}
	if !found {
		t.Errorf("got audit log %+v, want the change by %s", log.Items, seed.DemoOperatorUsername)
	}
}

// TestChangePasswordLocks checks that wrong current passwords lock the
// account as wrong sign-ins do, and that the lock then refuses sign-ins.
func TestChangePasswordLocks(t *testing.T) {
	deps, h := staffServer(t)
	b := openSession(t, deps, h, seed.DemoOperatorUsername, "")

	var w *httptest.ResponseRecorder
	for i := range 5 {
		b.address = fmt.Sprintf("192.0.2.%d", i+10)
		w = b.json(t, "POST", passwordPath, httpapi.PasswordChange{Current: "una password sbagliata", New: newPassword})
		if i < 4 && (w.Code != 403 || !strings.Contains(w.Body.String(), "password attuale non è corretta")) {
			t.Fatalf("failure %d: got %d %s, want 403", i+1, w.Code, w.Body)
		}
	}
	if w.Code != 429 || w.Header().Get("Retry-After") != "900" || !strings.Contains(w.Body.String(), "bloccato") {
		t.Errorf("fifth failure: got %d, Retry-After %q, %s; want 429 after 900 s", w.Code, w.Header().Get("Retry-After"), w.Body)
	}
	w = newBrowser(h, "192.0.2.50").json(t, "POST", loginPath, httpapi.OperatorLogin{Username: seed.DemoOperatorUsername, Password: seed.DemoOperatorPassword})
	if w.Code != 429 {
		t.Errorf("sign-in with the right password after the lock: got %d %s, want 429", w.Code, w.Body)
	}
}

func TestChangePasswordRefusesBadInput(t *testing.T) {
	h := newStaffServer(t)
	op := newBrowser(h, "192.0.2.1")
	op.signInStaff(t, seed.DemoOperatorUsername, seed.DemoOperatorPassword, seed.DemoTOTPSecret, time.Now())
	noToken := &browser{h: h, address: "192.0.2.2", cookie: op.cookie}
	anon := newBrowser(h, "192.0.2.3")
	valid := `{"current":"` + seed.DemoOperatorPassword + `","new":"` + newPassword + `"}`
	tests := []struct {
		name        string
		b           *browser
		contentType string
		body        string
		want        int
		wantIn      string
	}{
		{"ErrAnonymous", anon, "application/json", valid, 401, ""},
		{"ErrNoCSRFToken", noToken, "application/json", valid, 403, "codice di sicurezza"},
		{"ErrNotJSONContentType", op, "text/plain", valid, 415, ""},
		{"ErrEmptyBody", op, "application/json", "", 400, "vuoto"},
		{"ErrNotJSON", op, "application/json", "current=a&new=b", 400, ""},
		{"ErrUnknownField", op, "application/json", `{"current":"a","new":"b","confirm":"b"}`, 400, "confirm"},
		{"ErrWrongType", op, "application/json", `{"current":"a","new":12}`, 400, "new"},
		{"ErrOversized", op, "application/json", `{"current":"a","new":"` + strings.Repeat("x", 70_000) + `"}`, 413, ""},
		{"ErrEmptyObject", op, "application/json", `{}`, 400, "password attuale e quella nuova"},
		{"ErrMissingNew", op, "application/json", `{"current":"` + seed.DemoOperatorPassword + `"}`, 400, ""},
		{"ErrShortNew", op, "application/json", `{"current":"` + seed.DemoOperatorPassword + `","new":"corta"}`, 400, "12 caratteri"},
		{"ErrLongNew", op, "application/json", `{"current":"` + seed.DemoOperatorPassword + `","new":"` + strings.Repeat("x", 129) + `"}`, 400, "128"},
		{"ErrNewHasUsername", op, "application/json", `{"current":"` + seed.DemoOperatorPassword + `","new":"la password di operatore"}`, 400, "nome utente"},
		{"ErrSameAsCurrent", op, "application/json", `{"current":"` + seed.DemoOperatorPassword + `","new":"` + seed.DemoOperatorPassword + `"}`, 400, "diversa"},
		{"ErrWrongCurrent", op, "application/json", `{"current":"una password sbagliata","new":"` + newPassword + `"}`, 403, "non è corretta"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := tt.b.send(t, "POST", passwordPath, tt.contentType, tt.body)
			if w.Code != tt.want || !strings.Contains(w.Body.String(), tt.wantIn) {
				t.Errorf("got %d %s, want %d with %q", w.Code, w.Body, tt.want, tt.wantIn)
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("got Content-Type %q, want application/problem+json", ct)
			}
		})
	}
	// None of it changed the password.
	if w := newBrowser(h, "192.0.2.9").json(t, "POST", loginPath, httpapi.OperatorLogin{Username: seed.DemoOperatorUsername, Password: seed.DemoOperatorPassword}); w.Code != 200 {
		t.Errorf("sign-in with the password as it was: got %d %s, want 200", w.Code, w.Body)
	}
}
