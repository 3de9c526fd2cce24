// The admins' pages on the Comune's staff: the list, a new account with
// its initial password shown once, and one account's role, services,
// offices, status and second factor.

import { request, tenantPath, type CreatedOperator, type Office, type Operator, type ServiceSummary } from './api'
import { breadcrumb, checkboxes, confirmed, shownOnce, table } from './admin'
import { announce, base, busy, errorBox, page, problemBox, state } from './app'
import { h } from '../common/dom'
import { input, select } from '../common/forms'
import { dateTime, t } from './i18n'

const tenant = () => state.session.tenant as string

/** directory is what the staff pages name services and offices with. */
async function directory(): Promise<{ services: ServiceSummary[]; offices: Office[] }> {
  const [services, offices] = await Promise.all([
    request<{ items: ServiceSummary[] }>('GET', tenantPath(tenant(), 'admin/services')),
    request<{ items: Office[] }>('GET', tenantPath(tenant(), 'admin/offices')),
  ])
  return { services: services.items, offices: offices.items }
}

function roleLabel(role: string): string {
  return role === 'admin' ? t('staff.roleAdmin') : t('staff.roleOperator')
}

function statusOf(op: Operator): string {
  const parts = [op.disabled ? t('staff.disabled') : t('staff.enabled')]
  if (!op.enrolled) parts.push(t('staff.notEnrolled'))
  if (op.lockedUntil && new Date(op.lockedUntil) > new Date()) parts.push(t('staff.locked', { until: dateTime(op.lockedUntil) }))
  return parts.join(' · ')
}

/** operatorsView lists the staff and creates accounts. */
export async function operatorsView(): Promise<void> {
  const title = t('staff.title')
  page(title, h('h1', { class: 'my-4' }, title), h('p', null, t('loading')))
  let ops: Operator[]
  let dir: Awaited<ReturnType<typeof directory>>
  try {
    ;[ops, dir] = await Promise.all([
      request<{ items: Operator[] }>('GET', tenantPath(tenant(), 'admin/operators')).then((r) => r.items),
      directory(),
    ])
  } catch (err) {
    page(title, h('h1', { class: 'my-4' }, title), problemBox(err))
    return
  }
  const serviceName = new Map(dir.services.map((s) => [s.slug, s.title]))
  const officeName = new Map(dir.offices.map((o) => [o.id, o.name]))
  const list = table(
    title,
    [t('staff.name'), t('staff.username'), t('staff.role'), t('staff.services'), t('staff.offices'), t('staff.status')],
    ops.map((op) => [
      h('a', { href: `${base}operatori/${encodeURIComponent(op.username)}` }, op.name),
      h('code', null, op.username),
      roleLabel(op.role),
      op.role === 'admin' ? t('staff.allServices') : op.services.map((s) => serviceName.get(s) ?? s).join('; ') || '—',
      op.offices.map((o) => officeName.get(o) ?? o).join('; ') || '—',
      statusOf(op),
    ]),
    { 'data-operators': '' },
  )

  const username = input(t('staff.username'), { name: 'username', required: true, autocomplete: 'off', hint: t('staff.usernameHint'), maxlength: 64 })
  const name = input(t('staff.name'), { name: 'name', required: true, autocomplete: 'off', maxlength: 100 })
  const email = input(t('staff.email'), { name: 'email', type: 'email', required: true, autocomplete: 'off' })
  const role = select(t('staff.role'), 'role', [
    ['operator', t('staff.roleOperator')],
    ['admin', t('staff.roleAdmin')],
  ])
  const services = checkboxes(t('staff.services'), 'services', dir.services.map((s) => [s.slug, s.title]), [], t('staff.servicesHint'))
  const offices = checkboxes(t('staff.offices'), 'offices', dir.offices.map((o) => [o.id, o.name]))
  const form = h(
    'form',
    { class: 'col-lg-8', novalidate: true, 'aria-labelledby': 'new-operator' },
    h('h2', { id: 'new-operator', class: 'h4 mb-4' }, t('staff.new')),
    username.group,
    name.group,
    email.group,
    role.group,
    services.group,
    offices.group,
  )
  const errors = errorBox(form)
  form.append(errors.box, h('button', { type: 'submit', class: 'btn btn-primary' }, t('staff.create')))
  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    errors.clear()
    try {
      const out = await busy(form, () =>
        request<CreatedOperator>('POST', tenantPath(tenant(), 'admin/operators'), {
          username: username.field.value.trim(),
          name: name.field.value.trim(),
          email: email.field.value.trim(),
          role: role.field.value,
          services: services.values(),
          offices: offices.values(),
        }),
      )
      await operatorsView()
      announce(t('staff.created', { name: out.operator.name }))
      if (out.initialPassword) {
        document
          .getElementById('announcer')
          ?.append(shownOnce(t('staff.initialPassword', { username: out.operator.username }), out.initialPassword, t('staff.initialPasswordHint')))
      }
    } catch (err) {
      errors.show(err)
    }
  })
  page(title, h('h1', { class: 'my-4' }, title), list, h('div', { class: 'mt-5' }, form))
}

