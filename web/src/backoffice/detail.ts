// One application: what the citizen sent, its history, the actions its
// status allows, internal notes and the messages with the citizen.

import {
  ApiError,
  request,
  tenantPath,
  upload,
  type Application,
  type Assignee,
  type Note,
  type NoteList,
  type ProtocolConfig,
  type ResponseFileUpload,
} from './api'
import { announce, base, busy, errorBox, page, problemBox, serviceTitle, state, type Errors } from './app'
import { h } from '../common/dom'
import { messageThread } from '../common/messages'
import { files, renderData, renderForm, type FileRef, type FormComponent } from './formdata'
import { input, select, textarea } from '../common/forms'
import { dateTime, eventLabel, number, statusLabel, t } from './i18n'
import { statusBadge } from '../common/status'

// The events an operator may ask for in each status: the operator's rows of
// the workflow's transition table (shared/pratica/workflow.go). The API
// checks again and answers 409 when the application has moved on.
const operatorEvents: Record<number, string[]> = {
  2000: ['take-in-charge'],
  3000: ['take-in-charge'],
  4000: ['request-integration', 'accept', 'reject', 'reassign'],
  4300: ['take-in-charge'],
  4400: ['take-in-charge'],
  4500: ['resume', 'request-integration', 'accept', 'reject', 'reassign'],
}

const done = {
  'take-in-charge': 'action.tookInCharge',
  resume: 'action.resumed',
  'request-integration': 'action.integrationRequested',
  accept: 'action.accepted',
  reject: 'action.rejected',
  reassign: 'action.reassigned',
} as const

type Event = keyof typeof done

/** detailView loads and shows one application. */
export async function detailView(id: string): Promise<void> {
  const title = t('detail.title')
  page(title, breadcrumb(title), h('h1', { class: 'my-4' }, title), h('p', null, t('loading')))
  let app: Application
  try {
    app = await request<Application>('GET', appPath(id, ''))
  } catch (err) {
    page(title, breadcrumb(title), h('h1', { class: 'my-4' }, title), problemBox(err))
    return
  }
  show(app)
}

function appPath(id: string, rest: string): string {
  return tenantPath(state.session.tenant as string, `backoffice/applications/${encodeURIComponent(id)}${rest}`)
}

function breadcrumb(current: string): HTMLElement {
  return h(
    'nav',
    { class: 'breadcrumb-container mt-3', 'aria-label': t('detail.breadcrumb') },
    h(
      'ol',
      { class: 'breadcrumb' },
      h(
        'li',
        { class: 'breadcrumb-item' },
        h('a', { href: `${base}pratiche` }, t('queue.title')),
        h('span', { class: 'separator' }, '/'),
      ),
      h('li', { class: 'breadcrumb-item active', 'aria-current': 'page' }, current),
    ),
  )
}

function section(title: string, ...content: (Node | string)[]): HTMLElement {
  const id = `sec-${title.toLowerCase().replace(/[^a-z]+/g, '-')}`
  return h('section', { class: 'mb-5', 'aria-labelledby': id }, h('h2', { id, class: 'h4 mb-3' }, title), ...content)
}

/** show draws the application; the side panels load after it. */
function show(app: Application): void {
  const title = serviceTitle(app.service)
  const actions = h('div')
  const protocol = h('div', null, h('p', null, t('loading')))
  const notes = h('div', null, h('p', null, t('loading')))
  const messages = h('div', null, h('p', null, t('loading')))
  const data = h('div', null, app.data ? h('p', null, t('loading')) : h('p', null, '—'))
  page(
    title,
    breadcrumb(title),
    h('h1', { class: 'mt-4 mb-2' }, title),
    h(
      'p',
      { class: 'mb-4' },
      h('span', { class: 'me-2' }, t('detail.id')),
      h('code', { class: 'text-break-all' }, app.id),
      ' ',
      h('span', { 'data-status': app.status }, statusBadge(app.status)),
    ),
    h(
      'div',
      { class: 'row' },
      h(
        'div',
        { class: 'col-lg-8' },
        section(t('detail.summary'), summary(app)),
        section(t('detail.data'), data),
        section(t('detail.attachments'), attachments(app)),
        section(t('detail.history'), history(app)),
      ),
      h(
        'div',
        { class: 'col-lg-4' },
        section(t('detail.actions'), actions),
        section(t('detail.protocol'), protocol),
        section(t('detail.notes'), notes),
        section(t('detail.messages'), messages),
      ),
    ),
  )
  actions.append(actionForms(app))
  if (app.data) void loadData(app, app.data, data)
  void loadProtocol(app, protocol)
  void loadNotes(app, notes)
  void loadMessages(app, messages)
}

