// The Form.io renderer, set up to run under the portal's content policy,
// for both apps: the citizens fill their applications with it and the
// admins preview the forms they upload. It is most of either app's
// weight, so the pages that draw a form import this module on demand and
// no other page loads it.
//
// # Content policy
//
// The policy (shared/webapps) has no 'unsafe-eval' and no 'unsafe-inline'.
// Form.io runs under it like this:
//
//   - Its templates come precompiled (@formio/bootstrap's bootstrap5), and
//     both evaluators, the renderer's and @formio/core's, are in no-eval
//     mode: labels are interpolated by lookup, never compiled, and a
//     definition's scripts (validate.custom, calculateValue) are not run,
//     as the server does not run them either (shared/formio).
//   - A few templates write style="…" attributes, which the policy refuses
//     in markup. They are rewritten to data-inline-style, and an observer
//     applies them through the element's style object, which the policy
//     allows because no markup is parsed. The file chooser's input is
//     hidden with the hidden attribute instead, and lists are the browser's
//     own rather than Choices.js's (see the citizens' form.ts).
//   - Libraries that Form.io loads from its CDN are refused by the policy.
//     The date picker of datetime components, flatpickr, is bundled instead,
//     at the version Form.io's CDN serves, with its stylesheet (form.css):
//     Form.io's requireLibrary resolves at once, without fetching anything,
//     when the global it waits for exists. Rich text editors, which no
//     portal form uses, stay refused.
//   - The picker also has Form.io fetch the time zones from its CDN, as
//     soon as a date has a value. The zones of the years around today come
//     bundled (moment-timezone's ten-year build, imported after Form.io so
//     that it replaces the empty time-zone support Form.io loads), and
//     Form.io is told they are loaded.

import './form.css'
import { Evaluator as CoreEvaluator } from '@formio/core'
import { Components, Formio, Templates, Utils } from '@formio/js/form'
import 'moment-timezone/builds/moment-timezone-with-data-10-year-range.js'
import flatpickr from 'flatpickr'
import { Italian } from 'flatpickr/dist/l10n/it.js'
import type { FieldProblem } from './api'
import type { Lang } from './i18n'

/** An uploaded file as Form.io keeps it in the data, and the server reads it. */
export interface FileInfo {
  storage: string
  name: string
  originalName?: string
  size: number
  type: string
  key: string
}

/** Uploads sends a file the form's file components were given. */
export type Uploader = (file: File, name: string) => Promise<FileInfo>

/** The parts of a rendered Form.io form that the form page uses. */
export interface Rendered {
  submission: { data: Record<string, unknown> }
  page: number
  pages: unknown[]
  setPage(n: number): Promise<void>
  on(event: string, cb: (...args: any[]) => void): void
  destroy(all?: boolean): void
}

/** A component of a rendered form, as far as the server's errors reach it. */
interface Instance {
  dataValue: unknown
  serverErrors?: ServerError[]
  setCustomValidity(messages: ServerError[], dirty: boolean): void
}

/** A server's field error as Form.io keeps it on its component. */
interface ServerError {
  level: 'error'
  message: string
  fromServer: true
  // The value refused, as JSON: the mark goes once the citizen changes it.
  refused: string
}

const styleAttribute = /\sstyle=("[^"]*"|'[^']*')/g

let setUp = false

// The language of the form drawn last, for the texts Form.io does not translate.
let language: Lang = 'it'

