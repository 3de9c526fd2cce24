package servizio_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/servizio"
	"github.com/stanzaportal/stanza/shared/store"
	"github.com/stanzaportal/stanza/shared/store/boltstore/bolttest"
)

func validService() servizio.Service {
	return servizio.Service{
		Slug: "bonus-libri", Title: "Bonus libri di testo", Category: "istruzione",
		Summary: "Contributo per i libri di testo.", Description: "Rimborso delle spese per i libri.",
		Audience: "Famiglie residenti con figli a scuola.", Cost: servizio.Cost{Free: true},
		AuthLevel: servizio.SpidL2, Status: servizio.Published,
	}
}

func TestServiceValidate(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(*servizio.Service)
		wantErr bool
	}{
		{"OK", func(*servizio.Service) {}, false},
		{"OKVariableCost", func(s *servizio.Service) { s.Cost = servizio.Cost{Description: "Dipende dai metri quadrati."} }, false},
		{"OKFixedCost", func(s *servizio.Service) { s.Cost = servizio.Cost{AmountCents: 1600, Description: "Bollo."} }, false},
		{"ErrSlug", func(s *servizio.Service) { s.Slug = "Bonus Libri" }, true},
		{"ErrNoTitle", func(s *servizio.Service) { s.Title = "" }, true},
		{"ErrNoCategory", func(s *servizio.Service) { s.Category = "" }, true},
		{"ErrNoAudience", func(s *servizio.Service) { s.Audience = "" }, true},
		{"ErrFreeWithAmount", func(s *servizio.Service) { s.Cost = servizio.Cost{Free: true, AmountCents: 100} }, true},
		{"ErrCostUndescribed", func(s *servizio.Service) { s.Cost = servizio.Cost{AmountCents: 100} }, true},
		{"ErrNegativeCost", func(s *servizio.Service) { s.Cost = servizio.Cost{AmountCents: -1, Description: "x"} }, true},
		{"ErrNegativeDays", func(s *servizio.Service) { s.ProcessingDays = -1 }, true},
		{"ErrAuthLevel", func(s *servizio.Service) { s.AuthLevel = "password" }, true},
		{"ErrStatus", func(s *servizio.Service) { s.Status = "hidden" }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := validService()
			tt.edit(&s)
			err := s.Validate()
			if (err != nil) != tt.wantErr {
				t.Fatalf("got %v, want error %v", err, tt.wantErr)
			}
			if err != nil && !fault.Is(err, fault.Invalid) {
				t.Errorf("got code %s, want invalid", fault.CodeOf(err))
			}
		})
	}
}

func TestCategoryValidate(t *testing.T) {
	for _, tt := range []struct {
		name    string
		cat     servizio.Category
		wantErr bool
	}{
		{"OK", servizio.Category{Slug: "istruzione", Name: "Istruzione", Order: 1}, false},
		{"ErrSlug", servizio.Category{Slug: "-x", Name: "X"}, true},
		{"ErrName", servizio.Category{Slug: "x"}, true},
		{"ErrOrder", servizio.Category{Slug: "x", Name: "X", Order: 10000}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.cat.Validate(); (err != nil) != tt.wantErr {
				t.Errorf("got %v, want error %v", err, tt.wantErr)
			}
		})
	}
}

