// Building the page from data without innerHTML: every text from the API
// becomes a text node, so nothing a citizen typed can run as markup.

import sprites from 'bootstrap-italia/dist/svg/sprites.svg?url'

export type Child = Node | string | number | null | undefined | false
type Attr = string | number | boolean | null | undefined | ((e: Event) => void)

/** h creates an element with attributes, listeners (onclick…) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, Attr> | null = null,
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (typeof value === 'function') {
      el.addEventListener(name.slice(2), value)
    } else if (value === true) {
      el.setAttribute(name, '')
    } else if (value !== false && value !== null && value !== undefined) {
      el.setAttribute(name, String(value))
    }
  }
  append(el, ...children)
  return el
}

/** append adds children, skipping the empty ones. */
export function append(el: Element, ...children: (Child | Child[])[]): void {
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue
    el.append(c instanceof Node ? c : String(c))
  }
}

/** icon is one of Bootstrap Italia's icons, decorative. */
export function icon(name: string, classes = ''): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg'
  const svg = document.createElementNS(ns, 'svg')
  svg.setAttribute('class', `icon ${classes}`.trim())
  svg.setAttribute('aria-hidden', 'true')
  svg.setAttribute('focusable', 'false')
  const use = document.createElementNS(ns, 'use')
  use.setAttribute('href', `${sprites}#${name}`)
  svg.append(use)
  return svg
}

let ids = 0

/** uid returns a fresh element id, for labels and descriptions. */
export function uid(prefix: string): string {
  ids++
  return `${prefix}-${ids}`
}
