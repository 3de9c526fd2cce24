package formio

import (
	"encoding/json"
	"fmt"
	"math"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/language"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/i18n"
)

// FieldError is a problem with one value of a submission.
type FieldError struct {
	Path    string `json:"path"`    // where the value sits in the data, e.g. "children[0].name"
	Key     string `json:"key"`     // the component's key
	Message string `json:"message"` // in Italian

	err *fault.Error // the message's format and arguments, for translation
}

// Localize returns the message in lang.
func (e FieldError) Localize(lang language.Tag) string {
	if e.err == nil {
		return e.Message
	}
	return i18n.Sprintf(lang, e.err.Message, e.err.Args...)
}

// Validate checks data, a decoded JSON object (numbers as float64 or
// json.Number), against the form. It returns the cleaned data, which holds
// the values of the visible components only, and the field errors, none
// when data is valid. It never modifies data.
func (f *Form) Validate(data any) (map[string]any, []FieldError) {
	v := &validator{}
	out := map[string]any{}
	in, ok := data.(map[string]any)
	if !ok && data != nil {
		v.fail("", "", fault.New(fault.Invalid, "I dati del modulo devono essere un oggetto JSON."))
		return out, v.errs
	}
	v.walk(f.Components, newScope(f.index, in, nil), in, out, "")
	return out, v.errs
}

type validator struct {
	errs []FieldError
}

func (v *validator) fail(path, key string, err *fault.Error) {
	v.errs = append(v.errs, FieldError{Path: path, Key: key, Message: fmt.Sprintf(err.Message, err.Args...), err: err})
}

// scope is where conditions look values up: a form's data, or a grid row
// with the form's data as its outer scope.
type scope struct {
	index map[string]*Component
	data  map[string]any
	outer *scope
	seen  map[*Component]visibility
}

type visibility int8

const (
	unknown visibility = iota
	deciding
	shown
	hidden
)

func newScope(index map[string]*Component, data map[string]any, outer *scope) *scope {
	return &scope{index: index, data: data, outer: outer, seen: map[*Component]visibility{}}
}

// visible reports whether c and its ancestors in sc are shown. A component
// whose condition depends, directly or not, on itself counts as hidden.
func (sc *scope) visible(c *Component) bool {
	switch sc.seen[c] {
	case shown:
		return true
	case hidden, deciding:
		return false
	}
	sc.seen[c] = deciding
	ok := !c.hidden && (c.parent == nil || sc.visible(c.parent)) && (c.cond == nil || sc.holds(c.cond))
	sc.seen[c] = hidden
	if ok {
		sc.seen[c] = shown
	}
	return ok
}

// holds evaluates a simple condition as Form.io's checkSimpleConditional
// does, comparing JavaScript string forms.
func (sc *scope) holds(cond *condition) bool {
	var value any
	if w, wsc := sc.lookup(cond.when); w != nil && wsc.visible(w) {
		value = wsc.valueOf(w)
	}
	switch v := value.(type) {
	case map[string]any: // selectboxes
		if b, ok := v[cond.eq]; ok {
			return jsString(b) == cond.show
		}
	case []any: // a multiple value
		for _, e := range v {
			if jsString(e) == cond.eq {
				return cond.show == "true"
			}
		}
	}
	return (jsString(value) == cond.eq) == (cond.show == "true")
}

// lookup finds the component that when names, in the row first.
func (sc *scope) lookup(when string) (*Component, *scope) {
	for s := sc; s != nil; s = s.outer {
		if c := s.index[when]; c != nil {
			return c, s
		}
	}
	return nil, nil
}

