package seed

import (
	"github.com/stanzaportal/stanza/shared/servizio"
	"github.com/stanzaportal/stanza/shared/tenant"
)

// demoComune is fictional throughout. The ISTAT code follows the province's
// numbering (001 is Torino) past its last assigned Comune; the cadastral code
// in the IPA code uses the letter X, which no Comune has; contacts are under
// example.org (reserved by RFC 2606), and the phone number has no district.
var demoComune = tenant.Comune{
	ID:          "esempio",
	Name:        "Comune di Esempio",
	Province:    "TO",
	ISTATCode:   "001999",
	IPACode:     "c_x999",
	Description: "Un Comune immaginario per provare il portale: dati e servizi sono d'esempio.",
	Email:       "urp@comune-esempio.example.org",
	PEC:         "protocollo@pec.comune-esempio.example.org",
	Phone:       "+39 000 0000000",
	Website:     "https://www.comune-esempio.example.org",
	Address:     "Piazza del Municipio 1, Esempio (TO)",
}

// Category slugs, shared by the categories and the services below.
const (
	anagrafe     = "anagrafe-stato-civile"
	istruzione   = "istruzione"
	ambiente     = "ambiente-servizi-a-rete"
	mobilita     = "mobilita-suolo-pubblico"
	associazioni = "cultura-sport-associazioni"
	segnalazioni = "segnalazioni"
	trasparenza  = "trasparenza-accesso-atti"
)

// demoCategories are listed in display order; Order leaves gaps so that an
// admin can insert a category between two without renumbering.
var demoCategories = []servizio.Category{
	{
		Slug:        anagrafe,
		Name:        "Anagrafe e stato civile",
		Description: "Certificati, residenza, documenti d'identità, nascite, matrimoni e cittadinanza.",
		Order:       10,
	},
	{
		Slug:        istruzione,
		Name:        "Istruzione",
		Description: "Nidi d'infanzia, mensa e trasporto scolastico, contributi allo studio.",
		Order:       20,
	},
	{
		Slug:        ambiente,
		Name:        "Ambiente e servizi a rete",
		Description: "Acquedotto, rifiuti, verde pubblico e tutela del territorio.",
		Order:       30,
	},
	{
		Slug:        mobilita,
		Name:        "Mobilità e suolo pubblico",
		Description: "Permessi di circolazione e sosta, zona a traffico limitato, occupazione di strade e piazze.",
		Order:       40,
	},
	{
		Slug:        associazioni,
		Name:        "Cultura, sport e associazioni",
		Description: "Contributi, sale e impianti per le associazioni, iniziative culturali e sportive.",
		Order:       50,
	},
	{
		Slug:        segnalazioni,
		Name:        "Segnalazioni",
		Description: "Problemi e disservizi negli spazi e nei servizi pubblici.",
		Order:       60,
	},
	{
		Slug:        trasparenza,
		Name:        "Trasparenza e accesso agli atti",
		Description: "Accesso ai documenti amministrativi e informazioni sull'attività del Comune.",
		Order:       70,
	},
}

// Offices named by the service sheets.
const (
	ufficioAnagrafe     = "Ufficio Anagrafe"
	ufficioScuola       = "Ufficio Scuola"
	ufficioIdrico       = "Ufficio Servizio idrico"
	poliziaLocale       = "Polizia locale"
	ufficioAssociazioni = "Ufficio Cultura, sport e associazioni"
	urp                 = "Ufficio Relazioni con il Pubblico (URP)"
)

// free is the cost of a service that costs nothing.
var free = servizio.Cost{Free: true, Description: "Il servizio è gratuito."}

