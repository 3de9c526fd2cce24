// The admins' pages on partner systems: API keys (issued with the token
// shown once, revoked) and webhooks (subscribed with the signing secret
// shown once, removed, and their delivery log).

import {
  request,
  tenantPath,
  type APIKey,
  type CreatedWebhook,
  type Delivery,
  type DeliveryPage,
  type IssuedAPIKey,
  type Webhook,
} from './api'
import { breadcrumb, checkboxes, confirmed, shownOnce, table } from './admin'
import { announce, base, busy, errorBox, page, problemBox, state } from './app'
import { h } from '../common/dom'
import { input } from '../common/forms'
import { dateTime, statusLabel, t } from './i18n'
import type { Key } from './it'

const tenant = () => state.session.tenant as string

const scopes: [string, Key][] = [
  ['applications:read', 'keys.scope.applicationsRead'],
  ['applications:write', 'keys.scope.applicationsWrite'],
  ['services:write', 'keys.scope.servicesWrite'],
  ['protocol:write', 'keys.scope.protocolWrite'],
]

const events: [string, Key][] = [
  ['application.status_changed', 'hooks.event.statusChanged'],
  ['message.created', 'hooks.event.messageCreated'],
]

function named(list: [string, Key][], value: string): string {
  const key = list.find(([v]) => v === value)?.[1]
  return key ? t(key) : value
}

/** apiKeysView lists the partner keys, issues and revokes them. */
export async function apiKeysView(): Promise<void> {
  const title = t('keys.title')
  page(title, h('h1', { class: 'my-4' }, title), h('p', null, t('loading')))
  let keys: APIKey[]
  try {
    keys = (await request<{ items: APIKey[] }>('GET', tenantPath(tenant(), 'admin/api-keys'))).items
  } catch (err) {
    page(title, h('h1', { class: 'my-4' }, title), problemBox(err))
    return
  }
  const rowErrors = errorBox()
  const list = keys.length
    ? table(
        title,
        [t('keys.name'), t('keys.id'), t('keys.scopes'), t('keys.created'), t('keys.status'), t('admin.actions')],
        keys.map((k) => [
          k.name,
          h('code', null, k.id),
          k.scopes.map((s) => named(scopes, s)).join('; '),
          `${dateTime(k.createdAt)} · ${k.createdBy}`,
          k.revokedAt ? t('keys.revokedAt', { at: dateTime(k.revokedAt) }) : t('keys.active'),
          k.revokedAt
            ? ''
            : confirmed(t('keys.revoke'), t('keys.revokeConfirm', { name: k.name }), t('keys.revokeYes'), async () => {
                try {
                  await request<APIKey>('DELETE', tenantPath(tenant(), `admin/api-keys/${encodeURIComponent(k.id)}`))
                  await apiKeysView()
                  announce(t('keys.revoked', { name: k.name }))
                } catch (err) {
                  rowErrors.show(err)
                }
              }),
        ]),
        { 'data-keys': '' },
      )
    : h('p', null, t('keys.none'))

  const name = input(t('keys.name'), { name: 'name', required: true, autocomplete: 'off', hint: t('keys.nameHint'), maxlength: 100 })
  const granted = checkboxes(
    t('keys.scopes'),
    'scopes',
    scopes.map(([v, k]) => [v, t(k)]),
    [],
    t('keys.scopesHint'),
  )
  const form = h(
    'form',
    { class: 'col-lg-8', novalidate: true, 'aria-labelledby': 'new-key' },
    h('h2', { id: 'new-key', class: 'h4 mb-4' }, t('keys.new')),
    name.group,
    granted.group,
  )
  const errors = errorBox(form)
  form.append(errors.box, h('button', { type: 'submit', class: 'btn btn-primary' }, t('keys.issue')))
  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    errors.clear()
    try {
      const out = await busy(form, () =>
        request<IssuedAPIKey>('POST', tenantPath(tenant(), 'admin/api-keys'), { name: name.field.value.trim(), scopes: granted.values() }),
      )
      await apiKeysView()
      announce(t('keys.issued', { name: out.key.name }))
      document.getElementById('announcer')?.append(shownOnce(t('keys.token', { name: out.key.name }), out.token, t('keys.tokenHint')))
    } catch (err) {
      errors.show(err)
    }
  })
  page(title, h('h1', { class: 'my-4' }, title), h('p', null, t('keys.intro')), rowErrors.box, list, h('div', { class: 'mt-5' }, form))
}

