package seguito

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/formio"
	"github.com/stanzaportal/stanza/shared/ricevuta"
)

// answers turns frozen form data into the receipt's answers: in the form's
// order and with its labels when form is known, otherwise by key. The data
// was validated and cleaned against the form at submission, so a value the
// form has no place for is not expected; one is printed under its key
// rather than lost.
func answers(form *formio.Form, data json.RawMessage) ([]ricevuta.Answer, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber() // print numbers as the citizen wrote them
	var values map[string]any
	if err := dec.Decode(&values); err != nil {
		return nil, fault.Wrap(err, fault.Invalid, "seguito: the form data is not a JSON object")
	}
	if form == nil {
		return byKey(values), nil
	}
	used := map[string]bool{}
	out := labelled(form.Components, values, used)
	rest := map[string]any{}
	for k, v := range values {
		if !used[k] {
			rest[k] = v
		}
	}
	return append(out, byKey(rest)...), nil
}

// labelled walks components over values, the data of their scope, and
// marks in used the keys it printed.
func labelled(components []*formio.Component, values map[string]any, used map[string]bool) []ricevuta.Answer {
	var out []ricevuta.Answer
	for _, c := range components {
		label := c.Label
		if label == "" {
			label = c.Key
		}
		switch c.Type {
		case "content", "htmlelement", "button":
		case "panel", "fieldset", "well", "columns":
			// Layout shares its parent's data; a titled panel (a step of
			// the form) becomes a section of the receipt.
			inner := labelled(c.Components, values, used)
			if len(inner) > 0 && c.Label != "" && c.Type != "columns" {
				out = append(out, ricevuta.Answer{Label: c.Label, Group: inner})
			} else {
				out = append(out, inner...)
			}
		case "container", "form":
			obj, ok := values[c.Key].(map[string]any)
			if !ok {
				continue
			}
			used[c.Key] = true
			if c.Type == "form" { // a nested form keeps its data under "data"
				if obj, ok = obj["data"].(map[string]any); !ok {
					continue
				}
			}
			out = append(out, ricevuta.Answer{Label: label, Group: labelled(c.Components, obj, map[string]bool{})})
		case "datagrid", "editgrid":
			rows, ok := values[c.Key].([]any)
			if !ok {
				continue
			}
			used[c.Key] = true
			group := make([]ricevuta.Answer, 0, len(rows))
			for i, row := range rows {
				obj, _ := row.(map[string]any)
				group = append(group, ricevuta.Answer{Label: fmt.Sprintf("%s %d", label, i+1), Group: labelled(c.Components, obj, map[string]bool{})})
			}
			out = append(out, ricevuta.Answer{Label: label, Group: group})
		default:
			v, ok := values[c.Key]
			if !ok {
				continue // hidden or not given: dropped at submission
			}
			used[c.Key] = true
			out = append(out, ricevuta.Answer{Label: label, Value: valueText(c, v)})
		}
	}
	return out
}

// valueText prints an input's value as the citizen chose it: the label of
// the option, not its value.
func valueText(c *formio.Component, v any) string {
	label := func(value string) string {
		for _, o := range c.Options {
			if o.Value == value {
				return o.Label
			}
		}
		return value
	}
	switch c.Type {
	case "select", "radio":
		if list, ok := v.([]any); ok {
			parts := make([]string, len(list))
			for i, x := range list {
				parts[i] = label(text(x))
			}
			return strings.Join(parts, ", ")
		}
		return label(text(v))
	case "selectboxes":
		boxes, _ := v.(map[string]any)
		var chosen []string
		for _, o := range c.Options {
			if boxes[o.Value] == true {
				chosen = append(chosen, o.Label)
			}
		}
		return strings.Join(chosen, ", ")
	}
	return text(v)
}

// byKey prints values under their keys, sorted, objects as sections.
func byKey(values map[string]any) []ricevuta.Answer {
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]ricevuta.Answer, 0, len(keys))
	for _, k := range keys {
		switch v := values[k].(type) {
		case map[string]any:
			out = append(out, ricevuta.Answer{Label: k, Group: byKey(v)})
		case []any:
			if !allObjects(v) || len(v) == 0 {
				out = append(out, ricevuta.Answer{Label: k, Value: text(v)})
				continue
			}
			group := make([]ricevuta.Answer, len(v))
			for i, row := range v {
				group[i] = ricevuta.Answer{Label: fmt.Sprintf("%s %d", k, i+1), Group: byKey(row.(map[string]any))}
			}
			out = append(out, ricevuta.Answer{Label: k, Group: group})
		default:
			out = append(out, ricevuta.Answer{Label: k, Value: text(v)})
		}
	}
	return out
}

func allObjects(list []any) bool {
	for _, x := range list {
		if _, ok := x.(map[string]any); !ok {
			return false
		}
	}
	return true
}

// text prints a JSON value: a file by its name, a list joined by commas,
// yes or no in Italian.
func text(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		if v {
			return "Sì"
		}
		return "No"
	case []any:
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = text(x)
		}
		return strings.Join(parts, ", ")
	case map[string]any:
		if name, ok := v["originalName"].(string); ok {
			return name
		}
		if name, ok := v["name"].(string); ok {
			return name
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + ": " + text(v[k])
		}
		return strings.Join(parts, "; ")
	}
	return fmt.Sprint(v)
}
