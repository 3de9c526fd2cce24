// Package s3blob is the blob driver over an Amazon S3 bucket, or over any
// server speaking the S3 protocol.
//
// # Digests
//
// Put must return the SHA-256 of bytes it reads as a stream, and S3 must be
// told that digest in the request headers, before the body: as
// x-amz-checksum-sha256, so that S3 refuses bytes altered on the way, and as
// the user metadata "sha256", which Attributes and Get read back. So Put
// spools the stream to a temporary file while hashing it, then sends the
// file, whose length it now also knows. Objects uploaded through a signed URL
// carry no digest: their SHA256 is "".
//
// # Signed URLs
//
// Upload URLs sign Content-Type and Content-Length, so S3 refuses a body of
// another type or size. Download URLs name the file to save through
// response-content-disposition, which S3 sends back as Content-Disposition.
package s3blob

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/stanzaportal/stanza/shared/blob"
	"github.com/stanzaportal/stanza/shared/fault"
)

var _ blob.Driver = (*Bucket)(nil)

// shaMetadata is the user metadata holding an object's SHA-256 in hex.
const shaMetadata = "sha256"

// NewClient returns an S3 client for cfg. endpoint, when not empty, replaces
// AWS's endpoints with an S3-compatible server; pathStyle puts the bucket in
// the URL path instead of the host name, which such servers usually need.
func NewClient(cfg aws.Config, endpoint string, pathStyle bool) *s3.Client {
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
		o.UsePathStyle = pathStyle
	})
}

// Bucket is a blob driver over one S3 bucket.
type Bucket struct {
	client  *s3.Client
	presign *s3.PresignClient
	bucket  string
}

// New returns a driver over bucket.
func New(client *s3.Client, bucket string) *Bucket {
	return &Bucket{client: client, presign: s3.NewPresignClient(client), bucket: bucket}
}

// translate gives the errors of the S3 API their codes; any other error is
// internal.
func translate(err error, key string) error {
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "NoSuchKey", "NotFound": // NotFound answers a HEAD, which has no body
			return fault.Wrap(err, fault.NotFound, "Il file %q non esiste.", key)
		case "InvalidRange":
			return fault.Wrap(err, fault.Invalid, "L'intervallo richiesto non è valido.")
		}
	}
	return fmt.Errorf("s3blob: %q: %w", key, err)
}

// Put spools r to a temporary file while hashing it (see the package doc),
// then stores the file at key.
func (b *Bucket) Put(ctx context.Context, key string, r io.Reader, opts blob.PutOptions) (blob.Attributes, error) {
	f, err := os.CreateTemp("", "s3blob-*")
	if err != nil {
		return blob.Attributes{}, fmt.Errorf("s3blob: %w", err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	h := sha256.New()
	// One byte more than S3 takes in one PUT tells a file that is too large
	// before the disk fills up.
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(r, blob.MaxUploadSize+1))
	if err != nil {
		return blob.Attributes{}, fmt.Errorf("s3blob: reading %q: %w", key, err)
	}
	if n > blob.MaxUploadSize {
		return blob.Attributes{}, fault.New(fault.TooLarge, "Il file supera la dimensione massima di %d byte.", int64(blob.MaxUploadSize))
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return blob.Attributes{}, fmt.Errorf("s3blob: %w", err)
	}
	sum := h.Sum(nil)
	_, err = b.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:         &b.bucket,
		Key:            &key,
		Body:           f,
		ContentLength:  aws.Int64(n),
		ContentType:    &opts.ContentType,
		StorageClass:   types.StorageClass(opts.StorageClass),
		ChecksumSHA256: aws.String(base64.StdEncoding.EncodeToString(sum)),
		Metadata:       map[string]string{shaMetadata: hex.EncodeToString(sum)},
	})
	if err != nil {
		return blob.Attributes{}, translate(err, key)
	}
	return blob.Attributes{
		Key:          key,
		ContentType:  opts.ContentType,
		Size:         n,
		SHA256:       hex.EncodeToString(sum),
		StorageClass: opts.StorageClass,
		// S3 does not answer a PUT with the object's time; this is close.
		Modified: time.Now().UTC(),
	}, nil
}

// attributes builds the attributes of the object at key from S3's answer.
// S3 leaves out the storage class of STANDARD objects.
func attributes(key string, contentType *string, size int64, metadata map[string]string, class types.StorageClass, modified *time.Time) blob.Attributes {
	a := blob.Attributes{
		Key:          key,
		ContentType:  aws.ToString(contentType),
		Size:         size,
		SHA256:       metadata[shaMetadata],
		StorageClass: string(class),
		Modified:     aws.ToTime(modified).UTC(),
	}
	if a.StorageClass == "" {
		a.StorageClass = blob.Standard
	}
	return a
}

