package allegato

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stanzaportal/stanza/shared/blob"
	"github.com/stanzaportal/stanza/shared/blob/fileblob"
	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/pratica"
	"github.com/stanzaportal/stanza/shared/store"
	"github.com/stanzaportal/stanza/shared/store/boltstore"
	"github.com/stanzaportal/stanza/shared/store/boltstore/bolttest"
)

const (
	tenant  = "esempio"
	service = "iscrizione-nido"
	rossi   = "RSSMRA80A01H501U"
	bianchi = "BNCLRA85M41F205X"
)

var (
	pdf = []byte("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n")
	png = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00")
	jpg = []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9")
	// p7m is the start of a DER signedData with a two-byte length.
	p7m = append([]byte{0x30, 0x82, 0x01, 0x00, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02, 0xa0, 0x82, 0x00, 0xf1}, bytes.Repeat([]byte{0x04}, 40)...)

	policy = Policy{AllowedTypes: []string{"application/pdf", "image/png", "image/jpeg", "application/pkcs7-mime"}, MaxSize: 1 << 20, MaxFiles: 3}
)

// env is an attachment store over the embedded store and a fileblob bucket
// served on a loopback server, so that signed requests are real requests.
type env struct {
	s      *Store
	apps   *pratica.Store
	db     *store.DB
	driver *boltstore.Store // sweeps expired records
	bucket *blob.Bucket
	client *http.Client
}

// failWriter answers a refused signed request with a status by code.
func failWriter(w http.ResponseWriter, _ *http.Request, err error) {
	status := http.StatusInternalServerError
	switch fault.CodeOf(err) {
	case fault.Forbidden:
		status = http.StatusForbidden
	case fault.NotFound:
		status = http.StatusNotFound
	}
	http.Error(w, err.Error(), status)
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvWith(t, func(d blob.Driver) blob.Driver { return d })
}

// newEnvWith lets a test wrap the blob driver.
func newEnvWith(t *testing.T, wrap func(blob.Driver) blob.Driver) *env {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	fb, err := fileblob.Open(t.TempDir(), srv.URL+"/_blob", bytes.Repeat([]byte("b"), 32))
	if err != nil {
		t.Fatalf("fileblob.Open: %v", err)
	}
	mux.Handle("/_blob/", fb.Handler(failWriter))
	db, driver := bolttest.WithDriver(t)
	apps := pratica.NewStore(db)
	bucket := blob.NewBucket(wrap(fb))
	s := NewStore(db, bucket, apps)
	s.now = (&clock{t: time.Now()}).now
	return &env{s: s, apps: apps, db: db, driver: driver, bucket: bucket, client: srv.Client()}
}

// clock moves a millisecond at every reading, so that every attachment has
// its own time; it starts now, since the store expires items by real time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond)
	return c.t
}

// draft starts a new draft of citizen cf.
func (e *env) draft(t *testing.T, cf string) pratica.Application {
	t.Helper()
	a, _, err := e.apps.Start(context.Background(), tenant, citizen(cf), service, true)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	return a
}

// send sends a signed request with body and returns the response's status.
func (e *env) send(t *testing.T, req blob.SignedRequest, body []byte) (int, []byte, http.Header) {
	t.Helper()
	r, err := http.NewRequest(req.Method, req.URL, bytes.NewReader(body))
	if err != nil {
		t.Fatalf("NewRequest: %v", err)
	}
	for k, v := range req.Headers {
		r.Header.Set(k, v)
	}
	if body != nil {
		r.ContentLength = int64(len(body))
	}
	resp, err := e.client.Do(r)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the response: %v", err)
	}
	return resp.StatusCode, got, resp.Header
}

// prepare prepares and uploads body as a file of mediaType for app.
func (e *env) prepare(t *testing.T, cf, app, name, mediaType string, body []byte) Attachment {
	t.Helper()
	a, req, err := e.s.Prepare(context.Background(), tenant, cf, app, Declared{FileName: name, MediaType: mediaType, Size: int64(len(body))}, policy)
	if err != nil {
		t.Fatalf("Prepare: %v", err)
	}
	if status, msg, _ := e.send(t, req, body); status/100 != 2 {
		t.Fatalf("upload: got status %d (%s), want 2xx", status, msg)
	}
	return a
}

// attach prepares, uploads and confirms body for app.
func (e *env) attach(t *testing.T, cf, app, name, mediaType string, body []byte) Attachment {
	t.Helper()
	a := e.prepare(t, cf, app, name, mediaType, body)
	confirmed, _, err := e.s.Confirm(context.Background(), tenant, cf, app, a.ID)
	if err != nil {
		t.Fatalf("Confirm: %v", err)
	}
	return confirmed
}

// objects counts the attachments' objects in the bucket.
func (e *env) objects(t *testing.T) int {
	t.Helper()
	list, err := e.bucket.List(context.Background(), "t/"+tenant+"/attachments/", "", blob.MaxListLimit)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	return len(list)
}

func wantCode(t *testing.T, err error, want fault.Code) {
	t.Helper()
	if got := fault.CodeOf(err); got != want {
		t.Fatalf("got error %v (code %q), want code %q", err, got, want)
	}
}

func names(as []Attachment) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.Name
	}
	return out
}

func fileName(i int) string { return "documento-" + strconv.Itoa(i) + ".pdf" }
