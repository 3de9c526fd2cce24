// Package fileblob is the blob driver over a local directory, for running
// Stanza on one machine without a cloud account. Its Handler serves the
// signed URLs the driver hands out, so that browsers upload and download
// directly, as they do with S3.
//
// # Layout
//
// Each object is a directory under dir/objects named by its key, holding two
// files: "@data", the bytes, and "@attrs", the attributes as JSON. Every key
// segment is escaped: bytes other than lower-case ASCII letters, digits, '.',
// '-' and '_' become %XX. Hence no key segment can be named like those two
// files ('@' is always escaped); "a" and "a/b" can both be objects, as in S3;
// keys that differ only in case stay apart on case-insensitive file systems
// (macOS); and, since blob.CheckKey refuses "." and ".." segments, no key
// leads out of dir. Delete leaves the emptied directories behind: they hold no
// object, and removing them would race with a Put under the same prefix.
//
// # Writes
//
// Bytes are written to a temporary file in dir/tmp, on the same file system
// as the objects, and then renamed into place: "@data" first, "@attrs" last.
// A rename replaces a file at once, so no reader ever sees half an object, and
// a crash during an upload leaves the previous object whole (plus at most a
// stray file in dir/tmp, which can be emptied while no process uses dir).
// "@attrs" records the size and modification time of "@data": a reader that
// finds them disagreeing, between the two renames or after a crash there, gets
// an error rather than bytes with another object's attributes. Writers of one
// process take turns for the two renames; dir must not be shared by processes.
//
// # Signed URLs
//
// A signed URL is baseURL, the escaped key and a query holding what the
// request must match: "expires" (Unix seconds); for an upload "type" and
// "size", the only Content-Type and Content-Length admitted; for a download
// "filename", when the browser is to save the file under that name; and
// "signature", an HMAC-SHA256 of the method, the key and all of those. The
// handler refuses with 403 a request whose signature does not match, whose URL
// has expired, or whose upload has another Content-Type or Content-Length. It
// reads at most one byte more than signed, so a body longer than declared is
// never stored, whatever a proxy in front of it did with the headers.
package fileblob

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/stanzaportal/stanza/shared/blob"
	"github.com/stanzaportal/stanza/shared/fault"
)

var _ blob.Driver = (*Bucket)(nil)

const (
	dataFile  = "@data"
	attrsFile = "@attrs"
	// maxNameBytes is the longest file name of common file systems (ext4,
	// APFS, NTFS).
	maxNameBytes = 255
)

// Bucket is a blob driver storing objects under a directory.
type Bucket struct {
	objects  string // dir/objects
	tmp      string // dir/tmp
	baseURL  string // without a trailing slash
	basePath string // the path of baseURL, without a trailing slash
	secret   []byte
	renames  sync.Mutex // held while an object's two files are replaced or removed
}

// Open returns a bucket over dir, creating it if needed. baseURL is where the
// local server mounts Handler (e.g. "http://127.0.0.1:8080/_blob"); key signs
// URLs and must have at least 32 bytes.
func Open(dir, baseURL string, key []byte) (*Bucket, error) {
	if len(key) < 32 {
		return nil, errors.New("fileblob: the signing key must have at least 32 bytes")
	}
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("fileblob: the base URL %q is not an absolute http(s) URL without query", baseURL)
	}
	b := &Bucket{
		objects:  filepath.Join(dir, "objects"),
		tmp:      filepath.Join(dir, "tmp"),
		baseURL:  strings.TrimSuffix(baseURL, "/"),
		basePath: strings.TrimSuffix(u.Path, "/"),
		secret:   slices.Clone(key),
	}
	// Objects may hold personal data: only the owner may read them.
	for _, d := range []string{b.objects, b.tmp} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("fileblob: %w", err)
		}
	}
	return b, nil
}

// escape turns a key segment into a file name (see the package doc).
func escape(seg string) string {
	var sb strings.Builder
	for i := 0; i < len(seg); i++ {
		c := seg[i]
		if 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '-' || c == '_' {
			sb.WriteByte(c)
		} else {
			fmt.Fprintf(&sb, "%%%02X", c)
		}
	}
	return sb.String()
}

