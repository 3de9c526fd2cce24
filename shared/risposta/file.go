package risposta

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/stanzaportal/stanza/shared/allegato"
	"github.com/stanzaportal/stanza/shared/blob"
	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/store"
)

// File is a document an operator attaches to a decision: the signed
// provvedimento itself, as a PDF or a signed .p7m. It is kept in the
// archive beside the response, and the response lists its name and
// SHA-256.
type File struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	MediaType string    `json:"mediaType"`
	Size      int64     `json:"size"`
	SHA256    string    `json:"sha256,omitempty"` // lower-case hex, once checked
	CreatedAt time.Time `json:"createdAt"`
}

// FilePolicy is what a response file may be.
var FilePolicy = allegato.Policy{
	AllowedTypes: []string{"application/pdf", "application/pkcs7-mime"},
	MaxSize:      20 << 20,
	MaxFiles:     1,
}

// PendingFileTTL is how long a response file stays when it is prepared but
// never checked by a decision: then the store deletes its record and
// FileCleanup its bytes. A day covers an operator who uploads the file and
// decides later in the day.
const PendingFileTTL = 24 * time.Hour

func fileKey(app, id string) store.Key {
	return store.Key{PK: "application#" + app, SK: "response-file#" + id}
}

// FileArchiveKey is where response file id of application app is kept.
func FileArchiveKey(tenant, app, id string) string {
	return "t/" + tenant + "/applications/" + app + "/response-files/" + id
}

// PrepareFile records a response file of application app, as declared, and
// returns it with the signed request that uploads it to archive. Callers
// check first that the asker may decide on the application.
func PrepareFile(ctx context.Context, db *store.DB, archive *blob.Bucket, tenant, app string, d allegato.Declared) (File, blob.SignedRequest, error) {
	d, err := FilePolicy.Admit(d)
	if err != nil {
		return File{}, blob.SignedRequest{}, err
	}
	f := File{ID: store.NewID(), Name: d.FileName, MediaType: d.MediaType, Size: d.Size, CreatedAt: time.Now().UTC()}
	if err := putFile(ctx, db, tenant, app, f, store.IfAbsent); err != nil {
		return File{}, blob.SignedRequest{}, err
	}
	req, err := archive.SignedUpload(ctx, FileArchiveKey(tenant, app, f.ID), blob.UploadOptions{
		ContentType: f.MediaType, Size: f.Size, Expiry: allegato.UploadExpiry,
	})
	if err != nil {
		return File{}, blob.SignedRequest{}, err
	}
	return f, req, nil
}

// CheckFile verifies the uploaded bytes of response file id of application
// app and records their SHA-256. A file never prepared is Invalid; one not
// uploaded yet, a Conflict; one whose bytes are not as declared, Invalid.
func CheckFile(ctx context.Context, db *store.DB, archive *blob.Bucket, tenant, app, id string) (File, error) {
	f, err := FileOf(ctx, db, tenant, app, id)
	if fault.Is(err, fault.NotFound) {
		return File{}, fault.New(fault.Invalid, "Il file di risposta %q non esiste per questa pratica.", id)
	}
	if err != nil || f.SHA256 != "" {
		return f, err
	}
	sum, err := allegato.Verify(ctx, archive, FileArchiveKey(tenant, app, id), allegato.Declared{MediaType: f.MediaType, Size: f.Size})
	if err != nil {
		return File{}, err
	}
	f.SHA256 = sum
	return f, putFile(ctx, db, tenant, app, f, store.Condition{})
}

// FileOf returns response file id of application app.
func FileOf(ctx context.Context, db *store.DB, tenant, app, id string) (File, error) {
	if !store.IsID(id) {
		return File{}, fault.New(fault.NotFound, "Il file di risposta richiesto non esiste.")
	}
	it, err := db.Tenant(tenant).Get(ctx, fileKey(app, id))
	if err != nil {
		return File{}, err
	}
	var f File
	if err := json.Unmarshal(it.Data, &f); err != nil {
		return File{}, fault.Wrap(err, fault.Internal, "risposta: response file %s is unreadable", id)
	}
	return f, nil
}

func putFile(ctx context.Context, db *store.DB, tenant, app string, f File, cond store.Condition) error {
	data, err := json.Marshal(f)
	if err != nil {
		return err
	}
	it := store.Item{Key: fileKey(app, f.ID), Data: data}
	if f.SHA256 == "" {
		it.Expires = f.CreatedAt.Add(PendingFileTTL)
	}
	_, err = db.Tenant(tenant).Put(ctx, it, cond)
	return err
}

// FileCleanup is the worker handler that deletes from the archive the bytes
// of response files that expired unchecked: prepared, perhaps uploaded, but
// never part of a decision. A checked file has no expiry, so only the
// deletion of an unchecked record counts.
type FileCleanup struct {
	archive *blob.Bucket
}

// NewFileCleanup returns the handler over the archive bucket.
func NewFileCleanup(archive *blob.Bucket) *FileCleanup { return &FileCleanup{archive: archive} }

// Name implements worker.Handler.
func (c *FileCleanup) Name() string { return "response-file-cleanup" }

// Handle implements worker.Handler.
func (c *FileCleanup) Handle(ctx context.Context, ch store.Change) error {
	if ch.New != nil || ch.Old == nil {
		return nil
	}
	tenant, pk, ok := store.TenantOf(ch.Key.PK)
	app, isApp := strings.CutPrefix(pk, "application#")
	id, isFile := strings.CutPrefix(ch.Key.SK, "response-file#")
	if !ok || !isApp || !isFile {
		return nil
	}
	var f File
	if err := json.Unmarshal(ch.Old.Data, &f); err != nil {
		return fault.Wrap(err, fault.Internal, "risposta: response file %s is unreadable", id)
	}
	if f.SHA256 != "" {
		return nil
	}
	return c.archive.Delete(ctx, FileArchiveKey(tenant, app, id))
}
