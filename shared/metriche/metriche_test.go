package metriche

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"math"
	"testing"
	"time"

	"github.com/stanzaportal/stanza/shared/i18n"
	"github.com/stanzaportal/stanza/shared/pratica"
	"github.com/stanzaportal/stanza/shared/store"
	"github.com/stanzaportal/stanza/shared/store/boltstore/bolttest"
	"github.com/stanzaportal/stanza/shared/worker"
)

const tenant = "esempio"

var (
	citizen  = pratica.Actor{Role: pratica.Citizen, Subject: "RSSMRA80A01H501U"}
	operator = pratica.Actor{Role: pratica.Operator, Subject: "anna", Admin: true}
	quiet    = slog.New(slog.NewTextHandler(io.Discard, nil))
)

// drain runs w over every change not yet read by consumer and returns them.
func drain(t *testing.T, db *store.DB, w *worker.Worker, consumer string) []store.Change {
	t.Helper()
	ctx := context.Background()
	changes, err := db.Feed().Changes(ctx, consumer, 10000)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.ProcessBatch(ctx, changes); err != nil {
		t.Fatal(err)
	}
	if len(changes) > 0 {
		if err := db.Feed().Checkpoint(ctx, consumer, changes[len(changes)-1].Seq); err != nil {
			t.Fatal(err)
		}
	}
	return changes
}

