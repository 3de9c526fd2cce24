// What every view shares: the session, the chosen Comune, the page's
// regions and navigation inside the app.

import { ApiError, request, setCSRF, tenantPath, type Comune, type ServiceSummary, type Session } from './api'
import { append, h, type Child } from '../backoffice/dom'
import { t } from './i18n'

export const state = {
  session: { signedIn: false } as Session,
  comuni: [] as Comune[],
  comune: null as Comune | null, // the Comune whose services are shown
  services: new Map<string, string>(), // service titles by slug
  // Whether the citizen still has first-access steps in the chosen
  // Comune; null until asked.
  firstAccess: null as boolean | null,
}

const comuneKey = 'stanza.cittadino.comune'

/** citizen reports whether a citizen is signed in. */
export function citizen(): boolean {
  return state.session.signedIn && state.session.role === 'citizen'
}

/** signedIn keeps the session and its CSRF token. */
export function signedIn(s: Session): void {
  state.session = s
  setCSRF(s.csrfToken)
}

/**
 * chooseComune makes a Comune the one shown, remembered in the browser:
 * a citizen's applications are the Comune's, and links from emails name
 * only the application.
 */
export async function chooseComune(c: Comune): Promise<void> {
  localStorage.setItem(comuneKey, c.id)
  state.comune = c
  state.firstAccess = null
  const services = await request<{ items: ServiceSummary[] }>('GET', tenantPath(c.id, 'services'))
  state.services = new Map(services.items.map((x) => [x.slug, x.title]))
}

/** rememberedComune is the Comune chosen before, or the only one served. */
export function rememberedComune(): Comune | undefined {
  if (state.comuni.length === 1) return state.comuni[0]
  const id = localStorage.getItem(comuneKey)
  return state.comuni.find((c) => c.id === id)
}

/** tenant is the chosen Comune's id; views that need one run after the choice. */
export function tenant(): string {
  return state.comune?.id ?? ''
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

/** here is the current page's path and query, to come back to after a detour. */
export function here(): string {
  return location.pathname + location.search
}

/** page replaces the main region with a view and moves focus to its heading. */
export function page(title: string, ...content: (Child | Child[])[]): HTMLElement {
  document.title = `${title} — ${state.comune?.name ?? t('app.title')}`
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

/** breadcrumb shows where the page sits, from the home page. */
export function breadcrumb(...trail: [string, string?][]): HTMLElement {
  const items: [string, string?][] = [[t('breadcrumb.home'), '/'], ...trail]
  return h(
    'nav',
    { class: 'breadcrumb-container mt-3', 'aria-label': t('breadcrumb') },
    h(
      'ol',
      { class: 'breadcrumb p-0' },
      items.map(([text, href], i) =>
        i === items.length - 1
          ? h('li', { class: 'breadcrumb-item active', 'aria-current': 'page' }, text)
          : h('li', { class: 'breadcrumb-item' }, h('a', { href }, text), h('span', { class: 'separator' }, '/')),
      ),
    ),
  )
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

export type Errors = ReturnType<typeof errorBox>

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

/** failure shows a view's title with what went wrong loading it. */
export function failure(title: string, err: unknown, ...before: Child[]): void {
  const errors = errorBox()
  errors.show(err)
  page(title, ...before, h('h1', { class: 'my-4' }, title), errors.box)
}
