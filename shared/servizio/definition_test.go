package servizio_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/formio"
	"github.com/stanzaportal/stanza/shared/servizio"
	"github.com/stanzaportal/stanza/shared/store"
	"github.com/stanzaportal/stanza/shared/store/boltstore/bolttest"
)

// withService returns a catalogue holding validService, a draft service
// "bozza", and the library form "nome-cognome".
func withService(t *testing.T) (*store.DB, *servizio.Catalog) {
	t.Helper()
	ctx := context.Background()
	db := bolttest.DB(t)
	c := servizio.NewCatalogs(db).Of("esempio")
	if err := c.PutCategory(ctx, servizio.Category{Slug: "istruzione", Name: "Istruzione"}); err != nil {
		t.Fatal(err)
	}
	draft := validService()
	draft.Slug, draft.Status = "bozza", servizio.Draft
	for _, s := range []servizio.Service{validService(), draft} {
		if err := c.PutService(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.PutLibraryForm(ctx, "nome-cognome", formio.Definition(nameForm)); err != nil {
		t.Fatalf("PutLibraryForm: %v", err)
	}
	return db, c
}

const nameForm = `{"title": "Nome e cognome", "components": [
	{"type": "textfield", "key": "name", "label": "Nome", "validate": {"required": true}},
	{"type": "textfield", "key": "surname", "label": "Cognome", "validate": {"required": true}}]}`

// twoSteps is a valid form: a step with the applicant's name from the
// library, and a step with a file.
const twoSteps = `{"display": "wizard", "components": [
	{"type": "panel", "key": "richiedente", "title": "Richiedente", "components": [
		{"type": "form", "key": "applicant", "form": "nome-cognome"}]},
	{"type": "panel", "key": "documenti", "title": "Documenti", "components": [
		{"type": "file", "key": "receipt", "label": "Ricevuta", "filePattern": "application/pdf"}]},
	{"type": "button", "key": "submit", "label": "Invia"}]}`

func validDefinition() servizio.Definition {
	return servizio.Definition{
		Form: json.RawMessage(twoSteps),
		Settings: servizio.Settings{
			MaxDrafts:        1,
			Attachments:      servizio.Attachments{Types: []string{"application/pdf", "application/pkcs7-mime"}, MaxSize: 1 << 20, MaxFiles: 2},
			Instructions:     "Tieni a portata di mano la ricevuta.",
			StepInstructions: map[string]string{"documenti": "La ricevuta in PDF."},
			ProtocolRequired: true,
		},
	}
}

func TestPutDefinition(t *testing.T) {
	tests := []struct {
		name     string
		service  string
		edit     func(*servizio.Definition)
		wantCode fault.Code
		wantText string // in the message
	}{
		{"OK", "bonus-libri", func(*servizio.Definition) {}, "", ""},
		{"OKDraftService", "bozza", func(*servizio.Definition) {}, "", ""},
		{"OKUnlimitedDrafts", "bonus-libri", func(d *servizio.Definition) { d.Settings.MaxDrafts = 0 }, "", ""},
		{"ErrUnknownService", "altro", func(*servizio.Definition) {}, fault.NotFound, "altro"},
		{"ErrUnsupportedComponent", "bonus-libri", func(d *servizio.Definition) {
			d.Form = json.RawMessage(`{"components": [{"type": "panel", "key": "p", "components": [
				{"type": "signature", "key": "firma", "label": "Firma"}]}]}`)
		}, fault.Invalid, `«Firma» è di tipo "signature", che non è supportato`},
		{"ErrNotJSON", "bonus-libri", func(d *servizio.Definition) { d.Form = json.RawMessage(`{"components": [`) }, fault.Invalid, "JSON"},
		{"ErrNoForm", "bonus-libri", func(d *servizio.Definition) { d.Form = nil }, fault.Invalid, "JSON"},
		{"ErrMissingNestedForm", "bonus-libri", func(d *servizio.Definition) {
			d.Form = json.RawMessage(strings.Replace(twoSteps, `"nome-cognome"`, `"indirizzo"`, 1))
		}, fault.Invalid, `"indirizzo", che non esiste`},
		{"ErrFieldOutsidePanel", "bonus-libri", func(d *servizio.Definition) {
			d.Form = json.RawMessage(`{"components": [{"type": "textfield", "key": "note", "label": "Note"}]}`)
		}, fault.Invalid, "fuori da un pannello"},
		{"ErrNoPanel", "bonus-libri", func(d *servizio.Definition) { d.Form = json.RawMessage(`{"components": []}`) }, fault.Invalid, "almeno un pannello"},
		{"ErrSamePanelKeys", "bonus-libri", func(d *servizio.Definition) {
			d.Form = json.RawMessage(strings.Replace(twoSteps, `"key": "documenti"`, `"key": "richiedente"`, 1))
		}, fault.Invalid, "chiave diversa"},
		{"ErrInstructionsOfMissingStep", "bonus-libri", func(d *servizio.Definition) {
			d.Settings.StepInstructions = map[string]string{"pagamento": "Paga."}
		}, fault.Invalid, `"pagamento"`},
		{"ErrNoInstructions", "bonus-libri", func(d *servizio.Definition) { d.Settings.Instructions = " " }, fault.Invalid, "istruzioni"},
		{"ErrLongInstructions", "bonus-libri", func(d *servizio.Definition) { d.Settings.Instructions = strings.Repeat("a", 20001) }, fault.Invalid, "20000"},
		{"ErrTwoDrafts", "bonus-libri", func(d *servizio.Definition) { d.Settings.MaxDrafts = 2 }, fault.Invalid, "bozze"},
		{"ErrFileWithoutAttachments", "bonus-libri", func(d *servizio.Definition) { d.Settings.Attachments = servizio.Attachments{} }, fault.Invalid, "non ammette allegati"},
		{"ErrWildcardType", "bonus-libri", func(d *servizio.Definition) { d.Settings.Attachments.Types = []string{"image/*"} }, fault.Invalid, "image/*"},
		{"ErrTypeWithParameters", "bonus-libri", func(d *servizio.Definition) { d.Settings.Attachments.Types = []string{"text/plain; charset=utf-8"} }, fault.Invalid, "MIME"},
		{"ErrExtensionAsType", "bonus-libri", func(d *servizio.Definition) { d.Settings.Attachments.Types = []string{".pdf"} }, fault.Invalid, "MIME"},
		{"ErrNoTypes", "bonus-libri", func(d *servizio.Definition) { d.Settings.Attachments.Types = nil }, fault.Invalid, "tipi di file"},
		{"ErrHugeFiles", "bonus-libri", func(d *servizio.Definition) { d.Settings.Attachments.MaxSize = servizio.MaxAttachmentSize + 1 }, fault.Invalid, "dimensione massima"},
		{"ErrNoSize", "bonus-libri", func(d *servizio.Definition) { d.Settings.Attachments.MaxSize = 0 }, fault.Invalid, "dimensione massima"},
		{"ErrTooManyFiles", "bonus-libri", func(d *servizio.Definition) { d.Settings.Attachments.MaxFiles = servizio.MaxAttachments + 1 }, fault.Invalid, "numero massimo di allegati"},
		{"ErrTooLarge", "bonus-libri", func(d *servizio.Definition) {
			d.Form = json.RawMessage(strings.Replace(twoSteps, `"title": "Documenti"`, `"title": "`+strings.Repeat("x", store.MaxItemBytes)+`"`, 1))
		}, fault.TooLarge, "troppo grande"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c := withService(t)
			def := validDefinition()
			tt.edit(&def)
			err := c.PutDefinition(context.Background(), tt.service, def)
			if got := fault.CodeOf(err); got != tt.wantCode {
				t.Fatalf("got %v, want code %q", err, tt.wantCode)
			}
			if err != nil && !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("got message %q, want it to contain %q", err, tt.wantText)
			}
			if _, _, rerr := c.Definition(context.Background(), tt.service); (err == nil) != (rerr == nil) {
				t.Errorf("after Put error %v: got Definition error %v", err, rerr)
			}
		})
	}
}

