// The public catalogue: the choice of the Comune, its services by category
// with a search, and each service's sheet.

import { request, tenantPath, type Category, type Comune, type ServiceSheet, type ServiceSummary } from './api'
import { breadcrumb, busy, chooseComune, errorBox, failure, navigate, page, state, tenant } from './app'
import { h, icon } from '../common/dom'
import { input } from '../common/forms'
import { has, t } from './i18n'
import { apply } from './signin'

/** comuniView lists the Comuni served; choosing one shows its services. */
export function comuniView(next: string): void {
  const title = t('comuni.title')
  const choose = async (c: Comune) => {
    try {
      await chooseComune(c)
      navigate(next)
    } catch (err) {
      failure(title, err)
    }
  }
  page(
    title,
    h('h1', { class: 'my-4' }, title),
    h('p', { class: 'lead' }, t('comuni.intro')),
    state.comuni.length === 0
      ? h('p', null, t('comuni.none'))
      : h(
          'ul',
          { class: 'list-unstyled row g-3' },
          state.comuni.map((c) =>
            h(
              'li',
              { class: 'col-12 col-md-6' },
              h(
                'button',
                { type: 'button', class: 'btn btn-outline-primary w-100 text-start p-3', onclick: () => void choose(c) },
                h('span', { class: 'd-block fw-semibold' }, c.name),
                c.address && h('span', { class: 'd-block small' }, c.address),
              ),
            ),
          ),
        ),
  )
}

/** catalogueView shows the Comune's services by category, or a search's results. */
export async function catalogueView(q: string): Promise<void> {
  const title = t('catalogue.title')
  const search = searchForm(q)
  const heading = h('h1', { class: 'my-4' }, title)
  page(title, heading, h('p', { class: 'lead' }, t('catalogue.intro')), search, h('p', null, t('loading')))
  let services: ServiceSummary[]
  let categories: Category[]
  try {
    const query = q ? `services?${new URLSearchParams({ q })}` : 'services'
    ;[services, categories] = await Promise.all([
      request<{ items: ServiceSummary[] }>('GET', tenantPath(tenant(), query)).then((r) => r.items),
      request<{ items: Category[] }>('GET', tenantPath(tenant(), 'categories')).then((r) => r.items),
    ])
  } catch (err) {
    failure(title, err)
    return
  }
  let results: HTMLElement
  if (q) {
    results = h(
      'section',
      { 'aria-labelledby': 'results' },
      h('h2', { id: 'results', class: 'h4 mb-3' }, t('search.results', { q })),
      services.length ? serviceList(services) : h('p', null, t('search.none')),
      h('p', null, h('a', { href: '/' }, t('search.clear'))),
    )
  } else {
    results = h(
      'div',
      null,
      categories
        .map((c) => ({ c, items: services.filter((s) => s.category === c.slug) }))
        .filter(({ items }) => items.length > 0)
        .map(({ c, items }) =>
          h(
            'section',
            { class: 'mb-5', 'aria-labelledby': `cat-${c.slug}` },
            h('h2', { id: `cat-${c.slug}`, class: 'h4 mb-1' }, c.name),
            h('p', { class: 'text-muted mb-3' }, c.description),
            serviceList(items),
          ),
        ),
    )
  }
  page(title, heading, h('p', { class: 'lead' }, t('catalogue.intro')), search, results)
}

function searchForm(q: string): HTMLElement {
  const field = input(t('search.label'), { name: 'q', type: 'search', value: q, hint: t('search.hint') })
  const form = h(
    'form',
    { role: 'search', class: 'mb-5', action: '/' },
    h(
      'div',
      { class: 'd-flex gap-2 align-items-start' },
      h('div', { class: 'flex-grow-1' }, field.group),
      h('button', { type: 'submit', class: 'btn btn-primary mt-4' }, icon('it-search', 'icon-white icon-sm me-1'), t('search.submit')),
    ),
  )
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    const value = field.field.value.trim()
    navigate(value ? `/?${new URLSearchParams({ q: value })}` : '/')
  })
  return form
}

