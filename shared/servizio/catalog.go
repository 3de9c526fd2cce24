package servizio

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
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

func categoryKey(slug string) store.Key   { return store.Key{PK: categoriesPK, SK: slug} }
func serviceKey(slug string) store.Key    { return store.Key{PK: servicesPK, SK: slug} }
func byCategoryPK(category string) string { return "category#" + category }

// Catalog reads and writes the catalogue of one Comune.
type Catalog struct {
	scope *store.Scope
}

// NewCatalog returns the catalogue stored in a Comune's scope.
func NewCatalog(scope *store.Scope) *Catalog { return &Catalog{scope: scope} }

// readAll reads every item of a partition (or an index partition). The
// catalogue's partitions are small (a Comune has tens of categories and at most
// a few hundred services), so reading them whole keeps search simple.
func readAll[T any](ctx context.Context, scope *store.Scope, q store.Query) ([]T, error) {
	q.Limit = store.MaxQueryLimit
	var out []T
	cursor := ""
	for {
		page, err := scope.Query(ctx, q, cursor)
		if err != nil {
			return nil, err
		}
		for _, it := range page.Items {
			var v T
			if err := json.Unmarshal(it.Data, &v); err != nil {
				return nil, fmt.Errorf("%s/%s: %w", it.Key.PK, it.Key.SK, err)
			}
			out = append(out, v)
		}
		if page.Cursor == "" {
			return out, nil
		}
		cursor = page.Cursor
	}
}

// Categories returns the categories in display order.
func (c *Catalog) Categories(ctx context.Context) ([]Category, error) {
	cats, err := readAll[Category](ctx, c.scope, store.Query{PK: categoriesPK})
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(cats, func(a, b Category) int {
		return cmp.Or(cmp.Compare(a.Order, b.Order), strings.Compare(a.Slug, b.Slug))
	})
	return cats, nil
}

// Category returns one category, or a NotFound error.
func (c *Catalog) Category(ctx context.Context, slug string) (Category, error) {
	var cat Category
	err := c.get(ctx, categoryKey(slug), &cat)
	if fault.Is(err, fault.NotFound) {
		return cat, fault.New(fault.NotFound, "La categoria %q non esiste.", slug)
	}
	return cat, err
}

// Filter narrows a service listing.
type Filter struct {
	Category string // a category slug; "" for all
	Text     string // words that must all appear in the title, summary, description or keywords
}

// Services returns the published services that match f, ordered by title.
func (c *Catalog) Services(ctx context.Context, f Filter) ([]Service, error) {
	q := store.Query{PK: servicesPK}
	if f.Category != "" {
		if _, err := c.Category(ctx, f.Category); err != nil {
			return nil, err
		}
		q = store.Query{Index: store.GSI1, PK: byCategoryPK(f.Category)}
	}
	all, err := readAll[Service](ctx, c.scope, q)
	if err != nil {
		return nil, err
	}
	words := strings.Fields(fold(f.Text))
	var out []Service
	for _, s := range all {
		if s.Status == Published && s.matches(words) {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b Service) int {
		return cmp.Or(strings.Compare(fold(a.Title), fold(b.Title)), strings.Compare(a.Slug, b.Slug))
	})
	return out, nil
}

// Service returns a published service, or a NotFound error.
func (c *Catalog) Service(ctx context.Context, slug string) (Service, error) {
	var s Service
	err := c.get(ctx, serviceKey(slug), &s)
	if fault.Is(err, fault.NotFound) || (err == nil && s.Status != Published) {
		return Service{}, fault.New(fault.NotFound, "Il servizio %q non esiste.", slug)
	}
	return s, err
}

// Related returns up to max other published services of s's category.
func (c *Catalog) Related(ctx context.Context, s Service, max int) ([]Service, error) {
	same, err := c.Services(ctx, Filter{Category: s.Category})
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
	return c.put(ctx, store.Item{Key: categoryKey(cat.Slug)}, cat)
}

// PutService creates or replaces a service. Its category must exist.
func (c *Catalog) PutService(ctx context.Context, s Service) error {
	if err := s.Validate(); err != nil {
		return err
	}
	if _, err := c.Category(ctx, s.Category); err != nil {
		return err
	}
	return c.put(ctx, store.Item{
		Key:     serviceKey(s.Slug),
		Indexes: map[store.Index]store.Key{store.GSI1: {PK: byCategoryPK(s.Category), SK: fold(s.Title) + "#" + s.Slug}},
	}, s)
}

func (c *Catalog) get(ctx context.Context, k store.Key, v any) error {
	it, err := c.scope.Get(ctx, k)
	if err != nil {
		return err
	}
	return json.Unmarshal(it.Data, v)
}

func (c *Catalog) put(ctx context.Context, it store.Item, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	it.Data = data
	_, err = c.scope.Put(ctx, it, store.Condition{})
	return err
}

func (s Service) matches(words []string) bool {
	if len(words) == 0 {
		return true
	}
	text := fold(strings.Join(append([]string{s.Title, s.Summary, s.Description, s.Audience}, s.Keywords...), " "))
	for _, w := range words {
		if !strings.Contains(text, w) {
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
