// Filling an application: the service's Form.io form one panel at a time,
// saved as the citizen goes; a review of the answers; the submission; and
// the confirmation, with the receipt once the portal has made it.

import {
  ApiError,
  idempotencyKey,
  request,
  tenantPath,
  upload,
  type Account,
  type Application,
  type FieldProblem,
  type LinkedAttachment,
  type PreparedUpload,
  type Profile,
} from './api'
import { announce, breadcrumb, errorBox, failure, page, serviceTitle, tenant, type Errors } from './app'
import { h, icon } from '../common/dom'
import type { FileInfo, Rendered } from '../common/formio'
import { lang, t } from './i18n'
import { statusBadge } from '../common/status'

/** How long the citizen may pause typing before the draft is saved. */
const saveDelay = 1500

/** How long the confirmation waits for the receipt before it says "shortly". */
const receiptPolls = 30

/** A Form.io component, as far as the page reads and adjusts definitions. */
interface Component {
  type?: string
  key?: string
  components?: Component[]
  columns?: { components?: Component[] }[]
  [attr: string]: unknown
}

interface Definition {
  display?: string
  components: Component[]
  [attr: string]: unknown
}

/** The service's form and settings (GET .../services/{s}/form). */
interface ServiceForm {
  form: Definition
  settings: { instructions: string; stepInstructions?: Record<string, string> }
}

type Draft = Application & { step?: number }
type Identity = Account & { dateOfBirth?: string }

function appPath(id: string, rest = ''): string {
  return tenantPath(tenant(), `applications/${encodeURIComponent(id)}${rest}`)
}

/** formView shows a draft's form, filled with what was saved. */
export async function formView(draft: Draft): Promise<void> {
  const title = serviceTitle(draft.service)
  const trail = () => breadcrumb([t('mine.title'), '/pratiche'], [title])
  page(title, trail(), h('h1', { class: 'my-4' }, title), h('p', null, t('loading')))
  let service: ServiceForm
  let account: Identity
  let renderer: typeof import('../common/formio')
  try {
    ;[service, account, renderer] = await Promise.all([
      request<ServiceForm>('GET', tenantPath(tenant(), `services/${encodeURIComponent(draft.service)}/form`)),
      request<Profile>('GET', '/api/v1/me').then((p) => p.account),
      import('../common/formio'),
    ])
  } catch (err) {
    failure(title, err, trail())
    return
  }
  const definition = adapt(service.form)
  const saved = h('span', { class: 'small text-muted', 'data-autosave': '', role: 'status' })
  const stepNote = h('div', { class: 'callout-text mb-3', hidden: true, 'data-step-instructions': '' })
  const host = h('div', { class: 'stanza-form mb-4' })
  const review = h('section', { hidden: true, 'aria-labelledby': 'riepilogo-domanda' })
  const errors = errorBox()
  page(
    title,
    trail(),
    h('h1', { class: 'mt-4 mb-2' }, title),
    h('p', { class: 'd-flex flex-wrap align-items-center gap-2 mb-3' }, statusBadge(draft.status), saved),
    h('details', { class: 'mb-4' }, h('summary', { class: 'fw-semibold' }, t('form.instructions')), h('p', { class: 'mt-2 text-prewrap' }, service.settings.instructions)),
    errors.box,
    stepNote,
    host,
    review,
  )

  const saver = new Saver(draft, saved, errors)
  const data = hasData(draft.data) ? structuredClone(draft.data!) : prefill(account)
  if (hasApplicant(definition.components)) lockIdentity(data, account)
  let form: Rendered
  try {
    form = await renderer.render(host, definition, lang(), (file) => saver.exclusive(() => attach(saver, file)))
    form.submission = { data }
    if (draft.step && draft.step < form.pages.length) await form.setPage(draft.step)
  } catch (err) {
    failure(title, err, trail())
    return
  }
  const showStep = () => {
    const key = (form.pages[form.page] as { component?: Component } | undefined)?.component?.key ?? ''
    const text = service.settings.stepInstructions?.[key] ?? ''
    stepNote.textContent = text
    stepNote.hidden = text === ''
  }
  showStep()
  form.on('change', (_changed: unknown, _flags: unknown, modified: boolean) => {
    if (modified) saver.later(form)
  })
  for (const event of ['nextPage', 'prevPage', 'wizardPageSelected']) {
    form.on(event, () => {
      showStep()
      errors.clear()
      void saver.now(form)
    })
  }
  // The wizard's last button leads to the review, once Form.io has
  // checked every panel; the server checks everything again on sending.
  form.on('submit', () => {
    void showReview(renderer, definition, form, host, review, saver, errors, draft)
  })
}

