package blob_test

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stanzaportal/stanza/shared/blob"
	"github.com/stanzaportal/stanza/shared/fault"
)

// recorder is a driver that records the calls that reach it.
type recorder struct {
	calls   []string
	putOpts blob.PutOptions
}

func (r *recorder) Put(_ context.Context, key string, _ io.Reader, opts blob.PutOptions) (blob.Attributes, error) {
	r.calls = append(r.calls, "Put "+key)
	r.putOpts = opts
	return blob.Attributes{}, nil
}

func (r *recorder) Get(_ context.Context, key string, _ *blob.Range) (io.ReadCloser, blob.Attributes, error) {
	r.calls = append(r.calls, "Get "+key)
	return io.NopCloser(strings.NewReader("")), blob.Attributes{}, nil
}

func (r *recorder) Attributes(_ context.Context, key string) (blob.Attributes, error) {
	r.calls = append(r.calls, "Attributes "+key)
	return blob.Attributes{}, nil
}

func (r *recorder) Delete(_ context.Context, key string) error {
	r.calls = append(r.calls, "Delete "+key)
	return nil
}

func (r *recorder) List(_ context.Context, prefix, _ string, _ int) ([]blob.Attributes, error) {
	r.calls = append(r.calls, "List "+prefix)
	return nil, nil
}

func (r *recorder) SignedUpload(_ context.Context, key string, _ blob.UploadOptions) (blob.SignedRequest, error) {
	r.calls = append(r.calls, "SignedUpload "+key)
	return blob.SignedRequest{}, nil
}

func (r *recorder) SignedDownload(_ context.Context, key, _ string, _ time.Duration) (blob.SignedRequest, error) {
	r.calls = append(r.calls, "SignedDownload "+key)
	return blob.SignedRequest{}, nil
}

func TestCheckKey(t *testing.T) {
	tests := []struct {
		name    string
		key     string
		wantErr bool
	}{
		{name: "OK", key: "t/comune/pratiche/01J0/allegato.pdf"},
		{name: "OKUnicodeAndSpaces", key: "t/comune/domanda è pronta.pdf"},
		{name: "OKLongest", key: strings.Repeat("a", blob.MaxKeyBytes)},
		{name: "ErrEmpty", key: "", wantErr: true},
		{name: "ErrTooLong", key: strings.Repeat("a", blob.MaxKeyBytes+1), wantErr: true},
		{name: "ErrInvalidUTF8", key: "a/\xff", wantErr: true},
		{name: "ErrControl", key: "a/b\nc", wantErr: true},
		{name: "ErrDelete", key: "a/b\x7f", wantErr: true},
		{name: "ErrBackslash", key: `a\b`, wantErr: true},
		{name: "ErrLeadingSlash", key: "/a", wantErr: true},
		{name: "ErrTrailingSlash", key: "a/", wantErr: true},
		{name: "ErrEmptySegment", key: "a//b", wantErr: true},
		{name: "ErrDot", key: "a/./b", wantErr: true},
		{name: "ErrDotDot", key: "a/../b", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := blob.CheckKey(tt.key)
			if tt.wantErr && !fault.Is(err, fault.Invalid) {
				t.Errorf("CheckKey: got %v, want an Invalid error", err)
			}
			if !tt.wantErr && err != nil {
				t.Errorf("CheckKey: got %v, want nil", err)
			}
		})
	}
}

