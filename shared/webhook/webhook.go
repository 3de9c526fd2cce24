// Package webhook tells partner systems what happens in a Comune: an admin
// subscribes a URL to some events, and the portal posts each event there,
// signed, in order per application, retrying for a day.
//
// # Events
//
// application.status_changed: an application moved from one status to
// another (its submission included; drafts are the citizen's own and are
// not announced). The body of the POST is the Payload as JSON:
//
//	{"id": "evt_…", "type": "application.status_changed", "tenant": "esempio",
//	 "application": "<id>", "service": "<slug>", "from": 2000, "to": 3000,
//	 "at": "2026-03-01T10:00:00Z"}
//
// from and to are the statuses' numeric codes (see package pratica).
//
// message.created: the citizen or the office wrote a message on an
// application (see package messaggio):
//
//	{"id": "evt_…", "type": "message.created", "tenant": "esempio",
//	 "application": "<id>", "service": "<slug>", "message": "<message id>",
//	 "author": "citizen", "at": "2026-03-01T10:05:00Z"}
//
// author is citizen, operator or partner. The text is not in the event:
// personal data stays in the portal, and the receiver reads the message
// through the partner API.
//
// The id of an event is derived from the store change that caused it, so
// it is the same however often the change comes: a receiver deduplicates
// by it, since a delivery can come more than once (after a timeout whose
// request did arrive, or a crash between sending and recording it).
//
// # Signature
//
// Every request carries
//
//	Stanza-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">
//
// keyed with the subscription's secret, which is shown once, when the
// subscription is made. A receiver recomputes the HMAC over the raw body,
// compares it in constant time, and refuses a t more than a few minutes
// from its clock, so that a captured request cannot be replayed later.
//
// # Delivery
//
// A request of the portal never waits for a receiver. The change-feed
// handler (Handler) only enqueues: for each subscription to the event it
// puts one delivery item, keyed by subscription, application and the
// event's position among the application's events, so a redelivered
// change enqueues nothing new. A status change's position is the version
// it gave the application; a message does not change the application, and
// its position follows the version the application had when the message
// was written: "<version>#m#<message time>#<message id>", which sorts after
// that version's status change and before the next one.
// RunDue then sends the deliveries that are due: the local server calls it
// from a goroutine (Run), the cloud's worker function at each invocation.
//
// A delivery is sent only when every earlier delivery of the same
// application to the same subscription has been delivered or given up, so
// a receiver sees an application's events in order. A failed attempt (no
// answer within 10 seconds, or a status other than 2xx; redirects are not
// followed) is retried after 30 seconds, then twice as long each time up to
// an hour, until 24 hours after the event was enqueued; then the delivery
// is given up. Before sending, a delivery is claimed with a version-checked
// write that moves it out of the due range for two minutes, so that two
// runners never send it at once. Every attempt is kept in the delivery,
// which the Comune's admins read as the delivery log.
//
// # Keys
//
// In the Comune's scope (see the access patterns in package store):
//
//   - subscriptions: PK "webhooks", SK "<id>";
//   - deliveries: PK "webhook#<id>#application#<application>", SK the
//     event's position: the application's version in 12 digits, followed
//     for a message by "#m#<message time>#<message id>", so that one query
//     in key order finds the earliest pending delivery of an application;
//   - in GSI1, pending deliveries by when they are due: PK "webhooks-due",
//     SK "<due time>#<subscription>#<application>#<position>";
//   - in GSI2, the delivery log: PK "webhook#<id>#deliveries", SK "<event
//     time>#<application>#<position>", read newest first.
package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/pratica"
	"github.com/stanzaportal/stanza/shared/store"
	"github.com/stanzaportal/stanza/shared/tenant"
)

// EventType names a kind of event.
type EventType string

// The events.
const (
	// StatusChanged is an application's move from one status to another.
	StatusChanged EventType = "application.status_changed"
	// MessageCreated is a new message on an application.
	MessageCreated EventType = "message.created"
)

// EventTypes lists the events a subscription may ask for.
var EventTypes = []EventType{StatusChanged, MessageCreated}

