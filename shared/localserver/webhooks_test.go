package localserver

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stanzaportal/stanza/shared/apikey"
	"github.com/stanzaportal/stanza/shared/pratica"
	"github.com/stanzaportal/stanza/shared/seed"
	"github.com/stanzaportal/stanza/shared/webhook"
)

// TestSlowWebhookReceiverSlowsNoRequest: a receiver that takes seconds to
// answer gets every event of an application, signed and in order, from
// the local server's delivery loop, while the partner's requests that
// cause those events answer at once.
func TestSlowWebhookReceiverSlowsNoRequest(t *testing.T) {
	const slow = 2 * time.Second
	s, err := Open(context.Background(), testConfig(t, t.TempDir()), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()

	var (
		mu     sync.Mutex
		secret string
		got    []webhook.Payload
	)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		time.Sleep(slow)
		mu.Lock()
		defer mu.Unlock()
		ts, sig, _ := strings.Cut(strings.TrimPrefix(r.Header.Get("Stanza-Signature"), "t="), ",v1=")
		m := hmac.New(sha256.New, []byte(secret))
		m.Write([]byte(ts + "." + string(body)))
		if want := hex.EncodeToString(m.Sum(nil)); sig != want {
			t.Errorf("got signature %q, want %q", sig, want)
		}
		var ev webhook.Payload
		if err := json.Unmarshal(body, &ev); err != nil {
			t.Errorf("body %s: %v", body, err)
		}
		got = append(got, ev)
	}))
	defer receiver.Close()
	sub, sec, err := s.Portal.Webhooks.Subscribe(ctx, "esempio", receiver.URL, webhook.EventTypes, "admin")
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	secret = sec
	mu.Unlock()

	// A submitted application.
	citizen := pratica.Actor{Role: pratica.Citizen, Subject: "BLLGLI93B67A944K"}
	d, _, err := s.Portal.Applications.Start(ctx, "esempio", citizen, "iscrizione-asilo-nido", true)
	if err != nil {
		t.Fatal(err)
	}
	app, err := s.Portal.Applications.Submit(ctx, "esempio", citizen, d.ID, "invio-1", json.RawMessage(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	// Let the receiver be busy with the submission's event.
	time.Sleep(1500 * time.Millisecond)

	// The partner assigns the application while the receiver is busy: the
	// request does not wait for it.
	_, key, err := s.Portal.APIKeys.Issue(ctx, "esempio", "Gestionale", []string{apikey.ScopeApplicationsWrite}, "admin")
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", "http://"+s.Addr()+"/api/v1/tenants/esempio/partner/applications/"+app.ID+"/transitions",
		strings.NewReader(`{"transition":"assign","user":"`+seed.DemoOperatorUsername+`"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if took := time.Since(start); resp.StatusCode != 200 || took > slow/2 {
		t.Errorf("assign: got %d in %v, want 200 well within %v", resp.StatusCode, took, slow/2)
	}

	// Every status the application went through, in order: from draft to
	// submitted to in charge, registered in between when the worker's
	// registration came first.
	done := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) > 0 && got[len(got)-1].To == pratica.InCharge
	}
	for deadline := time.Now().Add(30 * time.Second); !done() && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
	}
	mu.Lock()
	defer mu.Unlock()
	from := pratica.Draft
	for i, ev := range got {
		if ev.Application != app.ID || ev.From != from || ev.Type != webhook.StatusChanged || ev.Tenant != "esempio" {
			t.Errorf("event %d: got %+v, want %s moving from %d", i, ev, app.ID, from)
		}
		from = ev.To
	}
	if from != pratica.InCharge {
		t.Errorf("the last event moved to %d, want %d", from, pratica.InCharge)
	}
	page, err := s.Portal.Webhooks.Deliveries(ctx, "esempio", sub.ID, "", 0)
	if err != nil || len(page.Items) != len(got) {
		t.Fatalf("delivery log: got %+v, %v", page, err)
	}
	for _, d := range page.Items {
		if d.Status != webhook.Delivered || len(d.Attempts) != 1 || d.Attempts[0].StatusCode != 200 {
			t.Errorf("delivery %s: got %s after %+v, want delivered at the first attempt", d.Event.ID, d.Status, d.Attempts)
		}
	}
}
