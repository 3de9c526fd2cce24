// The submitted form data, made readable: labels from the keys, nested
// groups as nested lists, files as attachments.

import { h } from './dom'
import { t } from './i18n'

/** FileRef is a file as Form.io's file components store it. */
export interface FileRef {
  key: string
  name: string
  size?: number
  type?: string
}

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

/** renderData shows form data as a description list. */
export function renderData(data: Record<string, unknown>, link: (f: FileRef) => Node): HTMLElement {
  const dl = h('dl', { class: 'row mb-0' })
  for (const [key, value] of Object.entries(data)) {
    // Form.io wraps nested components' values in {"data": {...}}.
    const v = unwrap(value)
    if (v === null || v === undefined || v === '') continue
    dl.append(h('dt', { class: 'col-sm-4 fw-semibold' }, label(key)), h('dd', { class: 'col-sm-8' }, renderValue(v, link)))
  }
  return dl
}

function unwrap(v: unknown): unknown {
  while (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 1 && 'data' in v) {
    v = (v as { data: unknown }).data
  }
  return v
}

function renderValue(v: unknown, link: (f: FileRef) => Node): Node {
  if (typeof v === 'boolean') return document.createTextNode(v ? t('yes') : t('no'))
  if (typeof v !== 'object' || v === null) return document.createTextNode(String(v))
  if (isFile(v)) return link(v)
  if (Array.isArray(v)) {
    if (v.length === 0) return document.createTextNode('—')
    return h('ul', { class: 'list-unstyled mb-0' }, v.map((item) => h('li', { class: 'mb-2' }, renderValue(unwrap(item), link))))
  }
  const entries = Object.entries(v as Record<string, unknown>)
  // A group of checkboxes: the ticked ones.
  if (entries.length > 0 && entries.every(([, x]) => typeof x === 'boolean')) {
    const ticked = entries.filter(([, x]) => x).map(([k]) => label(k))
    return document.createTextNode(ticked.length ? ticked.join(', ') : '—')
  }
  return h('div', { class: 'border-start ps-3' }, renderData(v as Record<string, unknown>, link))
}
