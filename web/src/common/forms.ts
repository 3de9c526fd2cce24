// Form fields in Bootstrap Italia's markup. Labels stay above their field
// ("active"): Bootstrap Italia moves them with a script the apps do not
// load.

import { h, uid } from './dom'

interface FieldOptions {
  name: string
  type?: string
  value?: string
  required?: boolean
  hint?: string
  autocomplete?: string
  inputmode?: string
  accept?: string
  maxlength?: number
}

/** input is a labelled field; data-path ties it to the API's field errors. */
export function input(label: string, o: FieldOptions): { group: HTMLElement; field: HTMLInputElement } {
  const id = uid(o.name)
  const hintId = o.hint ? `${id}-hint` : undefined
  const field = h('input', {
    id,
    name: o.name,
    type: o.type ?? 'text',
    class: 'form-control',
    value: o.value,
    required: o.required,
    autocomplete: o.autocomplete,
    inputmode: o.inputmode,
    accept: o.accept,
    maxlength: o.maxlength,
    'aria-describedby': hintId,
    'data-path': o.name,
  })
  return { group: group(label, field, o.hint), field }
}

/** textarea is a labelled text area. */
export function textarea(label: string, o: FieldOptions): { group: HTMLElement; field: HTMLTextAreaElement } {
  const id = uid(o.name)
  const hintId = o.hint ? `${id}-hint` : undefined
  const field = h('textarea', {
    id,
    name: o.name,
    class: 'form-control',
    rows: 3,
    required: o.required,
    maxlength: o.maxlength,
    'aria-describedby': hintId,
    'data-path': o.name,
  })
  return { group: group(label, field, o.hint), field }
}

/** group puts a field under its label, with the hint the field refers to. */
function group(label: string, field: HTMLElement, hint?: string): HTMLElement {
  return h(
    'div',
    { class: 'form-group' },
    h('label', { for: field.id, class: 'active' }, label),
    field,
    hint && h('small', { id: `${field.id}-hint`, class: 'form-text' }, hint),
  )
}

/** select is a labelled choice among options, given as [value, text]. */
export function select(
  label: string,
  name: string,
  options: [string, string][],
  value = '',
): { group: HTMLElement; field: HTMLSelectElement } {
  const id = uid(name)
  const field = h(
    'select',
    { id, name, 'data-path': name },
    options.map(([v, text]) => h('option', { value: v, selected: v === value }, text)),
  )
  const group = h('div', { class: 'select-wrapper mb-4' }, h('label', { for: id }, label), field)
  return { group, field }
}