func submit(t *testing.T, apps *pratica.Store, service string) pratica.Application {
	t.Helper()
	ctx := context.Background()
	d, _, err := apps.Start(ctx, tenant, citizen, service, true)
	if err != nil {
		t.Fatal(err)
	}
	a, err := apps.Submit(ctx, tenant, citizen, d.ID, "key-"+d.ID, json.RawMessage(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func apply(t *testing.T, apps *pratica.Store, actor pratica.Actor, id string, ev pratica.Event) {
	t.Helper()
	if _, err := apps.Apply(context.Background(), tenant, actor, id, ev, pratica.Input{}); err != nil {
		t.Fatalf("%s: %v", ev, err)
	}
}

func metricsOf(t *testing.T, db *store.DB, service string, now time.Time) Service {
	t.Helper()
	m, err := New(db).Of(context.Background(), tenant, service, now)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func last(counts []Count) int64 { return counts[len(counts)-1].Count }

// Access patterns: the counters of a service (PK "metrics#<service>") and
// its open applications (PK "metrics#open#<service>"), kept by the worker
// from the transitions of real applications.
func TestWorkerKeepsMetricsOfTransitions(t *testing.T) {
	db := bolttest.DB(t)
	apps := pratica.NewStore(db)
	ctx := context.Background()
	w := worker.New(db, quiet, NewHandler(db))

	if _, _, err := apps.Start(ctx, tenant, citizen, "nido", true); err != nil { // a draft counts nowhere
		t.Fatal(err)
	}
	accepted := submit(t, apps, "nido")
	withdrawn := submit(t, apps, "nido")
	open := submit(t, apps, "nido")
	submit(t, apps, "mensa")
	apply(t, apps, operator, accepted.ID, pratica.TakeInCharge)
	apply(t, apps, operator, accepted.ID, pratica.Accept)
	apply(t, apps, citizen, withdrawn.ID, pratica.Withdraw)
	changes := drain(t, db, w, "metrics")

	now := time.Now()
	nido := metricsOf(t, db, "nido", now)
	wantStatus := map[pratica.Status]int64{pratica.Submitted: 1, pratica.Accepted: 1, pratica.Withdrawn: 1}
	if !maps.Equal(nido.ByStatus, wantStatus) {
		t.Errorf("got by status %v, want %v", nido.ByStatus, wantStatus)
	}
	if len(nido.SubmissionsPerDay) != Days || len(nido.SubmissionsPerWeek) != Weeks {
		t.Fatalf("got %d days and %d weeks, want %d and %d", len(nido.SubmissionsPerDay), len(nido.SubmissionsPerWeek), Days, Weeks)
	}
	if got, want := nido.SubmissionsPerDay[Days-1].Period, now.In(i18n.Rome).Format(time.DateOnly); got != want {
		t.Errorf("got last day %s, want today %s", got, want)
	}
	if last(nido.SubmissionsPerDay) != 3 || last(nido.SubmissionsPerWeek) != 3 || nido.SubmissionsPerDay[0].Count != 0 {
		t.Errorf("got per day %v and per week %v, want 3 submissions today and this week only", nido.SubmissionsPerDay, nido.SubmissionsPerWeek)
	}
	// Both conclusions came within seconds: bucket 0, under an hour.
	if nido.MedianHours == nil || *nido.MedianHours >= 1 || nido.P90Hours == nil || *nido.P90Hours >= 1 {
		t.Errorf("got median %v and p90 %v hours, want both under an hour", nido.MedianHours, nido.P90Hours)
	}
	if nido.BacklogOldestAge == nil || *nido.BacklogOldestAge > 1 {
		t.Errorf("got backlog age %v, want the few seconds of %s", nido.BacklogOldestAge, open.ID)
	}
	mensa := metricsOf(t, db, "mensa", now)
	if !maps.Equal(mensa.ByStatus, map[pratica.Status]int64{pratica.Submitted: 1}) || last(mensa.SubmissionsPerDay) != 1 {
		t.Errorf("got %+v, want one submitted application of the canteen", mensa)
	}

	// A redelivered batch changes nothing.
	if _, err := w.ProcessBatch(ctx, changes); err != nil {
		t.Fatal(err)
	}
	if again := metricsOf(t, db, "nido", now); !maps.Equal(again.ByStatus, wantStatus) || last(again.SubmissionsPerDay) != 3 {
		t.Errorf("after redelivery got %v and %d today, want them unchanged", again.ByStatus, last(again.SubmissionsPerDay))
	}

	// Concluding the last open one empties the backlog.
	apply(t, apps, operator, open.ID, pratica.TakeInCharge)
	if _, err := apps.Apply(ctx, tenant, operator, open.ID, pratica.Reject, pratica.Input{Note: "Requisiti mancanti."}); err != nil {
		t.Fatal(err)
	}
	drain(t, db, w, "metrics")
	closed := metricsOf(t, db, "nido", now)
	if closed.BacklogOldestAge != nil || closed.ByStatus[pratica.Submitted] != 0 || closed.ByStatus[pratica.Rejected] != 1 {
		t.Errorf("got backlog age %v and by status %v, want no backlog and one rejection", closed.BacklogOldestAge, closed.ByStatus)
	}
}

// concluded returns the change that concludes an application submitted at
// submitted, after d.
func concluded(id string, submitted time.Time, d time.Duration) store.Change {
	before := pratica.Application{ID: id, Tenant: tenant, Service: "nido", Status: pratica.InCharge, SubmittedAt: submitted}
	after := before
	after.Status = pratica.Accepted
	after.History = []pratica.Entry{{From: pratica.InCharge, To: pratica.Accepted, Event: pratica.Accept, At: submitted.Add(d), Role: pratica.Operator, By: "anna"}}
	item := func(a pratica.Application) *store.Item {
		data, _ := json.Marshal(a)
		return &store.Item{Key: store.Key{PK: "t#" + tenant + "#application#" + id, SK: "application"}, Data: data}
	}
	return store.Change{ID: id, Kind: store.Updated, Key: item(after).Key, Old: item(before), New: item(after)}
}

// TestQuantilesAreWithinTheirBound concludes applications after 1 to 100
// days: the estimates are within the documented factor of the true median
// and 90th percentile.
func TestQuantilesAreWithinTheirBound(t *testing.T) {
	db := bolttest.DB(t)
	h := NewHandler(db)
	submitted := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	for i := 1; i <= 100; i++ {
		id := store.NewID()
		if err := h.Handle(context.Background(), concluded(id, submitted, time.Duration(i)*24*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	m := metricsOf(t, db, "nido", submitted.Add(200*24*time.Hour))
	bound := math.Exp2(0.25)
	for _, c := range []struct {
		name string
		got  *float64
		want float64 // hours: the 50th and the 90th smallest duration
	}{{"median", m.MedianHours, 50 * 24}, {"p90", m.P90Hours, 90 * 24}} {
		if c.got == nil || *c.got < c.want/bound || *c.got > c.want*bound {
			t.Errorf("%s: got %v hours, want within a factor %.3f of %v", c.name, c.got, bound, c.want)
		}
	}
	// The images start in charge with no submission counted before, which
	// leaves that counter below zero: a count that cannot be is not shown.
	if want := map[pratica.Status]int64{pratica.Accepted: 100}; !maps.Equal(m.ByStatus, want) {
		t.Errorf("got %v, want %v", m.ByStatus, want)
	}
}

func TestQuantileEdges(t *testing.T) {
	var none [buckets]int64
	if got := quantile(none, 0.5); got != nil {
		t.Errorf("got %v for no durations, want nil", *got)
	}
	var overflow [buckets]int64
	overflow[bucketOf(5*365*24*time.Hour)] = 3
	if got := quantile(overflow, 0.9); got == nil || *got != math.Exp2(53.0/4) {
		t.Errorf("got %v for durations over the last bucket, want its lower bound %v", got, math.Exp2(53.0/4))
	}
	for _, c := range []struct {
		d    time.Duration
		want int
	}{{0, 0}, {59 * time.Minute, 0}, {time.Hour, 1}, {2 * time.Hour, 5}, {365 * 24 * time.Hour, 53}, {450 * 24 * time.Hour, 54}} {
		if got := bucketOf(c.d); got != c.want {
			t.Errorf("bucketOf(%v): got %d, want %d", c.d, got, c.want)
		}
	}
}

func TestPeriodsAreInRome(t *testing.T) {
	at := time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC) // already 2027-01-01 in Rome
	if got, want := daySK(at), "day#2027-01-01"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if got, want := weekSK(at), "week#2026-W53"; got != want {
		t.Errorf("got %s, want %s (ISO week of Friday 1 January 2027)", got, want)
	}
}
