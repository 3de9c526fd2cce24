package httpapi

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stanzaportal/stanza/shared/auth"
	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/routes"
	"github.com/stanzaportal/stanza/shared/session"
	"github.com/stanzaportal/stanza/shared/store/boltstore/bolttest"
)

// keyResolver is a KeyResolver whose behaviour a test sets.
type keyResolver struct {
	resolve func(ctx context.Context, tenant, presented string) (auth.Principal, error)
}

func (k keyResolver) Resolve(ctx context.Context, tenant, presented string) (auth.Principal, error) {
	return k.resolve(ctx, tenant, presented)
}

// partnerKeys resolves "stz_good_secret" within Comune "esempio".
var partnerKeys = keyResolver{resolve: func(_ context.Context, tenant, presented string) (auth.Principal, error) {
	if tenant == "esempio" && presented == "stz_good_secret" {
		return auth.Principal{Role: routes.Partner, Subject: "good", Tenant: "esempio"}, nil
	}
	if presented == "stz_fail_secret" {
		return auth.Principal{}, errors.New("the key store is down")
	}
	return auth.Principal{}, fault.New(fault.Unauthorized, "apikey: unknown key")
}}

// guarded serves synthetic routes behind guard; each answers 200 with the
// caller's subject.
func guarded(t *testing.T, keys KeyResolver) (*session.Store, http.Handler) {
	t.Helper()
	db := bolttest.DB(t)
	sessions := session.NewStore(db)
	s := NewServer(Deps{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), DB: db, Sessions: sessions, Keys: keys})
	mux := http.NewServeMux()
	for _, rt := range []routes.Route{
		{Method: "POST", Path: "/citizen", Access: routes.Citizen},
		{Method: "GET", Path: "/citizen", Access: routes.Citizen},
		{Method: "POST", Path: "/public/{tenant}", Access: routes.Public},
		{Method: "POST", Path: "/partner/{tenant}", Access: routes.Partner},
		{Method: "POST", Path: "/partner-anywhere", Access: routes.Partner},
		{Method: "POST", Path: "/auth/acs", Access: routes.Public},
	} {
		mux.Handle(rt.Pattern(), s.guard(rt, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p := auth.FromContext(r.Context())
			_, hasSession := session.FromContext(r.Context())
			if hasSession != (p.Session != "") {
				t.Errorf("principal session %q, session in context %v: want both or neither", p.Session, hasSession)
			}
			_, _ = io.WriteString(w, p.Subject)
		})))
	}
	return sessions, mux
}

