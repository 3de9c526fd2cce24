package localserver

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stanzaportal/stanza/shared/mail/localmail"
	"github.com/stanzaportal/stanza/shared/seed"
)

// TestOperatorChangesPasswordJourney follows the seeded operator on the
// local server: sign in, change the password, find the old one refused and
// the new one accepted, and read the notice in the local mailbox.
func TestOperatorChangesPasswordJourney(t *testing.T) {
	s, base := openServer(t)
	const newPassword = "la mia nuova password segreta"
	b := signInOperator(t, base)

	resp, body := b.api("POST", base+"/api/v1/tenants/esempio/operator/password",
		fmt.Sprintf(`{"current":%q,"new":%q}`, seed.DemoOperatorPassword, newPassword))
	expect(t, "change the password", resp, body, 200)
	if info := b.session(base); info["signedIn"] != true {
		t.Errorf("after the change: got %v, want this browser still signed in", info)
	}

	login := base + "/api/v1/tenants/esempio/operator-login"
	resp, body = newBrowser(t).api("POST", login, fmt.Sprintf(`{"username":%q,"password":%q}`, seed.DemoOperatorUsername, seed.DemoOperatorPassword))
	expect(t, "sign-in with the old password", resp, body, 401)
	resp, body = newBrowser(t).api("POST", login, fmt.Sprintf(`{"username":%q,"password":%q}`, seed.DemoOperatorUsername, newPassword))
	expect(t, "sign-in with the new password", resp, body, 200)

	const to = "operatore@comune-esempio.example.org"
	var notice localmail.Stored
	eventually(t, "the notice in the mailbox", func() (bool, string) {
		list, err := s.Portal.Mailbox.List(context.Background())
		if err != nil {
			return false, err.Error()
		}
		for _, m := range list {
			if m.To == to && strings.Contains(m.Subject, "password") {
				notice = m
				return true, ""
			}
		}
		return false, fmt.Sprintf("%d messages, none to %s", len(list), to)
	})
	r, page := get(t, base+localmail.Path+notice.Key)
	if r.StatusCode != 200 || !strings.Contains(string(page), "è stata cambiata") {
		t.Fatalf("the notice's page: got %d %s", r.StatusCode, page)
	}
	_, htmlPage := get(t, base+localmail.Path+notice.Key+"/html")
	for _, p := range []string{seed.DemoOperatorPassword, newPassword} {
		if strings.Contains(string(page), p) || strings.Contains(string(htmlPage), p) {
			t.Errorf("got the password %q in the notice, want it never there", p)
		}
	}
}
