// Package blobtest is the conformance suite of the blob port. Every blob
// driver runs it from its own tests with a Harness that builds the driver over
// an empty bucket, so that all drivers keep the contracts written on
// blob.Driver and behave alike for the code above them.
//
// # Capabilities
//
// A harness declares what its backend cannot do, and the suite skips those
// checks saying why. A backend that does not verify signed URLs (gofakes3, an
// in-memory S3 double, accepts any signature) skips the checks that tampered,
// expired or misused URLs are refused; a driver that signs its own URLs must
// pass them.
package blobtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stanzaportal/stanza/shared/blob"
	"github.com/stanzaportal/stanza/shared/fault"
)

// Harness builds drivers for the suite and describes their backend.
type Harness interface {
	// MakeDriver returns a driver over an empty bucket.
	MakeDriver(ctx context.Context) (blob.Driver, error)
	// HTTPClient sends the requests of signed URLs, as a browser would.
	HTTPClient() *http.Client
	// VerifiesSignatures reports whether the backend refuses signed URLs that
	// were altered, have expired or are used for another request.
	VerifiesSignatures() bool
	// SignatureParams names the query parameters of a signed URL that hold
	// the signature and the expiry (an integer), which the suite alters.
	SignatureParams() (signature, expiry string)
	// Close releases the harness's resources.
	Close()
}

// HarnessMaker returns a new harness for one test.
type HarnessMaker func(ctx context.Context, t *testing.T) (Harness, error)

// RunConformanceTests runs the whole suite against the drivers newHarness
// makes.
func RunConformanceTests(t *testing.T, newHarness HarnessMaker) {
	t.Run("Put", func(t *testing.T) { testPut(t, newHarness) })
	t.Run("Get", func(t *testing.T) { testGet(t, newHarness) })
	t.Run("Missing", func(t *testing.T) { testMissing(t, newHarness) })
	t.Run("Overwrite", func(t *testing.T) { testOverwrite(t, newHarness) })
	t.Run("Delete", func(t *testing.T) { testDelete(t, newHarness) })
	t.Run("NestedKeys", func(t *testing.T) { testNestedKeys(t, newHarness) })
	t.Run("List", func(t *testing.T) { testList(t, newHarness) })
	t.Run("StorageClass", func(t *testing.T) { testStorageClass(t, newHarness) })
	t.Run("SignedUpload", func(t *testing.T) { testSignedUpload(t, newHarness) })
	t.Run("SignedDownload", func(t *testing.T) { testSignedDownload(t, newHarness) })
	t.Run("RefusedUpload", func(t *testing.T) { testRefusedUpload(t, newHarness) })
	t.Run("RefusedDownload", func(t *testing.T) { testRefusedDownload(t, newHarness) })
	t.Run("Expired", func(t *testing.T) { testExpired(t, newHarness) })
}

// clockSlack absorbs the second-precision times of S3 (Last-Modified,
// X-Amz-Date) when the suite compares them with its own clock.
const clockSlack = 2 * time.Second

func open(t *testing.T, newHarness HarnessMaker) (*blob.Bucket, Harness) {
	t.Helper()
	ctx := context.Background()
	h, err := newHarness(ctx, t)
	if err != nil {
		t.Fatalf("making the harness: %v", err)
	}
	t.Cleanup(h.Close)
	d, err := h.MakeDriver(ctx)
	if err != nil {
		t.Fatalf("making the driver: %v", err)
	}
	return blob.NewBucket(d), h
}

// randomBytes returns n reproducible bytes that compress poorly.
func randomBytes(n int, seed uint64) []byte {
	var s [32]byte
	s[0] = byte(seed)
	buf := make([]byte, n)
	_, _ = rand.NewChaCha8(s).Read(buf)
	return buf
}

