package httpapi

import (
	"maps"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/stanzaportal/stanza/shared/allegato"
	"github.com/stanzaportal/stanza/shared/auth"
	"github.com/stanzaportal/stanza/shared/blob"
	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/operatore"
	"github.com/stanzaportal/stanza/shared/pratica"
	"github.com/stanzaportal/stanza/shared/risposta"
	"github.com/stanzaportal/stanza/shared/routes"
)

// QueueItem is an application as the operators' queues list it.
type QueueItem struct {
	pratica.Summary
	StatusLabel string `json:"statusLabel"`
}

// QueueList is one page of an operators' queue, with the count of every
// queue the operator sees.
type QueueList struct {
	Items  []QueueItem             `json:"items"`
	Cursor string                  `json:"cursor,omitempty"`
	Counts map[pratica.Queue]int64 `json:"counts"`
}

// Assignee is a member of staff an application can be handed to, with
// the offices they work for: what a manager needs to choose, and no more
// of the account.
type Assignee struct {
	Username string       `json:"username"`
	Name     string       `json:"name"`
	Offices  []OfficeName `json:"offices"`
}

// OfficeName names an office, for people who cannot list the offices.
type OfficeName struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// AssigneeList is everyone an application can be reassigned to, by
// username.
type AssigneeList struct {
	Items []Assignee `json:"items"`
}

// NoteList is a page of an application's internal notes.
type NoteList struct {
	Items  []pratica.Note `json:"items"`
	Cursor string         `json:"cursor,omitempty"`
}

// transitionRequest asks for one event of the workflow. Version is the
// version the operator saw: with it, a change made in between is a
// conflict rather than silently overtaken.
type transitionRequest struct {
	Event    pratica.Event `json:"event"`
	Version  int64         `json:"version,omitempty"`
	Note     string        `json:"note,omitempty"`
	Assignee string        `json:"assignee,omitempty"`
	Office   string        `json:"office,omitempty"`
	// ResponseFile, with accept or reject, is an uploaded response file.
	ResponseFile string `json:"responseFile,omitempty"`
}

// ResponseFileUpload is a prepared response file and the request that
// uploads it.
type ResponseFileUpload struct {
	File   risposta.File      `json:"file"`
	Upload blob.SignedRequest `json:"upload"`
}

type noteRequest struct {
	Text string `json:"text"`
}

// staffEvents are the events operators ask for through the back office;
// the others belong to citizens and the worker.
var staffEvents = []pratica.Event{
	pratica.TakeInCharge, pratica.Reassign, pratica.RequestIntegration, pratica.Accept, pratica.Reject, pratica.Resume,
}

// queuePage bounds a page of a queue.
const queuePage = 25

// unseen turns a refusal to see an application into its absence: an
// operator learns nothing of the applications of services they do not
// handle, not even that they exist.
func unseen(err error) error {
	if fault.Is(err, fault.Forbidden) {
		return fault.New(fault.NotFound, "La pratica richiesta non esiste.")
	}
	return err
}

