// The admins' page on a service's form: the Form.io definition, uploaded
// as a file or pasted, with the rules of its applications (instructions,
// each step's instructions, drafts, attachments, protocol registration).
// The API checks the form with the same parser that later validates every
// application, and says what is wrong; a form it accepts is previewed
// read-only with the renderer the citizens fill it in.

import { ApiError, request } from './api'
import { breadcrumb, checkboxes } from './admin'
import { announce, base, busy, errorBox, page, problemBox } from './app'
import { h } from '../common/dom'
import { input, select, textarea } from '../common/forms'
import type { Rendered } from '../common/formio'
import { lang, t } from './i18n'
import { findService, servicesPath, serviceStatus, type Service } from './services'

/** Settings are a service's rules for applications, as the API takes them. */
interface Settings {
  maxDrafts: number
  attachments: { types: string[] | null; maxSize: number; maxFiles: number }
  instructions: string
  stepInstructions?: Record<string, string>
  protocolRequired: boolean
}

/** A Form.io component, as far as this page reads and adjusts definitions. */
interface Component {
  type?: string
  key?: string
  title?: string
  label?: string
  form?: string
  components?: Component[]
  columns?: { components?: Component[] }[]
  [attr: string]: unknown
}

/** AdminServiceForm is a service's form as the admins' route gives it. */
interface AdminServiceForm {
  form: { components?: Component[] }
  resolved: { components?: Component[] }
  settings: Settings
}

const megabyte = 1024 * 1024

