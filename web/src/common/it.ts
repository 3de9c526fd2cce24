// The texts both apps share, in Italian. Every key must have its English
// text in en.ts: the type checker sees to it.

export const it = {
  'skip.main': 'Vai al contenuto principale',
  'lang.switch': 'English',
  'header.signedInAs': 'Accesso come {name}',
  'header.signOut': 'Esci',
  loading: 'Caricamento…',
  'error.network': 'Il portale non risponde: controlla la connessione e riprova.',
  'error.unexpected': 'Si è verificato un errore imprevisto. Riprova.',
  'notFound.title': 'Pagina non trovata',

  'status.1000': 'Bozza',
  'status.2000': 'Inviata',
  'status.3000': 'Protocollata',
  'status.4000': 'Presa in carico',
  'status.4100': 'Integrazione richiesta',
  'status.4200': 'Integrazione in preparazione',
  'status.4300': 'Integrazione inviata',
  'status.4400': 'Integrazione protocollata',
  'status.4500': 'Presa in carico dopo l’integrazione',
  'status.7000': 'Accettata',
  'status.9000': 'Rifiutata',
  'status.20000': 'Ritirata',
}

export type Key = keyof typeof it
export type Messages = Record<Key, string>