// backofficeEndpoints are the operators' queues, actions and internal
// notes, and the citizen's side of an integration they request.
func (s *Server) backofficeEndpoints() map[string]Endpoint {
	apps := s.deps.Applications
	if apps == nil || s.deps.Operators == nil {
		return nil
	}
	e := map[string]Endpoint{
		"GET /api/v1/tenants/{tenant}/backoffice/applications": {
			Response: QueueList{},
			Query: []Param{
				{"queue", "da-assegnare (default), da-gestire, concluse or tutte."},
				{"service", "Only this service's applications."},
				{"status", "Only this status (a numeric code); needs service."},
				{"from", "Submitted on or after this day (YYYY-MM-DD, UTC)."},
				{"to", "Submitted on or before this day (YYYY-MM-DD, UTC)."},
				{"order", "oldest (default: the longest waiting first) or newest."},
				{"q", "Exact application id, applicant's fiscal code or protocol number, or the beginning of the applicant's names (\"ross mar\"), in every queue; no other filter applies."},
				{"cursor", "The cursor of the previous page."},
			},
			Handler: handle(s.listQueue),
		},
		"GET /api/v1/tenants/{tenant}/backoffice/applications/{application}": {
			Response: ApplicationView{},
			Handler: handle(func(w http.ResponseWriter, r *http.Request) error {
				p := auth.FromContext(r.Context())
				a, err := apps.Get(r.Context(), r.PathValue("tenant"), pratica.ActorOf(p), r.PathValue("application"))
				if err != nil {
					return unseen(err)
				}
				writeJSON(w, http.StatusOK, view(a, p))
				return nil
			}),
		},
		"POST /api/v1/tenants/{tenant}/backoffice/applications/{application}/transitions": {
			Response: ApplicationView{},
			Handler:  handle(s.transition),
		},
		"GET /api/v1/tenants/{tenant}/backoffice/applications/{application}/assignees": {
			Response: AssigneeList{},
			Handler:  handle(s.assignees),
		},
		"GET /api/v1/tenants/{tenant}/backoffice/applications/{application}/notes": {
			Response: NoteList{},
			Query:    []Param{{"cursor", "The cursor of the previous page."}},
			Handler: handle(func(w http.ResponseWriter, r *http.Request) error {
				p := auth.FromContext(r.Context())
				notes, cursor, err := apps.Notes(r.Context(), r.PathValue("tenant"), pratica.ActorOf(p), r.PathValue("application"), r.URL.Query().Get("cursor"))
				if err != nil {
					return unseen(err)
				}
				writeJSON(w, http.StatusOK, NoteList{Items: notes, Cursor: cursor})
				return nil
			}),
		},
		"POST /api/v1/tenants/{tenant}/backoffice/applications/{application}/notes": {
			Response: pratica.Note{},
			Handler: handle(func(w http.ResponseWriter, r *http.Request) error {
				var req noteRequest
				if err := decodeJSON(r, &req); err != nil {
					return err
				}
				p := auth.FromContext(r.Context())
				n, err := apps.AddNote(r.Context(), r.PathValue("tenant"), pratica.ActorOf(p), r.PathValue("application"), req.Text)
				if err != nil {
					return unseen(err)
				}
				writeJSON(w, http.StatusCreated, n)
				return nil
			}),
		},
	}
	if s.deps.Archive != nil {
		e["POST /api/v1/tenants/{tenant}/backoffice/applications/{application}/response-file"] = Endpoint{
			Response: ResponseFileUpload{},
			Handler:  handle(s.prepareResponseFile),
		}
	}
	// The citizen answers an operator's request for integration: the
	// other half of the same exchange, registered here with it.
	maps.Copy(e, s.integrationEndpoints())
	return e
}

