package localserver

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stanzaportal/stanza/shared/apikey"
	"github.com/stanzaportal/stanza/shared/seed"
	"github.com/stanzaportal/stanza/shared/webhook"
)

// messageList is what these tests read of a page of messages.
type messageList struct {
	Items []struct {
		ID, Author, By, Text string
	}
}

func decodeMessages(t *testing.T, body string) messageList {
	t.Helper()
	var l messageList
	if err := json.Unmarshal([]byte(body), &l); err != nil {
		t.Fatalf("not a list of messages: %v %s", err, body)
	}
	return l
}

// mailTo returns the subjects and texts of the local mailbox's emails to
// address, newest first.
func mailTo(t *testing.T, s *Server, address string) []string {
	t.Helper()
	list, err := s.Portal.Mailbox.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range list {
		if m.To == address {
			out = append(out, m.Subject+"\n"+m.Text+"\n"+m.HTML)
		}
	}
	return out
}

// TestMessagesJourney: the citizen submits; the operator writes; the
// citizen reads the message, shown as the Comune's, and is emailed; the
// operator takes the application in charge; the citizen answers (the phone
// sends twice, one message is written) and the operator is emailed; the
// operator and a partner read both messages, and a partner's webhook hears
// of each, signed, in order.
func TestMessagesJourney(t *testing.T) {
	s, base := openServer(t)
	ctx := context.Background()
	apps := base + "/api/v1/tenants/esempio/applications"
	office := base + "/api/v1/tenants/esempio/backoffice/applications"

	var (
		mu     sync.Mutex
		secret string
		events []webhook.Payload
	)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		ts, sig, _ := strings.Cut(strings.TrimPrefix(r.Header.Get(webhook.SignatureHeader), "t="), ",v1=")
		m := hmac.New(sha256.New, []byte(secret))
		m.Write([]byte(ts + "." + string(body)))
		if want := hex.EncodeToString(m.Sum(nil)); sig != want {
			t.Errorf("got signature %q, want %q", sig, want)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var ev webhook.Payload
		if err := json.Unmarshal(body, &ev); err != nil {
			t.Errorf("body %s: %v", body, err)
		}
		events = append(events, ev)
	}))
	defer receiver.Close()
	if _, sec, err := s.Portal.Webhooks.Subscribe(ctx, "esempio", receiver.URL, []webhook.EventType{webhook.MessageCreated}, "admin"); err != nil {
		t.Fatal(err)
	} else {
		mu.Lock()
		secret = sec
		mu.Unlock()
	}

	const citizenEmail = "giulia.bellandi@example.org"
	citizen := readyCitizen(t, base, "TSTIDP0000005", citizenEmail)
	id := submittedNursery(t, citizen, apps)
	operator := signInOperator(t, base)

	resp, body := operator.api("POST", office+"/"+id+"/messages", `{"text":"Buongiorno, manca il certificato vaccinale."}`)
	expect(t, "operator writes", resp, body, 201)
	resp, body = citizen.api("GET", apps+"/"+id+"/messages", "")
	expect(t, "citizen reads", resp, body, 200)
	if l := decodeMessages(t, body); len(l.Items) != 1 || l.Items[0].Author != "operator" || l.Items[0].Text != "Buongiorno, manca il certificato vaccinale." {
		t.Errorf("citizen's list: got %s, want the operator's message", body)
	}
	if strings.Contains(body, seed.DemoOperatorUsername) || strings.Contains(body, `"by"`) {
		t.Errorf("the citizen's list names the operator: %s", body)
	}
	eventually(t, "the citizen's email", func() (bool, string) {
		got := mailTo(t, s, citizenEmail)
		return len(got) > 0 && strings.Contains(got[0], "nuovo messaggio sulla pratica"), strings.Join(got, "\n---\n")
	})
	if mail := mailTo(t, s, citizenEmail)[0]; strings.Contains(mail, seed.DemoOperatorUsername) || strings.Contains(mail, "certificato vaccinale") || !strings.Contains(mail, "/pratiche/"+id) {
		t.Errorf("the citizen's email names the operator, shows the text or lacks the link:\n%s", mail)
	}

	eventually(t, "registration", func() (bool, string) {
		st, body := statusOf(t, operator, office+"/"+id)
		return st == 3000, body
	})
	resp, body = operator.api("POST", office+"/"+id+"/transitions", `{"event":"take-in-charge"}`)
	expect(t, "take in charge", resp, body, 200)

	for i, want := range []int{201, 200} {
		status, body, err := citizen.raw("POST", apps+"/"+id+"/messages", "application/json",
			`{"text":"Lo allego oggi stesso."}`, map[string]string{"Idempotency-Key": "risposta-1"})
		if err != nil || status != want {
			t.Fatalf("citizen answers (%d): got %d %v %s, want %d", i, status, err, body, want)
		}
	}
	operatorEmail := "operatore@comune-esempio.example.org"
	eventually(t, "the operator's email", func() (bool, string) {
		got := mailTo(t, s, operatorEmail)
		return len(got) > 0 && strings.Contains(got[0], "nuovo messaggio sulla pratica") && strings.Contains(got[0], "/backoffice/pratiche/"+id), strings.Join(got, "\n---\n")
	})

	resp, body = operator.api("GET", office+"/"+id+"/messages", "")
	expect(t, "operator reads", resp, body, 200)
	l := decodeMessages(t, body)
	if len(l.Items) != 2 || l.Items[0].By != seed.DemoOperatorUsername || l.Items[1].Author != "citizen" || l.Items[1].Text != "Lo allego oggi stesso." {
		t.Errorf("operator's list: got %s, want both messages, oldest first, the operator's with their name", body)
	}

	_, key, err := s.Portal.APIKeys.Issue(ctx, "esempio", "Gestionale", []string{apikey.ScopeApplicationsRead}, "admin")
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", base+"/api/v1/tenants/esempio/partner/applications/"+id+"/messages", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if p := decodeMessages(t, string(raw)); res.StatusCode != 200 || len(p.Items) != 2 || p.Items[0].ID != l.Items[0].ID || p.Items[1].ID != l.Items[1].ID {
		t.Errorf("partner's list: got %d %s, want the same two messages", res.StatusCode, raw)
	}

	eventually(t, "the webhook's events", func() (bool, string) {
		mu.Lock()
		defer mu.Unlock()
		return len(events) >= 2, fmt.Sprint(events)
	})
	mu.Lock()
	defer mu.Unlock()
	if len(events) != 2 || events[0].Message != l.Items[0].ID || events[0].Author.String() != "operator" ||
		events[1].Message != l.Items[1].ID || events[1].Author.String() != "citizen" || events[1].Application != id || events[1].Type != webhook.MessageCreated {
		t.Errorf("webhook: got %+v, want the operator's message, then the citizen's", events)
	}
}
