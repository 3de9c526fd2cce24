package servizio

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"mime"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/formio"
	"github.com/stanzaportal/stanza/shared/store"
)

// Keys of forms in a Comune's scope (see the access patterns in package
// store). Definitions have a partition of their own, away from the service
// sheets: the catalogue reads the "services" partition whole, and a form
// can weigh a hundred times its sheet.
const (
	definitionsPK = "service-forms"
	libraryPK     = "form-library"
)

func definitionKey(slug string) store.Key { return store.Key{PK: definitionsPK, SK: slug} }
func libraryKey(id string) store.Key      { return store.Key{PK: libraryPK, SK: id} }

// Definition is how a citizen applies for a service: the Form.io form and
// the rules around it.
type Definition struct {
	// Form is the Form.io definition. Its top-level components are panels,
	// each one step of the application; the buttons the builder adds at
	// the end are allowed and ignored, since the citizen app draws its own.
	Form     json.RawMessage `json:"form"`
	Settings Settings        `json:"settings"`
}

// Settings are a service's rules for applications.
//
// MaxDrafts is 1 by default and 0 for no limit, which suits professional
// services such as a SCIA, where one firm files many at once. Only these
// two values are accepted: one draft is guarded by a slot on its own key
// (see package pratica), and a larger limit would need a counter per citizen
// and service that nothing keeps yet. The default is applied when settings
// are decoded from JSON; Go code sets MaxDrafts itself.
type Settings struct {
	MaxDrafts   int         `json:"maxDrafts"`
	Attachments Attachments `json:"attachments"`
	// Instructions are shown before the citizen starts, and accepted by
	// them as the first step: what to have at hand, deadlines, how the
	// application will be handled.
	Instructions string `json:"instructions"`
	// StepInstructions are shown above a step, by the key of its panel.
	StepInstructions map[string]string `json:"stepInstructions,omitempty"`
	// ProtocolRequired has a submitted application registered in the
	// Comune's protocol before an operator handles it.
	ProtocolRequired bool `json:"protocolRequired"`
}

// UnmarshalJSON applies the defaults of fields that JSON leaves out.
func (s *Settings) UnmarshalJSON(data []byte) error {
	type plain Settings // without this method
	p := plain{MaxDrafts: 1}
	if err := json.Unmarshal(data, &p); err != nil {
		return err
	}
	*s = Settings(p)
	return nil
}

// Attachments is what files a citizen may upload to an application, for
// the form's file fields and the attachments step together. The zero value
// allows none.
type Attachments struct {
	Types    []string `json:"types"`    // media types, e.g. "application/pdf", "application/pkcs7-mime" for .p7m
	MaxSize  int64    `json:"maxSize"`  // bytes, per file
	MaxFiles int      `json:"maxFiles"` // per application
}

// Limits on settings. Attachments are scanned documents, photos and plans:
// a file over 100 MB belongs in another channel, and every file is read
// again to check its type and digest.
const (
	MaxAttachmentSize  = 100 << 20
	MaxAttachments     = 100
	maxInstructionText = 20000 // characters of one instruction text
)

