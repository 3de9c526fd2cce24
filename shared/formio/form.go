package formio

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/stanzaportal/stanza/shared/fault"
)

// Definition is a Form.io form definition: the JSON object the builder
// saves, with its components under "components".
type Definition []byte

// Library is a Comune's form library, where nested forms are looked up.
type Library interface {
	// Form returns the definition whose id is id. It returns an error with
	// code fault.NotFound when the library has none.
	Form(ctx context.Context, id string) (Definition, error)
}

// MaxNesting is the longest chain of nested forms Parse accepts. OpenCity's
// personal-data blocks use two levels; more than a few only hides mistakes.
const MaxNesting = 5

// Bounds on the shape of one definition, so that a careless or hostile
// definition cannot make parsing or validation recurse or fan out without
// end.
const (
	maxDepth      = 64    // components within components
	maxComponents = 10000 // components in all, nested forms included
)

// Form is a parsed definition, ready to validate submissions.
type Form struct {
	ID         string // the definition's "_id", if it has one
	Title      string
	Components []*Component

	index map[string]*Component // data components by key and by data path
}

// Component is one node of a form's tree.
type Component struct {
	Type  string
	Key   string
	Label string
	// Components are the children in display order: a container's, a grid's
	// row, every column's in turn, or a nested form's.
	Components []*Component
	// Options are the choices of a select, radio or selectboxes.
	Options []Option
	// Multiple is set for an input that takes a list of values, or a file
	// input that takes more than one file.
	Multiple bool

	kind     kind
	rules    rules
	cond     *condition
	hidden   bool // "hidden": true, never shown
	scripted bool // shown or not by customConditional, which is not run here

	parent *Component            // nearest enclosing component in the same data scope
	path   []string              // where the value sits, from the scope's data
	index  map[string]*Component // a grid's row components by key and data path
	form   *Form                 // a nested form

	anyOption   bool     // a select whose options come from elsewhere
	filePattern []string // extensions (".pdf") and media types ("image/*")
	fileMin     int64
	fileMax     int64 // 0 when unbounded
	dayFirst    bool
	dayHide     [3]bool // day, month, year parts not asked
}

// Option is a choice offered by a select, radio or selectboxes.
type Option struct {
	Label string
	Value string
}

// kind groups component types by how their data is checked.
type kind int

const (
	kindLayout    kind = iota // children share the parent's data
	kindContent               // no data at all
	kindInput                 // one value under its key
	kindContainer             // an object under its key
	kindGrid                  // a list of row objects under its key
	kindForm                  // {"data": {...}} under its key
)

var kinds = map[string]kind{
	"textfield": kindInput, "textarea": kindInput, "number": kindInput, "email": kindInput,
	"phoneNumber": kindInput, "select": kindInput, "radio": kindInput, "selectboxes": kindInput,
	"checkbox": kindInput, "datetime": kindInput, "day": kindInput, "file": kindInput,
	"panel": kindLayout, "fieldset": kindLayout, "well": kindLayout, "columns": kindLayout,
	"content": kindContent, "htmlelement": kindContent, "button": kindContent,
	"container": kindContainer, "datagrid": kindGrid, "editgrid": kindGrid, "form": kindForm,
}

// multiValued lists the inputs that take "multiple": for these it turns the
// value into a list of values; a file value is always a list, which
// "multiple" lets hold more than one file. Radio, selectboxes and checkbox
// ignore it, as Form.io does.
var multiValued = map[string]bool{
	"textfield": true, "textarea": true, "number": true, "email": true,
	"phoneNumber": true, "select": true, "datetime": true, "day": true, "file": true,
}

type rules struct {
	required             bool
	minLength, maxLength int // 0 when not set
	minWords, maxWords   int
	pattern              *regexp.Regexp
	min, max             *float64
}

type condition struct {
	show string // as Form.io compares it: String(show)
	when string
	eq   string
}

// Parse reads def and resolves its nested forms from lib, which may be nil
// for a definition without any. It returns a fault.Invalid error naming the
// offending component when def cannot be used.
func Parse(ctx context.Context, def Definition, lib Library) (*Form, error) {
	p := &parser{ctx: ctx, lib: lib}
	return p.form(def, nil, 0)
}

type parser struct {
	ctx   context.Context
	lib   Library
	count int
}

type rawForm struct {
	ID         string            `json:"_id"`
	Title      string            `json:"title"`
	Components []json.RawMessage `json:"components"`
}