function summary(app: Application): HTMLElement {
  const rows: [string, Node | string][] = [
    [t('col.status'), statusLabel(app.status)],
    [t('col.applicant'), applicantOf(app)],
    [t('col.protocol'), app.protocol ? t('detail.protocolRef', { number: app.protocol.number, at: dateTime(app.protocol.at) }) : '—'],
    [t('col.submitted'), dateTime(app.submittedAt) || '—'],
    [t('col.updated'), dateTime(app.updatedAt)],
    [t('detail.assignee'), app.assignee || t('detail.nobody')],
  ]
  if (app.office) rows.push([t('detail.office'), app.office])
  rows.push([t('detail.receipt'), h('a', { href: appPath(app.id, '/receipt'), download: true }, t('detail.receiptLink'))])
  return h(
    'dl',
    { class: 'row' },
    rows.flatMap(([k, v]) => [h('dt', { class: 'col-sm-4 fw-semibold' }, k), h('dd', { class: 'col-sm-8' }, v)]),
  )
}

/** applicantOf names the applicant from the form, with the fiscal code. */
function applicantOf(app: Application): string {
  const applicant = (app.data?.applicant as { data?: Record<string, { data?: Record<string, string> }> } | undefined)?.data
  const name = applicant?.completename?.data
  const full = name ? `${name.name ?? ''} ${name.surname ?? ''}`.trim() : ''
  return full ? `${full} (${app.applicant})` : app.applicant
}

/**
 * loadData shows the data under the labels of the service's form; without
 * the form (the service unpublished, the portal unreachable), under labels
 * made from the keys.
 */
async function loadData(app: Application, data: Record<string, unknown>, region: HTMLElement): Promise<void> {
  const link = (f: FileRef) => fileLink(app, f)
  try {
    const def = await request<{ form: { components?: FormComponent[] } }>(
      'GET',
      tenantPath(state.session.tenant as string, `services/${encodeURIComponent(app.service)}/form`),
    )
    region.replaceChildren(renderForm(def.form.components ?? [], data, link))
  } catch {
    region.replaceChildren(renderData(data, link))
  }
}

