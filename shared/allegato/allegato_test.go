package allegato

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stanzaportal/stanza/shared/blob"
	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/pratica"
	"github.com/stanzaportal/stanza/shared/store"
)

func sum(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

func TestUploadConfirmDownload(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	app := e.draft(t, rossi)

	a, req, err := e.s.Prepare(ctx, tenant, rossi, app.ID, Declared{FileName: "../../etc/passwd", MediaType: "application/pdf", Size: int64(len(pdf))}, policy)
	if err != nil {
		t.Fatalf("Prepare: %v", err)
	}
	if req.Method != http.MethodPut || !strings.Contains(req.URL, a.ID) || strings.Contains(req.URL, "passwd") {
		t.Fatalf("got upload %s %s, want a PUT to a key named by the id %s only", req.Method, req.URL, a.ID)
	}
	if a.Name != "passwd.pdf" || a.Confirmed() {
		t.Fatalf("got name %q confirmed %v, want passwd.pdf, pending", a.Name, a.Confirmed())
	}
	if got := time.Until(req.Expires); got > UploadExpiry+time.Second || got < UploadExpiry-time.Minute {
		t.Errorf("got the upload valid for %s, want %s", got, UploadExpiry)
	}
	if status, _, _ := e.send(t, req, pdf); status/100 != 2 {
		t.Fatalf("upload: got status %d, want 2xx", status)
	}

	got, saved, err := e.s.Confirm(ctx, tenant, rossi, app.ID, a.ID)
	if err != nil {
		t.Fatalf("Confirm: %v", err)
	}
	if got.SHA256 != sum(pdf) || !got.Confirmed() || !slices.Equal(got.Applications, []string{app.ID}) {
		t.Fatalf("got %+v, want confirmed with the PDF's SHA-256, in %s", got, app.ID)
	}
	if !slices.Equal(saved.Attachments, []string{a.ID}) || saved.Version <= app.Version {
		t.Fatalf("got application attachments %v version %d, want [%s] over version %d", saved.Attachments, saved.Version, a.ID, app.Version)
	}

	again, savedAgain, err := e.s.Confirm(ctx, tenant, rossi, app.ID, a.ID)
	if err != nil || again.SHA256 != got.SHA256 || savedAgain.Version != saved.Version || len(again.Applications) != 1 {
		t.Fatalf("confirming again: got %+v, version %d (%v), want the same attachment and no write", again, savedAgain.Version, err)
	}

	dl, err := e.s.Download(ctx, rossi, a.ID)
	if err != nil {
		t.Fatalf("Download: %v", err)
	}
	status, body, h := e.send(t, dl, nil)
	_, params, _ := mime.ParseMediaType(h.Get("Content-Disposition"))
	if status != http.StatusOK || string(body) != string(pdf) || params["filename"] != "passwd.pdf" {
		t.Fatalf("download: got %d, %d bytes, filename %q; want 200, the PDF, passwd.pdf", status, len(body), params["filename"])
	}
}

func TestConfirmHashesWhenTheStoreHasNoDigest(t *testing.T) {
	e := newEnvWith(t, func(d blob.Driver) blob.Driver { return noDigest{d} })
	app := e.draft(t, rossi)
	got := e.attach(t, rossi, app.ID, "foto.png", "image/png", png)
	if got.SHA256 != sum(png) {
		t.Fatalf("got SHA-256 %q, want %q", got.SHA256, sum(png))
	}
}

// noDigest is a blob store that does not know digests, as S3 for uploads
// through signed URLs.
type noDigest struct{ blob.Driver }

func (d noDigest) Attributes(ctx context.Context, key string) (blob.Attributes, error) {
	a, err := d.Driver.Attributes(ctx, key)
	a.SHA256 = ""
	return a, err
}

func (d noDigest) Get(ctx context.Context, key string, rng *blob.Range) (io.ReadCloser, blob.Attributes, error) {
	r, a, err := d.Driver.Get(ctx, key, rng)
	a.SHA256 = ""
	return r, a, err
}

func TestConfirmRefusesContentOfAnotherType(t *testing.T) {
	cert := []byte{0x30, 0x82, 0x01, 0x0a, 0x30, 0x82, 0x00, 0xf0, 0xa0, 0x03, 0x02, 0x01, 0x02, 0x02, 0x01, 0x01, 0x00, 0x00}
	tests := []struct {
		name      string
		mediaType string
		body      []byte
	}{
		{"PNGDeclaredPDF", "application/pdf", png},
		{"PDFDeclaredPNG", "image/png", pdf},
		{"TextDeclaredJPEG", "image/jpeg", []byte("<html><script>alert(1)</script></html>")},
		{"CertificateDeclaredP7M", "application/pkcs7-mime", cert},
		{"PDFDeclaredP7M", "application/pkcs7-mime", pdf},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t)
			app := e.draft(t, rossi)
			a := e.prepare(t, rossi, app.ID, "file", tt.mediaType, tt.body)

			_, _, err := e.s.Confirm(ctx, tenant, rossi, app.ID, a.ID)
			wantCode(t, err, fault.Invalid)
			if _, err := e.bucket.Attributes(ctx, blobKey(tenant, a.ID)); !fault.Is(err, fault.NotFound) {
				t.Errorf("got the object still there (%v), want it deleted", err)
			}
			_, _, err = e.s.Confirm(ctx, tenant, rossi, app.ID, a.ID)
			wantCode(t, err, fault.NotFound)
			now, _ := e.apps.Get(ctx, tenant, citizen(rossi), app.ID)
			if len(now.Attachments) != 0 {
				t.Errorf("got application attachments %v, want none", now.Attachments)
			}
		})
	}
}

