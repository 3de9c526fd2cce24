package pratica

import (
	"context"
	"strings"
	"testing"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/store"
)

func TestAccessPatternNotes(t *testing.T) {
	s, db := newStore(t)
	ctx := context.Background()
	a := mustSubmit(t, s, citizen, service)
	first, err := s.AddNote(ctx, tenant, op, a.ID, "  Chiamare la scuola  ")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddNote(ctx, tenant, admin, a.ID, "Fatto"); err != nil {
		t.Fatal(err)
	}
	notes, cursor, err := s.Notes(ctx, tenant, op, a.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) != 2 || cursor != "" || notes[0].ID != first.ID || notes[0].Text != "Chiamare la scuola" || notes[0].By != "mverdi" || notes[1].By != "admin" {
		t.Errorf("got %+v, want the two notes oldest first, trimmed, with their authors", notes)
	}
	items, err := db.Tenant(tenant).QueryAll(ctx, store.Query{PK: "application#" + a.ID, Prefix: "note#"})
	if err != nil || len(items) != 2 {
		t.Errorf("got %d items (%v) at PK application#<id>, SK note#<time>#<id>, want 2", len(items), err)
	}
	// The notes are not part of the application, whoever reads it.
	got, err := s.Get(ctx, tenant, citizen, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != a.Version {
		t.Errorf("adding notes changed the application: version %d, want %d", got.Version, a.Version)
	}
}

func TestNotesRefuse(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	a := mustSubmit(t, s, citizen, "altro-servizio")
	tests := []struct {
		name  string
		actor Actor
		id    string
		text  string
		want  fault.Code
	}{
		{"ErrCitizen", citizen, a.ID, "Nota", fault.Forbidden},
		{"ErrServiceNotEnabled", op, a.ID, "Nota", fault.Forbidden},
		{"ErrMissing", admin, store.NewID(), "Nota", fault.NotFound},
		{"ErrEmpty", admin, a.ID, " \n ", fault.Invalid},
		{"ErrTooLong", admin, a.ID, strings.Repeat("a", MaxNote+1), fault.Invalid},
		{"ErrControlCharacters", admin, a.ID, "a\x00b", fault.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.AddNote(ctx, tenant, tt.actor, tt.id, tt.text)
			wantCode(t, err, tt.want)
		})
	}
	_, _, err := s.Notes(ctx, tenant, citizen, a.ID, "")
	wantCode(t, err, fault.Forbidden)
	_, _, err = s.Notes(ctx, tenant, op, a.ID, "")
	wantCode(t, err, fault.Forbidden)
}
