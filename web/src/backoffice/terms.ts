// The admins' page on the Comune's terms of use: the version in force,
// and a new version, published after a confirmation since every citizen
// then has to accept it before using a service again.

import { ApiError, request, tenantPath } from './api'
import { confirmed } from './admin'
import { announce, errorBox, page, problemBox, state } from './app'
import { h } from '../common/dom'
import { textarea } from '../common/forms'
import { dateTime, t } from './i18n'

/** Terms is one version of the terms of use; the API numbers them 1, 2, … */
interface Terms {
  version: number
  text: string
  publishedAt: string
}

/** maxText is the API's bound on the text (cittadino.MaxTermsRunes). */
const maxText = 50000

/** termsView shows the terms in force and publishes a new version. */
export async function termsView(): Promise<void> {
  const title = t('terms.title')
  const path = tenantPath(state.session.tenant as string, 'terms')
  page(title, h('h1', { class: 'my-4' }, title), h('p', null, t('loading')))
  let current: Terms | undefined
  try {
    current = await request<Terms>('GET', path)
  } catch (err) {
    // A Comune that has published none yet: the first version is next.
    if (!(err instanceof ApiError && err.status === 404)) {
      page(title, h('h1', { class: 'my-4' }, title), problemBox(err))
      return
    }
  }
  const next = (current?.version ?? 0) + 1
  const text = textarea(t('terms.text'), { name: 'text', required: true, hint: t('terms.textHint', { version: next }), maxlength: maxText })
  text.field.rows = 14
  text.field.value = current?.text ?? ''
  const form = h('form', { class: 'col-lg-10', novalidate: true, 'aria-labelledby': 'new-terms' }, h('h2', { id: 'new-terms', class: 'h4 mb-4' }, t('terms.new')), text.group)
  const errors = errorBox(form)
  // The text is only sent once the question is answered.
  form.addEventListener('submit', (e) => e.preventDefault())
  form.append(
    errors.box,
    confirmed(t('terms.publish', { version: next }), t('terms.publishConfirm', { version: next }), t('terms.publishYes'), async () => {
      errors.clear()
      if (!text.field.value.trim()) {
        errors.show(t('terms.missing'))
        text.field.focus()
        return
      }
      try {
        const out = await request<Terms>('PUT', tenantPath(state.session.tenant as string, 'admin/terms'), { text: text.field.value })
        await termsView()
        // The API keeps the version in force when its text is sent again.
        announce(out.version === current?.version ? t('terms.unchanged') : t('terms.published', { version: out.version }))
      } catch (err) {
        errors.show(err)
      }
    }),
  )
  page(
    title,
    h('h1', { class: 'my-4' }, title),
    h('p', null, t('terms.intro')),
    h(
      'section',
      { class: 'mb-5', 'aria-labelledby': 'terms-current' },
      h('h2', { id: 'terms-current', class: 'h4 mb-2' }, t('terms.current')),
      current
        ? [
            h('p', { class: 'small', 'data-terms-version': current.version }, t('terms.version', { version: current.version, at: dateTime(current.publishedAt) })),
            h('div', { class: 'text-prewrap border rounded p-3 bg-light' }, current.text),
          ]
        : h('p', null, t('terms.none')),
    ),
    form,
  )
}
