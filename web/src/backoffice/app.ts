// What every view shares: the session, the Comune, the page's regions and
// navigation inside the app.

import { request, setCSRF, tenantPath, type ServiceSummary, type Session } from './api'
import { showMain } from '../common/app'
import { type Child } from '../common/dom'
import { t } from './i18n'

export { announce, busy, errorBox, navigate, problemBox, setRouter, type Errors } from '../common/app'

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

/** page replaces the main region with a view and moves focus to its heading. */
export function page(title: string, ...content: (Child | Child[])[]): HTMLElement {
  return showMain(`${title} — ${t('app.title')}`, ...content)
}