// demoServices are the demo catalogue. Amounts and fee bands are the demo
// Comune's own; the rules they mention (stamp duty, self-certification,
// processing times) are the national ones.
var demoServices = []servizio.Service{
	{
		Slug:     "certificato-residenza",
		Title:    "Certificato di residenza",
		Category: anagrafe,
		Summary:  "Scarica subito il certificato di residenza tuo o di un componente della tua famiglia anagrafica.",
		Description: "Il certificato attesta il Comune e l'indirizzo di residenza. Online lo ottieni in pochi secondi in formato PDF, " +
			"con un sigillo elettronico che ne garantisce la provenienza: puoi stamparlo o inviarlo per email. " +
			"Il certificato serve nei rapporti tra privati, per esempio con una banca o un notaio: alle pubbliche amministrazioni " +
			"e ai gestori di pubblici servizi non va consegnato, perché basta un'autocertificazione (D.P.R. 445/2000).",
		Audience: "A chi è iscritto all'anagrafe del Comune di Esempio, per sé o per i componenti della propria famiglia anagrafica.",
		Requirements: []string{
			"SPID o Carta d'identità elettronica (CIE) di chi fa la richiesta",
			"Il nome e il codice fiscale del familiare, se il certificato riguarda un'altra persona della famiglia",
			"Una marca da bollo da 16 euro, salvo che il certificato serva per un uso esente per legge",
		},
		Cost: servizio.Cost{
			Description: "Online non si pagano i diritti di segreteria. Il certificato è soggetto all'imposta di bollo di 16 euro, " +
				"salvo i casi di esenzione previsti dalla legge: per un certificato in bollo acquisti una marca da bollo " +
				"e ne indichi l'identificativo nella richiesta.",
		},
		AuthLevel: servizio.SpidL2,
		Office:    ufficioAnagrafe,
		Keywords:  []string{"certificato", "certificati anagrafici", "certificato anagrafico", "indirizzo", "ANPR", "autocertificazione"},
		Status:    servizio.Published,
	},
	{
		Slug:     "cambio-residenza",
		Title:    "Cambio di residenza",
		Category: anagrafe,
		Summary:  "Dichiara la nuova residenza se ti trasferisci nel Comune da un altro Comune o dall'estero, o se cambi indirizzo nel Comune.",
		Description: "La nuova residenza va dichiarata entro 20 giorni dal trasferimento. L'iscrizione vale dalla data della dichiarazione, " +
			"che l'Ufficio Anagrafe registra entro 2 giorni lavorativi; nei 45 giorni successivi la Polizia locale verifica che tu " +
			"abiti davvero al nuovo indirizzo. Se in quei 45 giorni non ricevi comunicazioni contrarie, la residenza è confermata. " +
			"Il Comune comunica il nuovo indirizzo anche alla Motorizzazione, per la patente e le carte di circolazione.",
		Audience: "A chi va ad abitare stabilmente nel Comune di Esempio, per sé e per i familiari che si trasferiscono insieme. " +
			"I cittadini di Stati che non fanno parte dell'Unione europea devono avere un permesso di soggiorno valido o in rinnovo.",
		Requirements: []string{
			"Documento d'identità e codice fiscale di tutte le persone che si trasferiscono",
			"Il titolo per abitare nell'alloggio: proprietà, contratto di affitto registrato o comodato",
			"Numero della patente e targhe dei veicoli intestati a chi si trasferisce",
			"Il permesso di soggiorno, per i cittadini di Stati che non fanno parte dell'Unione europea",
		},
		Cost:           free,
		AuthLevel:      servizio.SpidL2,
		ProcessingDays: 45,
		Office:         ufficioAnagrafe,
		Keywords:       []string{"trasferimento", "cambio indirizzo", "dichiarazione di residenza", "iscrizione anagrafica", "immigrazione", "trasloco"},
		Status:         servizio.Published,
	},
	{
		Slug:     "iscrizione-asilo-nido",
		Title:    "Iscrizione all'asilo nido",
		Category: istruzione,
		Summary:  "Domanda di iscrizione ai nidi d'infanzia comunali per bambine e bambini da 3 a 36 mesi.",
		Description: "Con questo servizio chiedi un posto in un nido d'infanzia comunale per l'anno educativo che inizia a settembre. " +
			"Le domande si presentano dal 1° marzo al 30 aprile. Alla chiusura delle iscrizioni l'Ufficio Scuola forma la graduatoria " +
			"secondo i criteri del regolamento comunale (per esempio genitori che lavorano, fratelli già iscritti, situazioni di fragilità) " +
			"e la pubblica sul sito del Comune. Se ti viene assegnato un posto, ricevi un messaggio nella tua area personale e hai 10 giorni per accettarlo.",
		Audience: "Ai genitori, o a chi ne esercita la responsabilità, di bambine e bambini che a settembre hanno tra 3 e 36 mesi. " +
			"Hanno la precedenza le famiglie che abitano nel Comune di Esempio; le altre sono ammesse se restano posti liberi.",
		Requirements: []string{
			"Codice fiscale della bambina o del bambino e dei genitori",
			"Attestazione ISEE per prestazioni rivolte a minorenni in corso di validità, se chiedi la retta ridotta",
			"La situazione lavorativa dei genitori, dichiarata con un'autocertificazione",
			"La certificazione di disabilità o la relazione dei servizi sociali, se ne hai diritto, per la precedenza in graduatoria",
		},
		Cost: servizio.Cost{
			Description: "La domanda è gratuita. La retta mensile dipende dall'ISEE della famiglia: da 80 euro con ISEE fino a 8.000 euro " +
				"a 480 euro con ISEE oltre 40.000 euro o senza ISEE, secondo le fasce approvate ogni anno dalla Giunta comunale.",
			PaymentNotice: "Ogni mese ricevi nell'area personale l'avviso di pagamento pagoPA della retta, da pagare entro la fine del mese " +
				"online, in banca, negli uffici postali o negli esercizi convenzionati.",
		},
		AuthLevel:      servizio.SpidL2,
		ProcessingDays: 60,
		Office:         ufficioScuola,
		Keywords:       []string{"nido", "asilo", "nido d'infanzia", "micronido", "graduatoria", "retta", "ISEE", "prima infanzia", "0-3 anni"},
		Status:         servizio.Published,
	},
	{
		Slug:     "iscrizione-mensa-scolastica",
		Title:    "Iscrizione alla mensa scolastica",
		Category: istruzione,
		Summary:  "Domanda per il servizio di mensa nelle scuole statali dell'infanzia, primarie e secondarie di primo grado.",
		Description: "L'iscrizione vale per tutto il ciclo scolastico e si rinnova da sola ogni anno, salvo rinuncia. " +
			"Nella domanda puoi chiedere una dieta speciale per motivi di salute, oppure per motivi etici o religiosi. " +
			"I pasti si pagano in anticipo con un credito: ogni pasto consumato viene scalato dal credito dell'alunna o dell'alunno.",
		Audience: "Ai genitori di alunne e alunni iscritti a una scuola statale dell'infanzia, primaria o secondaria di primo grado " +
			"del Comune di Esempio, anche se abitano in un altro Comune.",
		Requirements: []string{
			"Codice fiscale dell'alunna o dell'alunno e del genitore che presenta la domanda",
			"La scuola e la classe frequentate",
			"Il certificato medico, se chiedi una dieta speciale per motivi di salute",
			"Attestazione ISEE in corso di validità, se chiedi la tariffa ridotta",
		},
		Cost: servizio.Cost{
			Description:   "Il costo di un pasto dipende dall'ISEE: da 1,50 euro a 5,20 euro. Senza ISEE si applica la tariffa più alta.",
			PaymentNotice: "Ricarichi il credito online con pagoPA dalla tua area personale, per l'importo che preferisci.",
		},
		AuthLevel:      servizio.SpidL2,
		ProcessingDays: 30,
		Office:         ufficioScuola,
		Keywords:       []string{"mensa", "refezione scolastica", "ristorazione scolastica", "pasti", "buoni pasto", "dieta speciale", "scuola"},
		Status:         servizio.Published,
	},
	{
		Slug:     "iscrizione-centri-estivi",
		Title:    "Iscrizione ai centri estivi",
		Category: istruzione,
		Summary:  "Iscrizione ai centri estivi comunali per bambine e bambini da 3 a 14 anni, a luglio e agosto.",
		Description: "Attività educative, sportive e di gioco a turni settimanali nelle scuole del territorio. " +
			"Il programma e le tariffe dell'estate sono in preparazione.",
		Audience: "Ai genitori di bambine e bambini tra 3 e 14 anni.",
		Requirements: []string{
			"Codice fiscale della bambina o del bambino",
			"Attestazione ISEE in corso di validità, se chiedi la tariffa ridotta",
		},
		Cost:      servizio.Cost{Description: "La tariffa settimanale sarà stabilita con l'avviso dell'estate."},
		AuthLevel: servizio.SpidL2,
		Office:    ufficioScuola,
		Keywords:  []string{"centri estivi", "campi estivi", "estate ragazzi", "grest"},
		Status:    servizio.Draft,
	},
	{
		Slug:     "autolettura-contatore-acqua",
		Title:    "Autolettura del contatore dell'acqua",
		Category: ambiente,
		Summary:  "Comunica la lettura del tuo contatore dell'acqua, per avere una bolletta sui consumi reali e non su quelli stimati.",
		Description: "Il Comune di Esempio gestisce direttamente l'acquedotto comunale. Nei periodi indicati in bolletta puoi comunicare " +
			"i metri cubi che leggi sul contatore: la bolletta successiva sarà calcolata sui consumi effettivi invece che su una stima. " +
			"Se la lettura è molto diversa dalle precedenti, l'ufficio può contattarti per un controllo: può essere il segno di una perdita nell'impianto.",
		Audience: "A chi è intestatario di un contratto di fornitura dell'acqua con il Comune di Esempio, o a chi ne ha la delega.",
		Requirements: []string{
			"Il codice utente e la matricola del contatore, che trovi in bolletta",
			"La lettura del contatore in metri cubi: le cifre nere, senza i decimali",
			"Una foto del contatore, facoltativa ma utile in caso di verifica",
		},
		Cost:           free,
		AuthLevel:      servizio.SpidL1,
		ProcessingDays: 5,
		Office:         ufficioIdrico,
		Keywords:       []string{"acqua", "acquedotto", "contatore", "lettura", "bolletta", "consumi", "servizio idrico", "metri cubi"},
		Status:         servizio.Published,
	},
	{
		Slug:     "occupazione-suolo-pubblico",
		Title:    "Occupazione di suolo pubblico",
		Category: mobilita,
		Summary:  "Autorizzazione a occupare per un periodo strade, marciapiedi e piazze per lavori, traslochi, dehors o iniziative.",
		Description: "Serve quando devi usare una parte di suolo pubblico per un periodo limitato: per montare un ponteggio, " +
			"sistemare un cassone per le macerie, fare un trasloco con l'autoscala, allestire un dehors o un banchetto informativo. " +
			"La domanda va presentata almeno 15 giorni prima dell'inizio. L'autorizzazione indica lo spazio, le date e le prescrizioni " +
			"da rispettare; se l'occupazione cambia la viabilità, la Polizia locale emette anche l'ordinanza di traffico.",
		Audience: "A cittadini, imprese, associazioni ed enti che devono occupare suolo pubblico nel territorio del Comune di Esempio.",
		Requirements: []string{
			"La planimetria dell'area, con le misure dell'occupazione in metri quadrati",
			"Le date e gli orari di inizio e di fine dell'occupazione",
			"Per i lavori edilizi, gli estremi del titolo edilizio e i dati dell'impresa che li esegue",
		},
		Cost: servizio.Cost{
			Description: "Si paga il canone unico patrimoniale, calcolato sui metri quadrati e sui giorni di occupazione: " +
				"per esempio, nel centro storico, 1,50 euro al metro quadrato al giorno, con riduzioni per le occupazioni più lunghe. " +
				"La domanda è inoltre soggetta all'imposta di bollo di 16 euro.",
			PaymentNotice: "Il bollo si paga online con pagoPA quando invii la domanda. A domanda accolta ricevi l'avviso di pagamento pagoPA " +
				"del canone: l'autorizzazione è rilasciata dopo il pagamento.",
		},
		AuthLevel:      servizio.SpidL2,
		ProcessingDays: 30,
		Office:         poliziaLocale,
		Keywords:       []string{"occupazione", "suolo pubblico", "osp", "ponteggio", "cantiere", "trasloco", "dehors", "plateatico", "gazebo", "canone unico", "cosap", "tosap"},
		Status:         servizio.Published,
	},
	{
		Slug:     "permesso-ztl",
		Title:    "Permesso di accesso alla ZTL",
		Category: mobilita,
		Summary:  "Permesso per entrare con un veicolo nella zona a traffico limitato del centro storico.",
		Description: "La zona a traffico limitato del centro storico è controllata da varchi elettronici che leggono la targa. " +
			"Il permesso abilita una o più targhe a entrare e, dove indicato, a sostare negli spazi riservati. " +
			"Per chi abita nella ZTL vale due anni; gli altri permessi valgono per il periodo indicato. " +
			"Chi ha il contrassegno per le persone con disabilità non deve chiedere questo permesso: basta comunicare la targa alla Polizia locale.",
		Audience: "A chi abita nella ZTL o vi ha un posto auto, alle imprese e ai professionisti che devono raggiungerla per lavoro " +
			"e a chi assiste una persona che vi abita.",
		Requirements: []string{
			"Targa e carta di circolazione dei veicoli, al massimo due per famiglia",
			"Per i veicoli aziendali o a noleggio, il documento che ne attesta la disponibilità",
			"Per un posto auto o un garage, l'atto di proprietà o il contratto di affitto",
		},
		Cost: servizio.Cost{
			AmountCents:   3000,
			Description:   "30 euro per ogni targa, a rimborso delle spese di istruttoria e di rilascio del permesso.",
			PaymentNotice: "Paghi con pagoPA quando invii la domanda, online oppure con l'avviso di pagamento da stampare.",
		},
		AuthLevel:      servizio.SpidL2,
		ProcessingDays: 30,
		Office:         poliziaLocale,
		Keywords:       []string{"ztl", "zona a traffico limitato", "permesso", "pass", "contrassegno", "centro storico", "varco", "targa", "auto"},
		Status:         servizio.Published,
	},
	{
		Slug:     "contributi-associazioni",
		Title:    "Contributi alle associazioni",
		Category: associazioni,
		Summary:  "Domanda di contributo per attività e iniziative culturali, sportive, sociali e di volontariato aperte alla cittadinanza.",
		Description: "Il Comune sostiene con contributi economici le attività continuative e le singole iniziative delle associazioni " +
			"che si svolgono sul territorio e sono aperte a tutti. Le domande si presentano nei periodi indicati dall'avviso pubblico annuale; " +
			"una commissione le valuta secondo i criteri del regolamento comunale (qualità del progetto, pubblico coinvolto, collaborazione " +
			"con altre realtà del territorio) e la Giunta approva la graduatoria. Il contributo è pagato dopo il rendiconto delle spese sostenute.",
		Audience: "Ad associazioni, enti del Terzo settore e società sportive senza scopo di lucro con sede o attività nel Comune di Esempio, " +
			"iscritti all'albo comunale delle associazioni.",
		Requirements: []string{
			"Statuto e atto costitutivo, se non li hai già consegnati al Comune",
			"La descrizione del progetto o delle attività, con date e luoghi",
			"Il piano finanziario con le entrate e le spese previste",
			"Codice fiscale e IBAN dell'associazione",
		},
		Cost: servizio.Cost{
			AmountCents: 1600,
			Description: "Imposta di bollo di 16 euro sulla domanda. Ne sono esenti gli enti del Terzo settore iscritti al Registro unico " +
				"nazionale (RUNTS) e le associazioni e società sportive dilettantistiche.",
			PaymentNotice: "Il bollo si paga online con pagoPA quando invii la domanda.",
		},
		AuthLevel:      servizio.SpidL2,
		ProcessingDays: 90,
		Office:         ufficioAssociazioni,
		Keywords:       []string{"contributo", "sovvenzione", "finanziamento", "sostegno economico", "terzo settore", "volontariato", "ETS", "ASD", "bando"},
		Status:         servizio.Published,
	},
	{
		Slug:     "segnalazione-disservizio",
		Title:    "Segnalazione di un disservizio",
		Category: segnalazioni,
		Summary:  "Segnala un problema in città: buche, lampioni spenti, rifiuti abbandonati, perdite d'acqua, giochi rotti nei parchi.",
		Description: "Con una segnalazione avvisi il Comune di un problema negli spazi o nei servizi pubblici. Indica dove si trova, " +
			"descrivilo e, se puoi, allega una foto: la segnalazione arriva all'ufficio competente, che la prende in carico " +
			"e ti aggiorna qui fino alla soluzione. Per le emergenze e i pericoli immediati chiama il 112.",
		Audience: "A chiunque voglia segnalare un problema nel territorio del Comune di Esempio, anche a chi non ci abita.",
		Requirements: []string{
			"Il luogo del problema: l'indirizzo o un punto sulla mappa",
			"Una breve descrizione",
			"Una o più foto, facoltative",
		},
		Cost:           free,
		AuthLevel:      servizio.SpidL1,
		ProcessingDays: 30,
		Office:         urp,
		Keywords:       []string{"segnalazione", "reclamo", "guasto", "buca", "strada", "illuminazione pubblica", "rifiuti", "degrado", "verde pubblico"},
		Status:         servizio.Published,
	},
	{
		Slug:     "accesso-atti",
		Title:    "Accesso agli atti",
		Category: trasparenza,
		Summary:  "Chiedi di vedere o di avere copia di documenti del Comune che riguardano un tuo interesse.",
		Description: "Con l'accesso documentale, previsto dalla L. 241/1990, puoi esaminare o avere copia di documenti del Comune, " +
			"per esempio una pratica edilizia, un verbale o gli atti di un concorso, quando hai un interesse diretto, concreto e attuale " +
			"collegato a quei documenti, che devi spiegare nella domanda. Se i documenti riguardano altre persone, il Comune le informa " +
			"e loro possono opporsi entro 10 giorni. Per consultare dati e documenti senza motivare la richiesta c'è l'accesso civico generalizzato.",
		Audience: "A cittadini, imprese e associazioni che hanno un interesse diretto, concreto e attuale ai documenti richiesti.",
		Requirements: []string{
			"Gli estremi dei documenti o gli elementi per trovarli",
			"Il motivo della richiesta e l'interesse collegato ai documenti",
			"La delega e il documento d'identità di chi delega, se fai la richiesta per un'altra persona",
		},
		Cost: servizio.Cost{
			Description: "Vedere i documenti è gratuito, e così riceverne copia digitale per email. Le copie su carta costano 0,10 euro a pagina; " +
				"le copie conformi all'originale sono soggette all'imposta di bollo di 16 euro ogni quattro facciate.",
			PaymentNotice: "Se è dovuto un importo, ricevi l'avviso di pagamento pagoPA prima del rilascio delle copie.",
		},
		AuthLevel:      servizio.SpidL2,
		ProcessingDays: 30,
		Office:         urp,
		Keywords:       []string{"accesso documentale", "accesso ai documenti", "copia", "copie", "documenti", "pratica edilizia", "visione atti", "legge 241"},
		Status:         servizio.Published,
	},
}
