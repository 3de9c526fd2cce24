package seed

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/formio"
	"github.com/stanzaportal/stanza/shared/servizio"
)

// definition returns the seeded form of a service, parsed.
func definition(t *testing.T, cat *servizio.Catalog, slug string) (servizio.Definition, *formio.Form) {
	t.Helper()
	def, form, err := cat.Definition(context.Background(), slug)
	if err != nil {
		t.Fatalf("Definition(%s): %v", slug, err)
	}
	return def, form
}

func TestDemoFormsOfEveryPublishedService(t *testing.T) {
	_, cat := seeded(t)
	for _, s := range demoServices {
		t.Run(s.Slug, func(t *testing.T) {
			if s.Status != servizio.Published {
				if _, _, err := cat.Definition(context.Background(), s.Slug); !fault.Is(err, fault.NotFound) {
					t.Errorf("got %v, want no form for a draft service", err)
				}
				return
			}
			def, form := definition(t, cat, s.Slug)
			var steps []string
			for _, c := range form.Components {
				steps = append(steps, c.Key)
			}
			if len(steps) < 2 || steps[0] != "richiedente" {
				t.Errorf("got steps %v, want the applicant first and at least one more", steps)
			}
			// The applicant's block comes from the library, resolved.
			applicant := form.Components[0].Components[0]
			if applicant.Type != "form" || len(applicant.Components) == 0 {
				t.Errorf("got applicant %s with %d components, want a resolved nested form", applicant.Type, len(applicant.Components))
			}
			if def.Settings.Instructions == "" {
				t.Error("got no instructions, want what to have at hand")
			}
		})
	}
}

// TestDemoFormSettings holds the settings that differ by service to what
// such a service needs.
func TestDemoFormSettings(t *testing.T) {
	_, cat := seeded(t)
	tests := []struct {
		slug          string
		wantMaxDrafts int
		wantProtocol  bool
		wantFiles     bool
	}{
		{"certificato-residenza", 1, false, false},
		{"cambio-residenza", 1, true, true},
		{"iscrizione-asilo-nido", 1, true, true},
		{"occupazione-suolo-pubblico", 0, true, true},
		{"segnalazione-disservizio", 1, false, true},
		{"accesso-atti", 1, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.slug, func(t *testing.T) {
			def, _ := definition(t, cat, tt.slug)
			s := def.Settings
			if s.MaxDrafts != tt.wantMaxDrafts || s.ProtocolRequired != tt.wantProtocol || (s.Attachments.MaxFiles > 0) != tt.wantFiles {
				t.Errorf("got max drafts %d, protocol %v, attachments %+v; want %d, %v, files allowed %v",
					s.MaxDrafts, s.ProtocolRequired, s.Attachments, tt.wantMaxDrafts, tt.wantProtocol, tt.wantFiles)
			}
		})
	}
}

