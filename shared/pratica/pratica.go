// Package pratica holds citizens' applications (pratiche) and their one
// workflow: drafts, idempotent submission, the transitions of Workflow, the
// lists of "Le mie pratiche" and the counts of their tabs. It knows nothing
// of HTTP; the API layers call it with the actor they authenticated.
//
// # One write per transition
//
// An application is one store item. Every change (a transition with its
// history entry, an autosave, the private notes) is one conditional write of
// that item on the version that was read, so a change is either whole or
// absent, and of two concurrent changes one gets a Conflict. The indexes
// that list applications are keys of the same item, rewritten with it.
//
// # Identity
//
// An application keeps its draft's id when submitted. The id is 128 random
// bits from the start, so it is as unguessable as a fresh one would be;
// keeping it makes submission the one conditional write of the draft
// (Draft to Submitted), which is what lets exactly one of many concurrent
// submissions win, with no second item to create and keep consistent, and
// the attachments uploaded to the draft stay where they are.
//
// # Keys
//
// In the Comune's scope (see the access patterns in package store):
//
//   - the application: PK "application#<id>", SK "application";
//   - in GSI1, the citizen's tab: PK "citizen#<fiscal code>#group#<group>",
//     SK "<updated time>#<id>", read newest first;
//   - in GSI2, the operators' queue (submitted applications only): PK
//     "service#<service>#status#<code>", SK "<submission time>#<id>";
//   - the draft slot: PK "citizen#<fiscal code>", SK "draft#<service>",
//     created if absent, holds the id of the citizen's one draft;
//   - the tab counts: PK "citizen#<fiscal code>", SK "count#<group>",
//     counters kept by the Counter handler.
//   - the operators' queues and search: index items of their own, kept by
//     the QueueIndex handler (see queue.go);
//   - the staff's internal notes: PK "application#<id>", SK
//     "note#<time>#<note id>", beside the application, never in it.
package pratica

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/stanzaportal/stanza/shared/auth"
	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/routes"
	"github.com/stanzaportal/stanza/shared/store"
)

// Limits on what an actor writes.
const (
	MaxNotes    = 2000 // characters of the citizen's private notes
	MaxNote     = 4000 // characters of a history entry's note
	MaxSteps    = 100  // steps of a form, an upper bound on Step
	maxAttempts = 5    // reads and writes before a contended change gives up
)

// Protocol is the registration of a document in the Comune's protocol.
type Protocol struct {
	Number string    `json:"number"` // e.g. "2026/0000123"
	At     time.Time `json:"at"`
}

// Entry is one step of an application's history. It names the actor's
// role, and for an operator their username, which staff read and
// ForCitizen removes: citizens never learn who handles their application.
type Entry struct {
	From     Status    `json:"from"`
	To       Status    `json:"to"`
	Event    Event     `json:"event"`
	At       time.Time `json:"at"`
	Role     Role      `json:"role"`
	By       string    `json:"by,omitempty"`
	Note     string    `json:"note,omitempty"`
	Protocol *Protocol `json:"protocol,omitempty"`
	// ResponseFile is the id of the file an operator attached to a
	// decision, for the Comune's response to list.
	ResponseFile string `json:"responseFile,omitempty"`
}

// Application is a citizen's application for a service.
type Application struct {
	ID        string `json:"id"`
	Tenant    string `json:"tenant"`
	Service   string `json:"service"`
	Applicant string `json:"applicant"` // the citizen's fiscal code
	// ApplicantName is the citizen's name as their identity provider gave
	// it, recorded at submission: operators see and search it.
	ApplicantName string `json:"applicantName,omitempty"`
	Status        Status `json:"status"`
	// Version is the store version: the one to give back with a change.
	Version int64   `json:"version,omitempty"`
	History []Entry `json:"history"`
	// Data is the form data: the draft's, saved as the citizen goes, then
	// the validated data frozen at submission.
	Data json.RawMessage `json:"data,omitempty"`
	// Step is the form step the citizen was at, for resuming a draft.
	Step int `json:"step"`
	// Attachments are the ids of the citizen's attachments in use.
	Attachments []string  `json:"attachments,omitempty"`
	Protocol    *Protocol `json:"protocol,omitempty"`
	CreatedAt   time.Time `json:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt"`
	SubmittedAt time.Time `json:"submittedAt,omitzero"`
	// Notes are the citizen's private notes, plain text; only the citizen
	// reads them.
	Notes    string `json:"notes,omitempty"`
	Assignee string `json:"assignee,omitempty"` // the operator in charge
	Office   string `json:"office,omitempty"`
	// IdempotencyKey is the key of the submission that made it Submitted.
	IdempotencyKey string `json:"idempotencyKey,omitempty"`
	// IntegrationKey is the key of the last integration the citizen sent.
	IntegrationKey string `json:"integrationKey,omitempty"`
}

