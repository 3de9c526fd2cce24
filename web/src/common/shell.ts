// The frame of every page in Bootstrap Italia's markup, as both apps draw
// it: the header, the footer, the skip link, the region where
// confirmations are read out, and the main region the views fill.

import { h, icon, type Child } from './dom'
import { lang, setLang, shared, type Lang } from './i18n'

interface HeaderParts {
  region: string // the slim bar's name of the site
  home: string // where the brand links to
  title: string // the brand: the Comune's name
  tagline: string
  tools: Child[] // the slim bar's right side, after the language switch
}

/** header is the slim bar, with the language switch, over the brand. */
export function header(p: HeaderParts, redraw: () => void): HTMLElement {
  const other: Lang = lang() === 'it' ? 'en' : 'it'
  const slim = h(
    'div',
    { class: 'it-header-slim-wrapper' },
    h(
      'div',
      { class: 'container' },
      h(
        'div',
        { class: 'it-header-slim-wrapper-content' },
        h('span', { class: 'd-none d-lg-block navbar-brand' }, p.region),
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
                redraw()
              },
            },
            shared.t('lang.switch'),
          ),
          p.tools,
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
            { href: p.home },
            icon('it-pa'),
            h('div', { class: 'it-brand-text' }, h('div', { class: 'it-brand-title' }, p.title), h('div', { class: 'it-brand-tagline' }, p.tagline)),
          ),
        ),
      ),
    ),
  )
  return h('header', { class: 'it-header-wrapper' }, slim, h('div', { class: 'it-nav-wrapper' }, center))
}

/** signedInTools names who is signed in and offers to sign out. */
export function signedInTools(name: string, signOut: () => void): Child[] {
  return [
    h('span', { class: 'd-none d-md-inline text-white small' }, shared.t('header.signedInAs', { name })),
    h('button', { type: 'button', class: 'btn btn-sm btn-primary py-1 px-2', onclick: signOut }, shared.t('header.signOut')),
  ]
}

/** navItem is a link of the sections' bar, marked when it is the current page's. */
export function navItem(href: string, text: string, current: boolean): HTMLElement {
  return h(
    'li',
    { class: 'nav-item' },
    h('a', { class: `nav-link${current ? ' active fw-semibold' : ''}`, href, 'aria-current': current ? 'page' : undefined }, text),
  )
}

/** footer is the app's footer: its own part, if any, over the small prints. */
export function footer(text: string, main?: Child): HTMLElement {
  return h(
    'footer',
    { class: 'it-footer mt-5' },
    main,
    h(
      'div',
      { class: 'it-footer-small-prints clearfix' },
      h('div', { class: 'container' }, h('p', { class: 'text-white py-3 mb-0 small' }, text)),
    ),
  )
}

/** frame replaces the page with the skip link, the regions and an empty main. */
export function frame(top: HTMLElement, nav: HTMLElement | false | null, bottom: HTMLElement): void {
  document.body.replaceChildren(
    h('div', { class: 'skiplinks' }, h('a', { class: 'visually-hidden-focusable', href: '#main' }, shared.t('skip.main'))),
    top,
    nav || '',
    h('div', { class: 'container mt-3' }, h('div', { id: 'announcer', 'aria-live': 'polite', 'aria-atomic': 'true' })),
    h('main', { id: 'main', class: 'container mb-5', tabindex: -1 }),
    bottom,
  )
}