// nurseryApplication returns a complete, valid nursery enrolment as the
// citizen app sends it.
func nurseryApplication(t *testing.T) map[string]any {
	t.Helper()
	const data = `{
		"applicant": {"data": {
			"completename": {"data": {"name": "Giulia", "surname": "Bianchi"}},
			"fiscal_code": {"data": {"fiscal_code": "BNCGLI90A41L219X"}},
			"born": {"data": {"birth_date": "01/01/1990", "place_of_birth": "Torino"}},
			"address": {"data": {"address": "Via Roma", "house_number": "3", "municipality": "Esempio",
				"county": "TO", "postal_code": "10100", "country": "Italia"}},
			"email_address": "giulia.bianchi@example.org",
			"phone_number": "+39 333 1234567"
		}},
		"child_name": "Luca", "child_surname": "Rossi",
		"child_fiscal_code": "RSSLCU25C12L219Y", "child_birth_date": "12/03/2025",
		"disability": false,
		"parents": [
			{"name": "Giulia", "surname": "Bianchi", "fiscal_code": "BNCGLI90A41L219X", "role": "madre", "work": "dipendente", "phone": "333 1234567"},
			{"name": "Marco", "surname": "Rossi", "fiscal_code": "RSSMRC88B10L219Z", "role": "padre", "work": "autonomo"}
		],
		"nurseries": {"nido-girasole": true, "nido-arcobaleno": false, "nido-coccinella": true, "micronido-piccoli-passi": false},
		"attendance": "tempo-pieno",
		"has_isee": "si", "isee_value": 18250.5, "dsu_protocol": "INPS-ISEE-2026-00012345X-00",
		"isee_certificate": [{"name": "isee.pdf", "size": 183220, "type": "application/pdf", "key": "allegati/01J0000000000000000000000"}],
		"notes": "Il fratello Matteo frequenta già il nido Il Girasole.",
		"truthful": true, "privacy": true
	}`
	var m map[string]any
	if err := json.Unmarshal([]byte(data), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestDemoNurseryEnrolmentValidates(t *testing.T) {
	_, cat := seeded(t)
	_, form := definition(t, cat, "iscrizione-asilo-nido")
	data := nurseryApplication(t)
	clean, errs := form.Validate(data)
	if len(errs) != 0 {
		t.Fatalf("got errors %+v, want none", errs)
	}
	for _, key := range []string{"applicant", "parents", "nurseries", "isee_certificate", "privacy"} {
		if _, ok := clean[key]; !ok {
			t.Errorf("got cleaned data without %q, want it kept", key)
		}
	}
	if _, ok := clean["disability_certificate"]; ok {
		t.Error("got a disability certificate in the cleaned data, want none: the field is hidden")
	}
}

func TestDemoNurseryEnrolmentFieldErrors(t *testing.T) {
	_, cat := seeded(t)
	_, form := definition(t, cat, "iscrizione-asilo-nido")
	tests := []struct {
		name      string
		edit      func(m map[string]any)
		wantPaths []string
	}{
		{"MissingChildName", func(m map[string]any) { delete(m, "child_name") }, []string{"child_name"}},
		{"BadFiscalCode", func(m map[string]any) { m["child_fiscal_code"] = "RSSLCU25" }, []string{"child_fiscal_code"}},
		{"NoSuchDate", func(m map[string]any) { m["child_birth_date"] = "31/02/2025" }, []string{"child_birth_date"}},
		{"NoParents", func(m map[string]any) { m["parents"] = []any{} }, []string{"parents"}},
		{"ThreeParents", func(m map[string]any) {
			ps := m["parents"].([]any)
			m["parents"] = append(ps, ps[0])
		}, []string{"parents"}},
		{"ParentWithoutRole", func(m map[string]any) { delete(m["parents"].([]any)[1].(map[string]any), "role") }, []string{"parents[1].role"}},
		{"UnknownNursery", func(m map[string]any) { m["nurseries"] = map[string]any{"nido-altrove": true} }, []string{"nurseries"}},
		{"NoNursery", func(m map[string]any) { m["nurseries"] = map[string]any{"nido-girasole": false} }, []string{"nurseries"}},
		{"NegativeISEE", func(m map[string]any) { m["isee_value"] = -1.0 }, []string{"isee_value"}},
		{"ISEEWithoutCertificate", func(m map[string]any) { delete(m, "isee_certificate") }, []string{"isee_certificate"}},
		{"CertificateNotPDF", func(m map[string]any) {
			m["isee_certificate"] = []any{map[string]any{"name": "isee.docx", "size": 1000.0, "type": "application/msword", "key": "k"}}
		}, []string{"isee_certificate[0]"}},
		{"DisabilityWithoutCertificate", func(m map[string]any) { m["disability"] = true }, []string{"disability_certificate"}},
		{"LongNotes", func(m map[string]any) { m["notes"] = string(make([]rune, 2001)) }, []string{"notes"}},
		{"NotTruthful", func(m map[string]any) { m["truthful"] = false }, []string{"truthful"}},
		{"ApplicantWithoutSurname", func(m map[string]any) {
			m["applicant"].(map[string]any)["data"].(map[string]any)["completename"] = map[string]any{"data": map[string]any{"name": "Giulia"}}
		}, []string{"applicant.data.completename.data.surname"}},
		{"BadEmail", func(m map[string]any) {
			m["applicant"].(map[string]any)["data"].(map[string]any)["email_address"] = "giulia@"
		}, []string{"applicant.data.email_address"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := nurseryApplication(t)
			tt.edit(data)
			_, errs := form.Validate(data)
			var paths []string
			for _, e := range errs {
				paths = append(paths, e.Path)
				if e.Message == "" {
					t.Errorf("got an error at %s without a message", e.Path)
				}
			}
			if !slices.Equal(paths, tt.wantPaths) {
				t.Errorf("got errors at %v (%+v), want at %v", paths, errs, tt.wantPaths)
			}
		})
	}
}

// TestDemoISEEIsOptional: a family that pays the full fee gives no ISEE,
// and what it typed before changing its mind is not kept.
func TestDemoISEEIsOptional(t *testing.T) {
	_, cat := seeded(t)
	_, form := definition(t, cat, "iscrizione-asilo-nido")
	data := nurseryApplication(t)
	data["has_isee"] = "no"
	delete(data, "isee_certificate")
	clean, errs := form.Validate(data)
	if len(errs) != 0 {
		t.Fatalf("got errors %+v, want none", errs)
	}
	if _, ok := clean["isee_value"]; ok {
		t.Error("got the ISEE value kept, want it dropped with its hidden field")
	}
}
