package localserver

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/stanzaportal/stanza/shared/seed"
)

// browser is an HTTP client with cookies that does not follow redirects, so
// that each step of a sign-in can be checked.
type browser struct {
	t      *testing.T
	client *http.Client
	csrf   string // sent with state-changing requests once known
}

// localJar keeps cookies as a browser does for a local address: browsers
// treat http://127.0.0.1 as a secure context and send Secure cookies there,
// Go's jar does not, so the jar is asked as if the scheme were https.
type localJar struct{ http.CookieJar }

func secureURL(u *url.URL) *url.URL { c := *u; c.Scheme = "https"; return &c }

func (j localJar) SetCookies(u *url.URL, cookies []*http.Cookie) {
	j.CookieJar.SetCookies(secureURL(u), cookies)
}
func (j localJar) Cookies(u *url.URL) []*http.Cookie { return j.CookieJar.Cookies(secureURL(u)) }

func newBrowser(t *testing.T) *browser {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, client: &http.Client{Jar: localJar{jar}, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(method, target string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	return b.send(method, target, body, "application/x-www-form-urlencoded")
}

// api sends a JSON body (or none) to the portal's API.
func (b *browser) api(method, target, body string) (*http.Response, string) {
	b.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	return b.send(method, target, r, "application/json")
}

func (b *browser) send(method, target string, body io.Reader, contentType string) (*http.Response, string) {
	b.t.Helper()
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	if method != "GET" && b.csrf != "" {
		req.Header.Set("X-CSRF-Token", b.csrf)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp, string(raw)
}

var (
	formAction = regexp.MustCompile(`<form[^>]*action="([^"]+)"`)
	hiddenRE   = regexp.MustCompile(`<input[^>]*type="hidden"[^>]*name="([A-Za-z]+)"\s+value="([^"]*)"`)
)

// hidden returns the hidden fields and the action of the first form of page.
func hidden(t *testing.T, page string) (string, url.Values) {
	t.Helper()
	m := formAction.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no form in:\n%s", page)
	}
	v := url.Values{}
	for _, f := range hiddenRE.FindAllStringSubmatch(page, -1) {
		v.Set(f[1], html.UnescapeString(f[2]))
	}
	return html.UnescapeString(m[1]), v
}

// signIn walks a citizen through the test identity provider, as a browser
// does, and returns where the portal sent them at the end.
func signIn(t *testing.T, b *browser, base, idp, level, identity string) *http.Response {
	t.Helper()
	resp, _ := b.do("GET", base+"/auth/login?"+url.Values{"idp": {idp}, "level": {level}, "next": {"/profilo"}}.Encode(), nil)
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("login: %s", resp.Status)
	}
	_, picker := b.do("GET", resp.Header.Get("Location"), nil)
	action, fields := hidden(t, picker)
	fields.Set("identity", identity)
	_, post := b.do("POST", action, fields)
	action, fields = hidden(t, post)
	resp, page := b.do("POST", action, fields)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("ACS: %s\n%s", resp.Status, page)
	}
	return resp
}

// session reads who is signed in and keeps the session's CSRF token.
func (b *browser) session(base string) map[string]any {
	b.t.Helper()
	resp, body := b.api("GET", base+"/api/v1/session", "")
	var info map[string]any
	if err := json.Unmarshal([]byte(body), &info); err != nil || resp.StatusCode != 200 {
		b.t.Fatalf("session: %s %s", resp.Status, body)
	}
	b.csrf, _ = info["csrfToken"].(string)
	return info
}

func expect(t *testing.T, what string, resp *http.Response, body string, status int) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("%s: got %s, want %d\n%s", what, resp.Status, status, body)
	}
}

