package httpapi

import (
	"net/http/httptest"
	"strings"
	"testing"

	"golang.org/x/text/language"

	"github.com/stanzaportal/stanza/shared/fault"
)

func TestDecodeJSON(t *testing.T) {
	type address struct {
		City string `json:"city"`
	}
	type body struct {
		Name    string   `json:"name"`
		Age     int      `json:"age"`
		Score   float64  `json:"score"`
		Active  bool     `json:"active"`
		Tags    []string `json:"tags"`
		Address address  `json:"address"`
		Note    *string  `json:"note"`
	}
	tests := []struct {
		name        string
		contentType string
		body        string
		wantCode    fault.Code
		wantDetail  string // a part of the Italian message
	}{
		{"OK", "application/json", `{"name":"Maria","age":40,"tags":["a"],"address":{"city":"Roma"}}`, "", ""},
		{"OKWithCharset", "application/json; charset=UTF-8", `{"name":"Maria"}`, "", ""},
		{"OKTrailingWhitespace", "application/json", "{\"name\":\"Maria\"}\n\t ", "", ""},
		{"ErrNoContentType", "", `{}`, fault.UnsupportedMediaType, "application/json"},
		{"ErrFormContentType", "application/x-www-form-urlencoded", `name=Maria`, fault.UnsupportedMediaType, "application/json"},
		{"ErrMalformedContentType", "application/json; charset", `{}`, fault.UnsupportedMediaType, "application/json"},
		{"ErrLatin1", "application/json; charset=iso-8859-1", `{}`, fault.UnsupportedMediaType, "UTF-8"},
		{"ErrEmpty", "application/json", ``, fault.Invalid, "vuoto"},
		{"ErrIncomplete", "application/json", `{"name":"Ma`, fault.Invalid, "incompleto"},
		{"ErrSyntax", "application/json", `{"name" "Maria"}`, fault.Invalid, "carattere 9"},
		{"ErrUnknownField", "application/json", `{"nmae":"Maria"}`, fault.Invalid, `"nmae" non è previsto`},
		{"ErrUnknownNestedField", "application/json", `{"address":{"town":"Roma"}}`, fault.Invalid, `"town" non è previsto`},
		{"ErrStringForInt", "application/json", `{"age":"40"}`, fault.Invalid, `"age" deve essere un numero intero`},
		{"ErrIntOverflow", "application/json", `{"age":1e40}`, fault.Invalid, `"age" deve essere un numero intero`},
		{"ErrNumberForString", "application/json", `{"name":7}`, fault.Invalid, `"name" deve essere un testo`},
		{"ErrNumberForPointerString", "application/json", `{"note":7}`, fault.Invalid, `"note" deve essere un testo`},
		{"ErrStringForFloat", "application/json", `{"score":"alto"}`, fault.Invalid, `"score" deve essere un numero.`},
		{"ErrStringForBool", "application/json", `{"active":"yes"}`, fault.Invalid, `"active" deve essere true o false`},
		{"ErrObjectForList", "application/json", `{"tags":{}}`, fault.Invalid, `"tags" deve essere un elenco`},
		{"ErrNestedFieldNamed", "application/json", `{"address":{"city":1}}`, fault.Invalid, `"address.city" deve essere un testo`},
		{"ErrListForObject", "application/json", `{"address":[]}`, fault.Invalid, `"address" deve essere un oggetto`},
		{"ErrArrayBody", "application/json", `[1,2]`, fault.Invalid, "forma prevista"},
		{"ErrTwoValues", "application/json", `{"name":"a"}{"name":"b"}`, fault.Invalid, "un solo valore"},
		{"ErrGarbageAfter", "application/json", `{"name":"a"} x`, fault.Invalid, "un solo valore"},
		{"ErrTooLarge", "application/json", `{"name":"` + strings.Repeat("a", maxJSONBody) + `"}`, fault.TooLarge, "64 KiB"},
		{"ErrTooLargeAfterValue", "application/json", `{"name":"a"}` + strings.Repeat(" ", maxJSONBody), fault.TooLarge, "64 KiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", strings.NewReader(tt.body))
			if tt.contentType != "" {
				r.Header.Set("Content-Type", tt.contentType)
			}
			var got body
			err := decodeJSON(r, &got)
			if code := fault.CodeOf(err); code != tt.wantCode {
				t.Fatalf("got code %q (%v), want %q", code, err, tt.wantCode)
			}
			if err == nil {
				if got.Name == "" {
					t.Errorf("got an empty name, want the decoded one")
				}
				return
			}
			if d := detail(language.Italian, err); !strings.Contains(d, tt.wantDetail) {
				t.Errorf("got detail %q, want it to contain %q", d, tt.wantDetail)
			}
		})
	}
}

// TestDecodeJSONProblemStatus checks the statuses a client sees for a body
// in the wrong format, too large or malformed.
func TestDecodeJSONProblemStatus(t *testing.T) {
	tests := []struct {
		name, contentType, body string
		want                    int
	}{
		{"WrongContentType", "text/plain", `{}`, 415},
		{"TooLarge", "application/json", strings.Repeat(" ", maxJSONBody+1), 413},
		{"Malformed", "application/json", `{`, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", strings.NewReader(tt.body))
			r.Header.Set("Content-Type", tt.contentType)
			w := httptest.NewRecorder()
			var v struct{}
			Error(w, r, decodeJSON(r, &v))
			if w.Code != tt.want {
				t.Errorf("got status %d, want %d", w.Code, tt.want)
			}
		})
	}
}
