package risposta_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stanzaportal/stanza/shared/allegato"
	"github.com/stanzaportal/stanza/shared/blob"
	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/risposta"
)

func TestFileCleanupDeletesUncheckedFilesOnly(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	const app = "01JAPPLICATION0000000000000"
	content := []byte("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n")
	prepare := func() risposta.File {
		t.Helper()
		f, _, err := risposta.PrepareFile(ctx, e.db, e.archive, comune, app, allegato.Declared{FileName: "esito.pdf", MediaType: "application/pdf", Size: int64(len(content))})
		if err != nil {
			t.Fatalf("risposta.PrepareFile: %v", err)
		}
		if _, err := e.archive.Put(ctx, risposta.FileArchiveKey(comune, app, f.ID), bytes.NewReader(content), blob.PutOptions{ContentType: "application/pdf"}); err != nil {
			t.Fatalf("Put: %v", err)
		}
		return f
	}
	unused, used := prepare(), prepare()
	if _, err := risposta.CheckFile(ctx, e.db, e.archive, comune, app, used.ID); err != nil {
		t.Fatalf("risposta.CheckFile: %v", err)
	}

	if n, err := e.driver.Sweep(ctx, time.Now().Add(risposta.PendingFileTTL+time.Minute)); err != nil || n != 1 {
		t.Fatalf("Sweep: got %d deleted (%v), want the unchecked file's record", n, err)
	}
	changes, err := e.db.Feed().Changes(ctx, "test", 1000)
	if err != nil {
		t.Fatalf("Changes: %v", err)
	}
	c := risposta.NewFileCleanup(e.archive)
	for _, ch := range changes {
		for range 2 { // a redelivered change succeeds again
			if err := c.Handle(ctx, ch); err != nil {
				t.Fatalf("Handle %s %s: %v", ch.Kind, ch.Key.SK, err)
			}
		}
	}
	if _, err := e.archive.Attributes(ctx, risposta.FileArchiveKey(comune, app, unused.ID)); !fault.Is(err, fault.NotFound) {
		t.Errorf("unchecked file: got %v, want its bytes deleted (NotFound)", err)
	}
	if _, err := e.archive.Attributes(ctx, risposta.FileArchiveKey(comune, app, used.ID)); err != nil {
		t.Errorf("checked file: got %v, want its bytes kept", err)
	}
	if f, err := risposta.FileOf(ctx, e.db, comune, app, used.ID); err != nil || f.SHA256 == "" {
		t.Errorf("checked file's record: got %+v (%v), want it kept with its digest", f, err)
	}
}