func TestConfirmRefusesAnotherSize(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	app := e.draft(t, rossi)
	a, req, err := e.s.Prepare(ctx, tenant, rossi, app.ID, Declared{FileName: "a.pdf", MediaType: "application/pdf", Size: int64(len(pdf))}, policy)
	if err != nil {
		t.Fatalf("Prepare: %v", err)
	}
	// The signed upload itself refuses another length...
	short := pdf[:len(pdf)-1]
	if status, _, _ := e.send(t, req, short); status != http.StatusForbidden {
		t.Fatalf("uploading fewer bytes: got status %d, want 403", status)
	}
	// ...and Confirm does not trust the blob store to have done so.
	if _, err := e.bucket.Put(ctx, blobKey(tenant, a.ID), strings.NewReader(string(short)), blob.PutOptions{ContentType: "application/pdf"}); err != nil {
		t.Fatalf("Put: %v", err)
	}
	_, _, err = e.s.Confirm(ctx, tenant, rossi, app.ID, a.ID)
	wantCode(t, err, fault.Invalid)
	if e.objects(t) != 0 {
		t.Fatalf("got the object kept, want it deleted")
	}
}

func TestConfirmBeforeUploadIsConflict(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	app := e.draft(t, rossi)
	a, req, err := e.s.Prepare(ctx, tenant, rossi, app.ID, Declared{FileName: "a.pdf", MediaType: "application/pdf", Size: int64(len(pdf))}, policy)
	if err != nil {
		t.Fatalf("Prepare: %v", err)
	}
	_, _, err = e.s.Confirm(ctx, tenant, rossi, app.ID, a.ID)
	wantCode(t, err, fault.Conflict)
	// The pending attachment is still there: upload, then confirm.
	if status, _, _ := e.send(t, req, pdf); status/100 != 2 {
		t.Fatalf("upload: got status %d, want 2xx", status)
	}
	if _, _, err := e.s.Confirm(ctx, tenant, rossi, app.ID, a.ID); err != nil {
		t.Fatalf("Confirm after the upload: %v", err)
	}
}

func TestConfirmOnlyByTheOwnerForTheApplication(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	app := e.draft(t, rossi)
	otherApp := e.draft(t, rossi)
	a := e.prepare(t, rossi, app.ID, "a.pdf", "application/pdf", pdf)
	tests := []struct {
		name            string
		tenant, cf, app string
		id              string
	}{
		{"ErrOtherCitizen", tenant, bianchi, app.ID, a.ID},
		{"ErrOtherApplication", tenant, rossi, otherApp.ID, a.ID},
		{"ErrOtherTenant", "altro", rossi, app.ID, a.ID},
		{"ErrMalformedID", tenant, rossi, app.ID, "../" + a.ID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := e.s.Confirm(ctx, tt.tenant, tt.cf, tt.app, tt.id)
			wantCode(t, err, fault.NotFound)
		})
	}
}

