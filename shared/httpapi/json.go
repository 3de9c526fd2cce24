package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"

	"github.com/stanzaportal/stanza/shared/fault"
)

// maxJSONBody bounds a JSON request body: every form of the API fits well
// within it, and a larger body is a mistake or an attack.
const maxJSONBody = 64 << 10

// decodeJSON reads r's body into v strictly: the body must be declared as
// application/json, hold exactly one JSON value within maxJSONBody, and name
// only fields v has. A misspelt field is refused rather than ignored, so a
// client never believes it changed something it did not. Every failure is a
// fault error that says what is wrong in terms the caller can fix.
func decodeJSON(r *http.Request, v any) error {
	mediaType, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mediaType != "application/json" {
		return fault.New(fault.UnsupportedMediaType, "Il corpo della richiesta deve essere in formato JSON (Content-Type: application/json).")
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return fault.New(fault.UnsupportedMediaType, "Il corpo della richiesta deve essere codificato in UTF-8.")
	}
	if r.Body == nil {
		return fault.New(fault.Invalid, "Il corpo della richiesta è vuoto.")
	}
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, maxJSONBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonFault(err)
	}
	if err := dec.Decode(&json.RawMessage{}); err != io.EOF {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return jsonFault(err)
		}
		return fault.New(fault.Invalid, "Il corpo della richiesta deve contenere un solo valore JSON.")
	}
	return nil
}

// jsonFault turns an error of encoding/json into a message for the caller.
func jsonFault(err error) error {
	var (
		syntax    *json.SyntaxError
		wrongType *json.UnmarshalTypeError
		tooLarge  *http.MaxBytesError
	)
	switch {
	case errors.As(err, &tooLarge):
		return fault.Wrap(err, fault.TooLarge, "Il corpo della richiesta supera la dimensione massima di %d KiB.", maxJSONBody>>10)
	case errors.Is(err, io.EOF):
		return fault.Wrap(err, fault.Invalid, "Il corpo della richiesta è vuoto.")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fault.Wrap(err, fault.Invalid, "Il corpo della richiesta è un JSON incompleto.")
	case errors.As(err, &syntax):
		return fault.Wrap(err, fault.Invalid, "Il corpo della richiesta non è un JSON valido (errore al carattere %d).", syntax.Offset)
	case errors.As(err, &wrongType):
		return typeFault(err, wrongType)
	}
	// encoding/json reports an unknown field only as text.
	if field, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return fault.Wrap(err, fault.Invalid, "Il campo %s non è previsto.", field)
	}
	return fault.Wrap(err, fault.Invalid, "Il corpo della richiesta non è valido.")
}

// typeFault names the field with a value of the wrong type and the kind of
// value it takes.
func typeFault(err error, e *json.UnmarshalTypeError) error {
	if e.Field == "" {
		return fault.Wrap(err, fault.Invalid, "Il corpo della richiesta non ha la forma prevista.")
	}
	switch e.Type.Kind() {
	case reflect.String:
		return fault.Wrap(err, fault.Invalid, "Il campo %q deve essere un testo.", e.Field)
	case reflect.Bool:
		return fault.Wrap(err, fault.Invalid, "Il campo %q deve essere true o false.", e.Field)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return fault.Wrap(err, fault.Invalid, "Il campo %q deve essere un numero intero nei limiti consentiti.", e.Field)
	case reflect.Float32, reflect.Float64:
		return fault.Wrap(err, fault.Invalid, "Il campo %q deve essere un numero.", e.Field)
	case reflect.Slice, reflect.Array:
		return fault.Wrap(err, fault.Invalid, "Il campo %q deve essere un elenco.", e.Field)
	case reflect.Map, reflect.Struct:
		return fault.Wrap(err, fault.Invalid, "Il campo %q deve essere un oggetto.", e.Field)
	}
	return fault.Wrap(err, fault.Invalid, "Il campo %q ha un valore del tipo sbagliato.", e.Field)
}