// objectDir returns the directory of the object at key.
func (b *Bucket) objectDir(key string) (string, error) {
	if err := blob.CheckKey(key); err != nil {
		return "", err
	}
	parts := []string{b.objects}
	for _, seg := range strings.Split(key, "/") {
		name := escape(seg)
		if len(name) > maxNameBytes {
			return "", fault.New(fault.Invalid, "Il nome del file è troppo lungo.")
		}
		parts = append(parts, name)
	}
	return filepath.Join(parts...), nil
}

// keyOf returns the key of the object directory dir, and false for a
// directory that no key names.
func (b *Bucket) keyOf(dir string) (string, bool) {
	rel, err := filepath.Rel(b.objects, dir)
	if err != nil || rel == "." {
		return "", false
	}
	segs := strings.Split(rel, string(filepath.Separator))
	for i, s := range segs {
		seg, err := url.PathUnescape(s)
		if err != nil {
			return "", false
		}
		segs[i] = seg
	}
	key := strings.Join(segs, "/")
	return key, blob.CheckKey(key) == nil
}

func notFound(key string) error {
	return fault.New(fault.NotFound, "Il file %q non esiste.", key)
}

// storedAttrs is the content of an "@attrs" file.
type storedAttrs struct {
	ContentType  string    `json:"contentType"`
	Size         int64     `json:"size"`
	SHA256       string    `json:"sha256"`
	StorageClass string    `json:"storageClass"`
	Modified     time.Time `json:"modified"`
}

// readAttrs returns the directory and the recorded attributes of the object
// at key.
func (b *Bucket) readAttrs(key string) (string, blob.Attributes, error) {
	dir, err := b.objectDir(key)
	if err != nil {
		return "", blob.Attributes{}, err
	}
	data, err := os.ReadFile(filepath.Join(dir, attrsFile))
	if errors.Is(err, fs.ErrNotExist) {
		return "", blob.Attributes{}, notFound(key)
	}
	if err != nil {
		return "", blob.Attributes{}, fmt.Errorf("fileblob: %w", err)
	}
	var s storedAttrs
	if err := json.Unmarshal(data, &s); err != nil {
		return "", blob.Attributes{}, fmt.Errorf("fileblob: the attributes of %q: %w", key, err)
	}
	return dir, blob.Attributes{
		Key:          key,
		ContentType:  s.ContentType,
		Size:         s.Size,
		SHA256:       s.SHA256,
		StorageClass: s.StorageClass,
		Modified:     s.Modified,
	}, nil
}

// agree checks that the "@data" file described by fi is the one the
// attributes a were written for.
func agree(fi fs.FileInfo, a blob.Attributes) error {
	if fi.Size() != a.Size || !fi.ModTime().Equal(a.Modified) {
		return fmt.Errorf("fileblob: the attributes of %q do not match its bytes (being replaced, or left so by a crash)", a.Key)
	}
	return nil
}

