// Package allegato holds citizens' attachments: files that go straight from
// the browser to the blob store through signed uploads, are checked once
// uploaded, and can serve in more than one application. It knows nothing of
// HTTP; the API layer calls it with the citizen it authenticated.
//
// # Upload
//
// Prepare checks the declared type and size against the service's Policy
// and records a pending attachment, which expires unless confirmed within
// an hour; it returns a signed upload that admits exactly the declared size
// and type. Confirm then reads what arrived: the size must be the declared
// one and the first bytes must show the declared type (the allow-list of
// kinds in this package); otherwise the object is deleted and the citizen
// told why. The SHA-256 comes from the blob store when it knows it, or from
// hashing the object. Storage keys are random ids, never the citizen's file
// name, which is only kept, sanitised, for display and download.
//
// # Where the links live
//
// An application's attachments are the ids in its own item (pratica's
// Application.Attachments), added by a version-checked write of that item
// (pratica.Store.LinkAttachment). That item is what submission freezes and
// what operators and the receipt read, and one conditional write is what
// keeps a file from joining an application after it was submitted, or
// beyond the service's number of files. A separate partition of links could
// not guarantee either without a transaction.
//
// The attachment's own record lists the applications it belongs to, for
// "I miei allegati". It is written after the application: every step is
// idempotent, so if a crash falls between the two, the citizen's repeated
// confirmation or reuse completes the record. The record is confirmed
// before it is linked, so a file is never linked while its record could
// still expire.
//
// # Keys
//
// In the global scope, since a citizen's documents are theirs across
// Comuni (see the access patterns in package store):
//
//   - the attachment: PK "attachment#<id>", SK "attachment"; pending ones
//     expire after PendingTTL;
//   - in GSI1, once confirmed, "I miei allegati": PK
//     "citizen#<fiscal code>#attachments", SK "<confirmation time>#<id>",
//     read newest first.
//
// The bytes are at "t/<tenant>/attachments/<id>" in the blob store. An
// attachment serves only applications of the Comune it was uploaded to:
// each Comune keeps, archives and deletes its own files.
package allegato

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"time"

	"github.com/stanzaportal/stanza/shared/blob"
	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/pratica"
	"github.com/stanzaportal/stanza/shared/store"
)

// Lifetimes of what Prepare and Download hand out.
const (
	PendingTTL     = time.Hour        // an unconfirmed attachment
	UploadExpiry   = 15 * time.Minute // a signed upload
	DownloadExpiry = 5 * time.Minute  // a signed download
	maxAttempts    = 5                // reads and writes before a contended change gives up
)

// Declared is what the citizen's browser says of a file before sending it.
type Declared struct {
	FileName  string
	MediaType string
	Size      int64
}

// Policy is what a service admits as attachments of one application.
type Policy struct {
	AllowedTypes []string // media types; only those of MediaTypes are ever admitted
	MaxSize      int64    // bytes per file
	MaxFiles     int      // files per application; 0 admits none
}

// MediaTypes lists every media type a Policy may admit.
func MediaTypes() []string {
	out := make([]string, len(kinds))
	for i, k := range kinds {
		out[i] = k.mediaType
	}
	return out
}

// Admit checks d against p and returns it with its sanitised name and the
// media type as this package spells it.
func (p Policy) Admit(d Declared) (Declared, error) {
	k, err := p.admit(d.MediaType, d.Size)
	if err != nil {
		return Declared{}, err
	}
	return Declared{FileName: sanitizeName(d.FileName, k), MediaType: k.mediaType, Size: d.Size}, nil
}

