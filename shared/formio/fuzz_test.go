package formio

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/stanzaportal/stanza/shared/fault"
)

// FuzzValidate parses a definition and validates data against it. Beyond
// never panicking, it checks that a definition is refused only as invalid,
// that every error has a message, and that cleaned valid data is valid
// again and cleans to itself: what is frozen on submission must pass the
// same check later.
func FuzzValidate(f *testing.F) {
	f.Add([]byte(richDefinition), []byte(validData))
	f.Add([]byte(richDefinition), []byte(`{"children":[{"school":true}],"hasChildren":true,"kind":"1","reason":"altro"}`))
	f.Add([]byte(`{"components":[`+nestedForm("p", "n")+`]}`), []byte(`{"p":{"data":{"first":"Anna"}}}`))
	lib := mapLibrary{"n": `{"_id":"n","components":[{"type":"textfield","key":"first","label":"Nome","validate":{"required":true}}]}`}
	f.Fuzz(func(t *testing.T, def, data []byte) {
		form, err := Parse(context.Background(), def, lib)
		if err != nil {
			if code := fault.CodeOf(err); code != fault.Invalid {
				t.Fatalf("got %v (code %q), want code %q", err, code, fault.Invalid)
			}
			return
		}
		var d any
		if json.Unmarshal(data, &d) != nil {
			return
		}
		clean, errs := form.Validate(d)
		for _, e := range errs {
			if e.Message == "" {
				t.Fatalf("got an error without a message: %+v", e)
			}
		}
		if len(errs) > 0 {
			return
		}
		once, err := json.Marshal(clean)
		if err != nil {
			t.Fatal(err)
		}
		var stored any
		if err := json.Unmarshal(once, &stored); err != nil {
			t.Fatal(err)
		}
		again, errs := form.Validate(stored)
		if len(errs) > 0 {
			t.Fatalf("cleaned data %s: got errors %+v, want none", once, errs)
		}
		twice, _ := json.Marshal(again)
		if !bytes.Equal(once, twice) {
			t.Fatalf("got %s cleaned to %s, want it unchanged", once, twice)
		}
	})
}
