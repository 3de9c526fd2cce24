package httpapi

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/stanzaportal/stanza/shared/auth"
	"github.com/stanzaportal/stanza/shared/cittadino"
	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/pratica"
	"github.com/stanzaportal/stanza/shared/routes"
	"github.com/stanzaportal/stanza/shared/servizio"
)

// ServiceForm is what a citizen's browser needs to fill a service's
// application: the Form.io definition, with its nested forms given inline,
// and the service's settings.
type ServiceForm struct {
	Service  string            `json:"service"`
	Form     json.RawMessage   `json:"form"`
	Settings servizio.Settings `json:"settings"`
}

// ApplicationView is an application as the API shows it, with its status
// in words.
type ApplicationView struct {
	pratica.Application
	StatusLabel string        `json:"statusLabel"`
	Group       pratica.Group `json:"group"`
}

// ApplicationList is one page of a citizen's applications in a status
// group, with the count of every group.
type ApplicationList struct {
	Items  []ApplicationView       `json:"items"`
	Cursor string                  `json:"cursor,omitempty"`
	Counts map[pratica.Group]int64 `json:"counts"`
}

type startRequest struct {
	Service string `json:"service"`
}

type saveRequest struct {
	Version int64           `json:"version"`
	Step    int             `json:"step"`
	Data    json.RawMessage `json:"data,omitempty"`
}

type notesRequest struct {
	Notes string `json:"notes"`
}

// submitRequest is the citizen's explicit confirmation, after the review
// step, that the application is to be sent as it is.
type submitRequest struct {
	Confirmed bool `json:"confirmed"`
}

type withdrawRequest struct {
	Version int64  `json:"version"`
	Note    string `json:"note,omitempty"`
}

func view(a pratica.Application, p auth.Principal) ApplicationView {
	if p.Role == routes.Citizen {
		a = a.ForCitizen()
	} else {
		a = a.ForStaff()
	}
	return ApplicationView{Application: a, StatusLabel: a.Status.Label(), Group: a.Status.Group()}
}

// listPage bounds a page of "Le mie pratiche".
const listPage = 20

// receiptLinkTTL is how long a receipt's download link works.
const receiptLinkTTL = 5 * time.Minute