func (sc *scope) valueOf(c *Component) any {
	var v any = sc.data
	for _, k := range c.path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// walk checks the values of cs found in the object in, and copies the
// cleaned ones to out; path prefixes the paths of errors.
func (v *validator) walk(cs []*Component, sc *scope, in, out map[string]any, path string) {
	for _, c := range cs {
		if !sc.visible(c) {
			continue
		}
		switch c.kind {
		case kindLayout:
			v.walk(c.Components, sc, in, out, path)
		case kindContainer:
			sub, ok := v.object(c, in[c.Key], path+c.Key)
			if !ok {
				continue
			}
			o := map[string]any{}
			v.walk(c.Components, sc, sub, o, path+c.Key+".")
			out[c.Key] = o
		case kindForm:
			sub, ok := v.object(c, in[c.Key], path+c.Key)
			if !ok {
				continue
			}
			data, ok := v.object(c, sub["data"], path+c.Key+".data")
			if !ok {
				continue
			}
			o := map[string]any{}
			v.walk(c.Components, newScope(c.form.index, data, nil), data, o, path+c.Key+".data.")
			out[c.Key] = map[string]any{"data": o}
		case kindGrid:
			v.grid(c, sc, in, out, path)
		case kindInput:
			v.input(c, in, out, path)
		}
	}
}

// object reads the object under a container's key; a missing one is empty.
func (v *validator) object(c *Component, value any, path string) (map[string]any, bool) {
	switch value := value.(type) {
	case nil:
		return nil, true
	case map[string]any:
		return value, true
	}
	v.fail(path, c.Key, fault.New(fault.Invalid, "Il campo «%s» non ha la forma prevista.", c.name()))
	return nil, false
}

func (v *validator) grid(c *Component, sc *scope, in, out map[string]any, path string) {
	p := path + c.Key
	value := in[c.Key]
	rows, ok := value.([]any)
	if !ok && value != nil {
		v.fail(p, c.Key, fault.New(fault.Invalid, "Il campo «%s» deve essere un elenco di righe.", c.name()))
		return
	}
	switch r := c.rules; {
	case len(rows) == 0 && r.required:
		v.required(c, p)
	case r.minLength > 0 && len(rows) < r.minLength:
		v.fail(p, c.Key, fault.New(fault.Invalid, "Il campo «%s» deve avere almeno %d righe.", c.name(), r.minLength))
	case r.maxLength > 0 && len(rows) > r.maxLength:
		v.fail(p, c.Key, fault.New(fault.Invalid, "Il campo «%s» può avere al massimo %d righe.", c.name(), r.maxLength))
	}
	outer := sc
	if sc.outer != nil {
		outer = sc.outer
	}
	cleaned := []any{}
	for i, row := range rows {
		rp := fmt.Sprintf("%s[%d]", p, i)
		obj, ok := row.(map[string]any)
		if !ok {
			v.fail(rp, c.Key, fault.New(fault.Invalid, "Una riga del campo «%s» non ha la forma prevista.", c.name()))
			continue
		}
		o := map[string]any{}
		v.walk(c.Components, newScope(c.index, obj, outer), obj, o, rp+".")
		cleaned = append(cleaned, o)
	}
	if value != nil {
		out[c.Key] = cleaned
	}
}

func (v *validator) required(c *Component, path string) {
	v.fail(path, c.Key, fault.New(fault.Invalid, "Il campo «%s» è obbligatorio.", c.name()))
}

func (v *validator) input(c *Component, in, out map[string]any, path string) {
	p := path + c.Key
	value := in[c.Key]
	// The server cannot tell whether a scripted component was shown, so it
	// must not demand it.
	required := c.rules.required && !c.scripted
	if !c.Multiple || c.Type == "file" {
		clean, empty, ok := v.value(c, value, p)
		switch {
		case !ok:
		case empty && required:
			v.required(c, p)
		case value != nil:
			out[c.Key] = clean
		}
		return
	}
	list, ok := value.([]any)
	if !ok && value != nil {
		v.fail(p, c.Key, fault.New(fault.Invalid, "Il campo «%s» deve essere un elenco di valori.", c.name()))
		return
	}
	cleaned, filled, valid := []any{}, false, true
	for i, e := range list {
		clean, empty, ok := v.value(c, e, fmt.Sprintf("%s[%d]", p, i))
		valid = valid && ok
		filled = filled || !empty
		cleaned = append(cleaned, clean)
	}
	switch {
	case !valid:
	case !filled && required:
		v.required(c, p)
	case value != nil:
		out[c.Key] = cleaned
	}
}

// value checks one value of an input. It reports the cleaned value, whether
// it is empty (rules other than required only apply to filled values), and
// false when it recorded an error.
func (v *validator) value(c *Component, value any, p string) (any, bool, bool) {
	if value == nil {
		return nil, true, true
	}
	bad := func(err *fault.Error) (any, bool, bool) {
		v.fail(p, c.Key, err)
		return nil, false, false
	}
	switch c.Type {
	case "textfield", "textarea", "email", "phoneNumber":
		s, ok := value.(string)
		if !ok {
			return bad(fault.New(fault.Invalid, "Il campo «%s» deve essere un testo.", c.name()))
		}
		return s, s == "", s == "" || v.text(c, s, p)
	case "number":
		f, ok := number(value)
		switch r := c.rules; {
		case !ok:
			return bad(fault.New(fault.Invalid, "Il campo «%s» deve essere un numero.", c.name()))
		case r.min != nil && f < *r.min:
			return bad(fault.New(fault.Invalid, "Il campo «%s» deve essere almeno %s.", c.name(), jsNumber(*r.min)))
		case r.max != nil && f > *r.max:
			return bad(fault.New(fault.Invalid, "Il campo «%s» può essere al massimo %s.", c.name(), jsNumber(*r.max)))
		}
		return value, false, true
	case "checkbox":
		b, ok := value.(bool)
		if !ok {
			return bad(fault.New(fault.Invalid, "Il campo «%s» deve essere vero o falso.", c.name()))
		}
		return b, !b, true
	case "select", "radio":
		switch value.(type) {
		case string, bool, float64, json.Number:
		default:
			return bad(fault.New(fault.Invalid, "Il valore del campo «%s» non è tra quelli ammessi.", c.name()))
		}
		s := jsString(value)
		if s != "" && !c.anyOption && !c.allows(s) {
			return bad(fault.New(fault.Invalid, "Il valore del campo «%s» non è tra quelli ammessi.", c.name()))
		}
		return value, s == "", true
	case "selectboxes":
		return v.selectboxes(c, value, p)
	case "datetime":
		s, ok := value.(string)
		if !ok || (s != "" && !isDateTime(s)) {
			return bad(fault.New(fault.Invalid, "Il campo «%s» deve contenere una data valida.", c.name()))
		}
		return s, s == "", true
	case "day":
		s, ok := value.(string)
		if !ok {
			return bad(fault.New(fault.Invalid, "Il campo «%s» deve contenere una data valida.", c.name()))
		}
		return v.day(c, s, p)
	case "file":
		return v.files(c, value, p)
	}
	return value, false, true
}

func (c *Component) allows(s string) bool {
	return slices.ContainsFunc(c.Options, func(o Option) bool { return o.Value == s })
}

// text applies the text rules and the syntax of email and phone numbers to
// a filled value.
func (v *validator) text(c *Component, s, p string) bool {
	fail := func(err *fault.Error) bool { v.fail(p, c.Key, err); return false }
	r := c.rules
	if n := utf8.RuneCountInString(s); r.minLength > 0 && n < r.minLength {
		return fail(fault.New(fault.Invalid, "Il campo «%s» deve avere almeno %d caratteri.", c.name(), r.minLength))
	} else if r.maxLength > 0 && n > r.maxLength {
		return fail(fault.New(fault.Invalid, "Il campo «%s» può avere al massimo %d caratteri.", c.name(), r.maxLength))
	}
	if n := len(strings.Fields(s)); r.minWords > 0 && n < r.minWords {
		return fail(fault.New(fault.Invalid, "Il campo «%s» deve avere almeno %d parole.", c.name(), r.minWords))
	} else if r.maxWords > 0 && n > r.maxWords {
		return fail(fault.New(fault.Invalid, "Il campo «%s» può avere al massimo %d parole.", c.name(), r.maxWords))
	}
	if r.pattern != nil && !r.pattern.MatchString(s) {
		return fail(fault.New(fault.Invalid, "Il campo «%s» non ha il formato richiesto.", c.name()))
	}
	switch {
	case c.Type == "email" && !isEmail(s):
		return fail(fault.New(fault.Invalid, "Il campo «%s» deve contenere un indirizzo email valido.", c.name()))
	case c.Type == "phoneNumber" && !isPhone(s):
		return fail(fault.New(fault.Invalid, "Il campo «%s» deve contenere un numero di telefono valido.", c.name()))
	}
	return true
}

// emailSyntax is the WHATWG HTML definition of a valid email address, with
// a dot required in the domain: a portal's notices go to the internet.
var emailSyntax = regexp.MustCompile("^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+$")

func isEmail(s string) bool { return len(s) <= 254 && emailSyntax.MatchString(s) }

// phoneSyntax takes the ways people write phone numbers: an optional
// leading +, digits grouped by spaces, dots, slashes, dashes or brackets.
var phoneSyntax = regexp.MustCompile(`^\+?[0-9 ./()-]+$`)

// isPhone also wants between 3 (emergency and short numbers) and 15 (the
// E.164 maximum) digits.
func isPhone(s string) bool {
	digits := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			digits++
		}
	}
	return phoneSyntax.MatchString(s) && digits >= 3 && digits <= 15
}