func TestPrepareRefuses(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	app := e.draft(t, rossi)
	full := e.draft(t, rossi)
	for i := range policy.MaxFiles {
		e.attach(t, rossi, full.ID, fileName(i), "application/pdf", pdf)
	}
	sent := e.draft(t, rossi)
	if _, err := e.apps.Submit(ctx, tenant, citizen(rossi), sent.ID, "k1", []byte(`{}`)); err != nil {
		t.Fatalf("Submit: %v", err)
	}
	onlyPDF := Policy{AllowedTypes: []string{"application/pdf", "image/tiff"}, MaxSize: 1000, MaxFiles: 1}
	tests := []struct {
		name    string
		cf, app string
		d       Declared
		p       Policy
		want    fault.Code
	}{
		{"ErrTypeNotInPolicy", rossi, app.ID, Declared{"a.png", "image/png", 10}, onlyPDF, fault.Invalid},
		{"ErrTypeNotCheckable", rossi, app.ID, Declared{"a.tif", "image/tiff", 10}, onlyPDF, fault.Invalid},
		{"ErrUnknownType", rossi, app.ID, Declared{"a.txt", "text/plain", 10}, policy, fault.Invalid},
		{"ErrTooLarge", rossi, app.ID, Declared{"a.pdf", "application/pdf", 1001}, onlyPDF, fault.TooLarge},
		{"ErrEmpty", rossi, app.ID, Declared{"a.pdf", "application/pdf", 0}, onlyPDF, fault.Invalid},
		{"ErrNoAttachments", rossi, app.ID, Declared{"a.pdf", "application/pdf", 10}, Policy{AllowedTypes: onlyPDF.AllowedTypes, MaxSize: 1000}, fault.Invalid},
		{"ErrTooManyFiles", rossi, full.ID, Declared{"a.pdf", "application/pdf", 10}, policy, fault.Invalid},
		{"ErrSubmitted", rossi, sent.ID, Declared{"a.pdf", "application/pdf", 10}, policy, fault.Conflict},
		{"ErrOtherCitizensApplication", bianchi, app.ID, Declared{"a.pdf", "application/pdf", 10}, policy, fault.NotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := e.s.Prepare(ctx, tenant, tt.cf, tt.app, tt.d, tt.p)
			wantCode(t, err, tt.want)
		})
	}
	t.Run("OK", func(t *testing.T) {
		if _, _, err := e.s.Prepare(ctx, tenant, rossi, app.ID, Declared{"a.pdf", "application/pdf", 1000}, onlyPDF); err != nil {
			t.Fatalf("got %v, want a PDF at the size limit admitted", err)
		}
	})
}

func TestConfirmBeyondMaxFilesKeepsTheFileUnlinked(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	app := e.draft(t, rossi)
	// Both prepared while there was room; only the first one fits.
	first := e.prepare(t, rossi, app.ID, "a.pdf", "application/pdf", pdf)
	var extra Attachment
	for i := range policy.MaxFiles {
		if i == policy.MaxFiles-1 {
			extra = e.prepare(t, rossi, app.ID, "b.pdf", "application/pdf", pdf)
			continue
		}
		e.attach(t, rossi, app.ID, fileName(i), "application/pdf", pdf)
	}
	if _, _, err := e.s.Confirm(ctx, tenant, rossi, app.ID, first.ID); err != nil {
		t.Fatalf("Confirm: %v", err)
	}
	_, _, err := e.s.Confirm(ctx, tenant, rossi, app.ID, extra.ID)
	wantCode(t, err, fault.Invalid)
	page, err := e.s.List(ctx, rossi, 0, "")
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	i := slices.IndexFunc(page.Attachments, func(a Attachment) bool { return a.ID == extra.ID })
	if i < 0 || len(page.Attachments[i].Applications) != 0 {
		t.Fatalf("got %+v, want the file in the library, in no application", page.Attachments)
	}
}

