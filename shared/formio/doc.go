// Package formio checks submissions of Form.io forms on the server.
//
// The citizen app renders a service's Form.io definition and validates it in
// the browser; nothing the browser says can be trusted, so the data of every
// saved step and of the final submission is validated again here, against
// the same definition, before it is stored or frozen.
//
// Parse reads a definition (JSON, as the Form.io builder saves it, with all
// its default keys) into a tree of components, resolving nested forms from
// the Comune's form Library. A definition that uses a component this package
// does not understand is refused at that point, with a message that names
// the component's type and key: an unknown component would otherwise let any
// data through. Form.Validate then checks a submission and returns the
// cleaned data together with the field errors.
//
// # Components
//
//   - Inputs: textfield, textarea, number, email, phoneNumber, select
//     (options from data.values; other data sources accept any text), radio,
//     selectboxes, checkbox, datetime, day, file.
//   - Layout, with no data of their own: panel, fieldset, well, columns (and
//     their columns[].components), content, htmlelement, button.
//   - Data containers: container (an object under its key), datagrid and
//     editgrid (a list of rows, each an object checked against the child
//     components), form (a nested form).
//
// # Rules
//
// validate.required, minLength, maxLength, minWords, maxWords and pattern
// apply to text; pattern is compiled as a Go regular expression that must
// match the whole value, as Form.io anchors it (a JavaScript-only construct,
// such as a look-ahead, is refused by Parse). validate.min and max apply to
// numbers, minLength and maxLength to the rows of a grid. email and
// phoneNumber values are checked for a plausible syntax, select, radio and
// selectboxes values against their options, datetime and day values for a
// real date. A file value is a list of descriptors {name, size, type, url or
// key}, checked against filePattern, fileMinSize and fileMaxSize. Inputs
// with "multiple" take a list of values, each checked on its own. Rules
// apply to non-empty values only, except required.
//
// JavaScript in a definition (validate.custom, calculateValue, JSON logic)
// is not run on the server. A component whose visibility depends on
// customConditional is never required, because the server cannot know
// whether the citizen saw it; a value it has is still checked and kept.
//
// # Hidden fields
//
// A simple condition (conditional.show, when, eq, with the empty strings the
// builder writes as defaults) is evaluated as Form.io does: when names a
// component by key or by data path, looked up first in the current grid row,
// then in the form; a hidden component counts as empty. A component that is
// hidden, by its condition, by a hidden container or by "hidden": true, is
// neither required nor checked, and its data is dropped, as are keys that
// belong to no component: the cleaned data is exactly what the form asks
// for, and that is what gets frozen on submission.
//
// # Nested forms
//
// A component of type form names another definition by id (its "form"
// field); its data sits under the component's key as {"data": {...}}, as
// OpenCity stores it. Nested forms are resolved when the definition is
// parsed; a form that includes itself, directly or not, or nesting deeper
// than MaxNesting, is refused.
//
// # Errors
//
// Parse returns a fault.Invalid error for a definition that cannot be used.
// Field errors carry the data path of the value (for example
// "children[0].name" or "completename.data.name"), the component's key and
// an Italian message that names the component by its label, or its key when
// it has none.
package formio
