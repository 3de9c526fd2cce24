// Package store is Stanza's storage port: one table of items addressed by a
// partition key and a sort key, with sparse secondary indexes, conditional
// writes with optimistic versions, atomic counters, expiry and a change feed.
// It is shaped after DynamoDB's single-table design so that every request path
// is a bounded number of key lookups and queries, never a scan.
//
// # Adapters
//
// A Driver adapts one backend (boltstore, embedded; dynamostore, DynamoDB).
// Every driver passes the conformance suite in storetest. Code outside the
// adapters uses the DB type, which checks arguments, applies scope prefixes and
// signs query cursors once for all drivers.
//
// # Scopes and tenant isolation
//
// Every key is stored with the prefix of a scope: "t#<tenant>#" for the data
// of one Comune, "g#" for the few records shared across Comuni (the list of
// Comuni, a citizen's account keyed by fiscal code). A handler holds the Scope
// of the tenant it resolved and cannot name a key of another one; items come
// back with the prefix removed. Index partition keys are prefixed the same way.
//
// # Cursors
//
// Query cursors are opaque and signed: a cursor names the scope, index,
// partition and sort-key bounds it was made for, and any other use, or any
// change to it, is refused with an Invalid error.
//
// # Access patterns
//
// The table below lists every request path and the key or index that answers
// it. Keys are shown without the scope prefix. Each row has a test in the
// package that owns the records.
//
//	who          request                       scope  key / index
//	anyone       list Comuni                   g      PK "tenants", SK "<slug>"
//	anyone       one Comune                    g      PK "tenants", SK "<slug>"
//	anyone       categories of a Comune        t      PK "categories", SK "<slug>" (read whole, cached per version)
//	anyone       services of a Comune          t      PK "services", SK "<slug>" (read whole, cached per version)
//	anyone       catalogue version             t      PK "catalog", SK "version" (counter)
//	anyone       one service                   t      PK "services", SK "<slug>"
//	admin        create or edit a service      t      PK "services", SK "<slug>" (put if absent / if it exists)
//	anyone       a service's form and settings t      PK "service-forms", SK "<service slug>"
//	admin        save a service's form         t      PK "service-forms", SK "<service slug>"
//	anyone       nested form of the library    t      PK "form-library", SK "<form id>" (one lookup per nested form)
//	admin        save a library form           t      PK "form-library", SK "<form id>"
//	worker       deduplicate a change          g      PK "done#<consumer>", SK "<change id>" (expires after 7 days)
//	SAML ACS     refuse a replayed assertion   g      PK "saml-seen", SK "<issuer>#<assertion id>" (put if absent; expires with the assertion)
//	citizen      own account, at each sign-in  g      PK "citizen#<fiscal code>", SK "account"
//	citizen      terms accepted, every Comune  g      PK "citizen#<fiscal code>", SK prefix "terms#"
//	citizen      acceptance of one version     g      PK "citizen#<fiscal code>", SK "terms#<tenant>#<version, 8 digits>"
//	citizen      one attachment                g      PK "attachment#<id>", SK "attachment" (put if absent; expires after 1 hour unless confirmed)
//	citizen      own attachments, every Comune g      GSI1 PK "citizen#<fiscal code>#attachments", SK "<confirmed UTC time>#<id>" (reverse, a page)
//	anyone       terms of use in force         t      PK "terms", SK prefix "version#" (reverse, limit 1)
//	admin        publish terms of use          t      PK "terms", SK "version#<version, 8 digits>" (put if absent)
//	portal       deduplicate an email          g      PK "mail#<message id>", SK "sent" (expires after 30 days)
//	developer    local mailbox                 g      PK "mailbox", SK "<UTC time>-<random>" (reverse, newest 100)
//	anyone       session of a request          g      PK "session#<sha256 of the cookie's id>", SK "session" (expires at the idle or absolute timeout)
//	signed-in    every session of an account   g      GSI1 PK "sessions#<role>#<tenant>#<subject>", SK "<sha256 of the id>"
//	operator     sign in with a password       t      PK "operators", SK "<username>"
//	admin        one operator (change, reset)  t      PK "operators", SK "<username>"
//	operator     change own password           t      PK "operators", SK "<username>" (version-checked)
//	admin        operators of a Comune         t      PK "operators", SK "<username>" (read whole)
//	partner      resolve an API key            t      PK "api-keys", SK "<key id>"
//	admin        API keys of a Comune          t      PK "api-keys", SK "<key id>" (read whole)
//	admin        webhooks of a Comune          t      PK "webhooks", SK "<id>" (read whole; put if absent)
//	worker       enqueue a webhook delivery    t      PK "webhook#<id>#application#<application>", SK "<version, 12 digits>" (put if absent)
//	worker       enqueue a message's delivery  t      PK "webhook#<id>#application#<application>", SK "<version, 12 digits>#m#<message UTC time>#<message id>" (put if absent)
//	worker       earliest pending delivery     t      PK "webhook#<id>#application#<application>", SK up to the delivery's own (a page, in order)
//	worker       webhook deliveries now due    t      GSI1 PK "webhooks-due", SK "<due UTC time>#<id>#<application>#<version>[#m#<message UTC time>#<message id>]" (up to now, a page)
//	admin        a webhook's delivery log      t      GSI2 PK "webhook#<id>#deliveries", SK "<event UTC time>#<application>#<version>[#m#<message UTC time>#<message id>]" (reverse, a page)
//	citizen      one application (any role)    t      PK "application#<id>", SK "application"
//	citizen      own draft for a service       t      PK "citizen#<fiscal code>", SK "draft#<service>" (put if absent; holds the draft's id)
//	citizen      applications of a status tab  t      GSI1 PK "citizen#<fiscal code>#group#<group>", SK "<updated UTC time>#<id>" (reverse, a page)
//	citizen      counts of the status tabs     t      PK "citizen#<fiscal code>", SK prefix "count#" (counters, kept by the worker)
//	operator     queue by service and status   t      GSI2 PK "service#<slug>#status#<code>", SK "<submitted UTC time>#<id>" (a page)
//	operator     a queue of the whole Comune   t      PK "queue#<queue>", SK "<submitted UTC time>#<id>" (a page; index items kept by the worker)
//	operator     a queue of one service        t      PK "queue#<queue>#service#<slug>", SK "<submitted UTC time>#<id>" (a page; kept by the worker)
//	operator     applications in my charge     t      PK "queue#da-gestire#operator#<username>", SK "<submitted UTC time>#<id>" (a page; kept by the worker)
//	operator     counts of the queues          t      PK "queue-counts", SK "<queue partition>" (read whole; counters kept by the worker)
//	operator     search by applicant           t      PK "search#applicant#<fiscal code>", SK "<submitted UTC time>#<id>" (reverse, a page; kept by the worker)
//	operator     search by protocol number     t      PK "search#protocol#<number>", SK "<submitted UTC time>#<id>" (a page; kept by the worker)
//	operator     search by applicant's name    t      PK "search#name#<first 3 letters>", SK "<word>#<submitted UTC time>#<id>" (prefix, reverse, a page; kept by the worker)
//	operator     internal notes of one         t      PK "application#<id>", SK prefix "note#" (a page; each "note#<UTC time>#<id>", put if absent)
//	citizen      messages of an application    t      PK "application#<id>", SK prefix "message#" (a page, oldest first; each "message#<UTC time>#<id>", put if absent)
//	citizen      repeat a message's request    t      PK "application#<id>", SK "message-key#<message id>" (put if absent; expires after 1 day)
//	worker       draw a protocol number        t      PK "protocol#<year>", SK "counter" (counter)
//	worker       registration of a request     t      PK "protocol-request#<request id>", SK "registration" (put if absent)
//	citizen      receipt of an application     t      PK "application#<id>", SK "receipt" (put if absent by the worker, then version-checked)
//	citizen      response to an application    t      PK "application#<id>", SK "response" (put if absent by the worker, then version-checked)
//	operator     a response file               t      PK "application#<id>", SK "response-file#<file id>" (put if absent; expires after a day unless checked)
//	staff        record an action              t      PK "audit#<id>", SK "entry" (put if absent, never updated)
//	admin        audit log of an operator      t      GSI1 PK "audit#actor#<operator|partner>#<subject>", SK "<UTC time>#<id>" (reverse, a page)
//	admin        audit log of an application   t      GSI2 PK "audit#application#<id>", SK "<UTC time>#<id>" (reverse, a page)
//	operator     metrics of a service          t      PK "metrics#<service>", SK "status#<code>", "day#<date>", "week#<ISO week>", "duration#<bucket>" (counters kept by the worker; one batch get)
//	operator     oldest open application       t      PK "metrics#open#<service>", SK "<submitted UTC time>#<id>" (limit 1; kept by the worker)
//	admin        offices of a Comune           t      PK "offices", SK "<slug>" (read whole; also to check an operator's offices exist)
//	admin        one office (create, edit)     t      PK "offices", SK "<slug>" (put if absent / if its version)
//	staff        offices one manages           t      PK "offices", SK "<slug>" (read whole; at each session read and reassignment)
package store

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/stanzaportal/stanza/shared/fault"
)

