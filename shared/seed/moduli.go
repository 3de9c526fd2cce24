package seed

import (
	"encoding/json"

	"github.com/stanzaportal/stanza/shared/servizio"
)

// Patterns of Italian codes, in the subset of regular expressions that both
// Form.io (JavaScript) and the server (Go) read alike. Lower case is
// accepted: the renderer turns it to upper case, a hand-written client may
// not.
const (
	fiscalCodePattern = `[A-Za-z]{6}[0-9LMNPQRSTUVlmnpqrstuv]{2}[A-Za-z][0-9LMNPQRSTUVlmnpqrstuv]{2}[A-Za-z][0-9LMNPQRSTUVlmnpqrstuv]{3}[A-Za-z]`
	postalCodePattern = `[0-9]{5}`
	provincePattern   = `[A-Za-z]{2}`
	vatPattern        = `[0-9]{11}`
	ibanPattern       = `IT[0-9]{2}[A-Z][0-9]{10}[0-9A-Z]{12}`
	platePattern      = `[A-Za-z]{2}[0-9]{3}[A-Za-z]{2}`
	stampPattern      = `[0-9]{14}` // the identifier printed on a marca da bollo
	// the protocol of an ISEE's DSU at INPS, e.g. INPS-ISEE-2026-00012345X-00
	dsuPattern = `INPS-ISEE-[0-9]{4}-[0-9]{8}[A-Z]-[0-9]{2}`
)

// Ids of the demo Comune's form library: the personal-data blocks that
// service forms include, as OpenCity builds them. Data keys follow
// OpenCity's (completename.data.name, fiscal_code.data.fiscal_code, ...),
// so that data moves between the two portals without mapping.
const (
	formNomeCognome      = "nome-cognome"
	formCodiceFiscale    = "codice-fiscale"
	formNascita          = "nascita"
	formIndirizzo        = "indirizzo"
	formAnagrafica       = "anagrafica"
	formAnagraficaMinima = "anagrafica-minima"
)

// demoLibrary holds the blocks in an order where each comes after the
// blocks it includes, since a form is checked against the library when
// it is saved.
var demoLibrary = []struct {
	ID   string
	Form json.RawMessage
}{
	{formNomeCognome, block(formNomeCognome, "Nome e cognome",
		columns("columns",
			textfield("name", "Nome").required().rule("maxLength", 100),
			textfield("surname", "Cognome").required().rule("maxLength", 100)),
	)},
	{formCodiceFiscale, block(formCodiceFiscale, "Codice fiscale",
		textfield("fiscal_code", "Codice fiscale").required().rule("pattern", fiscalCodePattern).
			with("case", "uppercase").with("inputMask", ""),
	)},
	{formNascita, block(formNascita, "Nascita",
		columns("columns",
			day("birth_date", "Data di nascita").required(),
			textfield("place_of_birth", "Luogo di nascita").required().rule("maxLength", 100).
				with("description", "Il Comune, o lo Stato se sei nato all'estero")),
	)},
	{formIndirizzo, block(formIndirizzo, "Indirizzo",
		columns("columns",
			textfield("address", "Indirizzo").required().rule("maxLength", 200),
			textfield("house_number", "Numero civico").rule("maxLength", 20)),
		columns("columns2",
			textfield("municipality", "Comune").required().rule("maxLength", 100),
			textfield("county", "Provincia").required().rule("pattern", provincePattern).with("case", "uppercase"),
			textfield("postal_code", "CAP").required().rule("pattern", postalCodePattern)),
		textfield("country", "Stato").required().with("defaultValue", "Italia"),
	)},
	{formAnagrafica, block(formAnagrafica, "Dati anagrafici",
		nested("completename", "Nome e cognome", formNomeCognome),
		nested("fiscal_code", "Codice fiscale", formCodiceFiscale),
		nested("born", "Nascita", formNascita),
		nested("address", "Residenza", formIndirizzo),
		columns("contacts",
			email("email_address", "Email").required(),
			phone("phone_number", "Telefono").rule("pattern", `\+?[0-9 ]{6,20}`)),
	)},
	{formAnagraficaMinima, block(formAnagraficaMinima, "Dati anagrafici essenziali",
		nested("completename", "Nome e cognome", formNomeCognome),
		nested("fiscal_code", "Codice fiscale", formCodiceFiscale),
		columns("contacts",
			email("email_address", "Email").required(),
			phone("phone_number", "Telefono")),
	)},
}