// Payload is an event as a receiver is told it: the body of each delivery.
// From and To are a status change's; Message and Author a message's.
type Payload struct {
	ID          string         `json:"id"`
	Type        EventType      `json:"type"`
	Tenant      string         `json:"tenant"`
	Application string         `json:"application"`
	Service     string         `json:"service"`
	From        pratica.Status `json:"from,omitempty"`
	To          pratica.Status `json:"to,omitempty"`
	Message     string         `json:"message,omitempty"`
	Author      pratica.Role   `json:"author,omitempty"`
	At          time.Time      `json:"at"`
}

// Subscription is a URL that receives some of a Comune's events.
type Subscription struct {
	ID        string      `json:"id"`
	Tenant    string      `json:"tenant"`
	URL       string      `json:"url"`
	Events    []EventType `json:"events"`
	CreatedAt time.Time   `json:"createdAt"`
	CreatedBy string      `json:"createdBy"`
}

// subscription is the stored record: the Subscription and its secret, kept
// in clear because every delivery is signed with it.
type subscription struct {
	Subscription
	Secret string `json:"secret"`
}

// DeliveryStatus is where a delivery stands.
type DeliveryStatus string

const (
	Pending   DeliveryStatus = "pending"
	Delivered DeliveryStatus = "delivered"
	Failed    DeliveryStatus = "failed" // given up: 24 hours passed, or the subscription was removed
)

// Attempt is one try at a delivery.
type Attempt struct {
	At         time.Time `json:"at"`
	StatusCode int       `json:"statusCode,omitempty"` // the receiver's answer; 0 when none came
	Error      string    `json:"error,omitempty"`
}

// Delivery is one event on its way to one subscription.
type Delivery struct {
	Subscription string         `json:"subscription"`
	Event        Payload        `json:"event"`
	Seq          int64          `json:"seq"` // the application's version that the event follows (see position)
	Status       DeliveryStatus `json:"status"`
	Attempts     []Attempt      `json:"attempts"`
	CreatedAt    time.Time      `json:"createdAt"`
	NextAt       time.Time      `json:"nextAt,omitzero"` // when a pending delivery is due

	version int64
}

// DeliveryPage is one page of a delivery log; Cursor is "" on the last one.
type DeliveryPage struct {
	Items  []Delivery `json:"items"`
	Cursor string     `json:"cursor,omitempty"`
}

// Limits and timings of delivery.
const (
	MaxSubscriptions = 20 // per Comune
	maxURL           = 2000
	sendTimeout      = 10 * time.Second
	claimLease       = 2 * time.Minute // longer than sendTimeout and the writes around it
	giveUpAfter      = 24 * time.Hour
	firstRetry       = 30 * time.Second
	maxRetry         = time.Hour
	duePage          = 100 // deliveries read per Comune and round
	maxErrorText     = 300
	// SignatureHeader carries the signature of each request.
	SignatureHeader = "Stanza-Signature"
)

// Options tune a Store; the zero value is what production uses.
type Options struct {
	// AllowLoopback admits receivers at http://127.0.0.1, [::1] or
	// localhost, as the local server does for tests and development.
	// Without it only https URLs of public hosts are accepted.
	AllowLoopback bool
	// Client sends deliveries; nil means one with a 10-second timeout that
	// does not follow redirects.
	Client *http.Client
	// Backoff is the pause after the n-th failed attempt (n from 1); nil
	// means 30 seconds doubling up to an hour.
	Backoff func(n int) time.Duration
	Now     func() time.Time
	Log     *slog.Logger
}

// Store keeps subscriptions and deliveries, and sends them.
type Store struct {
	db      *store.DB
	comuni  *tenant.Directory
	opts    Options
	backoff func(int) time.Duration
}

