// Package worker consumes the store's change feed: every committed write
// reaches each registered Handler, in commit order per item. Everything that
// follows a state change (emails, protocol registration, PDFs, webhooks,
// counters) is a Handler, so that a request only makes the one write.
//
// # Delivery
//
// Feeds deliver at least once: the embedded store's log redelivers what was
// not checkpointed, DynamoDB Streams retries a failed batch. The worker
// remembers, per handler, each change it has handled (a marker item that
// expires after a week, longer than any redelivery), and skips a change it
// has already handled, so a redelivered batch does not act twice. A handler
// whose effect leaves the system (an email) must still be safe to repeat for
// the narrow case of a crash between its effect and the marker.
package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/store"
)

// Handler reacts to changes.
type Handler interface {
	// Name identifies the handler in markers and logs; it must not change
	// once deployed.
	Name() string
	// Handle acts on one change. An error makes the change come again.
	Handle(ctx context.Context, ch store.Change) error
}

// markTTL is how long a handled change is remembered.
const markTTL = 7 * 24 * time.Hour

const markPrefix = "done#"

// Worker dispatches changes to handlers.
type Worker struct {
	db       *store.DB
	log      *slog.Logger
	handlers []Handler
}

// New returns a worker over db that runs handlers.
func New(db *store.DB, log *slog.Logger, handlers ...Handler) *Worker {
	return &Worker{db: db, log: log, handlers: handlers}
}

// Process runs every handler on ch that has not handled it yet.
func (w *Worker) Process(ctx context.Context, ch store.Change) error {
	if pk, ok := w.db.Global().Local(ch.Key.PK); ok && strings.HasPrefix(pk, markPrefix) {
		return nil // the worker's own markers are not news
	}
	var errs []error
	for _, h := range w.handlers {
		mark := store.Key{PK: markPrefix + h.Name(), SK: ch.ID}
		if _, err := w.db.Global().Get(ctx, mark); err == nil {
			continue
		} else if !fault.Is(err, fault.NotFound) {
			errs = append(errs, err)
			continue
		}
		if err := h.Handle(ctx, ch); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", h.Name(), err))
			continue
		}
		_, err := w.db.Global().Put(ctx, store.Item{Key: mark, Expires: time.Now().Add(markTTL)}, store.IfAbsent)
		if err != nil && !fault.Is(err, fault.Conflict) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// ProcessBatch processes changes in order and stops at the first failure,
// returning how many were processed: the failed one and those after it must
// come again, in order.
func (w *Worker) ProcessBatch(ctx context.Context, changes []store.Change) (int, error) {
	for i, ch := range changes {
		if err := w.Process(ctx, ch); err != nil {
			return i, fmt.Errorf("change %s: %w", ch.ID, err)
		}
	}
	return len(changes), nil
}

// Run reads feed as consumer until ctx ends, checkpointing after each batch.
// A failed batch is retried after a pause that doubles up to a minute.
func (w *Worker) Run(ctx context.Context, feed store.Feed, consumer string, poll time.Duration) error {
	backoff := poll
	for {
		changes, err := feed.Changes(ctx, consumer, 100)
		if err == nil && len(changes) > 0 {
			var n int
			n, err = w.ProcessBatch(ctx, changes)
			if n > 0 {
				if cerr := feed.Checkpoint(ctx, consumer, changes[n-1].Seq); cerr != nil {
					err = errors.Join(err, cerr)
				}
			}
		}
		wait := poll
		switch {
		case err != nil:
			w.log.Error("change feed", slog.String("consumer", consumer), slog.String("error", err.Error()))
			backoff = min(2*backoff, time.Minute)
			wait = backoff
		case len(changes) > 0:
			backoff, wait = poll, 0 // more may be waiting
		default:
			backoff = poll
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
	}
}
