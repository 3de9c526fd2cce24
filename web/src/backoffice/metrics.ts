// The metrics of the operator's services: counts by status, submissions,
// times to conclusion and the age of the backlog, as plain tables.

import { request, tenantPath, type ServiceMetrics } from './api'
import { page, problemBox, serviceTitle, state } from './app'
import { h } from '../common/dom'
import { number, statusLabel, t } from './i18n'

/** metricsView shows the metrics the API keeps for each service. */
export async function metricsView(): Promise<void> {
  const title = t('metrics.title')
  page(title, h('h1', { class: 'my-4' }, title), h('p', null, t('loading')))
  let items: ServiceMetrics[]
  try {
    items = (await request<{ items: ServiceMetrics[] }>('GET', tenantPath(state.session.tenant as string, 'backoffice/metrics'))).items
  } catch (err) {
    page(title, h('h1', { class: 'my-4' }, title), problemBox(err))
    return
  }
  if (items.length === 0) {
    page(title, h('h1', { class: 'my-4' }, title), h('p', null, t('metrics.none')))
    return
  }
  page(
    title,
    h('h1', { class: 'my-4' }, title),
    table(
      t('metrics.times'),
      [t('col.service'), t('metrics.median'), t('metrics.p90'), t('metrics.backlog')],
      items.map((m) => [serviceTitle(m.service), hours(m.medianHours), hours(m.p90Hours), hours(m.backlogOldestAge)]),
    ),
    table(
      t('metrics.byStatus'),
      [t('col.service'), t('col.status'), t('metrics.count')],
      items.flatMap((m) =>
        Object.entries(m.byStatus).map(([code, n]) => [serviceTitle(m.service), statusLabel(Number(code)), number(n)]),
      ),
    ),
    table(
      t('metrics.perWeek'),
      [t('col.service'), t('metrics.week'), t('metrics.count')],
      items.flatMap((m) => m.submissionsPerWeek.filter((c) => c.count > 0).map((c) => [serviceTitle(m.service), c.period, number(c.count)])),
    ),
    table(
      t('metrics.perDay'),
      [t('col.service'), t('metrics.day'), t('metrics.count')],
      items.flatMap((m) => m.submissionsPerDay.filter((c) => c.count > 0).map((c) => [serviceTitle(m.service), c.period, number(c.count)])),
    ),
  )
}

/** hours reads a duration in hours, in days when it is long. */
function hours(h: number | null): string {
  if (h === null) return '—'
  if (h >= 48) return t('metrics.days', { n: number(h / 24, 1) })
  return t('metrics.hours', { n: number(h, 1) })
}

function table(caption: string, columns: string[], rows: string[][]): HTMLElement {
  return h(
    'section',
    { class: 'mb-5' },
    h('h2', { class: 'h4' }, caption),
    rows.length === 0
      ? h('p', null, t('metrics.empty'))
      : h(
          'div',
          { class: 'table-responsive' },
          h(
            'table',
            { class: 'table' },
            h('caption', { class: 'visually-hidden' }, caption),
            h('thead', null, h('tr', null, columns.map((c) => h('th', { scope: 'col' }, c)))),
            h('tbody', null, rows.map((r) => h('tr', null, r.map((c, i) => (i === 0 ? h('th', { scope: 'row' }, c) : h('td', null, c)))))),
          ),
        ),
  )
}
