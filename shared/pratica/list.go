package pratica

import (
	"context"
	"strings"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/store"
)

// Page is one page of applications; Cursor is "" on the last one.
type Page struct {
	Applications []Application
	Cursor       string
}

// Mine returns one page of the citizen's applications in group, the most
// recently changed first: one query of GSI1. limit is 1 to
// store.MaxQueryLimit, 0 for the store's default.
func (s *Store) Mine(ctx context.Context, tenant string, actor Actor, g Group, cursor string, limit int) (Page, error) {
	if actor.Role != Citizen || actor.Subject == "" {
		return Page{}, fault.New(fault.Forbidden, "Non hai i permessi per questa operazione.")
	}
	if !g.Valid() {
		return Page{}, fault.New(fault.Invalid, "Il gruppo di pratiche %q non esiste.", g)
	}
	return s.page(ctx, tenant, store.Query{Index: store.GSI1, PK: groupPK(actor.Subject, g), Reverse: true, Limit: limit}, cursor)
}

// Queue returns one page of a service's applications in status, the
// longest waiting first: one query of GSI2, for the operators' work lists.
func (s *Store) Queue(ctx context.Context, tenant string, actor Actor, service string, st Status, cursor string, limit int) (Page, error) {
	if actor.Role == Citizen || allowed(actor, Application{Service: service}) != nil {
		return Page{}, fault.New(fault.Forbidden, "Non hai i permessi per questa operazione.")
	}
	if !st.Valid() || st == Draft {
		return Page{}, fault.New(fault.Invalid, "Lo stato %d non è valido per una coda di lavoro.", int(st))
	}
	if !serviceSlug.MatchString(service) {
		return Page{}, fault.New(fault.Invalid, "L'identificativo del servizio %q non è valido.", service)
	}
	return s.page(ctx, tenant, store.Query{Index: store.GSI2, PK: queuePK(service, st), Limit: limit}, cursor)
}

func (s *Store) page(ctx context.Context, tenant string, q store.Query, cursor string) (Page, error) {
	p, err := s.db.Tenant(tenant).Query(ctx, q, cursor)
	if err != nil {
		return Page{}, err
	}
	out := Page{Applications: make([]Application, 0, len(p.Items)), Cursor: p.Cursor}
	for _, it := range p.Items {
		a, err := fromItem(it)
		if err != nil {
			return Page{}, err
		}
		out.Applications = append(out.Applications, a)
	}
	return out, nil
}

// Counts returns how many applications the citizen has in each group, as
// the Counter handler keeps them: one query. A group with none is absent.
func (s *Store) Counts(ctx context.Context, tenant string, actor Actor) (map[Group]int64, error) {
	if actor.Role != Citizen || actor.Subject == "" {
		return nil, fault.New(fault.Forbidden, "Non hai i permessi per questa operazione.")
	}
	items, err := s.db.Tenant(tenant).QueryAll(ctx, store.Query{PK: "citizen#" + actor.Subject, Prefix: "count#"})
	if err != nil {
		return nil, err
	}
	counts := make(map[Group]int64, len(Groups))
	for _, it := range items {
		if g := Group(strings.TrimPrefix(it.Key.SK, "count#")); g.Valid() && it.Counter != 0 {
			counts[g] = it.Counter
		}
	}
	return counts, nil
}