func TestDefinitionResolvesTheLibrary(t *testing.T) {
	ctx := context.Background()
	_, c := withService(t)
	want := validDefinition()
	if err := c.PutDefinition(ctx, "bonus-libri", want); err != nil {
		t.Fatalf("PutDefinition: %v", err)
	}
	got, form, err := c.Definition(ctx, "bonus-libri")
	if err != nil {
		t.Fatalf("Definition: %v", err)
	}
	if !reflect.DeepEqual(got.Settings, want.Settings) {
		t.Errorf("got settings %+v, want %+v", got.Settings, want.Settings)
	}
	var compact map[string]any
	if err := json.Unmarshal(got.Form, &compact); err != nil || strings.ContainsAny(string(got.Form), "\n\t") {
		t.Errorf("got form %q (%v), want compact JSON", got.Form, err)
	}

	// The nested form's rules apply under its key, as {"data": {...}}.
	_, errs := form.Validate(map[string]any{"applicant": map[string]any{"data": map[string]any{"name": "Anna"}}})
	if len(errs) != 1 || errs[0].Path != "applicant.data.surname" {
		t.Errorf("got errors %+v, want one at applicant.data.surname", errs)
	}

	// A change to the library form shows in the next read.
	optional := strings.Replace(nameForm, `"label": "Cognome", "validate": {"required": true}`, `"label": "Cognome"`, 1)
	if err := c.PutLibraryForm(ctx, "nome-cognome", formio.Definition(optional)); err != nil {
		t.Fatalf("PutLibraryForm: %v", err)
	}
	_, form, err = c.Definition(ctx, "bonus-libri")
	if err != nil {
		t.Fatalf("Definition: %v", err)
	}
	if _, errs := form.Validate(map[string]any{"applicant": map[string]any{"data": map[string]any{"name": "Anna"}}}); len(errs) != 0 {
		t.Errorf("got errors %+v after the surname became optional, want none", errs)
	}
}