// applicant is the first step of every demo form: the applicant's personal
// data, which the citizen app fills from the profile and shows read-only.
func applicant(id string) comp {
	return panel("richiedente", "Richiedente", nested("applicant", "Richiedente", id))
}

// declaration is the last step of every demo application: the
// self-certification, the service's own commitments, and the privacy notice.
func declaration(commitments ...comp) comp {
	cs := []comp{checkbox("truthful", "Dichiaro che quanto indicato in questa domanda corrisponde al vero, consapevole delle "+
		"sanzioni penali previste per le dichiarazioni false (artt. 75 e 76 del D.P.R. 445/2000).").required()}
	cs = append(cs, commitments...)
	cs = append(cs, checkbox("privacy", "Ho letto l'informativa sul trattamento dei dati personali: i dati sono trattati "+
		"dal Comune di Esempio solo per gestire questa domanda (art. 13 del Regolamento UE 2016/679).").required())
	return panel("dichiarazioni", "Dichiarazioni", cs...)
}

// Allowed attachments, by kind of service.
var (
	scannedDocuments = servizio.Attachments{
		Types:    []string{"application/pdf", "application/pkcs7-mime", "image/jpeg", "image/png"},
		MaxSize:  10 << 20,
		MaxFiles: 10,
	}
	photosOnly = servizio.Attachments{Types: []string{"image/jpeg", "image/png"}, MaxSize: 10 << 20, MaxFiles: 3}
)

// schoolOptions are the demo Comune's state schools with a canteen.
var schoolOptions = opts(
	"infanzia-rodari", "Scuola dell'infanzia Gianni Rodari, via dei Glicini 2",
	"infanzia-montessori", "Scuola dell'infanzia Maria Montessori, piazza della Pace 5",
	"primaria-deamicis", "Scuola primaria Edmondo De Amicis, via Roma 40",
	"primaria-collodi", "Scuola primaria Carlo Collodi, viale dei Tigli 11",
	"secondaria-alighieri", "Scuola secondaria di primo grado Dante Alighieri, via Garibaldi 18",
)