function fileLink(app: Application, f: FileRef): HTMLElement {
  return h(
    'a',
    { href: appPath(app.id, `/attachments/${encodeURIComponent(f.key)}`), download: true },
    f.name,
    f.size ? h('span', { class: 'text-muted small' }, ` (${size(f.size)})`) : '',
  )
}

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${number(bytes / 1024, 1)} KB`
  return `${number(bytes / 1024 / 1024, 1)} MB`
}

function attachments(app: Application): HTMLElement {
  const named = files(app.data)
  // Files added with an integration are the application's but not in the
  // form's data: they are listed by id.
  const others = (app.attachments ?? []).filter((id) => !named.some((f) => f.key === id))
  const items = [
    ...named.map((f) => h('li', { class: 'mb-1' }, fileLink(app, f))),
    ...others.map((id) => h('li', { class: 'mb-1' }, fileLink(app, { key: id, name: t('detail.integrationFile', { id: id.slice(0, 8) }) }))),
  ]
  return items.length ? h('ul', { class: 'mb-0' }, items) : h('p', null, t('detail.noAttachments'))
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
        h(
          'p',
          { class: 'small text-muted mb-1' },
          `${dateTime(e.at)} · ${eventLabel(e.event)} · ${e.by || roleLabel(e.role)}`,
        ),
        e.note && h('p', { class: 'mb-1 text-prewrap' }, e.note),
        e.protocol && h('p', { class: 'small mb-1' }, t('detail.protocolRef', { number: e.protocol.number, at: dateTime(e.protocol.at) })),
        e.responseFile && h('p', { class: 'small mb-1' }, t('detail.responseFile')),
      ),
    ),
  )
}

function roleLabel(role: string): string {
  switch (role) {
    case 'citizen':
      return t('role.citizen')
    case 'system':
      return t('role.system')
    case 'partner':
      return t('role.partner')
    default:
      return t('role.operator')
  }
}

/** mayReassign: admins, and the managers of an office (the API decides which). */
function mayReassign(): boolean {
  return state.session.role === 'admin' || (state.session.manages?.length ?? 0) > 0
}

function actionForms(app: Application): HTMLElement {
  const events = (operatorEvents[app.status] ?? []).filter((e) => e !== 'reassign' || mayReassign()) as Event[]
  if (events.length === 0) return h('p', null, app.status === 1000 ? '—' : t('action.none'))
  const box = h('div')
  const simple = events.filter((e) => e === 'take-in-charge' || e === 'resume')
  for (const e of simple) {
    const form = h('form', { class: 'mb-4' })
    const errors = errorBox(form)
    form.append(errors.box, h('button', { type: 'submit', class: 'btn btn-primary' }, t(e === 'resume' ? 'action.resume' : 'action.takeInCharge')))
    form.addEventListener('submit', (ev) => {
      ev.preventDefault()
      void act(app, form, errors, e, {})
    })
    box.append(form)
  }
  if (events.includes('request-integration')) box.append(integrationForm(app))
  if (events.includes('accept')) box.append(decisionForm(app))
  if (events.includes('reassign')) box.append(reassignForm(app))
  return box
}

/** act performs a transition over the version shown, and shows the result. */
async function act(app: Application, form: HTMLFormElement, errors: Errors, event: Event, body: Record<string, unknown>): Promise<void> {
  errors.clear()
  try {
    const next = await busy(form, () =>
      request<Application>('POST', appPath(app.id, '/transitions'), { event, version: app.version, ...body }),
    )
    show(next)
    announce(t(done[event]))
  } catch (err) {
    errors.show(err, reloadHint(err, app))
  }
}

/** reloadHint offers, after a conflict, to show the application as it is now. */
function reloadHint(err: unknown, app: Application): Node | undefined {
  if (!(err instanceof ApiError) || err.status !== 409) return undefined
  return h(
    'p',
    { class: 'mb-0 mt-2' },
    t('action.conflict'),
    ' ',
    h('button', { type: 'button', class: 'btn btn-sm btn-outline-primary', onclick: () => void detailView(app.id) }, t('action.reload')),
  )
}

function integrationForm(app: Application): HTMLElement {
  const note = textarea(t('action.integrationNote'), { name: 'note', required: true, hint: t('action.integrationHint'), maxlength: 4000 })
  const form = h('form', { class: 'mb-4 border-top pt-3', novalidate: true }, h('h3', { class: 'h6 mb-4' }, t('action.integrationTitle')), note.group)
  const errors = errorBox(form)
  form.append(errors.box, h('button', { type: 'submit', class: 'btn btn-primary' }, t('action.requestIntegration')))
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    if (!note.field.value.trim()) {
      errors.show(t('action.integrationMissing'))
      note.field.focus()
      return
    }
    void act(app, form, errors, 'request-integration', { note: note.field.value.trim() })
  })
  return form
}

/** mediaType names a response file's type as the API expects it. */
function mediaType(f: File): string {
  const name = f.name.toLowerCase()
  if (name.endsWith('.p7m')) return 'application/pkcs7-mime'
  if (name.endsWith('.pdf')) return 'application/pdf'
  return f.type
}

function decisionForm(app: Application): HTMLElement {
  const note = textarea(t('action.motivation'), { name: 'note', hint: t('action.motivationHint'), maxlength: 4000 })
  const file = input(t('action.responseFile'), { name: 'responseFile', type: 'file', accept: '.pdf,.p7m,application/pdf,application/pkcs7-mime', hint: t('action.responseFileHint') })
  const accept = h('button', { type: 'submit', class: 'btn btn-success me-2 mb-2', value: 'accept' }, t('action.accept'))
  const reject = h('button', { type: 'submit', class: 'btn btn-danger mb-2', value: 'reject' }, t('action.reject'))
  const form = h('form', { class: 'mb-4 border-top pt-3', novalidate: true }, h('h3', { class: 'h6 mb-4' }, t('action.decisionTitle')), note.group, file.group)
  const errors = errorBox(form)
  form.append(errors.box, accept, reject)
  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    const event = ((e as SubmitEvent).submitter as HTMLButtonElement | null)?.value === 'reject' ? 'reject' : 'accept'
    const motivation = note.field.value.trim()
    if (event === 'reject' && !motivation) {
      errors.show(t('action.motivationMissing'))
      note.field.focus()
      return
    }
    const chosen = file.field.files?.[0]
    let responseFile: string | undefined
    if (chosen) {
      // The file goes to storage through a signed URL, then the decision
      // names it: a failed upload leaves the application as it was.
      try {
        responseFile = await busy(form, async () => {
          const prepared = await request<ResponseFileUpload>('POST', appPath(app.id, '/response-file'), {
            fileName: chosen.name,
            mediaType: mediaType(chosen),
            size: chosen.size,
          })
          await upload(prepared.upload, chosen)
          return prepared.file.id
        })
      } catch (err) {
        errors.show(err)
        return
      }
    }
    await act(app, form, errors, event, { note: motivation || undefined, responseFile })
  })
  return form
}

/**
 * reassignForm hands the application to someone the API lists as able to
 * take it, for one of their offices or none.
 */
function reassignForm(app: Application): HTMLElement {
  const form = h('form', { class: 'mb-4 border-top pt-3', novalidate: true, 'data-reassign': '' }, h('h3', { class: 'h6 mb-4' }, t('action.reassignTitle')))
  const errors = errorBox(form)
  const fields = h('div', null, h('p', null, t('loading')))
  const submit = h('button', { type: 'submit', class: 'btn btn-outline-primary', disabled: true }, t('action.reassign'))
  form.append(fields, errors.box, submit)
  let people: Assignee[] = []
  const who = select(t('action.assignee'), 'assignee', [])
  const where = select(t('action.office'), 'office', [])
  // The offices offered are those of the person chosen.
  const offices = (office: string) => {
    const chosen = people.find((p) => p.username === who.field.value)
    where.field.replaceChildren(
      ...[['', t('action.noOffice')], ...(chosen?.offices ?? []).map((o) => [o.id, o.name])].map(([v, text]) =>
        h('option', { value: v, selected: v === office }, text),
      ),
    )
  }
  who.field.addEventListener('change', () => offices(''))
  void (async () => {
    try {
      people = (await request<{ items: Assignee[] }>('GET', appPath(app.id, '/assignees'))).items
    } catch (err) {
      fields.replaceChildren()
      errors.show(err)
      return
    }
    who.field.append(
      h('option', { value: '' }, t('action.chooseAssignee')),
      ...people.map((p) => h('option', { value: p.username, selected: p.username === app.assignee }, `${p.name} (${p.username})`)),
    )
    offices(app.office ?? '')
    fields.replaceChildren(who.group, where.group)
    submit.disabled = false
  })()
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    if (!who.field.value) {
      errors.show(t('action.assigneeMissing'))
      who.field.focus()
      return
    }
    void act(app, form, errors, 'reassign', { assignee: who.field.value, office: where.field.value || undefined })
  })
  return form
}

async function loadProtocol(app: Application, region: HTMLElement): Promise<void> {
  try {
    const c = await request<ProtocolConfig>(
      'GET',
      tenantPath(state.session.tenant as string, `backoffice/services/${encodeURIComponent(app.service)}/protocol`),
    )
    region.replaceChildren(
      h(
        'dl',
        { class: 'row mb-0' },
        h('dt', { class: 'col-6 fw-semibold' }, t('protocol.required')),
        h('dd', { class: 'col-6' }, c.required ? t('yes') : t('no')),
        h('dt', { class: 'col-6 fw-semibold' }, t('protocol.register')),
        h('dd', { class: 'col-6' }, c.register),
        h('dt', { class: 'col-6 fw-semibold' }, t('protocol.format')),
        h('dd', { class: 'col-6' }, h('code', null, c.format)),
        h('dt', { class: 'col-6 fw-semibold' }, t('protocol.example')),
        h('dd', { class: 'col-6' }, c.example),
      ),
    )
  } catch (err) {
    const errors = errorBox()
    errors.show(err)
    region.replaceChildren(errors.box)
  }
}

async function loadNotes(app: Application, region: HTMLElement): Promise<void> {
  const list = h('ul', { class: 'list-unstyled mb-4', 'data-notes': '' })
  const more = h('div')
  const text = textarea(t('notes.new'), { name: 'text', required: true, hint: t('notes.hint'), maxlength: 4000 })
  const form = h('form', { novalidate: true }, text.group)
  const errors = errorBox(form)
  form.append(errors.box, h('button', { type: 'submit', class: 'btn btn-outline-primary' }, t('notes.add')))
  const item = (n: Note) =>
    h(
      'li',
      { class: 'mb-3 border-start border-3 ps-2' },
      h('p', { class: 'small text-muted mb-1' }, `${n.by} · ${dateTime(n.at)}`),
      h('p', { class: 'mb-0 text-prewrap' }, n.text),
    )
  const loadPage = async (cursor?: string) => {
    const page = await request<NoteList>('GET', appPath(app.id, `/notes${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`))
    list.append(...page.items.map(item))
    more.replaceChildren()
    if (page.cursor) {
      const next = page.cursor
      more.append(h('button', { type: 'button', class: 'btn btn-sm btn-outline-primary mb-3', onclick: () => void loadPage(next) }, t('notes.more')))
    }
  }
  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    if (!text.field.value.trim()) {
      errors.show(t('notes.missing'))
      return
    }
    try {
      const n = await busy(form, () => request<Note>('POST', appPath(app.id, '/notes'), { text: text.field.value.trim() }))
      list.append(item(n))
      text.field.value = ''
      errors.clear()
      announce(t('notes.added'))
    } catch (err) {
      errors.show(err)
    }
  })
  try {
    await loadPage()
    region.replaceChildren(h('p', { class: 'small' }, t('notes.intro')), list, more, form)
  } catch (err) {
    errors.show(err)
    region.replaceChildren(errors.box)
  }
}

interface Message {
  id: string
  at: string
  author: string
  by?: string
  text: string
}

function loadMessages(app: Application, region: HTMLElement): Promise<void> {
  return messageThread(region, appPath(app.id, '/messages'), t, 'btn btn-outline-primary', (m: Message) =>
    h(
      'li',
      { class: `mb-3 p-2 rounded ${m.author === 'citizen' ? 'bg-light' : 'border'}` },
      h('p', { class: 'small text-muted mb-1' }, `${m.author === 'citizen' ? t('role.citizen') : m.by || roleLabel(m.author)} · ${dateTime(m.at)}`),
      h('p', { class: 'mb-0 text-prewrap' }, m.text),
    ),
  )
}
