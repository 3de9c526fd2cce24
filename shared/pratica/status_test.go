package pratica

import (
	"testing"

	"github.com/stanzaportal/stanza/shared/i18n"
)

func TestLabelsTranslated(t *testing.T) {
	for _, st := range Statuses {
		if !i18n.Translated(st.Label()) {
			t.Errorf("status %d: no English for %q", st, st.Label())
		}
	}
	for _, g := range Groups {
		if !i18n.Translated(g.Label()) {
			t.Errorf("group %s: no English for %q", g, g.Label())
		}
	}
}

func TestViews(t *testing.T) {
	a := Application{Notes: "private", Assignee: "mverdi", IdempotencyKey: "k", Office: "Scuola"}
	if c := a.ForCitizen(); c.Assignee != "" || c.IdempotencyKey != "" || c.Notes != "private" {
		t.Errorf("citizen's view: got %+v, want the notes and neither the operator nor the key", c)
	}
	if s := a.ForStaff(); s.Notes != "" || s.Assignee != "mverdi" {
		t.Errorf("staff's view: got %+v, want the operator and not the notes", s)
	}
}
