package webhook

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/messaggio"
	"github.com/stanzaportal/stanza/shared/pratica"
	"github.com/stanzaportal/stanza/shared/store"
	"github.com/stanzaportal/stanza/shared/worker"
)

// Handler returns the change-feed handler that enqueues a delivery per
// subscription for each event. It sends nothing itself.
func (s *Store) Handler() worker.Handler { return enqueuer{s} }

type enqueuer struct{ s *Store }

func (enqueuer) Name() string { return "webhooks" }

// application is what an event needs of an application record.
type application struct {
	ID        string         `json:"id"`
	Service   string         `json:"service"`
	Status    pratica.Status `json:"status"`
	UpdatedAt time.Time      `json:"updatedAt"`
}

// statusEvent returns the event of a change that moved an application out
// of a status into another, other than a draft's creation or discarding.
func statusEvent(ch store.Change) (ev Payload, seq int64, ok bool, err error) {
	tenant, pk, isTenant := store.TenantOf(ch.Key.PK)
	if !isTenant || !strings.HasPrefix(pk, "application#") || ch.Key.SK != "application" || ch.Old == nil || ch.New == nil {
		return Payload{}, 0, false, nil
	}
	var before, after application
	if err := json.Unmarshal(ch.Old.Data, &before); err != nil {
		return Payload{}, 0, false, err
	}
	if err := json.Unmarshal(ch.New.Data, &after); err != nil {
		return Payload{}, 0, false, err
	}
	if before.Status == after.Status {
		return Payload{}, 0, false, nil
	}
	sum := sha256.Sum256([]byte(ch.ID))
	return Payload{
		ID: "evt_" + hex.EncodeToString(sum[:16]), Type: StatusChanged, Tenant: tenant,
		Application: after.ID, Service: after.Service, From: before.Status, To: after.Status, At: after.UpdatedAt.UTC(),
	}, ch.New.Version, true, nil
}

// messageEvent returns the event of a change that created a message.
func messageEvent(ch store.Change) (ev Payload, seq int64, ok bool, err error) {
	m, ok, err := messaggio.Created(ch)
	if err != nil || !ok {
		return Payload{}, 0, false, err
	}
	sum := sha256.Sum256([]byte(ch.ID))
	return Payload{
		ID: "evt_" + hex.EncodeToString(sum[:16]), Type: MessageCreated, Tenant: m.Tenant,
		Application: m.Application, Service: m.Service, Message: m.ID, Author: m.Author, At: m.At.UTC(),
	}, m.After, true, nil
}

// Handle enqueues the change's event for each subscription that wants it.
// The delivery's key is made of the change's content, so a change that
// comes again finds its deliveries there and adds none.
func (h enqueuer) Handle(ctx context.Context, ch store.Change) error {
	ev, seq, ok, err := statusEvent(ch)
	if err == nil && !ok {
		ev, seq, ok, err = messageEvent(ch)
	}
	if err != nil {
		// An unreadable record will be as unreadable next time: holding
		// the change back would block every later one.
		h.s.opts.Log.Error("webhook event let go", slog.String("change", ch.ID), slog.String("error", err.Error()))
		return nil
	}
	if !ok {
		return nil
	}
	subs, err := h.s.records(ctx, ev.Tenant)
	if err != nil {
		return err
	}
	now := h.s.opts.Now().UTC()
	for _, sub := range subs {
		if !slices.Contains(sub.Events, ev.Type) {
			continue
		}
		d := Delivery{Subscription: sub.ID, Event: ev, Seq: seq, Status: Pending, Attempts: []Attempt{}, CreatedAt: now, NextAt: now}
		it, err := d.item()
		if err != nil {
			return err
		}
		if _, err := h.s.db.Tenant(ev.Tenant).Put(ctx, it, store.IfAbsent); err != nil && !fault.Is(err, fault.Conflict) {
			return err
		}
	}
	return nil
}

// Run sends due deliveries every poll until ctx ends: the local server's
// delivery loop.
func (s *Store) Run(ctx context.Context, poll time.Duration) {
	for {
		if _, err := s.RunDue(ctx); err != nil && ctx.Err() == nil {
			s.opts.Log.Error("webhook deliveries", slog.String("error", err.Error()))
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(poll):
		}
	}
}

// RunDue makes one attempt at every delivery that is due, in every Comune,
// and returns how many attempts it made. A delivery whose application has
// an earlier one pending waits for it.
func (s *Store) RunDue(ctx context.Context) (int, error) {
	comuni, err := s.comuni.List(ctx)
	if err != nil {
		return 0, err
	}
	sent := 0
	var errs []error
	for _, c := range comuni {
		n, err := s.runTenant(ctx, c.ID)
		sent += n
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", c.ID, err))
		}
	}
	return sent, errors.Join(errs...)
}

