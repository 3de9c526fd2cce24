package pratica

import (
	"context"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/store"
)

// Note is an internal note of the staff on an application. Notes are items
// of their own beside the application (PK "application#<id>", SK
// "note#<time>#<note id>"), never part of it, so no view of the
// application can show them to the citizen by mistake, and adding one
// does not race with the workflow.
type Note struct {
	ID   string    `json:"id"`
	At   time.Time `json:"at"`
	By   string    `json:"by"` // the operator's username
	Text string    `json:"text"`
}

// NotesPage bounds a page of notes.
const NotesPage = 100

func noteKey(app string, n Note) store.Key {
	return store.Key{PK: "application#" + app, SK: "note#" + store.TimeKey(n.At) + "#" + n.ID}
}

// AddNote adds an internal note to application app, which actor, an
// operator, may handle.
func (s *Store) AddNote(ctx context.Context, tenant string, actor Actor, app, text string) (Note, error) {
	if err := staff(actor); err != nil {
		return Note{}, err
	}
	text = strings.TrimSpace(text)
	switch {
	case text == "":
		return Note{}, fault.New(fault.Invalid, "La nota è vuota.")
	case utf8.RuneCountInString(text) > MaxNote:
		return Note{}, fault.New(fault.Invalid, "La nota può avere al massimo %d caratteri.", MaxNote)
	case !plainText(text):
		return Note{}, fault.New(fault.Invalid, "La nota contiene caratteri non ammessi.")
	}
	a, err := s.Get(ctx, tenant, actor, app)
	if err != nil {
		return Note{}, err
	}
	n := Note{ID: store.NewID(), At: s.now().UTC(), By: actor.Subject, Text: text}
	data, err := json.Marshal(n)
	if err != nil {
		return Note{}, err
	}
	if _, err := s.db.Tenant(tenant).Put(ctx, store.Item{Key: noteKey(a.ID, n), Data: data}, store.IfAbsent); err != nil {
		return Note{}, err
	}
	return n, nil
}

// Notes returns one page of the internal notes of application app, oldest
// first, when actor, an operator, may handle it.
func (s *Store) Notes(ctx context.Context, tenant string, actor Actor, app, cursor string) ([]Note, string, error) {
	if err := staff(actor); err != nil {
		return nil, "", err
	}
	a, err := s.Get(ctx, tenant, actor, app)
	if err != nil {
		return nil, "", err
	}
	p, err := s.db.Tenant(tenant).Query(ctx, store.Query{PK: "application#" + a.ID, Prefix: "note#", Limit: NotesPage}, cursor)
	if err != nil {
		return nil, "", err
	}
	notes, err := store.Decode[Note](p.Items)
	if err != nil {
		return nil, "", err
	}
	return notes, p.Cursor, nil
}