// ForCitizen returns the application as its applicant sees it: without the
// names of the operators who handle it or the submissions' keys.
func (a Application) ForCitizen() Application {
	a.Assignee = ""
	a.IdempotencyKey = ""
	a.IntegrationKey = ""
	a.History = slices.Clone(a.History)
	for i := range a.History {
		a.History[i].By = ""
	}
	return a
}

// ForStaff returns the application as operators and partners see it:
// without the citizen's private notes.
func (a Application) ForStaff() Application {
	a.Notes = ""
	return a
}

// Actor is who performs an operation.
type Actor struct {
	Role Role
	// Subject is a citizen's fiscal code, an operator's username, a
	// partner key's id.
	Subject string
	// Name is a citizen's name, which a submission records.
	Name string
	// Admin is set for an admin, who acts on every service.
	Admin bool
	// Services limits an operator who is not an admin.
	Services []string
}

// SystemActor is the portal itself, as the worker acts.
var SystemActor = Actor{Role: System, Subject: "system"}

// ActorOf returns the actor of an authenticated principal; Role is zero
// for an anonymous one, which every operation refuses.
func ActorOf(p auth.Principal) Actor {
	a := Actor{Subject: p.Subject, Services: p.Services}
	switch p.Role {
	case routes.Citizen:
		a.Role, a.Name = Citizen, p.Name
	case routes.Operator:
		a.Role = Operator
	case routes.Admin:
		a.Role, a.Admin = Operator, true
	case routes.Partner:
		a.Role = Partner
	}
	return a
}

// Store keeps applications in a store.DB and enforces the workflow.
type Store struct {
	db  *store.DB
	now func() time.Time
}

// NewStore returns a Store over db.
func NewStore(db *store.DB) *Store { return &Store{db: db, now: time.Now} }

func appKey(id string) store.Key { return store.Key{PK: "application#" + id, SK: "application"} }

func slotKey(citizen, service string) store.Key {
	return store.Key{PK: "citizen#" + citizen, SK: "draft#" + service}
}

func countKey(citizen string, g Group) store.Key {
	return store.Key{PK: "citizen#" + citizen, SK: "count#" + string(g)}
}

func groupPK(citizen string, g Group) string { return "citizen#" + citizen + "#group#" + string(g) }

func queuePK(service string, s Status) string {
	return "service#" + service + "#status#" + strconv.Itoa(int(s))
}

// item returns the store item of a, with its index keys.
func (a Application) item() (store.Item, error) {
	a.Version = 0
	data, err := json.Marshal(a)
	if err != nil {
		return store.Item{}, err
	}
	ix := map[store.Index]store.Key{
		store.GSI1: {PK: groupPK(a.Applicant, a.Status.Group()), SK: store.TimeKey(a.UpdatedAt) + "#" + a.ID},
	}
	if a.Status != Draft {
		ix[store.GSI2] = store.Key{PK: queuePK(a.Service, a.Status), SK: store.TimeKey(a.SubmittedAt) + "#" + a.ID}
	}
	return store.Item{Key: appKey(a.ID), Indexes: ix, Data: data}, nil
}

func fromItem(it store.Item) (Application, error) {
	var a Application
	if err := json.Unmarshal(it.Data, &a); err != nil {
		return Application{}, fault.Wrap(err, fault.Internal, "pratica: application %s is unreadable", it.Key.PK)
	}
	a.Version = it.Version
	return a, nil
}

func notFound() error { return fault.New(fault.NotFound, "La pratica richiesta non esiste.") }

func stale() error {
	return fault.New(fault.Conflict, "La pratica è stata modificata nel frattempo: ricarica la pagina e riprova.")
}

// load reads application id without checking who asks. A tenant that
// cannot exist is refused like a missing application: citizens' routes
// take it from the path unchecked, and the store panics on it.
func (s *Store) load(ctx context.Context, tenant, id string) (Application, error) {
	if !store.IsID(id) || !store.ValidTenant(tenant) {
		return Application{}, notFound()
	}
	it, err := s.db.Tenant(tenant).Get(ctx, appKey(id))
	if fault.Is(err, fault.NotFound) {
		return Application{}, notFound()
	}
	if err != nil {
		return Application{}, err
	}
	return fromItem(it)
}

// save writes a over the version that was read; a Conflict means someone
// else wrote in between.
func (s *Store) save(ctx context.Context, a Application, cond store.Condition) (Application, error) {
	it, err := a.item()
	if err != nil {
		return Application{}, err
	}
	stored, err := s.db.Tenant(a.Tenant).Put(ctx, it, cond)
	if err != nil {
		return Application{}, err
	}
	a.Version = stored.Version
	return a, nil
}

// allowed reports whether actor may see and act on a: a citizen on their
// own applications only (others do not exist for them), staff on the
// services they are enabled for, the system on all.
func allowed(actor Actor, a Application) error {
	switch actor.Role {
	case Citizen:
		if actor.Subject != "" && actor.Subject == a.Applicant {
			return nil
		}
		return notFound()
	case Operator:
		if actor.Admin || slices.Contains(actor.Services, a.Service) {
			return nil
		}
	case System, Partner:
		return nil
	}
	return fault.New(fault.Forbidden, "Non hai i permessi per questa operazione.")
}