func TestDefinitionOfServiceWithoutForm(t *testing.T) {
	_, c := withService(t)
	for _, slug := range []string{"bonus-libri", "Not A Slug", ""} {
		if _, _, err := c.Definition(context.Background(), slug); !fault.Is(err, fault.NotFound) {
			t.Errorf("Definition(%q): got %v, want not found", slug, err)
		}
	}
}

func TestSettingsFromJSON(t *testing.T) {
	tests := []struct {
		name          string
		json          string
		wantMaxDrafts int
	}{
		{"OneDraftByDefault", `{"instructions": "x"}`, 1},
		{"ZeroIsUnlimited", `{"maxDrafts": 0}`, 0},
		{"OneKept", `{"maxDrafts": 1}`, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s servizio.Settings
			if err := json.Unmarshal([]byte(tt.json), &s); err != nil {
				t.Fatal(err)
			}
			if s.MaxDrafts != tt.wantMaxDrafts {
				t.Errorf("got MaxDrafts %d, want %d", s.MaxDrafts, tt.wantMaxDrafts)
			}
		})
	}
}

func TestPutLibraryForm(t *testing.T) {
	tests := []struct {
		name     string
		id       string
		def      string
		wantCode fault.Code
		wantText string
	}{
		{"OK", "indirizzo", `{"components": [{"type": "textfield", "key": "address", "label": "Indirizzo"}]}`, "", ""},
		{"OKOpenCityID", "5d4d26ff9410f50010f30068", `{"_id": "altro", "components": []}`, "", ""},
		{"OKNestingLibraryForm", "anagrafica", `{"components": [{"type": "form", "key": "completename", "form": "nome-cognome"}]}`, "", ""},
		{"ErrUnsupportedComponent", "firma", `{"components": [{"type": "signature", "key": "firma"}]}`, fault.Invalid, `"signature"`},
		{"ErrIncludesItself", "ciclo", `{"components": [{"type": "form", "key": "again", "form": "ciclo"}]}`, fault.Invalid, "sé stesso"},
		{"ErrMissingNestedForm", "anagrafica", `{"components": [{"type": "form", "key": "born", "form": "nascita"}]}`, fault.Invalid, "non esiste"},
		{"ErrBadID", "a/b", `{"components": []}`, fault.Invalid, "identificativo"},
		{"ErrNotAnObject", "lista", `[]`, fault.Invalid, "JSON"},
		{"ErrNull", "nulla", `null`, fault.Invalid, "JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			_, c := withService(t)
			err := c.PutLibraryForm(ctx, tt.id, formio.Definition(tt.def))
			if got := fault.CodeOf(err); got != tt.wantCode {
				t.Fatalf("got %v, want code %q", err, tt.wantCode)
			}
			if err != nil {
				if !strings.Contains(err.Error(), tt.wantText) {
					t.Errorf("got message %q, want it to contain %q", err, tt.wantText)
				}
				return
			}
			def, err := c.Library().Form(ctx, tt.id)
			if err != nil {
				t.Fatalf("Form: %v", err)
			}
			// The stored form carries its library id, which nesting forms name.
			form, err := formio.Parse(ctx, def, c.Library())
			if err != nil || form.ID != tt.id {
				t.Errorf("got id %q (%v), want %q", form.ID, err, tt.id)
			}
		})
	}
}

