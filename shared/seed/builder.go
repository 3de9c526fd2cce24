package seed

import (
	"encoding/json"
	"fmt"
)

// The demo forms are written with the few helpers below rather than as
// JSON files: a builder's definition repeats dozens of default attributes
// per component, which would bury the questions the forms ask. The helpers
// write what the Form.io renderer needs and nothing else; the builder in the
// admin app fills in its defaults when a form is opened.

// comp is one Form.io component.
type comp map[string]any

// field returns an input component.
func field(typ, key, label string) comp {
	return comp{"type": typ, "key": key, "label": label, "input": true, "tableView": true}
}

func textfield(key, label string) comp { return field("textfield", key, label) }
func textarea(key, label string) comp  { return field("textarea", key, label).with("rows", 4) }
func email(key, label string) comp     { return field("email", key, label) }
func phone(key, label string) comp     { return field("phoneNumber", key, label) }
func checkbox(key, label string) comp  { return field("checkbox", key, label) }

func number(key, label string) comp {
	return field("number", key, label).with("delimiter", true).with("requireDecimal", false)
}

// date asks for a day of the calendar, with a date picker.
func date(key, label string) comp {
	return field("datetime", key, label).with("format", "dd/MM/yyyy").with("enableTime", false).
		with("datePicker", map[string]any{"disableWeekends": false})
}

// dateTime asks for a day and a time.
func dateTime(key, label string) comp {
	return field("datetime", key, label).with("format", "dd/MM/yyyy HH:mm").with("enableTime", true).
		with("timePicker", map[string]any{"showMeridian": false})
}

// day asks for a date as three boxes, the form Italians know for dates of
// birth; the value is "DD/MM/YYYY".
func day(key, label string) comp {
	return field("day", key, label).with("dayFirst", true)
}

// option is a choice of a select, radio or selectboxes.
type option struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// opts reads value and label pairs.
func opts(valueLabel ...string) []option {
	if len(valueLabel)%2 != 0 {
		panic("seed: opts needs value and label pairs")
	}
	var out []option
	for i := 0; i < len(valueLabel); i += 2 {
		out = append(out, option{Value: valueLabel[i], Label: valueLabel[i+1]})
	}
	return out
}

func radio(key, label string, o []option) comp {
	return field("radio", key, label).with("values", o)
}

func selectboxes(key, label string, o []option) comp {
	return field("selectboxes", key, label).with("values", o)
}

func choice(key, label string, o []option) comp {
	return field("select", key, label).with("dataSrc", "values").with("data", map[string]any{"values": o}).with("widget", "choicesjs")
}

// file asks for uploads. pattern lists media types or extensions, as
// Form.io's filePattern; maxSize is in its notation ("10MB").
func file(key, label, pattern, maxSize string) comp {
	return field("file", key, label).with("filePattern", pattern).with("fileMaxSize", maxSize)
}

// Accepted file patterns.
const (
	documents = "application/pdf,application/pkcs7-mime,image/jpeg,image/png"
	photos    = "image/jpeg,image/png"
	signedPDF = "application/pdf,application/pkcs7-mime"
)

func panel(key, title string, cs ...comp) comp {
	return comp{"type": "panel", "key": key, "title": title, "label": title, "input": false, "components": cs}
}

func fieldset(key, legend string, cs ...comp) comp {
	return comp{"type": "fieldset", "key": key, "legend": legend, "label": legend, "input": false, "components": cs}
}

// columns lays components side by side in equal columns.
func columns(key string, cs ...comp) comp {
	var cols []map[string]any
	for _, c := range cs {
		cols = append(cols, map[string]any{"width": 12 / len(cs), "size": "md", "components": []comp{c}})
	}
	return comp{"type": "columns", "key": key, "label": "Colonne", "input": false, "columns": cols}
}

// datagrid is a repeating group of rows, each with the given fields.
func datagrid(key, label, addLabel string, cs ...comp) comp {
	return field("datagrid", key, label).with("addAnother", addLabel).with("components", cs)
}

// nested includes a form of the library by id; its data sits under key as
// {"data": {...}}.
func nested(key, label, id string) comp {
	return comp{"type": "form", "key": key, "label": label, "form": id, "input": true, "reference": false}
}

// content is a paragraph of text.
func content(key, html string) comp {
	return comp{"type": "content", "key": key, "label": key, "html": html, "input": false}
}

func (c comp) with(attr string, v any) comp { c[attr] = v; return c }

func (c comp) rule(name string, v any) comp {
	rules, _ := c["validate"].(map[string]any)
	if rules == nil {
		rules = map[string]any{}
		c["validate"] = rules
	}
	rules[name] = v
	return c
}

func (c comp) required() comp { return c.rule("required", true) }

// showWhen shows c only when the component named by when has the value eq.
func (c comp) showWhen(when, eq string) comp {
	c["conditional"] = map[string]any{"show": true, "when": when, "eq": eq}
	return c
}

// hideWhen hides c when the component named by when has the value eq.
func (c comp) hideWhen(when, eq string) comp {
	c["conditional"] = map[string]any{"show": false, "when": when, "eq": eq}
	return c
}

func (c comp) multiple() comp { return c.with("multiple", true) }

// form returns a definition: a wizard of panels, or a block of the library.
func form(name, title string, display string, cs ...comp) json.RawMessage {
	data, err := json.Marshal(map[string]any{"name": name, "path": name, "title": title, "display": display, "type": "form", "components": cs})
	if err != nil {
		panic(fmt.Sprintf("seed: form %s: %v", name, err))
	}
	return data
}

func wizard(name, title string, panels ...comp) json.RawMessage {
	return form(name, title, "wizard", panels...)
}

func block(name, title string, cs ...comp) json.RawMessage { return form(name, title, "form", cs...) }
