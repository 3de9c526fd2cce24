package s3blob_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/stanzaportal/stanza/shared/blob"
	"github.com/stanzaportal/stanza/shared/blob/blobtest"
	"github.com/stanzaportal/stanza/shared/blob/s3blob"
)

const bucketName = "stanza-test"

// harness serves an in-memory S3 double (gofakes3) on a loopback server.
type harness struct {
	backend *s3mem.Backend
	srv     *httptest.Server
}

func newHarness(context.Context, *testing.T) (blobtest.Harness, error) {
	h, err := startFake()
	if err != nil {
		return nil, err
	}
	return h, nil
}

func startFake() (*harness, error) {
	backend := s3mem.New()
	if err := backend.CreateBucket(bucketName); err != nil {
		return nil, err
	}
	faker := gofakes3.New(backend, gofakes3.WithLogger(gofakes3.DiscardLog()))
	return &harness{backend: backend, srv: httptest.NewServer(faker.Server())}, nil
}

func testConfig() aws.Config {
	return aws.Config{
		Region:      "eu-south-1",
		Credentials: credentials.NewStaticCredentialsProvider("test-id", "test-secret", ""),
	}
}

func (h *harness) MakeDriver(context.Context) (blob.Driver, error) {
	return s3blob.New(s3blob.NewClient(testConfig(), h.srv.URL, true), bucketName), nil
}

func (h *harness) HTTPClient() *http.Client { return h.srv.Client() }

// VerifiesSignatures is false: gofakes3 accepts any signature.
func (h *harness) VerifiesSignatures() bool { return false }

func (h *harness) SignatureParams() (string, string) { return "X-Amz-Signature", "X-Amz-Expires" }

func (h *harness) Close() { h.srv.Close() }

func TestConformance(t *testing.T) {
	blobtest.RunConformanceTests(t, newHarness)
}

// fake returns a bucket over a new gofakes3 server and the server's backend.
func fake(t *testing.T) (*blob.Bucket, *s3mem.Backend) {
	t.Helper()
	h, err := startFake()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	d, err := h.MakeDriver(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return blob.NewBucket(d), h.backend
}

// TestPutSendsDigest checks the headers S3 gets: the checksum it verifies
// the bytes against and the metadata Attributes reads back.
func TestPutSendsDigest(t *testing.T) {
	b, backend := fake(t)
	data := []byte("contenuto della domanda")
	if _, err := b.Put(context.Background(), "k", bytes.NewReader(data), blob.PutOptions{ContentType: "text/plain"}); err != nil {
		t.Fatalf("Put: %v", err)
	}
	obj, err := backend.HeadObject(bucketName, "k")
	if err != nil {
		t.Fatalf("HeadObject: %v", err)
	}
	obj.Contents.Close()
	sum := sha256.Sum256(data)
	want := map[string]string{
		"X-Amz-Checksum-Sha256": base64.StdEncoding.EncodeToString(sum[:]),
		"X-Amz-Meta-Sha256":     hex.EncodeToString(sum[:]),
	}
	for k, v := range want {
		if got := obj.Metadata[k]; got != v {
			t.Errorf("%s: got %q, want %q", k, got, v)
		}
	}
}

// TestSignedUploadSignsTypeAndSize checks what gofakes3 cannot: that S3
// would refuse another content type or size, because both are signed.
func TestSignedUploadSignsTypeAndSize(t *testing.T) {
	b, _ := fake(t)
	req, err := b.SignedUpload(context.Background(), "k", blob.UploadOptions{ContentType: "application/pdf", Size: 1234, Expiry: time.Minute})
	if err != nil {
		t.Fatalf("SignedUpload: %v", err)
	}
	u, err := url.Parse(req.URL)
	if err != nil {
		t.Fatal(err)
	}
	signed := strings.Split(u.Query().Get("X-Amz-SignedHeaders"), ";")
	for _, h := range []string{"content-length", "content-type", "host"} {
		if !slices.Contains(signed, h) {
			t.Errorf("X-Amz-SignedHeaders: got %q, want it to hold %q", signed, h)
		}
	}
	// A browser sets Host and Content-Length itself and may not be told to.
	if len(req.Headers) != 1 || req.Headers["Content-Type"] != "application/pdf" {
		t.Errorf("Headers: got %v, want only Content-Type: application/pdf", req.Headers)
	}
	if got := u.Query().Get("X-Amz-Expires"); got != "60" {
		t.Errorf("X-Amz-Expires: got %q, want 60", got)
	}
}