func (s *Server) applicationEndpoints() map[string]Endpoint {
	apps := s.deps.Applications
	if apps == nil || s.deps.Accounts == nil || s.deps.Terms == nil || s.deps.Archive == nil {
		return nil
	}
	return map[string]Endpoint{
		"GET /api/v1/tenants/{tenant}/services/{service}/form": {
			Response: ServiceForm{},
			Cache:    "public, max-age=60",
			Handler: handle(func(w http.ResponseWriter, r *http.Request) error {
				c, err := s.tenants.Get(r.Context(), r.PathValue("tenant"))
				if err != nil {
					return err
				}
				cat := s.catalog(c.ID)
				svc, err := cat.Service(r.Context(), r.PathValue("service"))
				if err != nil {
					return err
				}
				def, _, err := cat.Definition(r.Context(), svc.Slug)
				if err != nil {
					return err
				}
				form, err := inlineForms(r.Context(), cat.Library(), def.Form)
				if err != nil {
					return err
				}
				writeJSON(w, http.StatusOK, ServiceForm{Service: svc.Slug, Form: form, Settings: def.Settings})
				return nil
			}),
		},
		"GET /api/v1/tenants/{tenant}/applications": {
			Response: ApplicationList{},
			Query: []Param{
				{"group", "Status group: bozze (default), inviate, in-lavorazione, da-integrare, accettate, rifiutate, ritirate."},
				{"cursor", "The cursor of the previous page."},
			},
			Handler: handle(func(w http.ResponseWriter, r *http.Request) error {
				p := auth.FromContext(r.Context())
				if p.Role != routes.Citizen {
					return fault.New(fault.Unimplemented, "Questa funzione del portale non è ancora disponibile.")
				}
				tenant := r.PathValue("tenant")
				if _, err := s.tenants.Get(r.Context(), tenant); err != nil {
					return err
				}
				group := pratica.Drafts
				if g := r.URL.Query().Get("group"); g != "" {
					group = pratica.Group(g)
				}
				if !group.Valid() {
					return fault.New(fault.Invalid, "Il gruppo di pratiche %q non esiste.", group)
				}
				actor := pratica.ActorOf(p)
				page, err := apps.Mine(r.Context(), tenant, actor, group, r.URL.Query().Get("cursor"), listPage)
				if err != nil {
					return err
				}
				counts, err := apps.Counts(r.Context(), tenant, actor)
				if err != nil {
					return err
				}
				out := ApplicationList{Items: []ApplicationView{}, Cursor: page.Cursor, Counts: counts}
				for _, a := range page.Applications {
					out.Items = append(out.Items, view(a, p))
				}
				writeJSON(w, http.StatusOK, out)
				return nil
			}),
		},
		"POST /api/v1/tenants/{tenant}/applications": {
			Response: ApplicationView{},
			Handler: handle(func(w http.ResponseWriter, r *http.Request) error {
				var req startRequest
				if err := decodeJSON(r, &req); err != nil {
					return err
				}
				c, err := s.tenants.Get(r.Context(), r.PathValue("tenant"))
				if err != nil {
					return err
				}
				cat := s.catalog(c.ID)
				svc, err := cat.Service(r.Context(), req.Service)
				if err != nil {
					return err
				}
				def, _, err := cat.Definition(r.Context(), svc.Slug)
				if err != nil {
					return err
				}
				p := auth.FromContext(r.Context())
				d, err := cittadino.CheckAccess(r.Context(), s.deps.Accounts, s.deps.Terms, p, c.ID, svc.AuthLevel)
				if err != nil {
					return err
				}
				if !d.Allowed {
					return d.Cause
				}
				a, resumed, err := apps.Start(r.Context(), c.ID, pratica.ActorOf(p), svc.Slug, def.Settings.MaxDrafts != 1)
				if err != nil {
					return err
				}
				status := http.StatusCreated
				if resumed {
					status = http.StatusOK
				}
				writeJSON(w, status, view(a, p))
				return nil
			}),
		},
		"GET /api/v1/tenants/{tenant}/applications/{application}": {
			Response: ApplicationView{},
			Handler: handle(func(w http.ResponseWriter, r *http.Request) error {
				p := auth.FromContext(r.Context())
				a, err := apps.Get(r.Context(), r.PathValue("tenant"), pratica.ActorOf(p), r.PathValue("application"))
				if err != nil {
					return err
				}
				writeJSON(w, http.StatusOK, view(a, p))
				return nil
			}),
		},
		"PATCH /api/v1/tenants/{tenant}/applications/{application}": {
			Response: ApplicationView{},
			Handler: handle(func(w http.ResponseWriter, r *http.Request) error {
				var req saveRequest
				if err := decodeJSON(r, &req); err != nil {
					return err
				}
				if req.Version <= 0 {
					return fault.New(fault.Invalid, "Indica la versione della bozza che stai modificando (campo version).")
				}
				p := auth.FromContext(r.Context())
				a, err := apps.SaveDraft(r.Context(), r.PathValue("tenant"), pratica.ActorOf(p), r.PathValue("application"),
					pratica.Autosave{Version: req.Version, Step: req.Step, Data: req.Data})
				if err != nil {
					return err
				}
				writeJSON(w, http.StatusOK, view(a, p))
				return nil
			}),
		},
		"POST /api/v1/tenants/{tenant}/applications/{application}/submission": {
			Response: ApplicationView{},
			Handler:  handle(s.submit),
		},
		"POST /api/v1/tenants/{tenant}/applications/{application}/withdrawal": {
			Response: ApplicationView{},
			Handler: handle(func(w http.ResponseWriter, r *http.Request) error {
				var req withdrawRequest
				if err := decodeJSON(r, &req); err != nil {
					return err
				}
				p := auth.FromContext(r.Context())
				a, err := apps.Apply(r.Context(), r.PathValue("tenant"), pratica.ActorOf(p), r.PathValue("application"),
					pratica.Withdraw, pratica.Input{Version: req.Version, Note: req.Note})
				if err != nil {
					return err
				}
				writeJSON(w, http.StatusOK, view(a, p))
				return nil
			}),
		},
		"GET /api/v1/tenants/{tenant}/applications/{application}/receipt": {
			Produces: "application/pdf",
			Handler: handle(func(w http.ResponseWriter, r *http.Request) error {
				p := auth.FromContext(r.Context())
				a, err := apps.Get(r.Context(), r.PathValue("tenant"), pratica.ActorOf(p), r.PathValue("application"))
				if err != nil {
					return err
				}
				if a.Status == pratica.Draft {
					// A draft has no receipt coming: saying "in preparation"
					// would have the page wait for nothing.
					return fault.New(fault.Conflict, "La ricevuta è disponibile solo dopo l'invio della pratica.")
				}
				return s.redirectToReceipt(w, r, a)
			}),
		},
		"PUT /api/v1/tenants/{tenant}/applications/{application}/notes": {
			Response: ApplicationView{},
			Handler: handle(func(w http.ResponseWriter, r *http.Request) error {
				var req notesRequest
				if err := decodeJSON(r, &req); err != nil {
					return err
				}
				p := auth.FromContext(r.Context())
				a, err := apps.SetNotes(r.Context(), r.PathValue("tenant"), pratica.ActorOf(p), r.PathValue("application"), req.Notes)
				if err != nil {
					return err
				}
				writeJSON(w, http.StatusOK, view(a, p))
				return nil
			}),
		},
	}
}