// admit returns the kind of a file of mediaType and size when p admits it.
func (p Policy) admit(mediaType string, size int64) (kind, error) {
	switch {
	case p.MaxFiles <= 0:
		return kind{}, fault.New(fault.Invalid, "Il servizio non ammette allegati.")
	case p.MaxSize <= 0:
		return kind{}, fault.New(fault.Internal, "allegato: the policy admits files but sets no maximum size")
	}
	// A type the service lists but this package cannot recognise from the
	// bytes is not admitted: its files could not be checked.
	k, ok := kindOf(mediaType)
	if !ok || !slices.Contains(p.AllowedTypes, mediaType) {
		return kind{}, fault.New(fault.Invalid, "Questo tipo di file non è ammesso per il servizio: sono ammessi %s.", typeList(p.AllowedTypes))
	}
	switch {
	case size <= 0:
		return kind{}, fault.New(fault.Invalid, "Il file è vuoto.")
	case size > p.MaxSize:
		return kind{}, fault.New(fault.TooLarge, "Il file supera la dimensione massima ammessa (%s).", humanSize(p.MaxSize))
	}
	return k, nil
}

// Attachment is a citizen's file.
type Attachment struct {
	ID        string `json:"id"`
	Tenant    string `json:"tenant"`
	Owner     string `json:"owner"` // the citizen's fiscal code
	Name      string `json:"name"`  // sanitised, with an extension of MediaType
	MediaType string `json:"mediaType"`
	Size      int64  `json:"size"`
	SHA256    string `json:"sha256,omitempty"` // lower-case hex, once confirmed
	// Applications are the ids of the applications (of Tenant) it belongs to.
	Applications []string  `json:"applications"`
	CreatedAt    time.Time `json:"createdAt"`
	ConfirmedAt  time.Time `json:"confirmedAt,omitzero"`
}

// Confirmed reports whether the file has been checked.
func (a Attachment) Confirmed() bool { return !a.ConfirmedAt.IsZero() }

// record is the stored attachment, with what Confirm needs of the Prepare
// that made it.
type record struct {
	Attachment
	For      string `json:"for"`      // the application it was uploaded for
	MaxFiles int    `json:"maxFiles"` // that service's limit, when prepared
	version  int64
}

// Store keeps attachments in a store.DB and their bytes in a blob.Bucket.
type Store struct {
	db     *store.DB
	bucket *blob.Bucket
	apps   *pratica.Store
	now    func() time.Time
}

// NewStore returns a Store over db and bucket, linking attachments to the
// applications of apps.
func NewStore(db *store.DB, bucket *blob.Bucket, apps *pratica.Store) *Store {
	return &Store{db: db, bucket: bucket, apps: apps, now: time.Now}
}

func recordKey(id string) store.Key { return store.Key{PK: "attachment#" + id, SK: "attachment"} }

func libraryPK(citizen string) string { return "citizen#" + citizen + "#attachments" }

// blobKey is where the bytes are: under the Comune's prefix, named by id.
func blobKey(tenant, id string) string { return "t/" + tenant + "/attachments/" + id }

func citizen(cf string) pratica.Actor { return pratica.Actor{Role: pratica.Citizen, Subject: cf} }

func notFound() error { return fault.New(fault.NotFound, "L'allegato richiesto non esiste.") }

func stale() error {
	return fault.New(fault.Conflict, "L'allegato è stato modificato nel frattempo: riprova.")
}

func (r record) item() (store.Item, error) {
	data, err := json.Marshal(r)
	if err != nil {
		return store.Item{}, err
	}
	it := store.Item{Key: recordKey(r.ID), Data: data}
	if r.Confirmed() {
		it.Indexes = map[store.Index]store.Key{
			store.GSI1: {PK: libraryPK(r.Owner), SK: store.TimeKey(r.ConfirmedAt) + "#" + r.ID},
		}
	} else {
		it.Expires = r.CreatedAt.Add(PendingTTL)
	}
	return it, nil
}

func fromItem(it store.Item) (record, error) {
	var r record
	if err := json.Unmarshal(it.Data, &r); err != nil {
		return record{}, fault.Wrap(err, fault.Internal, "allegato: attachment %s is unreadable", it.Key.PK)
	}
	r.version = it.Version
	return r, nil
}