function once(): void {
  if (setUp) return
  setUp = true
  Utils.Evaluator.noeval = true
  CoreEvaluator.noeval = true
  // As defaults, so that nested forms, which are forms of their own, speak
  // Italian too. Form.io's own English texts win over defaults: the
  // portal's English ones are also given to every form (render).
  Formio.use({ translations: { it: italian, en: english } })
  // The globals Form.io's datetime component waits for: the picker (also
  // for its stylesheet, which form.css brings) and its Italian texts,
  // which flatpickr finds by the locale name Form.io passes.
  flatpickr.l10ns.it = Italian
  Object.assign(window, { flatpickr, 'flatpickr-it': Italian })
  Object.assign(Utils.moment, { zonesLoaded: true })
  const components = Components.components as Record<string, { prototype: Record<string, unknown> }>
  // A component counts the server's errors it is given (serverErrors)
  // among its own, but Form.io hides them at the next validation, which
  // runs at every change anywhere in the form. A component keeps them, and
  // shows them, until its value changes.
  const base = components.base.prototype
  const interpolate = base.interpolateErrors as (this: Instance, errors: unknown[]) => unknown[]
  base.interpolateErrors = function (this: Instance, errors: unknown[]) {
    if (this.serverErrors?.length && this.serverErrors[0].refused !== JSON.stringify(this.dataValue)) this.serverErrors = []
    return interpolate.call(this, errors)
  }
  const validity = base.setComponentValidity as (this: Instance, errors: ServerError[], dirty: boolean, silent: boolean) => unknown
  base.setComponentValidity = function (this: Instance, errors: ServerError[], dirty: boolean, silent: boolean) {
    if (silent || !this.serverErrors?.length) return validity.call(this, errors, dirty, silent)
    return this.setCustomValidity(errors, true)
  }
  // Sizes as the citizen's language writes them, not "27.00 Bytes".
  components.file.prototype.fileSize = (bytes: number) => fileSize(bytes, language)
  // The file component opens the file chooser through an input it hides
  // with a style attribute; the hidden attribute does the same.
  const file = components.file.prototype
  const browse = file.browseFiles as (attrs?: object) => Promise<FileList>
  file.browseFiles = function (this: unknown, attrs: object = {}) {
    return browse.call(this, { ...attrs, style: undefined, hidden: '' })
  }
  for (const template of Object.values(Templates.current as Record<string, Record<string, unknown>>)) {
    for (const mode of ['form', 'html']) {
      const render = template[mode]
      if (typeof render !== 'function') continue
      template[mode] = (ctx: unknown) => String(render(ctx)).replace(styleAttribute, ' data-inline-style=$1')
    }
  }
  const templates = Templates.current as Record<string, Record<string, (ctx: any) => string>>
  // A read-only checkbox says "True" or "False" in every language.
  const checkbox = templates.checkbox.html
  templates.checkbox.html = (ctx: { checked: boolean; t(text: string): string }) =>
    checkbox(ctx).replace(/<div ref="value">(True|False)<\/div>/, `<div ref="value">${ctx.t(ctx.checked ? 'yes' : 'no')}</div>`)
  // A read-only date shows its value as stored, in ISO 8601: it is shown
  // as the field writes it instead.
  const input = templates.input.html
  templates.input.html = (ctx: { component?: { type?: string }; value?: unknown; self: { getValueAsString(v: unknown): string } }) =>
    input(ctx.component?.type === 'datetime' && ctx.value ? { ...ctx, value: ctx.self.getValueAsString(ctx.value) } : ctx)
}

const units = ['kilobyte', 'megabyte', 'gigabyte']

/** fileSize writes a size in bytes as "27 byte" or "1,2 MB", in multiples of 1024. */
function fileSize(bytes: number, lang: Lang): string {
  if (bytes < 1024) return new Intl.NumberFormat(lang, { style: 'unit', unit: 'byte', unitDisplay: 'long' }).format(bytes)
  let n = bytes / 1024
  let unit = 0
  for (; n >= 1024 && unit < units.length - 1; unit++) n /= 1024
  return new Intl.NumberFormat(lang, { style: 'unit', unit: units[unit], maximumFractionDigits: 1 }).format(n)
}

/** applyStyles sets the styles the templates asked for, through the style object. */
function applyStyles(root: ParentNode): void {
  root.querySelectorAll<HTMLElement>('[data-inline-style]').forEach((el) => {
    el.style.cssText = el.dataset.inlineStyle ?? ''
    el.removeAttribute('data-inline-style')
  })
}

/**
 * render draws a definition in element and resolves with the form once
 * it is ready. A definition whose display is "wizard" is drawn one panel
 * at a time, as its author meant.
 */
export async function render(element: HTMLElement, definition: unknown, lang: Lang, upload: Uploader, options: Record<string, unknown> = {}): Promise<Rendered> {
  once()
  language = lang
  new MutationObserver(() => applyStyles(element)).observe(element, { childList: true, subtree: true })
  const form = (await Formio.createForm(element, definition as object, {
    language: lang,
    noAlerts: true,
    i18n: { en: english },
    buttonSettings: { showCancel: false },
    fileService: fileService(upload),
    ...options,
  })) as unknown as Rendered
  applyStyles(element)
  return form
}

/**
 * showServerErrors puts each of the server's field errors on its field, as
 * Form.io shows its own; one that names no field stays in the error box
 * above the form only. A path names the value in the data
 * ("parents[1].phone", "applicant.data.fiscal_code.data.fiscal_code"), a
 * file's path also the file ("plan[0]"), which its component's does not.
 */
export function showServerErrors(form: Rendered, problems: FieldProblem[]): void {
  const find = (form as unknown as { getComponent(path: string): Instance | undefined }).getComponent.bind(form)
  const placed = new Map<Instance, ServerError[]>()
  for (const p of problems) {
    const c = find(p.path) ?? find(p.path.replace(/\[\d+\]$/, ''))
    if (!c) continue
    const errs = placed.get(c) ?? []
    errs.push({ level: 'error', message: p.message, fromServer: true, refused: JSON.stringify(c.dataValue) })
    placed.set(c, errs)
  }
  for (const [c, errs] of placed) {
    c.serverErrors = errs
    c.setCustomValidity(errs, true)
  }
}

/**
 * fileService hands Form.io's file components to the portal's attachment
 * flow. The files are kept by key, the attachment's id, which the server
 * links to the application; the browser has no way to read them back, so
 * the components list names only (uploadOnly).
 */
