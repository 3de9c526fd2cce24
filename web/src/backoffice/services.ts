// The admins' pages on the Comune's catalogue: every service with its
// status, a new service (always a draft), and one service's sheet, with
// publishing and withdrawing asked to confirm. The service's form has a
// page of its own (serviceform.ts).

import { request, tenantPath } from './api'
import { breadcrumb, checkboxes, confirmed, table } from './admin'
import { announce, base, busy, errorBox, navigate, page, problemBox, state } from './app'
import { h } from '../common/dom'
import { input, select, textarea } from '../common/forms'
import { dateTime, t } from './i18n'
import type { Key } from './it'

/** Service is a service sheet as the admins' API reads and writes it. */
export interface Service {
  slug: string
  title: string
  category: string
  summary: string
  description: string
  audience: string
  requirements: string[] | null
  cost: { free: boolean; amountCents?: number; description: string; paymentNotice?: string }
  authLevel: string
  processingDays?: number
  office?: string
  keywords?: string[] | null
  status: 'published' | 'draft'
  updatedAt: string
}

interface Category {
  slug: string
  name: string
}

const tenant = () => state.session.tenant as string

const levels: [string, Key][] = [
  ['spid-l1', 'services.level.spid-l1'],
  ['spid-l2', 'services.level.spid-l2'],
  ['spid-l3', 'services.level.spid-l3'],
  ['cie', 'services.level.cie'],
]

/** servicesPath is the admins' API path of the services, or of one. */
export function servicesPath(slug = ''): string {
  return tenantPath(tenant(), slug ? `admin/services/${encodeURIComponent(slug)}` : 'admin/services')
}

/** findService reads one service, drafts included: the API lists them all, small as a catalogue is. */
export async function findService(slug: string): Promise<Service | undefined> {
  const list = await request<{ items: Service[] }>('GET', servicesPath())
  return list.items.find((s) => s.slug === slug)
}

function categories(): Promise<Category[]> {
  return request<{ items: Category[] }>('GET', tenantPath(tenant(), 'categories')).then((r) => r.items)
}

/** serviceStatus says whether citizens see the service; the colour repeats the text. */
export function serviceStatus(s: Service): HTMLElement {
  const published = s.status === 'published'
  const text = t(published ? 'services.published' : 'services.draft')
  return h('span', { class: `badge ${published ? 'bg-success' : 'bg-secondary'}`, 'data-service-status': s.status }, text)
}

/** servicesView lists every service, drafts included. */
export async function servicesView(): Promise<void> {
  const title = t('services.title')
  page(title, h('h1', { class: 'my-4' }, title), h('p', null, t('loading')))
  let services: Service[]
  let cats: Category[]
  try {
    ;[services, cats] = await Promise.all([request<{ items: Service[] }>('GET', servicesPath()).then((r) => r.items), categories()])
  } catch (err) {
    page(title, h('h1', { class: 'my-4' }, title), problemBox(err))
    return
  }
  const categoryName = new Map(cats.map((c) => [c.slug, c.name]))
  const list = services.length
    ? table(
        title,
        [t('services.name'), t('services.slug'), t('services.category'), t('services.status'), t('services.updated')],
        services.map((s) => [
          h('a', { href: `${base}servizi/${encodeURIComponent(s.slug)}` }, s.title),
          h('code', null, s.slug),
          categoryName.get(s.category) ?? s.category,
          serviceStatus(s),
          dateTime(s.updatedAt),
        ]),
        { 'data-services': '' },
      )
    : h('p', null, t('services.none'))
  page(
    title,
    h('h1', { class: 'my-4' }, title),
    h('p', null, t('services.intro')),
    h('p', { class: 'mb-4' }, h('a', { class: 'btn btn-primary', href: `${base}nuovo-servizio` }, t('services.new'))),
    list,
  )
}

/** newServiceView creates a service as a draft, then leads to its form. */
export async function newServiceView(): Promise<void> {
  const title = t('services.new')
  const crumbs = breadcrumb(`${base}servizi`, t('services.title'), title)
  page(title, crumbs, h('h1', { class: 'my-4' }, title), h('p', null, t('loading')))
  let cats: Category[]
  try {
    cats = await categories()
  } catch (err) {
    page(title, crumbs, h('h1', { class: 'my-4' }, title), problemBox(err))
    return
  }
  const slug = input(t('services.slug'), { name: 'slug', required: true, autocomplete: 'off', hint: t('services.slugHint'), maxlength: 80 })
  const sheet = sheetFields(cats)
  const form = h('form', { class: 'col-lg-8', novalidate: true }, slug.group, sheet.fields)
  const errors = errorBox(form)
  form.append(errors.box, h('button', { type: 'submit', class: 'btn btn-primary' }, t('services.create')))
  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    errors.clear()
    const body = sheet.read()
    if (typeof body === 'string') {
      errors.show(body)
      return
    }
    try {
      const s = await busy(form, () => request<Service>('POST', servicesPath(), { ...body, slug: slug.field.value.trim() }))
      navigate(`${base}servizi/${encodeURIComponent(s.slug)}/modulo`)
      announce(t('services.created', { title: s.title }))
    } catch (err) {
      errors.show(err)
    }
  })
  page(title, crumbs, h('h1', { class: 'my-4' }, title), h('p', null, t('services.newIntro')), form)
}

