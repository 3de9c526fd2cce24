// Package metriche keeps the back office's metrics of each service:
// applications by status, submissions per day and per week, the time from
// submission to conclusion (median and 90th percentile) and the age of the
// backlog. A change-feed Handler keeps counters as applications change, so
// reading the metrics of a service is one batch of key lookups and one
// query, whatever the number of applications.
//
// # Keys
//
// In the Comune's scope (see the access patterns in package store):
//
//   - counters of a service: PK "metrics#<service>", SK "status#<code>",
//     "day#<YYYY-MM-DD>", "week#<YYYY>-W<ww>" (days and weeks of submission
//     in Europe/Rome) and "duration#<bucket>" (concluded applications by
//     time from submission to conclusion);
//   - open applications of a service: PK "metrics#open#<service>", SK
//     "<submission time>#<id>", put at submission and deleted at
//     conclusion; the first one gives the age of the backlog.
//
// # Durations
//
// Bucket 0 holds durations under an hour; bucket k (1 to 53) those from
// 2^((k-1)/4) to 2^(k/4) hours; bucket 54 those from 2^(53/4) hours (about
// 406 days) on. Quantiles are interpolated within their bucket,
// geometrically (linearly in bucket 0). The true quantile (the ⌈q·n⌉-th
// smallest duration) lies in the same bucket as the estimate, which bounds
// the error: under an hour, less than an hour; from one hour to 406 days, a
// factor of at most 2^(1/4), so within 19%; beyond, the estimate is 406
// days, a lower bound.
package metriche

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/i18n"
	"github.com/stanzaportal/stanza/shared/pratica"
	"github.com/stanzaportal/stanza/shared/store"
)

// Days and Weeks are how far back the submission series go.
const (
	Days  = 30
	Weeks = 12
)

// buckets is the number of duration buckets (see the package doc).
const buckets = 55

func countersPK(service string) string { return "metrics#" + service }
func openPK(service string) string     { return "metrics#open#" + service }

func statusSK(s pratica.Status) string { return "status#" + strconv.Itoa(int(s)) }
func daySK(t time.Time) string         { return "day#" + t.In(i18n.Rome).Format(time.DateOnly) }
func durationSK(k int) string          { return fmt.Sprintf("duration#%02d", k) }

func weekSK(t time.Time) string {
	year, week := t.In(i18n.Rome).ISOWeek()
	return fmt.Sprintf("week#%04d-W%02d", year, week)
}

// bucketOf is the duration bucket of d.
func bucketOf(d time.Duration) int {
	if d < time.Hour {
		return 0
	}
	return min(int(math.Floor(4*math.Log2(d.Hours())))+1, buckets-1)
}

// Handler is the worker handler that keeps the metrics: for every change
// of an application, the counters it counted in before lose one and those
// it counts in now gain one, and its entry among the open applications
// follows it. Changes that move no counter (autosaves, notes) write
// nothing.
//
// The worker runs it once per change. A failure halfway makes the change
// come again and repeat the additions already made; the metrics are a
// guide, the queues are exact.
type Handler struct {
	db *store.DB
}

// NewHandler returns the handler over db.
func NewHandler(db *store.DB) *Handler { return &Handler{db: db} }

// Name implements worker.Handler.
func (h *Handler) Name() string { return "metrics" }

