package spid

import (
	"context"
	"testing"

	"github.com/stanzaportal/stanza/shared/auth"
	"github.com/stanzaportal/stanza/shared/fault"
)

// FuzzParseResponse feeds ParseResponse arbitrary form values: it must
// never panic, and every refusal must be a 4xx fault error. The committed
// corpus (testdata/fuzz) holds a valid Response, an IdP error, a wrapped
// signature and malformed XML; a fresh valid Response is added here.
func FuzzParseResponse(f *testing.F) {
	a := newACS(f, SPID)
	f.Add(a.respond(f, a.options("")))
	f.Fuzz(func(t *testing.T, samlResponse string) {
		_, err := a.sp.ParseResponse(context.Background(), samlResponse, a.expect(auth.SpidL1))
		if code := fault.CodeOf(err); err != nil && code != fault.Invalid && code != fault.Forbidden {
			t.Fatalf("got %v (%s), want a 4xx refusal", err, code)
		}
	})
}