/** webhooksView lists the subscriptions, subscribes and removes them. */
export async function webhooksView(): Promise<void> {
  const title = t('hooks.title')
  page(title, h('h1', { class: 'my-4' }, title), h('p', null, t('loading')))
  let hooks: Webhook[]
  try {
    hooks = (await request<{ items: Webhook[] }>('GET', tenantPath(tenant(), 'admin/webhooks'))).items
  } catch (err) {
    page(title, h('h1', { class: 'my-4' }, title), problemBox(err))
    return
  }
  const rowErrors = errorBox()
  const list = hooks.length
    ? table(
        title,
        [t('hooks.url'), t('hooks.events'), t('hooks.created'), t('admin.actions')],
        hooks.map((w) => [
          h('span', { class: 'text-break-all' }, w.url),
          w.events.map((e) => named(events, e)).join('; '),
          `${dateTime(w.createdAt)} · ${w.createdBy}`,
          h(
            'div',
            { class: 'd-flex flex-wrap gap-2 align-items-start' },
            h('a', { class: 'btn btn-sm btn-outline-primary', href: `${base}webhook/${encodeURIComponent(w.id)}` }, t('hooks.log')),
            confirmed(t('hooks.remove'), t('hooks.removeConfirm', { url: w.url }), t('hooks.removeYes'), async () => {
              try {
                await request<Webhook>('DELETE', tenantPath(tenant(), `admin/webhooks/${encodeURIComponent(w.id)}`))
                await webhooksView()
                announce(t('hooks.removed'))
              } catch (err) {
                rowErrors.show(err)
              }
            }),
          ),
        ]),
        { 'data-webhooks': '' },
      )
    : h('p', null, t('hooks.none'))

  const url = input(t('hooks.url'), { name: 'url', type: 'url', required: true, autocomplete: 'off', hint: t('hooks.urlHint') })
  const chosen = checkboxes(
    t('hooks.events'),
    'events',
    events.map(([v, k]) => [v, t(k)]),
    events.map(([v]) => v),
  )
  const form = h(
    'form',
    { class: 'col-lg-8', novalidate: true, 'aria-labelledby': 'new-hook' },
    h('h2', { id: 'new-hook', class: 'h4 mb-4' }, t('hooks.new')),
    url.group,
    chosen.group,
  )
  const errors = errorBox(form)
  form.append(errors.box, h('button', { type: 'submit', class: 'btn btn-primary' }, t('hooks.subscribe')))
  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    errors.clear()
    try {
      const out = await busy(form, () =>
        request<CreatedWebhook>('POST', tenantPath(tenant(), 'admin/webhooks'), { url: url.field.value.trim(), events: chosen.values() }),
      )
      await webhooksView()
      announce(t('hooks.subscribed'))
      document.getElementById('announcer')?.append(shownOnce(t('hooks.secret', { url: out.webhook.url }), out.secret, t('hooks.secretHint')))
    } catch (err) {
      errors.show(err)
    }
  })
  page(title, h('h1', { class: 'my-4' }, title), h('p', null, t('hooks.intro')), rowErrors.box, list, h('div', { class: 'mt-5' }, form))
}

const deliveryStatus: Record<Delivery['status'], Key> = {
  pending: 'hooks.pending',
  delivered: 'hooks.delivered',
  failed: 'hooks.failed',
}

/** deliveriesView is a webhook's delivery log, a page at a time. */
export async function deliveriesView(id: string): Promise<void> {
  const title = t('hooks.logTitle')
  const crumbs = breadcrumb(`${base}webhook`, t('hooks.title'), title)
  const path = tenantPath(tenant(), `admin/webhooks/${encodeURIComponent(id)}/deliveries`)
  page(title, crumbs, h('h1', { class: 'my-4' }, title), h('p', null, t('loading')))
  const errors = errorBox()
  const body = h('tbody')
  const more = h('div', { class: 'mt-3' })
  const row = (d: Delivery) => {
    const last = d.attempts[d.attempts.length - 1]
    const answer = last ? (last.statusCode ? `HTTP ${last.statusCode}` : (last.error ?? '—')) : '—'
    return h(
      'tr',
      null,
      h('th', { scope: 'row' }, dateTime(d.createdAt)),
      h('td', null, named(events, d.event.type), d.event.to ? ` (${statusLabel(d.event.to)})` : ''),
      h('td', null, h('a', { href: `${base}pratiche/${encodeURIComponent(d.event.application)}`, class: 'font-monospace small' }, d.event.application)),
      h('td', null, t(deliveryStatus[d.status] ?? 'hooks.pending')),
      h('td', null, String(d.attempts.length)),
      h('td', { class: 'text-break-all' }, answer),
      h('td', null, d.status === 'pending' && d.nextAt ? dateTime(d.nextAt) : '—'),
    )
  }
  const load = async (cursor?: string): Promise<boolean> => {
    let p: DeliveryPage
    try {
      p = await request<DeliveryPage>('GET', cursor ? `${path}?cursor=${encodeURIComponent(cursor)}` : path)
    } catch (err) {
      errors.show(err)
      return false
    }
    body.append(...p.items.map(row))
    more.replaceChildren()
    if (p.cursor) {
      const next = p.cursor
      more.append(h('button', { type: 'button', class: 'btn btn-outline-primary', onclick: () => void load(next) }, t('hooks.more')))
    }
    return true
  }
  const ok = await load()
  const heading = h('h1', { class: 'my-4' }, title)
  if (!ok) {
    page(title, crumbs, heading, errors.box)
    return
  }
  const content =
    body.children.length === 0
      ? h('p', null, t('hooks.noDeliveries'))
      : h(
          'div',
          { class: 'table-responsive' },
          h(
            'table',
            { class: 'table align-middle', 'data-deliveries': '' },
            h('caption', { class: 'visually-hidden' }, title),
            h(
              'thead',
              null,
              h(
                'tr',
                null,
                [t('hooks.at'), t('hooks.event'), t('hooks.application'), t('hooks.status'), t('hooks.attempts'), t('hooks.answer'), t('hooks.next')].map((c) =>
                  h('th', { scope: 'col' }, c),
                ),
              ),
            ),
            body,
          ),
        )
  page(title, crumbs, heading, errors.box, content, more)
}
