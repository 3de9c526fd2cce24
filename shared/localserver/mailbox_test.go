package localserver

import (
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stanzaportal/stanza/shared/auth"
	"github.com/stanzaportal/stanza/shared/cittadino"
	"github.com/stanzaportal/stanza/shared/routes"
	"github.com/stanzaportal/stanza/shared/session"
)

// TestEmailVerificationThroughTheMailboxPage verifies a citizen's email as
// someone trying the portal locally does: the link is read from the
// mailbox page and followed in the browser.
func TestEmailVerificationThroughTheMailboxPage(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, testConfig(t, t.TempDir()), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	base := "http://" + s.Addr()

	const cf = "RSSMRA80A01H501U"
	if _, err := s.Portal.Accounts.SignedIn(ctx, cittadino.Identity{FiscalCode: "TINIT-" + cf, Name: "Mario", FamilyName: "Rossi"}); err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	sess, err := s.Portal.Sessions.Create(ctx, rec, httptest.NewRequest("GET", "/", nil),
		auth.Principal{Role: routes.Citizen, Subject: cf, Level: auth.SpidL2}, session.SAML{})
	if err != nil {
		t.Fatal(err)
	}
	// The session cookie is Secure; a browser sends it to localhost over
	// plain HTTP, Go's cookie jar does not, so it goes in by hand.
	cookie := rec.Result().Cookies()[0]
	call := func(method, path, body string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.AddCookie(cookie)
		req.Header.Set("X-CSRF-Token", sess.CSRF)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := call("PATCH", "/api/v1/me", `{"email":"mario.rossi@example.org"}`); resp.StatusCode != 200 {
		t.Fatalf("PATCH /api/v1/me: %s", resp.Status)
	}
	if resp := call("POST", "/api/v1/me/email-verification", ""); resp.StatusCode != 200 {
		t.Fatalf("POST /api/v1/me/email-verification: %s", resp.Status)
	}

	href := verificationCall(t, base, verificationLink(t, base, "mario.rossi@example.org"))
	resp, body := get(t, href)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"verified":true`) {
		t.Fatalf("verifying with the link's token: got %d %s", resp.StatusCode, body)
	}
	a, err := s.Portal.Accounts.Get(ctx, cf)
	if err != nil || !a.EmailVerified {
		t.Errorf("got %+v (%v), want the email verified", a, err)
	}
}

// verificationLink reads, on the mailbox page, the newest message to "to"
// and returns the verification link in it.
func verificationLink(t *testing.T, base, to string) string {
	t.Helper()
	resp, list := get(t, base+"/_mailbox/")
	if resp.StatusCode != 200 || !strings.Contains(string(list), to) {
		t.Fatalf("mailbox: got %d %s", resp.StatusCode, list)
	}
	msgPath := regexp.MustCompile(`href="(/_mailbox/[^"]+)"`).FindStringSubmatch(string(list))
	if msgPath == nil {
		t.Fatalf("no message in the list:\n%s", list)
	}
	_, page := get(t, base+msgPath[1])
	link := regexp.MustCompile(`<a href="([^"]+verifica-email[^"]+)"`).FindStringSubmatch(string(page))
	if link == nil {
		t.Fatalf("no link on the message page:\n%s", page)
	}
	href := html.UnescapeString(link[1])
	if !strings.HasPrefix(href, base+"/verifica-email?token=") {
		t.Fatalf("got link %q, want the citizens' app's page on this server", href)
	}
	return href
}

// verificationCall is the API call that the page a verification link
// opens makes with the link's token.
func verificationCall(t *testing.T, base, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	return base + "/api/v1/email-verification?" + url.Values{"token": {u.Query().Get("token")}}.Encode()
}
