package servizio

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/store"
)

// Keys in a Comune's scope (see the access patterns in package store).
const (
	categoriesPK = "categories"
	servicesPK   = "services"
)

func categoryKey(slug string) store.Key { return store.Key{PK: categoriesPK, SK: slug} }
func serviceKey(slug string) store.Key  { return store.Key{PK: servicesPK, SK: slug} }

// versionKey is a counter that every catalogue write raises, so that a
// process knows with one key lookup whether its copy is still current.
var versionKey = store.Key{PK: "catalog", SK: "version"}

// maxAge bounds how long a copy is trusted without a newer version. It only
// matters if a process stopped between a write and its version raise.
const maxAge = 5 * time.Minute

// Catalogs gives the catalogue of each Comune. The catalogue is read on
// every public page and changes a few times a month, so each process keeps
// a copy per Comune and reloads it when the Comune's catalogue version
// changes: a listing costs one key lookup instead of reading and decoding
// every service.
type Catalogs struct {
	db  *store.DB
	now func() time.Time

	mu     sync.Mutex
	copies map[string]*snapshot // by tenant
}

// NewCatalogs returns the catalogues stored in db.
func NewCatalogs(db *store.DB) *Catalogs {
	return &Catalogs{db: db, now: time.Now, copies: map[string]*snapshot{}}
}

// Of returns the catalogue of the Comune with id tenant (a valid tenant id).
func (cs *Catalogs) Of(tenant string) *Catalog {
	return &Catalog{cs: cs, tenant: tenant, scope: cs.db.Tenant(tenant)}
}

// snapshot is a Comune's whole catalogue at one version, prepared for
// listing: services sorted by title, their text folded for search once.
type snapshot struct {
	version    int64
	loaded     time.Time
	categories []Category // in display order
	services   []entry    // every service, drafts too, by title
}

type entry struct {
	Service
	text string // folded title, summary, description, audience and keywords
}

// Catalog reads and writes the catalogue of one Comune.
type Catalog struct {
	cs     *Catalogs
	tenant string
	scope  *store.Scope
}

func (c *Catalog) version(ctx context.Context) (int64, error) {
	it, err := c.scope.Get(ctx, versionKey)
	if fault.Is(err, fault.NotFound) {
		return 0, nil
	}
	return it.Counter, err
}

// current returns an up-to-date snapshot, loading one when needed.
func (c *Catalog) current(ctx context.Context) (*snapshot, error) {
	v, err := c.version(ctx)
	if err != nil {
		return nil, err
	}
	c.cs.mu.Lock()
	snap := c.cs.copies[c.tenant]
	c.cs.mu.Unlock()
	if snap != nil && snap.version == v && c.cs.now().Sub(snap.loaded) < maxAge {
		return snap, nil
	}
	// The version was read before the data, so a write that lands during
	// the load raises the version past this snapshot's and forces a reload.
	snap = &snapshot{version: v, loaded: c.cs.now()}
	if snap.categories, err = readAll[Category](ctx, c.scope, store.Query{PK: categoriesPK}); err != nil {
		return nil, err
	}
	slices.SortStableFunc(snap.categories, func(a, b Category) int {
		return cmp.Or(cmp.Compare(a.Order, b.Order), strings.Compare(a.Slug, b.Slug))
	})
	services, err := readAll[Service](ctx, c.scope, store.Query{PK: servicesPK})
	if err != nil {
		return nil, err
	}
	titles := make(map[string]string, len(services))
	for _, s := range services {
		titles[s.Slug] = fold(s.Title)
		snap.services = append(snap.services, entry{Service: s, text: s.searchText()})
	}
	slices.SortFunc(snap.services, func(a, b entry) int {
		return cmp.Or(strings.Compare(titles[a.Slug], titles[b.Slug]), strings.Compare(a.Slug, b.Slug))
	})
	c.cs.mu.Lock()
	c.cs.copies[c.tenant] = snap
	c.cs.mu.Unlock()
	return snap, nil
}

// changed raises the catalogue's version after a write and drops this
// process's copy.
func (c *Catalog) changed(ctx context.Context) error {
	c.cs.mu.Lock()
	delete(c.cs.copies, c.tenant)
	c.cs.mu.Unlock()
	_, err := c.scope.Add(ctx, versionKey, 1)
	return err
}

// readAll decodes every item of a partition. The catalogue's partitions are
// small (tens of categories, at most a few hundred services).
func readAll[T any](ctx context.Context, scope *store.Scope, q store.Query) ([]T, error) {
	items, err := scope.QueryAll(ctx, q)
	if err != nil {
		return nil, err
	}
	return store.Decode[T](items)
}

// Categories returns the categories in display order.
func (c *Catalog) Categories(ctx context.Context) ([]Category, error) {
	snap, err := c.current(ctx)
	if err != nil {
		return nil, err
	}
	return slices.Clone(snap.categories), nil
}

// Category returns one category, or a NotFound error.
func (c *Catalog) Category(ctx context.Context, slug string) (Category, error) {
	snap, err := c.current(ctx)
	if err != nil {
		return Category{}, err
	}
	return snap.category(slug)
}

func (snap *snapshot) category(slug string) (Category, error) {
	for _, cat := range snap.categories {
		if cat.Slug == slug {
			return cat, nil
		}
	}
	return Category{}, fault.New(fault.NotFound, "La categoria %q non esiste.", slug)
}

