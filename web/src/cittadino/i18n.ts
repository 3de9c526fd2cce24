// The citizens' app's texts over the shared ones, and its reader's choice
// of language, kept apart from the back office's.

import { en as sharedEn } from '../common/en'
import { it as sharedIt } from '../common/it'
import { keepLangIn, translator } from '../common/i18n'
import { en } from './en'
import { it } from './it'

export { date, dateTime, lang, statusLabel, type Lang } from '../common/i18n'

keepLangIn('stanza.cittadino.lang')

export const { t, has } = translator({ it: { ...sharedIt, ...it }, en: { ...sharedEn, ...en } })
