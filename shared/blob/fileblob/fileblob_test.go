package fileblob_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stanzaportal/stanza/shared/blob"
	"github.com/stanzaportal/stanza/shared/blob/blobtest"
	"github.com/stanzaportal/stanza/shared/blob/fileblob"
	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/httpapi"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

// harness serves a bucket in a temporary directory on a loopback server,
// mounted as the local server mounts it.
type harness struct {
	t   *testing.T
	srv *httptest.Server
	mux *http.ServeMux
}

func newHarness(_ context.Context, t *testing.T) (blobtest.Harness, error) {
	mux := http.NewServeMux()
	return &harness{t: t, srv: httptest.NewServer(mux), mux: mux}, nil
}

func (h *harness) MakeDriver(context.Context) (blob.Driver, error) {
	b, err := fileblob.Open(h.t.TempDir(), h.srv.URL+"/_blob", testKey)
	if err != nil {
		return nil, err
	}
	h.mux.Handle("/_blob/", b.Handler(httpapi.Error))
	return b, nil
}

func (h *harness) HTTPClient() *http.Client { return h.srv.Client() }

func (h *harness) VerifiesSignatures() bool { return true }

func (h *harness) SignatureParams() (string, string) { return "signature", "expires" }

func (h *harness) Close() { h.srv.Close() }

func TestConformance(t *testing.T) {
	blobtest.RunConformanceTests(t, newHarness)
}

// server is a bucket over dir served on a loopback server.
type server struct {
	dir    string
	bucket *blob.Bucket
	srv    *httptest.Server
}

func serve(t *testing.T) *server {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	b, err := fileblob.Open(dir, srv.URL+"/_blob/", testKey)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	mux.Handle("/_blob/", b.Handler(httpapi.Error))
	return &server{dir: dir, bucket: blob.NewBucket(b), srv: srv}
}

func (s *server) do(t *testing.T, method, rawURL string, headers map[string]string, body []byte) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, rawURL, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := s.srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, rawURL, err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// files lists the files under dir/sub, relative to dir.
func files(t *testing.T, dir, sub string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(filepath.Join(dir, sub), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, path)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestOpen(t *testing.T) {
	tests := []struct {
		name    string
		baseURL string
		key     []byte
		wantErr bool
	}{
		{name: "OK", baseURL: "http://127.0.0.1:8080/_blob", key: testKey},
		{name: "OKAtTheRoot", baseURL: "https://files.example.org", key: testKey},
		{name: "ErrShortKey", baseURL: "http://127.0.0.1:8080/_blob", key: testKey[:31], wantErr: true},
		{name: "ErrRelativeURL", baseURL: "/_blob", key: testKey, wantErr: true},
		{name: "ErrOtherScheme", baseURL: "ftp://127.0.0.1/_blob", key: testKey, wantErr: true},
		{name: "ErrQuery", baseURL: "http://127.0.0.1/_blob?x=1", key: testKey, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := fileblob.Open(t.TempDir(), tt.baseURL, tt.key)
			if (err != nil) != tt.wantErr {
				t.Errorf("Open: got error %v, want error %v", err, tt.wantErr)
			}
		})
	}
}

// TestLayoutKeepsKeysApart stores keys that a naive layout would mix up
// with each other, with the attribute files or with paths outside dir.
func TestLayoutKeepsKeysApart(t *testing.T) {
	s := serve(t)
	ctx := context.Background()
	keys := []string{"x", "x/@attrs", "x/@data", "X", "x/%40data", "a/..b/c", "a/%2e%2e/c", "a/~/c", "sp ace/ü"}
	for _, k := range keys {
		if _, err := s.bucket.Put(ctx, k, strings.NewReader(k), blob.PutOptions{ContentType: "text/plain"}); err != nil {
			t.Fatalf("Put(%q): %v", k, err)
		}
	}
	for _, k := range keys {
		r, _, err := s.bucket.Get(ctx, k, nil)
		if err != nil {
			t.Fatalf("Get(%q): %v", k, err)
		}
		got, _ := io.ReadAll(r)
		r.Close()
		if string(got) != k {
			t.Errorf("Get(%q): got %q, want %q", k, got, k)
		}
	}
	list, err := s.bucket.List(ctx, "", "", blob.MaxListLimit)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if len(list) != len(keys) {
		t.Errorf("List: got %d objects, want %d", len(list), len(keys))
	}
	for _, f := range files(t, s.dir, ".") {
		if !strings.HasPrefix(f, "objects/") {
			t.Errorf("file %q is outside dir/objects", f)
		}
		if base := f[strings.LastIndexByte(f, '/')+1:]; base != "@data" && base != "@attrs" {
			t.Errorf("file %q is neither @data nor @attrs", f)
		}
	}
}

