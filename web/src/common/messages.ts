// The messages between a citizen and the office about one application, as
// both apps show them: the whole thread, then a form to write one more.

import { allPages, idempotencyKey, request } from './api'
import { announce, busy, errorBox } from './app'
import { h } from './dom'
import { textarea } from './forms'

/** The keys of the thread's texts, which each app words its own way. */
type ThreadKey = 'messages.none' | 'messages.new' | 'messages.send' | 'messages.missing' | 'messages.sent'

/**
 * messageThread fills region with the messages at path, drawn by item,
 * and a form that posts one more, in the app's words (say). A send
 * carries a key kept across retries of the same text, so that a send whose
 * answer was lost is not sent twice.
 */
export async function messageThread<M>(
  region: HTMLElement,
  path: string,
  say: (key: ThreadKey) => string,
  buttonClass: string,
  item: (m: M) => HTMLElement,
): Promise<void> {
  const list = h('ul', { class: 'list-unstyled mb-4', 'data-messages': '' })
  const none = h('p', { class: 'mb-4' }, say('messages.none'))
  const text = textarea(say('messages.new'), { name: 'text', required: true, maxlength: 4000 })
  const form = h('form', { novalidate: true }, text.group)
  const errors = errorBox(form)
  form.append(errors.box, h('button', { type: 'submit', class: buttonClass }, say('messages.send')))
  let key = idempotencyKey()
  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    if (!text.field.value.trim()) {
      errors.show(say('messages.missing'))
      text.field.focus()
      return
    }
    try {
      const m = await busy(form, () => request<M>('POST', path, { text: text.field.value.trim() }, { 'Idempotency-Key': key }))
      key = idempotencyKey()
      none.remove()
      list.append(item(m))
      text.field.value = ''
      errors.clear()
      announce(say('messages.sent'))
    } catch (err) {
      errors.show(err)
    }
  })
  try {
    list.append(...(await allPages<M>(path)).map(item))
    region.replaceChildren(list.children.length ? '' : none, list, form)
  } catch (err) {
    errors.show(err)
    region.replaceChildren(errors.box)
  }
}
