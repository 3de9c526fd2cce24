// One of the citizen's applications: where it stands, its history, the
// documents to download, the messages with the office, and what the
// citizen may do now (answer an integration request, withdraw).

import {
  ApiError,
  idempotencyKey,
  request,
  tenantPath,
  upload,
  type Application,
  type LinkedAttachment,
  type Message,
  type PreparedUpload,
} from './api'
import { announce, breadcrumb, busy, errorBox, failure, page, serviceTitle, tenant, type Errors } from './app'
import { h, icon } from '../common/dom'
import { messageThread } from '../common/messages'
import { input, textarea } from '../common/forms'
import { formView, mediaType } from './form'
import { dateTime, statusLabel, t } from './i18n'
import { statusBadge } from '../common/status'

const Draft = 1000
const IntegrationRequested = 4100
const IntegrationDraft = 4200
const Accepted = 7000
const Rejected = 9000

// The statuses a citizen may withdraw from: the workflow's table
// (shared/pratica/workflow.go, beforeFinal). The API checks again.
const withdrawable = [2000, 3000, 4000, 4100, 4200, 4300, 4400, 4500]

/** detailView loads and shows one application. */
export async function detailView(id: string): Promise<void> {
  const title = t('detail.title')
  const trail = () => breadcrumb([t('mine.title'), '/pratiche'], [title])
  page(title, trail(), h('h1', { class: 'my-4' }, title), h('p', null, t('loading')))
  let app: Application
  try {
    app = await request<Application>('GET', appPath(id))
  } catch (err) {
    failure(title, err, trail())
    return
  }
  // A draft is still being filled in: its page is the form.
  if (app.status === Draft) void formView(app)
  else show(app)
}

function appPath(id: string, rest = ''): string {
  return tenantPath(tenant(), `applications/${encodeURIComponent(id)}${rest}`)
}

function section(id: string, title: string, ...content: (Node | string)[]): HTMLElement {
  return h('section', { class: 'mb-5', 'aria-labelledby': id }, h('h2', { id, class: 'h4 mb-3' }, title), ...content)
}

/** show draws the application; the messages load after it. */
function show(app: Application): void {
  const title = serviceTitle(app.service)
  const messages = h('div', null, h('p', null, t('loading')))
  const main = h('div', { class: 'col-lg-8' })
  const side = h('div', { class: 'col-lg-4' })
  if (app.status === IntegrationRequested || app.status === IntegrationDraft) {
    main.append(section('integrazione', t('integration.title'), integration(app)))
  }
  main.append(
    section('riepilogo', t('detail.summary'), summary(app)),
    section('storia', t('detail.history'), history(app)),
  )
  if (app.status !== Draft) main.append(section('messaggi', t('messages.title'), messages))
  side.append(section('documenti', t('detail.documents'), documents(app)))
  if (withdrawable.includes(app.status)) side.append(section('ritiro', t('withdraw.title'), withdrawal(app)))
  page(
    title,
    breadcrumb([t('mine.title'), '/pratiche'], [title]),
    h('h1', { class: 'mt-4 mb-2' }, title),
    h('p', { class: 'mb-4' }, statusBadge(app.status)),
    h('div', { class: 'row' }, main, side),
  )
  if (app.status !== Draft) void loadMessages(app, messages)
}

function summary(app: Application): HTMLElement {
  const rows: [string, Node | string][] = [
    [t('detail.id'), h('code', { class: 'text-break-all' }, app.id)],
    [t('detail.status'), statusLabel(app.status)],
    [t('detail.protocol'), app.protocol ? t('detail.protocolRef', { number: app.protocol.number, at: dateTime(app.protocol.at) }) : '—'],
    [t('detail.submitted'), dateTime(app.submittedAt) || '—'],
    [t('detail.updated'), dateTime(app.updatedAt)],
  ]
  return h(
    'dl',
    { class: 'row mb-0' },
    rows.flatMap(([k, v]) => [h('dt', { class: 'col-sm-5 fw-semibold' }, k), h('dd', { class: 'col-sm-7' }, v)]),
  )
}

/** fileNames lists the names of the files in the form's data, as Form.io stores them. */
function fileNames(v: unknown): string[] {
  if (Array.isArray(v)) return v.flatMap(fileNames)
  if (typeof v !== 'object' || v === null) return []
  const o = v as Record<string, unknown>
  if (typeof o.key === 'string' && typeof o.name === 'string') return [o.name]
  return Object.values(o).flatMap(fileNames)
}

