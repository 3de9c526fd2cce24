package webhook_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/messaggio"
	"github.com/stanzaportal/stanza/shared/pratica"
	"github.com/stanzaportal/stanza/shared/seed"
	"github.com/stanzaportal/stanza/shared/store"
	"github.com/stanzaportal/stanza/shared/store/boltstore/bolttest"
	"github.com/stanzaportal/stanza/shared/webhook"
)

const tenant = "esempio"

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// clock is a settable time for the deliveries' schedule.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// env is a seeded store with applications, the webhook store under test
// and a worker running its handler.
type env struct {
	db    *store.DB
	apps  *pratica.Store
	hooks *webhook.Store
	clock *clock
}

func newEnv(t *testing.T) env {
	t.Helper()
	db := bolttest.DB(t)
	if err := seed.Demo(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Now()}
	hooks := webhook.New(db, webhook.Options{AllowLoopback: true, Now: c.now, Log: quiet})
	return env{db: db, apps: pratica.NewStore(db), hooks: hooks, clock: c}
}

// pump runs the handler over every new change of the feed, twice, as an
// at-least-once feed may: the second time must enqueue nothing.
func (e env) pump(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	changes, err := e.db.Feed().Changes(ctx, "test", 1000)
	if err != nil {
		t.Fatal(err)
	}
	h := e.hooks.Handler()
	for _, ch := range append(changes, changes...) {
		if err := h.Handle(ctx, ch); err != nil {
			t.Fatal(err)
		}
	}
	if len(changes) > 0 {
		if err := e.db.Feed().Checkpoint(ctx, "test", changes[len(changes)-1].Seq); err != nil {
			t.Fatal(err)
		}
	}
}

var citizen = pratica.Actor{Role: pratica.Citizen, Subject: "BLLGLI93B67A944K"}

