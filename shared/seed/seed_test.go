package seed

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/servizio"
	"github.com/stanzaportal/stanza/shared/store"
	"github.com/stanzaportal/stanza/shared/store/boltstore/bolttest"
	"github.com/stanzaportal/stanza/shared/tenant"
)

// seeded returns a store where Demo has run once, and the demo catalogue.
func seeded(t *testing.T) (*store.DB, *servizio.Catalog) {
	t.Helper()
	db := bolttest.DB(t)
	if err := Demo(context.Background(), db); err != nil {
		t.Fatalf("Demo: %v", err)
	}
	return db, servizio.NewCatalogs(db).Of("esempio")
}

func slugs(services []servizio.Service) []string {
	out := []string{}
	for _, s := range services {
		out = append(out, s.Slug)
	}
	return out
}

func TestDemoCreatesComune(t *testing.T) {
	db, _ := seeded(t)
	got, err := tenant.NewDirectory(db).Get(context.Background(), "esempio")
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if got != demoComune {
		t.Errorf("got %+v, want %+v", got, demoComune)
	}
	if got.Name != "Comune di Esempio" {
		t.Errorf("got name %q, want %q", got.Name, "Comune di Esempio")
	}
}

func TestDemoListsCategoriesInOrder(t *testing.T) {
	_, cat := seeded(t)
	got, err := cat.Categories(context.Background())
	if err != nil {
		t.Fatalf("Categories: %v", err)
	}
	var gotSlugs []string
	for _, c := range got {
		gotSlugs = append(gotSlugs, c.Slug)
	}
	want := []string{
		"anagrafe-stato-civile", "istruzione", "ambiente-servizi-a-rete", "mobilita-suolo-pubblico",
		"cultura-sport-associazioni", "segnalazioni", "trasparenza-accesso-atti",
	}
	if !slices.Equal(gotSlugs, want) {
		t.Errorf("got %v, want %v", gotSlugs, want)
	}
}

func TestDemoServicesAreReadable(t *testing.T) {
	_, cat := seeded(t)
	ctx := context.Background()
	for _, want := range demoServices {
		t.Run(want.Slug, func(t *testing.T) {
			got, err := cat.Service(ctx, want.Slug)
			if want.Status == servizio.Draft {
				if !fault.Is(err, fault.NotFound) {
					t.Fatalf("got error %v, want NotFound for a draft", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Service: %v", err)
			}
			if got.UpdatedAt.IsZero() {
				t.Error("got a zero UpdatedAt, want the time of the seed")
			}
			want.UpdatedAt = got.UpdatedAt
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %+v, want %+v", got, want)
			}
		})
	}
}

func TestDemoFindsServices(t *testing.T) {
	_, cat := seeded(t)
	tests := []struct {
		name   string
		filter servizio.Filter
		want   []string
	}{
		{"NidoFindsAsiloNido", servizio.Filter{Text: "nido"}, []string{"iscrizione-asilo-nido"}},
		{"CapitalLettersIgnored", servizio.Filter{Text: "Asilo"}, []string{"iscrizione-asilo-nido"}},
		{"AcquaFindsMeterAndReports", servizio.Filter{Text: "acqua"}, []string{"autolettura-contatore-acqua", "segnalazione-disservizio"}},
		{"AccentsIgnored", servizio.Filter{Text: "residènza"}, []string{"cambio-residenza", "certificato-residenza"}},
		{"SynonymInKeywords", servizio.Filter{Text: "dehors"}, []string{"occupazione-suolo-pubblico"}},
		{"EveryWordMustMatch", servizio.Filter{Text: "nido acqua"}, []string{}},
		{"DraftNotFound", servizio.Filter{Text: "centri estivi"}, []string{}},
		{"CategoryWithoutDraft", servizio.Filter{Category: "istruzione"}, []string{"iscrizione-asilo-nido", "iscrizione-mensa-scolastica"}},
		{"CategoryAndText", servizio.Filter{Category: "mobilita-suolo-pubblico", Text: "targa"}, []string{"permesso-ztl"}},
		{"EveryPublishedByTitle", servizio.Filter{}, []string{
			"accesso-atti", "autolettura-contatore-acqua", "cambio-residenza", "certificato-residenza",
			"contributi-associazioni", "iscrizione-asilo-nido", "iscrizione-mensa-scolastica",
			"occupazione-suolo-pubblico", "permesso-ztl", "segnalazione-disservizio",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := cat.Services(context.Background(), tt.filter)
			if err != nil {
				t.Fatalf("Services: %v", err)
			}
			if !slices.Equal(slugs(got), tt.want) {
				t.Errorf("got %v, want %v", slugs(got), tt.want)
			}
		})
	}
}

func TestDemoRelatesServicesOfACategory(t *testing.T) {
	_, cat := seeded(t)
	ctx := context.Background()
	tests := []struct {
		name string
		slug string
		want []string
	}{
		{"OtherPublishedOfCategory", "iscrizione-asilo-nido", []string{"iscrizione-mensa-scolastica"}},
		{"Anagrafe", "certificato-residenza", []string{"cambio-residenza"}},
		{"AloneInCategory", "accesso-atti", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := cat.Service(ctx, tt.slug)
			if err != nil {
				t.Fatalf("Service: %v", err)
			}
			got, err := cat.Related(ctx, s, 3)
			if err != nil {
				t.Fatalf("Related: %v", err)
			}
			if !slices.Equal(slugs(got), tt.want) {
				t.Errorf("got %v, want %v", slugs(got), tt.want)
			}
		})
	}
}

