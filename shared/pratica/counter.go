package pratica

import (
	"context"
	"strings"

	"github.com/stanzaportal/stanza/shared/store"
)

// Counter is the worker handler that keeps the counts of "Le mie pratiche":
// for every change of an application that moves it between groups (or
// creates or deletes it), one less in the old group, one more in the new.
// Keeping counters costs two writes per such change, off the request path,
// where counting on each page view would read every application.
//
// The worker runs it once per change. A failure between its two additions
// makes the change come again and repeat the first; the counts are a guide
// on the tabs, the lists themselves are exact.
type Counter struct {
	db *store.DB
}

// NewCounter returns the handler over db.
func NewCounter(db *store.DB) *Counter { return &Counter{db: db} }

// Name implements worker.Handler.
func (c *Counter) Name() string { return "pratica-counts" }

// Handle implements worker.Handler.
func (c *Counter) Handle(ctx context.Context, ch store.Change) error {
	tenant, pk, ok := store.TenantOf(ch.Key.PK)
	if !ok || !strings.HasPrefix(pk, "application#") || ch.Key.SK != "application" {
		return nil
	}
	before, err := counted(ch.Old)
	if err != nil {
		return err
	}
	after, err := counted(ch.New)
	if err != nil {
		return err
	}
	if before == after {
		return nil
	}
	scope := c.db.Tenant(tenant)
	if before != (tally{}) {
		if _, err := scope.Add(ctx, countKey(before.citizen, before.group), -1); err != nil {
			return err
		}
	}
	if after != (tally{}) {
		if _, err := scope.Add(ctx, countKey(after.citizen, after.group), 1); err != nil {
			return err
		}
	}
	return nil
}

// tally is the counter an application version counts in; zero for none.
type tally struct {
	citizen string
	group   Group
}

func counted(it *store.Item) (tally, error) {
	if it == nil {
		return tally{}, nil
	}
	a, err := fromItem(*it)
	if err != nil {
		return tally{}, err
	}
	return tally{citizen: a.Applicant, group: a.Status.Group()}, nil
}