// TestBucketRefusesBadArguments checks that bad arguments stop at the Bucket,
// so that drivers may rely on them being valid.
func TestBucketRefusesBadArguments(t *testing.T) {
	ctx := context.Background()
	upload := blob.UploadOptions{ContentType: "application/pdf", Size: 10, Expiry: time.Minute}
	with := func(edit func(*blob.UploadOptions)) blob.UploadOptions {
		o := upload
		edit(&o)
		return o
	}
	tests := []struct {
		name string
		call func(*blob.Bucket) error
	}{
		{"PutBadKey", func(b *blob.Bucket) error {
			_, err := b.Put(ctx, "a/../b", strings.NewReader("x"), blob.PutOptions{ContentType: "text/plain"})
			return err
		}},
		{"PutNoContentType", func(b *blob.Bucket) error {
			_, err := b.Put(ctx, "a", strings.NewReader("x"), blob.PutOptions{})
			return err
		}},
		{"PutContentTypeWithNewline", func(b *blob.Bucket) error {
			_, err := b.Put(ctx, "a", strings.NewReader("x"), blob.PutOptions{ContentType: "text/plain\r\nX-Evil: 1"})
			return err
		}},
		{"GetBadKey", func(b *blob.Bucket) error {
			_, _, err := b.Get(ctx, "", nil)
			return err
		}},
		{"GetNegativeOffset", func(b *blob.Bucket) error {
			_, _, err := b.Get(ctx, "a", &blob.Range{Offset: -1, Length: 1})
			return err
		}},
		{"GetZeroLength", func(b *blob.Bucket) error {
			_, _, err := b.Get(ctx, "a", &blob.Range{Offset: 0, Length: 0})
			return err
		}},
		{"AttributesBadKey", func(b *blob.Bucket) error {
			_, err := b.Attributes(ctx, "a//b")
			return err
		}},
		{"DeleteBadKey", func(b *blob.Bucket) error { return b.Delete(ctx, "./a") }},
		{"ListZeroLimit", func(b *blob.Bucket) error {
			_, err := b.List(ctx, "", "", 0)
			return err
		}},
		{"ListLimitTooLarge", func(b *blob.Bucket) error {
			_, err := b.List(ctx, "", "", blob.MaxListLimit+1)
			return err
		}},
		{"SignedUploadBadKey", func(b *blob.Bucket) error {
			_, err := b.SignedUpload(ctx, "a/", upload)
			return err
		}},
		{"SignedUploadNoContentType", func(b *blob.Bucket) error {
			_, err := b.SignedUpload(ctx, "a", with(func(o *blob.UploadOptions) { o.ContentType = "" }))
			return err
		}},
		{"SignedUploadZeroSize", func(b *blob.Bucket) error {
			_, err := b.SignedUpload(ctx, "a", with(func(o *blob.UploadOptions) { o.Size = 0 }))
			return err
		}},
		{"SignedUploadTooLarge", func(b *blob.Bucket) error {
			_, err := b.SignedUpload(ctx, "a", with(func(o *blob.UploadOptions) { o.Size = blob.MaxUploadSize + 1 }))
			return err
		}},
		{"SignedUploadNoExpiry", func(b *blob.Bucket) error {
			_, err := b.SignedUpload(ctx, "a", with(func(o *blob.UploadOptions) { o.Expiry = 0 }))
			return err
		}},
		{"SignedUploadExpiryTooLong", func(b *blob.Bucket) error {
			_, err := b.SignedUpload(ctx, "a", with(func(o *blob.UploadOptions) { o.Expiry = blob.MaxExpiry + time.Second }))
			return err
		}},
		{"SignedDownloadBadKey", func(b *blob.Bucket) error {
			_, err := b.SignedDownload(ctx, "a\\b", "", time.Minute)
			return err
		}},
		{"SignedDownloadNegativeExpiry", func(b *blob.Bucket) error {
			_, err := b.SignedDownload(ctx, "a", "", -time.Minute)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run("Err"+tt.name, func(t *testing.T) {
			r := &recorder{}
			err := tt.call(blob.NewBucket(r))
			if !fault.Is(err, fault.Invalid) {
				t.Errorf("got %v, want an Invalid error", err)
			}
			if len(r.calls) != 0 {
				t.Errorf("the driver got %q, want no call", r.calls)
			}
		})
	}
}

func TestBucketPassesValidArguments(t *testing.T) {
	ctx := context.Background()
	r := &recorder{}
	b := blob.NewBucket(r)
	if _, err := b.Put(ctx, "a", strings.NewReader("x"), blob.PutOptions{ContentType: "text/plain"}); err != nil {
		t.Fatalf("Put: %v", err)
	}
	if r.putOpts.StorageClass != blob.Standard {
		t.Errorf("Put: the driver got class %q, want %q", r.putOpts.StorageClass, blob.Standard)
	}
	if _, err := b.List(ctx, "a/", "", blob.MaxListLimit); err != nil {
		t.Fatalf("List: %v", err)
	}
	if _, err := b.SignedUpload(ctx, "a", blob.UploadOptions{ContentType: "text/plain", Size: blob.MaxUploadSize, Expiry: blob.MaxExpiry}); err != nil {
		t.Fatalf("SignedUpload: %v", err)
	}
	if _, _, err := b.Get(ctx, "a", &blob.Range{Offset: 0, Length: -1}); err != nil {
		t.Fatalf("Get: %v", err)
	}
	want := []string{"Put a", "List a/", "SignedUpload a", "Get a"}
	if strings.Join(r.calls, ",") != strings.Join(want, ",") {
		t.Errorf("the driver got %q, want %q", r.calls, want)
	}
}
