// What every view shares: the session, the Comune, the page's regions and
// navigation inside the app.

import { ApiError, request, setCSRF, tenantPath, type ServiceSummary, type Session } from './api'
import { append, h, type Child } from './dom'
import { t } from './i18n'

/** base is where the app lives; its pages are routed in the browser. */
export const base = '/backoffice/'

export const state = {
  session: { signedIn: false } as Session,
  comune: '', // the Comune's name
  services: new Map<string, string>(), // service titles by slug
}

/** staff reports whether the session is an operator's or an admin's. */
export function staff(): boolean {
  return state.session.signedIn && (state.session.role === 'operator' || state.session.role === 'admin')
}

/** signedIn keeps a new session and loads what the views name things with. */
export async function signedIn(s: Session): Promise<void> {
  state.session = s
  setCSRF(s.csrfToken)
  if (!staff() || !s.tenant) return
  const [comune, services] = await Promise.all([
    request<{ name: string }>('GET', tenantPath(s.tenant)),
    request<{ items: ServiceSummary[] }>('GET', tenantPath(s.tenant, 'services')),
  ])
  state.comune = comune.name
  state.services = new Map(services.items.map((x) => [x.slug, x.title]))
}

/** serviceTitle names a service, by its slug when it is not published. */
export function serviceTitle(slug: string): string {
  return state.services.get(slug) ?? slug
}

let router: () => void = () => {}

export function setRouter(r: () => void): void {
  router = r
}

/** navigate shows another page of the app, as a link would. */
export function navigate(url: string, replace = false): void {
  if (replace) history.replaceState(null, '', url)
  else history.pushState(null, '', url)
  router()
}

/** page replaces the main region with a view and moves focus to its heading. */
export function page(title: string, ...content: (Child | Child[])[]): HTMLElement {
  document.title = `${title} — ${t('app.title')}`
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
    if (err.status === 0) return t('error.network')
    return err.problem.detail || err.problem.title
  }
  return t('error.unexpected')
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
