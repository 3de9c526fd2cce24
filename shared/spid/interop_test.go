package spid

import (
	"context"
	"errors"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stanzaportal/stanza/shared/auth"
	"github.com/stanzaportal/stanza/shared/testidp"
)

// The whole exchange with the test identity provider's handler, as a
// browser carries it: AuthnRequest by redirect, the picker page, the
// Response posted to the ACS; then single logout, answered by redirect.
func TestSignInAndOutThroughTheTestIdP(t *testing.T) {
	for _, v := range []Variant{SPID, CIE} {
		t.Run(string(v), func(t *testing.T) {
			f := newACS(t, v)
			h := f.idp.Handler()
			matteo := testidp.Identities()[2]
			level := auth.SpidL2

			req, err := f.sp.AuthnRequest(f.reg, level, relayState)
			if err != nil {
				t.Fatal(err)
			}
			page := serveOK(t, h, httptest.NewRequest(http.MethodGet, req.URL, nil))
			form := url.Values{"state": {hiddenValue(t, page, "state")}, "identity": {matteo.SpidCode}}
			page = serveOK(t, h, postForm(testIdPBase+"/sso/continue", form))
			if !strings.Contains(page, `action="`+testACS+`"`) || hiddenValue(t, page, "RelayState") != relayState {
				t.Fatalf("the answer does not post to the ACS with the RelayState:\n%s", page)
			}

			expect := Expect{RequestID: req.ID, RequestIssued: req.IssueInstant, IdP: f.reg, Level: level}
			a, err := f.sp.ParseResponse(context.Background(), hiddenValue(t, page, "SAMLResponse"), expect)
			if err != nil {
				t.Fatal(err)
			}
			if a.FiscalCode() != matteo.FiscalCode() {
				t.Errorf("fiscal code: got %q, want %q", a.FiscalCode(), matteo.FiscalCode())
			}

			out, err := f.sp.LogoutRequest(f.reg, a.NameID, a.NameQualifier, a.SessionIndex, relayState)
			if err != nil {
				t.Fatal(err)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, out.URL, nil))
			if w.Code != http.StatusFound {
				t.Fatalf("GET /slo: got %d, want a redirect: %s", w.Code, w.Body)
			}
			answer := httptest.NewRequest(http.MethodGet, w.Header().Get("Location"), nil)
			if err := f.sp.ParseLogoutResponse(answer, LogoutExpect{RequestID: out.ID, RequestIssued: out.IssueInstant, IdP: f.reg}); err != nil {
				t.Fatalf("LogoutResponse: %v", err)
			}
		})
	}
}

func TestSimulatedIdPErrorThroughTheTestIdP(t *testing.T) {
	f := newACS(t, SPID)
	h := f.idp.Handler()
	req, err := f.sp.AuthnRequest(f.reg, auth.SpidL1, relayState)
	if err != nil {
		t.Fatal(err)
	}
	page := serveOK(t, h, httptest.NewRequest(http.MethodGet, req.URL, nil))
	form := url.Values{"state": {hiddenValue(t, page, "state")}, "error": {"nr22"}}
	page = serveOK(t, h, postForm(testIdPBase+"/sso/continue", form))
	expect := Expect{RequestID: req.ID, RequestIssued: req.IssueInstant, IdP: f.reg, Level: auth.SpidL1}
	_, err = f.sp.ParseResponse(context.Background(), hiddenValue(t, page, "SAMLResponse"), expect)
	var idpErr *IdPError
	if !errors.As(err, &idpErr) || idpErr.Code != "nr22" {
		t.Fatalf("got %v, want the IdP's error nr22", err)
	}
}

func serveOK(t *testing.T, h http.Handler, r *http.Request) string {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		t.Fatalf("%s %s: got %d, want 200: %s", r.Method, r.URL.Path, w.Code, w.Body)
	}
	return w.Body.String()
}

func postForm(target string, form url.Values) *http.Request {
	r := httptest.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

// hiddenValue returns the value of the hidden input named name in page.
func hiddenValue(t *testing.T, page, name string) string {
	t.Helper()
	m := regexp.MustCompile(`name="` + name + `" value="([^"]*)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no input %s in the page:\n%s", name, page)
	}
	return html.UnescapeString(m[1])
}
