package messaggio_test

import (
	"context"
	"encoding/json"
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
)

const (
	tenant  = "esempio"
	nido    = "iscrizione-asilo-nido"
	rossi   = "RSSMRA80A01H501U"
	bianchi = "BNCLRA85M41F205X"
)

var (
	citizen = pratica.Actor{Role: pratica.Citizen, Subject: rossi}
	other   = pratica.Actor{Role: pratica.Citizen, Subject: bianchi}
	anna    = pratica.Actor{Role: pratica.Operator, Subject: "anna", Services: []string{nido}}
	elsa    = pratica.Actor{Role: pratica.Operator, Subject: "elsa", Services: []string{"bonus-libri"}}
	bruno   = pratica.Actor{Role: pratica.Operator, Subject: "bruno", Admin: true}
	partner = pratica.Actor{Role: pratica.Partner, Subject: "key1"}
)

// clock moves a millisecond at every reading, so that every message has
// its own time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond)
	return c.t
}

type env struct {
	db   *store.DB
	apps *pratica.Store
	msgs *messaggio.Store
}

func newEnv(t *testing.T) env {
	t.Helper()
	db := bolttest.DB(t)
	if err := seed.Demo(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	apps := pratica.NewStore(db)
	// The clock starts now: idempotency claims expire by the store's clock.
	c := &clock{t: time.Now().UTC()}
	return env{db: db, apps: apps, msgs: messaggio.New(db, apps).WithClock(c.now)}
}

// draft is a draft of the citizen's for the nursery service.
func (e env) draft(t *testing.T, who pratica.Actor) pratica.Application {
	t.Helper()
	d, _, err := e.apps.Start(context.Background(), tenant, who, nido, true)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// submitted is a submitted application of who's.
func (e env) submitted(t *testing.T, who pratica.Actor) pratica.Application {
	t.Helper()
	d := e.draft(t, who)
	a, err := e.apps.Submit(context.Background(), tenant, who, d.ID, "key-"+d.ID, json.RawMessage(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func (e env) post(t *testing.T, who pratica.Actor, app, text, key string) messaggio.Message {
	t.Helper()
	m, _, err := e.msgs.Post(context.Background(), tenant, who, app, text, key)
	if err != nil {
		t.Fatalf("post as %s: %v", who.Subject, err)
	}
	return m
}

func wantCode(t *testing.T, err error, want fault.Code) {
	t.Helper()
	if got := fault.CodeOf(err); got != want {
		t.Fatalf("got error %v (code %q), want code %q", err, got, want)
	}
}

// TestConversation: the citizen, an operator of the service, an admin and
// a partner write; each of them reads every message, oldest first, with
// its author; the application itself is never rewritten.
func TestConversation(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := e.submitted(t, citizen)
	e.post(t, citizen, a.ID, "  Quando sarà valutata la domanda?\n", "")
	e.post(t, anna, a.ID, "Entro la fine del mese.", "")
	e.post(t, bruno, a.ID, "Confermo.", "")
	e.post(t, partner, a.ID, "Protocollo in arrivo.", "")
	want := []struct {
		author pratica.Role
		by     string
		text   string
	}{
		{pratica.Citizen, "", "Quando sarà valutata la domanda?"},
		{pratica.Operator, "anna", "Entro la fine del mese."},
		{pratica.Operator, "bruno", "Confermo."},
		{pratica.Partner, "key1", "Protocollo in arrivo."},
	}
	for _, who := range []pratica.Actor{citizen, anna, bruno, partner} {
		p, err := e.msgs.List(ctx, tenant, who, a.ID, "")
		if err != nil {
			t.Fatalf("list as %s: %v", who.Subject, err)
		}
		if len(p.Items) != len(want) || p.Cursor != "" {
			t.Fatalf("list as %s: got %+v, want %d messages on one page", who.Subject, p, len(want))
		}
		for i, w := range want {
			if m := p.Items[i]; m.Author != w.author || m.By != w.by || m.Text != w.text || m.Application != a.ID {
				t.Errorf("list as %s, message %d: got %+v, want %s %q writing %q", who.Subject, i, m, w.author, w.by, w.text)
			}
		}
	}
	got, err := e.apps.Get(ctx, tenant, citizen, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != a.Version {
		t.Errorf("messages rewrote the application: version %d, want %d", got.Version, a.Version)
	}
}

func TestForCitizenHidesTheOperator(t *testing.T) {
	m := messaggio.Message{ID: "m", Author: pratica.Operator, By: "anna", Text: "Buongiorno"}
	if got := m.ForCitizen(); got.By != "" || got.Author != pratica.Operator || got.Text != "Buongiorno" {
		t.Errorf("got %+v, want the operator's message without their username", got)
	}
}

// TestConcludedApplicationsTakeMessages: people ask about a decision.
func TestConcludedApplicationsTakeMessages(t *testing.T) {
	e := newEnv(t)
	a := e.submitted(t, citizen)
	if _, err := e.apps.Apply(context.Background(), tenant, citizen, a.ID, pratica.Withdraw, pratica.Input{}); err != nil {
		t.Fatal(err)
	}
	if m := e.post(t, citizen, a.ID, "Ho ritirato per errore.", ""); m.Text != "Ho ritirato per errore." {
		t.Errorf("got %+v", m)
	}
}

func TestPostRefuses(t *testing.T) {
	e := newEnv(t)
	a := e.submitted(t, citizen)
	d := e.draft(t, other)
	tests := []struct {
		name    string
		actor   pratica.Actor
		tenant  string
		app     string
		text    string
		key     string
		wantErr fault.Code
	}{
		{"ErrOtherCitizen", other, tenant, a.ID, "Ciao", "", fault.NotFound},
		{"ErrOperatorOfAnotherService", elsa, tenant, a.ID, "Ciao", "", fault.Forbidden},
		{"ErrOtherComune", partner, "altro-comune", a.ID, "Ciao", "", fault.NotFound},
		{"ErrInvalidComune", citizen, "Comune_X", a.ID, "Ciao", "", fault.NotFound},
		{"ErrMissing", bruno, tenant, store.NewID(), "Ciao", "", fault.NotFound},
		{"ErrSystem", pratica.SystemActor, tenant, a.ID, "Ciao", "", fault.Forbidden},
		{"ErrAnonymous", pratica.Actor{}, tenant, a.ID, "Ciao", "", fault.Forbidden},
		{"ErrDraft", other, tenant, d.ID, "Ciao", "", fault.Conflict},
		{"ErrDraftForStaff", bruno, tenant, d.ID, "Ciao", "", fault.Conflict},
		{"ErrEmpty", citizen, tenant, a.ID, " \n\t ", "", fault.Invalid},
		{"ErrTooLong", citizen, tenant, a.ID, strings.Repeat("à", messaggio.MaxText+1), "", fault.Invalid},
		{"ErrControlCharacters", citizen, tenant, a.ID, "a\x1bb", "", fault.Invalid},
		{"ErrTab", citizen, tenant, a.ID, "a\tb", "", fault.Invalid},
		{"ErrNotUTF8", citizen, tenant, a.ID, "a\xffb", "", fault.Invalid},
		{"ErrBadKey", citizen, tenant, a.ID, "Ciao", "due parole", fault.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := e.msgs.Post(context.Background(), tt.tenant, tt.actor, tt.app, tt.text, tt.key)
			wantCode(t, err, tt.wantErr)
		})
	}
	// Nothing was written.
	p, err := e.msgs.List(context.Background(), tenant, citizen, a.ID, "")
	if err != nil || len(p.Items) != 0 {
		t.Errorf("got %+v, %v; want no message", p.Items, err)
	}
	if m := e.post(t, citizen, a.ID, strings.Repeat("à", messaggio.MaxText-1)+"\r\n", ""); len(m.Text) == 0 {
		t.Error("a message of the longest length was refused")
	}
}

func TestListRefuses(t *testing.T) {
	e := newEnv(t)
	a := e.submitted(t, citizen)
	d := e.draft(t, other)
	tests := []struct {
		name    string
		actor   pratica.Actor
		tenant  string
		app     string
		cursor  string
		wantErr fault.Code
	}{
		{"ErrOtherCitizen", other, tenant, a.ID, "", fault.NotFound},
		{"ErrOperatorOfAnotherService", elsa, tenant, a.ID, "", fault.Forbidden},
		{"ErrOtherComune", bruno, "altro-comune", a.ID, "", fault.NotFound},
		{"ErrDraft", other, tenant, d.ID, "", fault.Conflict},
		{"ErrForgedCursor", citizen, tenant, a.ID, "forged", fault.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.msgs.List(context.Background(), tt.tenant, tt.actor, tt.app, tt.cursor)
			wantCode(t, err, tt.wantErr)
		})
	}
}

// TestIdempotentPost: a request repeated with its key gets the first
// message back and adds none; the key with another text is refused; the
// same key from another author is another message.
func TestIdempotentPost(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := e.submitted(t, citizen)
	first, created, err := e.msgs.Post(ctx, tenant, citizen, a.ID, "Posso allegare altro?", "tel-1")
	if err != nil || !created {
		t.Fatalf("first post: created %v, %v", created, err)
	}
	again, created, err := e.msgs.Post(ctx, tenant, citizen, a.ID, "Posso allegare altro?", "tel-1")
	if err != nil || created || again != first {
		t.Errorf("repeated post: got %+v created %v (%v), want %+v not created", again, created, err, first)
	}
	_, _, err = e.msgs.Post(ctx, tenant, citizen, a.ID, "Un'altra domanda", "tel-1")
	wantCode(t, err, fault.Conflict)
	byAnna, created, err := e.msgs.Post(ctx, tenant, anna, a.ID, "Sì.", "tel-1")
	if err != nil || !created || byAnna.ID == first.ID {
		t.Errorf("another author's key: got %+v created %v (%v), want a new message", byAnna, created, err)
	}
	p, err := e.msgs.List(ctx, tenant, citizen, a.ID, "")
	if err != nil || len(p.Items) != 2 || p.Items[0] != first {
		t.Errorf("got %+v, %v; want the first message once, then anna's", p.Items, err)
	}
}

// TestIdempotentPostRepairs: when the request that claimed a key failed
// before writing its message, the repeated request writes it, as claimed.
func TestIdempotentPostRepairs(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := e.submitted(t, citizen)
	first := e.post(t, citizen, a.ID, "Domanda", "tel-1")
	db := e.db.Tenant(tenant)
	k := store.Key{PK: "application#" + a.ID, SK: "message#" + store.TimeKey(first.At) + "#" + first.ID}
	if err := db.Delete(ctx, k, store.IfExists); err != nil {
		t.Fatal(err)
	}
	again, created, err := e.msgs.Post(ctx, tenant, citizen, a.ID, "Domanda", "tel-1")
	if err != nil || created || again != first {
		t.Fatalf("got %+v created %v (%v), want %+v", again, created, err, first)
	}
	if _, err := db.Get(ctx, k); err != nil {
		t.Errorf("the message was not written again: %v", err)
	}
}

func TestPages(t *testing.T) {
	e := newEnv(t)
	e.msgs.WithPage(2)
	a := e.submitted(t, citizen)
	var want []string
	for i := range 5 {
		want = append(want, e.post(t, citizen, a.ID, "Messaggio "+string(rune('A'+i)), "").ID)
	}
	var got []string
	cursor := ""
	for pages := 1; ; pages++ {
		p, err := e.msgs.List(context.Background(), tenant, anna, a.ID, cursor)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range p.Items {
			got = append(got, m.ID)
		}
		if p.Cursor == "" {
			if pages != 3 {
				t.Errorf("got %d pages, want 3", pages)
			}
			break
		}
		cursor = p.Cursor
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("got %v, want %v oldest first", got, want)
	}
}

// The access patterns of package store, one test per row.

func TestAccessPatternMessagesOfAnApplication(t *testing.T) {
	e := newEnv(t)
	a := e.submitted(t, citizen)
	m := e.post(t, citizen, a.ID, "Domanda", "")
	items, err := e.db.Tenant(tenant).QueryAll(context.Background(), store.Query{PK: "application#" + a.ID, Prefix: "message#"})
	if err != nil || len(items) != 1 || items[0].Key.SK != "message#"+store.TimeKey(m.At)+"#"+m.ID {
		t.Errorf("got %+v, %v; want the message at SK message#<time>#<id>", items, err)
	}
}

func TestAccessPatternIdempotencyClaim(t *testing.T) {
	e := newEnv(t)
	a := e.submitted(t, citizen)
	m := e.post(t, citizen, a.ID, "Domanda", "tel-1")
	it, err := e.db.Tenant(tenant).Get(context.Background(), store.Key{PK: "application#" + a.ID, SK: "message-key#" + m.ID})
	if err != nil {
		t.Fatalf("got %v, want the claim at SK message-key#<id>", err)
	}
	if want := m.At.Add(24 * time.Hour).Truncate(time.Second); !it.Expires.Equal(want) {
		t.Errorf("the claim expires at %v, want %v", it.Expires, want)
	}
}

// TestCreated: the feed's change of a new message tells the message, with
// the application's version and service; nothing else is a message.
func TestCreated(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := e.submitted(t, citizen)
	m := e.post(t, anna, a.ID, "Risposta", "k")
	changes, err := e.db.Feed().Changes(ctx, "test", 1000)
	if err != nil {
		t.Fatal(err)
	}
	var found []messaggio.Posted
	for _, ch := range changes {
		p, ok, err := messaggio.Created(ch)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			found = append(found, p)
		}
	}
	if len(found) != 1 {
		t.Fatalf("got %d messages from the feed, want 1", len(found))
	}
	if p := found[0]; p.Message != m || p.Tenant != tenant || p.Service != nido || p.After != a.Version {
		t.Errorf("got %+v, want %+v of %s at version %d", p, m, nido, a.Version)
	}
}

// TestConcurrentRepeats: the same request sent many times at once writes
// one message, and every answer is that message.
func TestConcurrentRepeats(t *testing.T) {
	e := newEnv(t)
	a := e.submitted(t, citizen)
	const n = 10
	var (
		wg      sync.WaitGroup
		got     [n]messaggio.Message
		errs    [n]error
		created [n]bool
	)
	for i := range n {
		wg.Go(func() {
			got[i], created[i], errs[i] = e.msgs.Post(context.Background(), tenant, citizen, a.ID, "Domanda", "tel-1")
		})
	}
	wg.Wait()
	firsts := 0
	for i := range n {
		if errs[i] != nil || got[i] != got[0] {
			t.Errorf("request %d: got %+v (%v), want %+v", i, got[i], errs[i], got[0])
		}
		if created[i] {
			firsts++
		}
	}
	if firsts != 1 {
		t.Errorf("got %d requests that created the message, want 1", firsts)
	}
	p, err := e.msgs.List(context.Background(), tenant, citizen, a.ID, "")
	if err != nil || len(p.Items) != 1 {
		t.Errorf("got %+v, %v; want one message", p.Items, err)
	}
}