func TestAttributesDisagreeingWithBytesAreAnError(t *testing.T) {
	s := serve(t)
	ctx := context.Background()
	if _, err := s.bucket.Put(ctx, "k", strings.NewReader("original"), blob.PutOptions{ContentType: "text/plain"}); err != nil {
		t.Fatal(err)
	}
	// As if a crash had struck between the renames of a new version.
	if err := os.WriteFile(filepath.Join(s.dir, "objects", "k", "@data"), []byte("replaced"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.bucket.Attributes(ctx, "k"); err == nil || fault.Is(err, fault.NotFound) {
		t.Errorf("Attributes: got %v, want an internal error", err)
	}
	if _, _, err := s.bucket.Get(ctx, "k", nil); err == nil || fault.Is(err, fault.NotFound) {
		t.Errorf("Get: got %v, want an internal error", err)
	}
}

// TestTamperedFieldsRefused alters each signed field of fileblob's URLs.
func TestTamperedFieldsRefused(t *testing.T) {
	s := serve(t)
	ctx := context.Background()
	if _, err := s.bucket.Put(ctx, "doc.pdf", strings.NewReader("%PDF"), blob.PutOptions{ContentType: "application/pdf"}); err != nil {
		t.Fatal(err)
	}
	up, err := s.bucket.SignedUpload(ctx, "up.txt", blob.UploadOptions{ContentType: "text/plain", Size: 5, Expiry: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	down, err := s.bucket.SignedDownload(ctx, "doc.pdf", "doc.pdf", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	set := func(rawURL, name, value string) string {
		u, _ := url.Parse(rawURL)
		q := u.Query()
		q.Set(name, value)
		u.RawQuery = q.Encode()
		return u.String()
	}
	tests := []struct {
		name          string
		method, url   string
		headers       map[string]string
		body          string
		wantMissingUp bool
	}{
		{name: "UploadType", method: "PUT", url: set(up.URL, "type", "text/html"), headers: map[string]string{"Content-Type": "text/html"}, body: "<b>x</b>", wantMissingUp: true},
		{name: "UploadSize", method: "PUT", url: set(up.URL, "size", "8"), headers: up.Headers, body: "12345678", wantMissingUp: true},
		{name: "DownloadFilename", method: "GET", url: set(down.URL, "filename", "evil.html")},
		{name: "DownloadAddsType", method: "GET", url: set(down.URL, "type", "text/html")},
		{name: "DownloadAsHEAD", method: "HEAD", url: down.URL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := s.do(t, tt.method, tt.url, tt.headers, []byte(tt.body))
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("got status %d, want 403", resp.StatusCode)
			}
			if _, err := s.bucket.Attributes(ctx, "up.txt"); !fault.Is(err, fault.NotFound) {
				t.Errorf("Attributes(up.txt): got %v, want NotFound", err)
			}
		})
	}
}

func TestRefusalIsAProblem(t *testing.T) {
	s := serve(t)
	ctx := context.Background()
	missing, err := s.bucket.SignedDownload(ctx, "missing.pdf", "", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		url        string
		wantStatus int
		wantType   string
	}{
		{name: "Unsigned", url: s.srv.URL + "/_blob/missing.pdf", wantStatus: http.StatusForbidden, wantType: "urn:stanza:problem:forbidden"},
		{name: "Missing", url: missing.URL, wantStatus: http.StatusNotFound, wantType: "urn:stanza:problem:not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := s.do(t, "GET", tt.url, nil, nil)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("got status %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if got := resp.Header.Get("Content-Type"); got != "application/problem+json" {
				t.Errorf("Content-Type: got %q, want application/problem+json", got)
			}
			var p struct {
				Type, Title, Detail, Instance string
				Status                        int
			}
			if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
				t.Fatalf("decoding the problem: %v", err)
			}
			if p.Status != tt.wantStatus || p.Type != tt.wantType || p.Title == "" || p.Detail == "" {
				t.Errorf("problem: got %+v, want status %d, type %s, a title and a detail", p, tt.wantStatus, tt.wantType)
			}
		})
	}
}

// TestBodyCutShortNotStored sends a body shorter than its own Content-Length,
// which no well-behaved client can, then closes the connection.
func TestBodyCutShortNotStored(t *testing.T) {
	s := serve(t)
	ctx := context.Background()
	req, err := s.bucket.SignedUpload(ctx, "short.bin", blob.UploadOptions{ContentType: "application/octet-stream", Size: 100_000, Expiry: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(req.URL)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "PUT %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/octet-stream\r\nContent-Length: 100000\r\n\r\n", u.RequestURI(), u.Host)
	conn.Write(bytes.Repeat([]byte("x"), 60_000))
	conn.(*net.TCPConn).CloseWrite()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("reading the response: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("got status %d, want 403", resp.StatusCode)
	}
	if _, err := s.bucket.Attributes(ctx, "short.bin"); !fault.Is(err, fault.NotFound) {
		t.Errorf("Attributes: got %v, want NotFound", err)
	}
	if got := files(t, s.dir, "tmp"); len(got) != 0 {
		t.Errorf("temporary files left: %q", got)
	}
}

func TestDownloadServesRanges(t *testing.T) {
	s := serve(t)
	ctx := context.Background()
	if _, err := s.bucket.Put(ctx, "r.txt", strings.NewReader("0123456789"), blob.PutOptions{ContentType: "text/plain"}); err != nil {
		t.Fatal(err)
	}
	req, err := s.bucket.SignedDownload(ctx, "r.txt", "", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	resp := s.do(t, "GET", req.URL, map[string]string{"Range": "bytes=2-4"}, nil)
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusPartialContent || string(got) != "234" {
		t.Errorf("got status %d and %q, want 206 and %q", resp.StatusCode, got, "234")
	}
	if got := resp.Header.Get("Content-Security-Policy"); got != "sandbox" {
		t.Errorf("Content-Security-Policy: got %q, want sandbox", got)
	}
}
