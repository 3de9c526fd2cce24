// What the admins' pages share: tables, groups of checkboxes, the secrets
// the API shows once, and the confirmation asked before what cannot be
// undone.

import { h, uid, type Child } from '../common/dom'
import { t } from './i18n'

/** table is a plain table with a caption read by screen readers. */
export function table(caption: string, columns: string[], rows: Child[][], attrs: Record<string, string> = {}): HTMLElement {
  return h(
    'div',
    { class: 'table-responsive' },
    h(
      'table',
      { class: 'table align-middle', ...attrs },
      h('caption', { class: 'visually-hidden' }, caption),
      h('thead', null, h('tr', null, columns.map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', null, rows.map((r) => h('tr', null, r.map((c, i) => (i === 0 ? h('th', { scope: 'row' }, c) : h('td', null, c)))))),
    ),
  )
}

/** checkboxes is a fieldset of choices, given as [value, text]; values reads the ticked ones. */
export function checkboxes(
  legend: string,
  name: string,
  options: [string, string][],
  checked: string[] = [],
  hint?: string,
): { group: HTMLElement; values: () => string[] } {
  const hintId = hint ? uid(`${name}-hint`) : undefined
  const boxes = options.map(([value, text]) => {
    const id = uid(name)
    const box = h('input', { type: 'checkbox', id, name, value, checked: checked.includes(value) })
    return { box, el: h('div', { class: 'form-check' }, box, h('label', { for: id }, text)) }
  })
  const group = h(
    'fieldset',
    { class: 'mb-4', 'data-path': name, 'aria-describedby': hintId },
    h('legend', { class: 'fs-6 fw-semibold mb-2' }, legend),
    hint && h('small', { id: hintId, class: 'form-text d-block mb-2' }, hint),
    options.length ? boxes.map((b) => b.el) : h('p', { class: 'small mb-0' }, t('admin.noChoices')),
  )
  return { group, values: () => boxes.filter((b) => b.box.checked).map((b) => b.box.value) }
}

/**
 * shownOnce shows a secret the API will not give again (a password, a
 * key, a webhook's secret), with what to do with it.
 */
export function shownOnce(title: string, secret: string, hint: string): HTMLElement {
  return h(
    'div',
    { class: 'alert alert-warning', role: 'status', tabindex: -1 },
    h('p', { class: 'fw-semibold mb-1' }, title),
    h('p', { class: 'mb-2' }, h('code', { class: 'fs-5 text-break-all', 'data-secret': '' }, secret)),
    h('p', { class: 'mb-0 small' }, hint),
  )
}

/**
 * confirmed is a button that asks before acting: a first press shows the
 * question with a button that does it and one that cancels.
 */
export function confirmed(label: string, question: string, yes: string, act: () => Promise<void>): HTMLElement {
  const box = h('div', { class: 'd-inline-block' })
  const ask = () => {
    const doIt = h('button', { type: 'button', class: 'btn btn-sm btn-danger me-2' }, yes)
    const cancel = h('button', { type: 'button', class: 'btn btn-sm btn-outline-secondary' }, t('admin.cancel'))
    cancel.addEventListener('click', () => {
      idle()
      first.focus()
    })
    doIt.addEventListener('click', async () => {
      doIt.disabled = true
      cancel.disabled = true
      try {
        await act()
      } finally {
        if (box.isConnected) idle()
      }
    })
    box.replaceChildren(h('div', { role: 'group', 'aria-label': question }, h('p', { class: 'small mb-1' }, question), doIt, cancel))
    doIt.focus()
  }
  const first = h('button', { type: 'button', class: 'btn btn-sm btn-outline-danger', onclick: ask }, label)
  function idle() {
    box.replaceChildren(first)
  }
  idle()
  return box
}

/** breadcrumb leads back from a page to the list it belongs to. */
export function breadcrumb(href: string, parent: string, current: string): HTMLElement {
  return h(
    'nav',
    { class: 'breadcrumb-container mt-3', 'aria-label': t('detail.breadcrumb') },
    h(
      'ol',
      { class: 'breadcrumb' },
      h('li', { class: 'breadcrumb-item' }, h('a', { href }, parent), h('span', { class: 'separator' }, '/')),
      h('li', { class: 'breadcrumb-item active', 'aria-current': 'page' }, current),
    ),
  )
}
