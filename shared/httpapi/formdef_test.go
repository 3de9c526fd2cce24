package httpapi

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/formio"
)

// library is a form library in a map.
type library map[string]string

func (l library) Form(_ context.Context, id string) (formio.Definition, error) {
	def, ok := l[id]
	if !ok {
		return nil, fault.New(fault.NotFound, "no form %q", id)
	}
	return formio.Definition(def), nil
}

func TestInlineForms(t *testing.T) {
	lib := library{
		"anagrafica": `{"_id":"anagrafica","components":[{"type":"form","key":"completename","label":"Nome e cognome","form":"nome"}]}`,
		"nome":       `{"_id":"nome","components":[{"type":"columns","key":"c","columns":[{"components":[{"type":"textfield","key":"name","label":"Nome"}]}]}]}`,
		"loop":       `{"components":[{"type":"form","key":"again","form":"loop"}]}`,
	}
	tests := []struct {
		name     string
		def      string
		want     string
		wantCode fault.Code
	}{
		{
			name: "NestedFormsInlineAtEveryLevel",
			def:  `{"display":"wizard","components":[{"type":"panel","key":"p","components":[{"type":"form","key":"applicant","label":"Richiedente","form":"anagrafica"}]}]}`,
			want: `{"components":[{"components":[{"components":[{"components":[{"columns":[{"components":[{"key":"name","label":"Nome","type":"textfield"}]}],"key":"c","type":"columns"}],"form":"nome","key":"completename","label":"Nome e cognome","type":"form"}],"form":"anagrafica","key":"applicant","label":"Richiedente","type":"form"}],"key":"p","type":"panel"}],"display":"wizard"}`,
		},
		{
			name: "NumbersKeepTheirDigits",
			def:  `{"components":[{"type":"number","key":"n","validate":{"max":12345678901234567890.5}}]}`,
			want: `{"components":[{"key":"n","type":"number","validate":{"max":12345678901234567890.5}}]}`,
		},
		{
			name:     "MissingFormIsAnError",
			def:      `{"components":[{"type":"form","key":"x","form":"assente"}]}`,
			wantCode: fault.NotFound,
		},
		{
			name:     "EndlessNestingStops",
			def:      `{"components":[{"type":"form","key":"x","form":"loop"}]}`,
			wantCode: fault.Internal,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := inlineForms(context.Background(), lib, json.RawMessage(tt.def))
			if tt.wantCode != "" {
				if fault.CodeOf(err) != tt.wantCode {
					t.Fatalf("got %v, want an error with code %s", err, tt.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}
