// Italian first, English available: the choice is kept in the browser and
// sent to the API, which answers its messages in the same language. Each
// app has its own texts (over the shared ones here) and keeps its reader's
// choice under its own name.

import { en } from './en'
import { it } from './it'

export type Lang = 'it' | 'en'

let storageKey = ''

/** keepLangIn names where the app keeps the chosen language in the browser. */
export function keepLangIn(key: string): void {
  storageKey = key
}

/** lang is the chosen language, Italian unless English was chosen. */
export function lang(): Lang {
  return localStorage.getItem(storageKey) === 'en' ? 'en' : 'it'
}

export function setLang(l: Lang): void {
  localStorage.setItem(storageKey, l)
  document.documentElement.lang = l
}

/**
 * translator returns t, an app's texts in the chosen language with {name}
 * filled in, and has, which tells whether a key built from data (a status,
 * a group) has a text.
 */
export function translator<K extends string>(tables: Record<Lang, Record<K, string>>) {
  return {
    t(key: K, args: Record<string, string | number> = {}): string {
      let s: string = tables[lang()][key]
      for (const [name, value] of Object.entries(args)) s = s.replaceAll(`{${name}}`, String(value))
      return s
    },
    has(key: string): key is K {
      return key in tables.it
    },
  }
}

/** shared holds the texts of what both apps show alike. */
export const shared = translator({ it, en })

/** statusLabel names an application's status. */
export function statusLabel(code: number): string {
  const key = `status.${code}`
  return shared.has(key) ? shared.t(key) : String(code)
}

const locales: Record<Lang, string> = { it: 'it-IT', en: 'en-GB' }

/** locale is the chosen language's locale, for formatting. */
export function locale(): string {
  return locales[lang()]
}

/** dateTime formats an API time for the reader. */
export function dateTime(iso: string | undefined): string {
  if (!iso) return ''
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'short', timeStyle: 'short' }).format(new Date(iso))
}

/** date formats an API time as a day. */
export function date(iso: string | undefined): string {
  if (!iso) return ''
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'long' }).format(new Date(iso))
}

/** number formats a number for the reader. */
export function number(n: number, digits = 0): string {
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: digits }).format(n)
}
