// What every view shares: the session, the chosen Comune, the page's
// regions and navigation inside the app.

import { request, setCSRF, tenantPath, type Comune, type ServiceSummary, type Session } from './api'
import { problemBox, showMain } from '../common/app'
import { h, type Child } from '../common/dom'
import { t } from './i18n'

export { announce, busy, errorBox, navigate, setRouter, type Errors } from '../common/app'

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

/** here is the current page's path and query, to come back to after a detour. */
export function here(): string {
  return location.pathname + location.search
}

/** page replaces the main region with a view and moves focus to its heading. */
export function page(title: string, ...content: (Child | Child[])[]): HTMLElement {
  return showMain(`${title} — ${state.comune?.name ?? t('app.title')}`, ...content)
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

/** failure shows a view's title with what went wrong loading it. */
export function failure(title: string, err: unknown, ...before: Child[]): void {
  page(title, ...before, h('h1', { class: 'my-4' }, title), problemBox(err))
}
