package localserver

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/stanzaportal/stanza/shared/seed"
	"github.com/stanzaportal/stanza/shared/session"
)

// TestSeededOperatorSignsIn signs in on a running local server as the
// README says: the seeded operator's password, then a code from the
// published TOTP secret.
func TestSeededOperatorSignsIn(t *testing.T) {
	s, err := Open(context.Background(), testConfig(t, t.TempDir()), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	base := "http://" + s.Addr() + "/api/v1/tenants/esempio/operator-login"
	post := func(url, body string) (*http.Response, map[string]any) {
		t.Helper()
		resp, err := http.Post(url, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 200 {
			t.Fatalf("POST %s: got %d %v", url, resp.StatusCode, out)
		}
		return resp, out
	}
	_, step := post(base, `{"username":"`+seed.DemoOperatorUsername+`","password":"`+seed.DemoOperatorPassword+`"}`)
	code, err := totp.GenerateCode(seed.DemoTOTPSecret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	resp, signedIn := post(base+"/totp", `{"challenge":"`+step["challenge"].(string)+`","code":"`+code+`"}`)
	if signedIn["role"] != "operator" || signedIn["subject"] != seed.DemoOperatorUsername {
		t.Errorf("got %v, want the operator signed in", signedIn)
	}

	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == session.CookieName {
			cookie = c
		}
	}
	if cookie == nil {
		t.Fatal("got no session cookie")
	}
	req, _ := http.NewRequest("GET", "http://"+s.Addr()+"/api/v1/session", nil)
	req.AddCookie(cookie)
	got, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer got.Body.Close()
	var info struct {
		SignedIn bool   `json:"signedIn"`
		Subject  string `json:"subject"`
	}
	if err := json.NewDecoder(got.Body).Decode(&info); err != nil || !info.SignedIn || info.Subject != seed.DemoOperatorUsername {
		t.Errorf("GET /api/v1/session: got %+v, %v; want the operator", info, err)
	}
}