// listQueue answers a page of a queue, or of a search.
func (s *Server) listQueue(w http.ResponseWriter, r *http.Request) error {
	p := auth.FromContext(r.Context())
	tenant := r.PathValue("tenant")
	if _, err := s.tenants.Get(r.Context(), tenant); err != nil {
		return err
	}
	actor := pratica.ActorOf(p)
	q := r.URL.Query()
	var (
		page pratica.SummaryPage
		err  error
	)
	if text := q.Get("q"); q.Has("q") {
		for _, other := range []string{"queue", "service", "status", "from", "to", "order"} {
			if q.Has(other) {
				return fault.New(fault.Invalid, "La ricerca vale per tutte le pratiche: non si combina con il parametro %q.", other)
			}
		}
		page, err = s.deps.Applications.Search(r.Context(), tenant, actor, text, q.Get("cursor"), queuePage)
	} else {
		queue := pratica.Unassigned
		if v := q.Get("queue"); v != "" {
			queue = pratica.Queue(v)
		}
		var f pratica.Filter
		if f, err = queueFilter(q.Get); err != nil {
			return err
		}
		page, err = s.deps.Applications.Backlog(r.Context(), tenant, actor, queue, f, q.Get("cursor"), queuePage)
	}
	if err != nil {
		return err
	}
	counts, err := s.deps.Applications.QueueCounts(r.Context(), tenant, actor)
	if err != nil {
		return err
	}
	out := QueueList{Items: make([]QueueItem, 0, len(page.Items)), Cursor: page.Cursor, Counts: counts}
	for _, sum := range page.Items {
		out.Items = append(out.Items, QueueItem{Summary: sum, StatusLabel: sum.Status.Label()})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// queueFilter reads the filters of a queue from the query parameters. Days
// are UTC days, as the stored submission times.
func queueFilter(get func(string) string) (pratica.Filter, error) {
	f := pratica.Filter{Service: get("service")}
	if v := get("status"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || !pratica.Status(n).Valid() {
			return f, fault.New(fault.Invalid, "Lo stato %q non esiste.", v)
		}
		f.Status = pratica.Status(n)
	}
	day := func(name string) (time.Time, error) {
		v := get(name)
		if v == "" {
			return time.Time{}, nil
		}
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			return t, fault.New(fault.Invalid, "Il parametro %q deve essere una data nella forma AAAA-MM-GG.", name)
		}
		return t, nil
	}
	var err error
	if f.From, err = day("from"); err != nil {
		return f, err
	}
	to, err := day("to")
	if err != nil {
		return f, err
	}
	if !to.IsZero() {
		f.Before = to.AddDate(0, 0, 1)
	}
	if !f.From.IsZero() && !f.Before.IsZero() && !f.From.Before(f.Before) {
		return f, fault.New(fault.Invalid, "La data iniziale viene dopo quella finale.")
	}
	switch get("order") {
	case "", "oldest":
	case "newest":
		f.Newest = true
	default:
		return f, fault.New(fault.Invalid, "L'ordine %q non esiste: usa oldest o newest.", get("order"))
	}
	return f, nil
}

// transition performs an operator's event through the workflow. Of
// operators racing on one application exactly one wins; the others get a
// Conflict from the store's version check.
func (s *Server) transition(w http.ResponseWriter, r *http.Request) error {
	var req transitionRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if !slices.Contains(staffEvents, req.Event) {
		return fault.New(fault.Invalid, "L'operazione %q non esiste nel back office.", req.Event)
	}
	if req.Version < 0 {
		return fault.New(fault.Invalid, "La versione non può essere negativa.")
	}
	tenant := r.PathValue("tenant")
	p := auth.FromContext(r.Context())
	actor := pratica.ActorOf(p)
	in := pratica.Input{Version: req.Version, Note: req.Note}
	if req.Event == pratica.Reassign {
		a, err := s.deps.Applications.Get(r.Context(), tenant, actor, r.PathValue("application"))
		if err != nil {
			return unseen(err)
		}
		if err := s.mayReassign(r, tenant, p, a); err != nil {
			return err
		}
		if err := s.checkAssignee(r, tenant, a.Service, req.Assignee, req.Office); err != nil {
			return err
		}
		in.Assignee, in.Office = req.Assignee, req.Office
		// The permission holds for the version read: if the application
		// changes hands meanwhile, the reassignment is a conflict rather
		// than decided on who held it before.
		if in.Version == 0 {
			in.Version = a.Version
		}
	} else if req.Assignee != "" || req.Office != "" {
		return fault.New(fault.Invalid, "Questa operazione non prevede un'assegnazione: usa reassign.")
	}
	if req.ResponseFile != "" {
		if req.Event != pratica.Accept && req.Event != pratica.Reject {
			return fault.New(fault.Invalid, "Un file di risposta si allega solo accettando o rifiutando la pratica.")
		}
		if s.deps.Archive == nil {
			return fault.New(fault.Unimplemented, "I file di risposta non sono disponibili.")
		}
		// Seeing the application first: an operator learns nothing of
		// the files of applications they cannot see.
		if _, err := s.deps.Applications.Get(r.Context(), tenant, actor, r.PathValue("application")); err != nil {
			return unseen(err)
		}
		if _, err := risposta.CheckFile(r.Context(), s.deps.DB, s.deps.Archive, tenant, r.PathValue("application"), req.ResponseFile); err != nil {
			return err
		}
		in.ResponseFile = req.ResponseFile
	}
	a, err := s.deps.Applications.Apply(r.Context(), tenant, actor, r.PathValue("application"), req.Event, in)
	if err != nil {
		return unseen(err)
	}
	writeJSON(w, http.StatusOK, view(a, p))
	return nil
}

// mayReassign lets admins reassign any application, and an operator the
// applications of an office they manage: the office the application is
// assigned to when it has one, otherwise any office its assignee works
// for. The operator may see the application, so a refusal is Forbidden.
func (s *Server) mayReassign(r *http.Request, tenant string, p auth.Principal, a pratica.Application) error {
	if p.Role == routes.Admin {
		return nil
	}
	managed, err := s.offices.Managed(r.Context(), tenant, p.Subject)
	if err != nil {
		return err
	}
	inCharge := []string{a.Office}
	if a.Office == "" && a.Assignee != "" && len(managed) > 0 {
		op, err := s.deps.Operators.Get(r.Context(), tenant, a.Assignee)
		if err != nil && !fault.Is(err, fault.NotFound) {
			return err
		}
		inCharge = op.Offices
	}
	for _, o := range inCharge {
		if o != "" && slices.Contains(managed, o) {
			return nil
		}
	}
	return fault.New(fault.Forbidden, "Solo un amministratore o un responsabile dell'ufficio che ha in carico la pratica può riassegnarla.")
}

// assignees lists whom the caller may hand an application to: those the
// reassignment would accept, so that choosing from the list cannot fail on
// the choice. Only who may reassign the application gets the list.
func (s *Server) assignees(w http.ResponseWriter, r *http.Request) error {
	tenant := r.PathValue("tenant")
	p := auth.FromContext(r.Context())
	a, err := s.deps.Applications.Get(r.Context(), tenant, pratica.ActorOf(p), r.PathValue("application"))
	if err != nil {
		return unseen(err)
	}
	if err := s.mayReassign(r, tenant, p, a); err != nil {
		return err
	}
	staff, err := s.deps.Operators.List(r.Context(), tenant)
	if err != nil {
		return err
	}
	offices, err := s.offices.List(r.Context(), tenant)
	if err != nil {
		return err
	}
	names := make(map[string]string, len(offices))
	for _, o := range offices {
		names[o.ID] = o.Name
	}
	out := AssigneeList{Items: []Assignee{}}
	for _, op := range staff {
		if mayTake(op, a.Service) != nil {
			continue
		}
		as := Assignee{Username: op.Username, Name: op.Name, Offices: []OfficeName{}}
		for _, id := range op.Offices {
			// An office removed from the records is no longer one to
			// assign the application to.
			if name, ok := names[id]; ok {
				as.Offices = append(as.Offices, OfficeName{ID: id, Name: name})
			}
		}
		out.Items = append(out.Items, as)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// mayTake refuses an account that could not work on an application of
// service: a disabled one, or an operator not enabled for the service.
func mayTake(op operatore.Operator, service string) error {
	switch {
	case op.Disabled:
		return fault.New(fault.Invalid, "L'operatore %q è disabilitato.", op.Username)
	case op.Role != operatore.RoleAdmin && !slices.Contains(op.Services, service):
		return fault.New(fault.Invalid, "L'operatore %q non è abilitato a questo servizio.", op.Username)
	}
	return nil
}

// checkAssignee refuses to hand an application of service to someone who
// could not work on it.
func (s *Server) checkAssignee(r *http.Request, tenant, service, username, office string) error {
	if username == "" {
		return fault.New(fault.Invalid, "Indica l'operatore a cui assegnare la pratica.")
	}
	op, err := s.deps.Operators.Get(r.Context(), tenant, username)
	if fault.Is(err, fault.NotFound) {
		return fault.New(fault.Invalid, "L'operatore %q non esiste.", username)
	}
	if err != nil {
		return err
	}
	if office != "" {
		if err := s.offices.Require(r.Context(), tenant, []string{office}); err != nil {
			return err
		}
	}
	if err := mayTake(op, service); err != nil {
		return err
	}
	if office != "" && !slices.Contains(op.Offices, office) {
		return fault.New(fault.Invalid, "L'operatore %q non lavora per l'ufficio %q.", username, office)
	}
	return nil
}

// prepareResponseFile records a response file the operator is about to
// upload for an application they may see, and signs its upload.
func (s *Server) prepareResponseFile(w http.ResponseWriter, r *http.Request) error {
	var req responseFileRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	tenant, id := r.PathValue("tenant"), r.PathValue("application")
	a, err := s.deps.Applications.Get(r.Context(), tenant, pratica.ActorOf(auth.FromContext(r.Context())), id)
	if err != nil {
		return unseen(err)
	}
	f, up, err := risposta.PrepareFile(r.Context(), s.deps.DB, s.deps.Archive, tenant, a.ID,
		allegato.Declared{FileName: req.FileName, MediaType: req.MediaType, Size: req.Size})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, ResponseFileUpload{File: f, Upload: up})
	return nil
}

type responseFileRequest struct {
	FileName  string `json:"fileName"`
	MediaType string `json:"mediaType"`
	Size      int64  `json:"size"`
}
