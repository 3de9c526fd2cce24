package pratica

import (
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/store"
)

// Queue is one of the operators' work lists. Its value appears in URLs and
// store keys.
type Queue string

// The queues, in the order of the back office's tabs.
const (
	Unassigned Queue = "da-assegnare" // open, nobody in charge
	InMyCharge Queue = "da-gestire"   // open, in charge of the operator who asks
	Concluded  Queue = "concluse"     // accepted, rejected or withdrawn
	AllQueue   Queue = "tutte"        // every submitted application
)

// Queues lists the queues in the order of the tabs.
var Queues = []Queue{Unassigned, InMyCharge, Concluded, AllQueue}

// Valid reports whether q is one of Queues.
func (q Queue) Valid() bool { return slices.Contains(Queues, q) }

// Holds reports whether a summary belongs to q for operator who.
func (q Queue) Holds(s Summary, who string) bool {
	if s.Status == Draft || !s.Status.Valid() {
		return false
	}
	switch q {
	case Unassigned:
		return s.Assignee == "" && !s.Status.Final()
	case InMyCharge:
		return who != "" && s.Assignee == who && !s.Status.Final()
	case Concluded:
		return s.Status.Final()
	case AllQueue:
		return true
	}
	return false
}

// Summary is an application as a queue lists it: enough to pick it, not
// its form data.
type Summary struct {
	ID        string `json:"id"`
	Service   string `json:"service"`
	Applicant string `json:"applicant"`
	// ApplicantName is empty for applications submitted before names
	// were recorded.
	ApplicantName string    `json:"applicantName,omitempty"`
	Status        Status    `json:"status"`
	Assignee      string    `json:"assignee,omitempty"`
	Office        string    `json:"office,omitempty"`
	Protocol      *Protocol `json:"protocol,omitempty"`
	SubmittedAt   time.Time `json:"submittedAt"`
	UpdatedAt     time.Time `json:"updatedAt"`
}

// Summary returns a's summary.
func (a Application) Summary() Summary {
	return Summary{ID: a.ID, Service: a.Service, Applicant: a.Applicant, ApplicantName: a.ApplicantName, Status: a.Status, Assignee: a.Assignee,
		Office: a.Office, Protocol: a.Protocol, SubmittedAt: a.SubmittedAt, UpdatedAt: a.UpdatedAt}
}

// SummaryPage is one page of a queue; Cursor is "" on the last one.
type SummaryPage struct {
	Items  []Summary
	Cursor string
}

// Keys of the queues' index items, in the Comune's scope. The application
// item has only two index keys, both taken (the citizen's tab and the
// service's status queue), so the queues are small items of their own,
// written by the QueueIndex handler from the change feed:
//
//   - PK "queue#<queue>", SK "<submission time>#<id>": the whole Comune's
//     queue, for admins and for operators who pick no service;
//   - PK "queue#<queue>#service#<slug>", SK the same: one service's queue;
//   - PK "queue#da-gestire#operator#<username>", SK the same: the
//     applications in one operator's charge;
//   - PK "search#applicant#<fiscal code>" and "search#protocol#<number>",
//     SK the same: exact-match search;
//   - PK "search#name#<first three letters of a word>", SK "<word>#<submission
//     time>#<id>": one per word of the applicant's name, for search by
//     the beginning of a name;
//   - PK "queue-counts", SK one of the service or operator partitions
//     above: its size, a counter.
func queuePartition(q Queue, service string) string {
	if service == "" {
		return "queue#" + string(q)
	}
	return "queue#" + string(q) + "#service#" + service
}

func chargePartition(username string) string {
	return "queue#" + string(InMyCharge) + "#operator#" + username
}

const countsPK = "queue-counts"

// countedPartition reports whether the size of partition pk is kept in a counter:
// those of one service or one operator, which an operator's counts add up.
func countedPartition(pk string) bool {
	return strings.Contains(pk, "#service#") || strings.Contains(pk, "#operator#")
}