function documents(app: Application): HTMLElement {
  const box = h('div')
  const links: HTMLElement[] = []
  if (app.status !== Draft) {
    links.push(download(appPath(app.id, '/receipt'), t('detail.receipt')))
  }
  if (app.status === Accepted || app.status === Rejected) {
    links.push(download(appPath(app.id, '/response'), t('detail.response')))
  }
  if (links.length) box.append(h('ul', { class: 'list-unstyled' }, links.map((l) => h('li', { class: 'mb-2' }, l))))
  // Files sent with an integration are the application's but not in the
  // form's data, which names the others.
  const names = fileNames(app.data)
  const others = Math.max(0, (app.attachments?.length ?? 0) - names.length)
  const items = [...names, ...Array.from({ length: others }, () => t('detail.integrationFile'))]
  box.append(
    h('h3', { class: 'h6' }, t('detail.attachments')),
    items.length ? h('ul', { 'data-attachments': '' }, items.map((n) => h('li', null, n))) : h('p', null, t('detail.noAttachments')),
  )
  return box
}

function download(href: string, text: string): HTMLElement {
  return h('a', { href, download: true, class: 'd-inline-flex align-items-center gap-1' }, icon('it-download', 'icon-sm icon-primary'), text)
}

function roleLabel(role: string): string {
  switch (role) {
    case 'citizen':
      return t('role.citizen')
    case 'system':
      return t('role.system')
    default:
      return t('role.operator')
  }
}

function history(app: Application): HTMLElement {
  return h(
    'ol',
    { class: 'timeline-list', 'data-history': '' },
    app.history.map((e) =>
      h(
        'li',
        null,
        h('p', { class: 'fw-semibold mb-0' }, statusLabel(e.to)),
        h('p', { class: 'small text-muted mb-1' }, `${dateTime(e.at)} · ${roleLabel(e.role)}`),
        e.note && h('p', { class: 'mb-1 text-prewrap' }, e.note),
        e.protocol && h('p', { class: 'small mb-1' }, `${t('detail.protocol')} ${t('detail.protocolRef', { number: e.protocol.number, at: dateTime(e.protocol.at) })}`),
      ),
    ),
  )
}

/** reloadHint offers, after a conflict, to show the application as it is now. */
function reloadHint(err: unknown, app: Application): Node | undefined {
  if (!(err instanceof ApiError) || err.status !== 409) return undefined
  return h(
    'p',
    { class: 'mb-0 mt-2' },
    h('button', { type: 'button', class: 'btn btn-sm btn-outline-primary', onclick: () => void detailView(app.id) }, t('conflict.reload')),
  )
}

/** integration shows what the office asked and the citizen's answer. */
function integration(app: Application): HTMLElement {
  const asked = [...app.history].reverse().find((e) => e.event === 'request-integration')?.note
  const box = h(
    'div',
    { class: 'border-start border-4 border-warning ps-3 mb-4' },
    asked ? h('p', { class: 'fw-semibold mb-1' }, t('integration.asked')) : '',
    asked ? h('p', { class: 'text-prewrap', 'data-request': '' }, asked) : '',
  )
  if (app.status === IntegrationRequested) {
    const form = h('form')
    const errors = errorBox(form)
    form.append(errors.box, h('button', { type: 'submit', class: 'btn btn-primary' }, t('integration.open')))
    form.addEventListener('submit', async (e) => {
      e.preventDefault()
      try {
        show(await busy(form, () => request<Application>('POST', appPath(app.id, '/integration'), { version: app.version })))
      } catch (err) {
        errors.show(err, reloadHint(err, app))
      }
    })
    box.append(form)
  } else {
    box.append(integrationForm(app))
  }
  return box
}

