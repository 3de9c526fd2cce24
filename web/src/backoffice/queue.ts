// The queues: da assegnare, da gestire, concluse, tutte, with their
// counts, filters and the search. The URL holds the queue, the filters and
// the search, so a reload or the back button shows the same list.

import { request, tenantPath, type Queue, type QueueItem, type QueueList } from './api'
import { base, errorBox, navigate, page, serviceTitle, state } from './app'
import { h } from '../common/dom'
import { input, select } from '../common/forms'
import { dateTime, statusLabel, t } from './i18n'
import { statusBadge } from '../common/status'

const queues: Queue[] = ['da-assegnare', 'da-gestire', 'concluse', 'tutte']
const filterNames = ['service', 'status', 'from', 'to', 'order'] as const

// The statuses an operator filters by: those of submitted applications.
const statuses = [2000, 3000, 4000, 4100, 4200, 4300, 4400, 4500, 7000, 9000, 20000]

const queueKeys = {
  'da-assegnare': 'queue.unassigned',
  'da-gestire': 'queue.mine',
  concluse: 'queue.concluded',
  tutte: 'queue.all',
} as const

/** queueView lists a queue, or the results of a search, as params say. */
export async function queueView(params: URLSearchParams): Promise<void> {
  const tenant = state.session.tenant as string
  const q = params.get('q') ?? ''
  const queue = (queues as string[]).includes(params.get('queue') ?? '') ? (params.get('queue') as Queue) : 'da-assegnare'
  const api = new URLSearchParams()
  if (q) {
    api.set('q', q)
  } else {
    api.set('queue', queue)
    for (const name of filterNames) {
      const v = params.get(name)
      if (v) api.set(name, v)
    }
  }
  const title = q ? t('search.title') : t(queueKeys[queue])
  const errors = errorBox()
  const listRegion = h('div', null, h('p', null, t('loading')))
  const tabsRegion = h('div')
  page(
    title,
    h('h1', { class: 'my-4' }, t('queue.title')),
    searchForm(q),
    tabsRegion,
    q ? '' : filterForm(params),
    errors.box,
    listRegion,
  )

  let list: QueueList
  try {
    list = await request<QueueList>('GET', tenantPath(tenant, `backoffice/applications?${api}`))
  } catch (err) {
    listRegion.replaceChildren()
    errors.show(err)
    return
  }
  tabsRegion.replaceChildren(q ? searchHeading(q, queue) : tabs(queue, list, params))

  const body = h('tbody')
  const caption = h('caption', { class: 'visually-hidden' }, title)
  const table = h(
    'div',
    { class: 'table-responsive' },
    h(
      'table',
      { class: 'table table-hover align-middle' },
      caption,
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          [t('col.service'), t('col.applicant'), t('col.protocol'), t('col.status'), t('col.submitted'), t('col.updated')].map(
            (c) => h('th', { scope: 'col' }, c),
          ),
        ),
      ),
      body,
    ),
  )
  const more = h('div', { class: 'mt-3' })
  const moreErrors = errorBox()
  const addPage = (l: QueueList) => {
    body.append(...l.items.map(row))
    more.replaceChildren()
    if (!l.cursor) return
    const button = h('button', { type: 'button', class: 'btn btn-outline-primary' }, t('queue.more'))
    button.addEventListener('click', async () => {
      button.disabled = true
      const next = new URLSearchParams(api)
      next.set('cursor', l.cursor as string)
      try {
        const added = await request<QueueList>('GET', tenantPath(tenant, `backoffice/applications?${next}`))
        const first = added.items.length ? body.children.length : -1
        addPage(added)
        // Focus the first new row's link, so keyboard users go on from there.
        body.children[first]?.querySelector('a')?.focus()
      } catch (err) {
        button.disabled = false
        moreErrors.show(err)
      }
    })
    more.append(button)
  }
  if (list.items.length === 0) {
    listRegion.replaceChildren(h('p', { class: 'mt-4' }, q ? t('search.none') : t('queue.empty')))
    return
  }
  addPage(list)
  listRegion.replaceChildren(table, more, moreErrors.box)
}

function row(a: QueueItem): HTMLElement {
  return h(
    'tr',
    null,
    h(
      'td',
      null,
      h(
        'a',
        { href: `${base}pratiche/${encodeURIComponent(a.id)}` },
        serviceTitle(a.service),
        h('span', { class: 'visually-hidden' }, ` — ${t('queue.openLabel', { applicant: a.applicantName || a.applicant })}`),
      ),
    ),
    h(
      'td',
      null,
      a.applicantName ? h('span', { class: 'd-block' }, a.applicantName) : null,
      h('span', { class: 'font-monospace small text-break-all' }, a.applicant),
    ),
    h('td', null, a.protocol?.number ?? '—'),
    h('td', null, statusBadge(a.status)),
    h('td', null, dateTime(a.submittedAt)),
    h('td', null, dateTime(a.updatedAt)),
  )
}

