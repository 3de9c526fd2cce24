package pratica

import "strconv"

// Status is the state of an application, with OpenCity's numeric codes so
// that partner systems built for OpenCity read ours unchanged.
type Status int

// The statuses. OpenCity's payment statuses (1500 to 1530) are reserved:
// no transition leads to them until payments exist, and Valid refuses them.
const (
	Draft                 Status = 1000
	Submitted             Status = 2000
	Registered            Status = 3000 // a protocol number is assigned
	InCharge              Status = 4000
	IntegrationRequested  Status = 4100
	IntegrationDraft      Status = 4200 // the citizen is preparing the integration
	IntegrationSubmitted  Status = 4300
	IntegrationRegistered Status = 4400
	IntegrationInCharge   Status = 4500
	Accepted              Status = 7000
	Rejected              Status = 9000
	Withdrawn             Status = 20000
)

// Statuses lists every status in workflow order.
var Statuses = []Status{
	Draft, Submitted, Registered, InCharge, IntegrationRequested, IntegrationDraft,
	IntegrationSubmitted, IntegrationRegistered, IntegrationInCharge, Accepted, Rejected, Withdrawn,
}

var statusInfo = map[Status]struct {
	label string
	group Group
}{
	Draft:                 {"Bozza", Drafts},
	Submitted:             {"Inviata", Sent},
	Registered:            {"Protocollata", Sent},
	InCharge:              {"Presa in carico", Processing},
	IntegrationRequested:  {"Integrazione richiesta", ToIntegrate},
	IntegrationDraft:      {"Integrazione in preparazione", ToIntegrate},
	IntegrationSubmitted:  {"Integrazione inviata", Processing},
	IntegrationRegistered: {"Integrazione protocollata", Processing},
	IntegrationInCharge:   {"Presa in carico dopo l'integrazione", Processing},
	Accepted:              {"Accettata", AcceptedGroup},
	Rejected:              {"Rifiutata", RejectedGroup},
	Withdrawn:             {"Ritirata", WithdrawnGroup},
}

// Valid reports whether s is a status of the workflow.
func (s Status) Valid() bool { _, ok := statusInfo[s]; return ok }

// Label is the status as citizens and operators read it, in Italian (the
// key of its translations in package i18n).
func (s Status) Label() string {
	if info, ok := statusInfo[s]; ok {
		return info.label
	}
	return strconv.Itoa(int(s))
}

// Group is the tab of "Le mie pratiche" that shows applications in s.
func (s Status) Group() Group { return statusInfo[s].group }

// Final reports whether nothing can happen to an application in s any more.
func (s Status) Final() bool { return s == Accepted || s == Rejected || s == Withdrawn }

// Group is a citizen-facing set of statuses: one tab of "Le mie pratiche".
// Its value appears in URLs and store keys.
type Group string

// The status groups, in the order of the tabs.
const (
	Drafts         Group = "bozze"
	Sent           Group = "inviate"
	Processing     Group = "in-lavorazione"
	ToIntegrate    Group = "da-integrare"
	AcceptedGroup  Group = "accettate"
	RejectedGroup  Group = "rifiutate"
	WithdrawnGroup Group = "ritirate"
)

// Groups lists the groups in the order of the tabs.
var Groups = []Group{Drafts, Sent, Processing, ToIntegrate, AcceptedGroup, RejectedGroup, WithdrawnGroup}

var groupLabels = map[Group]string{
	Drafts:         "Bozze",
	Sent:           "Inviate",
	Processing:     "In lavorazione",
	ToIntegrate:    "Da integrare",
	AcceptedGroup:  "Accettate",
	RejectedGroup:  "Rifiutate",
	WithdrawnGroup: "Ritirate",
}

// Valid reports whether g is one of Groups.
func (g Group) Valid() bool { _, ok := groupLabels[g]; return ok }

// Label is the tab's title in Italian.
func (g Group) Label() string { return groupLabels[g] }