// Handle implements worker.Handler.
func (h *Handler) Handle(ctx context.Context, ch store.Change) error {
	tenant, pk, ok := store.TenantOf(ch.Key.PK)
	if !ok || !strings.HasPrefix(pk, "application#") || ch.Key.SK != "application" {
		return nil
	}
	before, err := decode(ch.Old)
	if err != nil {
		return err
	}
	after, err := decode(ch.New)
	if err != nil {
		return err
	}
	scope := h.db.Tenant(tenant)
	deltas := map[store.Key]int64{}
	for _, k := range counters(before) {
		deltas[k]--
	}
	for _, k := range counters(after) {
		deltas[k]++
	}
	keys := make([]store.Key, 0, len(deltas))
	for k, d := range deltas {
		if d != 0 {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b store.Key) int { return strings.Compare(a.PK+"\x00"+a.SK, b.PK+"\x00"+b.SK) })
	for _, k := range keys {
		if _, err := scope.Add(ctx, k, deltas[k]); err != nil {
			return err
		}
	}
	was, is := openEntry(before), openEntry(after)
	if was != nil && (is == nil || was.Key != is.Key) {
		if err := scope.Delete(ctx, was.Key, store.Condition{}); err != nil {
			return err
		}
	}
	if is != nil && (was == nil || was.Key != is.Key) {
		if _, err := scope.Put(ctx, *is, store.Condition{}); err != nil {
			return err
		}
	}
	return nil
}

func decode(it *store.Item) (*pratica.Application, error) {
	if it == nil {
		return nil, nil
	}
	var a pratica.Application
	if err := json.Unmarshal(it.Data, &a); err != nil {
		return nil, fault.Wrap(err, fault.Invalid, "metriche: application %s is unreadable", it.Key.PK)
	}
	return &a, nil
}

// counted reports whether a counts in the metrics: drafts are the
// citizen's business until submitted.
func counted(a *pratica.Application) bool {
	return a != nil && a.Status != pratica.Draft && a.Status.Valid() && !a.SubmittedAt.IsZero()
}

// counters are the keys of the counters a counts in.
func counters(a *pratica.Application) []store.Key {
	if !counted(a) {
		return nil
	}
	pk := countersPK(a.Service)
	keys := []store.Key{{PK: pk, SK: statusSK(a.Status)}, {PK: pk, SK: daySK(a.SubmittedAt)}, {PK: pk, SK: weekSK(a.SubmittedAt)}}
	if a.Status.Final() {
		keys = append(keys, store.Key{PK: pk, SK: durationSK(bucketOf(concludedAt(*a).Sub(a.SubmittedAt)))})
	}
	return keys
}

// concludedAt is when a reached its final status: the last step of its
// history that led there.
func concludedAt(a pratica.Application) time.Time {
	for i := len(a.History) - 1; i >= 0; i-- {
		if a.History[i].To == a.Status {
			return a.History[i].At
		}
	}
	return a.UpdatedAt
}

// openApplication is an entry of the open applications of a service.
type openApplication struct {
	ID          string    `json:"id"`
	SubmittedAt time.Time `json:"submittedAt"`
}

// openEntry is a's entry among the open applications, or nil when it is
// not open.
func openEntry(a *pratica.Application) *store.Item {
	if !counted(a) || a.Status.Final() {
		return nil
	}
	data, _ := json.Marshal(openApplication{ID: a.ID, SubmittedAt: a.SubmittedAt}) // cannot fail
	return &store.Item{Key: store.Key{PK: openPK(a.Service), SK: store.TimeKey(a.SubmittedAt) + "#" + a.ID}, Data: data}
}

// Count is the number of submissions of one day ("2026-11-26") or ISO week
// ("2026-W48").
type Count struct {
	Period string `json:"period"`
	Count  int64  `json:"count"`
}

// Service is the metrics of one service.
type Service struct {
	Service string `json:"service"`
	// ByStatus counts the submitted applications by status code; statuses
	// with none are left out.
	ByStatus map[pratica.Status]int64 `json:"byStatus"`
	// SubmissionsPerDay covers the last Days days and SubmissionsPerWeek the
	// last Weeks ISO weeks, oldest first, today's and this week's included.
	SubmissionsPerDay  []Count `json:"submissionsPerDay"`
	SubmissionsPerWeek []Count `json:"submissionsPerWeek"`
	// MedianHours and P90Hours estimate the time from submission to
	// conclusion (see the package doc for the error); nil before the first
	// conclusion.
	MedianHours *float64 `json:"medianHours"`
	P90Hours    *float64 `json:"p90Hours"`
	// BacklogOldestAge is how many hours ago the oldest open application
	// was submitted; nil when none is open.
	BacklogOldestAge *float64 `json:"backlogOldestAge"`
}

