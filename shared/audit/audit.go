// Package audit keeps the audit log of a Comune: who among its staff and
// partners did what, when and from which address, including every read of
// an application's personal data. Admins search it by application and by
// operator.
//
// # Append only
//
// Each entry is an item of its own, written if absent and never updated or
// deleted, so that no later write can alter what was recorded and two
// requests never contend for one item. In the Comune's scope (see the
// access patterns in package store):
//
//   - the entry: PK "audit#<id>", SK "entry";
//   - in GSI1, by actor: PK "audit#actor#<kind>#<subject>", SK "<UTC time>#<id>";
//   - in GSI2, by application: PK "audit#application#<id>", SK "<UTC time>#<id>".
//
// Both indexes are read newest first. The actor's kind is "operator" for
// operators and admins alike (one account, whose role may change) and
// "partner" for API keys, whose ids could otherwise collide with a username.
package audit

import (
	"context"
	"encoding/json"
	"time"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/store"
)

// ReadPersonalData is the action of reading an application with the
// citizen's personal data.
const ReadPersonalData = "read-personal-data"

// Entry is one action of the log.
type Entry struct {
	ID      string    `json:"id"`
	At      time.Time `json:"at"`
	Role    string    `json:"role"`    // operator, admin or partner
	Subject string    `json:"subject"` // an operator's username, a partner key's id
	Tenant  string    `json:"tenant"`
	// Action is a route pattern ("POST /api/v1/...") or a named action such
	// as ReadPersonalData.
	Action      string `json:"action"`
	Application string `json:"application,omitempty"`
	Status      int    `json:"status"` // the HTTP status of the answer
	// Address is the connecting address as the server saw it: on Lambda,
	// the source address API Gateway reports.
	Address string `json:"address"`
	// ForwardedFor is the request's X-Forwarded-For header, as the client
	// sent it: unverified, kept as a hint only.
	ForwardedFor string `json:"forwardedFor,omitempty"`
}

// Page is a page of entries, newest first; Cursor is "" on the last one.
type Page struct {
	Items  []Entry `json:"items"`
	Cursor string  `json:"cursor,omitempty"`
}

// PageSize bounds a page of the log.
const PageSize = 50

// Log is the audit log over a store.
type Log struct {
	db  *store.DB
	now func() time.Time
}

// New returns the log over db.
func New(db *store.DB) *Log { return &Log{db: db, now: time.Now} }

// Kind is how an actor's entries are indexed: operators and admins share
// one kind, partners have theirs.
func Kind(role string) string {
	if role == "partner" {
		return "partner"
	}
	return "operator"
}

func actorPK(kind, subject string) string { return "audit#actor#" + kind + "#" + subject }
func applicationPK(id string) string      { return "audit#application#" + id }

// Record appends e to the log of e.Tenant, with a fresh id and the current
// time, and returns it as stored.
func (l *Log) Record(ctx context.Context, e Entry) (Entry, error) {
	if !store.ValidTenant(e.Tenant) || e.Subject == "" || e.Action == "" {
		return Entry{}, fault.New(fault.Invalid, "audit: an entry needs a tenant, a subject and an action")
	}
	e.ID, e.At = store.NewID(), l.now().UTC()
	data, err := json.Marshal(e)
	if err != nil {
		return Entry{}, err
	}
	sk := store.TimeKey(e.At) + "#" + e.ID
	ix := map[store.Index]store.Key{store.GSI1: {PK: actorPK(Kind(e.Role), e.Subject), SK: sk}}
	if e.Application != "" {
		ix[store.GSI2] = store.Key{PK: applicationPK(e.Application), SK: sk}
	}
	item := store.Item{Key: store.Key{PK: "audit#" + e.ID, SK: "entry"}, Indexes: ix, Data: data}
	if _, err := l.db.Tenant(e.Tenant).Put(ctx, item, store.IfAbsent); err != nil {
		return Entry{}, err
	}
	return e, nil
}

// ByActor returns a page of the entries of one operator (kind "operator")
// or partner key (kind "partner"), newest first.
func (l *Log) ByActor(ctx context.Context, tenant, kind, subject, cursor string) (Page, error) {
	return l.page(ctx, tenant, store.Query{Index: store.GSI1, PK: actorPK(kind, subject)}, cursor)
}

// ByApplication returns a page of the entries about one application,
// newest first.
func (l *Log) ByApplication(ctx context.Context, tenant, id, cursor string) (Page, error) {
	return l.page(ctx, tenant, store.Query{Index: store.GSI2, PK: applicationPK(id)}, cursor)
}

func (l *Log) page(ctx context.Context, tenant string, q store.Query, cursor string) (Page, error) {
	q.Reverse, q.Limit = true, PageSize
	p, err := l.db.Tenant(tenant).Query(ctx, q, cursor)
	if err != nil {
		return Page{}, err
	}
	items, err := store.Decode[Entry](p.Items)
	if err != nil {
		return Page{}, err
	}
	return Page{Items: items, Cursor: p.Cursor}, nil
}
