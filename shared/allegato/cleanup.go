package allegato

import (
	"context"
	"strings"

	"github.com/stanzaportal/stanza/shared/blob"
	"github.com/stanzaportal/stanza/shared/store"
)

// Cleanup is the worker handler that deletes the bytes of attachments never
// confirmed. A pending record expires after PendingTTL; the store then
// deletes it (DynamoDB's TTL deleter, the embedded store's Sweep) and the
// change feed tells this handler, which deletes the object that may have
// been uploaded for it. Without it, a citizen who uploads a file and leaves
// the form would leave bytes no one can ever read or link.
type Cleanup struct {
	db     *store.DB
	bucket *blob.Bucket
}

// NewCleanup returns the handler that deletes from bucket the objects of
// db's expired attachments.
func NewCleanup(db *store.DB, bucket *blob.Bucket) *Cleanup {
	return &Cleanup{db: db, bucket: bucket}
}

// Name implements worker.Handler.
func (c *Cleanup) Name() string { return "allegato-cleanup" }

// Handle implements worker.Handler. A confirmed attachment is never
// deleted by expiry, so only the deletion of a pending record counts;
// deleting an object that was never uploaded, or was deleted before,
// succeeds.
func (c *Cleanup) Handle(ctx context.Context, ch store.Change) error {
	if ch.New != nil || ch.Old == nil {
		return nil
	}
	pk, ok := c.db.Global().Local(ch.Key.PK)
	if !ok || !strings.HasPrefix(pk, "attachment#") || ch.Key.SK != "attachment" {
		return nil
	}
	r, err := fromItem(*ch.Old)
	if err != nil || r.Confirmed() {
		return err
	}
	return c.bucket.Delete(ctx, blobKey(r.Tenant, r.ID))
}
