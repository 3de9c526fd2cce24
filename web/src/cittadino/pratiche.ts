// "Le mie pratiche": the citizen's applications by status group, each
// group with its count, newest first.

import { request, tenantPath, type Application, type ApplicationList } from './api'
import { breadcrumb, failure, page, serviceTitle, state, tenant } from './app'
import { h } from '../common/dom'
import { dateTime, has, t } from './i18n'
import { statusBadge } from '../common/status'

/** The groups in the order the API and the tabs list them. */
const groups = ['bozze', 'inviate', 'in-lavorazione', 'da-integrare', 'accettate', 'rifiutate', 'ritirate']

function groupLabel(g: string): string {
  const key = `group.${g}`
  return has(key) ? t(key) : g
}

/** mineView shows one group; without one, the first group with applications. */
export async function mineView(wanted: string | null): Promise<void> {
  const title = t('mine.title')
  page(title, breadcrumb([title]), h('h1', { class: 'my-4' }, title), h('p', null, t('loading')))
  const group = wanted && groups.includes(wanted) ? wanted : 'inviate'
  let list: ApplicationList
  try {
    list = await request<ApplicationList>('GET', tenantPath(tenant(), `applications?${new URLSearchParams({ group })}`))
  } catch (err) {
    failure(title, err, breadcrumb([title]))
    return
  }
  let shown = group
  if (!wanted && list.items.length === 0) {
    // Nothing sent yet: open the first group that has something, if any.
    const first = groups.find((g) => (list.counts[g] ?? 0) > 0)
    if (first && first !== group) {
      shown = first
      try {
        list = await request<ApplicationList>('GET', tenantPath(tenant(), `applications?${new URLSearchParams({ group: first })}`))
      } catch (err) {
        failure(title, err, breadcrumb([title]))
        return
      }
    }
  }
  const items = h('ul', { class: 'list-unstyled', 'data-applications': '' }, list.items.map(item))
  const more = h('div')
  const showMore = (cursor: string | undefined) => {
    more.replaceChildren()
    if (!cursor) return
    more.append(
      h(
        'button',
        {
          type: 'button',
          class: 'btn btn-outline-primary',
          onclick: async () => {
            try {
              const next = await request<ApplicationList>(
                'GET',
                tenantPath(tenant(), `applications?${new URLSearchParams({ group: shown, cursor })}`),
              )
              items.append(...next.items.map(item))
              showMore(next.cursor)
            } catch (err) {
              failure(title, err, breadcrumb([title]))
            }
          },
        },
        t('mine.more'),
      ),
    )
  }
  showMore(list.cursor)
  page(
    title,
    breadcrumb([title]),
    h('h1', { class: 'my-4' }, title),
    h('p', null, t('mine.intro', { comune: state.comune?.name ?? '' })),
    h(
      'nav',
      { 'aria-label': t('mine.groups'), class: 'mb-4' },
      h(
        'ul',
        { class: 'nav nav-pills flex-nowrap overflow-auto gap-1 pb-2' },
        groups.map((g) =>
          h(
            'li',
            { class: 'nav-item' },
            h(
              'a',
              {
                class: `nav-link text-nowrap${g === shown ? ' active' : ''}`,
                href: `/pratiche?${new URLSearchParams({ gruppo: g })}`,
                'aria-current': g === shown ? 'page' : undefined,
              },
              groupLabel(g),
              ' ',
              h('span', { class: `badge ${g === shown ? 'bg-white text-primary' : 'bg-primary'}`, 'data-count': g }, list.counts[g] ?? 0),
            ),
          ),
        ),
      ),
    ),
    h('h2', { class: 'h4 mb-3' }, groupLabel(shown)),
    list.items.length ? items : h('p', null, t('mine.empty')),
    more,
  )
}

function item(a: Application): HTMLElement {
  return h(
    'li',
    { class: 'border rounded p-3 mb-3' },
    h('h3', { class: 'h5 mb-1' }, h('a', { href: `/pratiche/${encodeURIComponent(a.id)}` }, serviceTitle(a.service))),
    h(
      'p',
      { class: 'mb-0 small d-flex flex-wrap gap-2 align-items-center' },
      statusBadge(a.status),
      h('span', null, t('mine.updated', { date: dateTime(a.updatedAt) })),
      a.protocol && h('span', null, t('mine.protocol', { number: a.protocol.number })),
    ),
  )
}
