package spid

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/stanzaportal/stanza/shared/fault"
)

// Reasons for refusing a message of an identity provider. Each is a fault
// error whose message may be shown to the citizen; the error returned
// wraps it with the detail that only goes to the logs. Match them with
// errors.Is. The package doc says which rule each one enforces.
var (
	ErrTooLarge            = fault.New(fault.Invalid, "La risposta dell'identity provider è troppo grande.")
	ErrMalformed           = fault.New(fault.Invalid, "La risposta dell'identity provider non è leggibile.")
	ErrWrapped             = fault.New(fault.Invalid, "La risposta dell'identity provider ha una struttura non ammessa.")
	ErrUnsigned            = fault.New(fault.Invalid, "La risposta dell'identity provider non contiene un'asserzione firmata.")
	ErrSignature           = fault.New(fault.Invalid, "La firma della risposta dell'identity provider non è valida.")
	ErrUnsolicited         = fault.New(fault.Invalid, "La risposta dell'identity provider non corrisponde a nessuna richiesta di accesso in corso.")
	ErrInResponseTo        = fault.New(fault.Invalid, "La risposta dell'identity provider non corrisponde alla richiesta inviata.")
	ErrDestination         = fault.New(fault.Invalid, "La risposta dell'identity provider è indirizzata a un altro indirizzo.")
	ErrRecipient           = fault.New(fault.Invalid, "L'asserzione dell'identity provider è indirizzata a un altro indirizzo.")
	ErrIssuer              = fault.New(fault.Invalid, "La risposta non proviene dall'identity provider a cui è stata inviata la richiesta.")
	ErrIssuerFormat        = fault.New(fault.Invalid, "L'emittente della risposta dell'identity provider non è indicato nel formato previsto.")
	ErrIssueInstant        = fault.New(fault.Invalid, "La data di emissione della risposta dell'identity provider non è valida.")
	ErrNameID              = fault.New(fault.Invalid, "L'identificativo dell'utente nella risposta dell'identity provider non è valido.")
	ErrSubjectConfirmation = fault.New(fault.Invalid, "La conferma del soggetto nella risposta dell'identity provider non è valida.")
	ErrConditions          = fault.New(fault.Invalid, "Le condizioni di validità della risposta dell'identity provider sono incomplete.")
	ErrAudience            = fault.New(fault.Invalid, "La risposta dell'identity provider è destinata a un altro servizio.")
	ErrNotYetValid         = fault.New(fault.Invalid, "La risposta dell'identity provider non è ancora valida.")
	ErrExpired             = fault.New(fault.Invalid, "La risposta dell'identity provider è scaduta: accedi di nuovo.")
	ErrLevel               = fault.New(fault.Forbidden, "Il livello di autenticazione ottenuto è inferiore a quello richiesto dal servizio.")
	ErrAttributes          = fault.New(fault.Invalid, "I dati dell'utente nella risposta dell'identity provider sono incompleti.")
	ErrReplayed            = fault.New(fault.Invalid, "Questa risposta dell'identity provider è già stata usata: accedi di nuovo.")
	ErrLogoutStatus        = fault.New(fault.Invalid, "L'identity provider non ha confermato la disconnessione.")
)

// rejection is a refusal: one of the reasons above, and what exactly was
// wrong, for the logs.
type rejection struct {
	reason *fault.Error
	detail string
}

func (r *rejection) Error() string { return r.reason.Error() + " (" + r.detail + ")" }
func (r *rejection) Unwrap() error { return r.reason }

func reject(reason *fault.Error, format string, args ...any) error {
	return &rejection{reason: reason, detail: fmt.Sprintf(format, args...)}
}

// IdPError is the answer of an identity provider that did not authenticate
// the citizen. Its Unwrap is a Forbidden fault error that explains, in
// Italian, what happened and what to do, as SPID asks service providers to
// on their courtesy page ("Tabella messaggi di anomalia").
type IdPError struct {
	// Code is SPID's anomaly code from the StatusMessage, such as "nr19";
	// "" when the message carries none.
	Code string
	// Status and SubStatus are the StatusCode values.
	Status, SubStatus string
	// Message is the StatusMessage as received (never shown: it is the
	// IdP's text, not ours).
	Message string
}

func (e *IdPError) Error() string {
	return fmt.Sprintf("spid: the identity provider answered %s %s %q", e.Status, e.SubStatus, e.Message)
}

// Unwrap returns the explanation of the code.
func (e *IdPError) Unwrap() error {
	if f, ok := idpErrors[e.Code]; ok {
		return f
	}
	if e.Code != "" {
		return fault.New(fault.Forbidden, "L'accesso non è riuscito: l'identity provider ha segnalato un errore (codice %s). Riprova più tardi.", e.Code)
	}
	return fault.New(fault.Forbidden, "L'accesso non è riuscito: l'identity provider non ha completato l'autenticazione. Riprova più tardi.")
}

// errorCode finds SPID's anomaly code in a StatusMessage ("ErrorCode nr19").
var errorCode = regexp.MustCompile(`(?i)ErrorCode\s+nr\s*(\d{1,3})`)

func newIdPError(status, subStatus, message string) *IdPError {
	e := &IdPError{Status: status, SubStatus: subStatus, Message: strings.TrimSpace(message)}
	if m := errorCode.FindStringSubmatch(message); m != nil {
		e.Code = "nr" + m[1]
	}
	return e
}

// idpErrors explains the anomaly codes an identity provider sends back to
// the service provider (SPID's error table, codes 19 to 30).
var idpErrors = map[string]*fault.Error{
	"nr19": fault.New(fault.Forbidden, "L'accesso non è riuscito: le credenziali sono state inserite in modo errato troppe volte. Verifica le credenziali o rivolgiti al tuo gestore dell'identità digitale."),
	"nr20": fault.New(fault.Forbidden, "L'accesso non è riuscito: le tue credenziali non sono adatte al livello di sicurezza richiesto dal servizio. Rivolgiti al tuo gestore dell'identità digitale per ottenere credenziali del livello richiesto."),
	"nr21": fault.New(fault.Forbidden, "L'accesso non è riuscito: il tempo a disposizione per l'autenticazione è scaduto. Riprova."),
	"nr22": fault.New(fault.Forbidden, "L'accesso non è riuscito: non hai dato il consenso all'invio dei dati richiesti dal servizio. Per accedere è necessario acconsentire."),
	"nr23": fault.New(fault.Forbidden, "L'accesso non è riuscito: la tua identità digitale risulta sospesa o revocata, oppure le credenziali sono bloccate. Rivolgiti al tuo gestore dell'identità digitale."),
	"nr25": fault.New(fault.Forbidden, "Hai annullato l'accesso. Puoi riprovare quando vuoi."),
	"nr30": fault.New(fault.Forbidden, "L'accesso non è riuscito: l'identità digitale usata non è del tipo richiesto. Per questo servizio accedi con la tua identità digitale personale, non con una ad uso professionale."),
}