// readyCitizen signs a test citizen in at level 2 and does what every
// service asks first: accept the Comune's terms and complete the profile,
// with the email verified from the local mailbox.
func readyCitizen(t *testing.T, base, identity, email string) *browser {
	t.Helper()
	citizen := newBrowser(t)
	signIn(t, citizen, base, base+"/_testidp/metadata", "spid-l2", identity)
	info := citizen.session(base)
	if info["role"] != "citizen" || info["level"] != "spid-l2" || citizen.csrf == "" {
		t.Fatalf("session after sign-in: %v", info)
	}
	resp, body := citizen.api("GET", base+"/api/v1/me", "")
	expect(t, "profile", resp, body, 200)
	if !strings.Contains(body, `"complete":false`) {
		t.Errorf("a new account should be incomplete: %s", body)
	}

	// Terms of use of the Comune.
	resp, body = citizen.api("GET", base+"/api/v1/tenants/esempio/terms", "")
	expect(t, "terms", resp, body, 200)
	var terms struct{ Version int }
	if err := json.Unmarshal([]byte(body), &terms); err != nil || terms.Version < 1 {
		t.Fatalf("terms: %s", body)
	}
	resp, body = citizen.api("POST", base+"/api/v1/tenants/esempio/terms/acceptances", fmt.Sprintf(`{"version":%d}`, terms.Version))
	expect(t, "accept terms", resp, body, 200)

	// Profile: contact data, then the emailed link.
	resp, body = citizen.api("PATCH", base+"/api/v1/me", fmt.Sprintf(`{"email":%q,"mobile":"+39 333 1234567","address":{"street":"Via Roma 1","postalCode":"20121","city":"Milano","province":"MI"}}`, email))
	expect(t, "update profile", resp, body, 200)
	resp, body = citizen.api("POST", base+"/api/v1/me/email-verification", "")
	expect(t, "send verification", resp, body, 200)
	resp, body = citizen.api("GET", verificationCall(t, base, verificationLink(t, base, email)), "")
	expect(t, "verify email", resp, body, 200)
	resp, body = citizen.api("GET", base+"/api/v1/me", "")
	expect(t, "profile", resp, body, 200)
	if !strings.Contains(body, `"complete":true`) || !strings.Contains(body, `"tenant":"esempio"`) {
		t.Errorf("the profile should be complete, with the terms accepted: %s", body)
	}

	return citizen
}

// TestCitizenAndOperatorJourney is the sign-in story on the local server,
// as the README tells it: a citizen signs in through the test identity
// provider, accepts the terms, completes the profile and signs out (single
// logout at the IdP); then the seeded operator signs in with password and
// TOTP.
func TestCitizenAndOperatorJourney(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, testConfig(t, t.TempDir()), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	base := "http://" + s.Addr()

	citizen := readyCitizen(t, base, "TSTIDP0000001", "anna.sartorelli@example.org")

	var (
		resp *http.Response
		body string
	)
	// Sign out: the portal ends the session and sends the browser to the
	// IdP's single logout, which sends it back.
	resp, body = citizen.api("POST", base+"/auth/logout", "")
	expect(t, "logout", resp, body, 200)
	var out struct{ Next string }
	if err := json.Unmarshal([]byte(body), &out); err != nil || !strings.HasPrefix(out.Next, base+"/_testidp/slo?") {
		t.Fatalf("logout should continue at the IdP: %s", body)
	}
	resp, body = citizen.do("GET", out.Next, nil)
	if resp.StatusCode == http.StatusFound || resp.StatusCode == http.StatusSeeOther {
		resp, body = citizen.do("GET", resp.Header.Get("Location"), nil)
	} else {
		action, fields := hidden(t, body)
		resp, body = citizen.do("POST", action, fields)
	}
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Fatalf("single logout: %s %s", resp.Status, body)
	}
	if info := citizen.session(base); info["signedIn"] != false {
		t.Errorf("still signed in after logout: %v", info)
	}

	// The seeded operator: password, then the TOTP code of the seeded secret.
	operator := newBrowser(t)
	resp, body = operator.api("POST", base+"/api/v1/tenants/esempio/operator-login",
		fmt.Sprintf(`{"username":%q,"password":%q}`, seed.DemoOperatorUsername, seed.DemoOperatorPassword))
	expect(t, "operator password", resp, body, 200)
	var step struct{ Step, Challenge string }
	if err := json.Unmarshal([]byte(body), &step); err != nil || step.Step != "totp" {
		t.Fatalf("operator login: %s", body)
	}
	code, err := totp.GenerateCode(seed.DemoTOTPSecret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	resp, body = operator.api("POST", base+"/api/v1/tenants/esempio/operator-login/totp", fmt.Sprintf(`{"challenge":%q,"code":%q}`, step.Challenge, code))
	expect(t, "operator TOTP", resp, body, 200)
	if info := operator.session(base); info["role"] != "operator" || info["tenant"] != "esempio" {
		t.Errorf("operator session: %v", info)
	}
}