// form parses one definition; chain holds the ids of the forms that
// include it, outermost first.
func (p *parser) form(def Definition, chain []string, depth int) (*Form, error) {
	var raw rawForm
	if err := json.Unmarshal(def, &raw); err != nil {
		return nil, fault.Wrap(err, fault.Invalid, "La definizione del modulo non è un JSON valido o non ha la forma prevista.")
	}
	f := &Form{ID: raw.ID, Title: raw.Title, index: map[string]*Component{}}
	var err error
	// The full slice expression makes append copy, so that sibling nested
	// forms do not share one chain.
	f.Components, err = p.components(raw.Components, f.index, nil, nil, append(chain[:len(chain):len(chain)], raw.ID), depth)
	return f, err
}

func (p *parser) components(raws []json.RawMessage, index map[string]*Component, parent *Component, path, chain []string, depth int) ([]*Component, error) {
	var cs []*Component
	for _, raw := range raws {
		c, err := p.component(raw, index, parent, path, chain, depth)
		if err != nil {
			return nil, err
		}
		cs = append(cs, c)
	}
	return cs, nil
}

// rawComponent holds the attributes read from every component; the
// attributes of one type only are read by parseTyped.
type rawComponent struct {
	Type              string            `json:"type"`
	Key               string            `json:"key"`
	Label             string            `json:"label"`
	Hidden            flexBool          `json:"hidden"`
	Multiple          flexBool          `json:"multiple"`
	Validate          rawValidate       `json:"validate"`
	Conditional       rawConditional    `json:"conditional"`
	CustomConditional any               `json:"customConditional"`
	Components        []json.RawMessage `json:"components"`
}

type rawValidate struct {
	Required  flexBool   `json:"required"`
	MinLength flexNumber `json:"minLength"`
	MaxLength flexNumber `json:"maxLength"`
	MinWords  flexNumber `json:"minWords"`
	MaxWords  flexNumber `json:"maxWords"`
	Pattern   string     `json:"pattern"`
	Min       flexNumber `json:"min"`
	Max       flexNumber `json:"max"`
}

type rawConditional struct {
	Show any `json:"show"`
	When any `json:"when"`
	Eq   any `json:"eq"`
}

type rawOption struct {
	Label string `json:"label"`
	Value any    `json:"value"`
}