var formID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$`)

// validate checks settings against the parsed form they go with.
func (s Settings) validate(form *formio.Form) error {
	if s.MaxDrafts != 0 && s.MaxDrafts != 1 {
		return fault.New(fault.Invalid, "Il numero massimo di bozze deve essere 1, oppure 0 per nessun limite.")
	}
	if err := s.Attachments.validate(); err != nil {
		return err
	}
	if s.Attachments.MaxFiles == 0 && hasFileField(form.Components) {
		return fault.New(fault.Invalid, "Il modulo chiede dei file, ma il servizio non ammette allegati.")
	}
	if strings.TrimSpace(s.Instructions) == "" {
		return fault.New(fault.Invalid, "Le istruzioni del servizio sono obbligatorie.")
	}
	if utf8.RuneCountInString(s.Instructions) > maxInstructionText {
		return fault.New(fault.Invalid, "Le istruzioni possono avere al massimo %d caratteri.", maxInstructionText)
	}
	steps, err := steps(form)
	if err != nil {
		return err
	}
	for _, key := range slices.Sorted(maps.Keys(s.StepInstructions)) {
		text := s.StepInstructions[key]
		if !slices.Contains(steps, key) {
			return fault.New(fault.Invalid, "Ci sono istruzioni per il passo %q, che il modulo non ha.", key)
		}
		if utf8.RuneCountInString(text) > maxInstructionText {
			return fault.New(fault.Invalid, "Le istruzioni del passo %q possono avere al massimo %d caratteri.", key, maxInstructionText)
		}
	}
	return nil
}

func (a Attachments) validate() error {
	if a.MaxFiles < 0 || a.MaxFiles > MaxAttachments {
		return fault.New(fault.Invalid, "Il numero massimo di allegati deve essere tra 0 e %d.", MaxAttachments)
	}
	if a.MaxFiles == 0 {
		return nil
	}
	if a.MaxSize <= 0 || a.MaxSize > MaxAttachmentSize {
		return fault.New(fault.Invalid, "La dimensione massima di un allegato deve essere tra 1 e %d byte.", MaxAttachmentSize)
	}
	if len(a.Types) == 0 {
		return fault.New(fault.Invalid, "Indicare i tipi di file ammessi come allegati.")
	}
	for _, t := range a.Types {
		// A bare, lower-case type: the upload check compares it with the
		// declared and the detected type of each file as they are.
		mt, params, err := mime.ParseMediaType(t)
		if err != nil || len(params) > 0 || mt != t || !strings.Contains(t, "/") || strings.Contains(t, "*") {
			return fault.New(fault.Invalid, "Il tipo di file %q non è un tipo MIME valido, come application/pdf.", t)
		}
	}
	return nil
}

func hasFileField(cs []*formio.Component) bool {
	return slices.ContainsFunc(cs, func(c *formio.Component) bool {
		return c.Type == "file" || hasFileField(c.Components)
	})
}

// steps returns the keys of the form's panels, in order.
func steps(form *formio.Form) ([]string, error) {
	var keys []string
	for _, c := range form.Components {
		switch c.Type {
		case "button":
		case "panel":
			if c.Key == "" || slices.Contains(keys, c.Key) {
				return nil, fault.New(fault.Invalid, "Ogni pannello del modulo deve avere una chiave diversa dagli altri.")
			}
			keys = append(keys, c.Key)
		default:
			return nil, fault.New(fault.Invalid, "Il componente «%s» è fuori da un pannello: ogni passo del modulo è un pannello.", label(c))
		}
	}
	if len(keys) == 0 {
		return nil, fault.New(fault.Invalid, "Il modulo deve avere almeno un pannello.")
	}
	return keys, nil
}

func label(c *formio.Component) string {
	if c.Label != "" {
		return c.Label
	}
	return c.Key
}

// PutDefinition creates or replaces the form and settings of a service,
// published or not. The form is parsed against the Comune's form library:
// a form that uses an unsupported component, or includes a form the library
// does not have, is refused with formio's message.
func (c *Catalog) PutDefinition(ctx context.Context, service string, def Definition) error {
	snap, err := c.current(ctx)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(snap.services, func(e entry) bool { return e.Slug == service }) {
		return fault.New(fault.NotFound, "Il servizio %q non esiste.", service)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, def.Form); err != nil {
		return fault.Wrap(err, fault.Invalid, "La definizione del modulo non è un JSON valido o non ha la forma prevista.")
	}
	def.Form = compact.Bytes()
	form, err := formio.Parse(ctx, formio.Definition(def.Form), c.Library())
	if err != nil {
		return err
	}
	if err := def.Settings.validate(form); err != nil {
		return err
	}
	return c.putForm(ctx, definitionKey(service), def)
}

// Definition returns the form and settings of a service, with the form
// parsed and its nested forms resolved, ready to validate submissions. It
// returns a NotFound error when the service has no form.
func (c *Catalog) Definition(ctx context.Context, service string) (Definition, *formio.Form, error) {
	if !slug.MatchString(service) {
		return Definition{}, nil, fault.New(fault.NotFound, "Il servizio %q non ha un modulo.", service)
	}
	it, err := c.scope.Get(ctx, definitionKey(service))
	if fault.Is(err, fault.NotFound) {
		return Definition{}, nil, fault.Wrap(err, fault.NotFound, "Il servizio %q non ha un modulo.", service)
	}
	if err != nil {
		return Definition{}, nil, err
	}
	var def Definition
	if err := json.Unmarshal(it.Data, &def); err != nil {
		return Definition{}, nil, fault.Wrap(err, fault.Internal, "servizio: the form of %s is unreadable", service)
	}
	form, err := formio.Parse(ctx, formio.Definition(def.Form), c.Library())
	if err != nil {
		// It parsed when it was saved: a form of the library changed since.
		return Definition{}, nil, fault.Wrap(err, fault.Internal, "servizio: the form of %s no longer parses", service)
	}
	return def, form, nil
}

// Library is a Comune's form library: the blocks that service forms include
// by id (personal data, address, ...), as OpenCity builds its forms.
type Library struct {
	scope *store.Scope
}

var _ formio.Library = (*Library)(nil)

// Library returns the Comune's form library.
func (c *Catalog) Library() *Library { return &Library{scope: c.scope} }

// Form returns the definition stored under id, or a NotFound error.
func (l *Library) Form(ctx context.Context, id string) (formio.Definition, error) {
	if !formID.MatchString(id) {
		return nil, fault.New(fault.NotFound, "Il modulo %q non è nella raccolta dei moduli.", id)
	}
	it, err := l.scope.Get(ctx, libraryKey(id))
	if fault.Is(err, fault.NotFound) {
		return nil, fault.Wrap(err, fault.NotFound, "Il modulo %q non è nella raccolta dei moduli.", id)
	}
	if err != nil {
		return nil, err
	}
	return formio.Definition(it.Data), nil
}

// PutLibraryForm creates or replaces the library form id. The definition's
// "_id" is set to id, which is how nesting forms name it and how Parse
// recognises a form that includes itself. The form is parsed first, so an
// unsupported component, a missing nested form or a cycle is refused.
func (c *Catalog) PutLibraryForm(ctx context.Context, id string, def formio.Definition) error {
	if !formID.MatchString(id) {
		return fault.New(fault.Invalid, "L'identificativo del modulo %q non è valido: usare lettere, cifre, trattini e trattini bassi.", id)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(def, &fields); err != nil || fields == nil {
		return fault.New(fault.Invalid, "La definizione del modulo non è un JSON valido o non ha la forma prevista.")
	}
	fields["_id"], _ = json.Marshal(id)
	data, err := json.Marshal(fields)
	if err != nil {
		return err
	}
	if _, err := formio.Parse(ctx, data, c.Library()); err != nil {
		return err
	}
	return c.putForm(ctx, libraryKey(id), json.RawMessage(data))
}

func (c *Catalog) putForm(ctx context.Context, k store.Key, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if len(data) > store.MaxItemBytes {
		return fault.New(fault.TooLarge, "Il modulo è troppo grande: al massimo %d KB.", store.MaxItemBytes/1024)
	}
	_, err = c.scope.Put(ctx, store.Item{Key: k, Data: data}, store.Condition{})
	return err
}