function integrationForm(app: Application): HTMLElement {
  const answers = textarea(t('integration.answers'), { name: 'answers', hint: t('integration.answersHint'), maxlength: 4000 })
  const file = input(t('integration.files'), { name: 'file', type: 'file', accept: '.pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png' })
  const attached = h('ul', { 'data-integration-files': '' })
  const attachButton = h('button', { type: 'submit', class: 'btn btn-outline-primary mb-4', value: 'attach' }, icon('it-clip', 'icon-sm icon-primary me-1'), t('integration.upload'))
  const form = h(
    'form',
    { novalidate: true },
    answers.group,
    file.group,
    attachButton,
    h('p', { class: 'fw-semibold mb-1' }, t('integration.uploaded')),
    attached,
  )
  const errors = errorBox(form)
  // One key for this integration: a retried send, after a lost answer,
  // is the same send.
  const key = idempotencyKey()
  form.append(errors.box, h('button', { type: 'submit', class: 'btn btn-primary', value: 'send' }, t('integration.send')))
  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    errors.clear()
    if (((e as SubmitEvent).submitter as HTMLButtonElement | null)?.value === 'attach') {
      await attach(app, form, file.field, attached, errors)
      return
    }
    const text = answers.field.value.trim()
    if (!text && attached.children.length === 0) {
      errors.show(t('integration.missing'))
      answers.field.focus()
      return
    }
    try {
      const next = await busy(form, () =>
        request<Application>('POST', appPath(app.id, '/integration/submission'), { answers: text || undefined }, { 'Idempotency-Key': key }),
      )
      show(next)
      announce(t('integration.sent'))
    } catch (err) {
      errors.show(err, reloadHint(err, app))
    }
  })
  return form
}

/**
 * attach sends a file the way every attachment goes: the API prepares a
 * signed upload, the browser sends the bytes straight to file storage, and
 * the API confirms them once it has checked they are what was declared.
 */
async function attach(app: Application, form: HTMLFormElement, field: HTMLInputElement, list: HTMLElement, errors: Errors): Promise<void> {
  const chosen = field.files?.[0]
  if (!chosen) {
    errors.show(t('integration.noFile'))
    field.focus()
    return
  }
  try {
    const linked = await busy(form, async () => {
      const prepared = await request<PreparedUpload>('POST', appPath(app.id, '/attachments'), {
        fileName: chosen.name,
        mediaType: mediaType(chosen),
        size: chosen.size,
      })
      await upload(prepared.upload, chosen)
      return request<LinkedAttachment>('POST', appPath(app.id, `/attachments/${encodeURIComponent(prepared.attachment.id)}/confirmation`), {})
    })
    list.append(h('li', null, linked.attachment.name))
    field.value = ''
    announce(t('integration.attached', { name: linked.attachment.name }))
  } catch (err) {
    errors.show(err)
  }
}

/** withdrawal asks for a confirmation before the withdrawal, which cannot be undone. */
function withdrawal(app: Application): HTMLElement {
  const note = textarea(t('withdraw.note'), { name: 'note', maxlength: 4000 })
  const confirm = h(
    'div',
    { class: 'border border-danger rounded p-3', hidden: true, role: 'group', 'aria-labelledby': 'withdraw-question' },
    h('p', { id: 'withdraw-question', class: 'fw-semibold' }, t('withdraw.question')),
    note.group,
  )
  const start = h(
    'button',
    {
      type: 'button',
      class: 'btn btn-outline-danger',
      onclick: () => {
        confirm.hidden = false
        start.hidden = true
        note.field.focus()
      },
    },
    t('withdraw.start'),
  )
  const form = h('form', { novalidate: true }, h('p', { class: 'small' }, t('withdraw.intro')), start, confirm)
  const errors = errorBox(form)
  confirm.append(
    errors.box,
    h('button', { type: 'submit', class: 'btn btn-danger me-2 mb-2' }, t('withdraw.confirm')),
    h(
      'button',
      {
        type: 'button',
        class: 'btn btn-outline-secondary mb-2',
        onclick: () => {
          confirm.hidden = true
          start.hidden = false
          errors.clear()
          start.focus()
        },
      },
      t('withdraw.cancel'),
    ),
  )
  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    try {
      const next = await busy(form, () =>
        request<Application>('POST', appPath(app.id, '/withdrawal'), { version: app.version, note: note.field.value.trim() || undefined }),
      )
      show(next)
      announce(t('withdraw.done'))
    } catch (err) {
      errors.show(err, reloadHint(err, app))
    }
  })
  return form
}

function loadMessages(app: Application, region: HTMLElement): Promise<void> {
  return messageThread(region, appPath(app.id, '/messages'), t, 'btn btn-primary', (m: Message) =>
    h(
      'li',
      { class: `mb-3 p-3 rounded ${m.author === 'citizen' ? 'bg-light ms-4' : 'border me-4'}` },
      h('p', { class: 'small text-muted mb-1' }, `${m.author === 'citizen' ? t('messages.you') : t('messages.office')} · ${dateTime(m.at)}`),
      h('p', { class: 'mb-0 text-prewrap' }, m.text),
    ),
  )
}
