// What every view of both apps does alike: routing in the browser, the
// main region, confirmations read out, and the API's refusals next to
// their form.

import { ApiError } from './api'
import { append, h, type Child } from './dom'
import { shared } from './i18n'

let router: () => void = () => {}

/** setRouter names what draws the page the URL names. */
export function setRouter(r: () => void): void {
  router = r
}

/** navigate shows another page of the app, as a link would. */
export function navigate(url: string, replace = false): void {
  if (replace) history.replaceState(null, '', url)
  else history.pushState(null, '', url)
  router()
}

/**
 * routeLinks has links to the app's own pages (inApp) change the page
 * without reloading it, and the browser's back and forward buttons too.
 * Links to a place on the same page are left to the browser.
 */
export function routeLinks(inApp: (url: URL) => boolean): void {
  document.addEventListener('click', (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return
    const a = (e.target as Element).closest('a')
    if (!a || a.target || a.hasAttribute('download') || !a.hasAttribute('href')) return
    const url = new URL(a.href, location.href)
    if (url.origin !== location.origin || !inApp(url)) return
    if (url.hash && url.pathname === location.pathname && url.search === location.search) return
    e.preventDefault()
    clearAnnouncement()
    navigate(url.pathname + url.search)
  })
  window.addEventListener('popstate', () => {
    clearAnnouncement()
    router()
  })
}

/** showMain replaces the main region with a view and moves focus to its heading. */
export function showMain(documentTitle: string, ...content: (Child | Child[])[]): HTMLElement {
  document.title = documentTitle
  const main = document.getElementById('main') as HTMLElement
  main.replaceChildren()
  append(main, ...content)
  const heading = main.querySelector('h1')
  if (heading) {
    heading.tabIndex = -1
    heading.focus()
  }
  return main
}

/** announce tells screen readers what just happened, and shows it. */
export function announce(message: string): void {
  const region = document.getElementById('announcer') as HTMLElement
  const alert = h('div', { class: 'alert alert-success', role: 'status', tabindex: -1 }, message)
  region.replaceChildren(alert)
  alert.focus()
}

/** clearAnnouncement removes the last confirmation, when the page changes. */
export function clearAnnouncement(): void {
  document.getElementById('announcer')?.replaceChildren()
}

/** problemText is what to show of a failed call. */
export function problemText(err: unknown): string {
  if (typeof err === 'string') return err
  if (err instanceof ApiError) {
    if (err.status === 0) return shared.t('error.network')
    return err.problem.detail || err.problem.title
  }
  return shared.t('error.unexpected')
}

/**
 * errorBox is the place, next to a form, where the API's refusals are
 * shown and read out. show fills it and marks the fields the API names;
 * clear empties it.
 */
export function errorBox(form?: HTMLFormElement) {
  const box = h('div', { 'aria-live': 'assertive' })
  const clear = () => {
    box.replaceChildren()
    form?.querySelectorAll('.is-invalid').forEach((el) => el.classList.remove('is-invalid'))
    form?.querySelectorAll('.field-error').forEach((el) => el.remove())
  }
  const show = (err: unknown, extra?: Node) => {
    clear()
    const alert = h('div', { class: 'alert alert-danger', role: 'alert' })
    if (err instanceof ApiError && err.problem.title && err.problem.detail) {
      append(alert, h('p', { class: 'fw-semibold mb-1' }, err.problem.title))
    }
    append(alert, h('p', { class: 'mb-0' }, problemText(err)))
    const unplaced: string[] = []
    if (err instanceof ApiError) {
      for (const f of err.problem.errors ?? []) {
        const field = form?.querySelector<HTMLElement>(`[data-path="${CSS.escape(f.path)}"]`)
        if (!field) {
          unplaced.push(f.message)
          continue
        }
        const id = `${field.id}-error`
        field.classList.add('is-invalid')
        field.setAttribute('aria-describedby', id)
        field.after(h('div', { class: 'invalid-feedback d-block field-error', id }, f.message))
      }
    }
    if (unplaced.length) append(alert, h('ul', { class: 'mb-0 mt-2' }, unplaced.map((m) => h('li', null, m))))
    if (extra) append(alert, extra)
    box.append(alert)
  }
  return { box, show, clear }
}

export type Errors = ReturnType<typeof errorBox>

/** problemBox shows what went wrong where a view's content would be. */
export function problemBox(err: unknown): HTMLElement {
  const errors = errorBox()
  errors.show(err)
  return errors.box
}

/** busy disables a form's buttons while a call is under way. */
export async function busy<T>(form: HTMLFormElement, work: () => Promise<T>): Promise<T> {
  const buttons = [...form.querySelectorAll('button')]
  buttons.forEach((b) => (b.disabled = true))
  form.setAttribute('aria-busy', 'true')
  try {
    return await work()
  } finally {
    buttons.forEach((b) => (b.disabled = false))
    form.removeAttribute('aria-busy')
  }
}