func (s *Store) runTenant(ctx context.Context, tenant string) (int, error) {
	db := s.db.Tenant(tenant)
	now := s.opts.Now().UTC()
	// "~" sorts after every character of the keys that follow the time.
	page, err := db.Query(ctx, store.Query{Index: store.GSI1, PK: duePK, To: store.TimeKey(now) + "#~", Limit: duePage}, "")
	if err != nil {
		return 0, err
	}
	due, err := deliveries(page.Items)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, d := range due {
		if ctx.Err() != nil {
			break
		}
		ok, err := s.attempt(ctx, tenant, d)
		if err != nil {
			return sent, err
		}
		if ok {
			sent++
		}
	}
	return sent, nil
}

// head returns the earliest pending delivery of d's application to d's
// subscription, d itself when it is next: a query of the base table, which
// is read consistently, in the order of the events (see position). ok is
// false when none is pending any more.
func (s *Store) head(ctx context.Context, tenant string, d Delivery) (first Delivery, ok bool, err error) {
	cursor := ""
	for {
		page, err := s.db.Tenant(tenant).Query(ctx, store.Query{PK: chainPK(d.Subscription, d.Event.Application), To: d.position()}, cursor)
		if err != nil {
			return Delivery{}, false, err
		}
		list, err := deliveries(page.Items)
		if err != nil {
			return Delivery{}, false, err
		}
		for _, x := range list {
			if x.Status == Pending {
				return x, true, nil
			}
		}
		if page.Cursor == "" {
			return Delivery{}, false, nil
		}
		cursor = page.Cursor
	}
}

// attempt claims d, sends it and records the outcome; ok is false when d
// was not sent (it waits for an earlier one, or another runner has it).
func (s *Store) attempt(ctx context.Context, tenant string, d Delivery) (bool, error) {
	now := s.opts.Now().UTC()
	first, ok, err := s.head(ctx, tenant, d)
	if err != nil || !ok {
		return false, err
	}
	if first.position() != d.position() {
		// d waits for an earlier delivery: it is due again when that one
		// is, so that waiting deliveries do not crowd the front of the
		// queue and hold back the others.
		d.NextAt = first.NextAt
		if err := s.save(ctx, tenant, &d); err != nil && !fault.Is(err, fault.Conflict) {
			return false, err
		}
		return false, nil
	}
	sub, err := s.load(ctx, tenant, d.Subscription)
	if fault.Is(err, fault.NotFound) {
		d.Attempts = append(d.Attempts, Attempt{At: now, Error: "the subscription was removed"})
		d.Status, d.NextAt = Failed, time.Time{}
		return false, s.save(ctx, tenant, &d)
	}
	if err != nil {
		return false, err
	}
	// The claim: a version-checked write that takes d out of the due range
	// for the lease, so that one runner only sends it.
	d.NextAt = now.Add(claimLease)
	if err := s.save(ctx, tenant, &d); fault.Is(err, fault.Conflict) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	at := Attempt{At: now}
	at.StatusCode, err = s.send(ctx, sub, d.Event, now)
	if err != nil {
		at.Error = errorText(err)
	}
	d.Attempts = append(d.Attempts, at)
	switch {
	case err == nil:
		d.Status, d.NextAt = Delivered, time.Time{}
	case s.opts.Now().Sub(d.CreatedAt) >= giveUpAfter:
		d.Status, d.NextAt = Failed, time.Time{}
	default:
		d.NextAt = s.opts.Now().UTC().Add(s.opts.Backoff(len(d.Attempts)))
	}
	// The outcome is recorded even when ctx ended during the send.
	if err := s.save(context.WithoutCancel(ctx), tenant, &d); err != nil && !fault.Is(err, fault.Conflict) {
		return true, err
	}
	return true, nil
}

// save writes d over the version that was read, and keeps the new one.
func (s *Store) save(ctx context.Context, tenant string, d *Delivery) error {
	it, err := d.item()
	if err != nil {
		return err
	}
	stored, err := s.db.Tenant(tenant).Put(ctx, it, store.IfVersion(d.version))
	if err != nil {
		return err
	}
	d.version = stored.Version
	return nil
}

// send posts ev to sub, signed, and returns the answer's status; an error
// when there is none or it is not 2xx.
func (s *Store) send(ctx context.Context, sub subscription, ev Payload, now time.Time) (int, error) {
	body, err := json.Marshal(ev)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.URL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Stanza-Webhooks/1")
	req.Header.Set(SignatureHeader, Sign(sub.Secret, now, body))
	resp, err := s.opts.Client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, fmt.Errorf("the receiver answered %s", resp.Status)
	}
	return resp.StatusCode, nil
}