function tabs(current: Queue, list: QueueList, params: URLSearchParams): HTMLElement {
  return h(
    'nav',
    { 'aria-label': t('queue.tabsLabel'), class: 'mb-3' },
    h(
      'ul',
      { class: 'nav nav-tabs flex-nowrap overflow-auto' },
      queues.map((q) => {
        const next = new URLSearchParams(params)
        next.set('queue', q)
        const active = q === current
        return h(
          'li',
          { class: 'nav-item' },
          h(
            'a',
            {
              class: `nav-link text-nowrap${active ? ' active' : ''}`,
              href: `${base}pratiche?${next}`,
              'aria-current': active ? 'page' : undefined,
            },
            t(queueKeys[q]),
            ' ',
            h('span', { class: 'badge bg-primary ms-1', 'data-count': q }, String(list.counts[q] ?? 0)),
          ),
        )
      }),
    ),
  )
}

function searchHeading(q: string, queue: Queue): HTMLElement {
  return h(
    'div',
    { class: 'mb-3' },
    h('h2', { class: 'h4' }, t('search.results', { q })),
    h('a', { href: `${base}pratiche?queue=${queue}` }, t('search.clear')),
  )
}

function searchForm(q: string): HTMLElement {
  const field = input(t('search.label'), { name: 'q', type: 'search', value: q, hint: t('search.hint') })
  const form = h(
    'form',
    { role: 'search', class: 'row g-2 align-items-start mb-2' },
    h('div', { class: 'col-md-8 col-lg-6' }, field.group),
    h('div', { class: 'col-md-auto' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('search.submit'))),
  )
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    const value = field.field.value.trim()
    navigate(value ? `${base}pratiche?q=${encodeURIComponent(value)}` : `${base}pratiche`)
  })
  return form
}

function filterForm(params: URLSearchParams): HTMLElement {
  const services = [...(state.session.role === 'admin' ? state.services.keys() : (state.session.services ?? []))]
  const service = select(
    t('filter.service'),
    'service',
    [['', t('filter.anyService')], ...services.map((s): [string, string] => [s, serviceTitle(s)])],
    params.get('service') ?? '',
  )
  const status = select(
    t('filter.status'),
    'status',
    [['', t('filter.anyStatus')], ...statuses.map((s): [string, string] => [String(s), statusLabel(s)])],
    params.get('status') ?? '',
  )
  const statusHint = h('small', { class: 'form-text d-block mt-n3 mb-3' }, t('filter.statusNeedsService'))
  const syncStatus = () => {
    status.field.disabled = !service.field.value
    if (status.field.disabled) status.field.value = ''
  }
  service.field.addEventListener('change', syncStatus)
  syncStatus()
  const from = input(t('filter.from'), { name: 'from', type: 'date', value: params.get('from') ?? '' })
  const to = input(t('filter.to'), { name: 'to', type: 'date', value: params.get('to') ?? '' })
  const order = select(
    t('filter.order'),
    'order',
    [
      ['oldest', t('filter.oldest')],
      ['newest', t('filter.newest')],
    ],
    params.get('order') ?? 'oldest',
  )
  const form = h(
    'form',
    { class: 'row g-3 pt-3' },
    h('div', { class: 'col-md-6 col-lg-4' }, service.group),
    h('div', { class: 'col-md-6 col-lg-4' }, status.group, statusHint),
    h('div', { class: 'col-md-6 col-lg-4' }, order.group),
    h('div', { class: 'col-md-6 col-lg-4' }, from.group),
    h('div', { class: 'col-md-6 col-lg-4' }, to.group),
    h(
      'div',
      { class: 'col-12' },
      h('button', { type: 'submit', class: 'btn btn-primary me-2' }, t('filter.apply')),
      h('a', { class: 'btn btn-outline-primary', href: `${base}pratiche?queue=${params.get('queue') ?? 'da-assegnare'}` }, t('filter.reset')),
    ),
  )
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    const next = new URLSearchParams()
    next.set('queue', params.get('queue') ?? 'da-assegnare')
    const values: Record<(typeof filterNames)[number], string> = {
      service: service.field.value,
      status: status.field.value,
      from: from.field.value,
      to: to.field.value,
      order: order.field.value === 'oldest' ? '' : order.field.value,
    }
    for (const name of filterNames) if (values[name]) next.set(name, values[name])
    navigate(`${base}pratiche?${next}`)
  })
  const active = filterNames.some((n) => params.get(n))
  return h(
    'details',
    { class: 'mb-3', open: active },
    h('summary', { class: 'fw-semibold text-primary' }, t('filter.title')),
    form,
  )
}