// Get returns application id as stored, when actor may see it. Callers
// show it through ForCitizen or ForStaff.
func (s *Store) Get(ctx context.Context, tenant string, actor Actor, id string) (Application, error) {
	a, err := s.load(ctx, tenant, id)
	if err != nil {
		return Application{}, err
	}
	if err := allowed(actor, a); err != nil {
		return Application{}, err
	}
	return a, nil
}

// Input is what a transition carries.
type Input struct {
	// Version is the version the actor saw; 0 acts on the current one
	// (the worker and partners that do not track versions).
	Version  int64
	Note     string
	Assignee string
	Office   string
	Protocol *Protocol
	// ResponseFile, of a decision, is the checked response file to record.
	ResponseFile string
}

// Apply performs ev on application id for actor, as one conditional write.
// An event that Workflow does not allow from the current status for the
// actor's role, or a Version that is no longer current, is a Conflict.
// Submission goes through Submit, which is idempotent.
func (s *Store) Apply(ctx context.Context, tenant string, actor Actor, id string, ev Event, in Input) (Application, error) {
	if ev == Submit {
		return Application{}, fault.New(fault.Invalid, "pratica: submission goes through Store.Submit")
	}
	for range maxAttempts {
		a, err := s.Get(ctx, tenant, actor, id)
		if err != nil {
			return Application{}, err
		}
		if in.Version > 0 && in.Version != a.Version {
			return Application{}, stale()
		}
		next, err := advance(a, actor, ev, in, nil, s.now())
		if err != nil {
			return Application{}, err
		}
		saved, err := s.save(ctx, next, store.IfVersion(a.Version))
		if fault.Is(err, fault.Conflict) && in.Version == 0 {
			continue // someone wrote in between: decide again on what is there now
		}
		if fault.Is(err, fault.Conflict) {
			return Application{}, stale()
		}
		return saved, err
	}
	return Application{}, stale()
}

// advance returns a after actor performs ev with in (data for a
// submission), or the error that refuses it. It is the one place where a
// transition happens.
func advance(a Application, actor Actor, ev Event, in Input, data json.RawMessage, now time.Time) (Application, error) {
	t := Next(a.Status, ev, actor.Role)
	if t == nil {
		return Application{}, fault.New(fault.Conflict, "Questa operazione non è possibile per una pratica nello stato «%s».", a.Status.Label())
	}
	r := t.Records
	note := strings.TrimSpace(in.Note)
	switch {
	case r.Note == Required && note == "":
		return Application{}, fault.New(fault.Invalid, "Questa operazione richiede una motivazione.")
	case r.Note == Never && note != "":
		return Application{}, fault.New(fault.Invalid, "Questa operazione non prevede una nota.")
	case utf8.RuneCountInString(note) > MaxNote:
		return Application{}, fault.New(fault.Invalid, "La nota può avere al massimo %d caratteri.", MaxNote)
	case !plainText(note):
		return Application{}, fault.New(fault.Invalid, "La nota contiene caratteri non ammessi.")
	case r.Protocol != (in.Protocol != nil):
		return Application{}, fault.New(fault.Invalid, "pratica: %s takes a protocol registration exactly when the workflow records one", ev)
	case r.Protocol && (in.Protocol.Number == "" || in.Protocol.At.IsZero()):
		return Application{}, fault.New(fault.Invalid, "pratica: a protocol registration needs a number and a time")
	case r.Data != (data != nil):
		return Application{}, fault.New(fault.Invalid, "pratica: %s takes form data exactly when the workflow records it", ev)
	case r.Assignee == Never && (in.Assignee != "" || in.Office != ""):
		return Application{}, fault.New(fault.Invalid, "Questa operazione non prevede un'assegnazione.")
	case r.Assignee == Required && in.Assignee == "":
		return Application{}, fault.New(fault.Invalid, "Indica l'operatore a cui assegnare la pratica.")
	}
	entry := Entry{From: a.Status, To: t.To, Event: ev, At: now, Role: actor.Role, Note: note, Protocol: in.Protocol, ResponseFile: in.ResponseFile}
	if actor.Role == Operator {
		entry.By = actor.Subject
	}
	a.History = append(slices.Clip(a.History), entry)
	a.Status = t.To
	a.UpdatedAt = now
	if r.Assignee != Never {
		switch {
		case in.Assignee != "":
			a.Assignee, a.Office = in.Assignee, in.Office
		case actor.Role == Operator:
			a.Assignee = actor.Subject
		}
	}
	if r.Protocol && a.Protocol == nil {
		a.Protocol = in.Protocol // the application's number is its first registration
	}
	if r.Data {
		a.Data = data
		a.SubmittedAt = now
		a.ApplicantName = strings.TrimSpace(actor.Name)
	}
	return a, nil
}

// plainText reports whether s is text a person typed: no control
// characters other than line breaks and tabs.
func plainText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' {
			return false
		}
	}
	return true
}