func TestReuse(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	first := e.draft(t, rossi)
	a := e.attach(t, rossi, first.ID, "carta-identita.pdf", "application/pdf", pdf)
	later := e.draft(t, rossi)

	t.Run("OK", func(t *testing.T) {
		got, app, err := e.s.Reuse(ctx, tenant, rossi, a.ID, later.ID, policy)
		if err != nil {
			t.Fatalf("Reuse: %v", err)
		}
		if !slices.Equal(got.Applications, []string{first.ID, later.ID}) || !slices.Equal(app.Attachments, []string{a.ID}) {
			t.Fatalf("got attachment in %v, application with %v; want both linked", got.Applications, app.Attachments)
		}
		if n := e.objects(t); n != 1 {
			t.Fatalf("got %d objects, want the one file, not a copy", n)
		}
		again, _, err := e.s.Reuse(ctx, tenant, rossi, a.ID, later.ID, policy)
		if err != nil || len(again.Applications) != 2 {
			t.Fatalf("reusing again: got %v (%v), want no change", again.Applications, err)
		}
	})

	pending := e.prepare(t, rossi, first.ID, "b.pdf", "application/pdf", pdf)
	othersApp := e.draft(t, bianchi)
	tests := []struct {
		name   string
		tenant string
		cf, id string
		app    string
		p      Policy
		want   fault.Code
	}{
		{"ErrOtherCitizen", tenant, bianchi, a.ID, othersApp.ID, policy, fault.NotFound},
		{"ErrIntoOtherCitizensApplication", tenant, rossi, a.ID, othersApp.ID, policy, fault.NotFound},
		{"ErrNotConfirmed", tenant, rossi, pending.ID, later.ID, policy, fault.NotFound},
		{"ErrTypeNotInPolicy", tenant, rossi, a.ID, later.ID, Policy{AllowedTypes: []string{"image/png"}, MaxSize: 1 << 20, MaxFiles: 3}, fault.Invalid},
		{"ErrTooLargeForPolicy", tenant, rossi, a.ID, later.ID, Policy{AllowedTypes: []string{"application/pdf"}, MaxSize: 10, MaxFiles: 3}, fault.TooLarge},
		{"ErrOtherComune", "altro", rossi, a.ID, later.ID, policy, fault.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := e.s.Reuse(ctx, tt.tenant, tt.cf, tt.id, tt.app, tt.p)
			wantCode(t, err, tt.want)
		})
	}

	t.Run("ErrSubmitted", func(t *testing.T) {
		sent := e.draft(t, rossi)
		if _, err := e.apps.Submit(ctx, tenant, citizen(rossi), sent.ID, "k1", []byte(`{}`)); err != nil {
			t.Fatalf("Submit: %v", err)
		}
		_, _, err := e.s.Reuse(ctx, tenant, rossi, a.ID, sent.ID, policy)
		wantCode(t, err, fault.Conflict)
	})
}

func TestListNewestFirstByPages(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	app := e.draft(t, rossi)
	app2 := e.draft(t, rossi)
	var want []string
	for i := range 5 {
		target := app.ID
		if i >= policy.MaxFiles {
			target = app2.ID
		}
		want = append([]string{fileName(i)}, want...)
		e.attach(t, rossi, target, fileName(i), "application/pdf", pdf)
	}
	e.prepare(t, rossi, app2.ID, "in-sospeso.pdf", "application/pdf", pdf) // pending: not listed
	e.attach(t, bianchi, e.draft(t, bianchi).ID, "altro.pdf", "application/pdf", pdf)

	var got []Attachment
	cursor, pages := "", 0
	for {
		page, err := e.s.List(ctx, rossi, 2, cursor)
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		if len(page.Attachments) > 2 {
			t.Fatalf("got a page of %d, want at most 2", len(page.Attachments))
		}
		got = append(got, page.Attachments...)
		pages++
		if cursor = page.Cursor; cursor == "" {
			break
		}
	}
	if !slices.Equal(names(got), want) || pages < 3 {
		t.Fatalf("got %v in %d pages, want %v in 3", names(got), pages, want)
	}
	if !slices.Equal(got[0].Applications, []string{app2.ID}) || !slices.Equal(got[4].Applications, []string{app.ID}) {
		t.Fatalf("got applications %v and %v, want each file's own", got[0].Applications, got[4].Applications)
	}

	first, err := e.s.List(ctx, rossi, 2, "")
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	_, err = e.s.List(ctx, bianchi, 2, first.Cursor)
	wantCode(t, err, fault.Invalid) // a cursor of another citizen's list
}

func TestDownloadOnlyByTheOwner(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	app := e.draft(t, rossi)
	a := e.attach(t, rossi, app.ID, "a.pdf", "application/pdf", pdf)
	pending := e.prepare(t, rossi, app.ID, "b.pdf", "application/pdf", pdf)
	_, err := e.s.Download(ctx, bianchi, a.ID)
	wantCode(t, err, fault.NotFound)
	_, err = e.s.Download(ctx, rossi, pending.ID)
	wantCode(t, err, fault.NotFound)
}

