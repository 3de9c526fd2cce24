package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stanzaportal/stanza/shared/auth"
	"github.com/stanzaportal/stanza/shared/httpapi"
	"github.com/stanzaportal/stanza/shared/routes"
	"github.com/stanzaportal/stanza/shared/session"
)

var (
	mario = auth.Principal{Role: routes.Citizen, Subject: "RSSMRA80A01H501U", Name: "Mario Rossi", Level: auth.SpidL2}
	anna  = auth.Principal{Role: routes.Operator, Subject: "anna", Tenant: "esempio", Name: "Anna Verdi", Services: []string{"iscrizione-asilo-nido"}}
	spid  = session.SAML{IdP: "https://idp.example/", NameID: "_n1", NameQualifier: "https://idp.example/", SessionIndex: "_s1"}
)

// send serves one request carrying cookie (when not nil), token as the
// CSRF header and the extra headers.
func send(t *testing.T, h http.Handler, method, target string, cookie *http.Cookie, token string, header map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, target, nil)
	if cookie != nil {
		r.AddCookie(cookie)
	}
	if token != "" {
		r.Header.Set("X-CSRF-Token", token)
	}
	for k, v := range header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// signedIn reports whether a request with cookie is signed in.
func (a authzServer) signedIn(t *testing.T, cookie *http.Cookie) bool {
	t.Helper()
	var info httpapi.SessionInfo
	w := send(t, a.handler, "GET", "/api/v1/session", cookie, "", nil)
	if err := json.Unmarshal(w.Body.Bytes(), &info); err != nil {
		t.Fatalf("GET /api/v1/session: %v: %s", err, w.Body)
	}
	return info.SignedIn
}