func TestCitizenSignsInThroughTestIdP(t *testing.T) {
	s, err := Open(context.Background(), testConfig(t, t.TempDir()), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	base := "http://" + s.Addr()
	b := newBrowser(t)
	resp := signIn(t, b, base, base+"/_testidp/metadata", "spid-l2", "TSTIDP0000001")
	if loc := resp.Header.Get("Location"); loc != "/profilo" {
		t.Errorf("after sign-in: got %q, want /profilo", loc)
	}
}

// TestSignInRefusesBadInput sends what a broken or hostile client might to
// the sign-in endpoints: each gets a page with a 4xx status, never a 500.
func TestSignInRefusesBadInput(t *testing.T) {
	s, err := Open(context.Background(), testConfig(t, t.TempDir()), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	base := "http://" + s.Addr()
	idp := base + "/_testidp/metadata"
	b := newBrowser(t)

	// A real answer, kept to be replayed and tampered with.
	resp, _ := b.do("GET", base+"/auth/login?"+url.Values{"idp": {idp}}.Encode(), nil)
	_, picker := b.do("GET", resp.Header.Get("Location"), nil)
	action, fields := hidden(t, picker)
	fields.Set("identity", "TSTIDP0000003")
	_, post := b.do("POST", action, fields)
	acs, answer := hidden(t, post)
	if resp, page := b.do("POST", acs, answer); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the genuine answer: %s %s", resp.Status, page)
	}

	startLogin := func() string { // a fresh pending request's RelayState
		t.Helper()
		resp, _ := b.do("GET", base+"/auth/login?"+url.Values{"idp": {idp}}.Encode(), nil)
		u, err := url.Parse(resp.Header.Get("Location"))
		if err != nil || u.Query().Get("RelayState") == "" {
			t.Fatalf("login redirect: %v", resp.Header)
		}
		return u.Query().Get("RelayState")
	}

	tests := []struct {
		name       string
		method     string
		target     string
		form       url.Values
		wantStatus int
		wantText   string
	}{
		{"UnknownIdP", "GET", base + "/auth/login?idp=https://idp.evil.example/metadata", nil, 400, "non è tra quelli ammessi"},
		{"BadLevel", "GET", base + "/auth/login?" + url.Values{"idp": {idp}, "level": {"spid-l9"}}.Encode(), nil, 400, "livello"},
		{"UnknownParameter", "GET", base + "/auth/login?" + url.Values{"idp": {idp}, "redirect": {"https://evil.example"}}.Encode(), nil, 400, "non è previsto"},
		{"NoRelayState", "POST", base + "/auth/acs", url.Values{"SAMLResponse": {answer.Get("SAMLResponse")}}, 400, "non corrisponde a una richiesta in corso"},
		{"Replayed", "POST", base + "/auth/acs", answer, 400, "non corrisponde a una richiesta in corso"},
		{"ReplayedOnANewRequest", "POST", base + "/auth/acs", url.Values{"SAMLResponse": {answer.Get("SAMLResponse")}, "RelayState": {startLogin()}}, 400, ""},
		{"NotBase64", "POST", base + "/auth/acs", url.Values{"SAMLResponse": {"%%% not base64 %%%"}, "RelayState": {startLogin()}}, 400, ""},
		{"NotXML", "POST", base + "/auth/acs", url.Values{"SAMLResponse": {"PGh0bWw+"}, "RelayState": {startLogin()}}, 400, ""},
		{"Oversized", "POST", base + "/auth/acs", url.Values{"SAMLResponse": {strings.Repeat("A", 600<<10)}, "RelayState": {"x"}}, 413, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, page := b.do(tt.method, tt.target, tt.form)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("got %s, want %d\n%s", resp.Status, tt.wantStatus, page)
			}
			if !strings.Contains(page, tt.wantText) {
				t.Errorf("the page does not say %q:\n%s", tt.wantText, page)
			}
		})
	}

	// An identity provider's error answer becomes a courtesy page.
	resp, _ = b.do("GET", base+"/auth/login?"+url.Values{"idp": {idp}}.Encode(), nil)
	_, picker = b.do("GET", resp.Header.Get("Location"), nil)
	action, fields = hidden(t, picker)
	fields.Set("error", "nr22")
	_, post = b.do("POST", action, fields)
	acs, answer = hidden(t, post)
	resp, page := b.do("POST", acs, answer)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(page, "consenso") {
		t.Errorf("nr22: got %s\n%s", resp.Status, page)
	}
}
