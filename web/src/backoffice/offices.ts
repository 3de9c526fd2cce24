// The admins' pages on the Comune's offices: the list, a new office, and
// one office's name and managers (who may reassign its applications).

import { request, tenantPath, type Office, type Operator } from './api'
import { breadcrumb, checkboxes, table } from './admin'
import { announce, base, busy, errorBox, navigate, page, problemBox, state } from './app'
import { h } from '../common/dom'
import { input } from '../common/forms'
import { t } from './i18n'

const tenant = () => state.session.tenant as string

async function load(): Promise<{ offices: Office[]; staff: Operator[] }> {
  const [offices, staff] = await Promise.all([
    request<{ items: Office[] }>('GET', tenantPath(tenant(), 'admin/offices')),
    request<{ items: Operator[] }>('GET', tenantPath(tenant(), 'admin/operators')),
  ])
  return { offices: offices.items, staff: staff.items }
}

/** managerChoices are the accounts that can manage an office: enabled ones, and those it already has. */
function managerChoices(staff: Operator[], current: string[]): [string, string][] {
  return staff.filter((o) => !o.disabled || current.includes(o.username)).map((o) => [o.username, `${o.name} (${o.username})`])
}

function put(id: string, name: string, managers: string[]): Promise<Office> {
  return request<Office>('PUT', tenantPath(tenant(), `admin/offices/${encodeURIComponent(id)}`), { name, managers })
}

/** officesView lists the offices and creates one. */
export async function officesView(): Promise<void> {
  const title = t('offices.title')
  page(title, h('h1', { class: 'my-4' }, title), h('p', null, t('loading')))
  let data: Awaited<ReturnType<typeof load>>
  try {
    data = await load()
  } catch (err) {
    page(title, h('h1', { class: 'my-4' }, title), problemBox(err))
    return
  }
  const staffName = new Map(data.staff.map((o) => [o.username, o.name]))
  const list = data.offices.length
    ? table(
        title,
        [t('offices.name'), t('offices.id'), t('offices.managers')],
        data.offices.map((o) => [
          h('a', { href: `${base}uffici/${encodeURIComponent(o.id)}` }, o.name),
          h('code', null, o.id),
          o.managers.map((m) => staffName.get(m) ?? m).join('; ') || '—',
        ]),
        { 'data-offices': '' },
      )
    : h('p', null, t('offices.none'))

  const id = input(t('offices.id'), { name: 'id', required: true, autocomplete: 'off', hint: t('offices.idHint'), maxlength: 64 })
  const name = input(t('offices.name'), { name: 'name', required: true, autocomplete: 'off', maxlength: 100 })
  const managers = checkboxes(t('offices.managers'), 'managers', managerChoices(data.staff, []), [], t('offices.managersHint'))
  const form = h(
    'form',
    { class: 'col-lg-8', novalidate: true, 'aria-labelledby': 'new-office' },
    h('h2', { id: 'new-office', class: 'h4 mb-4' }, t('offices.new')),
    id.group,
    name.group,
    managers.group,
  )
  const errors = errorBox(form)
  form.append(errors.box, h('button', { type: 'submit', class: 'btn btn-primary' }, t('offices.create')))
  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    errors.clear()
    const code = id.field.value.trim()
    // The API creates or changes the office of an id: a new office must
    // not silently rename an existing one.
    if (data.offices.some((o) => o.id === code)) {
      errors.show(t('offices.exists', { id: code }))
      id.field.focus()
      return
    }
    try {
      const o = await busy(form, () => put(code, name.field.value.trim(), managers.values()))
      await officesView()
      announce(t('offices.created', { name: o.name }))
    } catch (err) {
      errors.show(err)
    }
  })
  page(title, h('h1', { class: 'my-4' }, title), list, h('div', { class: 'mt-5' }, form))
}

/** officeView renames an office and changes its managers. */
export async function officeView(officeID: string): Promise<void> {
  const title = t('offices.title')
  const crumbs = breadcrumb(`${base}uffici`, title, officeID)
  page(title, crumbs, h('h1', { class: 'my-4' }, officeID), h('p', null, t('loading')))
  let data: Awaited<ReturnType<typeof load>>
  try {
    data = await load()
  } catch (err) {
    page(title, crumbs, h('h1', { class: 'my-4' }, officeID), problemBox(err))
    return
  }
  const office = data.offices.find((o) => o.id === officeID)
  if (!office) {
    page(title, crumbs, h('h1', { class: 'my-4' }, officeID), h('p', null, t('offices.missing')))
    return
  }
  const name = input(t('offices.name'), { name: 'name', required: true, value: office.name, maxlength: 100 })
  const managers = checkboxes(t('offices.managers'), 'managers', managerChoices(data.staff, office.managers), office.managers, t('offices.managersHint'))
  const form = h('form', { class: 'col-lg-8', novalidate: true }, h('p', null, t('offices.idIs'), ' ', h('code', null, office.id)), name.group, managers.group)
  const errors = errorBox(form)
  form.append(
    errors.box,
    h('button', { type: 'submit', class: 'btn btn-primary me-2' }, t('offices.save')),
    h('a', { class: 'btn btn-outline-primary', href: `${base}uffici` }, t('admin.cancel')),
  )
  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    errors.clear()
    try {
      const o = await busy(form, () => put(office.id, name.field.value.trim(), managers.values()))
      navigate(`${base}uffici`)
      announce(t('offices.saved', { name: o.name }))
    } catch (err) {
      errors.show(err)
    }
  })
  page(office.name, crumbs, h('h1', { class: 'my-4' }, office.name), form)
}
