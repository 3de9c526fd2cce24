package formio

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stanzaportal/stanza/shared/fault"
)

// dirLibrary is a form library read from a folder of definitions, by _id.
type dirLibrary map[string]Definition

func (l dirLibrary) Form(_ context.Context, id string) (Definition, error) {
	def, ok := l[id]
	if !ok {
		return nil, fault.New(fault.NotFound, "formio: no form %q", id)
	}
	return def, nil
}

// openCity loads the OpenCity definitions kept beside the repository, by
// file name, and a library holding them all.
func openCity(t *testing.T) (map[string]Definition, dirLibrary) {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test's folder")
		}
		dir = parent
	}
	dir = filepath.Join(dir, "..", "shared", "fixtures", "opencity-formio")
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err == nil && len(files) == 0 {
		msg := "the OpenCity fixtures are missing: expected *.json in " + dir
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	if err != nil {
		t.Fatal(err)
	}
	byName, lib := map[string]Definition{}, dirLibrary{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var head struct {
			ID string `json:"_id"`
		}
		if err := json.Unmarshal(b, &head); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		byName[strings.TrimSuffix(filepath.Base(f), ".json")] = b
		lib[head.ID] = b
	}
	return byName, lib
}

func TestOpenCityFixturesParse(t *testing.T) {
	defs, lib := openCity(t)
	if len(defs) < 8 {
		t.Fatalf("got %d fixtures, want the 8 the README lists", len(defs))
	}
	for name, def := range defs {
		t.Run(name, func(t *testing.T) {
			f, err := Parse(context.Background(), def, lib)
			if err != nil {
				t.Fatalf("got %v, want the definition accepted", err)
			}
			if len(f.Components) == 0 {
				t.Error("got no components")
			}
		})
	}
}

// validPersonalData is a complete personal-data submission, as OpenCity's
// form renderer sends it (with the extra keys a browser adds).
func validPersonalData() map[string]any {
	return map[string]any{
		"completename":  map[string]any{"data": map[string]any{"name": "Maria", "surname": "Rossi"}},
		"gender":        map[string]any{"data": map[string]any{"gender": "femmina"}},
		"email_address": "maria.rossi@example.it",
		"Born":          map[string]any{"data": map[string]any{"natoAIl": "01/02/1980", "place_of_birth": "Trento"}},
		"fiscal_code":   map[string]any{"data": map[string]any{"fiscal_code": "RSSMRA80B41L378X"}, "metadata": map[string]any{}},
		"address": map[string]any{"data": map[string]any{
			"address": "Via Roma", "house_number": "1", "municipality": "Trento", "county": "TN", "postal_code": "38122",
		}},
		"submit": true,
	}
}

