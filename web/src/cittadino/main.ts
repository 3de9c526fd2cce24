// The citizens' app: the Comune's catalogue, sign-in with SPID or CIE, the
// first-access steps and "Le mie pratiche", routed in the browser from the
// portal's root. Notice emails link to /pratiche/<id>.

import '../style.css'
import { request, setCSRF, type Comune, type Session } from './api'
import {
  announce,
  chooseComune,
  citizen,
  clearAnnouncement,
  failure,
  here,
  navigate,
  page,
  rememberedComune,
  setRouter,
  signedIn,
  state,
} from './app'
import { catalogueView, comuniView, serviceView } from './catalogue'
import { detailView } from './detail'
import { h, icon } from '../backoffice/dom'
import { lang, setLang, t, type Lang } from './i18n'
import { mineView } from './pratiche'
import { firstAccessNeeded, firstAccessPath, firstAccessView, signInPath, signInView } from './signin'

const signedOutKey = 'stanza.cittadino.signedOut'

/** shell draws the header, navigation, regions and footer around main. */
function shell(): void {
  const other: Lang = lang() === 'it' ? 'en' : 'it'
  const c = state.comune
  const slim = h(
    'div',
    { class: 'it-header-slim-wrapper' },
    h(
      'div',
      { class: 'container' },
      h(
        'div',
        { class: 'it-header-slim-wrapper-content' },
        h('span', { class: 'd-none d-lg-block navbar-brand' }, t('app.region')),
        h(
          'div',
          { class: 'it-header-slim-right-zone gap-2 ms-auto' },
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
          citizen()
            ? [
                h('span', { class: 'd-none d-md-inline text-white small' }, t('header.signedInAs', { name: state.session.name || '' })),
                h('button', { type: 'button', class: 'btn btn-sm btn-primary py-1 px-2', onclick: signOut }, t('header.signOut')),
              ]
            : h(
                'a',
                { class: 'btn btn-sm btn-primary btn-icon py-1 px-2', href: signInPath(here()) },
                h('span', { class: 'rounded-icon' }, icon('it-user', 'icon-primary icon-sm')),
                h('span', null, t('header.signIn')),
              ),
        ),
      ),
    ),
  )
  const center = h(
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
            { href: '/' },
            icon('it-pa'),
            h('div', { class: 'it-brand-text' }, h('div', { class: 'it-brand-title' }, c?.name ?? 'Stanza'), h('div', { class: 'it-brand-tagline' }, t('app.tagline'))),
          ),
        ),
      ),
    ),
  )
  const nav =
    c &&
    h(
      'nav',
      { class: 'border-bottom bg-light', 'aria-label': t('nav.label') },
      h(
        'ul',
        { class: 'nav container' },
        navItem('/', t('nav.services'), location.pathname === '/' || location.pathname.startsWith('/servizi/')),
        navItem('/pratiche', t('nav.applications'), location.pathname.startsWith('/pratiche')),
      ),
    )
  const contacts = c
    ? h(
        'div',
        { class: 'col-md-6 mb-3' },
        h('h2', { class: 'h5 text-white' }, c.name),
        h(
          'ul',
          { class: 'list-unstyled text-white small mb-0' },
          c.address && h('li', null, c.address),
          c.phone && h('li', null, c.phone),
          c.email && h('li', null, h('a', { class: 'text-white', href: `mailto:${c.email}` }, c.email)),
          c.pec && h('li', null, `PEC ${c.pec}`),
        ),
      )
    : ''
  const footer = h(
    'footer',
    { class: 'it-footer mt-5' },
    h(
      'div',
      { class: 'it-footer-main py-4' },
      h(
        'div',
        { class: 'container' },
        h(
          'div',
          { class: 'row' },
          contacts,
          h(
            'div',
            { class: 'col-md-6 mb-3' },
            h(
              'ul',
              { class: 'list-unstyled small mb-0' },
              state.comuni.length > 1 && h('li', null, h('a', { class: 'text-white', href: `/comuni?${new URLSearchParams({ next: '/' })}` }, t('footer.changeComune'))),
              h('li', null, h('a', { class: 'text-white', href: '/backoffice/' }, t('footer.backoffice'))),
            ),
          ),
        ),
      ),
    ),
    h(
      'div',
      { class: 'it-footer-small-prints clearfix' },
      h('div', { class: 'container' }, h('p', { class: 'text-white py-3 mb-0 small' }, t('footer.text'))),
    ),
  )
  document.body.replaceChildren(
    h('div', { class: 'skiplinks' }, h('a', { class: 'visually-hidden-focusable', href: '#main' }, t('skip.main'))),
    h('header', { class: 'it-header-wrapper' }, slim, h('div', { class: 'it-nav-wrapper' }, center)),
    nav || '',
    h('div', { class: 'container mt-3' }, h('div', { id: 'announcer', 'aria-live': 'polite', 'aria-atomic': 'true' })),
    h('main', { id: 'main', class: 'container mb-5', tabindex: -1 }),
    footer,
  )
}