func (v *validator) selectboxes(c *Component, value any, p string) (any, bool, bool) {
	m, ok := value.(map[string]any)
	if !ok {
		v.fail(p, c.Key, fault.New(fault.Invalid, "Il campo «%s» non ha la forma prevista.", c.name()))
		return nil, false, false
	}
	clean, empty := map[string]any{}, true
	for k, b := range m {
		on, ok := b.(bool)
		if !ok || !c.allows(k) {
			v.fail(p, c.Key, fault.New(fault.Invalid, "Il valore del campo «%s» non è tra quelli ammessi.", c.name()))
			return nil, false, false
		}
		clean[k] = on
		empty = empty && !on
	}
	return clean, empty, true
}

// Layouts of a datetime value: Form.io sends ISO 8601 with an offset; the
// others come from hand-written clients.
var dateTimeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"}

func isDateTime(s string) bool {
	for _, l := range dateTimeLayouts {
		if _, err := time.Parse(l, s); err == nil {
			return true
		}
	}
	return false
}

var daySyntax = regexp.MustCompile(`^(\d{2})/(\d{2})/(\d{4})$`)

// day checks a day value, "MM/DD/YYYY" or with dayFirst "DD/MM/YYYY", where
// a part not asked or not filled is zero.
func (v *validator) day(c *Component, s, p string) (any, bool, bool) {
	if s == "" {
		return s, true, true
	}
	m := daySyntax.FindStringSubmatch(s)
	if m == nil {
		v.fail(p, c.Key, fault.New(fault.Invalid, "Il campo «%s» deve contenere una data valida.", c.name()))
		return nil, false, false
	}
	day, month, year := atoi(m[2]), atoi(m[1]), atoi(m[3])
	if c.dayFirst {
		day, month = month, day
	}
	parts := [3]int{day, month, year}
	filled, complete := false, true
	for i, n := range parts {
		filled = filled || n != 0
		complete = complete && (n != 0 || c.dayHide[i])
	}
	if month > 12 || day > 31 || (day != 0 && month != 0 && year != 0 &&
		time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC).Day() != day) {
		v.fail(p, c.Key, fault.New(fault.Invalid, "Il campo «%s» deve contenere una data valida.", c.name()))
		return nil, false, false
	}
	if filled && !complete && c.rules.required && !c.scripted {
		v.fail(p, c.Key, fault.New(fault.Invalid, "Il campo «%s» deve contenere una data completa.", c.name()))
		return nil, false, false
	}
	return s, !filled, true
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// fileFields are the attributes of a file descriptor that are kept.
var fileFields = []string{"name", "originalName", "size", "type", "url", "key", "storage"}

