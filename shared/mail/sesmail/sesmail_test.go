package sesmail_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/mail"
	"github.com/stanzaportal/stanza/shared/mail/mailtest"
	"github.com/stanzaportal/stanza/shared/mail/sesmail"
	"github.com/stanzaportal/stanza/shared/store/boltstore/bolttest"
)

const from = "Stanza <noreply@portale.example.org>"

// content is SES's Content shape.
type content struct {
	Data, Charset string
}

// request is the body of SESv2's SendEmail, as far as the adapter fills it.
type request struct {
	FromEmailAddress string
	Destination      struct{ ToAddresses []string }
	Content          struct {
		Simple struct {
			Subject content
			Body    struct{ Text, Html *content }
		}
	}
	EmailTags []struct{ Name, Value string }
}

// fakeSES answers SendEmail on a loopback server and records each request.
// When throttle is set it answers as SES does when the sending rate is
// exceeded.
type fakeSES struct {
	srv      *httptest.Server
	mu       sync.Mutex
	requests []request
	headers  []http.Header
	paths    []string
	throttle bool
}

func startFake(t *testing.T) *fakeSES {
	t.Helper()
	f := &fakeSES{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req request
		if err := json.Unmarshal(body, &req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		f.requests = append(f.requests, req)
		f.headers = append(f.headers, r.Header.Clone())
		f.paths = append(f.paths, r.Method+" "+r.URL.Path)
		throttle := f.throttle
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if throttle {
			w.Header().Set("X-Amzn-Errortype", "TooManyRequestsException")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = io.WriteString(w, `{"message":"Too many requests"}`)
			return
		}
		_, _ = io.WriteString(w, `{"MessageId":"0100018f-test"}`)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeSES) sender() *sesmail.Sender {
	cfg := aws.Config{
		Region:           "eu-south-1",
		Credentials:      credentials.NewStaticCredentialsProvider("test-id", "test-secret", ""),
		RetryMaxAttempts: 1,
	}
	return sesmail.New(sesmail.NewClient(cfg, f.srv.URL), from)
}

func (f *fakeSES) MakeSender(context.Context) (mail.Sender, error) { return f.sender(), nil }

func (f *fakeSES) Delivered(context.Context) ([]mail.Message, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []mail.Message
	for _, r := range f.requests {
		m := mail.Message{Subject: r.Content.Simple.Subject.Data}
		if len(r.Destination.ToAddresses) == 1 {
			m.To = r.Destination.ToAddresses[0]
		}
		if b := r.Content.Simple.Body; b.Text != nil {
			m.Text = b.Text.Data
		}
		if b := r.Content.Simple.Body; b.Html != nil {
			m.HTML = b.Html.Data
		}
		for _, tag := range r.EmailTags {
			if tag.Name == "tenant" {
				m.Tenant = tag.Value
			}
		}
		out = append(out, m)
	}
	return out, nil
}

func TestConformance(t *testing.T) {
	mailtest.RunConformanceTests(t, func(_ context.Context, t *testing.T) (mailtest.Harness, error) {
		return startFake(t), nil
	})
}

// TestRequest checks the request beyond what the suite compares: the
// operation, the signature, the sender and the charset of every part.
func TestRequest(t *testing.T) {
	f := startFake(t)
	m := mail.Message{ID: "request", Tenant: "esempio", To: "anna@example.org", Subject: "Perché", Text: "è", HTML: "<p>è</p>"}
	if err := f.sender().Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if len(f.requests) != 1 {
		t.Fatalf("got %d requests, want 1", len(f.requests))
	}
	r := f.requests[0]
	if got, want := f.paths[0], "POST /v2/email/outbound-emails"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if auth := f.headers[0].Get("Authorization"); !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 ") || !strings.Contains(auth, "/ses/aws4_request") {
		t.Errorf("got Authorization %q, want a SigV4 signature for ses", auth)
	}
	if r.FromEmailAddress != from {
		t.Errorf("got from %q, want %q", r.FromEmailAddress, from)
	}
	body := r.Content.Simple.Body
	if body.Text == nil || body.Html == nil {
		t.Fatalf("got body %+v, want both a text and an HTML part", body)
	}
	for name, c := range map[string]content{"subject": r.Content.Simple.Subject, "text": *body.Text, "html": *body.Html} {
		if c.Charset != "UTF-8" {
			t.Errorf("%s: got charset %q, want UTF-8", name, c.Charset)
		}
	}
}

func TestThrottled(t *testing.T) {
	f := startFake(t)
	f.throttle = true
	ml := mail.New(f.sender(), bolttest.DB(t))
	err := ml.Send(context.Background(), mail.Message{ID: "throttled", To: "anna@example.org", Subject: "Oggetto", Text: "Testo"})
	if !fault.Is(err, fault.TooManyRequests) {
		t.Errorf("got %v, want code %s", err, fault.TooManyRequests)
	}
}