/** serviceView edits a service's sheet and publishes or withdraws it. */
export async function serviceView(slug: string): Promise<void> {
  const title = t('services.title')
  const crumbs = (current: string) => breadcrumb(`${base}servizi`, title, current)
  page(title, crumbs(slug), h('h1', { class: 'my-4' }, slug), h('p', null, t('loading')))
  let service: Service | undefined
  let cats: Category[]
  try {
    ;[service, cats] = await Promise.all([findService(slug), categories()])
  } catch (err) {
    page(title, crumbs(slug), h('h1', { class: 'my-4' }, slug), problemBox(err))
    return
  }
  if (!service) {
    page(title, crumbs(slug), h('h1', { class: 'my-4' }, slug), h('p', null, t('services.missing')))
    return
  }
  const stored = service
  const reload = async (message: string) => {
    await serviceView(stored.slug)
    announce(message)
  }

  const sheet = sheetFields(cats, stored)
  const form = h('form', { class: 'col-lg-8', novalidate: true, 'aria-labelledby': 'sheet' }, h('h2', { id: 'sheet', class: 'h4 mb-4' }, t('services.sheet')), sheet.fields)
  const errors = errorBox(form)
  form.append(
    errors.box,
    h('button', { type: 'submit', class: 'btn btn-primary me-2' }, t('services.save')),
    h('a', { class: 'btn btn-outline-primary', href: `${base}servizi` }, t('admin.cancel')),
  )
  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    errors.clear()
    const body = sheet.read()
    if (typeof body === 'string') {
      errors.show(body)
      return
    }
    try {
      const s = await busy(form, () => request<Service>('PUT', servicesPath(stored.slug), { ...body, slug: stored.slug, status: stored.status }))
      if (s.status === 'published') state.services.set(s.slug, s.title)
      await reload(t('services.saved'))
    } catch (err) {
      errors.show(err)
    }
  })

  // Publishing sends the sheet as stored, not what the form holds unsaved:
  // what goes public is what the admin saved and read back.
  const statusErrors = errorBox()
  const publish = stored.status === 'draft'
  const toggle = confirmed(
    t(publish ? 'services.publish' : 'services.unpublish'),
    t(publish ? 'services.publishConfirm' : 'services.unpublishConfirm', { title: stored.title }),
    t(publish ? 'services.publishYes' : 'services.unpublishYes'),
    async () => {
      try {
        const s = await request<Service>('PUT', servicesPath(stored.slug), { ...stored, status: publish ? 'published' : 'draft' })
        if (publish) state.services.set(s.slug, s.title)
        else state.services.delete(s.slug)
        await reload(t(publish ? 'services.publishedNow' : 'services.unpublishedNow', { title: s.title }))
      } catch (err) {
        statusErrors.show(err)
      }
    },
  )

  page(
    stored.title,
    crumbs(stored.title),
    h('h1', { class: 'mt-4 mb-2' }, stored.title),
    h(
      'p',
      { class: 'd-flex flex-wrap align-items-center gap-2 mb-4' },
      serviceStatus(stored),
      h('span', { class: 'small' }, t('services.updatedAt', { at: dateTime(stored.updatedAt) })),
      h('code', { class: 'small' }, stored.slug),
    ),
    h(
      'div',
      { class: 'd-flex flex-wrap gap-4 align-items-start mb-5' },
      h(
        'div',
        null,
        h('p', { class: 'small mb-2' }, t('services.formHint')),
        h('a', { class: 'btn btn-sm btn-outline-primary', href: `${base}servizi/${encodeURIComponent(stored.slug)}/modulo` }, t('services.form')),
      ),
      h('div', null, h('p', { class: 'small mb-2' }, t(publish ? 'services.publishHint' : 'services.unpublishHint')), toggle),
    ),
    statusErrors.box,
    form,
  )
}

/**
 * sheetFields are the fields of a service's sheet, filled from s when it
 * is given. read gathers them as the API takes them, or says what to fix
 * when a field cannot be read (an amount that is not a number).
 */
