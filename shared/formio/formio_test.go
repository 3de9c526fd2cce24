package formio

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/language"

	"github.com/stanzaportal/stanza/shared/fault"
)

// richDefinition uses every supported component, with builder-style
// defaults ("" for unset values, numbers as strings) here and there.
const richDefinition = `{"display":"wizard","title":"Iscrizione","components":[
 {"type":"panel","key":"step1","label":"Richiedente","conditional":{"show":"","when":"","eq":""},"components":[
  {"type":"textfield","key":"name","label":"Nome","validate":{"required":true,"minLength":2,"maxLength":"10","pattern":""}},
  {"type":"textfield","key":"code","label":"Codice","validate":{"pattern":"[A-Z]{3}|[0-9]{3}","required":""}},
  {"type":"textarea","key":"notes","validate":{"minWords":2,"maxWords":4}},
  {"type":"number","key":"age","label":"Età","validate":{"min":18,"max":"120"}},
  {"type":"email","key":"email","label":"Email"},
  {"type":"phoneNumber","key":"phone","label":"Telefono"},
  {"type":"textfield","key":"aliases","label":"Altri nomi","multiple":true,"validate":{"required":true,"maxLength":5}}
 ]},
 {"type":"fieldset","key":"fs","components":[
  {"type":"select","key":"school","label":"Scuola","data":{"values":[{"label":"A","value":"a"},{"label":"B","value":"b"}]},"validate":{"required":true}},
  {"type":"select","key":"langs","label":"Lingue","multiple":true,"data":{"values":[{"label":"IT","value":"it"},{"label":"EN","value":"en"}]}},
  {"type":"select","key":"city","label":"Città","dataSrc":"url","data":{"url":"https://example.org/comuni"}},
  {"type":"radio","key":"kind","label":"Tipo","values":[{"label":"Uno","value":"1"},{"label":"Due","value":"2"}]},
  {"type":"selectboxes","key":"days","label":"Giorni","values":[{"label":"Lun","value":"mon"},{"label":"Mar","value":"tue"}],"validate":{"required":true}},
  {"type":"textfield","key":"mondayNote","label":"Nota del lunedì","validate":{"required":true},"conditional":{"show":"true","when":"days","eq":"mon"}},
  {"type":"checkbox","key":"privacy","label":"Privacy","validate":{"required":true}}
 ]},
 {"type":"columns","key":"cols","columns":[
  {"components":[{"type":"datetime","key":"when","label":"Quando"}]},
  {"components":[{"type":"day","key":"birth","label":"Nascita","dayFirst":true}]}
 ]},
 {"type":"well","key":"w","components":[
  {"type":"file","key":"doc","label":"Documento","filePattern":".pdf,image/*","fileMaxSize":"1MB","validate":{"required":true}},
  {"type":"file","key":"photos","label":"Foto","multiple":true,"filePattern":"*","fileMinSize":"1KB"}
 ]},
 {"type":"content","key":"info","html":"<p>Informazioni</p>"},
 {"type":"htmlelement","key":"h","tag":"p"},
 {"type":"button","key":"submit","label":"Invia","input":true},
 {"type":"checkbox","key":"hasChildren","label":"Ha figli"},
 {"type":"datagrid","key":"children","label":"Figli","validate":{"maxLength":2},"conditional":{"show":true,"when":"hasChildren","eq":"true"},"components":[
  {"type":"textfield","key":"name","label":"Nome del figlio","validate":{"required":true}},
  {"type":"checkbox","key":"school","label":"Va a scuola"},
  {"type":"textfield","key":"class","label":"Classe","validate":{"required":true},"conditional":{"show":"true","when":"school","eq":"true"}}
 ]},
 {"type":"editgrid","key":"contacts","label":"Contatti","validate":{"minLength":1},"components":[
  {"type":"email","key":"email","label":"Email del contatto"}
 ]},
 {"type":"container","key":"applicant","label":"Richiedente","components":[
  {"type":"textfield","key":"fiscalCode","label":"Codice fiscale","validate":{"required":true,"pattern":"[A-Z0-9]{16}"}}
 ]},
 {"type":"textfield","key":"reason","label":"Motivo","validate":{"required":true},"conditional":{"show":"false","when":"kind","eq":"1"}},
 {"type":"textfield","key":"reasonDetail","label":"Dettaglio","validate":{"required":true},"conditional":{"show":true,"when":"reason","eq":"altro"}},
 {"type":"textfield","key":"secret","label":"Segreto","hidden":true,"validate":{"required":true}},
 {"type":"textfield","key":"scripted","label":"Scritto","customConditional":"show = data.kind === '2'","validate":{"required":true}}
]}`