func hexSHA256(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func put(t *testing.T, b *blob.Bucket, key string, data []byte, opts blob.PutOptions) blob.Attributes {
	t.Helper()
	a, err := b.Put(context.Background(), key, bytes.NewReader(data), opts)
	if err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
	return a
}

func get(t *testing.T, b *blob.Bucket, key string, rng *blob.Range) ([]byte, blob.Attributes) {
	t.Helper()
	r, a, err := b.Get(context.Background(), key, rng)
	if err != nil {
		t.Fatalf("Get(%q, %v): %v", key, rng, err)
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("reading %q: %v", key, err)
	}
	return data, a
}

func attributes(t *testing.T, b *blob.Bucket, key string) blob.Attributes {
	t.Helper()
	a, err := b.Attributes(context.Background(), key)
	if err != nil {
		t.Fatalf("Attributes(%q): %v", key, err)
	}
	return a
}

// wantMissing fails the test unless the object at key is missing.
func wantMissing(t *testing.T, b *blob.Bucket, key string) {
	t.Helper()
	_, err := b.Attributes(context.Background(), key)
	if got := fault.CodeOf(err); got != fault.NotFound {
		t.Errorf("Attributes(%q): got code %q (%v), want %q", key, got, err, fault.NotFound)
	}
}

// diffAttributes describes how got differs from want, or returns "". Both
// Modified times must be equal.
func diffAttributes(got, want blob.Attributes) string {
	var d []string
	if got.Key != want.Key {
		d = append(d, fmt.Sprintf("Key: got %q, want %q", got.Key, want.Key))
	}
	if got.ContentType != want.ContentType {
		d = append(d, fmt.Sprintf("ContentType: got %q, want %q", got.ContentType, want.ContentType))
	}
	if got.Size != want.Size {
		d = append(d, fmt.Sprintf("Size: got %d, want %d", got.Size, want.Size))
	}
	if got.SHA256 != want.SHA256 {
		d = append(d, fmt.Sprintf("SHA256: got %q, want %q", got.SHA256, want.SHA256))
	}
	if got.StorageClass != want.StorageClass {
		d = append(d, fmt.Sprintf("StorageClass: got %q, want %q", got.StorageClass, want.StorageClass))
	}
	if !got.Modified.Equal(want.Modified) {
		d = append(d, fmt.Sprintf("Modified: got %v, want %v", got.Modified, want.Modified))
	}
	return strings.Join(d, "; ")
}

// checkModified fails the test unless the time at was taken between start and
// end, give or take clockSlack.
func checkModified(t *testing.T, what string, at, start, end time.Time) {
	t.Helper()
	if at.Before(start.Add(-clockSlack)) || at.After(end.Add(clockSlack)) {
		t.Errorf("%s: Modified is %v, want between %v and %v", what, at, start, end)
	}
}

// pipe returns a reader of data that is neither a Seeker nor a WriterTo and
// yields it in chunks of varying size, as a network body would. Closing it
// ends the writing goroutine.
func pipe(data []byte) *io.PipeReader {
	pr, pw := io.Pipe()
	go func() {
		rnd := rand.New(rand.NewPCG(1, 2))
		for rest := data; len(rest) > 0; {
			n := min(len(rest), 1+rnd.IntN(64<<10))
			if _, err := pw.Write(rest[:n]); err != nil {
				return
			}
			rest = rest[n:]
		}
		pw.Close()
	}()
	return pr
}

func testPut(t *testing.T, newHarness HarnessMaker) {
	t.Run("StreamedReturnsAttributes", func(t *testing.T) {
		b, _ := open(t, newHarness)
		data := randomBytes(5<<20+123, 1)
		r := pipe(data)
		defer r.Close()
		start := time.Now()
		got, err := b.Put(context.Background(), "put/streamed.bin", r, blob.PutOptions{ContentType: "application/octet-stream"})
		end := time.Now()
		if err != nil {
			t.Fatalf("Put: %v", err)
		}
		want := blob.Attributes{
			Key:          "put/streamed.bin",
			ContentType:  "application/octet-stream",
			Size:         int64(len(data)),
			SHA256:       hexSHA256(data),
			StorageClass: blob.Standard,
			Modified:     got.Modified,
		}
		if d := diffAttributes(got, want); d != "" {
			t.Errorf("Put: %s", d)
		}
		checkModified(t, "Put", got.Modified, start, end)

		stored := attributes(t, b, "put/streamed.bin")
		want.Modified = stored.Modified
		if d := diffAttributes(stored, want); d != "" {
			t.Errorf("Attributes: %s", d)
		}
		checkModified(t, "Attributes", stored.Modified, start, end)

		back, _ := get(t, b, "put/streamed.bin", nil)
		if !bytes.Equal(back, data) {
			t.Errorf("Get: got %d bytes (sha256 %s), want %d bytes (sha256 %s)", len(back), hexSHA256(back), len(data), want.SHA256)
		}
	})
	t.Run("Empty", func(t *testing.T) {
		b, _ := open(t, newHarness)
		got := put(t, b, "put/empty.txt", nil, blob.PutOptions{ContentType: "text/plain"})
		if got.Size != 0 || got.SHA256 != hexSHA256(nil) {
			t.Errorf("Put: got size %d and sha256 %q, want 0 and %q", got.Size, got.SHA256, hexSHA256(nil))
		}
		back, _ := get(t, b, "put/empty.txt", nil)
		if len(back) != 0 {
			t.Errorf("Get: got %d bytes, want 0", len(back))
		}
	})
}

func testGet(t *testing.T, newHarness HarnessMaker) {
	b, _ := open(t, newHarness)
	data := randomBytes(1000, 2)
	const key = "get/data.bin"
	put(t, b, key, data, blob.PutOptions{ContentType: "application/pdf", StorageClass: blob.InfrequentAccess})
	stored := attributes(t, b, key)

	tests := []struct {
		name    string
		rng     *blob.Range
		want    []byte
		wantErr fault.Code
	}{
		{name: "Whole", rng: nil, want: data},
		{name: "FromStart", rng: &blob.Range{Offset: 0, Length: 10}, want: data[:10]},
		{name: "Middle", rng: &blob.Range{Offset: 100, Length: 250}, want: data[100:350]},
		{name: "ToEnd", rng: &blob.Range{Offset: 900, Length: -1}, want: data[900:]},
		{name: "LastByte", rng: &blob.Range{Offset: 999, Length: 1}, want: data[999:]},
		{name: "PastEndIsCut", rng: &blob.Range{Offset: 990, Length: 100}, want: data[990:]},
		{name: "ErrOffsetAtEnd", rng: &blob.Range{Offset: 1000, Length: 1}, wantErr: fault.Invalid},
		{name: "ErrOffsetPastEnd", rng: &blob.Range{Offset: 5000, Length: -1}, wantErr: fault.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, a, err := b.Get(context.Background(), key, tt.rng)
			if tt.wantErr != "" {
				if r != nil {
					r.Close()
				}
				if got := fault.CodeOf(err); got != tt.wantErr {
					t.Fatalf("Get: got code %q (%v), want %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			got, err := io.ReadAll(r)
			r.Close()
			if err != nil {
				t.Fatalf("reading: %v", err)
			}
			if !bytes.Equal(got, tt.want) {
				t.Errorf("Get: got %d bytes, want %d bytes (%d equal)", len(got), len(tt.want), commonPrefix(got, tt.want))
			}
			// A range reports the attributes of the whole object.
			if d := diffAttributes(a, stored); d != "" {
				t.Errorf("Get attributes: %s", d)
			}
		})
	}
}

func commonPrefix(a, b []byte) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

func testMissing(t *testing.T, newHarness HarnessMaker) {
	b, _ := open(t, newHarness)
	put(t, b, "missing/other", []byte("x"), blob.PutOptions{ContentType: "text/plain"})
	ctx := context.Background()
	tests := []struct {
		name string
		call func() error
	}{
		{"Get", func() error {
			r, _, err := b.Get(ctx, "missing/key", nil)
			if r != nil {
				r.Close()
			}
			return err
		}},
		{"GetRange", func() error {
			r, _, err := b.Get(ctx, "missing/key", &blob.Range{Offset: 0, Length: 1})
			if r != nil {
				r.Close()
			}
			return err
		}},
		{"Attributes", func() error {
			_, err := b.Attributes(ctx, "missing/key")
			return err
		}},
		{"AttributesOfAPrefix", func() error {
			_, err := b.Attributes(ctx, "missing")
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name+"NotFound", func(t *testing.T) {
			err := tt.call()
			if got := fault.CodeOf(err); got != fault.NotFound {
				t.Errorf("got code %q (%v), want %q", got, err, fault.NotFound)
			}
		})
	}
}

func testOverwrite(t *testing.T, newHarness HarnessMaker) {
	b, _ := open(t, newHarness)
	const key = "overwrite/file"
	put(t, b, key, []byte("first version, the longer one"), blob.PutOptions{ContentType: "text/plain"})
	second := []byte(`{"v":2}`)
	want := put(t, b, key, second, blob.PutOptions{ContentType: "application/json", StorageClass: blob.InfrequentAccess})
	got, a := get(t, b, key, nil)
	if !bytes.Equal(got, second) {
		t.Errorf("Get: got %q, want %q", got, second)
	}
	want.Modified = a.Modified
	if d := diffAttributes(a, want); d != "" {
		t.Errorf("Get attributes: %s", d)
	}
	if want.ContentType != "application/json" || want.Size != int64(len(second)) || want.SHA256 != hexSHA256(second) {
		t.Errorf("Put: got %+v, want the second version's attributes", want)
	}
}

func testDelete(t *testing.T, newHarness HarnessMaker) {
	t.Run("RemovesTheObject", func(t *testing.T) {
		b, _ := open(t, newHarness)
		put(t, b, "delete/a", []byte("a"), blob.PutOptions{ContentType: "text/plain"})
		put(t, b, "delete/b", []byte("b"), blob.PutOptions{ContentType: "text/plain"})
		if err := b.Delete(context.Background(), "delete/a"); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		wantMissing(t, b, "delete/a")
		if got, _ := get(t, b, "delete/b", nil); string(got) != "b" {
			t.Errorf("Get of the other object: got %q, want %q", got, "b")
		}
		list, err := b.List(context.Background(), "delete/", "", 10)
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		if got := keys(list); !slices.Equal(got, []string{"delete/b"}) {
			t.Errorf("List: got %q, want [delete/b]", got)
		}
	})
	t.Run("MissingSucceeds", func(t *testing.T) {
		b, _ := open(t, newHarness)
		for range 2 {
			if err := b.Delete(context.Background(), "delete/never-there"); err != nil {
				t.Errorf("Delete: got %v, want nil", err)
			}
		}
	})
}

// testNestedKeys checks that an object can live at a key that is also the
// prefix of other keys, as S3 allows, whatever the backend's layout.
func testNestedKeys(t *testing.T, newHarness HarnessMaker) {
	b, _ := open(t, newHarness)
	keys := []string{"nest", "nest/a", "nest/a/b", "Nest", "nest.txt"}
	for _, k := range keys {
		put(t, b, k, []byte(k), blob.PutOptions{ContentType: "text/plain"})
	}
	for _, k := range keys {
		if got, _ := get(t, b, k, nil); string(got) != k {
			t.Errorf("Get(%q): got %q, want %q", k, got, k)
		}
	}
	if err := b.Delete(context.Background(), "nest/a"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	wantMissing(t, b, "nest/a")
	for _, k := range []string{"nest", "nest/a/b", "Nest"} {
		if got, _ := get(t, b, k, nil); string(got) != k {
			t.Errorf("after deleting nest/a, Get(%q): got %q, want %q", k, got, k)
		}
	}
}

func keys(list []blob.Attributes) []string {
	out := make([]string, len(list))
	for i, a := range list {
		out[i] = a.Key
	}
	return out
}

func testList(t *testing.T, newHarness HarnessMaker) {
	b, _ := open(t, newHarness)
	// Byte order puts "-" before "/", upper case before lower case and
	// multi-byte UTF-8 last; a driver walking a directory tree must still
	// return key order.
	all := []string{
		"list/a", "list/a/x", "list/B", "list/b-x", "list/b/1", "list/b/2",
		"list/b/3", "list/c", "list/è", "list-other", "other/x",
	}
	start := time.Now()
	for _, k := range all {
		put(t, b, k, []byte(k), blob.PutOptions{ContentType: "text/plain"})
	}
	end := time.Now()
	slices.Sort(all)

	tests := []struct {
		name          string
		prefix, after string
	}{
		{name: "UnderPrefix", prefix: "list/"},
		{name: "PrefixNotEndingInSlash", prefix: "list/b"},
		{name: "PrefixThatIsAKey", prefix: "list/a"},
		{name: "AfterAKey", prefix: "list/", after: "list/b/1"},
		{name: "AfterAMissingKey", prefix: "list/", after: "list/b"},
		{name: "AfterBeforeThePrefix", prefix: "list/", after: "a"},
		{name: "AfterTheLastKey", prefix: "list/", after: "list/è"},
		{name: "EmptyPrefix", prefix: ""},
		{name: "NoMatch", prefix: "nope/"},
		{name: "PrefixOfSegments", prefix: "lis"},
	}
	for _, tt := range tests {
		var want []string
		for _, k := range all {
			if strings.HasPrefix(k, tt.prefix) && k > tt.after {
				want = append(want, k)
			}
		}
		for _, limit := range []int{1, 2, 3, blob.MaxListLimit} {
			t.Run(fmt.Sprintf("%s/Limit%d", tt.name, limit), func(t *testing.T) {
				var got []string
				after := tt.after
				// A page shorter than limit is the last; the bound only
				// stops a driver that never returns one.
				for range len(all) + 2 {
					page, err := b.List(context.Background(), tt.prefix, after, limit)
					if err != nil {
						t.Fatalf("List(%q, %q, %d): %v", tt.prefix, after, limit, err)
					}
					if len(page) > limit {
						t.Fatalf("List(%q, %q, %d): got %d objects, want at most %d", tt.prefix, after, limit, len(page), limit)
					}
					for _, a := range page {
						if a.Size != int64(len(a.Key)) {
							t.Errorf("List: %q has size %d, want %d", a.Key, a.Size, len(a.Key))
						}
						checkModified(t, "List "+a.Key, a.Modified, start, end)
					}
					got = append(got, keys(page)...)
					if len(page) < limit {
						break
					}
					after = page[len(page)-1].Key
				}
				if !slices.Equal(got, want) {
					t.Errorf("List pages: got %q, want %q", got, want)
				}
			})
		}
	}
}

func testStorageClass(t *testing.T, newHarness HarnessMaker) {
	b, _ := open(t, newHarness)
	tests := []struct {
		name, class, want string
	}{
		{name: "DefaultIsStandard", class: "", want: blob.Standard},
		{name: "Standard", class: blob.Standard, want: blob.Standard},
		{name: "InfrequentAccess", class: blob.InfrequentAccess, want: blob.InfrequentAccess},
		{name: "GlacierInstant", class: blob.GlacierInstant, want: blob.GlacierInstant},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := "class/" + tt.name
			a := put(t, b, key, []byte("archived"), blob.PutOptions{ContentType: "text/plain", StorageClass: tt.class})
			if a.StorageClass != tt.want {
				t.Errorf("Put: got class %q, want %q", a.StorageClass, tt.want)
			}
			if got := attributes(t, b, key).StorageClass; got != tt.want {
				t.Errorf("Attributes: got class %q, want %q", got, tt.want)
			}
			if _, a := get(t, b, key, nil); a.StorageClass != tt.want {
				t.Errorf("Get: got class %q, want %q", a.StorageClass, tt.want)
			}
		})
	}
}

// response is what a signed request got back.
type response struct {
	status int
	header http.Header
	body   []byte
}

// send sends a signed request with body (nil for none) through the harness's
// client, with the headers it names, and reads the whole response.
func send(t *testing.T, h Harness, method, rawURL string, headers map[string]string, body []byte) response {
	t.Helper()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, rawURL, r)
	if err != nil {
		t.Fatalf("building %s %s: %v", method, rawURL, err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := h.HTTPClient().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, rawURL, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the response of %s %s: %v", method, rawURL, err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: data}
}

func sendSigned(t *testing.T, h Harness, req blob.SignedRequest, body []byte) response {
	t.Helper()
	return send(t, h, req.Method, req.URL, req.Headers, body)
}

// checkExpires fails the test unless a request signed at start for expiry
// reports when it expires.
func checkExpires(t *testing.T, req blob.SignedRequest, start time.Time, expiry time.Duration) {
	t.Helper()
	want := start.Add(expiry)
	if req.Expires.Before(want.Add(-clockSlack)) || req.Expires.After(want.Add(clockSlack)) {
		t.Errorf("Expires: got %v, want about %v", req.Expires, want)
	}
}

func testSignedUpload(t *testing.T, newHarness HarnessMaker) {
	b, h := open(t, newHarness)
	// A space and non-ASCII letters must reach the server escaped and
	// come back as the same key.
	const key = "signed/caricamento è.pdf"
	data := randomBytes(300_000, 3)
	start := time.Now()
	req, err := b.SignedUpload(context.Background(), key, blob.UploadOptions{
		ContentType: "application/pdf", Size: int64(len(data)), Expiry: 10 * time.Minute,
	})
	if err != nil {
		t.Fatalf("SignedUpload: %v", err)
	}
	if req.Method != http.MethodPut {
		t.Errorf("Method: got %q, want PUT", req.Method)
	}
	checkExpires(t, req, start, 10*time.Minute)
	if got := req.Headers["Content-Type"]; got != "application/pdf" {
		t.Errorf("Headers[Content-Type]: got %q, want %q", got, "application/pdf")
	}
	wantMissing(t, b, key)

	resp := sendSigned(t, h, req, data)
	if resp.status != http.StatusOK {
		t.Fatalf("PUT: got status %d (%s), want 200", resp.status, resp.body)
	}
	got, a := get(t, b, key, nil)
	if !bytes.Equal(got, data) {
		t.Errorf("Get: got %d bytes, want the %d uploaded", len(got), len(data))
	}
	if a.ContentType != "application/pdf" || a.Size != int64(len(data)) || a.StorageClass != blob.Standard {
		t.Errorf("Get attributes: got %+v, want application/pdf, %d bytes, %s", a, len(data), blob.Standard)
	}
	// The digest is unknown to a backend that only stored the bytes.
	if a.SHA256 != "" && a.SHA256 != hexSHA256(data) {
		t.Errorf("SHA256: got %q, want %q or none", a.SHA256, hexSHA256(data))
	}
}

func testSignedDownload(t *testing.T, newHarness HarnessMaker) {
	b, h := open(t, newHarness)
	const key = "signed/domanda è.pdf"
	data := randomBytes(200_000, 4)
	put(t, b, key, data, blob.PutOptions{ContentType: "application/pdf"})

	tests := []struct {
		name     string
		key      string
		filename string
	}{
		{name: "WithoutFilename", key: key},
		{name: "WithFilename", key: key, filename: "Domanda n. 12 – Città.pdf"},
		{name: "WithASCIIFilename", key: key, filename: `report "final".pdf`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			req, err := b.SignedDownload(context.Background(), tt.key, tt.filename, 5*time.Minute)
			if err != nil {
				t.Fatalf("SignedDownload: %v", err)
			}
			if req.Method != http.MethodGet {
				t.Errorf("Method: got %q, want GET", req.Method)
			}
			checkExpires(t, req, start, 5*time.Minute)
			resp := sendSigned(t, h, req, nil)
			if resp.status != http.StatusOK {
				t.Fatalf("GET: got status %d (%s), want 200", resp.status, resp.body)
			}
			if !bytes.Equal(resp.body, data) {
				t.Errorf("GET: got %d bytes, want the %d stored", len(resp.body), len(data))
			}
			if got := resp.header.Get("Content-Type"); got != "application/pdf" {
				t.Errorf("Content-Type: got %q, want application/pdf", got)
			}
			cd := resp.header.Get("Content-Disposition")
			if tt.filename == "" {
				if cd != "" {
					t.Errorf("Content-Disposition: got %q, want none", cd)
				}
				return
			}
			disposition, params, err := mime.ParseMediaType(cd)
			if err != nil {
				t.Fatalf("Content-Disposition %q: %v", cd, err)
			}
			if disposition != "attachment" || params["filename"] != tt.filename {
				t.Errorf("Content-Disposition %q: got %s with filename %q, want attachment with %q", cd, disposition, params["filename"], tt.filename)
			}
		})
	}
	t.Run("MissingObjectNotFound", func(t *testing.T) {
		req, err := b.SignedDownload(context.Background(), "signed/missing.pdf", "", time.Minute)
		if err != nil {
			t.Fatalf("SignedDownload: %v", err)
		}
		if resp := sendSigned(t, h, req, nil); resp.status != http.StatusNotFound {
			t.Errorf("GET: got status %d, want 404", resp.status)
		}
	})
}

func skipUnlessVerified(t *testing.T, h Harness) {
	t.Helper()
	if !h.VerifiesSignatures() {
		t.Skip("the backend does not verify signed URLs (declared by the harness)")
	}
}

// withKey returns rawURL addressing newKey instead of key.
func withKey(t *testing.T, rawURL, key, newKey string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	base, ok := strings.CutSuffix(u.Path, "/"+key)
	if !ok {
		t.Fatalf("the path of %s does not end with the key %q", rawURL, key)
	}
	u.Path, u.RawPath = base+"/"+newKey, ""
	return u.String()
}

// withParam returns rawURL with the query parameter name changed by edit;
// edit returns "" to remove it.
func withParam(t *testing.T, rawURL, name string, edit func(string) string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if !q.Has(name) {
		t.Fatalf("%s has no parameter %q", rawURL, name)
	}
	if v := edit(q.Get(name)); v != "" {
		q.Set(name, v)
	} else {
		q.Del(name)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// flipFirst changes the first character of a hex or base64 signature to
// another character of both alphabets.
func flipFirst(s string) string {
	if strings.HasPrefix(s, "a") {
		return "b" + s[1:]
	}
	return "a" + s[1:]
}

func later(t *testing.T) func(string) string {
	return func(s string) string {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatalf("expiry %q is not an integer: %v", s, err)
		}
		return strconv.FormatInt(n+3600, 10)
	}
}

func none(string) string { return "" }

func wantRefused(t *testing.T, resp response) {
	t.Helper()
	if resp.status != http.StatusForbidden {
		t.Errorf("got status %d (%s), want 403", resp.status, resp.body)
	}
}

func testRefusedUpload(t *testing.T, newHarness HarnessMaker) {
	b, h := open(t, newHarness)
	skipUnlessVerified(t, h)
	sigParam, expParam := h.SignatureParams()
	const key, other = "refused/upload.pdf", "refused/other.pdf"
	data := randomBytes(1000, 5)
	req, err := b.SignedUpload(context.Background(), key, blob.UploadOptions{ContentType: "application/pdf", Size: int64(len(data)), Expiry: 5 * time.Minute})
	if err != nil {
		t.Fatalf("SignedUpload: %v", err)
	}
	download, err := b.SignedDownload(context.Background(), key, "", 5*time.Minute)
	if err != nil {
		t.Fatalf("SignedDownload: %v", err)
	}
	ct := map[string]string{"Content-Type": "application/pdf"}

	tests := []struct {
		name    string
		url     string
		headers map[string]string
		body    []byte
	}{
		{name: "ChangedKey", url: withKey(t, req.URL, key, other), headers: req.Headers, body: data},
		{name: "ChangedSignature", url: withParam(t, req.URL, sigParam, flipFirst), headers: req.Headers, body: data},
		{name: "NoSignature", url: withParam(t, req.URL, sigParam, none), headers: req.Headers, body: data},
		{name: "ChangedExpiry", url: withParam(t, req.URL, expParam, later(t)), headers: req.Headers, body: data},
		{name: "OtherContentType", url: req.URL, headers: map[string]string{"Content-Type": "text/html"}, body: data},
		{name: "BodyLarger", url: req.URL, headers: req.Headers, body: append(slices.Clip(data), 'x')},
		{name: "BodySmaller", url: req.URL, headers: req.Headers, body: data[:len(data)-1]},
		{name: "DownloadURL", url: download.URL, headers: ct, body: data},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantRefused(t, send(t, h, http.MethodPut, tt.url, tt.headers, tt.body))
			wantMissing(t, b, key)
			wantMissing(t, b, other)
		})
	}
	// The untouched request still works: the refusals above were not
	// caused by something else.
	if resp := sendSigned(t, h, req, data); resp.status != http.StatusOK {
		t.Errorf("the untouched PUT: got status %d (%s), want 200", resp.status, resp.body)
	}
}

func testRefusedDownload(t *testing.T, newHarness HarnessMaker) {
	b, h := open(t, newHarness)
	skipUnlessVerified(t, h)
	sigParam, expParam := h.SignatureParams()
	const key, other = "refused/mine.txt", "refused/theirs.txt"
	// Contents that cannot appear in an error message quoting the URL.
	const mine, theirs = "bytes of the first object", "bytes of the second object"
	put(t, b, key, []byte(mine), blob.PutOptions{ContentType: "text/plain"})
	put(t, b, other, []byte(theirs), blob.PutOptions{ContentType: "text/plain"})
	req, err := b.SignedDownload(context.Background(), key, "mine.txt", 5*time.Minute)
	if err != nil {
		t.Fatalf("SignedDownload: %v", err)
	}
	upload, err := b.SignedUpload(context.Background(), key, blob.UploadOptions{ContentType: "text/plain", Size: int64(len(mine)), Expiry: 5 * time.Minute})
	if err != nil {
		t.Fatalf("SignedUpload: %v", err)
	}

	tests := []struct {
		name string
		url  string
	}{
		{name: "ChangedKey", url: withKey(t, req.URL, key, other)},
		{name: "ChangedSignature", url: withParam(t, req.URL, sigParam, flipFirst)},
		{name: "NoSignature", url: withParam(t, req.URL, sigParam, none)},
		{name: "ChangedExpiry", url: withParam(t, req.URL, expParam, later(t))},
		{name: "UploadURL", url: upload.URL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := send(t, h, http.MethodGet, tt.url, nil, nil)
			wantRefused(t, resp)
			if bytes.Contains(resp.body, []byte(theirs)) || bytes.Contains(resp.body, []byte(mine)) {
				t.Errorf("a refused GET returned the object: %q", resp.body)
			}
		})
	}
	if resp := sendSigned(t, h, req, nil); resp.status != http.StatusOK || string(resp.body) != mine {
		t.Errorf("the untouched GET: got status %d and %q, want 200 and %q", resp.status, resp.body, mine)
	}
}

func testExpired(t *testing.T, newHarness HarnessMaker) {
	b, h := open(t, newHarness)
	skipUnlessVerified(t, h)
	ctx := context.Background()
	put(t, b, "expired/stored.txt", []byte("stored"), blob.PutOptions{ContentType: "text/plain"})
	download, err := b.SignedDownload(ctx, "expired/stored.txt", "", time.Second)
	if err != nil {
		t.Fatalf("SignedDownload: %v", err)
	}
	upload, err := b.SignedUpload(ctx, "expired/new.txt", blob.UploadOptions{ContentType: "text/plain", Size: 3, Expiry: time.Second})
	if err != nil {
		t.Fatalf("SignedUpload: %v", err)
	}
	// Expires may be rounded to the second by the backend; wait past it.
	time.Sleep(time.Until(latest(download.Expires, upload.Expires)) + 1100*time.Millisecond)

	t.Run("DownloadRefused", func(t *testing.T) {
		wantRefused(t, sendSigned(t, h, download, nil))
	})
	t.Run("UploadRefused", func(t *testing.T) {
		wantRefused(t, sendSigned(t, h, upload, []byte("new")))
		wantMissing(t, b, "expired/new.txt")
	})
}

func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
