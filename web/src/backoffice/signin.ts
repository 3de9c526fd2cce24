// Operator sign-in: username and password, then the app's six-digit code,
// or on a first sign-in the enrolment of the app.

import { request, tenantPath, type Comune, type LoginStep, type OperatorSession } from './api'
import { busy, errorBox, page } from './app'
import { h } from '../common/dom'
import { input, select } from '../common/forms'
import { t } from './i18n'

type Done = (s: OperatorSession) => Promise<void>

/** signInView asks for the credentials; done receives the new session. */
export async function signInView(done: Done): Promise<void> {
  const heading = h('h1', { class: 'my-4' }, t('signin.title'))
  page(t('signin.title'), heading, h('p', null, t('loading')))
  let comuni: Comune[] = []
  const errors = errorBox()
  try {
    comuni = (await request<{ items: Comune[] }>('GET', '/api/v1/tenants')).items
  } catch (err) {
    errors.show(err)
    page(t('signin.title'), heading, errors.box)
    return
  }
  const wanted = new URLSearchParams(location.search).get('comune')
  const chosen = comuni.find((c) => c.id === wanted)?.id ?? comuni[0]?.id ?? ''
  const comune = select(
    t('signin.comune'),
    'tenant',
    comuni.map((c) => [c.id, c.name]),
    chosen,
  )
  const username = input(t('signin.username'), { name: 'username', required: true, autocomplete: 'username' })
  const password = input(t('signin.password'), {
    name: 'password',
    type: 'password',
    required: true,
    autocomplete: 'current-password',
  })
  const form = h(
    'form',
    { class: 'col-md-8 col-lg-6', novalidate: true },
    comuni.length > 1 ? comune.group : '',
    username.group,
    password.group,
  )
  const formErrors = errorBox(form)
  form.append(formErrors.box, h('button', { type: 'submit', class: 'btn btn-primary' }, t('signin.submit')))
  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    const tenant = comune.field.value
    if (!username.field.value || !password.field.value) {
      formErrors.show(t('signin.missing'))
      return
    }
    try {
      const step = await busy(form, () =>
        request<LoginStep>('POST', tenantPath(tenant, 'operator-login'), {
          username: username.field.value,
          password: password.field.value,
        }),
      )
      secondFactor(tenant, step, done)
    } catch (err) {
      formErrors.show(err)
    }
  })
  page(
    t('signin.title'),
    heading,
    h('p', { class: 'lead' }, t('signin.intro')),
    form,
  )
}

/** secondFactor asks for the app's code, or enrols the app first. */
function secondFactor(tenant: string, step: LoginStep, done: Done): void {
  const enrol = step.step === 'enrol'
  const title = enrol ? t('enrol.title') : t('totp.title')
  const code = input(t('totp.code'), {
    name: 'code',
    required: true,
    autocomplete: 'one-time-code',
    inputmode: 'numeric',
    maxlength: 6,
    hint: t('totp.hint'),
  })
  const recovery = input(t('totp.recovery'), { name: 'recoveryCode', autocomplete: 'off', hint: t('totp.recoveryHint') })
  const useRecovery = h('input', { type: 'checkbox', id: 'use-recovery' })
  const recoveryToggle = h(
    'div',
    { class: 'form-check mb-4' },
    useRecovery,
    h('label', { for: 'use-recovery' }, t('totp.useRecovery')),
  )
  useRecovery.addEventListener('change', () => {
    code.group.hidden = useRecovery.checked
    recovery.group.hidden = !useRecovery.checked
  })
  recovery.group.hidden = true
  const form = h('form', { class: 'col-md-8 col-lg-6', novalidate: true }, code.group, enrol ? '' : recovery.group, enrol ? '' : recoveryToggle)
  const errors = errorBox(form)
  form.append(
    errors.box,
    h('button', { type: 'submit', class: 'btn btn-primary me-2' }, enrol ? t('enrol.submit') : t('totp.submit')),
    h('a', { class: 'btn btn-outline-primary', href: location.pathname + location.search }, t('totp.restart')),
  )
  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    const body = useRecovery.checked
      ? { challenge: step.challenge, recoveryCode: recovery.field.value.trim() }
      : { challenge: step.challenge, code: code.field.value.trim() }
    try {
      const s = await busy(form, () =>
        request<OperatorSession>('POST', tenantPath(tenant, enrol ? 'operator-login/enrolment' : 'operator-login/totp'), body),
      )
      if (s.recoveryCodes?.length) recoveryCodes(s, done)
      else await done(s)
    } catch (err) {
      errors.show(err)
    }
  })
  const setup = enrol && [
    h('p', null, t('enrol.intro')),
    step.qrCode && h('img', { src: step.qrCode, alt: t('enrol.qr'), width: 200, height: 200, class: 'mb-3 d-block' }),
    h('p', null, t('enrol.secret'), ' ', h('code', { class: 'text-break-all fs-5' }, step.secret ?? '')),
  ]
  page(title, h('h1', { class: 'my-4' }, title), setup || h('p', { class: 'mb-4' }, t('totp.intro')), form)
}

/** recoveryCodes shows, this once, the codes that replace a lost app. */
function recoveryCodes(s: OperatorSession, done: Done): void {
  const title = t('recovery.title')
  page(
    title,
    h('h1', { class: 'my-4' }, title),
    h('p', null, t('recovery.intro')),
    h('ul', { class: 'list-unstyled font-monospace fs-5' }, (s.recoveryCodes ?? []).map((c) => h('li', null, c))),
    h('button', { type: 'button', class: 'btn btn-primary', onclick: () => void done(s) }, t('recovery.continue')),
  )
}
