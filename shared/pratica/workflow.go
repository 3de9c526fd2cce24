package pratica

import (
	"fmt"
	"strings"
)

// Role is the kind of actor that performs a transition. It is a bit set so
// that a transition can admit several kinds.
type Role uint8

const (
	Citizen  Role = 1 << iota // the applicant
	Operator                  // an operator or admin of the Comune
	System                    // the portal itself (the change-feed worker)
	Partner                   // a partner system with an API key
)

var roleNames = []struct {
	role Role
	name string
}{{Citizen, "citizen"}, {Operator, "operator"}, {System, "system"}, {Partner, "partner"}}

// Roles lists the single roles.
var Roles = []Role{Citizen, Operator, System, Partner}

// Has reports whether every role in b is in r.
func (r Role) Has(b Role) bool { return b != 0 && r&b == b }

func (r Role) String() string {
	var names []string
	for _, n := range roleNames {
		if r&n.role != 0 {
			names = append(names, n.name)
		}
	}
	return strings.Join(names, "|")
}

// MarshalText writes a single role by name, as history entries store it.
func (r Role) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText reads a single role's name.
func (r *Role) UnmarshalText(b []byte) error {
	for _, n := range roleNames {
		if n.name == string(b) {
			*r = n.role
			return nil
		}
	}
	return fmt.Errorf("pratica: unknown role %q", b)
}

// Event is what an actor asks to happen to an application. Its value
// appears in API paths.
type Event string

const (
	Submit              Event = "submit"
	Register            Event = "register" // the protocol number is assigned
	TakeInCharge        Event = "take-in-charge"
	RequestIntegration  Event = "request-integration"
	StartIntegration    Event = "start-integration" // the citizen opens the integration draft
	SubmitIntegration   Event = "submit-integration"
	RegisterIntegration Event = "register-integration"
	Resume              Event = "resume" // the operator has read the integration and goes on
	Accept              Event = "accept"
	Reject              Event = "reject"
	Withdraw            Event = "withdraw"
	Reassign            Event = "reassign"
)

// Events lists every event.
var Events = []Event{
	Submit, Register, TakeInCharge, RequestIntegration, StartIntegration, SubmitIntegration,
	RegisterIntegration, Resume, Accept, Reject, Withdraw, Reassign,
}

// Need says whether a transition takes a value.
type Need uint8

const (
	Never    Need = iota // giving one is an error
	Optional             // it may be given
	Required             // it must be given
)

// Records says what a transition writes besides the new status and the
// history entry.
type Records struct {
	// Note is the entry's note: a rejection's motivation, what an
	// integration must contain. Citizens read it.
	Note Need
	// Assignee is the operator (and office) in charge; when Optional and
	// not given, an operator assigns the application to themself.
	Assignee Need
	// Protocol is the registration (number and time) from the protocol
	// system.
	Protocol bool
	// Data is the frozen form data of a submission.
	Data bool
}

// Transition is one row of the workflow: actors of the roles in Who may
// turn an application in one of the From statuses into To by Event.
type Transition struct {
	From    []Status
	Event   Event
	To      Status
	Who     Role
	Records Records
}

// beforeFinal is every status a citizen may withdraw from: a draft is
// discarded, not withdrawn, and a concluded application stays concluded.
var beforeFinal = []Status{
	Submitted, Registered, InCharge, IntegrationRequested, IntegrationDraft,
	IntegrationSubmitted, IntegrationRegistered, IntegrationInCharge,
}

// Workflow is the one table of transitions: the citizen, operator and
// partner APIs and the worker all go through it, and nothing else changes
// an application's status.
//
// Services that need no protocol registration are taken in charge straight
// from Submitted (and IntegrationSubmitted); the others wait for the worker
// to register them. After an integration, an operator takes the
// application in charge again (4500) and then resumes the ordinary work
// (back to 4000), or decides at once.
var Workflow = []Transition{
	{From: []Status{Draft}, Event: Submit, To: Submitted, Who: Citizen, Records: Records{Data: true}},
	{From: []Status{Submitted}, Event: Register, To: Registered, Who: System | Partner, Records: Records{Protocol: true}},
	{From: []Status{Submitted, Registered}, Event: TakeInCharge, To: InCharge, Who: Operator | Partner, Records: Records{Assignee: Optional}},
	{From: []Status{InCharge, IntegrationInCharge}, Event: RequestIntegration, To: IntegrationRequested, Who: Operator | Partner, Records: Records{Note: Required}},
	{From: []Status{IntegrationRequested}, Event: StartIntegration, To: IntegrationDraft, Who: Citizen},
	{From: []Status{IntegrationDraft}, Event: SubmitIntegration, To: IntegrationSubmitted, Who: Citizen, Records: Records{Note: Optional}},
	{From: []Status{IntegrationSubmitted}, Event: RegisterIntegration, To: IntegrationRegistered, Who: System | Partner, Records: Records{Protocol: true}},
	{From: []Status{IntegrationSubmitted, IntegrationRegistered}, Event: TakeInCharge, To: IntegrationInCharge, Who: Operator | Partner, Records: Records{Assignee: Optional}},
	{From: []Status{IntegrationInCharge}, Event: Resume, To: InCharge, Who: Operator | Partner},
	{From: []Status{InCharge, IntegrationInCharge}, Event: Accept, To: Accepted, Who: Operator | Partner, Records: Records{Note: Optional}},
	{From: []Status{InCharge, IntegrationInCharge}, Event: Reject, To: Rejected, Who: Operator | Partner, Records: Records{Note: Required}},
	{From: beforeFinal, Event: Withdraw, To: Withdrawn, Who: Citizen, Records: Records{Note: Optional}},
	{From: []Status{InCharge}, Event: Reassign, To: InCharge, Who: Operator, Records: Records{Assignee: Required}},
	{From: []Status{IntegrationInCharge}, Event: Reassign, To: IntegrationInCharge, Who: Operator, Records: Records{Assignee: Required}},
}

// Next returns the row of Workflow that lets role perform ev on an
// application in from, or nil when none does.
func Next(from Status, ev Event, role Role) *Transition {
	for i := range Workflow {
		t := &Workflow[i]
		if t.Event != ev || !t.Who.Has(role) {
			continue
		}
		for _, f := range t.From {
			if f == from {
				return t
			}
		}
	}
	return nil
}
