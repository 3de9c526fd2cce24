// Package tenant holds the Comuni that a Stanza installation serves. Every
// other record belongs to one of them and is stored in its scope.
package tenant

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/store"
)

// Comune is one tenant: a municipality and its public identity.
type Comune struct {
	ID          string `json:"id"`                    // slug used in URLs and keys, e.g. "esempio"
	Name        string `json:"name"`                  // "Comune di Esempio"
	Province    string `json:"province"`              // two-letter code, e.g. "TO"
	ISTATCode   string `json:"istatCode"`             // six digits
	IPACode     string `json:"ipaCode"`               // code in the IPA index of public administrations
	Description string `json:"description,omitempty"` // a line under the name on the home page
	Email       string `json:"email,omitempty"`
	PEC         string `json:"pec,omitempty"` // certified email
	Phone       string `json:"phone,omitempty"`
	Website     string `json:"website,omitempty"`
	Address     string `json:"address,omitempty"`
}

// Validate checks a Comune before it is stored.
func (c Comune) Validate() error {
	switch {
	case !store.ValidTenant(c.ID):
		return fault.New(fault.Invalid, "L'identificativo del Comune %q non è valido: usare lettere minuscole, cifre e trattini.", c.ID)
	case c.Name == "":
		return fault.New(fault.Invalid, "Il nome del Comune è obbligatorio.")
	}
	return nil
}

// Keys of the global list of Comuni (see the access patterns in package store).
const partition = "tenants"

func key(id string) store.Key { return store.Key{PK: partition, SK: id} }

// Directory reads and writes the list of Comuni.
type Directory struct {
	db *store.DB
}

// NewDirectory returns a Directory over db.
func NewDirectory(db *store.DB) *Directory { return &Directory{db: db} }

// List returns every Comune, ordered by id. An installation serves a bounded
// number of Comuni (hundreds at most), so the whole partition is read.
func (d *Directory) List(ctx context.Context) ([]Comune, error) {
	items, err := d.db.Global().QueryAll(ctx, store.Query{PK: partition})
	if err != nil {
		return nil, err
	}
	return store.Decode[Comune](items)
}

// Get returns the Comune with id, or a NotFound error.
func (d *Directory) Get(ctx context.Context, id string) (Comune, error) {
	if !store.ValidTenant(id) {
		return Comune{}, notFound(id)
	}
	it, err := d.db.Global().Get(ctx, key(id))
	if fault.Is(err, fault.NotFound) {
		return Comune{}, notFound(id)
	}
	if err != nil {
		return Comune{}, err
	}
	var c Comune
	if err := json.Unmarshal(it.Data, &c); err != nil {
		return Comune{}, fmt.Errorf("tenant %s: %w", id, err)
	}
	return c, nil
}

// Create stores a new Comune; an existing id is a Conflict.
func (d *Directory) Create(ctx context.Context, c Comune) error {
	if err := c.Validate(); err != nil {
		return err
	}
	data, err := json.Marshal(c)
	if err != nil {
		return err
	}
	_, err = d.db.Global().Put(ctx, store.Item{Key: key(c.ID), Data: data}, store.IfAbsent)
	if fault.Is(err, fault.Conflict) {
		return fault.Wrap(err, fault.Conflict, "Il Comune %q esiste già.", c.ID)
	}
	return err
}

func notFound(id string) error {
	return fault.New(fault.NotFound, "Il Comune %q non esiste su questo portale.", id)
}
