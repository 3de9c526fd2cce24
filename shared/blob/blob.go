// Package blob is Stanza's file storage port: objects addressed by key, with
// their content type, size, SHA-256 digest and storage class, and signed URLs
// so that browsers upload and download directly, without the bytes passing
// through a function.
//
// # Adapters
//
// A Driver adapts one backend (fileblob, a local directory; s3blob, Amazon
// S3). Every driver passes the conformance suite in blobtest. Code outside the
// adapters uses the Bucket type, which checks arguments once for all drivers.
//
// # Errors
//
// A driver returns an error for which fault.CodeOf is NotFound when the key
// does not exist, and Invalid when a range cannot be satisfied.
package blob

import (
	"context"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/stanzaportal/stanza/shared/fault"
)

// Storage classes. Drivers without classes record the name and nothing else.
const (
	Standard         = "STANDARD"
	InfrequentAccess = "STANDARD_IA"
	GlacierInstant   = "GLACIER_IR"
)

// Attributes describe a stored object.
type Attributes struct {
	Key          string
	ContentType  string
	Size         int64
	SHA256       string // lower-case hex; "" when the backend does not know it
	StorageClass string
	Modified     time.Time
}

// PutOptions tune a Put. ContentType is required.
type PutOptions struct {
	ContentType  string
	StorageClass string // "" means Standard
}

// Range selects Length bytes from Offset; Length < 0 means to the end.
type Range struct {
	Offset, Length int64
}

// UploadOptions say what a signed upload URL admits: exactly Size bytes of
// ContentType, until Expiry has passed.
type UploadOptions struct {
	ContentType string
	Size        int64
	Expiry      time.Duration
}

// SignedRequest is what a browser must send: the method, the URL and the
// headers the signature covers.
type SignedRequest struct {
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers"`
	Expires time.Time         `json:"expires"`
}

// Driver is the port every file storage adapter implements. Keys are checked
// by Bucket before they reach a driver.
type Driver interface {
	// Put stores the bytes of r at key, replacing any object there, and
	// returns its attributes. The SHA-256 digest is computed while reading.
	Put(ctx context.Context, key string, r io.Reader, opts PutOptions) (Attributes, error)
	// Get returns a reader of the object (of its range rng when non-nil) and
	// its attributes. The caller closes the reader.
	Get(ctx context.Context, key string, rng *Range) (io.ReadCloser, Attributes, error)
	// Attributes returns the attributes of the object at key.
	Attributes(ctx context.Context, key string) (Attributes, error)
	// Delete removes the object at key; deleting a missing object succeeds.
	Delete(ctx context.Context, key string) error
	// List returns up to limit objects whose key starts with prefix, in key
	// order, after the key `after` (exclusive; "" from the start). Fewer than
	// limit objects means that no more follow. Listed attributes hold at
	// least Key, Size and Modified: S3 lists neither content types nor digests.
	List(ctx context.Context, prefix, after string, limit int) ([]Attributes, error)
	// SignedUpload returns a request that stores exactly opts.Size bytes of
	// opts.ContentType at key until the expiry; any other request is refused.
	SignedUpload(ctx context.Context, key string, opts UploadOptions) (SignedRequest, error)
	// SignedDownload returns a GET request for the object at key, valid for
	// expiry. filename, when set, is offered to the browser as the download name.
	SignedDownload(ctx context.Context, key, filename string, expiry time.Duration) (SignedRequest, error)
}

// Bucket is a blob store as the rest of Stanza sees it.
type Bucket struct {
	driver Driver
}

// NewBucket returns a Bucket over driver.
func NewBucket(d Driver) *Bucket { return &Bucket{driver: d} }

// Limits shared by every adapter.
const (
	MaxKeyBytes   = 1024
	MaxListLimit  = 1000
	MaxExpiry     = 7 * 24 * time.Hour // S3's limit for presigned URLs
	MaxUploadSize = 5 << 30            // S3's limit for one PUT
)