// load returns attachment id when cf owns it; anyone else's does not exist.
func (s *Store) load(ctx context.Context, cf, id string) (record, error) {
	if !store.IsID(id) {
		return record{}, notFound()
	}
	it, err := s.db.Global().Get(ctx, recordKey(id))
	if fault.Is(err, fault.NotFound) {
		return record{}, notFound()
	}
	if err != nil {
		return record{}, err
	}
	r, err := fromItem(it)
	if err != nil {
		return record{}, err
	}
	if cf == "" || r.Owner != cf {
		return record{}, notFound()
	}
	return r, nil
}

func (s *Store) save(ctx context.Context, r record, cond store.Condition) (record, error) {
	it, err := r.item()
	if err != nil {
		return record{}, err
	}
	stored, err := s.db.Global().Put(ctx, it, cond)
	if err != nil {
		return record{}, err
	}
	r.version = stored.Version
	return r, nil
}

// Prepare records a pending attachment of citizen cf for their application
// app of tenant and returns it with the signed request that uploads it.
// The application must still accept attachments and have room for one
// more under p.
func (s *Store) Prepare(ctx context.Context, tenant, cf, app string, d Declared, p Policy) (Attachment, blob.SignedRequest, error) {
	k, err := p.admit(d.MediaType, d.Size)
	if err != nil {
		return Attachment{}, blob.SignedRequest{}, err
	}
	a, err := s.apps.Get(ctx, tenant, citizen(cf), app)
	if err != nil {
		return Attachment{}, blob.SignedRequest{}, err
	}
	switch {
	case !a.AcceptsAttachments():
		return Attachment{}, blob.SignedRequest{}, fault.New(fault.Conflict, "La pratica è già stata inviata: non si possono aggiungere allegati.")
	case len(a.Attachments) >= p.MaxFiles:
		return Attachment{}, blob.SignedRequest{}, fault.New(fault.Invalid, "La pratica ha già il numero massimo di allegati (%d).", p.MaxFiles)
	}
	r := record{
		Attachment: Attachment{
			ID: store.NewID(), Tenant: tenant, Owner: cf, Name: sanitizeName(d.FileName, k),
			MediaType: k.mediaType, Size: d.Size, Applications: []string{}, CreatedAt: s.now(),
		},
		For: app, MaxFiles: p.MaxFiles,
	}
	if _, err := s.save(ctx, r, store.IfAbsent); err != nil {
		return Attachment{}, blob.SignedRequest{}, err
	}
	req, err := s.bucket.SignedUpload(ctx, blobKey(tenant, r.ID), blob.UploadOptions{
		ContentType: r.MediaType, Size: r.Size, Expiry: UploadExpiry,
	})
	if err != nil {
		return Attachment{}, blob.SignedRequest{}, err
	}
	return r.Attachment, req, nil
}

// Confirm checks the uploaded bytes of attachment id, which citizen cf
// prepared for application app, records their SHA-256 and links the
// attachment to the application. It returns the attachment and the
// application as saved: its version has changed.
//
// A file whose size or type is not the declared one is deleted, with its
// record: the citizen starts again from Prepare. Confirming again after
// success (a retried request) changes nothing.
func (s *Store) Confirm(ctx context.Context, tenant, cf, app, id string) (Attachment, pratica.Application, error) {
	r, err := s.load(ctx, cf, id)
	if err != nil {
		return Attachment{}, pratica.Application{}, err
	}
	if r.Tenant != tenant || r.For != app {
		return Attachment{}, pratica.Application{}, notFound()
	}
	if !r.Confirmed() {
		if r, err = s.check(ctx, r); err != nil {
			return Attachment{}, pratica.Application{}, err
		}
	}
	return s.link(ctx, r, app, r.MaxFiles)
}