// Filter narrows a service listing.
type Filter struct {
	Category string // a category slug; "" for all
	Text     string // words that must all appear in the title, summary, description or keywords
}

// Services returns the published services that match f, ordered by title.
// An unknown category is a NotFound error.
func (c *Catalog) Services(ctx context.Context, f Filter) ([]Service, error) {
	snap, err := c.current(ctx)
	if err != nil {
		return nil, err
	}
	return snap.published(f)
}

func (snap *snapshot) published(f Filter) ([]Service, error) {
	if f.Category != "" {
		if _, err := snap.category(f.Category); err != nil {
			return nil, err
		}
	}
	words := strings.Fields(fold(f.Text))
	var out []Service
	for _, e := range snap.services {
		if e.Status == Published && (f.Category == "" || e.Category == f.Category) && e.matches(words) {
			out = append(out, e.Service)
		}
	}
	return out, nil
}

// Service returns a published service, or a NotFound error.
func (c *Catalog) Service(ctx context.Context, slug string) (Service, error) {
	snap, err := c.current(ctx)
	if err != nil {
		return Service{}, err
	}
	for _, e := range snap.services {
		if e.Slug == slug && e.Status == Published {
			return e.Service, nil
		}
	}
	return Service{}, fault.New(fault.NotFound, "Il servizio %q non esiste.", slug)
}

// AllServices returns every service, drafts included, ordered by title:
// the admins' listing.
func (c *Catalog) AllServices(ctx context.Context) ([]Service, error) {
	snap, err := c.current(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Service, len(snap.services))
	for i, e := range snap.services {
		out[i] = e.Service
	}
	return out, nil
}

// Related returns up to max other published services of s's category.
func (c *Catalog) Related(ctx context.Context, s Service, max int) ([]Service, error) {
	snap, err := c.current(ctx)
	if err != nil {
		return nil, err
	}
	same, err := snap.published(Filter{Category: s.Category})
	if err != nil {
		return nil, err
	}
	var out []Service
	for _, o := range same {
		if o.Slug != s.Slug && len(out) < max {
			out = append(out, o)
		}
	}
	return out, nil
}

// PutCategory creates or replaces a category.
func (c *Catalog) PutCategory(ctx context.Context, cat Category) error {
	if err := cat.Validate(); err != nil {
		return err
	}
	return c.put(ctx, categoryKey(cat.Slug), cat, store.Condition{})
}

// PutService creates or replaces a service. Its category must exist.
func (c *Catalog) PutService(ctx context.Context, s Service) error {
	if err := s.Validate(); err != nil {
		return err
	}
	if _, err := c.Category(ctx, s.Category); err != nil {
		return err
	}
	return c.put(ctx, serviceKey(s.Slug), s, store.Condition{})
}

// CreateService adds a service, stamped with the time of the change. A
// service with the same slug is a Conflict error: a new sheet never
// overwrites another one.
func (c *Catalog) CreateService(ctx context.Context, s Service) (Service, error) {
	return c.writeService(ctx, s, store.IfAbsent, fault.Conflict, "Esiste già un servizio con l'identificativo %q.")
}

// UpdateService replaces the sheet of an existing service, stamped with the
// time of the change; its status publishes or withdraws it. An unknown
// service is a NotFound error.
func (c *Catalog) UpdateService(ctx context.Context, s Service) (Service, error) {
	return c.writeService(ctx, s, store.IfExists, fault.NotFound, "Il servizio %q non esiste.")
}

// writeService stores s if cond holds, and otherwise answers with code and
// the message failed. A sheet naming an unknown category is invalid, not
// missing: the caller has the service right and the category wrong.
func (c *Catalog) writeService(ctx context.Context, s Service, cond store.Condition, code fault.Code, failed string) (Service, error) {
	s.UpdatedAt = c.cs.now().UTC()
	if err := s.Validate(); err != nil {
		return Service{}, err
	}
	if _, err := c.Category(ctx, s.Category); err != nil {
		if fault.Is(err, fault.NotFound) {
			return Service{}, fault.Wrap(err, fault.Invalid, "La categoria %q non esiste.", s.Category)
		}
		return Service{}, err
	}
	err := c.put(ctx, serviceKey(s.Slug), s, cond)
	if fault.Is(err, fault.Conflict) {
		return Service{}, fault.Wrap(err, code, failed, s.Slug)
	}
	if err != nil {
		return Service{}, err
	}
	return s, nil
}

func (c *Catalog) put(ctx context.Context, k store.Key, v any, cond store.Condition) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if _, err := c.scope.Put(ctx, store.Item{Key: k, Data: data}, cond); err != nil {
		return err
	}
	return c.changed(ctx)
}

func (s Service) searchText() string {
	return fold(strings.Join(append([]string{s.Title, s.Summary, s.Description, s.Audience}, s.Keywords...), " "))
}

func (e entry) matches(words []string) bool {
	for _, w := range words {
		if !strings.Contains(e.text, w) {
			return false
		}
	}
	return true
}

// fold lower-cases s and strips accents, so that "asilo nido", "Asilo Nido"
// and "àsilo" all match (citizens type on phones, often without accents).
func fold(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		out = s
	}
	return strings.ToLower(out)
}
