package seed

import (
	"context"
	"strings"
	"testing"

	"github.com/stanzaportal/stanza/shared/cittadino"
)

func TestDemoPublishesTermsOnce(t *testing.T) {
	ctx := context.Background()
	db, _ := seeded(t)
	// A seed interrupted before the Comune's record runs again in full.
	if err := publishTerms(ctx, db); err != nil {
		t.Fatalf("publishTerms again: %v", err)
	}
	got, err := cittadino.NewTermsService(db).Current(ctx, "esempio")
	if err != nil {
		t.Fatalf("Current: %v", err)
	}
	if got.Version != 1 {
		t.Errorf("got version %d, want 1", got.Version)
	}
	for _, want := range []string{"art. 13 del GDPR", "titolare del trattamento dei dati personali è il Comune di Esempio", "Impegni dell'utente"} {
		if !strings.Contains(got.Text, want) {
			t.Errorf("the terms lack %q", want)
		}
	}
}
