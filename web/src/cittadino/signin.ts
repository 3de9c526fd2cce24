// Signing in with SPID or CIE, as AgID's guidelines draw the buttons, and
// the first-access steps every service asks before an application: the
// Comune's terms of use, contacts and residence, a verified email.

import { request, tenantPath, type Access, type Application, type Profile, type Provider, type Terms } from './api'
import { announce, breadcrumb, busy, citizen, errorBox, failure, navigate, page, state, tenant } from './app'
import { h, icon, uid } from '../common/dom'
import { input } from '../common/forms'
import { date, t } from './i18n'
import { rememberReturn } from './verify'

/** firstAccessPath is where the first-access steps are, with the page to return to. */
export function firstAccessPath(next: string): string {
  return `/primo-accesso?${new URLSearchParams({ next })}`
}

/** signInPath is the sign-in page, with the level asked and the page to return to. */
export function signInPath(next: string, level = 'spid-l2'): string {
  return `/accesso?${new URLSearchParams({ level, next })}`
}

/**
 * apply starts (or resumes) an application for a service, once the API
 * says the citizen may: otherwise it leads to sign-in or to the missing
 * first-access steps, which come back to the service's sheet.
 */
export async function apply(service: string): Promise<void> {
  const back = `/servizi/${encodeURIComponent(service)}`
  const access = await request<Access>(
    'GET',
    tenantPath(tenant(), `services/${encodeURIComponent(service)}/access?${new URLSearchParams({ next: back })}`),
  )
  if (access.reason === 'sign-in' || access.reason === 'level') {
    navigate(signInPath(back, access.requiredLevel))
    return
  }
  if (access.reason === 'terms' || access.reason === 'profile') {
    navigate(firstAccessPath(back))
    return
  }
  const draft = await request<Application>('POST', tenantPath(tenant(), 'applications'), { service })
  navigate(`/pratiche/${encodeURIComponent(draft.id)}`)
}

/** signInView offers SPID's identity providers and CIE. */
export async function signInView(next: string, level: string): Promise<void> {
  const title = t('signin.title')
  page(title, breadcrumb([title]), h('h1', { class: 'my-4' }, title), h('p', null, t('loading')))
  let providers: Provider[]
  try {
    providers = (await request<{ items: Provider[] }>('GET', '/auth/idps')).items
  } catch (err) {
    failure(title, err, breadcrumb([title]))
    return
  }
  const login = (p: Provider) => `/auth/login?${new URLSearchParams({ idp: p.entityId, level, next })}`
  // AgID asks for the SPID providers in a random order, so that none is favoured.
  const spid = shuffle(providers.filter((p) => p.kind === 'spid'))
  const cie = providers.find((p) => p.kind === 'cie')
  const menuId = uid('spid-idps')
  const menu = h(
    'ul',
    { id: menuId, class: 'list-unstyled border rounded shadow-sm mt-2 mb-0 bg-white', hidden: true, 'aria-label': t('signin.spidChoose') },
    spid.map((p) => h('li', { class: 'border-bottom' }, h('a', { class: 'd-block px-3 py-2', href: login(p) }, p.name))),
    h('li', { class: 'px-3 py-2 small' }, h('a', { href: 'https://www.spid.gov.it', rel: 'noopener' }, t('signin.spidMore'))),
    h('li', { class: 'px-3 py-2 small' }, h('a', { href: 'https://www.spid.gov.it/cos-e-spid/come-attivare-spid/', rel: 'noopener' }, t('signin.spidNone'))),
    h('li', { class: 'px-3 py-2 small' }, h('a', { href: 'https://www.spid.gov.it/serve-aiuto', rel: 'noopener' }, t('signin.spidHelp'))),
  )
  const spidButton = h(
    'button',
    {
      type: 'button',
      class: 'btn btn-primary btn-icon btn-lg w-100 justify-content-start',
      'aria-haspopup': 'true',
      'aria-expanded': 'false',
      'aria-controls': menuId,
      onclick: () => {
        const open = menu.hidden
        menu.hidden = !open
        spidButton.setAttribute('aria-expanded', String(open))
        if (open) menu.querySelector('a')?.focus()
      },
    },
    h('span', { class: 'rounded-icon me-2' }, icon('it-user', 'icon-primary')),
    h('span', null, t('signin.spid')),
  )
  const columns: HTMLElement[] = []
  if (spid.length) {
    columns.push(
      h('div', { class: 'col-12 col-md-6 mb-4' }, h('h2', { class: 'h5' }, 'SPID'), h('p', { class: 'small' }, t('signin.spidHint')), spidButton, menu),
    )
  }
  if (cie) {
    columns.push(
      h(
        'div',
        { class: 'col-12 col-md-6 mb-4' },
        h('h2', { class: 'h5' }, 'CIE'),
        h('p', { class: 'small' }, t('signin.cieHint')),
        h(
          'a',
          { class: 'btn btn-primary btn-icon btn-lg w-100 justify-content-start', href: login(cie) },
          h('span', { class: 'rounded-icon me-2' }, icon('it-card', 'icon-primary')),
          h('span', null, t('signin.cie')),
        ),
        h('p', { class: 'small mt-2' }, h('a', { href: 'https://www.cartaidentita.interno.gov.it', rel: 'noopener' }, t('signin.cieMore'))),
      ),
    )
  }
  page(
    title,
    breadcrumb([title]),
    h('h1', { class: 'my-4' }, title),
    h('p', { class: 'lead' }, t('signin.intro')),
    columns.length ? h('div', { class: 'row' }, columns) : h('p', null, t('signin.noProviders')),
  )
}