// TestCopiesFollowWritesOfOtherProcesses stands for two Lambda instances:
// each has its own Catalogs, and a write through one is seen by the other
// at its next read.
func TestCopiesFollowWritesOfOtherProcesses(t *testing.T) {
	ctx := context.Background()
	db := bolttest.DB(t)
	writer, reader := servizio.NewCatalogs(db).Of("esempio"), servizio.NewCatalogs(db).Of("esempio")

	if err := writer.PutCategory(ctx, servizio.Category{Slug: "istruzione", Name: "Istruzione"}); err != nil {
		t.Fatal(err)
	}
	if list, err := reader.Services(ctx, servizio.Filter{}); err != nil || len(list) != 0 {
		t.Fatalf("before: got %v (%v), want none", list, err)
	}
	if err := writer.PutService(ctx, validService()); err != nil {
		t.Fatal(err)
	}
	list, err := reader.Services(ctx, servizio.Filter{Text: "LIBRI"})
	if err != nil || len(list) != 1 || list[0].Slug != "bonus-libri" {
		t.Fatalf("after: got %v (%v), want bonus-libri", list, err)
	}

	s := validService()
	s.Status = servizio.Draft
	if err := writer.PutService(ctx, s); err != nil {
		t.Fatal(err)
	}
	if _, err := reader.Service(ctx, "bonus-libri"); !fault.Is(err, fault.NotFound) {
		t.Errorf("an unpublished service is still served: %v", err)
	}
	if err := writer.PutService(ctx, servizio.Service{}); !fault.Is(err, fault.Invalid) {
		t.Errorf("an invalid service: got %v, want invalid", err)
	}
	s = validService()
	s.Category = "sport"
	if err := writer.PutService(ctx, s); !fault.Is(err, fault.NotFound) {
		t.Errorf("a service of an unknown category: got %v, want not found", err)
	}
}

func TestCreateAndUpdateService(t *testing.T) {
	ctx := context.Background()
	c := servizio.NewCatalogs(bolttest.DB(t)).Of("esempio")
	if err := c.PutCategory(ctx, servizio.Category{Slug: "istruzione", Name: "Istruzione"}); err != nil {
		t.Fatal(err)
	}
	draft := validService()
	draft.Status = servizio.Draft
	created, err := c.CreateService(ctx, draft)
	if err != nil || created.UpdatedAt.IsZero() {
		t.Fatalf("create: got %+v (%v), want the service stamped with its time", created, err)
	}
	if _, err := c.CreateService(ctx, draft); !fault.Is(err, fault.Conflict) {
		t.Errorf("the same slug again: got %v, want conflict", err)
	}
	all, err := c.AllServices(ctx)
	if err != nil || len(all) != 1 || all[0].Slug != "bonus-libri" {
		t.Fatalf("all: got %v (%v), want the draft", all, err)
	}
	if list, err := c.Services(ctx, servizio.Filter{}); err != nil || len(list) != 0 {
		t.Errorf("published: got %v (%v), want none while a draft", list, err)
	}

	published := validService()
	if _, err := c.UpdateService(ctx, published); err != nil {
		t.Fatal(err)
	}
	if got, err := c.Service(ctx, "bonus-libri"); err != nil || got.Status != servizio.Published {
		t.Errorf("after publishing: got %+v (%v)", got, err)
	}
	unknown := validService()
	unknown.Slug = "sconosciuto"
	if _, err := c.UpdateService(ctx, unknown); !fault.Is(err, fault.NotFound) {
		t.Errorf("update of an unknown service: got %v, want not found", err)
	}
	wrongCategory := validService()
	wrongCategory.Category = "sport"
	if _, err := c.UpdateService(ctx, wrongCategory); !fault.Is(err, fault.Invalid) {
		t.Errorf("an unknown category: got %v, want invalid", err)
	}
	if _, err := c.CreateService(ctx, servizio.Service{Slug: "Non Valido"}); !fault.Is(err, fault.Invalid) {
		t.Errorf("an invalid sheet: got %v, want invalid", err)
	}
}

func TestAccessPatternCreateOrEditService(t *testing.T) {
	db, c := withService(t)
	ctx := context.Background()
	s := validService()
	s.Title = "Contributo libri"
	if _, err := c.UpdateService(ctx, s); err != nil {
		t.Fatal(err)
	}
	it, err := db.Tenant("esempio").Get(ctx, store.Key{PK: "services", SK: "bonus-libri"})
	if err != nil || !strings.Contains(string(it.Data), "Contributo libri") {
		t.Errorf("got %s (%v), want the edited sheet at services/bonus-libri", it.Data, err)
	}
	s.Slug = "nuovo"
	if _, err := c.CreateService(ctx, s); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Tenant("esempio").Get(ctx, store.Key{PK: "services", SK: "nuovo"}); err != nil {
		t.Errorf("got %v, want the new sheet at services/nuovo", err)
	}
}
