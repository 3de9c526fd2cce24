// The submitted form data, made readable with the service's Form.io form:
// each value under its component's label and in the form's order, panels
// (the wizard's steps) as sections, choices by their option's label, dates
// in the reader's language, files as downloads. Keys the form does not
// know (a field removed since, a form that could not be read) are shown
// with labels made from the keys.

import { h, type Child } from '../common/dom'
import { locale, number, t } from './i18n'

/** FileRef is a file as Form.io's file components store it. */
export interface FileRef {
  key: string
  name: string
  size?: number
  type?: string
}

/** Option is a choice of a select, radio or selectboxes. */
export interface Option {
  label: string
  value: string
}

/** FormComponent is as much of a Form.io component as the back office reads. */
export interface FormComponent {
  type?: string
  key?: string
  label?: string
  title?: string
  legend?: string
  multiple?: boolean
  dayFirst?: boolean
  enableTime?: boolean
  components?: FormComponent[]
  columns?: { components?: FormComponent[] }[]
  values?: Option[] // radio, selectboxes
  data?: { values?: Option[] } // select
}

type Link = (f: FileRef) => Node
type Data = Record<string, unknown>

function isFile(v: unknown): v is FileRef {
  return typeof v === 'object' && v !== null && typeof (v as FileRef).key === 'string' && typeof (v as FileRef).name === 'string'
}

/** label turns a key ("child_birth_date", "isee-value") into words. */
export function label(key: string): string {
  const words = key
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
  return words.charAt(0).toUpperCase() + words.slice(1)
}

/** files lists every file referenced anywhere in the data. */
export function files(v: unknown): FileRef[] {
  if (isFile(v)) return [v]
  if (Array.isArray(v)) return v.flatMap(files)
  if (typeof v === 'object' && v !== null) return Object.values(v).flatMap(files)
  return []
}

// How a component holds data, as the server's validation reads it
// (shared/formio): layouts share their parent's data, content has none,
// a container is an object under its key, a grid a list of row objects,
// a nested form {"data": {...}}, and every other component one value.
type Kind = 'layout' | 'content' | 'container' | 'grid' | 'form' | 'input'

const kinds: Record<string, Kind> = {
  panel: 'layout',
  fieldset: 'layout',
  well: 'layout',
  columns: 'layout',
  content: 'content',
  htmlelement: 'content',
  button: 'content',
  container: 'container',
  datagrid: 'grid',
  editgrid: 'grid',
  form: 'form',
}

function kindOf(c: FormComponent): Kind {
  return kinds[c.type ?? ''] ?? 'input'
}

function children(c: FormComponent): FormComponent[] {
  if (c.type === 'columns') return (c.columns ?? []).flatMap((col) => col.components ?? [])
  return c.components ?? []
}

function empty(v: unknown): boolean {
  return v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0)
}

/**
 * renderForm shows data as components lay it out, then under its own
 * heading what the form does not name.
 */
export function renderForm(components: FormComponent[], data: Data, link: Link): HTMLElement {
  const used = new Set<string>()
  const out = h('div', { 'data-form-data': '' }, group(items(components, data, used, link, 3, '')))
  const rest = Object.fromEntries(Object.entries(data).filter(([k]) => !used.has(k)))
  const others = renderData(rest, link)
  if (others.children.length) out.append(h('h3', { class: 'h5 mt-4' }, t('detail.otherData')), others)
  return out
}

// An item is a labelled value, or a block (a section) of its own.
type Item = { label: string; value: Node } | { block: Node }

/** group lays items out: consecutive values in one description list. */
function group(list: Item[]): Node[] {
  const out: Node[] = []
  let rows: Node[] = []
  const flush = () => {
    if (rows.length) out.push(h('dl', { class: 'row mb-3' }, rows))
    rows = []
  }
  for (const it of list) {
    if ('block' in it) {
      flush()
      out.push(it.block)
    } else {
      rows.push(h('dt', { class: 'col-sm-4 fw-semibold' }, it.label), h('dd', { class: 'col-sm-8' }, it.value))
    }
  }
  flush()
  return out
}

/** scope shows one data object: its components' values, then the keys they do not name. */
function scope(components: FormComponent[], data: Data, link: Link, level: number, section = ''): Item[] {
  const used = new Set<string>()
  const list = items(components, data, used, link, level, section)
  for (const [k, v] of Object.entries(data)) {
    if (used.has(k) || empty(unwrap(v))) continue
    list.push({ label: label(k), value: renderValue(unwrap(v), link) })
  }
  return list
}

/**
 * items walks components in the form's order. section is the title of the
 * section they are in: a nested block labelled the same ("Richiedente" in
 * the step "Richiedente") shows its fields without repeating it.
 */