// versions returns the version of every item the seed writes.
func versions(t *testing.T, db *store.DB) map[store.Key]int64 {
	t.Helper()
	ctx := context.Background()
	out := map[store.Key]int64{}
	it, err := db.Global().Get(ctx, store.Key{PK: "tenants", SK: "esempio"})
	if err != nil {
		t.Fatalf("Get Comune: %v", err)
	}
	out[it.Key] = it.Version
	for _, pk := range []string{"categories", "services", "service-forms", "form-library"} {
		page, err := db.Tenant("esempio").Query(ctx, store.Query{PK: pk, Limit: store.MaxQueryLimit}, "")
		if err != nil {
			t.Fatalf("Query %s: %v", pk, err)
		}
		for _, it := range page.Items {
			out[it.Key] = it.Version
		}
	}
	return out
}

func TestDemoTwiceChangesNothing(t *testing.T) {
	db, _ := seeded(t)
	before := versions(t, db)
	if want := 1 + len(demoCategories) + len(demoServices) + len(demoDefinitions) + len(demoLibrary); len(before) != want {
		t.Fatalf("got %d items after the seed, want %d", len(before), want)
	}
	if err := Demo(context.Background(), db); err != nil {
		t.Fatalf("second Demo: %v", err)
	}
	if after := versions(t, db); !reflect.DeepEqual(after, before) {
		t.Errorf("got versions %v after the second Demo, want %v", after, before)
	}
}

func TestDemoKeepsAdminChanges(t *testing.T) {
	db, cat := seeded(t)
	ctx := context.Background()
	edited, err := cat.Service(ctx, "certificato-residenza")
	if err != nil {
		t.Fatalf("Service: %v", err)
	}
	edited.Title = "Certificato anagrafico di residenza"
	if err := cat.PutService(ctx, edited); err != nil {
		t.Fatalf("PutService: %v", err)
	}
	if err := Demo(ctx, db); err != nil {
		t.Fatalf("second Demo: %v", err)
	}
	got, err := cat.Service(ctx, "certificato-residenza")
	if err != nil {
		t.Fatalf("Service: %v", err)
	}
	if got.Title != edited.Title {
		t.Errorf("got title %q, want the admin's %q", got.Title, edited.Title)
	}
}

func TestDemoCompletesAnInterruptedSeed(t *testing.T) {
	db := bolttest.DB(t)
	ctx := context.Background()
	cat := servizio.NewCatalogs(db).Of("esempio")
	// A seed stopped after its first write: one category, no Comune yet.
	partial := demoCategories[0]
	partial.Name = "Anagrafe"
	if err := cat.PutCategory(ctx, partial); err != nil {
		t.Fatalf("PutCategory: %v", err)
	}
	if err := Demo(ctx, db); err != nil {
		t.Fatalf("Demo: %v", err)
	}
	if _, err := tenant.NewDirectory(db).Get(ctx, "esempio"); err != nil {
		t.Errorf("got %v reading the Comune, want it created", err)
	}
	got, err := cat.Category(ctx, partial.Slug)
	if err != nil {
		t.Fatalf("Category: %v", err)
	}
	if got != demoCategories[0] {
		t.Errorf("got %+v, want %+v", got, demoCategories[0])
	}
}

// TestDemoServiceSheetsAreComplete holds the demo to the service card model:
// every published sheet says what is needed, who handles it and how to find it,
// and every category shows at least one service.
func TestDemoServiceSheetsAreComplete(t *testing.T) {
	shown := map[string]bool{}
	for _, s := range demoServices {
		if s.Status != servizio.Published {
			continue
		}
		shown[s.Category] = true
		if len(s.Requirements) == 0 || s.Office == "" || len(s.Keywords) == 0 {
			t.Errorf("%s: got requirements %q, office %q, keywords %q; want all set", s.Slug, s.Requirements, s.Office, s.Keywords)
		}
		if !s.Cost.Free && s.Cost.AmountCents > 0 && s.Cost.PaymentNotice == "" {
			t.Errorf("%s: got a cost of %d cents and no payment notice, want how to pay", s.Slug, s.Cost.AmountCents)
		}
	}
	for _, c := range demoCategories {
		if !shown[c.Slug] {
			t.Errorf("category %s: got no published service, want at least one", c.Slug)
		}
	}
}

// TestDemoContactsAreFictional guards against a real Comune receiving mail or
// visits meant for the demo: every address is under a reserved domain.
func TestDemoContactsAreFictional(t *testing.T) {
	for _, contact := range []string{demoComune.Email, demoComune.PEC, demoComune.Website} {
		host := contact[strings.LastIndexAny(contact, "@/")+1:]
		if !strings.HasSuffix(host, ".example.org") {
			t.Errorf("got contact %q, want one under example.org", contact)
		}
	}
}