/** serviceFormView uploads a service's form and settings, and previews the form. */
export async function serviceFormView(slug: string): Promise<void> {
  const title = t('serviceForm.title')
  const crumbs = (name: string) => breadcrumb(`${base}servizi/${encodeURIComponent(slug)}`, name, title)
  page(title, crumbs(slug), h('h1', { class: 'my-4' }, title), h('p', null, t('loading')))
  let service: Service | undefined
  let current: AdminServiceForm | undefined
  try {
    service = await findService(slug)
    // The admins' route answers a draft's form too: as stored, and with
    // the library's blocks inline for the preview. A service without a
    // form yet is a 404.
    if (service) current = await request<AdminServiceForm>('GET', `${servicesPath(slug)}/form`)
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 404 && service)) {
      page(title, crumbs(slug), h('h1', { class: 'my-4' }, title), problemBox(err))
      return
    }
  }
  if (!service) {
    page(title, crumbs(slug), h('h1', { class: 'my-4' }, title), h('p', null, t('services.missing')))
    return
  }
  const svc = service
  const settings = current?.settings

  const file = input(t('serviceForm.file'), { name: 'file', type: 'file', accept: '.json,application/json', hint: t('serviceForm.fileHint') })
  const json = textarea(t('serviceForm.json'), { name: 'form', required: true, hint: t('serviceForm.jsonHint') })
  json.field.rows = 14
  json.field.classList.add('font-monospace', 'small')
  json.field.spellcheck = false
  if (current) json.field.value = JSON.stringify(current.form, null, 2)

  const instructions = textarea(t('serviceForm.instructions'), { name: 'settings.instructions', required: true, hint: t('serviceForm.instructionsHint'), maxlength: 20000 })
  instructions.field.value = settings?.instructions ?? ''
  const steps = stepFields(settings?.stepInstructions ?? {})
  const drafts = select(
    t('serviceForm.maxDrafts'),
    'settings.maxDrafts',
    [
      ['1', t('serviceForm.oneDraft')],
      ['0', t('serviceForm.anyDrafts')],
    ],
    String(settings?.maxDrafts ?? 1),
  )
  const maxFiles = input(t('serviceForm.maxFiles'), {
    name: 'settings.attachments.maxFiles',
    type: 'number',
    inputmode: 'numeric',
    value: String(settings?.attachments.maxFiles ?? 0),
    hint: t('serviceForm.maxFilesHint'),
  })
  const maxSize = input(t('serviceForm.maxSize'), {
    name: 'settings.attachments.maxSize',
    type: 'number',
    inputmode: 'decimal',
    value: settings?.attachments.maxSize ? String(settings.attachments.maxSize / megabyte) : '',
  })
  const types = input(t('serviceForm.types'), {
    name: 'settings.attachments.types',
    value: (settings?.attachments.types ?? []).join(', '),
    hint: t('serviceForm.typesHint'),
  })
  const protocol = checkboxes(t('serviceForm.protocol'), 'settings.protocolRequired', [['yes', t('serviceForm.protocolRequired')]], settings?.protocolRequired ? ['yes'] : [])

  const form = h(
    'form',
    { class: 'col-lg-10', novalidate: true },
    h('h2', { class: 'h4 mb-4' }, t('serviceForm.definition')),
    file.group,
    json.group,
    h('h2', { class: 'h4 mt-5 mb-4' }, t('serviceForm.settings')),
    instructions.group,
    steps.group,
    drafts.group,
    h('h3', { class: 'h5 mt-4 mb-4' }, t('serviceForm.attachments')),
    maxFiles.group,
    maxSize.group,
    types.group,
    protocol.group,
  )
  const errors = errorBox(form)
  form.append(errors.box, h('button', { type: 'submit', class: 'btn btn-primary' }, t('serviceForm.upload')))

  const host = h('div', { class: 'stanza-form', 'data-preview': '' })
  const previewNote = h('p', null, current ? t('serviceForm.previewCurrent') : t('serviceForm.previewNone'))
  let shown: Rendered | undefined
  const preview = async (definition: { components?: Component[] }) => {
    const renderer = await import('../common/formio')
    shown?.destroy(true)
    host.replaceChildren()
    shown = await renderer.render(host, previewable(definition), lang(), () => Promise.reject(new Error('no uploads in a preview')), { readOnly: true })
  }

  // The steps' instructions follow the panels of the definition as it is
  // typed, pasted or loaded.
  const definitionChanged = () => steps.show(panelsOf(json.field.value))
  json.field.addEventListener('input', definitionChanged)
  file.field.addEventListener('change', async () => {
    const chosen = file.field.files?.[0]
    if (!chosen) return
    const text = await chosen.text()
    // Laid out to be read and edited here, when it parses; as it is if not,
    // for the API to say what is wrong.
    try {
      json.field.value = JSON.stringify(JSON.parse(text), null, 2)
    } catch {
      json.field.value = text
    }
    definitionChanged()
  })
  definitionChanged()

  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    errors.clear()
    let definition: { components?: Component[] }
    try {
      definition = JSON.parse(json.field.value)
    } catch (err) {
      errors.show(t('serviceForm.jsonInvalid', { reason: err instanceof Error ? err.message : '' }))
      json.field.focus()
      return
    }
    const size = Number(maxSize.field.value.replace(',', '.') || '0')
    const files = Number(maxFiles.field.value || '0')
    if (!Number.isFinite(size) || !Number.isInteger(files)) {
      errors.show(t('serviceForm.numbersInvalid'))
      return
    }
    const body: { form: unknown; settings: Settings } = {
      form: definition,
      settings: {
        maxDrafts: Number(drafts.field.value),
        attachments: {
          maxFiles: files,
          maxSize: Math.round(size * megabyte),
          types: types.field.value
            .split(',')
            .map((x) => x.trim())
            .filter(Boolean),
        },
        instructions: instructions.field.value.trim(),
        stepInstructions: steps.values(),
        protocolRequired: protocol.values().includes('yes'),
      },
    }
    try {
      await busy(form, () => request('PUT', `${servicesPath(svc.slug)}/form`, body))
    } catch (err) {
      errors.show(withPaths(err))
      return
    }
    previewNote.textContent = t('serviceForm.previewUploaded')
    announce(t('serviceForm.uploaded'))
    // Read back with the library's blocks inline; the uploaded definition,
    // whose blocks show as placeholders, should that fail.
    let shownDefinition: { components?: Component[] } = definition
    try {
      shownDefinition = (await request<AdminServiceForm>('GET', `${servicesPath(svc.slug)}/form`)).resolved
    } catch {
      // the preview below still shows the uploaded definition
    }
    await preview(shownDefinition)
  })

  page(
    title,
    crumbs(svc.title),
    h('h1', { class: 'mt-4 mb-2' }, t('serviceForm.heading', { title: svc.title })),
    h('p', { class: 'mb-3' }, serviceStatus(svc)),
    h('p', null, t('serviceForm.intro')),
    form,
    h('section', { class: 'mt-5', 'aria-labelledby': 'anteprima' }, h('h2', { id: 'anteprima', class: 'h4 mb-3' }, t('serviceForm.preview')), previewNote, host),
  )
  if (current) await preview(current.resolved)
}

