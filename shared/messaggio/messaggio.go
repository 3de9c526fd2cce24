// Package messaggio holds the messages that a citizen and the Comune's office
// exchange on an application: the citizen asks, an operator (or a partner
// system on the office's behalf) answers. It knows nothing of HTTP; the API
// layers call it with the actor they authenticated.
//
// # Who takes part
//
// The application's citizen, the operators and admins who may see the
// application (pratica.Store.Get decides, with the service restrictions of
// the actor), and the partners of the Comune. A draft has no messages: it
// has not been sent to anyone yet. Every other status has, a concluded
// application too, since people ask about a decision.
//
// # Beside the application, never in it
//
// A message is an item of its own beside the application, as the staff's
// notes are. Writing one never rewrites the application, so it never races
// with the workflow and never makes an operator's version-checked
// transition stale. The application's version when the message was
// written is kept in the message, so that the webhooks can place the
// message among the application's status changes.
//
// # Idempotent posting
//
// A client may send an idempotency key with a message (a phone that
// repeats a request on a bad network). The message id is then derived from
// the author and the key, and before the message a claim item is put if
// absent under that id: a repeated request finds the claim and answers with
// the message it holds instead of adding a second one. The claim is written
// first and holds the whole message, so that a failure between the two
// writes is repaired by the next attempt. A claim expires after a day.
//
// # Keys
//
// In the Comune's scope (see the access patterns in package store):
//
//   - a message: PK "application#<id>", SK "message#<time>#<message id>",
//     read oldest first a page at a time;
//   - an idempotency claim: PK "application#<id>", SK
//     "message-key#<message id>", put if absent, expiring after a day.
package messaggio

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/pratica"
	"github.com/stanzaportal/stanza/shared/store"
)

// Message is one message on an application.
type Message struct {
	ID          string       `json:"id"`
	Application string       `json:"application"`
	At          time.Time    `json:"at"`
	Author      pratica.Role `json:"author"` // citizen, operator or partner
	// By is the operator's username or the partner key's id; empty for
	// the citizen, and in the citizen's view (see ForCitizen).
	By   string `json:"by,omitempty"`
	Text string `json:"text"`
}

// ForCitizen returns the message as the citizen sees it: the office speaks
// as the Comune, never as a named operator, as in every notice.
func (m Message) ForCitizen() Message {
	m.By = ""
	return m
}

// Page is one page of an application's messages, oldest first; Cursor is
// "" on the last one.
type Page struct {
	Items  []Message `json:"items"`
	Cursor string    `json:"cursor,omitempty"`
}

// Limits.
const (
	MaxText  = pratica.MaxNote // characters of a message
	PageSize = 100             // messages per page
	claimTTL = 24 * time.Hour  // how long an idempotency key is remembered
)

// record is the stored message: the Message and what the change feed
// needs to announce it without reading the application.
type record struct {
	Message
	Service string `json:"service"`
	// After is the application's version when the message was written.
	After int64 `json:"after"`
}

// Store keeps the messages of applications.
type Store struct {
	db   *store.DB
	apps *pratica.Store
	now  func() time.Time
	page int
}

// New returns a Store over db, which authorizes through apps.
func New(db *store.DB, apps *pratica.Store) *Store {
	return &Store{db: db, apps: apps, now: time.Now, page: PageSize}
}

const (
	messagePrefix = "message#"
	claimPrefix   = "message-key#"
)

func partition(app string) string { return "application#" + app }

func messageKey(m Message) store.Key {
	return store.Key{PK: partition(m.Application), SK: messagePrefix + store.TimeKey(m.At) + "#" + m.ID}
}

func claimKey(app, id string) store.Key {
	return store.Key{PK: partition(app), SK: claimPrefix + id}
}

// idEncoding writes derived ids in the alphabet of store.NewID.
var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// derivedID names the message that actor posts on an application with an
// idempotency key: the same author, application and key give the same id,
// anything else another.
func derivedID(tenant string, actor pratica.Actor, app, key string) string {
	h := sha256.New()
	for _, part := range []string{tenant, app, actor.Role.String(), actor.Subject, key} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return idEncoding.EncodeToString(h.Sum(nil)[:16])
}

// application returns the application app when actor may take part in its
// messages.
func (s *Store) application(ctx context.Context, tenant string, actor pratica.Actor, app string) (pratica.Application, error) {
	switch actor.Role {
	case pratica.Citizen, pratica.Operator, pratica.Partner:
	default:
		return pratica.Application{}, fault.New(fault.Forbidden, "Non hai i permessi per questa operazione.")
	}
	a, err := s.apps.Get(ctx, tenant, actor, app)
	if err != nil {
		return pratica.Application{}, err
	}
	if a.Status == pratica.Draft {
		return pratica.Application{}, fault.New(fault.Conflict, "I messaggi sono disponibili solo dopo l'invio della pratica.")
	}
	return a, nil
}

// checkText returns text trimmed, or the error that refuses it.
func checkText(text string) (string, error) {
	text = strings.TrimSpace(text)
	switch {
	case text == "":
		return "", fault.New(fault.Invalid, "Il messaggio è vuoto.")
	case utf8.RuneCountInString(text) > MaxText:
		return "", fault.New(fault.Invalid, "Il messaggio può avere al massimo %d caratteri.", MaxText)
	case !plainText(text):
		return "", fault.New(fault.Invalid, "Il messaggio contiene caratteri non ammessi.")
	}
	return text, nil
}