function shuffle<T>(items: T[]): T[] {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    ;[out[i], out[j]] = [out[j], out[i]]
  }
  return out
}

interface Standing {
  terms: Terms
  profile: Profile
}

async function standing(): Promise<Standing> {
  const [terms, profile] = await Promise.all([
    request<Terms>('GET', tenantPath(tenant(), 'terms')),
    request<Profile>('GET', '/api/v1/me'),
  ])
  return { terms, profile }
}

/** firstAccessNeeded reports whether the signed-in citizen has steps left. */
export async function firstAccessNeeded(): Promise<boolean> {
  if (!citizen() || !tenant()) return false
  const s = await standing()
  return !s.terms.accepted || !s.profile.complete
}

/** firstAccessView shows the first step still to do, until none is left. */
export async function firstAccessView(next: string): Promise<void> {
  const title = t('first.title')
  const top = () => [breadcrumb([title]), h('h1', { class: 'my-4' }, title)]
  page(title, ...top(), h('p', null, t('loading')))
  let s: Standing
  try {
    s = await standing()
  } catch (err) {
    failure(title, err, breadcrumb([title]))
    return
  }
  const account = s.profile.account
  const termsDone = s.terms.accepted === true
  const profileDone = s.profile.missing.every((m) => m === 'emailVerified')
  const emailDone = account.emailVerified
  if (termsDone && profileDone && emailDone) {
    state.firstAccess = false
    navigate(next, true)
    announce(t('first.complete'))
    return
  }
  const steps = h(
    'ol',
    { class: 'list-unstyled d-flex flex-column flex-md-row gap-2 mb-4', 'aria-label': t('first.steps') },
    (
      [
        [t('first.stepTerms'), termsDone],
        [t('first.stepProfile'), profileDone],
        [t('first.stepEmail'), emailDone],
      ] as [string, boolean][]
    ).map(([name, done], i) =>
      h(
        'li',
        { class: `flex-fill border rounded p-2 ${done ? 'border-success' : ''}` },
        h('span', { class: 'fw-semibold' }, `${i + 1}. ${name}`),
        h('span', { class: `d-block small ${done ? 'text-success' : 'text-muted'}` }, done ? t('first.done') : t('first.todo')),
      ),
    ),
  )
  const again = () => void firstAccessView(next)
  let step: HTMLElement
  if (!termsDone) step = termsStep(s.terms, again)
  else if (!profileDone) step = profileStep(s.profile, again)
  else {
    step = emailStep(s.profile, again)
    // The emailed link comes back here, and so on to next.
    rememberReturn(firstAccessPath(next))
  }
  page(title, ...top(), h('p', { class: 'lead' }, t('first.intro', { comune: state.comune?.name ?? '' })), steps, step)
}

function termsStep(terms: Terms, done: () => void): HTMLElement {
  const id = uid('accept')
  const box = h('input', { type: 'checkbox', id, name: 'accept' })
  const form = h(
    'form',
    { novalidate: true },
    h('h2', { class: 'h4' }, t('terms.title')),
    h('p', { class: 'small text-muted' }, t('terms.version', { n: terms.version, date: date(terms.publishedAt) })),
    h('div', { class: 'border rounded p-3 mb-4 terms-text', tabindex: 0 }, markdown(terms.text)),
    h('div', { class: 'form-check mb-4' }, box, h('label', { for: id }, t('terms.accept'))),
  )
  const errors = errorBox(form)
  form.append(errors.box, h('button', { type: 'submit', class: 'btn btn-primary' }, t('terms.submit')))
  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    if (!box.checked) {
      errors.show(t('terms.missing'))
      box.focus()
      return
    }
    try {
      await busy(form, () => request('POST', tenantPath(tenant(), 'terms/acceptances'), { version: terms.version }))
      done()
    } catch (err) {
      errors.show(err)
    }
  })
  return form
}

/**
 * markdown shows the terms' simple Markdown (headings, lists, paragraphs)
 * as elements, never as markup: the text is the Comune's, but it still
 * goes through text nodes only.
 */