function items(components: FormComponent[], data: Data, used: Set<string>, link: Link, level: number, section: string): Item[] {
  const out: Item[] = []
  for (const c of components) {
    const kind = kindOf(c)
    if (kind === 'content') continue
    if (kind === 'layout') {
      const title = c.type === 'columns' ? '' : (c.title || c.legend || '').trim()
      const inner = items(children(c), data, used, link, title ? level + 1 : level, title || section)
      if (!title) {
        out.push(...inner)
      } else if (inner.length) {
        const heading = h(`h${Math.min(level, 6)}` as 'h3', { class: level === 3 ? 'h5 border-bottom pb-1 mt-4 mb-3' : 'h6 mt-3 mb-2' }, title)
        out.push({ block: h('section', { class: 'mb-2' }, heading, group(inner)) })
      }
      continue
    }
    if (!c.key) continue
    used.add(c.key)
    const v = data[c.key]
    if (empty(v)) continue
    const name = (c.label || '').trim() || label(c.key)
    if (kind === 'input') {
      out.push({ label: name, value: valueOf(c, v, link) })
      continue
    }
    let nested: Node
    if (kind === 'grid') {
      if (!Array.isArray(v)) {
        out.push({ label: name, value: renderValue(v, link) })
        continue
      }
      nested = h(
        'ol',
        { class: 'list-unstyled mb-0' },
        v.map((row, i) =>
          h(
            'li',
            { class: 'border-start border-2 ps-3 mb-3' },
            h('p', { class: 'small text-secondary mb-1' }, t('form.row', { n: i + 1 })),
            typeof row === 'object' && row !== null ? group(scope(children(c), row as Data, link, level + 1)) : renderValue(row, link),
          ),
        ),
      )
    } else {
      const inner = kind === 'form' ? (v as { data?: unknown }).data : v
      if (typeof inner !== 'object' || inner === null) continue
      if (name === section) {
        out.push(...scope(children(c), inner as Data, link, level, section))
        continue
      }
      const fields = scope(children(c), inner as Data, link, level + 1)
      // A block of one field named as the block ("Codice fiscale") is that field.
      const only = fields.length === 1 ? fields[0] : undefined
      if (only && 'label' in only && only.label === name) {
        out.push(only)
        continue
      }
      nested = h('div', { class: 'border-start border-2 ps-3' }, group(fields))
    }
    out.push({ label: name, value: nested })
  }
  return out
}

/** valueOf shows one input's value as the component presents it. */
function valueOf(c: FormComponent, v: unknown, link: Link): Node {
  if (c.type === 'file') {
    const list = files(v)
    if (list.length === 0) return renderValue(v, link)
    return h('ul', { class: 'list-unstyled mb-0' }, list.map((f) => h('li', null, link(f))))
  }
  if (c.type === 'selectboxes' && typeof v === 'object' && v !== null && !Array.isArray(v)) {
    const ticked = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x === true)
      .map(([k]) => optionLabel(c.values, k))
    return text(ticked.length ? ticked.join('; ') : '—')
  }
  if (Array.isArray(v)) {
    return text(v.map((x) => scalar(c, x)).join('; '))
  }
  const s = scalar(c, v)
  return c.type === 'textarea' ? h('span', { class: 'text-prewrap' }, s) : text(s)
}

function scalar(c: FormComponent, v: unknown): string {
  if (typeof v === 'boolean') return v ? t('yes') : t('no')
  if (typeof v === 'number') return number(v, 6)
  if (typeof v !== 'string') return JSON.stringify(v)
  switch (c.type) {
    case 'select':
      return optionLabel(c.data?.values, v)
    case 'radio':
      return optionLabel(c.values, v)
    case 'day':
      return day(v, c.dayFirst === true)
    case 'datetime':
      return dateTimeValue(v, c.enableTime !== false)
  }
  return v
}

function optionLabel(options: Option[] | undefined, value: string): string {
  return options?.find((o) => o.value === value)?.label ?? value
}

/**
 * day reads a Form.io day ("DD/MM/YYYY" with dayFirst, else "MM/DD/YYYY";
 * a part not asked for is 00) and writes it in words.
 */
function day(v: string, dayFirst: boolean): string {
  const parts = v.split('/').map(Number)
  if (parts.length !== 3 || parts.some((n) => !Number.isInteger(n))) return v
  const [d, m, y] = dayFirst ? parts : [parts[1], parts[0], parts[2]]
  if (!y) return v
  const options: Intl.DateTimeFormatOptions = { year: 'numeric', timeZone: 'UTC' }
  if (m) options.month = 'long'
  if (m && d) options.day = 'numeric'
  return new Intl.DateTimeFormat(locale(), options).format(new Date(Date.UTC(y, (m || 1) - 1, d || 1)))
}

function dateTimeValue(v: string, withTime: boolean): string {
  const at = new Date(v)
  if (Number.isNaN(at.getTime())) return v
  return new Intl.DateTimeFormat(locale(), withTime ? { dateStyle: 'long', timeStyle: 'short' } : { dateStyle: 'long' }).format(at)
}

function text(s: string): Node {
  return document.createTextNode(s)
}

/** renderData shows form data with labels made from the keys. */
export function renderData(data: Data, link: Link): HTMLElement {
  const rows: Child[] = []
  for (const [key, value] of Object.entries(data)) {
    const v = unwrap(value)
    if (empty(v)) continue
    rows.push(h('dt', { class: 'col-sm-4 fw-semibold' }, label(key)), h('dd', { class: 'col-sm-8' }, renderValue(v, link)))
  }
  return h('dl', { class: 'row mb-0' }, rows)
}

// Form.io wraps nested forms' values in {"data": {...}}.
function unwrap(v: unknown): unknown {
  while (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 1 && 'data' in v) {
    v = (v as { data: unknown }).data
  }
  return v
}

function renderValue(v: unknown, link: Link): Node {
  if (typeof v === 'boolean') return text(v ? t('yes') : t('no'))
  if (typeof v !== 'object' || v === null) return text(String(v))
  if (isFile(v)) return link(v)
  if (Array.isArray(v)) {
    if (v.length === 0) return text('—')
    return h('ul', { class: 'list-unstyled mb-0' }, v.map((item) => h('li', { class: 'mb-2' }, renderValue(unwrap(item), link))))
  }
  const entries = Object.entries(v as Data)
  // A group of checkboxes: the ticked ones.
  if (entries.length > 0 && entries.every(([, x]) => typeof x === 'boolean')) {
    const ticked = entries.filter(([, x]) => x).map(([k]) => label(k))
    return text(ticked.length ? ticked.join(', ') : '—')
  }
  return h('div', { class: 'border-start ps-3' }, renderData(v as Data, link))
}