// plainText reports whether s is text a person typed: no control
// characters other than line breaks.
func plainText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool {
		return unicode.IsControl(r) && r != '\n' && r != '\r'
	})
}

// Post adds actor's message with text to application app and returns it.
// key is the request's idempotency key, or "": with a key, posting again
// returns the first message and created false, and the same key with
// another text is a Conflict.
func (s *Store) Post(ctx context.Context, tenant string, actor pratica.Actor, app, text, key string) (m Message, created bool, err error) {
	if text, err = checkText(text); err != nil {
		return Message{}, false, err
	}
	if key != "" {
		if err := pratica.CheckIdempotencyKey(key); err != nil {
			return Message{}, false, err
		}
	}
	a, err := s.application(ctx, tenant, actor, app)
	if err != nil {
		return Message{}, false, err
	}
	rec := record{
		Message: Message{ID: store.NewID(), Application: a.ID, At: s.now().UTC(), Author: actor.Role, Text: text},
		Service: a.Service,
		After:   a.Version,
	}
	if actor.Role != pratica.Citizen {
		rec.By = actor.Subject
	}
	created = true
	if key != "" {
		rec.ID = derivedID(tenant, actor, a.ID, key)
		if rec, created, err = s.claim(ctx, tenant, rec); err != nil {
			return Message{}, false, err
		}
	}
	data, err := json.Marshal(rec)
	if err != nil {
		return Message{}, false, err
	}
	// After a claim found, the message is there already, unless the
	// request that claimed it failed before writing it: then it is
	// written now, as it was claimed. A message found there is the one
	// claimed (a repeated request running alongside wrote it): a random
	// id never meets another.
	_, err = s.db.Tenant(tenant).Put(ctx, store.Item{Key: messageKey(rec.Message), Data: data}, store.IfAbsent)
	if err != nil && !fault.Is(err, fault.Conflict) {
		return Message{}, false, err
	}
	return rec.Message, created, nil
}

// claim puts the idempotency claim of rec if absent and returns rec with
// created true; when the claim was there, it returns the message it holds.
func (s *Store) claim(ctx context.Context, tenant string, rec record) (record, bool, error) {
	data, err := json.Marshal(rec)
	if err != nil {
		return record{}, false, err
	}
	db := s.db.Tenant(tenant)
	k := claimKey(rec.Application, rec.ID)
	_, err = db.Put(ctx, store.Item{Key: k, Data: data, Expires: rec.At.Add(claimTTL)}, store.IfAbsent)
	if err == nil {
		return rec, true, nil
	}
	if !fault.Is(err, fault.Conflict) {
		return record{}, false, err
	}
	it, err := db.Get(ctx, k)
	if err != nil {
		return record{}, false, err
	}
	var first record
	if err := json.Unmarshal(it.Data, &first); err != nil {
		return record{}, false, fault.Wrap(err, fault.Internal, "messaggio: claim %s is unreadable", rec.ID)
	}
	if first.Text != rec.Text {
		return record{}, false, fault.New(fault.Conflict, "La chiave di idempotenza è già stata usata per un altro messaggio.")
	}
	return first, false, nil
}

// List returns one page of the messages of application app, oldest first,
// when actor may take part in them.
func (s *Store) List(ctx context.Context, tenant string, actor pratica.Actor, app, cursor string) (Page, error) {
	a, err := s.application(ctx, tenant, actor, app)
	if err != nil {
		return Page{}, err
	}
	p, err := s.db.Tenant(tenant).Query(ctx, store.Query{PK: partition(a.ID), Prefix: messagePrefix, Limit: s.page}, cursor)
	if err != nil {
		return Page{}, err
	}
	recs, err := store.Decode[record](p.Items)
	if err != nil {
		return Page{}, err
	}
	out := Page{Items: make([]Message, len(recs)), Cursor: p.Cursor}
	for i, r := range recs {
		out.Items[i] = r.Message
	}
	return out, nil
}

// Posted is a new message as the change feed reports it.
type Posted struct {
	Message
	Tenant  string
	Service string
	// After is the application's version when the message was written:
	// the message comes after that version's status change and before
	// the next one.
	After int64
}

// Created returns the message a change created; ok is false for any other
// change.
func Created(ch store.Change) (p Posted, ok bool, err error) {
	tenant, pk, isTenant := store.TenantOf(ch.Key.PK)
	if !isTenant || !strings.HasPrefix(pk, "application#") || !strings.HasPrefix(ch.Key.SK, messagePrefix) || ch.Old != nil || ch.New == nil {
		return Posted{}, false, nil
	}
	var r record
	if err := json.Unmarshal(ch.New.Data, &r); err != nil {
		return Posted{}, false, fault.Wrap(err, fault.Invalid, "messaggio: message %s/%s is unreadable", ch.Key.PK, ch.Key.SK)
	}
	return Posted{Message: r.Message, Tenant: tenant, Service: r.Service, After: r.After}, true, nil
}