// Metrics reads the metrics.
type Metrics struct {
	db *store.DB
}

// New returns the metrics over db.
func New(db *store.DB) *Metrics { return &Metrics{db: db} }

// Of returns the metrics of service in tenant at now.
func (m *Metrics) Of(ctx context.Context, tenant, service string, now time.Time) (Service, error) {
	scope := m.db.Tenant(tenant)
	pk := countersPK(service)
	var keys []store.Key
	for _, s := range pratica.Statuses {
		if s != pratica.Draft {
			keys = append(keys, store.Key{PK: pk, SK: statusSK(s)})
		}
	}
	today := now.In(i18n.Rome)
	var days, weeks []string
	for i := Days - 1; i >= 0; i-- {
		days = append(days, daySK(today.AddDate(0, 0, -i)))
	}
	for i := Weeks - 1; i >= 0; i-- {
		weeks = append(weeks, weekSK(today.AddDate(0, 0, -7*i)))
	}
	for _, sk := range slices.Concat(days, weeks) {
		keys = append(keys, store.Key{PK: pk, SK: sk})
	}
	for k := range buckets {
		keys = append(keys, store.Key{PK: pk, SK: durationSK(k)})
	}
	items, err := scope.GetMany(ctx, keys)
	if err != nil {
		return Service{}, err
	}
	value := map[string]int64{}
	for _, it := range items {
		value[it.Key.SK] = it.Counter
	}
	out := Service{Service: service, ByStatus: map[pratica.Status]int64{}}
	for _, s := range pratica.Statuses {
		if n := value[statusSK(s)]; n > 0 {
			out.ByStatus[s] = n
		}
	}
	for _, sk := range days {
		out.SubmissionsPerDay = append(out.SubmissionsPerDay, Count{Period: strings.TrimPrefix(sk, "day#"), Count: value[sk]})
	}
	for _, sk := range weeks {
		out.SubmissionsPerWeek = append(out.SubmissionsPerWeek, Count{Period: strings.TrimPrefix(sk, "week#"), Count: value[sk]})
	}
	var durations [buckets]int64
	for k := range buckets {
		durations[k] = max(value[durationSK(k)], 0)
	}
	out.MedianHours, out.P90Hours = quantile(durations, 0.5), quantile(durations, 0.9)

	page, err := scope.Query(ctx, store.Query{PK: openPK(service), Limit: 1}, "")
	if err != nil {
		return Service{}, err
	}
	if len(page.Items) == 1 {
		var oldest openApplication
		if err := json.Unmarshal(page.Items[0].Data, &oldest); err != nil {
			return Service{}, fault.Wrap(err, fault.Internal, "metriche: open application %s is unreadable", page.Items[0].Key.SK)
		}
		age := max(now.Sub(oldest.SubmittedAt).Hours(), 0)
		out.BacklogOldestAge = &age
	}
	return out, nil
}

// quantile estimates the q-quantile in hours of the durations counted in
// buckets, or nil when there are none.
func quantile(counts [buckets]int64, q float64) *float64 {
	var n int64
	for _, c := range counts {
		n += c
	}
	if n == 0 {
		return nil
	}
	rank := q * float64(n)
	var cum int64
	for k, c := range counts {
		if c == 0 || float64(cum+c) < rank {
			cum += c
			continue
		}
		frac := (rank - float64(cum)) / float64(c)
		var hours float64
		switch k {
		case 0:
			hours = frac
		case buckets - 1:
			hours = math.Exp2(float64(k-1) / 4)
		default:
			hours = math.Exp2((float64(k-1) + frac) / 4)
		}
		return &hours
	}
	return nil // unreachable: rank never exceeds n
}
