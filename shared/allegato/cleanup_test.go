package allegato

import (
	"context"
	"testing"
	"time"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/store"
)

func TestCleanupDeletesTheBytesOfExpiredAttachmentsOnly(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	app := e.draft(t, rossi)
	upload := func() Attachment {
		t.Helper()
		a, req, err := e.s.Prepare(ctx, tenant, rossi, app.ID, Declared{FileName: "a.pdf", MediaType: "application/pdf", Size: int64(len(pdf))}, policy)
		if err != nil {
			t.Fatalf("Prepare: %v", err)
		}
		if status, _, _ := e.send(t, req, pdf); status/100 != 2 {
			t.Fatalf("upload: got status %d, want 2xx", status)
		}
		return a
	}
	abandoned, kept := upload(), upload()
	if _, _, err := e.s.Confirm(ctx, tenant, rossi, app.ID, kept.ID); err != nil {
		t.Fatalf("Confirm: %v", err)
	}

	swept, err := e.driver.Sweep(ctx, time.Now().Add(PendingTTL+time.Minute))
	if err != nil || swept != 1 {
		t.Fatalf("Sweep: got %d items deleted (%v), want the abandoned attachment's record", swept, err)
	}
	changes, err := e.db.Feed().Changes(ctx, "test", 1000)
	if err != nil {
		t.Fatalf("Changes: %v", err)
	}
	c := NewCleanup(e.db, e.bucket)
	deletions := 0
	for _, ch := range changes {
		if ch.Kind == store.Deleted {
			deletions++
		}
		// Twice, as a redelivered change comes: the second finds nothing
		// to delete and succeeds all the same.
		for range 2 {
			if err := c.Handle(ctx, ch); err != nil {
				t.Fatalf("Handle %s %s: %v", ch.Kind, ch.Key.PK, err)
			}
		}
	}
	if deletions == 0 {
		t.Fatal("got no deletion in the change feed, want the expired record's")
	}
	if _, err := e.bucket.Attributes(ctx, blobKey(tenant, abandoned.ID)); !fault.Is(err, fault.NotFound) {
		t.Errorf("abandoned attachment's object: got %v, want it deleted (NotFound)", err)
	}
	if _, err := e.bucket.Attributes(ctx, blobKey(tenant, kept.ID)); err != nil {
		t.Errorf("confirmed attachment's object: got %v, want it kept", err)
	}
}