// indexKeys returns the keys of the index items that list s.
func indexKeys(s Summary) []store.Key {
	if s.Status == Draft || !s.Status.Valid() {
		return nil
	}
	var pks []string
	for _, q := range []Queue{Unassigned, Concluded, AllQueue} {
		if q.Holds(s, "") {
			pks = append(pks, queuePartition(q, ""), queuePartition(q, s.Service))
		}
	}
	if InMyCharge.Holds(s, s.Assignee) {
		pks = append(pks, chargePartition(s.Assignee))
	}
	pks = append(pks, "search#applicant#"+s.Applicant)
	if s.Protocol != nil && s.Protocol.Number != "" {
		pks = append(pks, "search#protocol#"+s.Protocol.Number)
	}
	sk := store.TimeKey(s.SubmittedAt) + "#" + s.ID
	keys := make([]store.Key, len(pks))
	for i, pk := range pks {
		keys[i] = store.Key{PK: pk, SK: sk}
	}
	for _, w := range nameWords(s.ApplicantName) {
		if k, ok := nameKey(w, sk); ok && !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	return keys
}

// nameKey is the index item that lists an application under one word of
// its applicant's name: in the partition of the word's first letters, the
// word leads the sort key, so that a query by prefix finds every word that
// begins with what an operator typed. Words too short for a partition are
// found with the others.
func nameKey(word, sk string) (store.Key, bool) {
	if utf8.RuneCountInString(word) < minNameSearch {
		return store.Key{}, false
	}
	return store.Key{PK: "search#name#" + truncate(word, minNameSearch), SK: truncate(word, maxNameWord) + "#" + sk}, true
}

// QueueIndex is the worker handler that keeps the queues' index items and
// their counters: for every change of an application, it writes the index
// items of the new version (refreshing their summary) and deletes those
// only the old version had. Writes and deletes are idempotent; as with
// Counter, a failure half way makes the change come again and may count
// it twice, and the counts are a guide while the lists are exact.
type QueueIndex struct {
	db *store.DB
}

// NewQueueIndex returns the handler over db.
func NewQueueIndex(db *store.DB) *QueueIndex { return &QueueIndex{db: db} }

// Name implements worker.Handler.
func (h *QueueIndex) Name() string { return "pratica-queues" }

// Handle implements worker.Handler.
func (h *QueueIndex) Handle(ctx context.Context, ch store.Change) error {
	tenant, pk, ok := store.TenantOf(ch.Key.PK)
	if !ok || !strings.HasPrefix(pk, "application#") || ch.Key.SK != "application" {
		return nil
	}
	var before, after []store.Key
	var now Summary
	if ch.Old != nil {
		a, err := fromItem(*ch.Old)
		if err != nil {
			return err
		}
		before = indexKeys(a.Summary())
	}
	if ch.New != nil {
		a, err := fromItem(*ch.New)
		if err != nil {
			return err
		}
		now = a.Summary()
		after = indexKeys(now)
	}
	scope := h.db.Tenant(tenant)
	data, err := json.Marshal(now)
	if err != nil {
		return err
	}
	for _, k := range after {
		if _, err := scope.Put(ctx, store.Item{Key: k, Data: data}, store.Condition{}); err != nil {
			return err
		}
		if countedPartition(k.PK) && !slices.Contains(before, k) {
			if _, err := scope.Add(ctx, store.Key{PK: countsPK, SK: k.PK}, 1); err != nil {
				return err
			}
		}
	}
	for _, k := range before {
		if slices.Contains(after, k) {
			continue
		}
		if err := scope.Delete(ctx, k, store.Condition{}); err != nil {
			return err
		}
		if countedPartition(k.PK) {
			if _, err := scope.Add(ctx, store.Key{PK: countsPK, SK: k.PK}, -1); err != nil {
				return err
			}
		}
	}
	return nil
}

// Filter narrows a queue.
type Filter struct {
	Service string // one service's applications
	// Status keeps one status; it needs Service, since it is answered by
	// the service's status queue (GSI2).
	Status Status
	// From and Before bound the submission time: From <= t < Before.
	From, Before time.Time
	Newest       bool // newest submission first; the default is the longest waiting first
}

func staff(actor Actor) error {
	if actor.Role != Operator || actor.Subject == "" {
		return fault.New(fault.Forbidden, "Non hai i permessi per questa operazione.")
	}
	return nil
}

// Backlog returns one page of queue q as actor, an operator, sees it: only
// the services they are enabled for. Each page is one query: of the
// service's queue partition with Service, of the Comune's otherwise (an
// operator enabled for some services then gets pages thinned to those,
// possibly short, with the cursor going on), of GSI2 with Status.
func (s *Store) Backlog(ctx context.Context, tenant string, actor Actor, q Queue, f Filter, cursor string, limit int) (SummaryPage, error) {
	if err := staff(actor); err != nil {
		return SummaryPage{}, err
	}
	if !q.Valid() {
		return SummaryPage{}, fault.New(fault.Invalid, "La coda %q non esiste.", q)
	}
	if f.Service != "" {
		if !serviceSlug.MatchString(f.Service) {
			return SummaryPage{}, fault.New(fault.Invalid, "L'identificativo del servizio %q non è valido.", f.Service)
		}
		if allowed(actor, Application{Service: f.Service}) != nil {
			return SummaryPage{}, fault.New(fault.Forbidden, "Non sei abilitato al servizio %q.", f.Service)
		}
	}
	query := store.Query{Reverse: f.Newest, Limit: limit}
	if !f.From.IsZero() {
		query.From = store.TimeKey(f.From)
	}
	if !f.Before.IsZero() {
		// "~" sorts after "#<id>": every application of the last instant.
		query.To = store.TimeKey(f.Before.Add(-time.Nanosecond)) + "~"
	}
	if f.Status != 0 {
		if f.Service == "" {
			return SummaryPage{}, fault.New(fault.Invalid, "Per filtrare per stato indica anche il servizio.")
		}
		if !f.Status.Valid() || f.Status == Draft {
			return SummaryPage{}, fault.New(fault.Invalid, "Lo stato %d non è valido per una coda di lavoro.", int(f.Status))
		}
		query.Index, query.PK = store.GSI2, queuePK(f.Service, f.Status)
		p, err := s.page(ctx, tenant, query, cursor)
		if err != nil {
			return SummaryPage{}, err
		}
		out := SummaryPage{Items: []Summary{}, Cursor: p.Cursor}
		for _, a := range p.Applications {
			if sum := a.Summary(); q.Holds(sum, actor.Subject) {
				out.Items = append(out.Items, sum)
			}
		}
		return out, nil
	}
	switch {
	case q == InMyCharge:
		query.PK = chargePartition(actor.Subject)
	default:
		query.PK = queuePartition(q, f.Service)
	}
	p, err := s.db.Tenant(tenant).Query(ctx, query, cursor)
	if err != nil {
		return SummaryPage{}, err
	}
	return visible(actor, p, func(sum Summary) bool { return f.Service == "" || sum.Service == f.Service })
}

// visible decodes a page of index items and keeps what actor may see.
func visible(actor Actor, p store.Page, keep func(Summary) bool) (SummaryPage, error) {
	sums, err := store.Decode[Summary](p.Items)
	if err != nil {
		return SummaryPage{}, err
	}
	out := SummaryPage{Items: []Summary{}, Cursor: p.Cursor}
	for _, sum := range sums {
		if keep(sum) && allowed(actor, Application{Service: sum.Service}) == nil {
			out.Items = append(out.Items, sum)
		}
	}
	return out, nil
}

// QueueCounts returns how many applications each queue holds for actor,
// as the QueueIndex handler counts them: one query of the Comune's counters,
// added up over the services actor is enabled for.
func (s *Store) QueueCounts(ctx context.Context, tenant string, actor Actor) (map[Queue]int64, error) {
	if err := staff(actor); err != nil {
		return nil, err
	}
	items, err := s.db.Tenant(tenant).QueryAll(ctx, store.Query{PK: countsPK})
	if err != nil {
		return nil, err
	}
	counts := make(map[Queue]int64, len(Queues))
	for _, q := range Queues {
		counts[q] = 0
	}
	for _, it := range items {
		if it.Key.SK == chargePartition(actor.Subject) {
			counts[InMyCharge] += it.Counter
			continue
		}
		rest, ok := strings.CutPrefix(it.Key.SK, "queue#")
		if !ok {
			continue
		}
		q, service, ok := strings.Cut(rest, "#service#")
		if ok && Queue(q) != InMyCharge && Queue(q).Valid() && allowed(actor, Application{Service: service}) == nil {
			counts[Queue(q)] += it.Counter
		}
	}
	return counts, nil
}

var fiscalCode = regexp.MustCompile(`^[A-Z0-9]{16}$`)

// Search finds the applications actor may see by an exact application id,
// applicant's fiscal code or protocol number, or by the applicant's name:
// one lookup or one query. A text with a digit is a protocol number (every
// number format has one, no name does); other text is a name, each of whose
// words must begin one of the applicant's names ("ross mar" finds Mario
// Rossi). Names are found through an index item per word of
// the name (see nameKey); the query reads the items of the longest word and
// keeps the applications that match the other words too, so a page may be
// short.
func (s *Store) Search(ctx context.Context, tenant string, actor Actor, text, cursor string, limit int) (SummaryPage, error) {
	if err := staff(actor); err != nil {
		return SummaryPage{}, err
	}
	text = strings.TrimSpace(text)
	if text == "" || len(text) > 100 {
		return SummaryPage{}, fault.New(fault.Invalid, "Indica un identificativo di pratica, un codice fiscale, un numero di protocollo o il nome del richiedente.")
	}
	if store.IsID(text) {
		a, err := s.load(ctx, tenant, text)
		if fault.Is(err, fault.NotFound) || (err == nil && (a.Status == Draft || allowed(actor, a) != nil)) {
			return SummaryPage{Items: []Summary{}}, nil
		}
		if err != nil {
			return SummaryPage{}, err
		}
		return SummaryPage{Items: []Summary{a.Summary()}}, nil
	}
	var pk string
	switch upper := strings.ToUpper(text); {
	case fiscalCode.MatchString(upper):
		pk = "search#applicant#" + upper
	case strings.ContainsFunc(text, unicode.IsDigit):
		pk = "search#protocol#" + text
	default:
		words := nameWords(text)
		if len(words) == 0 {
			return SummaryPage{}, fault.New(fault.Invalid, "Indica un identificativo di pratica, un codice fiscale, un numero di protocollo o il nome del richiedente.")
		}
		longest := truncate(slices.MaxFunc(words, byLength), maxNameWord)
		if utf8.RuneCountInString(longest) < minNameSearch {
			return SummaryPage{}, fault.New(fault.Invalid, "Per cercare per nome scrivi almeno %d lettere di un nome o cognome.", minNameSearch)
		}
		k, _ := nameKey(longest, "")
		p, err := s.db.Tenant(tenant).Query(ctx, store.Query{PK: k.PK, Prefix: longest, Reverse: true, Limit: limit}, cursor)
		if err != nil {
			return SummaryPage{}, err
		}
		seen := map[string]bool{} // "Rossi Rossini" is listed twice under "ross"
		return visible(actor, p, func(sum Summary) bool {
			ok := !seen[sum.ID] && namesMatch(nameWords(sum.ApplicantName), words)
			seen[sum.ID] = true
			return ok
		})
	}
	p, err := s.db.Tenant(tenant).Query(ctx, store.Query{PK: pk, Reverse: true, Limit: limit}, cursor)
	if err != nil {
		return SummaryPage{}, err
	}
	return visible(actor, p, func(Summary) bool { return true })
}