// New returns a Store over db.
func New(db *store.DB, opts Options) *Store {
	if opts.Client == nil {
		opts.Client = &http.Client{
			Timeout:       sendTimeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	if opts.Backoff == nil {
		opts.Backoff = defaultBackoff
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	return &Store{db: db, comuni: tenant.NewDirectory(db), opts: opts}
}

func defaultBackoff(n int) time.Duration {
	d := firstRetry
	for i := 1; i < n && d < maxRetry; i++ {
		d *= 2
	}
	return min(d, maxRetry)
}

const subscriptions = "webhooks"

func subKey(id string) store.Key { return store.Key{PK: subscriptions, SK: id} }

func seqKey(seq int64) string { return fmt.Sprintf("%012d", seq) }

// position is where d's event stands among its application's events, in
// key order: the version a status change gave the application, or for a
// message the version it followed, then the message's time and id.
func (d Delivery) position() string {
	p := seqKey(d.Seq)
	if d.Event.Type == MessageCreated {
		p += "#m#" + store.TimeKey(d.Event.At) + "#" + d.Event.Message
	}
	return p
}

func chainPK(sub, app string) string { return "webhook#" + sub + "#application#" + app }

func logPK(sub string) string { return "webhook#" + sub + "#deliveries" }

const duePK = "webhooks-due"

// item returns the store item of d, with its index keys: in the due queue
// only while pending.
func (d Delivery) item() (store.Item, error) {
	data, err := json.Marshal(d)
	if err != nil {
		return store.Item{}, err
	}
	tail := d.Event.Application + "#" + d.position()
	ix := map[store.Index]store.Key{
		store.GSI2: {PK: logPK(d.Subscription), SK: store.TimeKey(d.Event.At) + "#" + tail},
	}
	if d.Status == Pending {
		ix[store.GSI1] = store.Key{PK: duePK, SK: store.TimeKey(d.NextAt) + "#" + d.Subscription + "#" + tail}
	}
	return store.Item{Key: store.Key{PK: chainPK(d.Subscription, d.Event.Application), SK: d.position()}, Indexes: ix, Data: data}, nil
}

func deliveries(items []store.Item) ([]Delivery, error) {
	out, err := store.Decode[Delivery](items)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].version = items[i].Version
	}
	return out, nil
}

// Subscribe subscribes rawURL to events of tenant on behalf of the admin
// by, and returns the subscription with its secret, which is never shown
// again.
func (s *Store) Subscribe(ctx context.Context, tenant, rawURL string, events []EventType, by string) (Subscription, string, error) {
	if err := s.checkURL(rawURL); err != nil {
		return Subscription{}, "", err
	}
	if len(events) == 0 {
		return Subscription{}, "", fault.New(fault.Invalid, "Indica almeno un evento a cui iscrivere il webhook.")
	}
	for _, e := range events {
		if !slices.Contains(EventTypes, e) {
			return Subscription{}, "", fault.New(fault.Invalid, "L'evento %q non esiste.", e)
		}
	}
	existing, err := s.List(ctx, tenant)
	if err != nil {
		return Subscription{}, "", err
	}
	if len(existing) >= MaxSubscriptions {
		return Subscription{}, "", fault.New(fault.Conflict, "Il Comune ha già %d webhook: rimuovine uno prima di aggiungerne un altro.", MaxSubscriptions)
	}
	clean := slices.Clone(events)
	slices.Sort(clean)
	secret := make([]byte, 32)
	_, _ = rand.Read(secret) // never fails: see crypto/rand.Read
	rec := subscription{
		Subscription: Subscription{
			ID: store.NewID(), Tenant: tenant, URL: rawURL, Events: slices.Compact(clean),
			CreatedAt: s.opts.Now().UTC().Truncate(time.Second), CreatedBy: by,
		},
		Secret: "whsec_" + hex.EncodeToString(secret),
	}
	data, err := json.Marshal(rec)
	if err != nil {
		return Subscription{}, "", err
	}
	if _, err := s.db.Tenant(tenant).Put(ctx, store.Item{Key: subKey(rec.ID), Data: data}, store.IfAbsent); err != nil {
		return Subscription{}, "", err
	}
	return rec.Subscription, rec.Secret, nil
}

// checkURL accepts https URLs of hosts that are not private addresses,
// and loopback http ones when the options allow.
func (s *Store) checkURL(raw string) error {
	bad := fault.New(fault.Invalid, "L'indirizzo del webhook deve essere un URL https completo, senza credenziali.")
	u, err := url.Parse(raw)
	if err != nil || len(raw) > maxURL || u.Host == "" || u.User != nil || u.Fragment != "" || u.Opaque != "" {
		return bad
	}
	host := u.Hostname()
	loopback := host == "localhost"
	ip := net.ParseIP(host)
	if ip != nil {
		loopback = ip.IsLoopback()
	}
	if loopback || (ip != nil && (ip.IsPrivate() || ip.IsUnspecified() || ip.IsLinkLocalUnicast() || ip.IsMulticast())) {
		// Such a receiver would be the portal's own network: allowed only
		// on a developer's machine.
		if s.opts.AllowLoopback && loopback && (u.Scheme == "http" || u.Scheme == "https") {
			return nil
		}
		return fault.New(fault.Invalid, "L'indirizzo del webhook non può puntare a una rete interna.")
	}
	if u.Scheme != "https" {
		return bad
	}
	return nil
}

// List returns the subscriptions of tenant, without their secrets. A
// Comune has a handful, so the partition is read whole.
func (s *Store) List(ctx context.Context, tenant string) ([]Subscription, error) {
	recs, err := s.records(ctx, tenant)
	if err != nil {
		return nil, err
	}
	out := make([]Subscription, len(recs))
	for i, r := range recs {
		out[i] = r.Subscription
	}
	return out, nil
}

func (s *Store) records(ctx context.Context, tenant string) ([]subscription, error) {
	items, err := s.db.Tenant(tenant).QueryAll(ctx, store.Query{PK: subscriptions})
	if err != nil {
		return nil, err
	}
	return store.Decode[subscription](items)
}

func notFound() error { return fault.New(fault.NotFound, "Il webhook richiesto non esiste.") }

func (s *Store) load(ctx context.Context, tenant, id string) (subscription, error) {
	if !store.IsID(id) {
		return subscription{}, notFound()
	}
	it, err := s.db.Tenant(tenant).Get(ctx, subKey(id))
	if fault.Is(err, fault.NotFound) {
		return subscription{}, notFound()
	}
	if err != nil {
		return subscription{}, err
	}
	var rec subscription
	if err := json.Unmarshal(it.Data, &rec); err != nil {
		return subscription{}, fmt.Errorf("webhook: %s/%s: %w", tenant, id, err)
	}
	return rec, nil
}

// Remove removes a subscription of tenant and returns it. Its pending
// deliveries are given up when they come due.
func (s *Store) Remove(ctx context.Context, tenant, id string) (Subscription, error) {
	rec, err := s.load(ctx, tenant, id)
	if err != nil {
		return Subscription{}, err
	}
	if err := s.db.Tenant(tenant).Delete(ctx, subKey(id), store.Condition{}); err != nil {
		return Subscription{}, err
	}
	return rec.Subscription, nil
}

// Deliveries returns one page of a subscription's delivery log, newest
// event first. limit is 1 to store.MaxQueryLimit, 0 for the default.
func (s *Store) Deliveries(ctx context.Context, tenant, id, cursor string, limit int) (DeliveryPage, error) {
	if _, err := s.load(ctx, tenant, id); err != nil {
		return DeliveryPage{}, err
	}
	p, err := s.db.Tenant(tenant).Query(ctx, store.Query{Index: store.GSI2, PK: logPK(id), Reverse: true, Limit: limit}, cursor)
	if err != nil {
		return DeliveryPage{}, err
	}
	items, err := deliveries(p.Items)
	if err != nil {
		return DeliveryPage{}, err
	}
	return DeliveryPage{Items: items, Cursor: p.Cursor}, nil
}

// Sign returns the value of the signature header for body sent at t.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts + "."))
	m.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(m.Sum(nil))
}

// errorText is an attempt's error as the log shows it.
func errorText(err error) string {
	msg := err.Error()
	if len(msg) > maxErrorText {
		msg = strings.ToValidUTF8(msg[:maxErrorText], "") + "…"
	}
	return msg
}
