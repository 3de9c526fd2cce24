// Package ufficio holds a Comune's offices: the units its operators work
// for and its applications are assigned to, each with the operators who
// manage it.
//
// # Records
//
// An office is one record in the Comune's scope, PK "offices" and SK its id,
// a slug fixed at creation, so that renaming an office leaves in place the
// operators and applications that name it. A Comune has a few dozen offices
// at most, so listing them, checking that some exist and finding those an
// operator manages each read the whole partition in one query.
//
// # Managers
//
// An office's managers are operators of the Comune, by username: besides
// admins, they may reassign the applications their office is in charge of.
// Naming one requires an enabled account, so that a typo cannot hand the
// office to nobody; an account disabled later stays named, but cannot sign
// in to act.
package ufficio

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/store"
)

// Office is one of a Comune's offices.
type Office struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Managers are the usernames of the operators who manage the office,
	// sorted.
	Managers []string `json:"managers"`
}

// Staff tells whether a username names an enabled account of a Comune.
// *operatore.Accounts implements it; the interface keeps this package
// below operatore, which checks operators' office ids with ValidID.
type Staff interface {
	Enabled(ctx context.Context, tenant, username string) (bool, error)
}

// Limits.
const (
	maxName     = 100 // characters of an office's name
	maxManagers = 10  // a few people answer for an office; more is a mistake
	maxRetries  = 5   // version-checked writes tried for one change
)

// Keys of a Comune's offices (see the access patterns in package store).
const partition = "offices"

func key(id string) store.Key { return store.Key{PK: partition, SK: id} }

var idPattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$`)

// ValidID reports whether s can be an office's id: 1 to 64 lower-case
// letters, digits and inner hyphens (e.g. "ufficio-scuola").
func ValidID(s string) bool { return idPattern.MatchString(s) }

// Store keeps the offices of every Comune.
type Store struct {
	db    *store.DB
	staff Staff
}

// NewStore returns the offices over db; staff checks the managers named.
func NewStore(db *store.DB, staff Staff) *Store { return &Store{db: db, staff: staff} }

func notFound(id string) error { return fault.New(fault.NotFound, "L'ufficio %q non esiste.", id) }

// List returns the offices of a Comune, by id.
func (s *Store) List(ctx context.Context, tenant string) ([]Office, error) {
	if !store.ValidTenant(tenant) {
		return nil, nil
	}
	items, err := s.db.Tenant(tenant).QueryAll(ctx, store.Query{PK: partition})
	if err != nil {
		return nil, err
	}
	out := make([]Office, 0, len(items))
	for _, it := range items {
		o, err := decode(it)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

// Get returns one office, or a NotFound error.
func (s *Store) Get(ctx context.Context, tenant, id string) (Office, error) {
	o, _, err := s.load(ctx, tenant, id)
	return o, err
}

func (s *Store) load(ctx context.Context, tenant, id string) (Office, int64, error) {
	if !store.ValidTenant(tenant) || !ValidID(id) {
		return Office{}, 0, notFound(id)
	}
	it, err := s.db.Tenant(tenant).Get(ctx, key(id))
	if fault.Is(err, fault.NotFound) {
		return Office{}, 0, notFound(id)
	}
	if err != nil {
		return Office{}, 0, err
	}
	o, err := decode(it)
	return o, it.Version, err
}

func decode(it store.Item) (Office, error) {
	var o Office
	if err := json.Unmarshal(it.Data, &o); err != nil {
		return Office{}, fmt.Errorf("ufficio: office %s: %w", it.Key.SK, err)
	}
	if o.Managers == nil {
		o.Managers = []string{} // records written before offices had managers
	}
	return o, nil
}

// Require returns an Invalid error naming the first of ids that is not an
// office of the Comune, for a request that assigns someone to offices.
func (s *Store) Require(ctx context.Context, tenant string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	list, err := s.List(ctx, tenant)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if !slices.ContainsFunc(list, func(o Office) bool { return o.ID == id }) {
			return fault.New(fault.Invalid, "L'ufficio %q non esiste.", id)
		}
	}
	return nil
}

// Managed returns the ids of the offices of a Comune that username manages.
func (s *Store) Managed(ctx context.Context, tenant, username string) ([]string, error) {
	list, err := s.List(ctx, tenant)
	if err != nil {
		return nil, err
	}
	out := []string{}
	for _, o := range list {
		if slices.Contains(o.Managers, username) {
			out = append(out, o.ID)
		}
	}
	return out, nil
}

// Put creates office id with name, or renames it, and sets its managers
// when managers is not nil; nil keeps those it has, so that renaming does
// not ask for them again.
func (s *Store) Put(ctx context.Context, tenant, id, name string, managers *[]string) (Office, error) {
	o, err := s.clean(ctx, tenant, Office{ID: id, Name: name, Managers: []string{}}, managers)
	if err != nil {
		return Office{}, err
	}
	for range maxRetries {
		current, version, err := s.load(ctx, tenant, id)
		cond := store.IfVersion(version)
		switch {
		case fault.Is(err, fault.NotFound):
			cond = store.IfAbsent
		case err != nil:
			return Office{}, err
		case managers == nil:
			o.Managers = current.Managers
		}
		err = s.put(ctx, tenant, o, cond)
		if fault.Is(err, fault.Conflict) {
			continue // another admin wrote in between: keep what they set
		}
		return o, err
	}
	return Office{}, fault.New(fault.Conflict, "L'ufficio è stato modificato da un'altra richiesta nello stesso momento: riprova.")
}

// Create stores a new office; one with the same id is a Conflict. The demo
// seed uses it, to leave an office an admin has changed as it is.
func (s *Store) Create(ctx context.Context, tenant string, o Office) (Office, error) {
	managers := o.Managers
	o, err := s.clean(ctx, tenant, o, &managers)
	if err != nil {
		return Office{}, err
	}
	err = s.put(ctx, tenant, o, store.IfAbsent)
	if fault.Is(err, fault.Conflict) {
		return Office{}, fault.Wrap(err, fault.Conflict, "L'ufficio %q esiste già.", o.ID)
	}
	if err != nil {
		return Office{}, err
	}
	return o, nil
}

// clean checks an office, and its managers when given, and returns it with
// the name trimmed and the managers sorted, once each.
func (s *Store) clean(ctx context.Context, tenant string, o Office, managers *[]string) (Office, error) {
	if !store.ValidTenant(tenant) {
		return Office{}, fault.New(fault.Invalid, "L'identificativo del Comune %q non è valido: usare lettere minuscole, cifre e trattini.", tenant)
	}
	if !ValidID(o.ID) {
		return Office{}, fault.New(fault.Invalid, "Il codice dell'ufficio deve avere da 1 a 64 lettere minuscole, cifre o trattini.")
	}
	o.Name = strings.TrimSpace(o.Name)
	if o.Name == "" || utf8.RuneCountInString(o.Name) > maxName || strings.ContainsFunc(o.Name, unicode.IsControl) {
		return Office{}, fault.New(fault.Invalid, "Il nome dell'ufficio è obbligatorio e può avere al massimo %d caratteri.", maxName)
	}
	if managers == nil {
		return o, nil
	}
	list := slices.Clone(*managers)
	slices.Sort(list)
	list = slices.Compact(list)
	if len(list) > maxManagers {
		return Office{}, fault.New(fault.Invalid, "Un ufficio può avere al massimo %d responsabili.", maxManagers)
	}
	for _, username := range list {
		ok, err := s.staff.Enabled(ctx, tenant, username)
		if err != nil {
			return Office{}, err
		}
		if !ok {
			return Office{}, fault.New(fault.Invalid, "L'operatore %q non esiste o è disabilitato: non può essere responsabile di un ufficio.", username)
		}
	}
	o.Managers = append([]string{}, list...)
	return o, nil
}

func (s *Store) put(ctx context.Context, tenant string, o Office, cond store.Condition) error {
	data, err := json.Marshal(o)
	if err != nil {
		return err
	}
	_, err = s.db.Tenant(tenant).Put(ctx, store.Item{Key: key(o.ID), Data: data}, cond)
	return err
}