func TestGuard(t *testing.T) {
	sessions, h := guarded(t, partnerKeys)
	signIn := func(t *testing.T) (*http.Cookie, string) {
		t.Helper()
		w := httptest.NewRecorder()
		sess, err := sessions.Create(context.Background(), w, httptest.NewRequest("GET", "/", nil),
			auth.Principal{Role: routes.Citizen, Subject: "RSSMRA80A01H501U", Level: auth.SpidL2}, session.SAML{})
		if err != nil {
			t.Fatal(err)
		}
		return w.Result().Cookies()[0], sess.CSRF
	}
	ended, _ := signIn(t)
	if err := sessions.End(context.Background(), httptest.NewRecorder(), ended.Value); err != nil {
		t.Fatal(err)
	}

	const citizen = "RSSMRA80A01H501U"
	tests := []struct {
		name     string
		method   string
		path     string
		cookie   bool              // a live citizen session
		token    string            // "ok" for the session's CSRF token
		header   map[string]string // other headers
		want     int
		wantBody string // the subject the handler saw
	}{
		{name: "CookiePostWithToken", method: "POST", path: "/citizen", cookie: true, token: "ok", want: 200, wantBody: citizen},
		{name: "CookiePostWithoutTokenForbidden", method: "POST", path: "/citizen", cookie: true, want: 403},
		{name: "CookiePostWrongTokenForbidden", method: "POST", path: "/citizen", cookie: true, token: "wrong", want: 403},
		{name: "CookieGetNeedsNoToken", method: "GET", path: "/citizen", cookie: true, want: 200, wantBody: citizen},
		{name: "CookiePostCrossSiteForbidden", method: "POST", path: "/citizen", cookie: true, token: "ok",
			header: map[string]string{"Sec-Fetch-Site": "cross-site"}, want: 403},
		{name: "CookiePostSameSiteAllowed", method: "POST", path: "/citizen", cookie: true, token: "ok",
			header: map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": "http://example.com"}, want: 200, wantBody: citizen},
		{name: "CookiePostForeignOriginForbidden", method: "POST", path: "/citizen", cookie: true, token: "ok",
			header: map[string]string{"Origin": "https://evil.example"}, want: 403},
		{name: "CookiePostNullOriginForbidden", method: "POST", path: "/citizen", cookie: true, token: "ok",
			header: map[string]string{"Origin": "null"}, want: 403},
		{name: "AnonymousPostCrossSiteForbidden", method: "POST", path: "/public/esempio",
			header: map[string]string{"Sec-Fetch-Site": "cross-site"}, want: 403},
		{name: "AnonymousPostFromNonBrowser", method: "POST", path: "/public/esempio", want: 200},
		{name: "AnonymousCitizenRouteUnauthorized", method: "GET", path: "/citizen", want: 401},
		{name: "EndedSessionUnauthorized", method: "GET", path: "/citizen",
			header: map[string]string{"Cookie": ended.String()}, want: 401},
		{name: "AssertionConsumerExempt", method: "POST", path: "/auth/acs", cookie: true,
			header: map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://idp.example"}, want: 200, wantBody: citizen},
		{name: "KeyPostNeedsNoToken", method: "POST", path: "/partner/esempio",
			header: map[string]string{"Authorization": "Bearer stz_good_secret", "Sec-Fetch-Site": "cross-site"}, want: 200, wantBody: "good"},
		{name: "KeyInXAPIKey", method: "POST", path: "/partner/esempio",
			header: map[string]string{"X-API-Key": "stz_good_secret"}, want: 200, wantBody: "good"},
		{name: "KeyWinsOverCookie", method: "POST", path: "/partner/esempio", cookie: true,
			header: map[string]string{"Authorization": "Bearer stz_good_secret"}, want: 200, wantBody: "good"},
		{name: "UnknownKeyUnauthorized", method: "POST", path: "/partner/esempio",
			header: map[string]string{"Authorization": "Bearer stz_bad_secret"}, want: 401},
		{name: "KeyOfAnotherComuneUnauthorized", method: "POST", path: "/partner/altro",
			header: map[string]string{"Authorization": "Bearer stz_good_secret"}, want: 401},
		{name: "OtherSchemeUnauthorized", method: "POST", path: "/partner/esempio",
			header: map[string]string{"Authorization": "Basic Z29vZDpzZWNyZXQ="}, want: 401},
		{name: "KeyWithoutTenantIsNoCredential", method: "POST", path: "/partner-anywhere",
			header: map[string]string{"Authorization": "Bearer stz_good_secret"}, want: 401},
		{name: "KeyOnCitizenRouteForbidden", method: "POST", path: "/citizen",
			header: map[string]string{"Authorization": "Bearer stz_good_secret"}, want: 403},
		{name: "UnknownKeyOnCitizenRouteForbidden", method: "POST", path: "/citizen", cookie: true, token: "ok",
			header: map[string]string{"X-API-Key": "stz_bad_secret"}, want: 403},
		{name: "UnknownKeyOnPublicRouteIgnored", method: "POST", path: "/public/esempio",
			header: map[string]string{"Authorization": "Bearer stz_bad_secret"}, want: 200, wantBody: ""},
		{name: "KeyStoreFailureInternal", method: "POST", path: "/partner/esempio",
			header: map[string]string{"Authorization": "Bearer stz_fail_secret"}, want: 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.path, strings.NewReader("{}"))
			if tt.cookie {
				c, csrf := signIn(t)
				r.AddCookie(c)
				if tt.token == "ok" {
					tt.token = csrf
				}
			}
			if tt.token != "" {
				r.Header.Set("X-CSRF-Token", tt.token)
			}
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			Observe(slog.New(slog.NewTextHandler(io.Discard, nil)), h).ServeHTTP(w, r)
			if w.Code != tt.want {
				t.Fatalf("got status %d, want %d; body %s", w.Code, tt.want, w.Body)
			}
			if tt.want == 200 && w.Body.String() != tt.wantBody {
				t.Errorf("got caller %q, want %q", w.Body, tt.wantBody)
			}
			if tt.want == 401 && !strings.HasPrefix(w.Header().Get("WWW-Authenticate"), `Bearer realm="stanza"`) {
				t.Errorf("got WWW-Authenticate %q, want a Bearer challenge", w.Header().Get("WWW-Authenticate"))
			}
			if tt.want >= 400 && w.Header().Get("Content-Type") != "application/problem+json" {
				t.Errorf("got Content-Type %q, want a problem", w.Header().Get("Content-Type"))
			}
		})
	}
}

func TestGuardWithoutKeyResolverRefusesKeys(t *testing.T) {
	_, h := guarded(t, nil)
	r := httptest.NewRequest("POST", "/partner/esempio", nil)
	r.Header.Set("Authorization", "Bearer stz_good_secret")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusUnauthorized {
		t.Errorf("got status %d, want 401", w.Code)
	}
}