/**
 * adapt prepares a definition for the citizen's browser: file components
 * send their files through the portal (uploadOnly: the files cannot be
 * read back), phone numbers take any country's format, lists are the
 * browser's own, and the applicant's identity, which SPID or CIE asserted and
 * the server writes again on submission, cannot be edited.
 */
function adapt(def: Definition): Definition {
  const out = structuredClone(def)
  const walk = (cs: Component[] | undefined, identity: boolean) => {
    for (const c of cs ?? []) {
      if (c.type === 'file') {
        c.storage = 'stanza'
        c.uploadOnly = true
      }
      // Form.io masks a phone number as a US one unless told otherwise.
      if (c.type === 'phoneNumber' && !('inputMask' in c)) c.inputMask = ''
      // Native lists: a phone shows its own picker, and Choices.js writes
      // style attributes that the content policy refuses. They have no
      // search box, but a list takes the first letters typed, and the
      // portal's lists are short (seven choices at most in the demo forms).
      if (c.type === 'select') c.widget = 'html5'
      if (identity && identityKeys.includes(c.key ?? '')) c.disabled = true
      const inner = identity || (c.type === 'form' && c.key === 'applicant')
      walk(c.components, inner)
      for (const col of c.columns ?? []) walk(col.components, inner)
    }
  }
  walk(out.components, false)
  return out
}

// The applicant's fields that the server fills from the identity
// (shared/httpapi lockIdentity), in the Comune's library blocks.
const identityKeys = ['name', 'surname', 'fiscal_code', 'birth_date']

function hasApplicant(cs: Component[] | undefined): boolean {
  return (cs ?? []).some((c) => (c.type === 'form' && c.key === 'applicant') || hasApplicant(c.components))
}

function hasData(d: Record<string, unknown> | undefined): boolean {
  return d !== undefined && Object.keys(d).length > 0
}

function block(parent: Record<string, unknown>, key: string): Record<string, unknown> {
  const outer = (parent[key] ??= {}) as Record<string, unknown>
  return (outer.data ??= {}) as Record<string, unknown>
}

/** lockIdentity writes the identity into the applicant's block, as the server will. */
function lockIdentity(data: Record<string, unknown>, a: Identity): void {
  const applicant = block(data, 'applicant')
  Object.assign(block(applicant, 'completename'), { name: a.name, surname: a.familyName })
  block(applicant, 'fiscal_code').fiscal_code = a.fiscalCode
  if (a.dateOfBirth) block(applicant, 'born').birth_date = a.dateOfBirth.split('-').reverse().join('/')
}

/** prefill starts a new application with the contacts of the citizen's profile. */
function prefill(a: Identity): Record<string, unknown> {
  const data: Record<string, unknown> = {}
  const applicant = block(data, 'applicant')
  Object.assign(block(applicant, 'address'), {
    address: a.address.street,
    municipality: a.address.city,
    county: a.address.province,
    postal_code: a.address.postalCode,
    country: 'Italia',
  })
  applicant.email_address = a.email ?? ''
  applicant.phone_number = a.mobile ?? ''
  return data
}

/**
 * Saver keeps the draft saved: after a pause in typing, at every change
 * of step, and before the review. Saves, and the attachments' links that
 * also change the draft's version, run one at a time, each over the
 * version the last one returned.
 */