/**
 * withPaths puts each field error's path before its message: the API
 * names where in the definition or settings the problem is, and the
 * admin fixes the JSON there.
 */
function withPaths(err: unknown): unknown {
  if (!(err instanceof ApiError) || !err.problem.errors?.length) return err
  return new ApiError({ ...err.problem, errors: err.problem.errors.map((f) => ({ path: f.path, message: `${f.path}: ${f.message}` })) })
}

/** panelsOf lists the steps of a definition being edited: its top-level panels, none while it does not parse. */
function panelsOf(text: string): { key: string; title: string }[] {
  let def: { components?: Component[] }
  try {
    def = JSON.parse(text)
  } catch {
    return []
  }
  if (!def || !Array.isArray(def.components)) return []
  return def.components
    .filter((c) => c?.type === 'panel' && typeof c.key === 'string' && c.key !== '')
    .map((c) => ({ key: c.key as string, title: String(c.title || c.label || c.key) }))
}

/**
 * stepFields is one text per step of the form. The texts are kept by
 * panel key while the definition changes, so that a panel renamed and
 * renamed back, or a definition pasted again, keeps what was written.
 */
function stepFields(initial: Record<string, string>) {
  const texts = new Map(Object.entries(initial))
  let keys: string[] = []
  const list = h('div')
  const group = h(
    'fieldset',
    { class: 'mb-4', 'data-path': 'settings.stepInstructions' },
    h('legend', { class: 'fs-6 fw-semibold mb-2' }, t('serviceForm.stepInstructions')),
    h('small', { class: 'form-text d-block mb-3' }, t('serviceForm.stepInstructionsHint')),
    list,
  )
  const show = (panels: { key: string; title: string }[]) => {
    keys = panels.map((p) => p.key)
    list.replaceChildren(
      ...(panels.length
        ? panels.map((p) => {
            const f = textarea(t('serviceForm.step', { title: p.title, key: p.key }), { name: `settings.stepInstructions.${p.key}`, maxlength: 20000 })
            f.field.value = texts.get(p.key) ?? ''
            f.field.addEventListener('input', () => texts.set(p.key, f.field.value))
            return f.group
          })
        : [h('p', { class: 'small mb-0' }, t('serviceForm.noSteps'))]),
    )
  }
  // Only the steps the form has, and only those with a text: the API
  // refuses instructions for a step the form does not have.
  const values = () => Object.fromEntries(keys.map((k) => [k, (texts.get(k) ?? '').trim()]).filter(([, v]) => v !== ''))
  return { group, show, values }
}

/**
 * previewable is a definition as the preview draws it: every step at
 * once, lists and phone numbers as the citizens' app draws them under the
 * content policy (see its form.ts), and each block of the Comune's library
 * that comes without its fields named in their place: the browser cannot
 * read the library, and Form.io would fetch the block from its own servers.
 */
function previewable(def: { components?: Component[] }): object {
  const out = structuredClone(def) as { display?: string; components?: Component[] }
  out.display = 'form'
  const walk = (cs: Component[] | undefined): Component[] =>
    (cs ?? []).map((c) => {
      if (c.type === 'form' && !c.components?.length) {
        const text = t('serviceForm.block', { label: c.label || c.key || '', id: c.form ?? '' })
        return { type: 'htmlelement', key: c.key, tag: 'p', className: 'callout-text', input: false, content: escape(text) }
      }
      if (c.type === 'file') Object.assign(c, { storage: 'stanza', uploadOnly: true })
      if (c.type === 'phoneNumber' && !('inputMask' in c)) c.inputMask = ''
      if (c.type === 'select') c.widget = 'html5'
      if (c.components) c.components = walk(c.components)
      for (const col of c.columns ?? []) col.components = walk(col.components)
      return c
    })
  out.components = walk(out.components)
  return out
}

/** escape makes text safe in the markup of an htmlelement component. */
function escape(text: string): string {
  const p = document.createElement('p')
  p.textContent = text
  return p.innerHTML
}