// CheckKey reports whether key is usable: non-empty UTF-8 of at most
// MaxKeyBytes, "/"-separated segments that are neither empty, "." nor "..",
// and no control characters or backslashes.
func CheckKey(key string) error {
	if key == "" || len(key) > MaxKeyBytes || !utf8.ValidString(key) {
		return fault.New(fault.Invalid, "blob: invalid key %q", key)
	}
	for _, r := range key {
		if r < 0x20 || r == 0x7f || r == '\\' {
			return fault.New(fault.Invalid, "blob: invalid key %q", key)
		}
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fault.New(fault.Invalid, "blob: invalid key %q", key)
		}
	}
	return nil
}

func checkContentType(ct string) error {
	if ct == "" || strings.ContainsAny(ct, "\r\n") {
		return fault.New(fault.Invalid, "blob: a content type is required")
	}
	return nil
}

func checkExpiry(d time.Duration) error {
	if d <= 0 || d > MaxExpiry {
		return fault.New(fault.Invalid, "blob: expiry must be between 1s and %s", MaxExpiry)
	}
	return nil
}

// Put stores r at key.
func (b *Bucket) Put(ctx context.Context, key string, r io.Reader, opts PutOptions) (Attributes, error) {
	if err := CheckKey(key); err != nil {
		return Attributes{}, err
	}
	if err := checkContentType(opts.ContentType); err != nil {
		return Attributes{}, err
	}
	if opts.StorageClass == "" {
		opts.StorageClass = Standard
	}
	return b.driver.Put(ctx, key, r, opts)
}

// Get opens the object at key, or the range rng of it when non-nil.
func (b *Bucket) Get(ctx context.Context, key string, rng *Range) (io.ReadCloser, Attributes, error) {
	if err := CheckKey(key); err != nil {
		return nil, Attributes{}, err
	}
	if rng != nil && (rng.Offset < 0 || rng.Length == 0) {
		return nil, Attributes{}, fault.New(fault.Invalid, "blob: invalid range")
	}
	return b.driver.Get(ctx, key, rng)
}

// Attributes returns the attributes of the object at key.
func (b *Bucket) Attributes(ctx context.Context, key string) (Attributes, error) {
	if err := CheckKey(key); err != nil {
		return Attributes{}, err
	}
	return b.driver.Attributes(ctx, key)
}

// Delete removes the object at key.
func (b *Bucket) Delete(ctx context.Context, key string) error {
	if err := CheckKey(key); err != nil {
		return err
	}
	return b.driver.Delete(ctx, key)
}

// List returns up to limit objects under prefix after the key after.
func (b *Bucket) List(ctx context.Context, prefix, after string, limit int) ([]Attributes, error) {
	if limit <= 0 || limit > MaxListLimit {
		return nil, fault.New(fault.Invalid, "blob: the limit must be between 1 and %d", MaxListLimit)
	}
	return b.driver.List(ctx, prefix, after, limit)
}

// SignedUpload returns a request a browser can send to store one file at key.
func (b *Bucket) SignedUpload(ctx context.Context, key string, opts UploadOptions) (SignedRequest, error) {
	if err := CheckKey(key); err != nil {
		return SignedRequest{}, err
	}
	if err := checkContentType(opts.ContentType); err != nil {
		return SignedRequest{}, err
	}
	if opts.Size <= 0 || opts.Size > MaxUploadSize {
		return SignedRequest{}, fault.New(fault.Invalid, "blob: the upload size must be between 1 and %d bytes", int64(MaxUploadSize))
	}
	if err := checkExpiry(opts.Expiry); err != nil {
		return SignedRequest{}, err
	}
	return b.driver.SignedUpload(ctx, key, opts)
}

// SignedDownload returns a request a browser can send to fetch the object at key.
func (b *Bucket) SignedDownload(ctx context.Context, key, filename string, expiry time.Duration) (SignedRequest, error) {
	if err := CheckKey(key); err != nil {
		return SignedRequest{}, err
	}
	if err := checkExpiry(expiry); err != nil {
		return SignedRequest{}, err
	}
	return b.driver.SignedDownload(ctx, key, filename, expiry)
}