// submitted starts and submits an application: one event, 1000 to 2000.
func (e env) submitted(t *testing.T) pratica.Application {
	t.Helper()
	ctx := context.Background()
	d, _, err := e.apps.Start(ctx, tenant, citizen, "iscrizione-asilo-nido", true)
	if err != nil {
		t.Fatal(err)
	}
	a, err := e.apps.Submit(ctx, tenant, citizen, d.ID, "key-"+d.ID, json.RawMessage(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func (e env) apply(t *testing.T, actor pratica.Actor, id string, ev pratica.Event, in pratica.Input) {
	t.Helper()
	if _, err := e.apps.Apply(context.Background(), tenant, actor, id, ev, in); err != nil {
		t.Fatalf("%s: %v", ev, err)
	}
}

// received is one request a receiver got.
type received struct {
	event webhook.Payload
	body  string
	ok    bool
}

// receiver checks each request's signature as a partner would, and fails
// the first failures requests before accepting the others.
type receiver struct {
	t        *testing.T
	now      func() time.Time // the portal's clock, which signs
	secret   string
	failures int

	mu  sync.Mutex
	got []received
	srv *httptest.Server
}

func (e env) newReceiver(t *testing.T, failures int) *receiver {
	t.Helper()
	r := &receiver{t: t, failures: failures, now: e.clock.now}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	if !validSignature(r.secret, req.Header.Get("Stanza-Signature"), body, r.now()) {
		r.t.Errorf("bad signature %q for %s", req.Header.Get("Stanza-Signature"), body)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var ev webhook.Payload
	if err := json.Unmarshal(body, &ev); err != nil {
		r.t.Errorf("body: %v", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	fail := r.failures > 0
	r.failures--
	r.got = append(r.got, received{event: ev, body: string(body), ok: !fail})
	if fail {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
}

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

// validSignature checks a Stanza-Signature header as the package doc tells
// receivers to, written out independently of the code that signs.
func validSignature(secret, header string, body []byte, now time.Time) bool {
	var ts, sig string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || now.Sub(time.Unix(unix, 0)).Abs() > 5*time.Minute {
		return false
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts + "." + string(body)))
	want, _ := hex.DecodeString(sig)
	return hmac.Equal(m.Sum(nil), want)
}

func (e env) subscribe(t *testing.T, r *receiver) webhook.Subscription {
	t.Helper()
	return e.subscribeTo(t, r, webhook.StatusChanged)
}

func (e env) subscribeTo(t *testing.T, r *receiver, events ...webhook.EventType) webhook.Subscription {
	t.Helper()
	sub, secret, err := e.hooks.Subscribe(context.Background(), tenant, r.srv.URL+"/hook", events, "admin")
	if err != nil {
		t.Fatal(err)
	}
	r.secret = secret
	return sub
}

// drain runs due deliveries, moving the clock past every backoff, until
// none is left to send.
func (e env) drain(t *testing.T) {
	t.Helper()
	for range 50 {
		n, err := e.hooks.RunDue(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			e.clock.add(time.Hour)
			if n, err = e.hooks.RunDue(context.Background()); err != nil || n == 0 {
				return
			}
		}
	}
	t.Fatal("the deliveries never settled")
}

// TestEachEventDeliveredOnceInOrder is the acceptance test: a
// receiver that checks the signature and fails twice before succeeding
// gets each event once, in order per application, even though the worker
// sees every change twice.
func TestEachEventDeliveredOnceInOrder(t *testing.T) {
	e := newEnv(t)
	r := e.newReceiver(t, 2)
	sub := e.subscribe(t, r)

	a := e.submitted(t)
	e.apply(t, pratica.SystemActor, a.ID, pratica.Register, pratica.Input{Protocol: &pratica.Protocol{Number: "2026/0000001", At: time.Now()}})
	b := e.submitted(t)
	e.pump(t)
	e.drain(t)
	// A later change of a, after the first ones are out.
	e.apply(t, pratica.Actor{Role: pratica.Partner, Subject: "k"}, a.ID, pratica.TakeInCharge, pratica.Input{Assignee: "anna"})
	e.pump(t)
	e.drain(t)

	got := r.requests()
	delivered := map[string]int{}
	var order = map[string][]pratica.Status{}
	for _, g := range got {
		if g.ok {
			delivered[g.event.ID]++
			order[g.event.Application] = append(order[g.event.Application], g.event.To)
		}
	}
	for id, n := range delivered {
		if n != 1 {
			t.Errorf("event %s delivered %d times, want once", id, n)
		}
	}
	if want := []pratica.Status{pratica.Submitted, pratica.Registered, pratica.InCharge}; !equal(order[a.ID], want) {
		t.Errorf("events of a: got %v, want %v", order[a.ID], want)
	}
	if want := []pratica.Status{pratica.Submitted}; !equal(order[b.ID], want) {
		t.Errorf("events of b: got %v, want %v", order[b.ID], want)
	}
	// Order holds across failures too: no request for a later event of an
	// application before the earlier one was delivered.
	done := map[string]pratica.Status{}
	for _, g := range got {
		if last, ok := done[g.event.Application]; ok && g.event.To < last {
			t.Errorf("event to %d of %s requested after its later event", g.event.To, g.event.Application)
		}
		if g.ok {
			done[g.event.Application] = g.event.To
		}
	}
	if len(got) != len(delivered)+2 {
		t.Errorf("got %d requests, want %d deliveries and 2 failures", len(got), len(delivered))
	}

	// The delivery log: newest event first, every attempt with its status.
	page, err := e.hooks.Deliveries(context.Background(), tenant, sub.ID, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != len(delivered) {
		t.Fatalf("log: got %d deliveries, want %d", len(page.Items), len(delivered))
	}
	attempts := 0
	for _, d := range page.Items {
		if d.Status != webhook.Delivered {
			t.Errorf("delivery of %s: got status %s, want delivered", d.Event.ID, d.Status)
		}
		attempts += len(d.Attempts)
		for _, at := range d.Attempts[:len(d.Attempts)-1] {
			if at.StatusCode != http.StatusServiceUnavailable || at.Error == "" {
				t.Errorf("failed attempt: got %+v, want 503 with an error", at)
			}
		}
	}
	if attempts != len(got) {
		t.Errorf("log: got %d attempts, want %d", attempts, len(got))
	}
	for i := 1; i < len(page.Items); i++ {
		if page.Items[i].Event.At.After(page.Items[i-1].Event.At) {
			t.Errorf("log not newest first: %v after %v", page.Items[i].Event.At, page.Items[i-1].Event.At)
		}
	}
}

func equal(a, b []pratica.Status) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestGivesUpAfterADay: a receiver that always fails is tried with growing
// pauses for 24 hours, then the delivery is given up and leaves the queue.
func TestGivesUpAfterADay(t *testing.T) {
	e := newEnv(t)
	r := e.newReceiver(t, 1000)
	sub := e.subscribe(t, r)
	e.submitted(t)
	e.pump(t)
	e.drain(t)
	page, err := e.hooks.Deliveries(context.Background(), tenant, sub.ID, "", 0)
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("log: got %+v, %v", page, err)
	}
	d := page.Items[0]
	if d.Status != webhook.Failed {
		t.Errorf("got status %s, want failed", d.Status)
	}
	last := d.Attempts[len(d.Attempts)-1].At
	if span := last.Sub(d.CreatedAt); span < 24*time.Hour || span > 26*time.Hour {
		t.Errorf("attempts span %v, want about a day", span)
	}
	if len(d.Attempts) < 10 || len(d.Attempts) > 40 {
		t.Errorf("got %d attempts in a day, want exponential backoff up to an hour", len(d.Attempts))
	}
	before := len(r.requests())
	e.clock.add(48 * time.Hour)
	if n, err := e.hooks.RunDue(context.Background()); err != nil || n != 0 {
		t.Errorf("after giving up: got %d attempts, %v; want none", n, err)
	}
	if len(r.requests()) != before {
		t.Error("a given-up delivery was sent again")
	}
}

// TestRemovedSubscriptionGetsNothing: deliveries pending when a
// subscription is removed are given up, not sent.
func TestRemovedSubscriptionGetsNothing(t *testing.T) {
	e := newEnv(t)
	r := e.newReceiver(t, 0)
	sub := e.subscribe(t, r)
	e.submitted(t)
	e.pump(t)
	if _, err := e.hooks.Remove(context.Background(), tenant, sub.ID); err != nil {
		t.Fatal(err)
	}
	e.drain(t)
	if n := len(r.requests()); n != 0 {
		t.Errorf("got %d requests to a removed subscription, want none", n)
	}
	if _, err := e.hooks.Deliveries(context.Background(), tenant, sub.ID, "", 0); !fault.Is(err, fault.NotFound) {
		t.Errorf("log of a removed subscription: got %v, want not found", err)
	}
	if list, err := e.hooks.List(context.Background(), tenant); err != nil || len(list) != 0 {
		t.Errorf("list: got %v, %v; want none", list, err)
	}
}

// TestDraftsAreNotAnnounced: creating or saving a draft is no event.
func TestDraftsAreNotAnnounced(t *testing.T) {
	e := newEnv(t)
	r := e.newReceiver(t, 0)
	e.subscribe(t, r)
	if _, _, err := e.apps.Start(context.Background(), tenant, citizen, "iscrizione-asilo-nido", true); err != nil {
		t.Fatal(err)
	}
	e.pump(t)
	e.drain(t)
	if n := len(r.requests()); n != 0 {
		t.Errorf("got %d requests for a draft, want none", n)
	}
}

func TestSubscribe(t *testing.T) {
	tests := []struct {
		name     string
		loopback bool
		url      string
		events   []webhook.EventType
		wantErr  fault.Code
	}{
		{"OK", false, "https://partner.example.org/hooks/stanza", []webhook.EventType{webhook.StatusChanged}, ""},
		{"OKLoopbackInLocalMode", true, "http://127.0.0.1:8080/hook", []webhook.EventType{webhook.StatusChanged}, ""},
		{"ErrLoopbackInProduction", false, "http://127.0.0.1:8080/hook", []webhook.EventType{webhook.StatusChanged}, fault.Invalid},
		{"ErrHTTPSLoopbackInProduction", false, "https://localhost/hook", []webhook.EventType{webhook.StatusChanged}, fault.Invalid},
		{"ErrPlainHTTP", true, "http://partner.example.org/hook", []webhook.EventType{webhook.StatusChanged}, fault.Invalid},
		{"ErrPrivateAddress", false, "https://10.0.0.5/hook", []webhook.EventType{webhook.StatusChanged}, fault.Invalid},
		{"ErrMetadataAddress", false, "https://169.254.169.254/latest", []webhook.EventType{webhook.StatusChanged}, fault.Invalid},
		{"ErrCredentials", false, "https://user:pw@partner.example.org/hook", []webhook.EventType{webhook.StatusChanged}, fault.Invalid},
		{"ErrNotAURL", false, "partner.example.org", []webhook.EventType{webhook.StatusChanged}, fault.Invalid},
		{"ErrNoEvents", false, "https://partner.example.org/hook", nil, fault.Invalid},
		{"ErrUnknownEvent", false, "https://partner.example.org/hook", []webhook.EventType{"application.deleted"}, fault.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := bolttest.DB(t)
			hooks := webhook.New(db, webhook.Options{AllowLoopback: tt.loopback, Log: quiet})
			sub, secret, err := hooks.Subscribe(context.Background(), tenant, tt.url, tt.events, "admin")
			if got := fault.CodeOf(err); got != tt.wantErr {
				t.Fatalf("got %q (%v), want %q", got, err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if !strings.HasPrefix(secret, "whsec_") || len(secret) < 40 {
				t.Errorf("got secret %q, want a long random one", secret)
			}
			list, err := hooks.List(context.Background(), tenant)
			if err != nil || len(list) != 1 || list[0].ID != sub.ID || list[0].URL != tt.url {
				t.Errorf("list: got %+v, %v", list, err)
			}
			raw, _ := json.Marshal(list)
			if strings.Contains(string(raw), secret) {
				t.Error("the list shows the secret")
			}
		})
	}
}

func TestSubscriptionsPerComuneAreBounded(t *testing.T) {
	hooks := webhook.New(bolttest.DB(t), webhook.Options{Log: quiet})
	for i := range webhook.MaxSubscriptions {
		if _, _, err := hooks.Subscribe(context.Background(), tenant, "https://partner.example.org/"+strconv.Itoa(i), webhook.EventTypes, "admin"); err != nil {
			t.Fatal(err)
		}
	}
	_, _, err := hooks.Subscribe(context.Background(), tenant, "https://partner.example.org/more", webhook.EventTypes, "admin")
	if !fault.Is(err, fault.Conflict) {
		t.Errorf("got %v, want a conflict", err)
	}
}

func TestSignMatchesTheDocumentedScheme(t *testing.T) {
	at := time.Unix(1767225600, 0)
	got := webhook.Sign("whsec_test", at, []byte(`{"id":"evt_1"}`))
	if !strings.HasPrefix(got, "t=1767225600,v1=") || !validSignature("whsec_test", got, []byte(`{"id":"evt_1"}`), at) {
		t.Errorf("got %q, which a receiver following the doc refuses", got)
	}
	if validSignature("whsec_other", got, []byte(`{"id":"evt_1"}`), at) {
		t.Error("a signature checks out under another secret")
	}
}

// The access patterns of package store, one test per row.

// pending enqueues one delivery of a submitted application and returns
// the subscription and the application.
func (e env) pending(t *testing.T) (webhook.Subscription, pratica.Application) {
	t.Helper()
	r := e.newReceiver(t, 0)
	sub := e.subscribe(t, r)
	a := e.submitted(t)
	e.pump(t)
	return sub, a
}

func TestAccessPatternWebhooksOfAComune(t *testing.T) {
	e := newEnv(t)
	sub := e.subscribe(t, e.newReceiver(t, 0))
	items, err := e.db.Tenant(tenant).QueryAll(context.Background(), store.Query{PK: "webhooks"})
	if err != nil || len(items) != 1 || items[0].Key.SK != sub.ID {
		t.Errorf("got %+v, %v; want the subscription at PK webhooks, SK its id", items, err)
	}
}

func TestAccessPatternEnqueueADelivery(t *testing.T) {
	e := newEnv(t)
	sub, a := e.pending(t)
	it, err := e.db.Tenant(tenant).Get(context.Background(), store.Key{PK: "webhook#" + sub.ID + "#application#" + a.ID, SK: "000000000002"})
	if err != nil {
		t.Fatalf("got %v, want the delivery of the application's version 2 (its submission)", err)
	}
	if it.Version != 1 {
		t.Errorf("got version %d, want 1: the change came twice and was enqueued once", it.Version)
	}
}

func TestAccessPatternEarliestPendingDelivery(t *testing.T) {
	e := newEnv(t)
	sub, a := e.pending(t)
	e.apply(t, pratica.SystemActor, a.ID, pratica.Register, pratica.Input{Protocol: &pratica.Protocol{Number: "1", At: time.Now()}})
	e.pump(t)
	page, err := e.db.Tenant(tenant).Query(context.Background(), store.Query{PK: "webhook#" + sub.ID + "#application#" + a.ID, To: "000000000003"}, "")
	if err != nil || len(page.Items) != 2 || page.Items[0].Key.SK != "000000000002" || page.Items[1].Key.SK != "000000000003" {
		t.Errorf("got %+v, %v; want versions 2 and 3 in order", page.Items, err)
	}
}

func TestAccessPatternDeliveriesNowDue(t *testing.T) {
	e := newEnv(t)
	sub, a := e.pending(t)
	page, err := e.db.Tenant(tenant).Query(context.Background(), store.Query{Index: store.GSI1, PK: "webhooks-due", To: store.TimeKey(e.clock.now()) + "#~"}, "")
	if err != nil || len(page.Items) != 1 || !strings.HasSuffix(page.Items[0].Indexes[store.GSI1].SK, "#"+sub.ID+"#"+a.ID+"#000000000002") {
		t.Fatalf("got %+v, %v; want the pending delivery", page.Items, err)
	}
	e.drain(t)
	page, err = e.db.Tenant(tenant).Query(context.Background(), store.Query{Index: store.GSI1, PK: "webhooks-due"}, "")
	if err != nil || len(page.Items) != 0 {
		t.Errorf("got %d due after delivery, %v; want none", len(page.Items), err)
	}
}

func TestAccessPatternDeliveryLog(t *testing.T) {
	e := newEnv(t)
	sub, a := e.pending(t)
	page, err := e.db.Tenant(tenant).Query(context.Background(), store.Query{Index: store.GSI2, PK: "webhook#" + sub.ID + "#deliveries", Reverse: true}, "")
	if err != nil || len(page.Items) != 1 || !strings.HasSuffix(page.Items[0].Indexes[store.GSI2].SK, "#"+a.ID+"#000000000002") {
		t.Errorf("got %+v, %v; want the delivery in the log", page.Items, err)
	}
}

// post writes a message on application id as actor.
func (e env) post(t *testing.T, actor pratica.Actor, id, text string) messaggio.Message {
	t.Helper()
	m, _, err := messaggio.New(e.db, e.apps).Post(context.Background(), tenant, actor, id, text, "")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestMessageEventsInOrder: messages are announced, signed and without
// their text, each once, in their place among the application's status
// changes, through a receiver that fails twice first; a subscription to
// status changes alone hears of no message.
func TestMessageEventsInOrder(t *testing.T) {
	e := newEnv(t)
	r := e.newReceiver(t, 2)
	e.subscribeTo(t, r, webhook.StatusChanged, webhook.MessageCreated)
	statusOnly := e.newReceiver(t, 0)
	e.subscribe(t, statusOnly)

	a := e.submitted(t)
	asked := e.post(t, citizen, a.ID, "Testo riservato del cittadino")
	e.apply(t, pratica.SystemActor, a.ID, pratica.Register, pratica.Input{Protocol: &pratica.Protocol{Number: "2026/0000001", At: time.Now()}})
	answered := e.post(t, pratica.Actor{Role: pratica.Partner, Subject: "k"}, a.ID, "Risposta dell'ufficio")
	e.pump(t)
	e.drain(t)

	var order []string
	for _, g := range r.requests() {
		if !g.ok {
			continue
		}
		ev := g.event
		switch ev.Type {
		case webhook.StatusChanged:
			order = append(order, "status "+strconv.Itoa(int(ev.To)))
		case webhook.MessageCreated:
			order = append(order, "message "+ev.Message+" by "+ev.Author.String())
			if ev.Application != a.ID || ev.Service != "iscrizione-asilo-nido" || ev.Tenant != tenant || !strings.HasPrefix(ev.ID, "evt_") || ev.At.IsZero() {
				t.Errorf("got %+v, want the message's application, service, Comune, id and time", ev)
			}
			if strings.Contains(g.body, "Testo riservato") || strings.Contains(g.body, "Risposta dell'ufficio") || strings.Contains(g.body, `"from"`) {
				t.Errorf("the event carries more than it should: %s", g.body)
			}
		}
	}
	want := []string{"status 2000", "message " + asked.ID + " by citizen", "status 3000", "message " + answered.ID + " by partner"}
	if strings.Join(order, "\n") != strings.Join(want, "\n") {
		t.Errorf("delivered\n%s\nwant, each once\n%s", strings.Join(order, "\n"), strings.Join(want, "\n"))
	}
	for _, g := range statusOnly.requests() {
		if g.event.Type != webhook.StatusChanged {
			t.Errorf("a subscription to status changes got %s", g.event.Type)
		}
	}
	if n := len(statusOnly.requests()); n != 2 {
		t.Errorf("the status-only subscription got %d events, want 2", n)
	}
}

func TestAccessPatternEnqueueAMessageDelivery(t *testing.T) {
	e := newEnv(t)
	sub := e.subscribeTo(t, e.newReceiver(t, 0), webhook.MessageCreated)
	a := e.submitted(t)
	m := e.post(t, citizen, a.ID, "Domanda")
	e.pump(t)
	page, err := e.db.Tenant(tenant).Query(context.Background(), store.Query{PK: "webhook#" + sub.ID + "#application#" + a.ID}, "")
	if want := "000000000002#m#" + store.TimeKey(m.At) + "#" + m.ID; err != nil || len(page.Items) != 1 || page.Items[0].Key.SK != want || page.Items[0].Version != 1 {
		t.Errorf("got %+v, %v; want one delivery at SK %s, enqueued once", page.Items, err, want)
	}
}
