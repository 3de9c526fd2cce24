// The Form.io renderer, set up to run under the portal's content policy.
// It is most of the citizens' app's weight, so the form page imports this
// module on demand and no other page loads it.
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
//     own rather than Choices.js's (see form.ts).
//   - Libraries that Form.io loads from its CDN (the date picker, rich text
//     editors) are refused by the policy; the demo forms ask for dates with
//     the day component, which needs none.

import './form.css'
import { Evaluator as CoreEvaluator } from '@formio/core'
import { Components, Formio, Templates, Utils } from '@formio/js/form'
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

const styleAttribute = /\sstyle=("[^"]*"|'[^']*')/g

let setUp = false

function once(): void {
  if (setUp) return
  setUp = true
  Utils.Evaluator.noeval = true
  CoreEvaluator.noeval = true
  // As defaults, so that nested forms, which are forms of their own, speak Italian too.
  Formio.use({ translations: { it: italian, en: english } })
  // The file component opens the file chooser through an input it hides
  // with a style attribute; the hidden attribute does the same.
  const file = (Components.components as Record<string, { prototype: Record<string, unknown> }>).file.prototype
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
  new MutationObserver(() => applyStyles(element)).observe(element, { childList: true, subtree: true })
  const form = (await Formio.createForm(element, definition as object, {
    language: lang,
    noAlerts: true,
    buttonSettings: { showCancel: false },
    fileService: fileService(upload),
    ...options,
  })) as unknown as Rendered
  applyStyles(element)
  return form
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