func (v *validator) files(c *Component, value any, p string) (any, bool, bool) {
	list, ok := value.([]any)
	if !ok {
		v.fail(p, c.Key, fault.New(fault.Invalid, "Il campo «%s» deve essere un elenco di file.", c.name()))
		return nil, false, false
	}
	if len(list) > 1 && !c.Multiple {
		v.fail(p, c.Key, fault.New(fault.Invalid, "Il campo «%s» ammette un solo file.", c.name()))
		return nil, false, false
	}
	cleaned := []any{}
	for i, e := range list {
		fp := fmt.Sprintf("%s[%d]", p, i)
		d, ok := e.(map[string]any)
		name, _ := d["name"].(string)
		typ, typeOK := d["type"].(string)
		size, sizeOK := number(d["size"])
		url, _ := d["url"].(string)
		key, _ := d["key"].(string)
		if !ok || name == "" || !typeOK || !sizeOK || size < 0 || size != math.Trunc(size) || (url == "" && key == "") {
			v.fail(fp, c.Key, fault.New(fault.Invalid, "Un file del campo «%s» è descritto in modo incompleto.", c.name()))
			return nil, false, false
		}
		if !c.fileTypeAllowed(name, typ) {
			v.fail(fp, c.Key, fault.New(fault.Invalid, "Il file %q del campo «%s» non è di un tipo ammesso.", name, c.name()))
			return nil, false, false
		}
		if c.fileMax > 0 && size > float64(c.fileMax) {
			v.fail(fp, c.Key, fault.New(fault.Invalid, "Il file %q del campo «%s» supera la dimensione massima di %d byte.", name, c.name(), c.fileMax))
			return nil, false, false
		}
		if size < float64(c.fileMin) {
			v.fail(fp, c.Key, fault.New(fault.Invalid, "Il file %q del campo «%s» è più piccolo della dimensione minima di %d byte.", name, c.name(), c.fileMin))
			return nil, false, false
		}
		kept := map[string]any{}
		for _, f := range fileFields {
			if x, ok := d[f]; ok {
				kept[f] = x
			}
		}
		cleaned = append(cleaned, kept)
	}
	return cleaned, len(cleaned) == 0, true
}

