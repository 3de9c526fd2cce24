package localserver

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stanzaportal/stanza/shared/blob"
	"github.com/stanzaportal/stanza/shared/config"
)

func testConfig(t *testing.T, dir string) config.Config {
	t.Helper()
	cfg, err := config.FromEnv(func(k string) string {
		return map[string]string{"STANZA_ADDR": "127.0.0.1:0", "STANZA_DATA_DIR": dir}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func get(t *testing.T, url string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func TestServer(t *testing.T) {
	var logs bytes.Buffer
	dir := t.TempDir()
	s, err := Open(context.Background(), testConfig(t, dir), slog.New(slog.NewJSONHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + s.Addr()

	t.Run("Healthz", func(t *testing.T) {
		resp, body := get(t, base+"/healthz")
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"ok"`) {
			t.Errorf("got %d %s", resp.StatusCode, body)
		}
	})
	t.Run("SeededCatalogue", func(t *testing.T) {
		resp, body := get(t, base+"/api/v1/tenants/esempio/services")
		var list struct{ Items []struct{ Slug string } }
		if err := json.Unmarshal(body, &list); err != nil || resp.StatusCode != 200 {
			t.Fatalf("got %d %s (%v)", resp.StatusCode, body, err)
		}
		if len(list.Items) < 6 {
			t.Errorf("got %d services, want at least 6", len(list.Items))
		}
	})
	// The built apps are served by webApps (see TestWebApps); before the
	// first build only the policy can be checked here.
	t.Run("WebAppPolicy", func(t *testing.T) {
		resp, _ := get(t, base+"/")
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
			t.Errorf("CSP: %q", csp)
		}
	})
	t.Run("SignedUploadThroughTheServer", func(t *testing.T) {
		ctx := context.Background()
		data := []byte("%PDF-1.7 test")
		up, err := s.Portal.Uploads.SignedUpload(ctx, "esempio/test/file.pdf", blob.UploadOptions{ContentType: "application/pdf", Size: int64(len(data)), Expiry: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(up.URL, base+"/_files/uploads/") {
			t.Fatalf("upload URL %q is not served by this server", up.URL)
		}
		req, _ := http.NewRequest(up.Method, up.URL, bytes.NewReader(data))
		for k, v := range up.Headers {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			t.Fatalf("upload: %s", resp.Status)
		}
		down, err := s.Portal.Uploads.SignedDownload(ctx, "esempio/test/file.pdf", "domanda.pdf", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		resp, body := get(t, down.URL)
		if resp.StatusCode != 200 || !bytes.Equal(body, data) {
			t.Errorf("download: %d %q", resp.StatusCode, body)
		}
		tampered := strings.Replace(down.URL, "file.pdf", "other.pdf", 1)
		if resp, _ := get(t, tampered); resp.StatusCode != http.StatusForbidden {
			t.Errorf("tampered download: got %d, want 403", resp.StatusCode)
		}
	})
	t.Run("AccessLogCarriesRequestID", func(t *testing.T) {
		req, _ := http.NewRequest("GET", base+"/api/v1/tenants", nil)
		req.Header.Set("X-Request-Id", "trace-me-12345")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if !strings.Contains(logs.String(), `"request_id":"trace-me-12345"`) {
			t.Errorf("no log line with the request id in:\n%s", logs.String())
		}
	})

	if err := s.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("the server still answers after Close")
	}

	// A second start on the same data finds the demo Comune and its data.
	s2, err := Open(context.Background(), testConfig(t, dir), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	defer s2.Close()
	if resp, _ := get(t, "http://"+s2.Addr()+"/api/v1/tenants/esempio"); resp.StatusCode != 200 {
		t.Errorf("after restart: %d", resp.StatusCode)
	}
}

func TestRefusesProductionMode(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	cfg.Mode = config.Production
	if _, err := Open(context.Background(), cfg, slog.Default()); err == nil {
		t.Fatal("the local server started in production mode")
	}
}

func TestMainStopsOnCancel(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	var logs syncBuffer
	go func() {
		done <- Main(ctx, func(k string) string {
			return map[string]string{"STANZA_ADDR": "127.0.0.1:0", "STANZA_DATA_DIR": dir}[k]
		}, &logs)
	}()
	// Cancel once the server runs: a cancel during the first start's seed
	// is an aborted start, not a stop.
	for deadline := time.Now().Add(15 * time.Second); !strings.Contains(logs.String(), "stanza is running"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the server did not start: %s", logs.String())
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Main did not return after cancel")
	}
	if !strings.Contains(logs.String(), "stanza is running") || !strings.Contains(logs.String(), "shutting down") {
		t.Errorf("logs: %s", logs.String())
	}
}

func TestMainRejectsBadConfig(t *testing.T) {
	err := Main(context.Background(), func(k string) string {
		return map[string]string{"STANZA_ADDR": "nonsense"}[k]
	}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "STANZA_ADDR") {
		t.Fatalf("got %v, want a configuration error naming STANZA_ADDR", err)
	}
}

// syncBuffer is a bytes.Buffer that a server's logger and a test may use at
// once.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestWebApps serves built apps: files as they are, each app's page for
// its deep links, a 404 for a missing file; every answer under the strict
// content policy.
func TestWebApps(t *testing.T) {
	files := fstest.MapFS{
		"index.html":            {Data: []byte("<p>portale</p>")},
		"backoffice/index.html": {Data: []byte("<p>area operatori</p>")},
		"assets/app-1a2b.js":    {Data: []byte("console.log(1)")},
		"robots.txt":            {Data: []byte("User-agent: *")},
	}
	srv := httptest.NewServer(webApps(files))
	defer srv.Close()
	tests := []struct {
		name, path string
		wantStatus int
		wantBody   string
	}{
		{"RootPage", "/", 200, "portale"},
		{"BackofficeApp", "/backoffice/", 200, "area operatori"},
		{"DeepLinkLoadsTheApp", "/backoffice/pratiche/01J8ZK3Q", 200, "area operatori"},
		{"DeepLinkWithQueryLoadsTheApp", "/backoffice/pratiche?queue=tutte", 200, "area operatori"},
		{"Asset", "/assets/app-1a2b.js", 200, "console.log"},
		{"MissingAssetIsNotAPage", "/backoffice/missing.js", 404, ""},
		{"CitizenDeepLinkLoadsTheRootApp", "/pratiche/01J8ZK3Q", 200, "portale"},
		{"CitizenDeepLinkWithQueryLoadsTheRootApp", "/pratiche?gruppo=inviate", 200, "portale"},
		{"MissingAssetOutsideTheApps", "/assets/missing.js", 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := get(t, srv.URL+tt.path)
			if resp.StatusCode != tt.wantStatus || !strings.Contains(string(body), tt.wantBody) {
				t.Errorf("got %d %q, want %d with %q", resp.StatusCode, body, tt.wantStatus, tt.wantBody)
			}
			if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
				t.Errorf("got CSP %q, want the strict policy", csp)
			}
			if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("got X-Content-Type-Options %q, want nosniff", got)
			}
		})
	}
}
