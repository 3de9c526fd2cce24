package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"golang.org/x/text/language"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/formio"
	"github.com/stanzaportal/stanza/shared/i18n"
)

// Problem is an RFC 9457 problem details object.
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance,omitempty"`
	// Errors lists the fields of a form that are wrong, each with where it
	// is and what to fix: an RFC 9457 extension member.
	Errors []FieldProblem `json:"errors,omitempty"`
}

// FieldProblem is one wrong field of a submitted form.
type FieldProblem struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

// FieldErrors is the cause of an Invalid error about a form's fields; the
// problem lists them in the caller's language.
type FieldErrors []formio.FieldError

func (f FieldErrors) Error() string { return fmt.Sprintf("%d invalid fields", len(f)) }

// problemStatus is the one table from error codes to HTTP statuses and titles.
var problemStatus = map[fault.Code]struct {
	status int
	title  string
}{
	fault.Invalid:              {http.StatusBadRequest, "Richiesta non valida"},
	fault.Unauthorized:         {http.StatusUnauthorized, "Accesso richiesto"},
	fault.Forbidden:            {http.StatusForbidden, "Accesso negato"},
	fault.NotFound:             {http.StatusNotFound, "Risorsa non trovata"},
	fault.MethodNotAllowed:     {http.StatusMethodNotAllowed, "Metodo non consentito"},
	fault.Conflict:             {http.StatusConflict, "Conflitto con lo stato attuale"},
	fault.TooLarge:             {http.StatusRequestEntityTooLarge, "Contenuto troppo grande"},
	fault.UnsupportedMediaType: {http.StatusUnsupportedMediaType, "Formato del contenuto non supportato"},
	fault.TooManyRequests:      {http.StatusTooManyRequests, "Troppe richieste"},
	fault.Unimplemented:        {http.StatusNotImplemented, "Funzione non ancora disponibile"},
	fault.Internal:             {http.StatusInternalServerError, "Errore interno"},
}

// problemType is the problem's type URI: one per error code.
func problemType(code fault.Code) string { return "urn:stanza:problem:" + string(code) }

// Error writes err as application/problem+json in the request's language.
// Internal errors are logged with the request id and shown only as a
// generic message that carries that id, never their text.
func Error(w http.ResponseWriter, r *http.Request, err error) {
	writeProblem(w, problemOf(r, err))
}

// problemOf describes err for the request's caller, logging it when it is
// internal.
func problemOf(r *http.Request, err error) Problem {
	code := fault.CodeOf(err)
	entry, ok := problemStatus[code]
	if !ok {
		code, entry = fault.Internal, problemStatus[fault.Internal]
	}
	lang := i18n.Negotiate(r)
	id := RequestID(r.Context())
	p := Problem{
		Type:     problemType(code),
		Title:    i18n.Sprintf(lang, entry.title),
		Status:   entry.status,
		Instance: "urn:stanza:request:" + id,
	}
	if code == fault.Internal {
		Logger(r.Context()).Error("internal error", slog.String("error", err.Error()))
		p.Detail = i18n.Sprintf(lang, "Si è verificato un errore imprevisto. Riprova più tardi; se il problema persiste, comunica al Comune il codice %s.", id)
	} else {
		p.Detail = detail(lang, err)
		var fields FieldErrors
		if errors.As(err, &fields) {
			for _, f := range fields {
				p.Errors = append(p.Errors, FieldProblem{Path: f.Path, Message: f.Localize(lang)})
			}
		}
	}
	return p
}

func detail(lang language.Tag, err error) string {
	var fe *fault.Error
	if !errors.As(err, &fe) {
		return ""
	}
	return i18n.Sprintf(lang, fe.Message, fe.Args...)
}

func writeProblem(w http.ResponseWriter, p Problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// writeJSON writes v as a JSON response with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