func TestOpenCityPersonalData(t *testing.T) {
	defs, lib := openCity(t)
	f, err := Parse(context.Background(), defs["personal-data"], lib)
	if err != nil {
		t.Fatal(err)
	}
	address := func(d map[string]any) map[string]any {
		return d["address"].(map[string]any)["data"].(map[string]any)
	}
	tests := []struct {
		name     string
		edit     func(d map[string]any)
		wantErrs []string // paths
		check    func(t *testing.T, clean map[string]any)
	}{
		{
			name: "CompleteIsValidAndDropsExtras",
			edit: func(map[string]any) {},
			check: func(t *testing.T, clean map[string]any) {
				if _, ok := clean["submit"]; ok {
					t.Error("got the button's value kept, want it dropped")
				}
				if _, ok := clean["fiscal_code"].(map[string]any)["metadata"]; ok {
					t.Error("got the nested form's metadata kept, want only its data")
				}
				if got := address(clean)["postal_code"]; got != "38122" {
					t.Errorf("got postal code %v, want 38122", got)
				}
			},
		},
		{
			name: "ForeignCountryShownAndRequiredWhenProvinceIsEE",
			edit: func(d map[string]any) {
				address(d)["county"] = "EE"
			},
			wantErrs: []string{"address.data.country"},
		},
		{
			name: "ForeignCountryKeptWhenShown",
			edit: func(d map[string]any) {
				address(d)["county"] = "EE"
				address(d)["country"] = "Francia"
			},
			check: func(t *testing.T, clean map[string]any) {
				if got := address(clean)["country"]; got != "Francia" {
					t.Errorf("got country %v, want Francia", got)
				}
			},
		},
		{
			name: "HiddenCountryDropped",
			edit: func(d map[string]any) {
				address(d)["country"] = "Francia"
			},
			check: func(t *testing.T, clean map[string]any) {
				if got, ok := address(clean)["country"]; ok {
					t.Errorf("got country %v kept, want it dropped while hidden", got)
				}
			},
		},
		{
			name:     "MissingNestedFormsReportEachRequiredField",
			edit:     func(d map[string]any) { delete(d, "completename"); delete(d, "gender") },
			wantErrs: []string{"completename.data.name", "completename.data.surname", "gender.data.gender"},
		},
		{
			name:     "UnknownGender",
			edit:     func(d map[string]any) { d["gender"] = map[string]any{"data": map[string]any{"gender": "x"}} },
			wantErrs: []string{"gender.data.gender"},
		},
		{
			name:     "BadEmail",
			edit:     func(d map[string]any) { d["email_address"] = "maria.rossi" },
			wantErrs: []string{"email_address"},
		},
		{
			name:     "PostalCodeTooLong",
			edit:     func(d map[string]any) { address(d)["postal_code"] = "381220" },
			wantErrs: []string{"address.data.postal_code"},
		},
		{
			name:     "NestedFormNotAnObject",
			edit:     func(d map[string]any) { d["Born"] = "01/02/1980" },
			wantErrs: []string{"Born"},
		},
		{
			name:     "NestedDataWrongType",
			edit:     func(d map[string]any) { d["Born"] = map[string]any{"data": []any{}} },
			wantErrs: []string{"Born.data"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := validPersonalData()
			tt.edit(data)
			clean, errs := f.Validate(data)
			var got []string
			for _, e := range errs {
				got = append(got, e.Path)
			}
			if strings.Join(got, " ") != strings.Join(tt.wantErrs, " ") {
				t.Fatalf("got errors %v, want at %v", errs, tt.wantErrs)
			}
			if tt.check != nil {
				tt.check(t, clean)
			}
		})
	}
}

func TestOpenCityRequiredMessageNamesLabel(t *testing.T) {
	defs, lib := openCity(t)
	f, err := Parse(context.Background(), defs["personal-data-minimal"], lib)
	if err != nil {
		t.Fatal(err)
	}
	_, errs := f.Validate(map[string]any{})
	want := []FieldError{
		{Path: "completename.data.name", Key: "name", Message: "Il campo «Nome» è obbligatorio."},
		{Path: "completename.data.surname", Key: "surname", Message: "Il campo «Cognome» è obbligatorio."},
		{Path: "fiscal_code.data.fiscal_code", Key: "fiscal_code", Message: "Il campo «Codice Fiscale» è obbligatorio."},
	}
	if len(errs) != len(want) {
		t.Fatalf("got %v, want %v", errs, want)
	}
	for i := range want {
		if got := errs[i]; got.Path != want[i].Path || got.Key != want[i].Key || got.Message != want[i].Message {
			t.Errorf("error %d: got %+v, want %+v", i, got, want[i])
		}
	}
}

func TestOpenCityNestedFormMissingFromLibrary(t *testing.T) {
	defs, lib := openCity(t)
	delete(lib, "5d5a66b7669977001b5b617b") // address
	_, err := Parse(context.Background(), defs["personal-data"], lib)
	if got := fault.CodeOf(err); got != fault.Invalid {
		t.Fatalf("got %v (code %q), want code %q", err, got, fault.Invalid)
	}
	if !strings.Contains(err.Error(), "5d5a66b7669977001b5b617b") || !strings.Contains(err.Error(), "Residenza") {
		t.Errorf("got %q, want the missing id and the component named", err)
	}
}