function navItem(href: string, text: string, current: boolean): HTMLElement {
  return h(
    'li',
    { class: 'nav-item' },
    h('a', { class: `nav-link${current ? ' active fw-semibold' : ''}`, href, 'aria-current': current ? 'page' : undefined }, text),
  )
}

/**
 * signOut ends the session here, then at the identity provider (single
 * logout), which sends the browser back to the portal's root page.
 */
async function signOut(): Promise<void> {
  let next = ''
  try {
    next = (await request<{ next?: string }>('POST', '/auth/logout')).next ?? ''
  } catch {
    // The session may be gone already: signed out either way.
  }
  state.session = { signedIn: false }
  setCSRF('')
  sessionStorage.setItem(signedOutKey, '1')
  location.assign(next || '/')
}

/** render draws the page the URL names. */
async function render(): Promise<void> {
  document.documentElement.lang = lang()
  const path = location.pathname
  const query = new URLSearchParams(location.search)
  if (path === '/comuni') {
    shell()
    comuniView(query.get('next') || '/')
    return
  }
  if (!state.comune) {
    const remembered = rememberedComune()
    if (!remembered) {
      navigate(`/comuni?${new URLSearchParams({ next: here() })}`, true)
      return
    }
    try {
      await chooseComune(remembered)
    } catch (err) {
      shell()
      failure(t('app.title'), err)
      return
    }
  }
  shell()
  if (citizen() && state.firstAccess === null) {
    try {
      state.firstAccess = await firstAccessNeeded()
    } catch (err) {
      failure(t('app.title'), err)
      return
    }
  }
  const personal = path === '/pratiche' || path.startsWith('/pratiche/')
  if (personal && !citizen()) {
    navigate(signInPath(here()), true)
    return
  }
  if (citizen() && state.firstAccess && path !== '/primo-accesso') {
    navigate(firstAccessPath(here()), true)
    return
  }
  const service = path.match(/^\/servizi\/([^/]+)$/)
  const detail = path.match(/^\/pratiche\/([^/]+)$/)
  if (path === '/') void catalogueView(query.get('q')?.trim() ?? '')
  else if (service) void serviceView(decodeURIComponent(service[1]))
  else if (path === '/accesso') void signInView(query.get('next') || '/pratiche', query.get('level') || 'spid-l2')
  else if (path === '/primo-accesso' && citizen()) void firstAccessView(query.get('next') || '/pratiche')
  else if (path === '/pratiche') void mineView(query.get('gruppo'))
  else if (detail) void detailView(decodeURIComponent(detail[1]))
  else notFound()
}

function notFound(): void {
  page(t('notFound.title'), h('h1', { class: 'my-4' }, t('notFound.title')), h('p', null, h('a', { href: '/' }, t('notFound.back'))))
}

// Links to the app's pages change the page without reloading it; sign-in,
// the API, the back office and the portal's local tools are full pages.
const elsewhere = /^\/(auth|api|backoffice|_)/
document.addEventListener('click', (e) => {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return
  const a = (e.target as Element).closest('a')
  if (!a || a.target || a.hasAttribute('download') || !a.hasAttribute('href')) return
  const url = new URL(a.href, location.href)
  if (url.origin !== location.origin || elsewhere.test(url.pathname)) return
  if (url.hash && url.pathname === location.pathname && url.search === location.search) return
  e.preventDefault()
  clearAnnouncement()
  navigate(url.pathname + url.search)
})
window.addEventListener('popstate', () => {
  clearAnnouncement()
  void render()
})

setRouter(() => void render())

async function start(): Promise<void> {
  try {
    const [session, comuni] = await Promise.all([
      request<Session>('GET', '/api/v1/session'),
      request<{ items: Comune[] }>('GET', '/api/v1/tenants'),
    ])
    signedIn(session)
    state.comuni = comuni.items
  } catch (err) {
    shell()
    failure(t('app.title'), err)
    return
  }
  await render()
  if (sessionStorage.getItem(signedOutKey)) {
    sessionStorage.removeItem(signedOutKey)
    announce(t('signin.signedOut'))
  }
}

void start()
