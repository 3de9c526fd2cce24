// The operators' back office: sign-in, queues, an application's detail,
// the metrics, one's own account and, for admins, the services and their
// forms, the staff, offices, partner systems and terms of use, routed in
// the browser under /backoffice/.

import '../style.css'
import { accountView } from './account'
import { request, setCSRF, type Session } from './api'
import { announce, base, navigate, page, setRouter, signedIn, staff, state } from './app'
import { routeLinks } from '../common/app'
import { footer, frame, header, navItem, signedInTools } from '../common/shell'
import { detailView } from './detail'
import { h } from '../common/dom'
import { lang, t } from './i18n'
import { metricsView } from './metrics'
import { officesView, officeView } from './offices'
import { operatorsView, operatorView } from './operators'
import { apiKeysView, deliveriesView, webhooksView } from './partners'
import { queueView } from './queue'
import { serviceFormView } from './serviceform'
import { newServiceView, servicesView, serviceView } from './services'
import { signInView } from './signin'
import { termsView } from './terms'

/** shell draws the header, navigation, regions and footer around main. */
function shell(): void {
  const signed = staff()
  const nav =
    signed &&
    h(
      'nav',
      { class: 'border-bottom bg-light', 'aria-label': t('nav.label') },
      h(
        'ul',
        { class: 'nav container' },
        navLink(`${base}pratiche`, t('nav.applications')),
        navLink(`${base}metriche`, t('nav.metrics')),
        admin() && [
          navLink(`${base}servizi`, t('nav.services')),
          navLink(`${base}operatori`, t('nav.staff')),
          navLink(`${base}uffici`, t('nav.offices')),
          navLink(`${base}chiavi-api`, t('nav.keys')),
          navLink(`${base}webhook`, t('nav.webhooks')),
          navLink(`${base}condizioni`, t('nav.terms')),
        ],
        navLink(`${base}account`, t('nav.account')),
      ),
    )
  frame(
    header(
      {
        region: t('app.region'),
        home: signed ? `${base}pratiche` : base,
        title: state.comune || 'Stanza',
        tagline: t('app.tagline'),
        tools: signed ? signedInTools(state.session.name || state.session.subject || '', signOut) : [],
      },
      render,
    ),
    nav,
    footer(t('footer.text')),
  )
}

/** navLink links to a section of the app, current on any of its pages. */
function navLink(href: string, text: string): HTMLElement {
  return navItem(href, text, location.pathname.startsWith(href))
}

async function signOut(): Promise<void> {
  try {
    await request('POST', '/auth/logout')
  } catch {
    // The session may be gone already: signed out either way.
  }
  state.session = { signedIn: false }
  setCSRF('')
  navigate(base)
  announce(t('signin.signedOut'))
}

/** render draws the page the URL names. */
function render(): void {
  document.documentElement.lang = lang()
  shell()
  const path = location.pathname
  if (!staff()) {
    signInView(async (s) => {
      await signedIn(s)
      if (location.pathname === base || location.pathname === base.slice(0, -1)) navigate(`${base}pratiche`, true)
      else render()
    })
    return
  }
  const detail = path.match(/^\/backoffice\/pratiche\/([^/]+)$/)
  if (path === base || path === base.slice(0, -1)) {
    navigate(`${base}pratiche`, true)
  } else if (path === `${base}pratiche`) {
    queueView(new URLSearchParams(location.search))
  } else if (detail) {
    detailView(decodeURIComponent(detail[1]))
  } else if (path === `${base}metriche`) {
    metricsView()
  } else if (path === `${base}account`) {
    accountView()
  } else if (!(admin() && adminPage(path))) {
    notFound()
  }
}

/** admin reports whether the session is an admin's, who sees the administration pages. */
function admin(): boolean {
  return state.session.role === 'admin'
}

/** adminPage shows the administration page path names, if it names one. */
function adminPage(path: string): boolean {
  // one is the item a page of a section names: /backoffice/uffici/scuola.
  const one = (section: string) => {
    const m = path.match(new RegExp(`^${base}${section}/([^/]+)$`))
    return m ? decodeURIComponent(m[1]) : undefined
  }
  let id: string | undefined
  const form = path.match(new RegExp(`^${base}servizi/([^/]+)/modulo$`))
  if (path === `${base}servizi`) servicesView()
  else if (path === `${base}nuovo-servizio`) newServiceView()
  else if ((id = one('servizi'))) serviceView(id)
  else if (form) serviceFormView(decodeURIComponent(form[1]))
  else if (path === `${base}operatori`) operatorsView()
  else if ((id = one('operatori'))) operatorView(id)
  else if (path === `${base}uffici`) officesView()
  else if ((id = one('uffici'))) officeView(id)
  else if (path === `${base}chiavi-api`) apiKeysView()
  else if (path === `${base}webhook`) webhooksView()
  else if ((id = one('webhook'))) deliveriesView(id)
  else if (path === `${base}condizioni`) termsView()
  else return false
  return true
}

function notFound(): void {
  page(
    t('notFound.title'),
    h('h1', { class: 'my-4' }, t('notFound.title')),
    h('p', null, h('a', { href: `${base}pratiche` }, t('notFound.back'))),
  )
}

routeLinks((url) => url.pathname.startsWith(base))
setRouter(render)

async function start(): Promise<void> {
  try {
    await signedIn(await request<Session>('GET', '/api/v1/session'))
  } catch {
    state.session = { signedIn: false }
  }
  render()
}

void start()
