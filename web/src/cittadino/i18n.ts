// Italian first, English available: the choice is kept in the browser and
// sent to the API, which answers its messages in the same language.

import { en } from './en'
import { it, type Key, type Messages } from './it'

export type Lang = 'it' | 'en'

const dictionaries: Record<Lang, Messages> = { it, en }
const storageKey = 'stanza.cittadino.lang'

/** lang is the chosen language, Italian unless English was chosen. */
export function lang(): Lang {
  return localStorage.getItem(storageKey) === 'en' ? 'en' : 'it'
}

export function setLang(l: Lang): void {
  localStorage.setItem(storageKey, l)
  document.documentElement.lang = l
}

/** t is the message key in the chosen language, with {name} filled in. */
export function t(key: Key, args: Record<string, string | number> = {}): string {
  let s: string = dictionaries[lang()][key]
  for (const [name, value] of Object.entries(args)) s = s.replaceAll(`{${name}}`, String(value))
  return s
}

/** has tells whether a key built from data (a status, a group) has a text. */
export function has(key: string): key is Key {
  return key in it
}

/** statusLabel names an application's status. */
export function statusLabel(code: number): string {
  const key = `status.${code}`
  return has(key) ? t(key) : String(code)
}

const locales: Record<Lang, string> = { it: 'it-IT', en: 'en-GB' }

/** dateTime formats an API time for the reader. */
export function dateTime(iso: string | undefined): string {
  if (!iso) return ''
  return new Intl.DateTimeFormat(locales[lang()], { dateStyle: 'short', timeStyle: 'short' }).format(new Date(iso))
}

/** date formats an API time as a day. */
export function date(iso: string | undefined): string {
  if (!iso) return ''
  return new Intl.DateTimeFormat(locales[lang()], { dateStyle: 'long' }).format(new Date(iso))
}