// DB is the store as the rest of Stanza sees it.
type DB struct {
	driver    Driver
	cursorKey []byte
}

// New returns a DB over driver. cursorKey signs query cursors: every process
// serving the same table must use the same key, of at least 32 bytes.
func New(driver Driver, cursorKey []byte) (*DB, error) {
	if len(cursorKey) < 32 {
		return nil, errors.New("store: the cursor key must have at least 32 bytes")
	}
	return &DB{driver: driver, cursorKey: append([]byte(nil), cursorKey...)}, nil
}

// Close closes the driver.
func (db *DB) Close() error { return db.driver.Close() }

// Feed returns the driver's own change log, or nil when the backend delivers
// changes by other means (DynamoDB Streams).
func (db *DB) Feed() Feed {
	f, _ := db.driver.(Feed)
	return f
}

var tenantID = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$`)

// ValidTenant reports whether id can name a tenant: 1 to 63 lower-case
// letters, digits and inner hyphens, as in a DNS label.
func ValidTenant(id string) bool { return tenantID.MatchString(id) }

// Tenant returns the scope of one Comune's data. It panics on an invalid id:
// tenant ids come from records or from validated input, never raw.
func (db *DB) Tenant(id string) *Scope {
	if !ValidTenant(id) {
		panic("store: invalid tenant id " + strconv.Quote(id))
	}
	return &Scope{db: db, prefix: "t#" + id + "#"}
}

// Global returns the scope of records shared across Comuni.
func (db *DB) Global() *Scope { return &Scope{db: db, prefix: "g#"} }

// TenantOf returns the tenant of a stored partition key (as found in a
// Change) and the key that tenant's code wrote; ok is false for a global key.
func TenantOf(storedPK string) (tenant, pk string, ok bool) {
	rest, found := strings.CutPrefix(storedPK, "t#")
	if !found {
		return "", "", false
	}
	tenant, pk, found = strings.Cut(rest, "#")
	return tenant, pk, found && ValidTenant(tenant)
}

// Scope is the part of the table that belongs to one tenant, or the global
// part. All keys given to and returned by a Scope are without its prefix.
type Scope struct {
	db     *DB
	prefix string
}

// Local returns the key that this scope's owner wrote as storedPK (as found
// in a Change); ok is false when storedPK is not in this scope.
func (s *Scope) Local(storedPK string) (pk string, ok bool) {
	return strings.CutPrefix(storedPK, s.prefix)
}

func (s *Scope) in(k Key) Key  { return Key{PK: s.prefix + k.PK, SK: k.SK} }
func (s *Scope) out(k Key) Key { return Key{PK: strings.TrimPrefix(k.PK, s.prefix), SK: k.SK} }

func (s *Scope) inItem(it Item) Item {
	c := it.Clone()
	c.Key = s.in(it.Key)
	for ix, k := range c.Indexes {
		c.Indexes[ix] = s.in(k)
	}
	if !c.Expires.IsZero() {
		c.Expires = c.Expires.Truncate(time.Second)
	}
	return c
}

func (s *Scope) outItem(it Item) Item {
	it.Key = s.out(it.Key)
	for ix, k := range it.Indexes {
		it.Indexes[ix] = s.out(k)
	}
	return it
}

// Get returns the item at k, or a NotFound error.
func (s *Scope) Get(ctx context.Context, k Key) (Item, error) {
	if err := k.check(); err != nil {
		return Item{}, err
	}
	it, err := s.db.driver.Get(ctx, s.in(k))
	if err != nil {
		return Item{}, err
	}
	return s.outItem(it), nil
}

// GetMany returns the items that exist among keys, in the order of keys.
// Duplicate keys are looked up once.
func (s *Scope) GetMany(ctx context.Context, keys []Key) ([]Item, error) {
	var out []Item
	seen := make(map[Key]bool, len(keys))
	batch := make([]Key, 0, MaxBatchGet)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		items, err := s.db.driver.BatchGet(ctx, batch)
		if err != nil {
			return err
		}
		for _, it := range items {
			out = append(out, s.outItem(it))
		}
		batch = batch[:0]
		return nil
	}
	for _, k := range keys {
		if err := k.check(); err != nil {
			return nil, err
		}
		if seen[k] {
			continue
		}
		seen[k] = true
		batch = append(batch, s.in(k))
		if len(batch) == MaxBatchGet {
			if err := flush(); err != nil {
				return nil, err
			}
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return out, nil
}

// Put writes item when cond holds and returns it as stored, with its new
// Version. A failed condition is a Conflict error.
func (s *Scope) Put(ctx context.Context, item Item, cond Condition) (Item, error) {
	if err := item.check(); err != nil {
		return Item{}, err
	}
	if err := cond.check(); err != nil {
		return Item{}, err
	}
	stored, err := s.db.driver.Put(ctx, s.inItem(item), cond)
	if err != nil {
		return Item{}, err
	}
	return s.outItem(stored), nil
}

// Delete removes the item at k when cond holds.
func (s *Scope) Delete(ctx context.Context, k Key, cond Condition) error {
	if err := k.check(); err != nil {
		return err
	}
	if err := cond.check(); err != nil {
		return err
	}
	return s.db.driver.Delete(ctx, s.in(k), cond)
}

// Add adds delta to the counter at k (created at zero) and returns the result.
func (s *Scope) Add(ctx context.Context, k Key, delta int64) (int64, error) {
	if err := k.check(); err != nil {
		return 0, err
	}
	return s.db.driver.Add(ctx, s.in(k), delta)
}

// Page is one page of a query's results. Cursor is empty on the last page.
type Page struct {
	Items  []Item
	Cursor string
}

// Query returns one page of a partition. cursor is "" for the first page,
// then the Cursor of the page before.
func (s *Scope) Query(ctx context.Context, q Query, cursor string) (Page, error) {
	if err := checkKeyPart("partition key", q.PK); err != nil {
		return Page{}, err
	}
	if q.Index != "" && !knownIndex(q.Index) {
		return Page{}, fault.New(fault.Invalid, "store: unknown index %q", q.Index)
	}
	if q.Prefix != "" && (q.From != "" || q.To != "") {
		return Page{}, fault.New(fault.Invalid, "store: a query takes a prefix or a range, not both")
	}
	if q.From != "" && q.To != "" && q.From > q.To {
		return Page{}, fault.New(fault.Invalid, "store: the range starts after it ends")
	}
	switch {
	case q.Limit == 0:
		q.Limit = DefaultQueryLimit
	case q.Limit < 0 || q.Limit > MaxQueryLimit:
		return Page{}, fault.New(fault.Invalid, "store: the limit must be between 1 and %d", MaxQueryLimit)
	}
	q.PK = s.prefix + q.PK
	var after []byte
	if cursor != "" {
		var err error
		if after, err = s.db.openCursor(q, cursor); err != nil {
			return Page{}, err
		}
	}
	items, next, err := s.db.driver.Query(ctx, q, after)
	if err != nil {
		return Page{}, err
	}
	page := Page{Items: make([]Item, len(items))}
	for i, it := range items {
		page.Items[i] = s.outItem(it)
	}
	if next != nil {
		page.Cursor = s.db.sealCursor(q, next)
	}
	return page, nil
}

// QueryAll returns every item of a partition, reading page after page. It
// is for partitions that are small by nature (a Comune's categories, its
// staff, its partner keys), where a caller needs them all at once; anything
// that grows with use is read a page at a time with Query.
func (s *Scope) QueryAll(ctx context.Context, q Query) ([]Item, error) {
	q.Limit = MaxQueryLimit
	var out []Item
	cursor := ""
	for {
		page, err := s.Query(ctx, q, cursor)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Items...)
		if page.Cursor == "" {
			return out, nil
		}
		cursor = page.Cursor
	}
}

func (c Condition) check() error {
	n := 0
	if c.MustExist {
		n++
	}
	if c.MustNotExist {
		n++
	}
	if c.Version > 0 {
		n++
	}
	if n > 1 || c.Version < 0 {
		return fault.New(fault.Invalid, "store: a write takes at most one condition")
	}
	return nil
}

// cursorMAC binds a driver cursor to the query it continues, so that a
// cursor cannot be replayed on another partition (or tenant) or edited.
func (db *DB) cursorMAC(q Query, raw []byte) []byte {
	m := hmac.New(sha256.New, db.cursorKey)
	for _, part := range []string{string(q.Index), q.PK, q.Prefix, q.From, q.To, strconv.FormatBool(q.Reverse)} {
		m.Write([]byte(strconv.Itoa(len(part))))
		m.Write([]byte{':'})
		m.Write([]byte(part))
	}
	m.Write(raw)
	return m.Sum(nil)[:16]
}

func (db *DB) sealCursor(q Query, raw []byte) string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString(raw) + "." + enc.EncodeToString(db.cursorMAC(q, raw))
}

func (db *DB) openCursor(q Query, cursor string) ([]byte, error) {
	bad := fault.New(fault.Invalid, "Il cursore di paginazione non è valido.")
	body, mac, ok := strings.Cut(cursor, ".")
	if !ok {
		return nil, bad
	}
	enc := base64.RawURLEncoding
	raw, err1 := enc.DecodeString(body)
	sum, err2 := enc.DecodeString(mac)
	if err1 != nil || err2 != nil || !hmac.Equal(sum, db.cursorMAC(q, raw)) {
		return nil, bad
	}
	return raw, nil
}