func TestLibraryFormNotFound(t *testing.T) {
	_, c := withService(t)
	for _, id := range []string{"indirizzo", "a/b", ""} {
		if _, err := c.Library().Form(context.Background(), id); !fault.Is(err, fault.NotFound) {
			t.Errorf("Form(%q): got %v, want not found", id, err)
		}
	}
}

// The access patterns of package store, one test per row.

func TestAccessPatternReadServiceForm(t *testing.T) {
	db, c := withService(t)
	ctx := context.Background()
	data, _ := json.Marshal(validDefinition())
	if _, err := db.Tenant("esempio").Put(ctx, store.Item{Key: store.Key{PK: "service-forms", SK: "bonus-libri"}, Data: data}, store.IfAbsent); err != nil {
		t.Fatal(err)
	}
	got, _, err := c.Definition(ctx, "bonus-libri")
	if err != nil || got.Settings.Instructions != validDefinition().Settings.Instructions {
		t.Errorf("got %+v (%v), want the definition stored at service-forms/bonus-libri", got.Settings, err)
	}
}

func TestAccessPatternSaveServiceForm(t *testing.T) {
	db, c := withService(t)
	ctx := context.Background()
	if err := c.PutDefinition(ctx, "bonus-libri", validDefinition()); err != nil {
		t.Fatal(err)
	}
	it, err := db.Tenant("esempio").Get(ctx, store.Key{PK: "service-forms", SK: "bonus-libri"})
	if err != nil {
		t.Fatalf("got %v, want the definition at service-forms/bonus-libri", err)
	}
	var def servizio.Definition
	if err := json.Unmarshal(it.Data, &def); err != nil || !def.Settings.ProtocolRequired {
		t.Errorf("got %s (%v), want the saved definition", it.Data, err)
	}
	// The service sheets' partition, read whole by listings, holds sheets only.
	items, err := db.Tenant("esempio").QueryAll(ctx, store.Query{PK: "services"})
	if err != nil || len(items) != 2 {
		t.Errorf("got %d items in services (%v), want the 2 sheets", len(items), err)
	}
}

func TestAccessPatternReadLibraryForm(t *testing.T) {
	db, c := withService(t)
	ctx := context.Background()
	if _, err := db.Tenant("esempio").Put(ctx, store.Item{Key: store.Key{PK: "form-library", SK: "indirizzo"}, Data: []byte(`{"_id": "indirizzo"}`)}, store.IfAbsent); err != nil {
		t.Fatal(err)
	}
	got, err := c.Library().Form(ctx, "indirizzo")
	if err != nil || string(got) != `{"_id": "indirizzo"}` {
		t.Errorf("got %s (%v), want the form stored at form-library/indirizzo", got, err)
	}
}

func TestAccessPatternSaveLibraryForm(t *testing.T) {
	db, _ := withService(t)
	it, err := db.Tenant("esempio").Get(context.Background(), store.Key{PK: "form-library", SK: "nome-cognome"})
	if err != nil || !strings.Contains(string(it.Data), `"_id":"nome-cognome"`) {
		t.Errorf("got %s (%v), want the form saved at form-library/nome-cognome", it.Data, err)
	}
}
