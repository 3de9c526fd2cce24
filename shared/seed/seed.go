// Package seed fills an empty installation with a demo Comune, so that the
// local server shows a working portal on its first start, with nothing to
// configure and no cloud account.
//
// # The demo Comune
//
// "Comune di Esempio" (slug "esempio") is fictional: its codes are unassigned
// and its contacts use reserved domains and an unassigned phone number, so no
// real office can receive a message meant for the demo. Its service sheets are
// written in the tone of a real Comune's (the Designers Italia service card:
// summary, who may apply, what is needed, costs, times, office) so that the
// portal looks and searches as it will in production. One service is a draft:
// it shows that drafts stay out of every public listing.
//
// Every published service has a real form, in steps, with the settings a
// Comune would choose for it; the personal-data blocks the forms include are
// in the Comune's form library, as OpenCity organises its forms.
//
// # Idempotence
//
// The Comune's record is written last and only when missing: it marks the seed
// as done. Demo does nothing when it exists, so an admin's later changes are
// never overwritten. When a seed is interrupted before that record is written,
// the next start writes the whole catalogue again; nobody can have changed it
// in between, because a Comune that does not exist is not served.
package seed

import (
	"context"
	"fmt"
	"time"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/formio"
	"github.com/stanzaportal/stanza/shared/servizio"
	"github.com/stanzaportal/stanza/shared/store"
	"github.com/stanzaportal/stanza/shared/tenant"
)

// Demo creates the demo Comune with its catalogue and terms of use unless
// it exists already.
func Demo(ctx context.Context, db *store.DB) error {
	dir := tenant.NewDirectory(db)
	_, err := dir.Get(ctx, demoComune.ID)
	if err == nil {
		return nil
	}
	if !fault.Is(err, fault.NotFound) {
		return fmt.Errorf("seed: %w", err)
	}

	catalog := servizio.NewCatalogs(db).Of(demoComune.ID)
	for _, c := range demoCategories {
		if err := catalog.PutCategory(ctx, c); err != nil {
			return fmt.Errorf("seed: category %s: %w", c.Slug, err)
		}
	}
	now := time.Now().UTC().Truncate(time.Second)
	for _, s := range demoServices {
		s.UpdatedAt = now
		if err := catalog.PutService(ctx, s); err != nil {
			return fmt.Errorf("seed: service %s: %w", s.Slug, err)
		}
	}

	for _, f := range demoLibrary {
		if err := catalog.PutLibraryForm(ctx, f.ID, formio.Definition(f.Form)); err != nil {
			return fmt.Errorf("seed: library form %s: %w", f.ID, err)
		}
	}
	for slug, def := range demoDefinitions {
		if err := catalog.PutDefinition(ctx, slug, def); err != nil {
			return fmt.Errorf("seed: form of %s: %w", slug, err)
		}
	}

	if err := publishTerms(ctx, db); err != nil {
		return err
	}
	err = dir.Create(ctx, demoComune)
	if fault.Is(err, fault.Conflict) {
		// Another process sharing the store seeded it at the same time.
		return nil
	}
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	return nil
}