const validData = `{
 "name":"Anna","code":"ABC","notes":"due parole","age":30,"email":"anna@example.it","phone":"+39 0461 123456",
 "aliases":["Annie"],"school":"a","langs":["it"],"city":"Trento","kind":"2","days":{"mon":true,"tue":false},
 "mondayNote":"mattina","privacy":true,"when":"2026-03-01T10:00:00+01:00","birth":"31/12/1990",
 "doc":[{"name":"id.pdf","size":1000,"type":"application/pdf","key":"k1"}],
 "hasChildren":true,"children":[{"name":"Luca","school":true,"class":"3A"}],
 "contacts":[{"email":"b@example.it"}],"applicant":{"fiscalCode":"RSSMRA80B41L378X"},
 "reason":"trasloco","scripted":"x"}`

func mustParse(t testing.TB, def string, lib Library) *Form {
	t.Helper()
	f, err := Parse(context.Background(), Definition(def), lib)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return f
}

func decode(t testing.TB, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestValidate(t *testing.T) {
	f := mustParse(t, richDefinition, nil)
	file := func(name, typ string, size int) map[string]any {
		return map[string]any{"name": name, "type": typ, "size": float64(size), "url": "https://example.org/f"}
	}
	tests := []struct {
		name    string
		edit    func(d map[string]any)
		want    []string // paths of the errors
		wantMsg string   // message of the first error, when given
		kept    []string // keys the cleaned data must hold
		dropped []string // keys the cleaned data must not hold
	}{
		{name: "ValidDataHasNoErrors", edit: func(map[string]any) {},
			kept:    []string{"name", "aliases", "days", "doc", "children", "contacts", "applicant", "reason", "scripted"},
			dropped: []string{"submit", "info", "step1", "cols"}},
		{name: "MissingRequiredText", edit: func(d map[string]any) { delete(d, "name") },
			want: []string{"name"}, wantMsg: "Il campo «Nome» è obbligatorio."},
		{name: "NullIsEmpty", edit: func(d map[string]any) { d["name"] = nil }, want: []string{"name"}},
		{name: "TextTooShort", edit: func(d map[string]any) { d["name"] = "A" },
			want: []string{"name"}, wantMsg: "Il campo «Nome» deve avere almeno 2 caratteri."},
		{name: "TextTooLongWithLimitWrittenAsString", edit: func(d map[string]any) { d["name"] = "Annamariaxx" },
			want: []string{"name"}, wantMsg: "Il campo «Nome» può avere al massimo 10 caratteri."},
		{name: "LengthCountsCharactersNotBytes", edit: func(d map[string]any) { d["name"] = "Èèèèèèèèèè" }},
		{name: "TextOfWrongType", edit: func(d map[string]any) { d["name"] = 5.0 },
			want: []string{"name"}, wantMsg: "Il campo «Nome» deve essere un testo."},
		{name: "PatternMustMatchWholeValue", edit: func(d map[string]any) { d["code"] = "ABCD" },
			want: []string{"code"}, wantMsg: "Il campo «Codice» non ha il formato richiesto."},
		{name: "PatternAlternationStaysAnchored", edit: func(d map[string]any) { d["code"] = "ABC1" }, want: []string{"code"}},
		{name: "EmptyOptionalValueSkipsPattern", edit: func(d map[string]any) { d["code"] = "" }, kept: []string{"code"}},
		{name: "TooFewWordsNamesTheKeyWithoutLabel", edit: func(d map[string]any) { d["notes"] = "una" },
			want: []string{"notes"}, wantMsg: "Il campo «notes» deve avere almeno 2 parole."},
		{name: "TooManyWords", edit: func(d map[string]any) { d["notes"] = "una due tre quattro cinque" }, want: []string{"notes"}},
		{name: "NumberBelowMin", edit: func(d map[string]any) { d["age"] = 17.0 },
			want: []string{"age"}, wantMsg: "Il campo «Età» deve essere almeno 18."},
		{name: "NumberAboveMaxWrittenAsString", edit: func(d map[string]any) { d["age"] = 120.5 },
			want: []string{"age"}, wantMsg: "Il campo «Età» può essere al massimo 120."},
		{name: "NumberAsTextRefused", edit: func(d map[string]any) { d["age"] = "30" }, want: []string{"age"}},
		{name: "NumberAsJSONNumberAccepted", edit: func(d map[string]any) { d["age"] = json.Number("42") }, kept: []string{"age"}},
		{name: "EmailWithoutDomainRefused", edit: func(d map[string]any) { d["email"] = "anna@localhost" },
			want: []string{"email"}, wantMsg: "Il campo «Email» deve contenere un indirizzo email valido."},
		{name: "PhoneWithLettersRefused", edit: func(d map[string]any) { d["phone"] = "chiamami" }, want: []string{"phone"}},
		{name: "PhoneWithTooFewDigitsRefused", edit: func(d map[string]any) { d["phone"] = "+1" }, want: []string{"phone"}},
		{name: "PhoneWithBracketsAccepted", edit: func(d map[string]any) { d["phone"] = "(0461) 12-34-56" }},
		{name: "MultipleRequiredNeedsOneValue", edit: func(d map[string]any) { d["aliases"] = []any{""} }, want: []string{"aliases"}},
		{name: "MultipleChecksEachValue", edit: func(d map[string]any) { d["aliases"] = []any{"Annie", "Annabella"} },
			want: []string{"aliases[1]"}},
		{name: "MultipleNotAList", edit: func(d map[string]any) { d["aliases"] = "Annie" }, want: []string{"aliases"}},
		{name: "SelectValueNotAnOption", edit: func(d map[string]any) { d["school"] = "z" },
			want: []string{"school"}, wantMsg: "Il valore del campo «Scuola» non è tra quelli ammessi."},
		{name: "SelectRequiredEmpty", edit: func(d map[string]any) { d["school"] = "" }, want: []string{"school"}},
		{name: "SelectMultipleChecksEachValue", edit: func(d map[string]any) { d["langs"] = []any{"it", "de"} },
			want: []string{"langs[1]"}},
		{name: "SelectFromURLTakesAnyText", edit: func(d map[string]any) { d["city"] = "Rovereto" }, kept: []string{"city"}},
		{name: "SelectObjectRefused", edit: func(d map[string]any) { d["city"] = map[string]any{} }, want: []string{"city"}},
		{name: "RadioValueNotAnOption", edit: func(d map[string]any) { d["kind"] = "3" }, want: []string{"kind"}},
		{name: "RadioNumberMatchesTextOption", edit: func(d map[string]any) { d["kind"] = 2.0 }},
		{name: "SelectboxesRequiredNoneChecked", edit: func(d map[string]any) {
			d["days"] = map[string]any{"mon": false, "tue": false}
			delete(d, "mondayNote")
		}, want: []string{"days"}},
		{name: "SelectboxesUnknownBox", edit: func(d map[string]any) { d["days"] = map[string]any{"wed": true} }, want: []string{"days"}},
		{name: "SelectboxesConditionFollowsTheBox", edit: func(d map[string]any) { d["days"] = map[string]any{"tue": true} },
			dropped: []string{"mondayNote"}},
		{name: "SelectboxesConditionRequiresShownField", edit: func(d map[string]any) { delete(d, "mondayNote") },
			want: []string{"mondayNote"}},
		{name: "CheckboxRequiredMustBeTicked", edit: func(d map[string]any) { d["privacy"] = false }, want: []string{"privacy"}},
		{name: "CheckboxOfWrongType", edit: func(d map[string]any) { d["privacy"] = "true" }, want: []string{"privacy"}},
		{name: "DatetimeNotADate", edit: func(d map[string]any) { d["when"] = "ieri" }, want: []string{"when"}},
		{name: "DatetimeDateOnlyAccepted", edit: func(d map[string]any) { d["when"] = "2026-03-01" }},
		{name: "DayThatDoesNotExist", edit: func(d map[string]any) { d["birth"] = "31/02/1990" }, want: []string{"birth"}},
		{name: "DayReadDayFirst", edit: func(d map[string]any) { d["birth"] = "12/31/1990" }, want: []string{"birth"}},
		{name: "DayOfWrongShape", edit: func(d map[string]any) { d["birth"] = "1990-12-31" }, want: []string{"birth"}},
		{name: "FileRequiredEmptyList", edit: func(d map[string]any) { d["doc"] = []any{} }, want: []string{"doc"}},
		{name: "FileOfTypeNotAllowed", edit: func(d map[string]any) { d["doc"] = []any{file("x.exe", "application/x-msdownload", 10)} },
			want: []string{"doc[0]"}, wantMsg: `Il file "x.exe" del campo «Documento» non è di un tipo ammesso.`},
		{name: "FileImageByMediaTypeAccepted", edit: func(d map[string]any) { d["doc"] = []any{file("foto.JPG", "image/jpeg", 10)} }},
		{name: "FileTooLarge", edit: func(d map[string]any) { d["doc"] = []any{file("a.pdf", "application/pdf", 2<<20)} },
			want: []string{"doc[0]"}},
		{name: "FileDescriptorWithoutLocation", edit: func(d map[string]any) {
			d["doc"] = []any{map[string]any{"name": "a.pdf", "type": "application/pdf", "size": 1.0}}
		}, want: []string{"doc[0]"}},
		{name: "FileOnlyOneWithoutMultiple", edit: func(d map[string]any) {
			d["doc"] = []any{file("a.pdf", "application/pdf", 1), file("b.pdf", "application/pdf", 1)}
		}, want: []string{"doc"}},
		{name: "MultipleFilesWhenAllowed", edit: func(d map[string]any) {
			d["photos"] = []any{file("a.png", "image/png", 2048), file("b.png", "image/png", 4096)}
		}, kept: []string{"photos"}},
		{name: "FileUnderMinimumSize", edit: func(d map[string]any) { d["photos"] = []any{file("a.png", "image/png", 10)} },
			want: []string{"photos[0]"}},
		{name: "HiddenGridNeitherCheckedNorKept", edit: func(d map[string]any) {
			d["hasChildren"] = false
			d["children"] = []any{map[string]any{"name": ""}}
		}, dropped: []string{"children"}},
		{name: "GridRowRequiredField", edit: func(d map[string]any) { d["children"] = []any{map[string]any{"school": false}} },
			want: []string{"children[0].name"}, wantMsg: "Il campo «Nome del figlio» è obbligatorio."},
		{name: "GridConditionReadsItsOwnRow", edit: func(d map[string]any) {
			d["children"] = []any{map[string]any{"name": "Luca", "school": false, "class": "3A"}, map[string]any{"name": "Sara", "school": true}}
		}, want: []string{"children[1].class"}},
		{name: "GridTooManyRows", edit: func(d map[string]any) {
			row := map[string]any{"name": "Luca"}
			d["children"] = []any{row, row, row}
		}, want: []string{"children"}, wantMsg: "Il campo «Figli» può avere al massimo 2 righe."},
		{name: "GridNotAList", edit: func(d map[string]any) { d["children"] = map[string]any{} }, want: []string{"children"}},
		{name: "GridRowNotAnObject", edit: func(d map[string]any) { d["children"] = []any{"Luca"} }, want: []string{"children[0]"}},
		{name: "EditgridTooFewRows", edit: func(d map[string]any) { d["contacts"] = []any{} }, want: []string{"contacts"}},
		{name: "EditgridRowBadEmail", edit: func(d map[string]any) { d["contacts"] = []any{map[string]any{"email": "x"}} },
			want: []string{"contacts[0].email"}},
		{name: "ContainerFieldHasDottedPath", edit: func(d map[string]any) { delete(d, "applicant") },
			want: []string{"applicant.fiscalCode"}, wantMsg: "Il campo «Codice fiscale» è obbligatorio."},
		{name: "ContainerOfWrongType", edit: func(d map[string]any) { d["applicant"] = "RSSMRA80B41L378X" }, want: []string{"applicant"}},
		{name: "ConditionShowFalseHidesField", edit: func(d map[string]any) { d["kind"] = "1"; d["reason"] = "x" },
			dropped: []string{"reason"}},
		{name: "HiddenControllerCountsAsEmpty", edit: func(d map[string]any) { d["kind"] = "1"; d["reason"] = "altro" },
			dropped: []string{"reason", "reasonDetail"}},
		{name: "ShownControllerRequiresDependent", edit: func(d map[string]any) { d["reason"] = "altro" },
			want: []string{"reasonDetail"}},
		{name: "HiddenPropertyNeitherRequiredNorKept", edit: func(d map[string]any) { d["secret"] = "x" },
			dropped: []string{"secret"}},
		{name: "ScriptedVisibilityNotRequired", edit: func(d map[string]any) { delete(d, "scripted") }},
		{name: "UnknownKeysDropped", edit: func(d map[string]any) { d["admin"] = true }, dropped: []string{"admin"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := decode(t, validData)
			tt.edit(data)
			clean, errs := f.Validate(data)
			var got []string
			for _, e := range errs {
				got = append(got, e.Path)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("got errors %+v, want at %v", errs, tt.want)
			}
			if tt.wantMsg != "" && errs[0].Message != tt.wantMsg {
				t.Errorf("got message %q, want %q", errs[0].Message, tt.wantMsg)
			}
			for _, k := range tt.kept {
				if _, ok := clean[k]; !ok {
					t.Errorf("got %q dropped, want it kept", k)
				}
			}
			for _, k := range tt.dropped {
				if _, ok := clean[k]; ok {
					t.Errorf("got %q kept, want it dropped", k)
				}
			}
		})
	}
}

func TestValidateCleansNestedValues(t *testing.T) {
	f := mustParse(t, richDefinition, nil)
	data := decode(t, validData)
	data["children"] = []any{map[string]any{"name": "Luca", "school": false, "class": "3A", "extra": 1.0}}
	data["doc"] = []any{map[string]any{"name": "a.pdf", "type": "application/pdf", "size": 1.0, "key": "k", "data": "base64..."}}
	clean, errs := f.Validate(data)
	if len(errs) != 0 {
		t.Fatalf("got %v, want no errors", errs)
	}
	got, _ := json.Marshal(map[string]any{"children": clean["children"], "doc": clean["doc"]})
	want := `{"children":[{"name":"Luca","school":false}],"doc":[{"key":"k","name":"a.pdf","size":1,"type":"application/pdf"}]}`
	if string(got) != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if _, ok := data["children"].([]any)[0].(map[string]any)["extra"]; !ok {
		t.Error("got the input modified, want it untouched")
	}
}

func TestValidateRefusesNonObject(t *testing.T) {
	f := mustParse(t, richDefinition, nil)
	for _, data := range []any{[]any{}, "x", 1.0} {
		clean, errs := f.Validate(data)
		if len(errs) != 1 || errs[0].Path != "" || len(clean) != 0 {
			t.Errorf("%v: got %v and %v, want one error for the whole data", data, clean, errs)
		}
	}
}

func TestFieldErrorLocalize(t *testing.T) {
	f := mustParse(t, richDefinition, nil)
	data := decode(t, validData)
	delete(data, "name")
	_, errs := f.Validate(data)
	if len(errs) != 1 {
		t.Fatalf("got %v, want one error", errs)
	}
	if got, want := errs[0].Localize(language.English), "The field «Nome» is required."; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := errs[0].Localize(language.Italian), errs[0].Message; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// mapLibrary holds definitions by id.
type mapLibrary map[string]string

func (l mapLibrary) Form(_ context.Context, id string) (Definition, error) {
	def, ok := l[id]
	if !ok {
		return nil, fault.New(fault.NotFound, "formio: no form %q", id)
	}
	return Definition(def), nil
}

type failingLibrary struct{}

func (failingLibrary) Form(context.Context, string) (Definition, error) {
	return nil, errors.New("connection reset")
}

func nestedForm(key, id string) string {
	return fmt.Sprintf(`{"type":"form","key":%q,"form":%q}`, key, id)
}

// chain returns a library where form f0 nests f1, which nests f2, ... fn.
func chain(n int) mapLibrary {
	lib := mapLibrary{}
	for i := range n {
		lib[fmt.Sprint("f", i)] = fmt.Sprintf(`{"_id":"f%d","components":[%s]}`, i, nestedForm("next", fmt.Sprint("f", i+1)))
	}
	lib[fmt.Sprint("f", n)] = fmt.Sprintf(`{"_id":"f%d","components":[{"type":"textfield","key":"x"}]}`, n)
	return lib
}

func TestParse(t *testing.T) {
	tests := []struct {
		name     string
		def      string
		lib      Library
		wantCode fault.Code
		wantText []string // in the message
	}{
		{name: "RichDefinitionAccepted", def: richDefinition},
		{name: "EmptyFormAccepted", def: `{"components":[]}`},
		{name: "NotJSON", def: `{"components":`, wantCode: fault.Invalid},
		{name: "ComponentsNotAList", def: `{"components":{}}`, wantCode: fault.Invalid},
		{name: "UnsupportedTypeNamedWithKey", def: `{"components":[{"type":"signature","key":"firma","label":""}]}`,
			wantCode: fault.Invalid, wantText: []string{`"signature"`, "«firma»"}},
		{name: "UnsupportedTypeInsideColumns", def: `{"components":[{"type":"columns","columns":[{"components":[{"type":"survey","key":"q"}]}]}]}`,
			wantCode: fault.Invalid, wantText: []string{`"survey"`, "«q»"}},
		{name: "UnsupportedTypeInsideGrid", def: `{"components":[{"type":"datagrid","key":"g","components":[{"type":"address","key":"a"}]}]}`,
			wantCode: fault.Invalid, wantText: []string{`"address"`}},
		{name: "InputWithoutKey", def: `{"components":[{"type":"textfield","label":"Nome"}]}`,
			wantCode: fault.Invalid, wantText: []string{"«Nome»"}},
		{name: "JavaScriptOnlyPatternRefused", def: `{"components":[{"type":"textfield","key":"a","validate":{"pattern":"(?=x)x"}}]}`,
			wantCode: fault.Invalid, wantText: []string{"«a»"}},
		{name: "RuleNotANumber", def: `{"components":[{"type":"textfield","key":"a","validate":{"maxLength":"molti"}}]}`,
			wantCode: fault.Invalid, wantText: []string{"maxLength", "«a»"}},
		{name: "NegativeLength", def: `{"components":[{"type":"textfield","key":"a","validate":{"minLength":-1}}]}`,
			wantCode: fault.Invalid, wantText: []string{"minLength"}},
		{name: "BooleanOfWrongType", def: `{"components":[{"type":"textfield","key":"a","validate":{"required":"sì"}}]}`,
			wantCode: fault.Invalid, wantText: []string{"required"}},
		{name: "BadFileSize", def: `{"components":[{"type":"file","key":"f","fileMaxSize":"tanto"}]}`,
			wantCode: fault.Invalid, wantText: []string{"«f»"}},
		{name: "NestedFormWithoutLibrary", def: `{"components":[` + nestedForm("p", "x") + `]}`,
			wantCode: fault.Invalid, wantText: []string{"«p»"}},
		{name: "NestedFormWithoutID", def: `{"components":[` + nestedForm("p", "") + `]}`, lib: mapLibrary{},
			wantCode: fault.Invalid, wantText: []string{"«p»"}},
		{name: "NestedFormNotInLibrary", def: `{"components":[` + nestedForm("p", "x") + `]}`, lib: mapLibrary{},
			wantCode: fault.Invalid, wantText: []string{`"x"`, "«p»"}},
		{name: "LibraryFailureIsInternal", def: `{"components":[` + nestedForm("p", "x") + `]}`, lib: failingLibrary{},
			wantCode: fault.Internal},
		{name: "NestedFormThatIsInvalid", def: `{"components":[` + nestedForm("p", "x") + `]}`,
			lib: mapLibrary{"x": `{"components":[{"type":"captcha","key":"c"}]}`}, wantCode: fault.Invalid, wantText: []string{`"captcha"`}},
		{name: "SelfInclusionRefused", def: `{"_id":"a","components":[` + nestedForm("p", "a") + `]}`,
			lib: mapLibrary{"a": `{"_id":"a","components":[` + nestedForm("p", "a") + `]}`}, wantCode: fault.Invalid, wantText: []string{`"a"`}},
		{name: "IndirectCycleRefused", def: `{"_id":"a","components":[` + nestedForm("p", "b") + `]}`,
			lib:      mapLibrary{"a": `{"_id":"a","components":[` + nestedForm("p", "b") + `]}`, "b": `{"_id":"b","components":[` + nestedForm("q", "a") + `]}`},
			wantCode: fault.Invalid, wantText: []string{`"a"`, "«q»"}},
		{name: "FiveLevelsOfNestingAccepted", def: chain(5)["f0"], lib: chain(5)},
		{name: "SixLevelsOfNestingRefused", def: chain(6)["f0"], lib: chain(6), wantCode: fault.Invalid, wantText: []string{"5"}},
		{name: "ComponentsTooDeep", def: `{"components":[` + strings.Repeat(`{"type":"panel","components":[`, 70) + strings.Repeat(`]}`, 70) + `]}`,
			wantCode: fault.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(context.Background(), Definition(tt.def), tt.lib)
			if got := fault.CodeOf(err); got != tt.wantCode {
				t.Fatalf("got %v (code %q), want code %q", err, got, tt.wantCode)
			}
			for _, s := range tt.wantText {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("got %q, want it to mention %s", err, s)
				}
			}
		})
	}
}

func TestParseKeepsTheTree(t *testing.T) {
	lib := mapLibrary{"n": `{"_id":"n","title":"Nome","components":[{"type":"textfield","key":"first","label":"Nome"}]}`}
	f := mustParse(t, `{"title":"T","components":[
		{"type":"columns","key":"c","columns":[{"components":[{"type":"radio","key":"r","values":[{"label":"","value":""},{"label":"Sì","value":"y"}]}]},
		                                       {"components":[`+nestedForm("p", "n")+`]}]}]}`, lib)
	cols := f.Components[0]
	if len(cols.Components) != 2 {
		t.Fatalf("got %d children of columns, want 2", len(cols.Components))
	}
	if got := cols.Components[0].Options; len(got) != 1 || got[0] != (Option{Label: "Sì", Value: "y"}) {
		t.Errorf("got options %v, want the builder's empty option left out", got)
	}
	if got := cols.Components[1].Components; len(got) != 1 || got[0].Key != "first" {
		t.Errorf("got nested children %v, want the nested form's components", got)
	}
}
