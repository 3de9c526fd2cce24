package httpapi

import (
	"bytes"
	"context"
	"encoding/json"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/formio"
)

// inlineForms returns def with every nested form component carrying the
// components of the library form it names, as Form.io reads a nested form
// given inline. A service's form then says everything in one document:
// browsers have no access to the Comune's form library, and need the
// nested blocks' fields to render the form and to label its data. def has
// been parsed already, so its nested forms exist and do not include
// themselves; the depth bound holds should the library change meanwhile.
func inlineForms(ctx context.Context, lib formio.Library, def json.RawMessage) (json.RawMessage, error) {
	root, err := decodeDefinition(def)
	if err != nil {
		return nil, err
	}
	if err := inline(ctx, lib, root, 0); err != nil {
		return nil, err
	}
	return json.Marshal(root)
}

// decodeDefinition reads a definition keeping its numbers as written.
func decodeDefinition(def []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(def))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, fault.Wrap(err, fault.Internal, "httpapi: unreadable form definition")
	}
	return v, nil
}

func inline(ctx context.Context, lib formio.Library, v any, depth int) error {
	switch v := v.(type) {
	case []any:
		for _, x := range v {
			if err := inline(ctx, lib, x, depth); err != nil {
				return err
			}
		}
	case map[string]any:
		if id, ok := v["form"].(string); ok && v["type"] == "form" {
			if depth >= formio.MaxNesting {
				return fault.New(fault.Internal, "httpapi: form %q nests deeper than %d levels", id, formio.MaxNesting)
			}
			raw, err := lib.Form(ctx, id)
			if err != nil {
				return err
			}
			nested, err := decodeDefinition(raw)
			if err != nil {
				return err
			}
			m, _ := nested.(map[string]any)
			components, _ := m["components"].([]any)
			if err := inline(ctx, lib, components, depth+1); err != nil {
				return err
			}
			v["components"] = components
			return nil
		}
		for _, x := range v {
			if err := inline(ctx, lib, x, depth); err != nil {
				return err
			}
		}
	}
	return nil
}