function sheetFields(cats: Category[], s?: Service) {
  const filled = <T extends { field: HTMLInputElement | HTMLTextAreaElement }>(f: T, value: string | undefined): T => {
    f.field.value = value ?? ''
    return f
  }
  const title = input(t('services.name'), { name: 'title', required: true, value: s?.title, maxlength: 200 })
  const category = select(
    t('services.category'),
    'category',
    [...(s ? [] : [['', t('services.chooseCategory')] as [string, string]]), ...cats.map((c): [string, string] => [c.slug, c.name])],
    s?.category,
  )
  const summary = input(t('services.summary'), { name: 'summary', required: true, value: s?.summary, hint: t('services.summaryHint'), maxlength: 300 })
  const description = filled(textarea(t('services.description'), { name: 'description', required: true }), s?.description)
  const audience = filled(textarea(t('services.audience'), { name: 'audience', required: true }), s?.audience)
  const requirements = filled(textarea(t('services.requirements'), { name: 'requirements', hint: t('services.requirementsHint') }), (s?.requirements ?? []).join('\n'))
  const free = checkboxes(t('services.cost'), 'cost.free', [['free', t('services.free')]], s?.cost.free ? ['free'] : [])
  const amount = input(t('services.amount'), {
    name: 'cost.amountCents',
    inputmode: 'decimal',
    value: s?.cost.amountCents ? euros(s.cost.amountCents) : '',
    hint: t('services.amountHint'),
  })
  const costText = filled(textarea(t('services.costDescription'), { name: 'cost.description', hint: t('services.costDescriptionHint') }), s?.cost.description)
  const notice = filled(textarea(t('services.paymentNotice'), { name: 'cost.paymentNotice', hint: t('services.paymentNoticeHint') }), s?.cost.paymentNotice)
  const days = input(t('services.processingDays'), {
    name: 'processingDays',
    type: 'number',
    inputmode: 'numeric',
    value: s?.processingDays ? String(s.processingDays) : '',
    hint: t('services.processingDaysHint'),
  })
  const office = input(t('services.office'), { name: 'office', value: s?.office, hint: t('services.officeHint'), maxlength: 200 })
  const level = select(
    t('services.authLevel'),
    'authLevel',
    levels.map(([v, k]) => [v, t(k)]),
    s?.authLevel ?? 'spid-l2',
  )
  const keywords = input(t('services.keywords'), { name: 'keywords', value: (s?.keywords ?? []).join(', '), hint: t('services.keywordsHint') })
  const section = (text: string) => h('h3', { class: 'h5 mt-4 mb-4' }, text)
  const fields = [
    title.group,
    category.group,
    summary.group,
    description.group,
    audience.group,
    requirements.group,
    section(t('services.costsAndTimes')),
    free.group,
    amount.group,
    costText.group,
    notice.group,
    days.group,
    section(t('services.access')),
    level.group,
    office.group,
    keywords.group,
  ]
  const read = (): Omit<Service, 'slug' | 'status' | 'updatedAt'> | string => {
    const cents = parseEuros(amount.field.value)
    if (cents === undefined) return t('services.amountInvalid')
    const n = days.field.value.trim()
    if (n !== '' && !/^\d+$/.test(n)) return t('services.processingDaysInvalid')
    const lines = (text: string, sep: RegExp) =>
      text
        .split(sep)
        .map((x) => x.trim())
        .filter(Boolean)
    return {
      title: title.field.value.trim(),
      category: category.field.value,
      summary: summary.field.value.trim(),
      description: description.field.value.trim(),
      audience: audience.field.value.trim(),
      requirements: lines(requirements.field.value, /\n/),
      cost: {
        free: free.values().includes('free'),
        amountCents: cents,
        description: costText.field.value.trim(),
        paymentNotice: notice.field.value.trim(),
      },
      authLevel: level.field.value,
      processingDays: n === '' ? 0 : Number(n),
      office: office.field.value.trim(),
      keywords: lines(keywords.field.value, /,/),
    }
  }
  return { fields, read }
}

/** euros writes an amount in cents as the admin types it: 16,00. */
function euros(cents: number): string {
  return (cents / 100).toFixed(2).replace('.', ',')
}

/** parseEuros reads "16", "16,5" or "16.50" as cents; "" is no amount, anything else undefined. */
function parseEuros(text: string): number | undefined {
  const v = text.trim()
  if (v === '') return 0
  if (!/^\d+(?:[.,]\d{1,2})?$/.test(v)) return undefined
  return Math.round(Number(v.replace(',', '.')) * 100)
}