function serviceList(items: ServiceSummary[]): HTMLElement {
  return h(
    'ul',
    { class: 'list-unstyled row g-3', 'data-services': '' },
    items.map((s) =>
      h(
        'li',
        { class: 'col-12 col-md-6 col-lg-4' },
        h(
          'div',
          { class: 'card card-bg h-100 border rounded' },
          h(
            'div',
            { class: 'card-body' },
            h('h3', { class: 'card-title h5' }, h('a', { href: `/servizi/${encodeURIComponent(s.slug)}` }, s.title)),
            h('p', { class: 'card-text' }, s.summary),
          ),
        ),
      ),
    ),
  )
}

/** serviceView shows a service's sheet with the button that starts an application. */
export async function serviceView(slug: string): Promise<void> {
  const title = t('catalogue.title')
  page(title, breadcrumb([title]), h('p', null, t('loading')))
  let sheet: ServiceSheet
  try {
    sheet = await request<ServiceSheet>('GET', tenantPath(tenant(), `services/${encodeURIComponent(slug)}`))
  } catch (err) {
    failure(title, err, breadcrumb([title]))
    return
  }
  const s = sheet.service
  const sections: [string, string, (Node | string)[]][] = [
    ['descrizione', t('service.description'), [h('p', null, s.description)]],
    ['a-chi-e-rivolto', t('service.audience'), [h('p', null, s.audience)]],
  ]
  if (s.requirements?.length) {
    sections.push(['cosa-serve', t('service.requirements'), [h('ul', null, s.requirements.map((r) => h('li', null, r)))]])
  }
  sections.push([
    'costi',
    t('service.cost'),
    [
      h('p', null, s.cost.free ? t('service.free') : s.cost.description ?? ''),
      s.cost.paymentNotice ? h('p', null, h('strong', null, `${t('service.payment')}: `), s.cost.paymentNotice) : '',
    ],
  ])
  if (s.processingDays) sections.push(['tempi', t('service.times'), [h('p', null, t('service.days', { n: s.processingDays }))]])
  if (s.office) sections.push(['ufficio', t('service.office'), [h('p', null, s.office)]])

  const form = h('form', { class: 'my-4' })
  const errors = errorBox(form)
  form.append(errors.box, h('button', { type: 'submit', class: 'btn btn-primary btn-lg' }, t('service.apply')))
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    errors.clear()
    void busy(form, () => apply(s.slug)).catch((err) => errors.show(err))
  })
  const levelKey = `level.${s.authLevel}`
  page(
    s.title,
    breadcrumb([s.title]),
    h('p', { class: 'text-uppercase small fw-semibold text-primary mt-4 mb-1' }, sheet.category.name),
    h('h1', { class: 'mb-2' }, s.title),
    h('p', { class: 'lead' }, s.summary),
    h('p', { class: 'small text-muted mb-0' }, has(levelKey) ? t('service.level', { level: t(levelKey) }) : ''),
    form,
    h(
      'div',
      { class: 'row' },
      h(
        'nav',
        { class: 'col-lg-3 d-none d-lg-block', 'aria-label': t('service.onThisPage') },
        h('p', { class: 'fw-semibold small text-uppercase' }, t('service.onThisPage')),
        h('ul', { class: 'list-unstyled' }, sections.map(([id, name]) => h('li', { class: 'mb-2' }, h('a', { href: `#${id}` }, name)))),
      ),
      h(
        'div',
        { class: 'col-lg-9' },
        sections.map(([id, name, body]) =>
          h('section', { class: 'mb-4', 'aria-labelledby': id }, h('h2', { id, class: 'h4' }, name), ...body),
        ),
        sheet.related?.length
          ? h(
              'section',
              { class: 'mb-4', 'aria-labelledby': 'correlati' },
              h('h2', { id: 'correlati', class: 'h4' }, t('service.related')),
              h('ul', null, sheet.related.map((r) => h('li', null, h('a', { href: `/servizi/${encodeURIComponent(r.slug)}` }, r.title)))),
            )
          : '',
      ),
    ),
  )
}