/** operatorView changes one account. */
export async function operatorView(username: string): Promise<void> {
  const title = t('staff.title')
  const crumbs = breadcrumb(`${base}operatori`, t('staff.title'), username)
  page(title, crumbs, h('h1', { class: 'my-4' }, username), h('p', null, t('loading')))
  let op: Operator | undefined
  let dir: Awaited<ReturnType<typeof directory>>
  try {
    let ops: Operator[]
    ;[ops, dir] = await Promise.all([
      request<{ items: Operator[] }>('GET', tenantPath(tenant(), 'admin/operators')).then((r) => r.items),
      directory(),
    ])
    op = ops.find((o) => o.username === username)
  } catch (err) {
    page(title, crumbs, h('h1', { class: 'my-4' }, username), problemBox(err))
    return
  }
  if (!op) {
    page(title, crumbs, h('h1', { class: 'my-4' }, username), h('p', null, t('staff.missing')))
    return
  }
  const account = op
  const path = tenantPath(tenant(), `admin/operators/${encodeURIComponent(account.username)}`)
  const reload = async (message: string) => {
    await operatorView(account.username)
    announce(message)
  }

  const role = select(
    t('staff.role'),
    'role',
    [
      ['operator', t('staff.roleOperator')],
      ['admin', t('staff.roleAdmin')],
    ],
    account.role,
  )
  const services = checkboxes(t('staff.services'), 'services', dir.services.map((s) => [s.slug, s.title]), account.services, t('staff.servicesHint'))
  const offices = checkboxes(t('staff.offices'), 'offices', dir.offices.map((o) => [o.id, o.name]), account.offices)
  const form = h('form', { class: 'col-lg-8 mb-5', novalidate: true }, role.group, services.group, offices.group)
  const errors = errorBox(form)
  form.append(errors.box, h('button', { type: 'submit', class: 'btn btn-primary' }, t('staff.save')))
  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    errors.clear()
    try {
      await busy(form, () => request<Operator>('PATCH', path, { role: role.field.value, services: services.values(), offices: offices.values() }))
      await reload(t('staff.saved'))
    } catch (err) {
      errors.show(err)
    }
  })

  const accessErrors = errorBox()
  const fail = (err: unknown) => accessErrors.show(err)
  const toggle = account.disabled
    ? h(
        'button',
        {
          type: 'button',
          class: 'btn btn-sm btn-outline-primary',
          onclick: async () => {
            try {
              await request<Operator>('PATCH', path, { disabled: false })
              await reload(t('staff.enabledNow'))
            } catch (err) {
              fail(err)
            }
          },
        },
        t('staff.enable'),
      )
    : confirmed(t('staff.disable'), t('staff.disableConfirm', { name: account.name }), t('staff.disableYes'), async () => {
        try {
          await request<Operator>('PATCH', path, { disabled: true })
          await reload(t('staff.disabledNow'))
        } catch (err) {
          fail(err)
        }
      })
  const reset = confirmed(t('staff.reset'), t('staff.resetConfirm', { name: account.name }), t('staff.resetYes'), async () => {
    try {
      await request<Operator>('POST', `${path}/second-factor-reset`, {})
      await reload(t('staff.resetDone'))
    } catch (err) {
      fail(err)
    }
  })

  page(
    account.name,
    crumbs,
    h('h1', { class: 'my-4' }, account.name),
    h(
      'dl',
      { class: 'row mb-4' },
      [
        [t('staff.username'), account.username],
        [t('staff.email'), account.email],
        [t('staff.status'), statusOf(account)],
        [t('staff.createdAt'), `${dateTime(account.createdAt)}${account.createdBy ? ` · ${account.createdBy}` : ''}`],
        [t('staff.passwordChangedAt'), account.passwordChangedAt ? dateTime(account.passwordChangedAt) : t('staff.initialStill')],
      ].flatMap(([k, v]) => [h('dt', { class: 'col-sm-4 fw-semibold' }, k), h('dd', { class: 'col-sm-8' }, v)]),
    ),
    h('h2', { class: 'h4 mb-4' }, t('staff.work')),
    form,
    h('h2', { class: 'h4 mb-3' }, t('staff.access')),
    accessErrors.box,
    h(
      'div',
      { class: 'd-flex flex-wrap gap-4 align-items-start' },
      h('div', null, h('p', { class: 'small mb-2' }, account.disabled ? t('staff.enableHint') : t('staff.disableHint')), toggle),
      h('div', null, h('p', { class: 'small mb-2' }, t('staff.resetHint')), reset),
    ),
  )
}
