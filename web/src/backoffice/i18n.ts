// The back office's texts over the shared ones, and its reader's choice of
// language, kept apart from the citizens' app's.

import { en as sharedEn } from '../common/en'
import { it as sharedIt } from '../common/it'
import { keepLangIn, translator } from '../common/i18n'
import { en } from './en'
import { it } from './it'

export { dateTime, lang, locale, number, statusLabel } from '../common/i18n'

keepLangIn('stanza.backoffice.lang')

const texts = translator({ it: { ...sharedIt, ...it }, en: { ...sharedEn, ...en } })

export const t = texts.t

/** eventLabel names a step of the workflow. */
export function eventLabel(event: string): string {
  const key = `event.${event}`
  return texts.has(key) ? t(key) : event
}
