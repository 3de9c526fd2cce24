// The citizens' app: the Comune's catalogue, sign-in with SPID or CIE, the
// first-access steps and "Le mie pratiche", routed in the browser from the
// portal's root. Notice emails link to /pratiche/<id>.

import '../style.css'
import { request, setCSRF, type Comune, type Session } from './api'
import {
  announce,
  chooseComune,
  citizen,
  failure,
  here,
  navigate,
  page,
  rememberedComune,
  setRouter,
  signedIn,
  state,
} from './app'
import { routeLinks } from '../common/app'
import { footer, frame, header, navItem, signedInTools } from '../common/shell'
import { catalogueView, comuniView, serviceView } from './catalogue'
import { detailView } from './detail'
import { h, icon } from '../common/dom'
import { lang, t } from './i18n'
import { mineView } from './pratiche'
import { firstAccessNeeded, firstAccessPath, firstAccessView, signInPath, signInView } from './signin'
import { verifyEmailView, verifyPath } from './verify'

const signedOutKey = 'stanza.cittadino.signedOut'

/** shell draws the header, navigation, regions and footer around main. */
function shell(): void {
  const c = state.comune
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
  const links = h(
    'div',
    { class: 'col-md-6 mb-3' },
    h(
      'ul',
      { class: 'list-unstyled small mb-0' },
      state.comuni.length > 1 && h('li', null, h('a', { class: 'text-white', href: `/comuni?${new URLSearchParams({ next: '/' })}` }, t('footer.changeComune'))),
      h('li', null, h('a', { class: 'text-white', href: '/backoffice/' }, t('footer.backoffice'))),
    ),
  )
  const signIn = h(
    'a',
    { class: 'btn btn-sm btn-primary btn-icon py-1 px-2', href: signInPath(here()) },
    h('span', { class: 'rounded-icon' }, icon('it-user', 'icon-primary icon-sm')),
    h('span', null, t('header.signIn')),
  )
  frame(
    header(
      {
        region: t('app.region'),
        home: '/',
        title: c?.name ?? 'Stanza',
        tagline: t('app.tagline'),
        tools: citizen() ? signedInTools(state.session.name || '', signOut) : [signIn],
      },
      () => void render(),
    ),
    nav,
    footer(t('footer.text'), h('div', { class: 'it-footer-main py-4' }, h('div', { class: 'container' }, h('div', { class: 'row' }, contacts, links)))),
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
  // The email's verification is one of the first-access steps.
  if (citizen() && state.firstAccess && path !== '/primo-accesso' && path !== verifyPath) {
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
  else if (path === verifyPath) void verifyEmailView(query.get('token') ?? '')
  else notFound()
}

function notFound(): void {
  page(t('notFound.title'), h('h1', { class: 'my-4' }, t('notFound.title')), h('p', null, h('a', { href: '/' }, t('notFound.back'))))
}

// Links to the app's pages change the page without reloading it; sign-in,
// the API, the back office and the portal's local tools are full pages.
const elsewhere = /^\/(auth|api|backoffice|_)/
routeLinks((url) => !elsewhere.test(url.pathname))
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