function markdown(text: string): HTMLElement {
  const out = h('div')
  let list: HTMLElement | null = null
  for (const block of text.split(/\n{2,}/)) {
    list = null
    for (const line of block.split('\n')) {
      const heading = line.match(/^(#{1,6})\s+(.*)$/)
      if (heading) {
        out.append(h(heading[1].length === 1 ? 'h3' : 'h4', { class: 'h6 mt-3' }, heading[2]))
      } else if (/^[-*]\s+/.test(line)) {
        if (!list) {
          list = h('ul')
          out.append(list)
        }
        list.append(h('li', null, line.replace(/^[-*]\s+/, '')))
      } else if (line.trim()) {
        out.append(h('p', null, line))
      }
    }
  }
  return out
}

function profileStep(p: Profile, done: () => void): HTMLElement {
  const a = p.account
  const email = input(t('profile.email'), { name: 'email', type: 'email', value: a.email || a.suggestedEmail, required: true, autocomplete: 'email' })
  const mobile = input(t('profile.mobile'), { name: 'mobile', type: 'tel', value: a.mobile, autocomplete: 'tel', hint: t('profile.mobileHint') })
  const street = input(t('profile.street'), { name: 'address.street', value: a.address.street, required: true, autocomplete: 'street-address', hint: t('profile.streetHint') })
  const postal = input(t('profile.postalCode'), { name: 'address.postalCode', value: a.address.postalCode, required: true, autocomplete: 'postal-code', inputmode: 'numeric', maxlength: 5 })
  const city = input(t('profile.city'), { name: 'address.city', value: a.address.city, required: true, autocomplete: 'address-level2' })
  const province = input(t('profile.province'), { name: 'address.province', value: a.address.province, required: true, maxlength: 2 })
  const form = h(
    'form',
    { novalidate: true },
    h('h2', { class: 'h4' }, t('profile.title')),
    h('p', null, t('profile.intro')),
    h(
      'dl',
      { class: 'row small mb-4' },
      h('dt', { class: 'col-sm-4' }, t('profile.name')),
      h('dd', { class: 'col-sm-8' }, `${a.name} ${a.familyName}`),
      h('dt', { class: 'col-sm-4' }, t('profile.fiscalCode')),
      h('dd', { class: 'col-sm-8' }, a.fiscalCode),
    ),
    email.group,
    mobile.group,
    street.group,
    h('div', { class: 'row' }, h('div', { class: 'col-md-3' }, postal.group), h('div', { class: 'col-md-6' }, city.group), h('div', { class: 'col-md-3' }, province.group)),
  )
  const errors = errorBox(form)
  form.append(errors.box, h('button', { type: 'submit', class: 'btn btn-primary' }, t('profile.submit')))
  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    errors.clear()
    try {
      await busy(form, () =>
        request('PATCH', '/api/v1/me', {
          email: email.field.value.trim(),
          mobile: mobile.field.value.trim(),
          address: {
            street: street.field.value.trim(),
            postalCode: postal.field.value.trim(),
            city: city.field.value.trim(),
            province: province.field.value.trim().toUpperCase(),
          },
        }),
      )
      done()
    } catch (err) {
      errors.show(err)
    }
  })
  return form
}

function emailStep(p: Profile, done: () => void): HTMLElement {
  const email = p.account.email ?? ''
  const sentNote = h('div', { 'aria-live': 'polite' })
  const form = h('form', { novalidate: true }, h('h2', { class: 'h4' }, t('email.title')), h('p', null, t('email.intro', { email })), sentNote)
  const errors = errorBox(form)
  const send = h('button', { type: 'submit', class: 'btn btn-primary me-2 mb-2', value: 'send' }, t('email.send'))
  const check = h('button', { type: 'submit', class: 'btn btn-outline-primary me-2 mb-2', value: 'check' }, t('email.check'))
  const change = h('button', { type: 'submit', class: 'btn btn-link mb-2', value: 'change' }, t('email.change'))
  form.append(errors.box, send, check, change)
  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    errors.clear()
    const action = ((e as SubmitEvent).submitter as HTMLButtonElement | null)?.value
    if (action === 'change') {
      form.replaceWith(profileStep({ ...p, missing: ['email'] }, done))
      return
    }
    try {
      if (action === 'send') {
        await busy(form, () => request('POST', '/api/v1/me/email-verification'))
        send.textContent = t('email.resend')
        sentNote.replaceChildren(h('div', { class: 'alert alert-info' }, t('email.sent', { email })))
        return
      }
      const now = await busy(form, () => request<Profile>('GET', '/api/v1/me'))
      if (!now.account.emailVerified) {
        errors.show(t('email.notYet'))
        return
      }
      done()
    } catch (err) {
      errors.show(err)
    }
  })
  return form
}
