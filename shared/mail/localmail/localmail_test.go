package localmail_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stanzaportal/stanza/shared/mail"
	"github.com/stanzaportal/stanza/shared/mail/localmail"
	"github.com/stanzaportal/stanza/shared/mail/mailtest"
	"github.com/stanzaportal/stanza/shared/store"
	"github.com/stanzaportal/stanza/shared/store/boltstore/bolttest"
)

type harness struct{ box *localmail.Mailbox }

func (h harness) MakeSender(context.Context) (mail.Sender, error) { return h.box, nil }

func (h harness) Delivered(ctx context.Context) ([]mail.Message, error) {
	list, err := h.box.List(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]mail.Message, len(list))
	for i, s := range list {
		out[len(list)-1-i] = s.Message // List is newest first
	}
	return out, nil
}

func TestConformance(t *testing.T) {
	mailtest.RunConformanceTests(t, func(_ context.Context, t *testing.T) (mailtest.Harness, error) {
		return harness{localmail.New(bolttest.DB(t))}, nil
	})
}

// TestMailboxKeys checks the access pattern of the mailbox: every message
// in partition "mailbox" of the global scope, in the order of arrival.
func TestMailboxKeys(t *testing.T) {
	ctx := context.Background()
	db := bolttest.DB(t)
	box := localmail.New(db)
	for _, subject := range []string{"primo", "secondo", "terzo"} {
		if err := box.Send(ctx, mail.Message{ID: subject, To: "a@example.org", Subject: subject, Text: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	page, err := db.Global().Query(ctx, store.Query{PK: "mailbox"}, "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range page.Items {
		m, err := box.Get(ctx, it.Key.SK)
		if err != nil {
			t.Fatalf("Get(%s): %v", it.Key.SK, err)
		}
		got = append(got, m.Subject)
	}
	if strings.Join(got, ",") != "primo,secondo,terzo" {
		t.Errorf("got %v in key order, want primo,secondo,terzo", got)
	}
}

func get(t *testing.T, h http.Handler, target string) (*http.Response, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
	body, _ := io.ReadAll(rec.Result().Body)
	return rec.Result(), string(body)
}

func TestPage(t *testing.T) {
	ctx := context.Background()
	box := localmail.New(bolttest.DB(t))
	h := box.Handler()

	_, empty := get(t, h, localmail.Path)
	if !strings.Contains(empty, "Nessun messaggio.") {
		t.Errorf("empty mailbox: got %s, want the empty notice", empty)
	}

	m := mail.Message{
		ID: "page", To: "mario@example.org", Subject: "Verifica <b>email</b>",
		Text: "Apri https://portale.example.org/v?token=a&b=1 per verificare.",
		HTML: `<p>Ciao</p><script>alert(1)</script>`,
	}
	if err := box.Send(ctx, m); err != nil {
		t.Fatal(err)
	}
	list, err := box.List(ctx)
	if err != nil || len(list) != 1 {
		t.Fatalf("List: got %v (%v), want one message", list, err)
	}
	key := list[0].Key

	tests := []struct {
		name       string
		target     string
		wantStatus int
		wantCSP    string // a part of Content-Security-Policy
		wantIn     []string
		wantOut    []string
	}{
		{"List", localmail.Path, 200, "default-src 'none'",
			[]string{localmail.Path + key, "mario@example.org", "Verifica &lt;b&gt;email&lt;/b&gt;"}, []string{"<b>email"}},
		{"Message", localmail.Path + key, 200, "frame-src 'self'",
			[]string{`<iframe sandbox src="` + localmail.Path + key + `/html"`, `<a href="https://portale.example.org/v?token=a&amp;b=1" rel="noreferrer">`},
			[]string{"<script>"}},
		{"HTMLSandboxed", localmail.Path + key + "/html", 200, "sandbox", []string{`<p>Ciao</p>`}, nil},
		{"ErrUnknownMessage", localmail.Path + "20200101T000000.000000000Z-00000000", 404, "", nil, nil},
		{"ErrMalformedKey", localmail.Path + "..%2fsecret", 404, "", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := get(t, h, tt.target)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("got status %d, want %d: %s", resp.StatusCode, tt.wantStatus, body)
			}
			if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, tt.wantCSP) {
				t.Errorf("got CSP %q, want it to contain %q", csp, tt.wantCSP)
			}
			for _, s := range tt.wantIn {
				if !strings.Contains(body, s) {
					t.Errorf("body lacks %q:\n%s", s, body)
				}
			}
			for _, s := range tt.wantOut {
				if strings.Contains(body, s) {
					t.Errorf("body has %q:\n%s", s, body)
				}
			}
		})
	}
}
