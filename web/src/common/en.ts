// The texts both apps share, in English.

import type { Messages } from './it'

export const en: Messages = {
  'skip.main': 'Skip to main content',
  'lang.switch': 'Italiano',
  'header.signedInAs': 'Signed in as {name}',
  'header.signOut': 'Sign out',
  loading: 'Loading…',
  'error.network': 'The portal does not answer: check your connection and try again.',
  'error.unexpected': 'Something unexpected went wrong. Please try again.',
  'notFound.title': 'Page not found',

  'status.1000': 'Draft',
  'status.2000': 'Submitted',
  'status.3000': 'Registered',
  'status.4000': 'In charge',
  'status.4100': 'Integration requested',
  'status.4200': 'Integration in preparation',
  'status.4300': 'Integration submitted',
  'status.4400': 'Integration registered',
  'status.4500': 'In charge after the integration',
  'status.7000': 'Accepted',
  'status.9000': 'Rejected',
  'status.20000': 'Withdrawn',
}
