// The signed-in member of staff's own account: the password change.

import { request, tenantPath } from './api'
import { announce, busy, errorBox, page, state } from './app'
import { h } from '../common/dom'
import { input } from '../common/forms'
import { t } from './i18n'

/** accountView changes one's own password; the API signs out every other session. */
export function accountView(): void {
  const title = t('account.title')
  const current = input(t('account.current'), { name: 'current', type: 'password', required: true, autocomplete: 'current-password' })
  const next = input(t('account.new'), { name: 'new', type: 'password', required: true, autocomplete: 'new-password', hint: t('account.newHint') })
  const again = input(t('account.again'), { name: 'again', type: 'password', required: true, autocomplete: 'new-password' })
  const form = h(
    'form',
    { class: 'col-md-8 col-lg-6', novalidate: true, 'aria-labelledby': 'password-title' },
    h('h2', { id: 'password-title', class: 'h4 mb-4' }, t('account.password')),
    h('p', null, t('account.intro')),
    current.group,
    next.group,
    again.group,
  )
  const errors = errorBox(form)
  form.append(errors.box, h('button', { type: 'submit', class: 'btn btn-primary' }, t('account.change')))
  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    errors.clear()
    if (!current.field.value || !next.field.value) {
      errors.show(t('account.missing'))
      return
    }
    if (next.field.value !== again.field.value) {
      errors.show(t('account.mismatch'))
      again.field.focus()
      return
    }
    try {
      await busy(form, () =>
        request('POST', tenantPath(state.session.tenant as string, 'operator/password'), { current: current.field.value, new: next.field.value }),
      )
      form.reset()
      announce(t('account.changed'))
    } catch (err) {
      errors.show(err)
    }
  })
  page(
    title,
    h('h1', { class: 'my-4' }, title),
    h(
      'dl',
      { class: 'row mb-4' },
      h('dt', { class: 'col-sm-3 fw-semibold' }, t('staff.name')),
      h('dd', { class: 'col-sm-9' }, state.session.name ?? ''),
      h('dt', { class: 'col-sm-3 fw-semibold' }, t('staff.username')),
      h('dd', { class: 'col-sm-9' }, h('code', null, state.session.subject ?? '')),
      h('dt', { class: 'col-sm-3 fw-semibold' }, t('staff.role')),
      h('dd', { class: 'col-sm-9' }, state.session.role === 'admin' ? t('staff.roleAdmin') : t('staff.roleOperator')),
    ),
    form,
  )
}
