// An application's status as a badge, coloured by where it stands.

import { h } from './dom'
import { statusLabel } from './i18n'

/** statusBadge shows a status; the colour only repeats what the text says. */
export function statusBadge(code: number): HTMLElement {
  let colour = 'bg-primary'
  if (code === 7000) colour = 'bg-success'
  else if (code === 9000) colour = 'bg-danger'
  else if (code === 20000 || code === 1000) colour = 'bg-secondary'
  else if (code >= 4100 && code <= 4200) colour = 'bg-warning text-dark'
  return h('span', { class: `badge ${colour}`, 'data-status': code }, statusLabel(code))
}