func TestSessionInfo(t *testing.T) {
	a := newAuthzServer(t, nil)
	citizenCookie, citizenToken := a.signIn(t, mario, spid)
	operatorCookie, operatorToken := a.signIn(t, anna, session.SAML{})
	tests := []struct {
		name   string
		cookie *http.Cookie
		header map[string]string
		want   httpapi.SessionInfo
	}{
		{"Anonymous", nil, nil, httpapi.SessionInfo{}},
		{"Citizen", citizenCookie, nil, httpapi.SessionInfo{SignedIn: true, Role: "citizen", Subject: mario.Subject, Name: mario.Name, Level: auth.SpidL2, CSRFToken: citizenToken}},
		{"Operator", operatorCookie, nil, httpapi.SessionInfo{SignedIn: true, Role: "operator", Subject: "anna", Tenant: "esempio", Name: anna.Name, Services: anna.Services, CSRFToken: operatorToken}},
		{"UnknownCookie", &http.Cookie{Name: session.CookieName, Value: strings.Repeat("A", 43)}, nil, httpapi.SessionInfo{}},
		// A key counts only on a Comune's addresses; this one has none.
		{"PartnerKey", nil, map[string]string{"Authorization": "Bearer stz_k1_secret"}, httpapi.SessionInfo{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := send(t, a.handler, "GET", "/api/v1/session", tt.cookie, "", tt.header)
			if w.Code != http.StatusOK {
				t.Fatalf("got status %d, want 200: %s", w.Code, w.Body)
			}
			if cc := w.Header().Get("Cache-Control"); cc != "no-store" {
				t.Errorf("got Cache-Control %q, want no-store", cc)
			}
			var got httpapi.SessionInfo
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			if tt.want.SignedIn {
				if until := time.Until(got.ExpiresAt); until <= 0 || until > session.IdleTimeout {
					t.Errorf("got expiry in %v, want within the idle timeout", until)
				}
			} else if !got.ExpiresAt.IsZero() {
				t.Errorf("got expiry %v for nobody", got.ExpiresAt)
			}
			got.ExpiresAt = time.Time{}
			if !equalInfo(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func equalInfo(a, b httpapi.SessionInfo) bool {
	return a.SignedIn == b.SignedIn && a.Role == b.Role && a.Subject == b.Subject && a.Tenant == b.Tenant && a.Name == b.Name &&
		a.Level == b.Level && strings.Join(a.Services, ",") == strings.Join(b.Services, ",") && a.CSRFToken == b.CSRFToken
}

func TestLogout(t *testing.T) {
	hookErr := errors.New("the identity provider's metadata is unavailable")
	tests := []struct {
		name     string
		p        auth.Principal
		saml     session.SAML
		hook     func(ctx context.Context, s session.Session) (string, error)
		wantNext string
		wantHook bool
	}{
		{name: "LocalOnly", p: mario, saml: spid},
		{name: "SingleLogout", p: mario, saml: spid, wantNext: "https://idp.example/slo?SAMLRequest=x", wantHook: true,
			hook: func(_ context.Context, s session.Session) (string, error) {
				if s.SAML != spid || s.Subject != mario.Subject {
					return "", errors.New("hook called with the wrong session")
				}
				return "https://idp.example/slo?SAMLRequest=x", nil
			}},
		{name: "SingleLogoutFailureStillSignsOut", p: mario, saml: spid, wantHook: true,
			hook: func(context.Context, session.Session) (string, error) { return "", hookErr }},
		{name: "NoHookForSessionWithoutSAML", p: anna,
			hook: func(context.Context, session.Session) (string, error) { return "https://wrong.example/", nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			called := false
			var hook httpapi.LogoutHook
			if tt.hook != nil {
				hook = func(ctx context.Context, s session.Session) (string, error) {
					called = true
					return tt.hook(ctx, s)
				}
			}
			a := newAuthzServer(t, hook)
			cookie, token := a.signIn(t, tt.p, tt.saml)
			other, _ := a.signIn(t, tt.p, tt.saml)
			w := send(t, a.handler, "POST", "/auth/logout", cookie, token, nil)
			if w.Code != http.StatusOK {
				t.Fatalf("got status %d, want 200: %s", w.Code, w.Body)
			}
			var got httpapi.LogoutResult
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			if got.Next != tt.wantNext || called != tt.wantHook {
				t.Errorf("got next %q (hook called: %v), want %q (%v)", got.Next, called, tt.wantNext, tt.wantHook)
			}
			if c := w.Result().Cookies(); len(c) != 1 || c[0].Name != session.CookieName || c[0].MaxAge >= 0 {
				t.Errorf("got cookies %v, want the session cookie cleared", c)
			}
			if a.signedIn(t, cookie) {
				t.Error("the session is still signed in")
			}
			if !a.signedIn(t, other) {
				t.Error("another session of the same account was signed out")
			}
		})
	}
}

func TestLogoutEverywhere(t *testing.T) {
	a := newAuthzServer(t, func(context.Context, session.Session) (string, error) { return "https://idp.example/slo", nil })
	cookie, token := a.signIn(t, mario, spid)
	mine := []*http.Cookie{cookie}
	for range 2 {
		c, _ := a.signIn(t, mario, spid)
		mine = append(mine, c)
	}
	someoneElse, _ := a.signIn(t, auth.Principal{Role: routes.Citizen, Subject: "BNCGNN85T10L219X", Level: auth.SpidL1}, session.SAML{})
	staff, _ := a.signIn(t, anna, session.SAML{})

	w := send(t, a.handler, "POST", "/auth/logout-everywhere", cookie, token, nil)
	if w.Code != http.StatusOK {
		t.Fatalf("got status %d, want 200: %s", w.Code, w.Body)
	}
	if !strings.Contains(w.Body.String(), `"next":"https://idp.example/slo"`) {
		t.Errorf("got %s, want the single logout address", w.Body)
	}
	for i, c := range mine {
		if a.signedIn(t, c) {
			t.Errorf("session %d of the account is still signed in", i)
		}
	}
	if !a.signedIn(t, someoneElse) || !a.signedIn(t, staff) {
		t.Error("another account's session was signed out")
	}
}

// TestCSRFOnRealRoutes checks the CSRF rules on routes of the table (the
// guard's own tests cover every rule on synthetic routes).
func TestCSRFOnRealRoutes(t *testing.T) {
	a := newAuthzServer(t, nil)
	cookie, token := a.signIn(t, mario, session.SAML{})
	// The exempt routes get a session of their own: what their handlers do
	// with it is their business.
	exempt, _ := a.signIn(t, mario, session.SAML{})
	tests := []struct {
		name   string
		target string
		cookie *http.Cookie
		token  string
		header map[string]string
		want   func(status int) bool
	}{
		{"LogoutWithoutTokenForbidden", "/auth/logout", cookie, "", nil, is(403)},
		{"LogoutWrongTokenForbidden", "/auth/logout", cookie, "x" + token, nil, is(403)},
		{"LogoutCrossSiteForbidden", "/auth/logout", cookie, token, map[string]string{"Sec-Fetch-Site": "cross-site"}, is(403)},
		{"LogoutForeignOriginForbidden", "/auth/logout", cookie, token, map[string]string{"Origin": "https://evil.example"}, is(403)},
		{"AssertionConsumerExempt", "/auth/acs", exempt, "", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://idp.example"},
			func(status int) bool { return status != 401 && status != 403 }},
		{"SingleLogoutExempt", "/auth/slo", exempt, "", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://idp.example"},
			func(status int) bool { return status != 401 && status != 403 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := send(t, a.handler, "POST", tt.target, tt.cookie, tt.token, tt.header)
			if !tt.want(w.Code) {
				t.Errorf("got status %d: %s", w.Code, w.Body)
			}
		})
	}
	if !a.signedIn(t, cookie) {
		t.Error("a refused sign-out signed the session out")
	}
}

func is(want int) func(int) bool { return func(got int) bool { return got == want } }