// Get returns a reader of the object at key, or of its range rng.
func (b *Bucket) Get(ctx context.Context, key string, rng *blob.Range) (io.ReadCloser, blob.Attributes, error) {
	in := &s3.GetObjectInput{Bucket: &b.bucket, Key: &key}
	if rng != nil {
		end := ""
		if rng.Length > 0 {
			end = strconv.FormatInt(rng.Offset+rng.Length-1, 10)
		}
		in.Range = aws.String(fmt.Sprintf("bytes=%d-%s", rng.Offset, end))
	}
	out, err := b.client.GetObject(ctx, in)
	if err != nil {
		return nil, blob.Attributes{}, translate(err, key)
	}
	size := aws.ToInt64(out.ContentLength)
	// A range answer gives the whole size after the slash: "bytes 0-9/1000".
	if cr := aws.ToString(out.ContentRange); cr != "" {
		_, total, _ := strings.Cut(cr, "/")
		if size, err = strconv.ParseInt(total, 10, 64); err != nil {
			out.Body.Close()
			return nil, blob.Attributes{}, fmt.Errorf("s3blob: %q: Content-Range %q", key, cr)
		}
	}
	return out.Body, attributes(key, out.ContentType, size, out.Metadata, out.StorageClass, out.LastModified), nil
}

// Attributes returns the attributes of the object at key.
func (b *Bucket) Attributes(ctx context.Context, key string) (blob.Attributes, error) {
	out, err := b.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &b.bucket, Key: &key})
	if err != nil {
		return blob.Attributes{}, translate(err, key)
	}
	return attributes(key, out.ContentType, aws.ToInt64(out.ContentLength), out.Metadata, out.StorageClass, out.LastModified), nil
}

// Delete removes the object at key; S3 succeeds for a missing one.
func (b *Bucket) Delete(ctx context.Context, key string) error {
	if _, err := b.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &b.bucket, Key: &key}); err != nil {
		return translate(err, key)
	}
	return nil
}

// List returns up to limit objects under prefix after the key after. S3 may
// answer with fewer keys than asked while more follow, so List goes on until
// it has limit objects or S3 has no more: a short page is then the last.
func (b *Bucket) List(ctx context.Context, prefix, after string, limit int) ([]blob.Attributes, error) {
	in := &s3.ListObjectsV2Input{Bucket: &b.bucket, MaxKeys: aws.Int32(int32(limit))}
	if prefix != "" {
		in.Prefix = &prefix
	}
	if after != "" {
		in.StartAfter = &after
	}
	var out []blob.Attributes
	pages := s3.NewListObjectsV2Paginator(b.client, in)
	for pages.HasMorePages() && len(out) < limit {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, translate(err, prefix)
		}
		for _, o := range page.Contents {
			if len(out) == limit {
				break
			}
			a := attributes(aws.ToString(o.Key), nil, aws.ToInt64(o.Size), nil, types.StorageClass(o.StorageClass), o.LastModified)
			out = append(out, a)
		}
	}
	return out, nil
}

// signed turns a presigned request into what a browser must send. Host and
// Content-Length are left out: a browser sets them itself and may not be told
// to.
func signed(req *v4.PresignedHTTPRequest, expires time.Time) blob.SignedRequest {
	headers := map[string]string{}
	for k, v := range req.SignedHeader {
		if k = http.CanonicalHeaderKey(k); k != "Host" && k != "Content-Length" && len(v) > 0 {
			headers[k] = v[0]
		}
	}
	return blob.SignedRequest{Method: req.Method, URL: req.URL, Headers: headers, Expires: expires}
}

// expiresAt returns when a URL signed now for expiry expires. S3 counts from
// X-Amz-Date, which is the signing time cut to the second.
func expiresAt(expiry time.Duration) time.Time {
	return time.Now().UTC().Truncate(time.Second).Add(expiry)
}

// SignedUpload returns a presigned PUT of exactly opts.Size bytes of
// opts.ContentType.
func (b *Bucket) SignedUpload(ctx context.Context, key string, opts blob.UploadOptions) (blob.SignedRequest, error) {
	expires := expiresAt(opts.Expiry)
	req, err := b.presign.PresignPutObject(ctx, &s3.PutObjectInput{
		Bucket:        &b.bucket,
		Key:           &key,
		ContentType:   &opts.ContentType,
		ContentLength: aws.Int64(opts.Size),
	}, s3.WithPresignExpires(opts.Expiry))
	if err != nil {
		return blob.SignedRequest{}, translate(err, key)
	}
	return signed(req, expires), nil
}

// SignedDownload returns a presigned GET of the object at key.
func (b *Bucket) SignedDownload(ctx context.Context, key, filename string, expiry time.Duration) (blob.SignedRequest, error) {
	expires := expiresAt(expiry)
	in := &s3.GetObjectInput{Bucket: &b.bucket, Key: &key}
	if filename != "" {
		// RFC 6266: a plain filename when it is a token or quotable ASCII,
		// filename* in UTF-8 otherwise.
		in.ResponseContentDisposition = aws.String(mime.FormatMediaType("attachment", map[string]string{"filename": filename}))
	}
	req, err := b.presign.PresignGetObject(ctx, in, s3.WithPresignExpires(expiry))
	if err != nil {
		return blob.SignedRequest{}, translate(err, key)
	}
	return signed(req, expires), nil
}