// demoDefinitions give every published demo service its form and settings.
var demoDefinitions = map[string]servizio.Definition{
	"certificato-residenza": {
		Form: wizard("certificato-residenza", "Certificato di residenza",
			applicant(formAnagraficaMinima),
			panel("certificato", "Certificato",
				radio("subject", "Il certificato riguarda", opts(
					"me", "Me",
					"family", "Un componente della mia famiglia anagrafica",
				)).required(),
				fieldset("family_member", "Componente della famiglia",
					nested("family_member_name", "Nome e cognome", formNomeCognome),
					nested("family_member_fiscal_code", "Codice fiscale", formCodiceFiscale),
				).showWhen("subject", "family"),
				choice("certificate", "Certificato richiesto", opts(
					"residenza", "Residenza",
					"residenza-cittadinanza", "Residenza e cittadinanza",
					"contestuale", "Contestuale: residenza, cittadinanza e stato di famiglia",
					"storico-residenza", "Storico di residenza",
				)).required(),
			),
			panel("uso", "Uso del certificato",
				radio("stamp_duty", "Il certificato è", opts(
					"bollo", "In bollo, per l'uso generico tra privati",
					"esente", "In esenzione dall'imposta di bollo, per un uso previsto dalla legge",
				)).required(),
				columns("stamp",
					textfield("stamp_id", "Identificativo della marca da bollo").required().rule("pattern", stampPattern).
						with("description", "Le 14 cifre stampate sulla marca da bollo da 16 euro"),
					date("stamp_date", "Data di emissione della marca").required(),
				).showWhen("stamp_duty", "bollo"),
				choice("exemption", "Motivo dell'esenzione", opts(
					"previdenza", "Pensioni, previdenza e assistenza sociale (art. 9, allegato B, D.P.R. 642/1972)",
					"scuola", "Iscrizione a scuola, borse di studio e assegni familiari (art. 11)",
					"giudiziario", "Procedimenti giudiziari in materia di lavoro e di famiglia (art. 12)",
					"adozione", "Adozione e affidamento di minori (art. 13)",
					"terzo-settore", "Enti del Terzo settore e ONLUS (art. 27-bis)",
					"sport", "Associazioni e società sportive dilettantistiche (art. 27-bis)",
				)).required().showWhen("stamp_duty", "esente"),
			),
		),
		Settings: servizio.Settings{
			MaxDrafts: 1,
			Instructions: "Il certificato è prodotto subito, in PDF con il sigillo elettronico del Comune. Ti servono i dati " +
				"del familiare, se il certificato riguarda un'altra persona della tua famiglia anagrafica, e, per un certificato " +
				"in bollo, una marca da bollo da 16 euro, di cui indichi l'identificativo: conservala per tre anni.",
			StepInstructions: map[string]string{
				"uso": "Il certificato è in bollo, salvo gli usi esenti per legge: se ne dichiari uno, il certificato riporta " +
					"il motivo dell'esenzione e vale solo per quell'uso.",
			},
		},
	},
	"cambio-residenza": {
		Form: wizard("cambio-residenza", "Dichiarazione di residenza",
			applicant(formAnagrafica),
			panel("provenienza", "Provenienza",
				radio("origin", "Ti trasferisci", opts(
					"comune", "Da un altro Comune italiano",
					"estero", "Dall'estero",
					"interno", "Da un altro indirizzo del Comune di Esempio",
				)).required(),
				textfield("origin_municipality", "Comune di provenienza").required().showWhen("origin", "comune"),
				textfield("origin_country", "Stato di provenienza").required().showWhen("origin", "estero"),
			),
			panel("abitazione", "Nuova abitazione",
				columns("street",
					textfield("street", "Via o piazza").required().rule("maxLength", 200),
					textfield("house_number", "Numero civico").required().rule("maxLength", 20)),
				columns("unit",
					textfield("staircase", "Scala").rule("maxLength", 10),
					textfield("floor", "Piano").rule("maxLength", 10),
					textfield("flat", "Interno").rule("maxLength", 10)),
				radio("title", "Abiti nell'alloggio come", opts(
					"proprieta", "Proprietario",
					"affitto", "Inquilino, con contratto di affitto registrato",
					"comodato", "Comodatario, con contratto di comodato registrato",
					"usufrutto", "Usufruttuario",
					"ospite", "Ospite di chi vi abita già",
				)).required(),
				textfield("registration", "Estremi di registrazione del contratto").required().
					with("description", "Ufficio dell'Agenzia delle Entrate, data e numero di registrazione").showWhen("title", "affitto"),
				file("contract", "Contratto di affitto o di comodato", documents, "10MB").required().showWhen("title", "comodato"),
			),
			panel("famiglia", "Chi si trasferisce con te",
				datagrid("movers", "Familiari che si trasferiscono", "Aggiungi una persona",
					textfield("name", "Nome").required(),
					textfield("surname", "Cognome").required(),
					textfield("fiscal_code", "Codice fiscale").required().rule("pattern", fiscalCodePattern),
					day("birth_date", "Data di nascita").required(),
					choice("relation", "Rapporto con te", opts(
						"coniuge", "Coniuge o unito civilmente",
						"convivente", "Convivente di fatto",
						"figlio", "Figlio o figlia",
						"genitore", "Genitore",
						"altro", "Altro",
					)).required(),
				).rule("maxLength", 15),
			),
			panel("veicoli", "Patente e veicoli",
				textfield("licence", "Numero della patente di guida").rule("maxLength", 20),
				datagrid("vehicles", "Veicoli intestati a chi si trasferisce", "Aggiungi un veicolo",
					textfield("plate", "Targa").required().rule("maxLength", 10),
					choice("kind", "Tipo", opts("auto", "Autoveicolo", "moto", "Motoveicolo", "rimorchio", "Rimorchio", "altro", "Altro")).required(),
				).rule("maxLength", 10),
			),
			panel("documenti", "Documenti",
				file("identity_documents", "Documenti d'identità di chi si trasferisce", documents, "10MB").required().multiple(),
				file("residence_permit", "Permesso di soggiorno, per i cittadini di Stati extra UE", documents, "10MB").multiple(),
			),
			declaration(),
		),
		Settings: servizio.Settings{
			MaxDrafts:   1,
			Attachments: scannedDocuments,
			Instructions: "Prima di iniziare tieni a portata di mano i documenti d'identità e i codici fiscali di tutte le persone " +
				"che si trasferiscono, gli estremi del contratto di affitto o di comodato, la patente e le targhe dei veicoli. " +
				"La dichiarazione vale dalla data in cui la invii; la Polizia locale verificherà la dimora abituale entro 45 giorni.",
			StepInstructions: map[string]string{
				"famiglia": "Elenca solo chi si trasferisce con te. Chi resta all'indirizzo precedente non va indicato.",
				"documenti": "Carica una scansione leggibile, fronte e retro, del documento d'identità di ogni persona " +
					"che si trasferisce (PDF, JPEG o PNG, al massimo 10 MB per file).",
			},
			ProtocolRequired: true,
		},
	},
	"iscrizione-asilo-nido": {
		Form: wizard("iscrizione-asilo-nido", "Iscrizione all'asilo nido",
			applicant(formAnagrafica),
			panel("bambino", "Bambina o bambino",
				columns("child_name",
					textfield("child_name", "Nome").required().rule("maxLength", 100),
					textfield("child_surname", "Cognome").required().rule("maxLength", 100)),
				columns("child_data",
					textfield("child_fiscal_code", "Codice fiscale").required().rule("pattern", fiscalCodePattern).with("case", "uppercase"),
					day("child_birth_date", "Data di nascita").required()),
				checkbox("disability", "La bambina o il bambino ha una disabilità certificata (L. 104/1992)"),
				file("disability_certificate", "Certificazione della disabilità", signedPDF, "10MB").required().showWhen("disability", "true"),
			),
			panel("genitori", "Genitori",
				datagrid("parents", "Genitori o chi esercita la responsabilità genitoriale", "Aggiungi un genitore",
					textfield("name", "Nome").required().rule("maxLength", 100),
					textfield("surname", "Cognome").required().rule("maxLength", 100),
					textfield("fiscal_code", "Codice fiscale").required().rule("pattern", fiscalCodePattern),
					choice("role", "Ruolo", opts("madre", "Madre", "padre", "Padre", "tutore", "Tutore", "affidatario", "Affidatario")).required(),
					choice("work", "Condizione lavorativa", opts(
						"dipendente", "Lavoratore dipendente",
						"autonomo", "Lavoratore autonomo",
						"studente", "Studente",
						"disoccupato", "In cerca di occupazione",
						"altro", "Altro",
					)).required(),
					phone("phone", "Telefono"),
				).required().rule("minLength", 1).rule("maxLength", 2),
			),
			panel("nidi", "Nidi e frequenza",
				selectboxes("nurseries", "Nidi preferiti", opts(
					"nido-girasole", "Nido d'infanzia Il Girasole, via dei Mughetti 4",
					"nido-arcobaleno", "Nido d'infanzia Arcobaleno, via Verdi 21",
					"nido-coccinella", "Nido d'infanzia La Coccinella, piazza del Mercato 3",
					"micronido-piccoli-passi", "Micronido Piccoli Passi, via della Stazione 9",
				)).required(),
				radio("attendance", "Frequenza", opts(
					"tempo-pieno", "Tempo pieno, dalle 7:30 alle 16:30",
					"part-time", "Part-time mattutino, dalle 7:30 alle 13:00",
				)).required(),
			),
			panel("isee", "ISEE",
				radio("has_isee", "Chiedi la retta ridotta in base all'ISEE?", opts("si", "Sì", "no", "No, pagherò la retta massima")).required(),
				number("isee_value", "Valore ISEE in euro").required().rule("min", 0).rule("max", 1000000).showWhen("has_isee", "si"),
				textfield("dsu_protocol", "Protocollo della DSU").required().rule("pattern", dsuPattern).
					with("description", "Per esempio INPS-ISEE-2026-00012345X-00").showWhen("has_isee", "si"),
				file("isee_certificate", "Attestazione ISEE", signedPDF, "10MB").required().showWhen("has_isee", "si"),
			),
			panel("note", "Note",
				textarea("notes", "Note per l'Ufficio Scuola").rule("maxLength", 2000).
					with("description", "Per esempio fratelli già iscritti o esigenze particolari"),
			),
			declaration(),
		),
		Settings: servizio.Settings{
			MaxDrafts:   1,
			Attachments: servizio.Attachments{Types: []string{"application/pdf", "application/pkcs7-mime"}, MaxSize: 10 << 20, MaxFiles: 5},
			Instructions: "Le domande si presentano dal 1° marzo al 30 aprile. Ti servono i codici fiscali della bambina o del bambino " +
				"e dei genitori e, se chiedi la retta ridotta, l'attestazione ISEE per prestazioni rivolte a minorenni in corso di validità. " +
				"Puoi salvare la domanda e completarla in più volte: conta la data di invio.",
			StepInstructions: map[string]string{
				"genitori": "Indica entrambi i genitori, se la responsabilità è di tutti e due: la condizione lavorativa " +
					"di ciascuno dà punteggio in graduatoria.",
				"nidi": "Scegli uno o più nidi: il posto è assegnato nel primo nido libero secondo la graduatoria.",
				"isee": "L'attestazione deve essere quella per prestazioni rivolte a minorenni, in PDF, come la scarichi dal sito dell'INPS.",
			},
			ProtocolRequired: true,
		},
	},
	"iscrizione-mensa-scolastica": {
		Form: wizard("iscrizione-mensa-scolastica", "Iscrizione alla mensa scolastica",
			applicant(formAnagrafica),
			panel("alunno", "Alunna o alunno",
				columns("pupil_name",
					textfield("pupil_name", "Nome").required().rule("maxLength", 100),
					textfield("pupil_surname", "Cognome").required().rule("maxLength", 100)),
				columns("pupil_data",
					textfield("pupil_fiscal_code", "Codice fiscale").required().rule("pattern", fiscalCodePattern).with("case", "uppercase"),
					day("pupil_birth_date", "Data di nascita").required()),
				choice("school", "Scuola", schoolOptions).required(),
				textfield("class", "Classe e sezione").required().rule("maxLength", 10).with("placeholder", "Per esempio 2B"),
			),
			panel("dieta", "Dieta",
				radio("diet", "Dieta", opts(
					"standard", "Menù del giorno",
					"sanitaria", "Dieta speciale per motivi di salute",
					"etica", "Dieta per motivi etici o religiosi",
				)).required(),
				textarea("health_reason", "Allergie, intolleranze o patologie").required().rule("maxLength", 1000).showWhen("diet", "sanitaria"),
				file("medical_certificate", "Certificato medico", documents, "5MB").required().showWhen("diet", "sanitaria"),
				choice("ethical_diet", "Dieta", opts(
					"no-maiale", "Senza carne di maiale",
					"no-carne", "Senza carne",
					"vegetariana", "Vegetariana",
					"vegana", "Vegana",
				)).required().showWhen("diet", "etica"),
			),
			panel("tariffa", "Tariffa",
				radio("has_isee", "Chiedi la tariffa ridotta in base all'ISEE?", opts("si", "Sì", "no", "No, pagherò la tariffa più alta")).required(),
				number("isee_value", "Valore ISEE in euro").required().rule("min", 0).rule("max", 1000000).showWhen("has_isee", "si"),
				textfield("dsu_protocol", "Protocollo della DSU").required().rule("pattern", dsuPattern).showWhen("has_isee", "si"),
			),
			declaration(),
		),
		Settings: servizio.Settings{
			MaxDrafts:   1,
			Attachments: servizio.Attachments{Types: scannedDocuments.Types, MaxSize: 5 << 20, MaxFiles: 2},
			Instructions: "Presenta una domanda per ogni figlio. Ti servono il codice fiscale dell'alunna o dell'alunno, la scuola " +
				"e la classe e, per una dieta per motivi di salute, il certificato del pediatra o del medico.",
			StepInstructions: map[string]string{
				"dieta": "Una dieta per motivi di salute va rinnovata ogni anno con un nuovo certificato medico.",
			},
			ProtocolRequired: true,
		},
	},
	"autolettura-contatore-acqua": {
		Form: wizard("autolettura-contatore-acqua", "Autolettura del contatore dell'acqua",
			applicant(formAnagraficaMinima),
			panel("lettura", "Lettura",
				columns("meter",
					textfield("customer_code", "Codice utente").required().rule("pattern", `[0-9]{6,10}`).
						with("description", "Lo trovi in alto a destra nella bolletta"),
					textfield("meter_serial", "Matricola del contatore").required().rule("maxLength", 20)),
				columns("reading",
					number("reading", "Lettura in metri cubi").required().rule("min", 0).rule("max", 999999).
						with("description", "Le cifre nere, senza i decimali rossi"),
					date("reading_date", "Data della lettura").required()),
				file("meter_photo", "Foto del contatore", photos, "10MB"),
			),
		),
		Settings: servizio.Settings{
			MaxDrafts:   1,
			Attachments: servizio.Attachments{Types: photosOnly.Types, MaxSize: photosOnly.MaxSize, MaxFiles: 1},
			Instructions: "Leggi il contatore nei periodi indicati in bolletta. Ti servono il codice utente e la matricola del contatore, " +
				"che trovi in bolletta. Una foto del contatore è facoltativa, ma evita un sopralluogo se la lettura va verificata.",
		},
	},
	"occupazione-suolo-pubblico": {
		Form: wizard("occupazione-suolo-pubblico", "Occupazione di suolo pubblico",
			applicant(formAnagrafica),
			panel("titolo", "In qualità di",
				radio("acting_as", "Presenti la domanda come", opts(
					"privato", "Privato cittadino",
					"impresa", "Titolare o legale rappresentante di un'impresa",
					"associazione", "Legale rappresentante di un'associazione o di un ente",
					"tecnico", "Tecnico incaricato",
				)).required(),
				fieldset("organisation", "Impresa, associazione o committente",
					textfield("organisation_name", "Denominazione").required().rule("maxLength", 200),
					textfield("organisation_vat", "Partita IVA o codice fiscale").required().rule("pattern", "(?:"+vatPattern+"|"+fiscalCodePattern+")"),
					email("organisation_pec", "PEC"),
				).hideWhen("acting_as", "privato"),
			),
			panel("occupazione", "Occupazione",
				columns("where",
					textfield("street", "Via o piazza").required().rule("maxLength", 200),
					textfield("house_number", "Numero civico").rule("maxLength", 20)),
				choice("purpose", "Motivo", opts(
					"ponteggio", "Ponteggio o cantiere edile",
					"materiali", "Cassone o deposito di materiali",
					"trasloco", "Trasloco con autoscala o automezzo",
					"dehors", "Dehors o tavolini di un esercizio pubblico",
					"iniziativa", "Banchetto, gazebo o iniziativa",
					"altro", "Altro",
				)).required(),
				textfield("purpose_other", "Descrivi il motivo").required().rule("maxLength", 300).showWhen("purpose", "altro"),
				textfield("building_permit", "Estremi del titolo edilizio").required().
					with("description", "Tipo (CILA, SCIA, permesso di costruire), numero e data").showWhen("purpose", "ponteggio"),
				columns("size",
					number("square_metres", "Superficie in metri quadrati").required().rule("min", 0.5).rule("max", 2000),
					radio("traffic", "L'occupazione modifica la circolazione?", opts("si", "Sì", "no", "No")).required()),
				columns("when",
					dateTime("start", "Inizio").required(),
					dateTime("end", "Fine").required()),
			),
			panel("documenti", "Documenti",
				file("plan", "Planimetria dell'area con le misure", signedPDF, "20MB").required(),
				file("photos", "Foto dei luoghi", photos, "10MB").multiple(),
			),
			declaration(checkbox("commitment", "Mi impegno a rispettare le prescrizioni dell'autorizzazione e a ripristinare il suolo al termine.").required()),
		),
		Settings: servizio.Settings{
			MaxDrafts: 0, // firms and surveyors file many at once
			Attachments: servizio.Attachments{
				Types: []string{"application/pdf", "application/pkcs7-mime", "image/jpeg", "image/png"}, MaxSize: 20 << 20, MaxFiles: 10,
			},
			Instructions: "Presenta la domanda almeno 15 giorni prima dell'inizio dell'occupazione. Ti servono la planimetria dell'area " +
				"con le misure in metri quadrati, le date e gli orari di inizio e fine e, per un cantiere, gli estremi del titolo edilizio. " +
				"L'imposta di bollo si paga online all'invio.",
			StepInstructions: map[string]string{
				"occupazione": "Indica la superficie complessiva occupata, compresi gli ingombri dei mezzi e delle recinzioni.",
				"documenti":   "La planimetria, in PDF, anche firmata digitalmente (.p7m), deve indicare le misure e la distanza dagli incroci.",
			},
			ProtocolRequired: true,
		},
	},
	"permesso-ztl": {
		Form: wizard("permesso-ztl", "Permesso di accesso alla ZTL",
			applicant(formAnagrafica),
			panel("permesso", "Permesso",
				choice("category", "Tipo di permesso", opts(
					"residente", "Residente nella ZTL",
					"posto-auto", "Titolare di un posto auto o di un garage nella ZTL",
					"lavoro", "Impresa o professionista che lavora nella ZTL",
					"assistenza", "Assistenza a una persona che abita nella ZTL",
				)).required(),
				textfield("parking_address", "Indirizzo del posto auto o del garage").required().showWhen("category", "posto-auto"),
				textfield("assisted_person", "Nome e cognome della persona assistita").required().showWhen("category", "assistenza"),
				columns("validity",
					date("valid_from", "Valido dal").required(),
					date("valid_until", "Valido fino al").required()).showWhen("category", "lavoro"),
			),
			panel("veicoli", "Veicoli",
				datagrid("vehicles", "Veicoli da abilitare", "Aggiungi un veicolo",
					textfield("plate", "Targa").required().rule("pattern", platePattern).with("case", "uppercase"),
					choice("ownership", "Il veicolo è", opts(
						"proprieta", "Di mia proprietà",
						"familiare", "Di un familiare convivente",
						"aziendale", "Aziendale",
						"noleggio", "A noleggio o in leasing",
					)).required(),
				).required().rule("minLength", 1).rule("maxLength", 2),
				file("registration_documents", "Carte di circolazione", documents, "5MB").required().multiple(),
			),
			declaration(),
		),
		Settings: servizio.Settings{
			MaxDrafts:   1,
			Attachments: servizio.Attachments{Types: scannedDocuments.Types, MaxSize: 5 << 20, MaxFiles: 6},
			Instructions: "Puoi abilitare al massimo due veicoli. Ti servono le targhe e le carte di circolazione e, per i veicoli " +
				"aziendali o a noleggio, il documento che ne attesta la disponibilità. Il diritto di 30 euro per targa si paga all'invio.",
			StepInstructions: map[string]string{
				"veicoli": "Carica la carta di circolazione di ogni veicolo; per un veicolo aziendale o a noleggio anche il contratto.",
			},
			ProtocolRequired: true,
		},
	},
	"contributi-associazioni": {
		Form: wizard("contributi-associazioni", "Domanda di contributo",
			applicant(formAnagrafica),
			panel("associazione", "Associazione",
				textfield("association_name", "Denominazione").required().rule("maxLength", 200),
				columns("association_codes",
					textfield("association_fiscal_code", "Codice fiscale").required().rule("pattern", "(?:"+vatPattern+"|"+fiscalCodePattern+")"),
					textfield("register_number", "Numero di iscrizione all'albo comunale").required().rule("maxLength", 20)),
				nested("association_address", "Sede", formIndirizzo),
				radio("association_kind", "Forma giuridica", opts(
					"aps", "Associazione di promozione sociale",
					"odv", "Organizzazione di volontariato",
					"asd", "Associazione o società sportiva dilettantistica",
					"altro-ets", "Altro ente del Terzo settore",
					"altro", "Altra associazione senza scopo di lucro",
				)).required(),
				checkbox("runts", "L'associazione è iscritta al Registro unico nazionale del Terzo settore (RUNTS)"),
			),
			panel("progetto", "Progetto",
				textfield("project_title", "Titolo").required().rule("maxLength", 200),
				choice("field", "Ambito", opts(
					"cultura", "Cultura", "sport", "Sport", "sociale", "Sociale", "ambiente", "Ambiente", "giovani", "Giovani",
				)).required(),
				textarea("project_description", "Descrizione").required().rule("minWords", 30).rule("maxLength", 5000).
					with("description", "Obiettivi, attività, pubblico a cui si rivolge e collaborazioni"),
				columns("dates",
					date("project_start", "Inizio").required(),
					date("project_end", "Fine").required()),
				textfield("project_place", "Luogo").required().rule("maxLength", 200),
			),
			panel("piano", "Piano finanziario",
				datagrid("costs", "Spese previste", "Aggiungi una spesa",
					textfield("item", "Voce").required().rule("maxLength", 200),
					number("amount", "Importo in euro").required().rule("min", 0),
				).required().rule("maxLength", 50),
				datagrid("revenues", "Entrate previste", "Aggiungi un'entrata",
					textfield("item", "Voce").required().rule("maxLength", 200),
					number("amount", "Importo in euro").required().rule("min", 0),
				).rule("maxLength", 50),
				number("requested", "Contributo richiesto in euro").required().rule("min", 100).rule("max", 20000),
				textfield("iban", "IBAN dell'associazione").required().rule("pattern", ibanPattern).with("case", "uppercase"),
			),
			panel("documenti", "Documenti",
				file("statute", "Statuto e atto costitutivo", signedPDF, "10MB").multiple().
					with("description", "Solo se non li hai già consegnati al Comune o se sono cambiati"),
				file("budget", "Piano finanziario firmato", signedPDF, "10MB").required(),
			),
			declaration(checkbox("non_profit", "Dichiaro che l'associazione non ha scopo di lucro e che l'iniziativa è aperta alla cittadinanza.").required()),
		),
		Settings: servizio.Settings{
			MaxDrafts:   1,
			Attachments: servizio.Attachments{Types: []string{"application/pdf", "application/pkcs7-mime"}, MaxSize: 10 << 20, MaxFiles: 6},
			Instructions: "Presenta la domanda nei periodi dell'avviso pubblico annuale, come legale rappresentante dell'associazione. " +
				"Ti servono la descrizione del progetto, il piano finanziario con entrate e spese previste, il codice fiscale e l'IBAN " +
				"dell'associazione. L'imposta di bollo, se dovuta, si paga online all'invio.",
			StepInstructions: map[string]string{
				"piano": "Il contributo non può superare la differenza tra spese ed entrate previste, né 20.000 euro.",
			},
			ProtocolRequired: true,
		},
	},
	"segnalazione-disservizio": {
		Form: wizard("segnalazione-disservizio", "Segnalazione di un disservizio",
			applicant(formAnagraficaMinima),
			panel("segnalazione", "Segnalazione",
				choice("kind", "Tipo di problema", opts(
					"strade", "Strade e marciapiedi",
					"illuminazione", "Illuminazione pubblica",
					"rifiuti", "Rifiuti e pulizia",
					"verde", "Verde pubblico e parchi",
					"acqua", "Acqua e fognature",
					"arredo", "Arredo urbano e giochi",
					"altro", "Altro",
				)).required(),
				textfield("place", "Dove si trova").required().rule("maxLength", 300).
					with("description", "L'indirizzo, o un riferimento che aiuti a trovarlo"),
				textarea("description", "Descrizione").required().rule("minLength", 20).rule("maxLength", 2000),
				file("photos", "Foto", photos, "10MB").multiple(),
			),
		),
		Settings: servizio.Settings{
			MaxDrafts:   1,
			Attachments: photosOnly,
			Instructions: "Per le emergenze e i pericoli immediati chiama il 112. Indica il luogo con precisione e, se puoi, " +
				"allega fino a tre foto: la segnalazione arriva all'ufficio competente, che ti aggiorna qui.",
		},
	},
	"accesso-atti": {
		Form: wizard("accesso-atti", "Richiesta di accesso agli atti",
			applicant(formAnagrafica),
			panel("titolo", "In qualità di",
				radio("acting_as", "Presenti la richiesta come", opts(
					"interessato", "Diretto interessato",
					"legale-rappresentante", "Legale rappresentante di un'impresa o di un ente",
					"delegato", "Delegato da un'altra persona",
				)).required(),
				textfield("represented", "Denominazione dell'impresa o dell'ente").required().showWhen("acting_as", "legale-rappresentante"),
				file("proxy", "Delega firmata e documento d'identità di chi delega", documents, "10MB").required().multiple().
					showWhen("acting_as", "delegato"),
			),
			panel("documenti", "Documenti richiesti",
				textarea("documents", "Documenti richiesti").required().rule("maxLength", 2000).
					with("description", "Il tipo di documento, il numero, la data, l'ufficio che lo ha prodotto o ogni elemento utile a trovarlo"),
				textarea("reason", "Motivo della richiesta").required().rule("minWords", 10).rule("maxLength", 2000).
					with("description", "L'interesse diretto, concreto e attuale collegato ai documenti"),
				radio("mode", "Come vuoi accedere ai documenti", opts(
					"visione", "Visione presso l'ufficio",
					"copia-digitale", "Copia digitale per email",
					"copia-carta", "Copia su carta",
					"copia-conforme", "Copia conforme all'originale, in bollo",
				)).required(),
			),
			declaration(),
		),
		Settings: servizio.Settings{
			MaxDrafts:   1,
			Attachments: scannedDocuments,
			Instructions: "Descrivi i documenti con tutti gli elementi che conosci e spiega l'interesse che ti lega ad essi: " +
				"senza una motivazione la richiesta non può essere accolta. Se i documenti riguardano altre persone, il Comune " +
				"le informa e i 30 giorni per la risposta decorrono dalla fine dei 10 giorni in cui possono opporsi.",
			StepInstructions: map[string]string{
				"titolo": "Se agisci per un'altra persona, carica la delega firmata e una copia del suo documento d'identità.",
			},
			ProtocolRequired: true,
		},
	},
}