// submit validates the draft's data against the service's form once more,
// then freezes the cleaned data: hidden fields and unknown keys are not kept.
func (s *Server) submit(w http.ResponseWriter, r *http.Request) error {
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		return fault.New(fault.Invalid, "L'invio richiede l'intestazione Idempotency-Key, così che ripeterlo non crei una seconda pratica.")
	}
	if err := pratica.CheckIdempotencyKey(key); err != nil {
		return err
	}
	var req submitRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if !req.Confirmed {
		return fault.New(fault.Invalid, "Conferma di voler inviare la pratica così com'è (campo confirmed).")
	}
	tenant := r.PathValue("tenant")
	p := auth.FromContext(r.Context())
	actor := pratica.ActorOf(p)
	apps := s.deps.Applications
	a, err := apps.Get(r.Context(), tenant, actor, r.PathValue("application"))
	if err != nil {
		return err
	}
	if a.Status != pratica.Draft {
		// A repeated submission answers as the first did; anything else is
		// refused by Submit with a clear conflict.
		a, err = apps.Submit(r.Context(), tenant, actor, a.ID, key, json.RawMessage(`{}`))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, view(a, p))
		return nil
	}
	cat := s.catalog(tenant)
	svc, err := cat.Service(r.Context(), a.Service)
	if err != nil {
		return err
	}
	d, err := cittadino.CheckAccess(r.Context(), s.deps.Accounts, s.deps.Terms, p, tenant, svc.AuthLevel)
	if err != nil {
		return err
	}
	if !d.Allowed {
		return d.Cause
	}
	_, form, err := cat.Definition(r.Context(), svc.Slug)
	if err != nil {
		return err
	}
	var data any = map[string]any{}
	if len(a.Data) > 0 {
		if err := json.Unmarshal(a.Data, &data); err != nil {
			return err
		}
	}
	account, err := s.deps.Accounts.Get(r.Context(), p.Subject)
	if err != nil {
		return err
	}
	lockIdentity(data, account)
	clean, problems := form.Validate(data)
	if len(problems) > 0 {
		return fault.Wrap(FieldErrors(problems), fault.Invalid, "Campi del modulo da correggere: %d.", len(problems))
	}
	frozen, err := json.Marshal(clean)
	if err != nil {
		return err
	}
	a, err = apps.Submit(r.Context(), tenant, actor, a.ID, key, frozen)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, view(a, p))
	return nil
}

// lockIdentity writes the citizen's identity, as SPID or CIE asserted it,
// into the applicant block of the data (the "anagrafica" blocks of the
// Comune's form library: key "applicant", with "completename", "fiscal_code"
// and "born"), whatever the browser sent: a citizen applies in their own
// name. A form without those blocks drops the keys when it is validated.
func lockIdentity(data any, a cittadino.Account) {
	root, ok := data.(map[string]any)
	if !ok {
		return
	}
	block := func(parent map[string]any, key string) map[string]any {
		outer, _ := parent[key].(map[string]any)
		if outer == nil {
			outer = map[string]any{}
			parent[key] = outer
		}
		inner, _ := outer["data"].(map[string]any)
		if inner == nil {
			inner = map[string]any{}
			outer["data"] = inner
		}
		return inner
	}
	applicant := block(root, "applicant")
	name := block(applicant, "completename")
	name["name"], name["surname"] = a.Name, a.FamilyName
	block(applicant, "fiscal_code")["fiscal_code"] = a.FiscalCode
	if born, err := time.Parse(time.DateOnly, a.DateOfBirth); err == nil {
		block(applicant, "born")["birth_date"] = born.Format("02/01/2006")
	}
}