func (p *parser) component(raw json.RawMessage, index map[string]*Component, parent *Component, path, chain []string, depth int) (*Component, error) {
	var rc rawComponent
	if err := json.Unmarshal(raw, &rc); err != nil {
		var head struct{ Key string }
		_ = json.Unmarshal(raw, &head) // for the message only
		return nil, badAttribute(err, head.Key)
	}
	c := &Component{Type: rc.Type, Key: rc.Key, Label: rc.Label, parent: parent}
	k, ok := kinds[rc.Type]
	if !ok {
		return nil, fault.New(fault.Invalid, "Il componente «%s» è di tipo %q, che non è supportato.", c.name(), rc.Type)
	}
	p.count++
	if p.count > maxComponents {
		return nil, fault.New(fault.Invalid, "La definizione del modulo ha troppi componenti: al massimo %d.", maxComponents)
	}
	if depth > maxDepth {
		return nil, fault.New(fault.Invalid, "I componenti del modulo sono annidati troppo in profondità.")
	}
	c.kind = k
	c.hidden = bool(rc.Hidden)
	if s, ok := rc.CustomConditional.(string); ok && strings.TrimSpace(s) != "" {
		c.scripted = true
	}
	if when := jsString(rc.Conditional.When); when != "" {
		c.cond = &condition{show: jsString(rc.Conditional.Show), when: when, eq: jsString(rc.Conditional.Eq)}
	}
	if k != kindLayout && k != kindContent {
		if c.Key == "" {
			return nil, fault.New(fault.Invalid, "Il componente «%s» di tipo %q non ha una chiave.", c.name(), c.Type)
		}
		c.path = append(append([]string(nil), path...), c.Key)
		if _, dup := index[c.Key]; !dup {
			index[c.Key] = c
		}
		index[strings.Join(c.path, ".")] = c
	}
	if err := c.parseRules(rc.Validate); err != nil {
		return nil, err
	}
	var err error
	switch k {
	case kindLayout:
		if c.Type == "columns" {
			var cols struct {
				Columns []struct {
					Components []json.RawMessage `json:"components"`
				} `json:"columns"`
			}
			if err := json.Unmarshal(raw, &cols); err != nil {
				return nil, badAttribute(err, c.name())
			}
			for _, col := range cols.Columns {
				cs, err := p.components(col.Components, index, c, path, chain, depth+1)
				if err != nil {
					return nil, err
				}
				c.Components = append(c.Components, cs...)
			}
			return c, nil
		}
		c.Components, err = p.components(rc.Components, index, c, path, chain, depth+1)
	case kindContainer:
		c.Components, err = p.components(rc.Components, index, c, c.path, chain, depth+1)
	case kindGrid:
		// A row is a scope of its own: conditions look in the row first, and
		// the grid's visibility is settled before any row is checked.
		c.index = map[string]*Component{}
		c.Components, err = p.components(rc.Components, c.index, nil, nil, chain, depth+1)
	case kindForm:
		err = p.nested(c, raw, chain, depth)
	case kindInput:
		c.Multiple = bool(rc.Multiple) && multiValued[c.Type]
		err = c.parseInput(raw)
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

func (p *parser) nested(c *Component, raw json.RawMessage, chain []string, depth int) error {
	var ref struct {
		Form string `json:"form"`
	}
	if err := json.Unmarshal(raw, &ref); err != nil {
		return badAttribute(err, c.name())
	}
	if ref.Form == "" {
		return fault.New(fault.Invalid, "Il componente «%s» include un modulo senza indicarne l'identificativo.", c.name())
	}
	for _, id := range chain {
		if id == ref.Form {
			return fault.New(fault.Invalid, "Il modulo %q include sé stesso attraverso il componente «%s».", ref.Form, c.name())
		}
	}
	// chain starts with the outermost form, so a chain of n forms is n-1
	// levels of nesting.
	if len(chain) > MaxNesting {
		return fault.New(fault.Invalid, "Il componente «%s» supera il limite di %d livelli di moduli annidati.", c.name(), MaxNesting)
	}
	if p.lib == nil {
		return fault.New(fault.Invalid, "Il componente «%s» include il modulo %q, ma non c'è una raccolta di moduli in cui cercarlo.", c.name(), ref.Form)
	}
	def, err := p.lib.Form(p.ctx, ref.Form)
	if fault.Is(err, fault.NotFound) {
		return fault.Wrap(err, fault.Invalid, "Il componente «%s» include il modulo %q, che non esiste.", c.name(), ref.Form)
	}
	if err != nil {
		return fmt.Errorf("formio: nested form %q: %w", ref.Form, err)
	}
	f, err := p.form(def, chain, depth+1)
	if err != nil {
		return err
	}
	c.form = f
	c.Components = f.Components
	return nil
}

func (c *Component) parseRules(v rawValidate) error {
	r := &c.rules
	r.required = bool(v.Required)
	r.min, r.max = v.Min.value, v.Max.value
	for _, n := range []struct {
		name string
		from flexNumber
		to   *int
	}{
		{"minLength", v.MinLength, &r.minLength},
		{"maxLength", v.MaxLength, &r.maxLength},
		{"minWords", v.MinWords, &r.minWords},
		{"maxWords", v.MaxWords, &r.maxWords},
	} {
		if n.from.value == nil {
			continue
		}
		f := *n.from.value
		if f < 0 || f != math.Trunc(f) || f > math.MaxInt32 {
			return fault.New(fault.Invalid, "La regola %s del componente «%s» deve essere un numero intero non negativo.", n.name, c.name())
		}
		*n.to = int(f)
	}
	if v.Pattern != "" {
		// Form.io tests new RegExp("^" + pattern + "$"); the group keeps an
		// alternation from escaping the anchors.
		re, err := regexp.Compile("^(?:" + v.Pattern + ")$")
		if err != nil {
			return fault.Wrap(err, fault.Invalid, "Il modello di validazione del componente «%s» non è un'espressione regolare supportata.", c.name())
		}
		r.pattern = re
	}
	return nil
}

// parseInput reads the attributes of one input type. Each type reads only
// its own: the builder leaves stray defaults of other types around.
func (c *Component) parseInput(raw json.RawMessage) error {
	var err error
	switch c.Type {
	case "radio", "selectboxes":
		var in struct {
			Values []rawOption `json:"values"`
		}
		err = json.Unmarshal(raw, &in)
		c.Options = options(in.Values)
	case "select":
		var src struct {
			DataSrc string `json:"dataSrc"`
		}
		if err = json.Unmarshal(raw, &src); err != nil || (src.DataSrc != "" && src.DataSrc != "values") {
			c.anyOption = true
			break
		}
		var in struct {
			Data struct {
				Values []rawOption `json:"values"`
			} `json:"data"`
		}
		err = json.Unmarshal(raw, &in)
		c.Options = options(in.Data.Values)
	case "file":
		var in struct {
			FilePattern string `json:"filePattern"`
			FileMinSize string `json:"fileMinSize"`
			FileMaxSize string `json:"fileMaxSize"`
		}
		if err = json.Unmarshal(raw, &in); err == nil {
			return c.parseFileLimits(in.FilePattern, in.FileMinSize, in.FileMaxSize)
		}
	case "day":
		type part struct {
			Hide flexBool `json:"hide"`
		}
		var in struct {
			DayFirst flexBool `json:"dayFirst"`
			Fields   struct {
				Day   part `json:"day"`
				Month part `json:"month"`
				Year  part `json:"year"`
			} `json:"fields"`
		}
		err = json.Unmarshal(raw, &in)
		c.dayFirst = bool(in.DayFirst)
		c.dayHide = [3]bool{bool(in.Fields.Day.Hide), bool(in.Fields.Month.Hide), bool(in.Fields.Year.Hide)}
	}
	if err != nil {
		return badAttribute(err, c.name())
	}
	return nil
}

func options(raws []rawOption) []Option {
	var os []Option
	for _, o := range raws {
		// The builder leaves an empty option in a new component.
		if v := jsString(o.Value); v != "" {
			os = append(os, Option{Label: o.Label, Value: v})
		}
	}
	return os
}

func (c *Component) parseFileLimits(pattern, min, max string) error {
	for _, p := range strings.Split(pattern, ",") {
		p = strings.ToLower(strings.TrimSpace(p))
		p = strings.TrimPrefix(p, "*") // "*.pdf" means ".pdf"; "*" alone means any
		if p != "" {
			c.filePattern = append(c.filePattern, p)
		}
	}
	var err error
	if c.fileMin, err = byteSize(min); err != nil {
		return fault.New(fault.Invalid, "La dimensione minima dei file del componente «%s» non è valida.", c.name())
	}
	if c.fileMax, err = byteSize(max); err != nil {
		return fault.New(fault.Invalid, "La dimensione massima dei file del componente «%s» non è valida.", c.name())
	}
	return nil
}

var sizeSyntax = regexp.MustCompile(`^(\d+(?:\.\d+)?)\s*([kmg]?b)?$`)

// byteSize reads a Form.io file size such as "10MB" or "500 kb" (powers of
// 1024, as Form.io counts); "" is 0.
func byteSize(s string) (int64, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return 0, nil
	}
	m := sizeSyntax.FindStringSubmatch(s)
	if m == nil {
		return 0, errors.New("bad size")
	}
	n, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, err
	}
	n *= map[string]float64{"": 1, "b": 1, "kb": 1 << 10, "mb": 1 << 20, "gb": 1 << 30}[m[2]]
	if n > 1<<50 {
		return 0, errors.New("size too large")
	}
	return int64(n), nil
}

