package seed

import (
	"context"
	"fmt"

	"github.com/stanzaportal/stanza/shared/cittadino"
	"github.com/stanzaportal/stanza/shared/store"
)

// publishTerms publishes the demo Comune's terms of use, version 1.
// Publishing the same text again changes nothing, so an interrupted seed
// that runs again does not make a version 2.
func publishTerms(ctx context.Context, db *store.DB) error {
	if _, err := cittadino.NewTermsService(db).Publish(ctx, demoComune.ID, demoTerms); err != nil {
		return fmt.Errorf("seed: terms of use: %w", err)
	}
	return nil
}

// demoTerms are written as a real Comune's would be, in simple Markdown:
// what the portal is for, who handles the data and under which notice,
// and what the citizen undertakes. The Comune and its contacts are the
// fictional ones of demoComune.
const demoTerms = `# Condizioni d'uso dei servizi online del Comune di Esempio

## 1. Oggetto

Queste condizioni regolano l'uso dei servizi online del Comune di Esempio offerti attraverso questo portale: consultazione delle schede dei servizi, presentazione di istanze e domande, pagamenti collegati, comunicazioni con gli uffici e archivio delle pratiche concluse. L'accesso ai servizi che richiedono l'identificazione avviene con SPID o con la Carta d'Identità Elettronica (CIE), al livello di sicurezza indicato nella scheda di ciascun servizio.

## 2. Trattamento dei dati personali

Il titolare del trattamento dei dati personali è il Comune di Esempio, Piazza del Municipio 1, Esempio (TO), PEC protocollo@pec.comune-esempio.example.org. I dati sono trattati per erogare i servizi richiesti e per adempiere agli obblighi di legge connessi, secondo il Regolamento (UE) 2016/679 (GDPR) e il D.Lgs. 196/2003.

L'informativa resa ai sensi dell'art. 13 del GDPR, con le finalità, le basi giuridiche, i tempi di conservazione, i destinatari dei dati, i riferimenti del Responsabile della protezione dei dati e i diritti dell'interessato (accesso, rettifica, cancellazione, limitazione, opposizione e reclamo al Garante per la protezione dei dati personali), è pubblicata nella sezione «Privacy» del sito istituzionale del Comune ed è richiamata nella scheda di ogni servizio.

## 3. Impegni dell'utente

Usando i servizi online l'utente si impegna a:

- fornire dati veri, completi e aggiornati, sapendo che le dichiarazioni false sono punite ai sensi dell'art. 76 del D.P.R. 445/2000;
- custodire con cura le proprie credenziali SPID o CIE e non consentirne l'uso ad altri;
- presentare istanze solo per sé o per le persone che ha titolo a rappresentare;
- non caricare documenti o contenuti illeciti, offensivi o dannosi, né programmi che possano compromettere il funzionamento del portale;
- mantenere aggiornato nel proprio profilo l'indirizzo email, al quale il Comune invia le comunicazioni sulle pratiche.

## 4. Disponibilità del servizio

Il Comune si impegna a garantire la continuità dei servizi online, che possono tuttavia essere sospesi per manutenzione o per cause non dipendenti dalla sua volontà. Le scadenze previste dai singoli procedimenti restano quelle stabilite dalle norme e dai bandi.

## 5. Modifiche

Il Comune può aggiornare queste condizioni. Ogni nuova versione è pubblicata su questo portale e deve essere accettata prima di usare di nuovo i servizi.

Per informazioni: Ufficio Relazioni con il Pubblico, urp@comune-esempio.example.org.
`
