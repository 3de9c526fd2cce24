// The operators' back office: sign-in, queues, an application's detail,
// the metrics, one's own account and, for admins, the staff, offices and
// partner systems, routed in the browser under /backoffice/.

import '../style.css'
import { accountView } from './account'
import { request, setCSRF, type Session } from './api'
import { announce, base, clearAnnouncement, navigate, page, setRouter, signedIn, staff, state } from './app'
import { detailView } from './detail'
import { h, icon } from './dom'
import { lang, setLang, t, type Lang } from './i18n'
import { metricsView } from './metrics'
import { officesView, officeView } from './offices'
import { operatorsView, operatorView } from './operators'
import { apiKeysView, deliveriesView, webhooksView } from './partners'
import { queueView } from './queue'
import { signInView } from './signin'

/** shell draws the header, navigation, regions and footer around main. */
function shell(): void {
  const signed = staff()
  const other: Lang = lang() === 'it' ? 'en' : 'it'
  const home = signed ? `${base}pratiche` : base
  const header = h(
    'header',
    { class: 'it-header-wrapper' },
    h(
      'div',
      { class: 'it-header-slim-wrapper' },
      h(
        'div',
        { class: 'container' },
        h(
          'div',
          { class: 'it-header-slim-wrapper-content' },
          h('span', { class: 'd-lg-block navbar-brand' }, t('app.region')),
          h(
            'div',
            { class: 'it-header-slim-right-zone gap-2' },
            h(
              'button',
              {
                type: 'button',
                class: 'btn btn-sm btn-outline-light py-1 px-2',
                lang: other,
                onclick: () => {
                  setLang(other)
                  render()
                },
              },
              t('lang.switch'),
            ),
            signed &&
              h(
                'span',
                { class: 'd-none d-md-inline text-white small' },
                t('header.signedInAs', { name: state.session.name || state.session.subject || '' }),
              ),
            signed && h('button', { type: 'button', class: 'btn btn-sm btn-primary py-1 px-2', onclick: signOut }, t('header.signOut')),
          ),
        ),
      ),
    ),
    h(
      'div',
      { class: 'it-nav-wrapper' },
      h(
        'div',
        { class: 'it-header-center-wrapper it-small-header' },
        h(
          'div',
          { class: 'container' },
          h(
            'div',
            { class: 'it-header-center-content-wrapper' },
            h(
              'div',
              { class: 'it-brand-wrapper' },
              h(
                'a',
                { href: home },
                icon('it-pa'),
                h(
                  'div',
                  { class: 'it-brand-text' },
                  h('div', { class: 'it-brand-title' }, state.comune || 'Stanza'),
                  h('div', { class: 'it-brand-tagline' }, t('app.tagline')),
                ),
              ),
            ),
          ),
        ),
      ),
    ),
  )
  const nav =
    signed &&
    h(
      'nav',
      { class: 'border-bottom bg-light', 'aria-label': t('nav.label') },
      h(
        'ul',
        { class: 'nav container' },
        navItem(`${base}pratiche`, t('nav.applications')),
        navItem(`${base}metriche`, t('nav.metrics')),
        admin() && [
          navItem(`${base}operatori`, t('nav.staff')),
          navItem(`${base}uffici`, t('nav.offices')),
          navItem(`${base}chiavi-api`, t('nav.keys')),
          navItem(`${base}webhook`, t('nav.webhooks')),
        ],
        navItem(`${base}account`, t('nav.account')),
      ),
    )
  const footer = h(
    'footer',
    { class: 'it-footer mt-5' },
    h(
      'div',
      { class: 'it-footer-small-prints clearfix' },
      h('div', { class: 'container' }, h('p', { class: 'text-white py-3 mb-0 small' }, t('footer.text'))),
    ),
  )
  document.body.replaceChildren(
    h('div', { class: 'skiplinks' }, h('a', { class: 'visually-hidden-focusable', href: '#main' }, t('skip.main'))),
    header,
    nav || '',
    h(
      'div',
      { class: 'container mt-3' },
      h('div', { id: 'announcer', 'aria-live': 'polite', 'aria-atomic': 'true' }),
    ),
    h('main', { id: 'main', class: 'container mb-5', tabindex: -1 }),
    footer,
  )
}

function navItem(href: string, text: string): HTMLElement {
  const current = location.pathname.startsWith(href)
  return h(
    'li',
    { class: 'nav-item' },
    h('a', { class: `nav-link${current ? ' active fw-semibold' : ''}`, href, 'aria-current': current ? 'page' : undefined }, text),
  )
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
  if (path === `${base}operatori`) operatorsView()
  else if ((id = one('operatori'))) operatorView(id)
  else if (path === `${base}uffici`) officesView()
  else if ((id = one('uffici'))) officeView(id)
  else if (path === `${base}chiavi-api`) apiKeysView()
  else if (path === `${base}webhook`) webhooksView()
  else if ((id = one('webhook'))) deliveriesView(id)
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

// Links inside the app change the page without reloading it.
document.addEventListener('click', (e) => {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return
  const a = (e.target as Element).closest('a')
  if (!a || a.target || a.hasAttribute('download')) return
  const url = new URL(a.href, location.href)
  if (url.origin !== location.origin || !url.pathname.startsWith(base)) return
  e.preventDefault()
  clearAnnouncement()
  navigate(url.pathname + url.search)
})
window.addEventListener('popstate', () => {
  clearAnnouncement()
  render()
})

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