class Saver {
  private version: number
  private timer = 0
  private queue: Promise<unknown> = Promise.resolve()
  private stopped = false

  constructor(
    readonly draft: Draft,
    private readonly note: HTMLElement,
    private readonly errors: Errors,
  ) {
    this.version = draft.version
  }

  /** later saves once the citizen pauses. */
  later(form: Rendered): void {
    clearTimeout(this.timer)
    if (this.stopped) return
    this.note.textContent = t('form.unsaved')
    this.timer = window.setTimeout(() => void this.now(form), saveDelay)
  }

  /** now saves the form's data and step, after what is under way. */
  now(form: Rendered): Promise<boolean> {
    clearTimeout(this.timer)
    const step = form.page
    return this.exclusive(async () => {
      try {
        const saved = await request<Draft>('PATCH', appPath(this.draft.id), {
          version: this.version,
          step,
          data: form.submission.data,
        })
        this.version = saved.version
        this.note.textContent = t('form.saved', { time: new Date().toLocaleTimeString(lang(), { hour: '2-digit', minute: '2-digit' }) })
        return true
      } catch (err) {
        this.note.textContent = t('form.notSaved')
        this.errors.show(err)
        return false
      }
    })
  }

  /** stop ends the saving: the draft is sent, and no longer a draft. */
  stop(): void {
    clearTimeout(this.timer)
    this.stopped = true
  }

  /** linked records the version an attachment's link left. */
  linked(version: number): void {
    this.version = version
  }

