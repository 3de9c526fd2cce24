package pratica

import (
	"context"
	"encoding/json"
	"regexp"
	"unicode/utf8"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/store"
)

var serviceSlug = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$`)

// slot is the draft slot's record: the id of the citizen's draft.
type slot struct {
	ID string `json:"id"`
}

// Start returns the citizen's draft for service: the one they have, with
// resumed true, or a new one. A citizen keeps one draft per service, unless
// multiple is set (the service allows any number, as a SCIA does): then
// every call starts a new draft.
//
// The one draft is guarded by the draft slot, created if absent before the
// draft itself. A slot left behind (a crash between the two writes, or a
// draft since submitted, whose slot submission does not spend a write on)
// is repaired here: a slot without its draft gets it, a slot whose
// application is no longer a draft is replaced.
func (s *Store) Start(ctx context.Context, tenant string, actor Actor, service string, multiple bool) (app Application, resumed bool, err error) {
	if actor.Role != Citizen || actor.Subject == "" {
		return Application{}, false, fault.New(fault.Forbidden, "Non hai i permessi per questa operazione.")
	}
	if !serviceSlug.MatchString(service) {
		return Application{}, false, fault.New(fault.Invalid, "L'identificativo del servizio %q non è valido.", service)
	}
	if multiple {
		a, err := s.create(ctx, tenant, actor.Subject, service, store.NewID())
		return a, false, err
	}
	scope := s.db.Tenant(tenant)
	key := slotKey(actor.Subject, service)
	for range maxAttempts {
		id := store.NewID()
		data, _ := json.Marshal(slot{ID: id})
		_, err := scope.Put(ctx, store.Item{Key: key, Data: data}, store.IfAbsent)
		if err == nil {
			a, err := s.create(ctx, tenant, actor.Subject, service, id)
			if fault.Is(err, fault.Conflict) {
				continue // a concurrent Start found the slot first and created the draft
			}
			return a, false, err
		}
		if !fault.Is(err, fault.Conflict) {
			return Application{}, false, err
		}
		it, err := scope.Get(ctx, key)
		if fault.Is(err, fault.NotFound) {
			continue // freed meanwhile
		}
		if err != nil {
			return Application{}, false, err
		}
		var sl slot
		if err := json.Unmarshal(it.Data, &sl); err != nil {
			return Application{}, false, fault.Wrap(err, fault.Internal, "pratica: draft slot of %s is unreadable", service)
		}
		a, err := s.load(ctx, tenant, sl.ID)
		switch {
		case fault.Is(err, fault.NotFound):
			a, err = s.create(ctx, tenant, actor.Subject, service, sl.ID)
			if fault.Is(err, fault.Conflict) {
				continue // created by a concurrent Start: read it on the next round
			}
			return a, false, err
		case err != nil:
			return Application{}, false, err
		case a.Status == Draft && a.Applicant == actor.Subject:
			return a, true, nil
		}
		err = scope.Delete(ctx, key, store.IfVersion(it.Version))
		if err != nil && !fault.Is(err, fault.Conflict) {
			return Application{}, false, err
		}
	}
	return Application{}, false, stale()
}

// create writes a new empty draft with id, which must not exist.
func (s *Store) create(ctx context.Context, tenant, citizen, service, id string) (Application, error) {
	now := s.now()
	a := Application{
		ID: id, Tenant: tenant, Service: service, Applicant: citizen, Status: Draft,
		History: []Entry{}, CreatedAt: now, UpdatedAt: now,
	}
	return s.save(ctx, a, store.IfAbsent)
}

// Autosave is what one save of a draft writes.
type Autosave struct {
	// Version is the version the citizen's page holds; required.
	Version int64
	// Step is the form step the citizen is at; going back to 0 (restart)
	// keeps the data.
	Step int
	// Data is the form data so far, a JSON object; nil keeps what is saved.
	// Attachments are linked by LinkAttachment, which checks them, never here.
	Data json.RawMessage
}

// SaveDraft saves a draft as the citizen goes. It writes only over the
// version the citizen's page read: a save from an older page (another tab,
// a slow request) is a Conflict, so that the last save wins only when it
// knew what it replaced.
func (s *Store) SaveDraft(ctx context.Context, tenant string, actor Actor, id string, d Autosave) (Application, error) {
	if d.Version <= 0 {
		return Application{}, fault.New(fault.Invalid, "pratica: a draft is saved over a version")
	}
	if d.Step < 0 || d.Step >= MaxSteps {
		return Application{}, fault.New(fault.Invalid, "Il passo del modulo %d non è valido.", d.Step)
	}
	if d.Data != nil && !jsonObject(d.Data) {
		return Application{}, fault.New(fault.Invalid, "I dati della pratica devono essere un oggetto JSON.")
	}
	if actor.Role != Citizen {
		return Application{}, fault.New(fault.Forbidden, "Non hai i permessi per questa operazione.")
	}
	a, err := s.Get(ctx, tenant, actor, id)
	if err != nil {
		return Application{}, err
	}
	if a.Status != Draft {
		return Application{}, fault.New(fault.Conflict, "La pratica è già stata inviata e non si può più modificare.")
	}
	if a.Version != d.Version {
		return Application{}, stale()
	}
	a.Step = d.Step
	if d.Data != nil {
		a.Data = d.Data
	}
	a.UpdatedAt = s.now()
	saved, err := s.save(ctx, a, store.IfVersion(d.Version))
	if fault.Is(err, fault.Conflict) {
		return Application{}, stale()
	}
	return saved, err
}

func jsonObject(b []byte) bool {
	var m map[string]json.RawMessage
	return json.Unmarshal(b, &m) == nil && m != nil
}

// SetNotes replaces the citizen's private notes on one of their
// applications, in any status. Notes are theirs alone, so the last write
// wins without a version: a concurrent transition only makes it read again.
func (s *Store) SetNotes(ctx context.Context, tenant string, actor Actor, id, notes string) (Application, error) {
	if actor.Role != Citizen {
		return Application{}, fault.New(fault.Forbidden, "Non hai i permessi per questa operazione.")
	}
	if utf8.RuneCountInString(notes) > MaxNotes {
		return Application{}, fault.New(fault.Invalid, "Le note possono avere al massimo %d caratteri.", MaxNotes)
	}
	if !plainText(notes) {
		return Application{}, fault.New(fault.Invalid, "Le note contengono caratteri non ammessi.")
	}
	for range maxAttempts {
		a, err := s.Get(ctx, tenant, actor, id)
		if err != nil {
			return Application{}, err
		}
		read := a.Version
		a.Notes = notes
		a.UpdatedAt = s.now()
		saved, err := s.save(ctx, a, store.IfVersion(read))
		if !fault.Is(err, fault.Conflict) {
			return saved, err
		}
	}
	return Application{}, stale()
}