// TestKeyAttachment is the access pattern "one attachment": a pending
// record that expires, then a confirmed one that does not.
func TestKeyAttachment(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	app := e.draft(t, rossi)
	a := e.prepare(t, rossi, app.ID, "a.pdf", "application/pdf", pdf)
	key := store.Key{PK: "attachment#" + a.ID, SK: "attachment"}
	it, err := e.db.Global().Get(ctx, key)
	if err != nil {
		t.Fatalf("Get %v: %v", key, err)
	}
	if !it.Expires.Equal(a.CreatedAt.Add(PendingTTL).Truncate(time.Second)) || len(it.Indexes) != 0 {
		t.Fatalf("got pending item expiring %v with indexes %v, want expiry after %s and no index", it.Expires, it.Indexes, PendingTTL)
	}
	if _, err := e.db.Global().Put(ctx, store.Item{Key: key}, store.IfAbsent); !fault.Is(err, fault.Conflict) {
		t.Fatalf("got %v, want the record created if absent", err)
	}
	if _, _, err := e.s.Confirm(ctx, tenant, rossi, app.ID, a.ID); err != nil {
		t.Fatalf("Confirm: %v", err)
	}
	if it, err = e.db.Global().Get(ctx, key); err != nil || !it.Expires.IsZero() {
		t.Fatalf("got confirmed item expiring %v (%v), want no expiry", it.Expires, err)
	}
}

// TestKeyOwnAttachments is the access pattern "own attachments, every
// Comune": GSI1 of the global scope, newest confirmation first.
func TestKeyOwnAttachments(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	app := e.draft(t, rossi)
	older := e.attach(t, rossi, app.ID, "a.pdf", "application/pdf", pdf)
	newer := e.attach(t, rossi, app.ID, "b.pdf", "application/pdf", pdf)
	page, err := e.db.Global().Query(ctx, store.Query{Index: store.GSI1, PK: "citizen#" + rossi + "#attachments", Reverse: true}, "")
	if err != nil {
		t.Fatalf("Query: %v", err)
	}
	var got []string
	for _, it := range page.Items {
		got = append(got, it.Key.PK)
	}
	if want := []string{"attachment#" + newer.ID, "attachment#" + older.ID}; !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if sk := page.Items[0].Indexes[store.GSI1].SK; sk != store.TimeKey(newer.ConfirmedAt)+"#"+newer.ID {
		t.Fatalf("got index sort key %q, want the confirmation time and the id", sk)
	}
}

func TestLinkAttachmentIsAVersionedWrite(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	app := e.draft(t, rossi)
	a := e.attach(t, rossi, app.ID, "a.pdf", "application/pdf", pdf)
	// The citizen's page still holds the version before the upload: its
	// autosave is stale, and must read the new one.
	_, err := e.apps.SaveDraft(ctx, tenant, citizen(rossi), app.ID, pratica.Autosave{Version: app.Version, Step: 1})
	wantCode(t, err, fault.Conflict)
	now, _ := e.apps.Get(ctx, tenant, citizen(rossi), app.ID)
	if !slices.Equal(now.Attachments, []string{a.ID}) {
		t.Fatalf("got %v, want the attachment linked", now.Attachments)
	}
}

func TestOfApplication(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	app := e.draft(t, rossi)
	a := e.attach(t, rossi, app.ID, "a.pdf", "application/pdf", pdf)
	b := e.attach(t, rossi, app.ID, "b.png", "image/png", png)
	saved, err := e.apps.Get(ctx, tenant, citizen(rossi), app.ID)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	got, err := e.s.OfApplication(ctx, saved)
	if err != nil {
		t.Fatalf("OfApplication: %v", err)
	}
	if len(got) != 2 || got[0].ID != a.ID || got[1].ID != b.ID || got[1].SHA256 != sum(png) {
		t.Fatalf("got %+v, want a then b with their digests", got)
	}

	t.Run("ErrForeignID", func(t *testing.T) {
		other := e.attach(t, bianchi, e.draft(t, bianchi).ID, "c.pdf", "application/pdf", pdf)
		forged := saved
		forged.Attachments = []string{a.ID, other.ID}
		_, err := e.s.OfApplication(ctx, forged)
		wantCode(t, err, fault.Internal)
	})
}