// name is how messages call a component: its label, else its key.
func (c *Component) name() string {
	if c.Label != "" {
		return c.Label
	}
	return c.Key
}

func badAttribute(err error, name string) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return fault.Wrap(err, fault.Invalid, "L'attributo %q del componente «%s» ha un valore non valido.", te.Field, name)
	}
	return fault.Wrap(err, fault.Invalid, "Il componente «%s» non ha la forma prevista.", name)
}

// flexBool reads the booleans of a definition, which the builder sometimes
// writes as strings ("true", "false", "").
type flexBool bool

func (b *flexBool) UnmarshalJSON(data []byte) error {
	switch string(bytes.TrimSpace(data)) {
	case "true", `"true"`:
		*b = true
	case "false", `"false"`, `""`, "null":
		*b = false
	default:
		return &json.UnmarshalTypeError{Value: string(data), Type: reflect.TypeFor[bool]()}
	}
	return nil
}

// flexNumber reads the numbers of a definition, which the builder writes as
// numbers, numeric strings, or "" when not set.
type flexNumber struct{ value *float64 }

func (n *flexNumber) UnmarshalJSON(data []byte) error {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	var f float64
	switch v := v.(type) {
	case nil:
		return nil
	case float64:
		f = v
	case string:
		if strings.TrimSpace(v) == "" {
			return nil
		}
		var err error
		if f, err = strconv.ParseFloat(strings.TrimSpace(v), 64); err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return &json.UnmarshalTypeError{Value: "string " + strconv.Quote(v), Type: reflect.TypeFor[float64]()}
		}
	default:
		return &json.UnmarshalTypeError{Value: string(data), Type: reflect.TypeFor[float64]()}
	}
	n.value = &f
	return nil
}