// open returns the "@data" file of the object at key and its attributes.
func (b *Bucket) open(key string) (*os.File, blob.Attributes, error) {
	dir, a, err := b.readAttrs(key)
	if err != nil {
		return nil, blob.Attributes{}, err
	}
	f, err := os.Open(filepath.Join(dir, dataFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, blob.Attributes{}, notFound(key)
	}
	if err != nil {
		return nil, blob.Attributes{}, fmt.Errorf("fileblob: %w", err)
	}
	fi, err := f.Stat()
	if err == nil {
		err = agree(fi, a)
	}
	if err != nil {
		f.Close()
		return nil, blob.Attributes{}, err
	}
	return f, a, nil
}

// errSize reports a body whose length differs from the one signed.
var errSize = errors.New("fileblob: the body length differs from the declared size")

// write stores the bytes of r at key. want is the exact size required, or
// -1 for any size.
func (b *Bucket) write(key string, r io.Reader, contentType, class string, want int64) (_ blob.Attributes, err error) {
	dir, err := b.objectDir(key)
	if err != nil {
		return blob.Attributes{}, err
	}
	var temps []string // removed unless published
	defer func() {
		if err != nil {
			for _, name := range temps {
				os.Remove(name)
			}
		}
	}()
	data, err := b.writeTemp(func(w io.Writer) error {
		_, err := io.Copy(w, r)
		return err
	})
	if err != nil {
		return blob.Attributes{}, fmt.Errorf("fileblob: writing %q: %w", key, err)
	}
	temps = append(temps, data.name)
	if want >= 0 && data.size != want {
		return blob.Attributes{}, errSize
	}
	a := blob.Attributes{
		Key:          key,
		ContentType:  contentType,
		Size:         data.size,
		SHA256:       data.sha256,
		StorageClass: class,
		Modified:     data.modified,
	}
	js, err := json.Marshal(storedAttrs{a.ContentType, a.Size, a.SHA256, a.StorageClass, a.Modified})
	if err != nil {
		return blob.Attributes{}, fmt.Errorf("fileblob: %w", err)
	}
	attrs, err := b.writeTemp(func(w io.Writer) error {
		_, err := w.Write(js)
		return err
	})
	if err != nil {
		return blob.Attributes{}, fmt.Errorf("fileblob: writing the attributes of %q: %w", key, err)
	}
	temps = append(temps, attrs.name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return blob.Attributes{}, fmt.Errorf("fileblob: %w", err)
	}
	b.renames.Lock()
	defer b.renames.Unlock()
	if err := os.Rename(data.name, filepath.Join(dir, dataFile)); err != nil {
		return blob.Attributes{}, fmt.Errorf("fileblob: %w", err)
	}
	if err := os.Rename(attrs.name, filepath.Join(dir, attrsFile)); err != nil {
		return blob.Attributes{}, fmt.Errorf("fileblob: %w", err)
	}
	return a, nil
}

// tempFile describes a file written by writeTemp.
type tempFile struct {
	name     string
	size     int64
	sha256   string
	modified time.Time
}

// writeTemp writes a temporary file with fill, flushes it to the disk so
// that a rename never publishes a file the disk has not got, and describes
// it. The file is removed when fill fails.
func (b *Bucket) writeTemp(fill func(io.Writer) error) (tempFile, error) {
	f, err := os.CreateTemp(b.tmp, "put-*")
	if err != nil {
		return tempFile{}, err
	}
	h := sha256.New()
	c := &counter{w: io.MultiWriter(f, h)}
	err = fill(c)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	var fi fs.FileInfo
	if err == nil {
		fi, err = os.Stat(f.Name())
	}
	if err != nil {
		os.Remove(f.Name())
		return tempFile{}, err
	}
	return tempFile{
		name:     f.Name(),
		size:     c.n,
		sha256:   hex.EncodeToString(h.Sum(nil)),
		modified: fi.ModTime().UTC(),
	}, nil
}

// counter counts the bytes written through it.
type counter struct {
	w io.Writer
	n int64
}

func (c *counter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// Put stores the bytes of r at key.
func (b *Bucket) Put(_ context.Context, key string, r io.Reader, opts blob.PutOptions) (blob.Attributes, error) {
	return b.write(key, r, opts.ContentType, opts.StorageClass, -1)
}

// Get returns a reader of the object at key, or of its range rng.
func (b *Bucket) Get(_ context.Context, key string, rng *blob.Range) (io.ReadCloser, blob.Attributes, error) {
	f, a, err := b.open(key)
	if err != nil {
		return nil, blob.Attributes{}, err
	}
	if rng == nil {
		return f, a, nil
	}
	if rng.Offset >= a.Size {
		f.Close()
		return nil, blob.Attributes{}, fault.New(fault.Invalid, "L'intervallo richiesto non è valido.")
	}
	n := a.Size - rng.Offset
	if rng.Length >= 0 {
		n = min(n, rng.Length)
	}
	return struct {
		io.Reader
		io.Closer
	}{io.NewSectionReader(f, rng.Offset, n), f}, a, nil
}

// Attributes returns the attributes of the object at key.
func (b *Bucket) Attributes(_ context.Context, key string) (blob.Attributes, error) {
	dir, a, err := b.readAttrs(key)
	if err != nil {
		return blob.Attributes{}, err
	}
	fi, err := os.Stat(filepath.Join(dir, dataFile))
	if errors.Is(err, fs.ErrNotExist) {
		return blob.Attributes{}, notFound(key)
	}
	if err != nil {
		return blob.Attributes{}, fmt.Errorf("fileblob: %w", err)
	}
	if err := agree(fi, a); err != nil {
		return blob.Attributes{}, err
	}
	return a, nil
}

// Delete removes the object at key: its attributes first, so that the object
// is gone as soon as anything is removed.
func (b *Bucket) Delete(_ context.Context, key string) error {
	dir, err := b.objectDir(key)
	if err != nil {
		return err
	}
	b.renames.Lock()
	defer b.renames.Unlock()
	for _, name := range []string{attrsFile, dataFile} {
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("fileblob: %w", err)
		}
	}
	return nil
}

// List returns up to limit objects under prefix after the key after. It walks
// only the directory of the prefix's whole segments, and sorts what it finds,
// since the escaped names of a directory are not in key order.
func (b *Bucket) List(ctx context.Context, prefix, after string, limit int) ([]blob.Attributes, error) {
	start := b.objects
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		for _, seg := range strings.Split(prefix[:i], "/") {
			if seg == "" || seg == "." || seg == ".." {
				return nil, nil // no key has such a segment
			}
			start = filepath.Join(start, escape(seg))
		}
	}
	var found []string
	err := filepath.WalkDir(start, func(path string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && path == start {
			return fs.SkipAll // nothing under this prefix
		}
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() || d.Name() != attrsFile {
			return nil
		}
		if key, ok := b.keyOf(filepath.Dir(path)); ok && strings.HasPrefix(key, prefix) && key > after {
			found = append(found, key)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("fileblob: listing %q: %w", prefix, err)
	}
	slices.Sort(found)
	var out []blob.Attributes
	for _, key := range found {
		if len(out) == limit {
			break
		}
		a, err := b.Attributes(ctx, key)
		if fault.Is(err, fault.NotFound) {
			continue // deleted since the walk
		}
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// signature returns the hex HMAC of the fields a signed request must match.
// Each field is quoted, so that no two lists of fields sign alike.
func (b *Bucket) signature(method, key string, expires int64, contentType string, size int64, filename string) string {
	mac := hmac.New(sha256.New, b.secret)
	fmt.Fprintf(mac, "stanza-fileblob-v1\n%q\n%q\n%d\n%q\n%d\n%q", method, key, expires, contentType, size, filename)
	return hex.EncodeToString(mac.Sum(nil))
}

// sign returns the signed request for method on key with the signed fields
// in q.
func (b *Bucket) sign(method, key string, expiry time.Duration, contentType string, size int64, filename string, q url.Values) (blob.SignedRequest, error) {
	if _, err := b.objectDir(key); err != nil {
		return blob.SignedRequest{}, err
	}
	// Rounded up to the second, so that the URL lasts at least expiry.
	expires := time.Now().Add(expiry + time.Second - 1).Unix()
	q.Set("expires", strconv.FormatInt(expires, 10))
	q.Set("signature", b.signature(method, key, expires, contentType, size, filename))
	segs := strings.Split(key, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return blob.SignedRequest{
		Method:  method,
		URL:     b.baseURL + "/" + strings.Join(segs, "/") + "?" + q.Encode(),
		Headers: map[string]string{},
		Expires: time.Unix(expires, 0).UTC(),
	}, nil
}

// SignedUpload returns a PUT request that the Handler accepts until the
// expiry, with exactly opts.Size bytes of opts.ContentType.
func (b *Bucket) SignedUpload(_ context.Context, key string, opts blob.UploadOptions) (blob.SignedRequest, error) {
	q := url.Values{"type": {opts.ContentType}, "size": {strconv.FormatInt(opts.Size, 10)}}
	req, err := b.sign(http.MethodPut, key, opts.Expiry, opts.ContentType, opts.Size, "", q)
	if err != nil {
		return blob.SignedRequest{}, err
	}
	req.Headers["Content-Type"] = opts.ContentType
	return req, nil
}

// SignedDownload returns a GET request that the Handler serves until the
// expiry.
func (b *Bucket) SignedDownload(_ context.Context, key, filename string, expiry time.Duration) (blob.SignedRequest, error) {
	q := url.Values{}
	if filename != "" {
		q.Set("filename", filename)
	}
	return b.sign(http.MethodGet, key, expiry, "", 0, filename, q)
}

// ErrorWriter writes an error response; the local server passes its
// problem-details writer, so refusals read like every other API error.
type ErrorWriter func(w http.ResponseWriter, r *http.Request, err error)

// Handler serves the signed requests of SignedUpload and SignedDownload at
// the path of the base URL. Refusals reach fail as fault errors: Forbidden
// for a bad, expired or misused signature, NotFound for a missing object.
func (b *Bucket) Handler(fail ErrorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { b.serve(w, r, fail) })
}

func (b *Bucket) serve(w http.ResponseWriter, r *http.Request, fail ErrorWriter) {
	key, ok := strings.CutPrefix(r.URL.Path, b.basePath+"/")
	if !ok {
		fail(w, r, fault.New(fault.NotFound, "Il file richiesto non esiste."))
		return
	}
	q := r.URL.Query()
	// Unparsable numbers read as 0, which no signature covers.
	expires, _ := strconv.ParseInt(q.Get("expires"), 10, 64)
	size, _ := strconv.ParseInt(q.Get("size"), 10, 64)
	contentType, filename := q.Get("type"), q.Get("filename")
	want := b.signature(r.Method, key, expires, contentType, size, filename)
	if !hmac.Equal([]byte(q.Get("signature")), []byte(want)) {
		fail(w, r, fault.New(fault.Forbidden, "Il collegamento non è valido."))
		return
	}
	if !time.Now().Before(time.Unix(expires, 0)) {
		fail(w, r, fault.New(fault.Forbidden, "Il collegamento è scaduto: richiedine uno nuovo."))
		return
	}
	// Only GET and PUT are ever signed, so a valid signature names one.
	if r.Method == http.MethodGet {
		b.serveDownload(w, r, key, filename, fail)
	} else {
		b.serveUpload(w, r, key, contentType, size, fail)
	}
}

func (b *Bucket) serveDownload(w http.ResponseWriter, r *http.Request, key, filename string, fail ErrorWriter) {
	f, a, err := b.open(key)
	if fault.Is(err, fault.NotFound) {
		fail(w, r, fault.New(fault.NotFound, "Il file richiesto non esiste."))
		return
	}
	if err != nil {
		fail(w, r, err)
		return
	}
	defer f.Close()
	h := w.Header()
	h.Set("Content-Type", a.ContentType)
	// The local server serves files on the portal's own origin: a stored
	// HTML file must neither be sniffed into one nor run scripts there.
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox")
	h.Set("ETag", `"`+a.SHA256+`"`)
	if filename != "" {
		// RFC 6266: a plain filename when it is a token or quotable ASCII,
		// filename* in UTF-8 otherwise.
		h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": filename}))
	}
	http.ServeContent(w, r, "", a.Modified, f)
}

func (b *Bucket) serveUpload(w http.ResponseWriter, r *http.Request, key, contentType string, size int64, fail ErrorWriter) {
	if r.Header.Get("Content-Type") != contentType {
		fail(w, r, fault.New(fault.Forbidden, "Il tipo del file non corrisponde a quello dichiarato."))
		return
	}
	if r.ContentLength != size {
		fail(w, r, fault.New(fault.Forbidden, "La dimensione del file non corrisponde a quella dichiarata."))
		return
	}
	_, err := b.write(key, io.LimitReader(r.Body, size+1), contentType, blob.Standard, size)
	// A body cut short reads as io.ErrUnexpectedEOF.
	if errors.Is(err, errSize) || errors.Is(err, io.ErrUnexpectedEOF) {
		fail(w, r, fault.New(fault.Forbidden, "La dimensione del file non corrisponde a quella dichiarata."))
		return
	}
	if err != nil {
		fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusOK)
}