// check verifies the object of pending record r and saves r confirmed.
func (s *Store) check(ctx context.Context, r record) (record, error) {
	key := blobKey(r.Tenant, r.ID)
	sum, err := Verify(ctx, s.bucket, key, Declared{MediaType: r.MediaType, Size: r.Size})
	if fault.Is(err, fault.Invalid) {
		if err := s.bucket.Delete(ctx, key); err != nil {
			return record{}, err
		}
		if err := s.db.Global().Delete(ctx, recordKey(r.ID), store.IfVersion(r.version)); err != nil && !fault.Is(err, fault.Conflict) {
			return record{}, err
		}
		return record{}, err
	}
	if err != nil {
		return record{}, err
	}
	read := r.version
	r.SHA256 = sum
	r.ConfirmedAt = s.now()
	saved, err := s.save(ctx, r, store.IfVersion(read))
	if fault.Is(err, fault.Conflict) {
		// A concurrent confirmation won; go on with what it saved.
		return s.load(ctx, r.Owner, r.ID)
	}
	return saved, err
}

// Verify returns the SHA-256 of the object at key of b when its size and
// first bytes are those of the declared file, whose media type must be one
// of MediaTypes. An object that is missing is a Conflict (not uploaded
// yet); one that differs, an Invalid error.
func Verify(ctx context.Context, b *blob.Bucket, key string, a Declared) (string, error) {
	attrs, err := b.Attributes(ctx, key)
	if fault.Is(err, fault.NotFound) {
		return "", fault.New(fault.Conflict, "Il file non risulta caricato: caricalo e riprova.")
	}
	if err != nil {
		return "", err
	}
	if attrs.Size != a.Size {
		return "", fault.New(fault.Invalid, "La dimensione del file non corrisponde a quella dichiarata.")
	}
	// Read only the head when the store knows the digest (fileblob; S3
	// does not for browser uploads): a file is hashed only when needed.
	var rng *blob.Range
	if attrs.SHA256 != "" {
		rng = &blob.Range{Offset: 0, Length: headBytes}
	}
	body, _, err := b.Get(ctx, key, rng)
	if err != nil {
		return "", err
	}
	defer body.Close()
	h := sha256.New()
	tee := io.TeeReader(body, h)
	head := make([]byte, headBytes)
	n, err := io.ReadFull(tee, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return "", err
	}
	k, _ := kindOf(a.MediaType)
	if !k.match(head[:n]) {
		return "", fault.New(fault.Invalid, "Il contenuto del file non è di tipo %s, come dichiarato: il file è stato scartato.", k.label)
	}
	if attrs.SHA256 != "" {
		return attrs.SHA256, nil
	}
	total, err := io.Copy(h, body)
	if err != nil {
		return "", err
	}
	if int64(n)+total != a.Size {
		return "", fault.New(fault.Invalid, "La dimensione del file non corrisponde a quella dichiarata.")
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Reuse links attachment id, which citizen cf uploaded before, to their
// application app of tenant, without copying its bytes, when p admits its
// type and size. It returns the attachment and the application as saved.
func (s *Store) Reuse(ctx context.Context, tenant, cf, id, app string, p Policy) (Attachment, pratica.Application, error) {
	r, err := s.load(ctx, cf, id)
	if err != nil {
		return Attachment{}, pratica.Application{}, err
	}
	if !r.Confirmed() {
		return Attachment{}, pratica.Application{}, notFound()
	}
	if r.Tenant != tenant {
		return Attachment{}, pratica.Application{}, fault.New(fault.Invalid, "Questo allegato è stato caricato per un altro Comune: per usarlo qui caricalo di nuovo.")
	}
	if _, err := p.admit(r.MediaType, r.Size); err != nil {
		return Attachment{}, pratica.Application{}, err
	}
	return s.link(ctx, r, app, p.MaxFiles)
}

// link adds confirmed r to application app, then app to r's list.
func (s *Store) link(ctx context.Context, r record, app string, maxFiles int) (Attachment, pratica.Application, error) {
	a, err := s.apps.LinkAttachment(ctx, r.Tenant, citizen(r.Owner), app, r.ID, maxFiles)
	if err != nil {
		return Attachment{}, pratica.Application{}, err
	}
	for range maxAttempts {
		if slices.Contains(r.Applications, app) {
			return r.Attachment, a, nil
		}
		read := r.version
		r.Applications = append(slices.Clip(r.Applications), app)
		saved, err := s.save(ctx, r, store.IfVersion(read))
		if err == nil {
			return saved.Attachment, a, nil
		}
		if !fault.Is(err, fault.Conflict) {
			return Attachment{}, pratica.Application{}, err
		}
		if r, err = s.load(ctx, r.Owner, r.ID); err != nil {
			return Attachment{}, pratica.Application{}, err
		}
	}
	return Attachment{}, pratica.Application{}, stale()
}

// Page is one page of "I miei allegati". Cursor is empty on the last page.
type Page struct {
	Attachments []Attachment
	Cursor      string
}

// List returns a page of citizen cf's confirmed attachments, of every
// Comune, newest first, each with the applications it belongs to: one
// query. limit is 0 for the store's default; cursor is "" for the first
// page, then the Cursor of the page before.
func (s *Store) List(ctx context.Context, cf string, limit int, cursor string) (Page, error) {
	if cf == "" {
		return Page{}, fault.New(fault.Forbidden, "Non hai i permessi per questa operazione.")
	}
	res, err := s.db.Global().Query(ctx, store.Query{Index: store.GSI1, PK: libraryPK(cf), Reverse: true, Limit: limit}, cursor)
	if err != nil {
		return Page{}, err
	}
	page := Page{Attachments: make([]Attachment, 0, len(res.Items)), Cursor: res.Cursor}
	for _, it := range res.Items {
		r, err := fromItem(it)
		if err != nil {
			return Page{}, err
		}
		page.Attachments = append(page.Attachments, r.Attachment)
	}
	return page, nil
}

// Download returns a signed request that fetches confirmed attachment id
// of citizen cf, saved under its sanitised name.
func (s *Store) Download(ctx context.Context, cf, id string) (blob.SignedRequest, error) {
	r, err := s.load(ctx, cf, id)
	if err != nil {
		return blob.SignedRequest{}, err
	}
	if !r.Confirmed() {
		return blob.SignedRequest{}, notFound()
	}
	return s.bucket.SignedDownload(ctx, blobKey(r.Tenant, r.ID), r.Name, DownloadExpiry)
}

// DownloadOf returns a signed request that fetches attachment id of
// application a, for whoever may read a (its operators, partners): an id
// that a does not list does not exist for them.
func (s *Store) DownloadOf(ctx context.Context, a pratica.Application, id string) (blob.SignedRequest, error) {
	if !slices.Contains(a.Attachments, id) {
		return blob.SignedRequest{}, notFound()
	}
	r, err := s.load(ctx, a.Applicant, id)
	if err != nil {
		return blob.SignedRequest{}, err
	}
	if !r.Confirmed() || r.Tenant != a.Tenant {
		return blob.SignedRequest{}, notFound()
	}
	return s.bucket.SignedDownload(ctx, blobKey(r.Tenant, r.ID), r.Name, DownloadExpiry)
}

// OfApplication returns the attachments of application a, in the order of
// a.Attachments, for whoever may read a (its operators, the receipt): one
// batch read. An id without a confirmed record of a's applicant and Comune
// is an internal error, since only Confirm and Reuse add ids.
func (s *Store) OfApplication(ctx context.Context, a pratica.Application) ([]Attachment, error) {
	keys := make([]store.Key, len(a.Attachments))
	for i, id := range a.Attachments {
		keys[i] = recordKey(id)
	}
	items, err := s.db.Global().GetMany(ctx, keys)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]Attachment, len(items))
	for _, it := range items {
		r, err := fromItem(it)
		if err != nil {
			return nil, err
		}
		byID[r.ID] = r.Attachment
	}
	out := make([]Attachment, len(a.Attachments))
	for i, id := range a.Attachments {
		at, ok := byID[id]
		if !ok || !at.Confirmed() || at.Owner != a.Applicant || at.Tenant != a.Tenant {
			return nil, fault.New(fault.Internal, "allegato: application %s lists attachment %s, which is not a confirmed file of its applicant", a.ID, id)
		}
		out[i] = at
	}
	return out, nil
}