function fileService(upload: Uploader) {
  return {
    uploadFile: (_storage: string, file: File, name: string) => upload(file, name),
    downloadFile: (info: FileInfo) => Promise.resolve(info),
    deleteFile: () => Promise.resolve(),
  }
}

// Form.io's English texts where the portal's differ: its last button
// leads to the review, and buttons are named by what they say.
const english: Record<string, string> = {
  submit: 'Review your answers',
  removeBtnPressToRemove: 'Remove',
  previousButtonAriaLabel: 'Previous',
  nextButtonAriaLabel: 'Next',
  submitButtonAriaLabel: 'Review your answers',
}

// Form.io's own texts in Italian, for the components the portal's forms use.
const italian: Record<string, string> = {
  required: 'Il campo «{{field}}» è obbligatorio.',
  pattern: 'Il campo «{{field}}» non ha il formato previsto.',
  invalid_regex: 'Il campo «{{field}}» non ha il formato previsto.',
  minLength: 'Il campo «{{field}}» deve avere almeno {{length}} caratteri.',
  maxLength: 'Il campo «{{field}}» può avere al massimo {{length}} caratteri.',
  minWords: 'Il campo «{{field}}» deve avere almeno {{length}} parole.',
  maxWords: 'Il campo «{{field}}» può avere al massimo {{length}} parole.',
  min: 'Il campo «{{field}}» non può essere minore di {{min}}.',
  max: 'Il campo «{{field}}» non può essere maggiore di {{max}}.',
  invalid_email: 'Il campo «{{field}}» deve essere un indirizzo email valido.',
  invalid_date: 'Il campo «{{field}}» non è una data valida.',
  invalid_day: 'Il campo «{{field}}» non è un giorno valido.',
  invalidDay: 'Il campo «{{field}}» non è un giorno valido.',
  requiredDayField: 'Indica il giorno del campo «{{field}}».',
  requiredDayEmpty: 'Il campo «{{field}}» è obbligatorio.',
  requiredMonthField: 'Indica il mese del campo «{{field}}».',
  requiredYearField: 'Indica l’anno del campo «{{field}}».',
  invalidOption: 'Il campo «{{field}}» ha un valore non ammesso.',
  select: 'Il campo «{{field}}» ha una scelta non ammessa.',
  mask: 'Il campo «{{field}}» non ha il formato previsto.',
  'numeric only': 'solo cifre',
  error: 'Correggi gli errori indicati prima di continuare.',
  submitError: 'Controlla il modulo e correggi gli errori prima di inviare.',
  errorsListNavigationMessage: 'Vai al campo con questo errore.',
  wrongFileType: 'Il file non è di un tipo ammesso ({{ pattern }}).',
  fileTooBig: 'Il file è troppo grande: al massimo {{ size }}.',
  fileTooSmall: 'Il file è troppo piccolo: almeno {{ size }}.',
  month: 'Mese',
  day: 'Giorno',
  year: 'Anno',
  // The day component names its months in English, and translates those.
  January: 'gennaio',
  February: 'febbraio',
  March: 'marzo',
  April: 'aprile',
  May: 'maggio',
  June: 'giugno',
  July: 'luglio',
  August: 'agosto',
  September: 'settembre',
  October: 'ottobre',
  November: 'novembre',
  December: 'dicembre',
  next: 'Avanti',
  previous: 'Indietro',
  cancel: 'Annulla',
  submit: 'Vai al riepilogo',
  addAnother: 'Aggiungi',
  remove: 'Rimuovi',
  edit: 'Modifica',
  save: 'Salva',
  yes: 'Sì',
  no: 'No',
  loading: 'Caricamento',
  noResultsFound: 'Nessun risultato',
  noChoices: 'Nessuna scelta disponibile',
  typeToSearch: 'Scrivi per cercare',
  fileName: 'Nome del file',
  size: 'Dimensione',
  type: 'Tipo',
  dropFilesToAttach: 'Trascina qui i file da allegare, oppure',
  browse: 'sfoglia',
  browseFiles: 'scegli il file',
  browseToAttachFileFor: 'Scegli il file da allegare per',
  or: 'oppure',
  uploading: 'Caricamento in corso',
  succefullyUploaded: 'File caricato',
  readyForUpload: 'Pronto per il caricamento',
  removeBtnPressToRemove: 'Rimuovi',
  file: '(file)',
  pressToOpen: 'Apri',
  anyFileTypesAllowed: 'Qualunque tipo di file',
  allowedFileTypes: 'Tipi di file ammessi',
  fileWithDuplicatedNameInProgress: 'Un file con lo stesso nome è già in caricamento.',
  fileWithDuplicatedNameLoaded: 'Un file con lo stesso nome è già caricato.',
  // A button's spoken name is its visible text (WCAG 2.5.3).
  previousButtonAriaLabel: 'Indietro',
  nextButtonAriaLabel: 'Avanti',
  submitButtonAriaLabel: 'Vai al riepilogo',
  cancelButtonAriaLabel: 'Annulla',
}