  /** exclusive runs work after every save and upload before it. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work)
    this.queue = run.catch(() => undefined)
    return run
  }
}

/** mediaType names a file's type as the API expects it. */
export function mediaType(f: File): string {
  const name = f.name.toLowerCase()
  if (name.endsWith('.pdf')) return 'application/pdf'
  if (name.endsWith('.jpg') || name.endsWith('.jpeg')) return 'image/jpeg'
  if (name.endsWith('.png')) return 'image/png'
  return f.type
}

/**
 * attach sends a file chosen in a file component through the attachment
 * flow (prepare, upload to the signed URL, confirm) and describes it as
 * the server's validator reads a file value: its name, size and type, and
 * the attachment's id as key.
 */
async function attach(saver: Saver, file: File): Promise<FileInfo> {
  const type = mediaType(file)
  try {
    const prepared = await request<PreparedUpload>('POST', appPath(saver.draft.id, '/attachments'), {
      fileName: file.name,
      mediaType: type,
      size: file.size,
    })
    await upload(prepared.upload, file)
    const linked = await request<LinkedAttachment>(
      'POST',
      appPath(saver.draft.id, `/attachments/${encodeURIComponent(prepared.attachment.id)}/confirmation`),
      {},
    )
    saver.linked(linked.application.version)
    return { storage: 'stanza', name: linked.attachment.name, size: file.size, type, key: linked.attachment.id }
  } catch (err) {
    // Form.io shows the message next to the file.
    throw err instanceof ApiError ? err.message || t('error.unexpected') : t('error.unexpected')
  }
}

/**
 * showReview saves the answers and shows them as they will be sent, read
 * only, with the buttons to change them or to send the application.
 */
async function showReview(
  renderer: typeof import('../common/formio'),
  definition: Definition,
  form: Rendered,
  host: HTMLElement,
  review: HTMLElement,
  saver: Saver,
  errors: Errors,
  draft: Draft,
): Promise<void> {
  errors.clear()
  if (!(await saver.now(form))) return
  const answers = h('div', { class: 'stanza-form mb-4', 'data-review': '' })
  const back = h('button', { type: 'button', class: 'btn btn-outline-primary me-2 mb-2' }, t('form.change'))
  const send = h('button', { type: 'button', class: 'btn btn-primary mb-2' }, t('form.send'))
  review.replaceChildren(
    h('h2', { id: 'riepilogo-domanda', class: 'h3 mb-2', tabindex: -1 }, t('form.review')),
    h('p', null, t('form.reviewIntro')),
    answers,
    h('div', { class: 'd-flex flex-wrap' }, back, send),
  )
  host.hidden = true
  review.hidden = false
  const shown = await renderer.render(answers, { ...definition, display: 'form' }, lang(), () => Promise.reject(), {
    readOnly: true,
    renderMode: 'html',
  })
  shown.submission = { data: structuredClone(form.submission.data) }
  review.querySelector<HTMLElement>('h2')?.focus()
  const edit = async (problems: FieldProblem[] = []) => {
    shown.destroy(true)
    review.hidden = true
    host.hidden = false
    if (problems.length) {
      await openProblemStep(definition, form, problems)
      renderer.showServerErrors(form, problems)
    }
  }
  back.addEventListener('click', () => void edit())
  // One key for this review: a send retried after a lost answer is the same send.
  const key = idempotencyKey()
  send.addEventListener('click', async () => {
    send.disabled = back.disabled = true
    errors.clear()
    try {
      const sent = await request<Application>('POST', appPath(draft.id, '/submission'), { confirmed: true }, { 'Idempotency-Key': key })
      saver.stop()
      shown.destroy(true)
      form.destroy(true)
      confirmation(sent)
    } catch (err) {
      send.disabled = back.disabled = false
      errors.show(err)
      const problems = err instanceof ApiError ? (err.problem.errors ?? []) : []
      if (problems.length) await edit(problems)
    }
  })
}

/**
 * openProblemStep opens the step of the first of the server's field
 * errors, which the error box above the form lists and each field then
 * shows: a path names the value in the data ("parents[1].fiscal_code"),
 * whose first key belongs to one of the panels.
 */
async function openProblemStep(definition: Definition, form: Rendered, problems: FieldProblem[]): Promise<void> {
  const top = problems[0].path.split(/[.[]/)[0]
  const panel = definition.components.find((p) => contains(p, top))
  const index = form.pages.findIndex((p) => (p as { component?: Component }).component?.key === panel?.key)
  if (index >= 0 && index !== form.page) await form.setPage(index)
}

function contains(c: Component, key: string): boolean {
  if (c.key === key && c.type !== 'panel') return true
  return [...(c.components ?? []), ...(c.columns ?? []).flatMap((col) => col.components ?? [])].some((x) => contains(x, key))
}

/**
 * confirmation says the application is sent and offers its receipt, which
 * the portal makes in the background a moment after the submission.
 */
function confirmation(app: Application): void {
  const title = t('form.sentTitle')
  const receipt = h('p', { 'data-receipt': '' }, t('form.receiptSoon'))
  page(
    title,
    breadcrumb([t('mine.title'), '/pratiche'], [title]),
    h('h1', { class: 'my-4' }, title),
    h('div', { class: 'alert alert-success' }, t('form.sentText', { service: serviceTitle(app.service) })),
    h('dl', { class: 'row' }, h('dt', { class: 'col-sm-4' }, t('detail.id')), h('dd', { class: 'col-sm-8' }, h('code', null, app.id))),
    receipt,
    h('p', null, h('a', { href: `/pratiche/${encodeURIComponent(app.id)}` }, t('form.follow'))),
  )
  announce(t('form.sent'))
  void waitForReceipt(app, receipt)
}

async function waitForReceipt(app: Application, where: HTMLElement): Promise<void> {
  const href = appPath(app.id, '/receipt')
  for (let i = 0; i < receiptPolls && where.isConnected; i++) {
    // The receipt answers with a redirect to file storage once it exists:
    // seeing the redirect is enough, the file is not downloaded here.
    const resp = await fetch(href, { redirect: 'manual', credentials: 'same-origin' }).catch(() => undefined)
    if (resp && (resp.type === 'opaqueredirect' || resp.ok)) {
      where.replaceChildren(
        h('a', { href, download: true, class: 'btn btn-outline-primary d-inline-flex align-items-center gap-1' }, icon('it-download', 'icon-sm icon-primary'), t('detail.receipt')),
      )
      return
    }
    await new Promise((r) => setTimeout(r, 1000))
  }
}
