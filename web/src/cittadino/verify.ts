// The page the verification email links to (/verifica-email?token=…): it
// asks the API to verify the address, says in words how it went, and
// leads on to where the citizen was going when they asked for the email.

import { request } from './api'
import { breadcrumb, citizen, failure, page, state } from './app'
import { h } from '../common/dom'
import { t } from './i18n'

export const verifyPath = '/verifica-email'

const returnKey = 'stanza.cittadino.afterVerification'

/**
 * rememberReturn keeps, in this browser, the page to go on to once the
 * email is verified: the link opens in a new tab, with no memory of the
 * page that sent it.
 */
export function rememberReturn(path: string): void {
  localStorage.setItem(returnKey, path)
}

interface Verification {
  email: string
  verified: boolean
}

/** verifyEmailView verifies the address the token names. */
export async function verifyEmailView(token: string): Promise<void> {
  const title = t('verify.title')
  const top = () => [breadcrumb([title]), h('h1', { class: 'my-4' }, title)]
  page(title, ...top(), h('p', null, t('verify.checking')))
  // The token has done its job once sent: it leaves the address bar and
  // the history, where it would be kept for nothing.
  history.replaceState(null, '', verifyPath)
  let v: Verification
  try {
    v = await request<Verification>('GET', `/api/v1/email-verification?${new URLSearchParams({ token })}`)
  } catch (err) {
    failure(title, err, breadcrumb([title]))
    return
  }
  // The first-access steps are asked again, now that one is done.
  state.firstAccess = null
  const next = localStorage.getItem(returnKey)
  localStorage.removeItem(returnKey)
  const onward = citizen() && next ? next : '/'
  page(
    title,
    ...top(),
    h('div', { class: 'alert alert-success', role: 'status' }, t(v.verified ? 'verify.done' : 'verify.notDone', { email: v.email })),
    h('p', null, h('a', { class: 'btn btn-primary', href: onward }, onward === '/' ? t('verify.services') : t('verify.continue'))),
  )
}