// fileTypeAllowed matches a file against filePattern: extensions match the
// name, media types (possibly "image/*") the declared type.
func (c *Component) fileTypeAllowed(name, typ string) bool {
	if len(c.filePattern) == 0 {
		return true
	}
	name, typ = strings.ToLower(name), strings.ToLower(typ)
	for _, p := range c.filePattern {
		switch {
		case strings.HasPrefix(p, "."):
			if strings.HasSuffix(name, p) {
				return true
			}
		case strings.Contains(p, "/"):
			if ok, _ := path.Match(p, typ); ok {
				return true
			}
		}
	}
	return false
}

// number reads a JSON number; infinities (from json.Number) are refused.
func number(v any) (float64, bool) {
	var f float64
	switch v := v.(type) {
	case float64:
		f = v
	case json.Number:
		var err error
		if f, err = v.Float64(); err != nil {
			return 0, false
		}
	default:
		return 0, false
	}
	return f, !math.IsInf(f, 0) && !math.IsNaN(f)
}

// jsString is JavaScript's String(v) for decoded JSON, with null as "",
// which is how Form.io compares values in conditions.
func jsString(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case float64:
		return jsNumber(v)
	case json.Number:
		if f, ok := number(v); ok {
			return jsNumber(f)
		}
		return v.String()
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = jsString(e)
		}
		return strings.Join(parts, ",")
	case map[string]any:
		if len(v) == 0 {
			return ""
		}
		return "[object Object]"
	}
	return fmt.Sprint(v)
}

func jsNumber(f float64) string {
	if math.Abs(f) < 1e21 && (f == math.Trunc(f) || math.Abs(f) >= 1e-6) {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}
