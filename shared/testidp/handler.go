package testidp

import (
	"bytes"
	"compress/flate"
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"hash"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/beevik/etree"
	"github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/i18n"
)

const (
	// maxMessage bounds a SAML message, decoded and inflated, and the
	// picker's form.
	maxMessage = 64 << 10
	// maxRelayState is the SAML bindings' limit (saml-bindings-2.0 §3.4.3).
	maxRelayState = 80
	// stateTTL is how long the picker page may be left open.
	stateTTL = 15 * time.Minute
)

// Signature algorithms of the HTTP-Redirect binding.
const (
	sigRSASHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
	sigRSASHA512 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"
)

// SimulatedError is a SPID error an identity provider reports to the
// service provider (StatusMessage "ErrorCode nrNN"), as listed in SPID's
// technical rules.
type SimulatedError struct {
	Code    string // "nr19"
	Meaning string // what happened, in Italian
}

// SimulatedErrors returns the errors the picker page offers: the ones a
// citizen can cause at the identity provider.
func SimulatedErrors() []SimulatedError {
	return []SimulatedError{
		{"nr19", "Autenticazione fallita per ripetuto inserimento di credenziali errate"},
		{"nr20", "Il cittadino non ha credenziali del livello richiesto dal servizio"},
		{"nr21", "Tempo scaduto durante l'autenticazione"},
		{"nr22", "Il cittadino nega il consenso all'invio dei dati al servizio"},
		{"nr23", "Identità sospesa o revocata, o credenziali bloccate"},
		{"nr25", "Il cittadino ha annullato l'autenticazione"},
	}
}

// Handler serves the IdP's endpoints under Config.BaseURL's path (see the
// package doc).
func (idp *IdP) Handler() http.Handler {
	p := idp.base.Path
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+p+"/metadata", idp.serveMetadata)
	mux.HandleFunc("GET "+p+"/sso", idp.serveSSO)
	mux.HandleFunc("POST "+p+"/sso", idp.serveSSO)
	mux.HandleFunc("POST "+p+"/sso/continue", idp.serveContinue)
	mux.HandleFunc("GET "+p+"/slo", idp.serveSLO)
	mux.HandleFunc("POST "+p+"/slo", idp.serveSLO)
	return mux
}

func (idp *IdP) serveMetadata(w http.ResponseWriter, r *http.Request) {
	md, err := idp.Metadata()
	if err != nil {
		serverError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/samlmetadata+xml")
	w.Write(md)
}

// pending is what the picker page carries of the AuthnRequest it answers.
type pending struct {
	ID      string `json:"id"`
	SP      string `json:"sp"`
	Level   string `json:"lvl"`
	Relay   string `json:"rs,omitempty"`
	Expires int64  `json:"exp"`
}

func (idp *IdP) serveSSO(w http.ResponseWriter, r *http.Request) {
	msg, err := readMessage(w, r, "SAMLRequest")
	if err != nil {
		badRequest(w, r, err)
		return
	}
	var req saml.AuthnRequest
	if err := xml.Unmarshal(msg.xml, &req); err != nil {
		badRequest(w, r, fault.Wrap(err, fault.Invalid, "La richiesta SAML non è un AuthnRequest valido."))
		return
	}
	sp, err := idp.checkRequest(msg, req.Version, req.ID, req.Issuer)
	if err != nil {
		badRequest(w, r, err)
		return
	}
	if req.AssertionConsumerServiceURL != "" && req.AssertionConsumerServiceURL != sp.ACS {
		badRequest(w, r, fault.New(fault.Invalid, "L'indirizzo AssertionConsumerServiceURL %q non è quello registrato per il fornitore di servizi.", req.AssertionConsumerServiceURL))
		return
	}
	level := ""
	if req.RequestedAuthnContext != nil {
		for _, ref := range req.RequestedAuthnContext.ClassRefs() {
			if ref == SpidL1 || ref == SpidL2 || ref == SpidL3 {
				level = ref
				break
			}
		}
	}
	if level == "" {
		badRequest(w, r, fault.New(fault.Invalid, "La richiesta deve indicare in RequestedAuthnContext un livello SPID: SpidL1, SpidL2 o SpidL3."))
		return
	}
	spID := strings.TrimSpace(req.Issuer.Value)
	state, err := idp.sealState(pending{ID: req.ID, SP: spID, Level: level, Relay: msg.relayState, Expires: time.Now().Add(stateTTL).Unix()})
	if err != nil {
		serverError(w, r, err)
		return
	}
	render(w, http.StatusOK, pickerPage, "it", pickerData{
		Action:     idp.endpoint("/sso/continue"),
		State:      state,
		SP:         spID,
		Level:      strings.TrimPrefix(level, "https://www.spid.gov.it/Spid"),
		CIE:        idp.cie,
		Identities: Identities(),
		Errors:     SimulatedErrors(),
	})
}

// checkRequest checks what AuthnRequest and LogoutRequest share, verifies
// the signature when the SP's certificate is known, and returns the SP.
func (idp *IdP) checkRequest(msg message, version, id string, issuer *saml.Issuer) (ServiceProvider, error) {
	if version != "2.0" {
		return ServiceProvider{}, fault.New(fault.Invalid, "La richiesta SAML deve essere in versione 2.0.")
	}
	if id == "" {
		return ServiceProvider{}, fault.New(fault.Invalid, "La richiesta SAML non ha un ID.")
	}
	if issuer == nil || strings.TrimSpace(issuer.Value) == "" {
		return ServiceProvider{}, fault.New(fault.Invalid, "La richiesta SAML non indica il fornitore di servizi (Issuer).")
	}
	sp, ok := idp.sps(strings.TrimSpace(issuer.Value))
	if !ok {
		return ServiceProvider{}, fault.New(fault.Invalid, "Il fornitore di servizi %q non è registrato presso l'identity provider di prova.", issuer.Value)
	}
	if len(msg.relayState) > maxRelayState {
		return ServiceProvider{}, fault.New(fault.Invalid, "Il RelayState supera gli %d byte ammessi.", maxRelayState)
	}
	if sp.Certificate != nil {
		if err := msg.verify(sp); err != nil {
			return ServiceProvider{}, err
		}
	}
	return sp, nil
}

func (idp *IdP) serveContinue(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxMessage)
	if err := r.ParseForm(); err != nil {
		badRequest(w, r, fault.Wrap(err, fault.Invalid, "Il modulo inviato non è valido."))
		return
	}
	st, err := idp.openState(r.PostForm.Get("state"))
	if err != nil {
		badRequest(w, r, err)
		return
	}
	sp, ok := idp.sps(st.SP)
	if !ok {
		badRequest(w, r, fault.New(fault.Invalid, "Il fornitore di servizi %q non è registrato presso l'identity provider di prova.", st.SP))
		return
	}
	o := ResponseOptions{InResponseTo: st.ID, ACS: sp.ACS, Audience: st.SP, Level: st.Level, CIE: idp.cie}
	if code := r.PostForm.Get("error"); code != "" {
		if !slices.ContainsFunc(SimulatedErrors(), func(e SimulatedError) bool { return e.Code == code }) {
			badRequest(w, r, fault.New(fault.Invalid, "L'errore simulato %q non esiste.", code))
			return
		}
		o.ErrorCode = code
	} else {
		code := r.PostForm.Get("identity")
		i := slices.IndexFunc(Identities(), func(id Identity) bool { return id.SpidCode == code })
		if i < 0 {
			badRequest(w, r, fault.New(fault.Invalid, "Scegli un cittadino di prova o un errore simulato."))
			return
		}
		o.Identity = &Identities()[i]
	}
	resp, err := idp.Response(o)
	if err != nil {
		serverError(w, r, err)
		return
	}
	postForm(w, sp.ACS, "SAMLResponse", resp, st.Relay)
}

func (idp *IdP) serveSLO(w http.ResponseWriter, r *http.Request) {
	msg, err := readMessage(w, r, "SAMLRequest")
	if err != nil {
		badRequest(w, r, err)
		return
	}
	var req saml.LogoutRequest
	if err := xml.Unmarshal(msg.xml, &req); err != nil {
		badRequest(w, r, fault.Wrap(err, fault.Invalid, "La richiesta SAML non è un LogoutRequest valido."))
		return
	}
	sp, err := idp.checkRequest(msg, req.Version, req.ID, req.Issuer)
	if err != nil {
		badRequest(w, r, err)
		return
	}
	if sp.SLO == "" {
		badRequest(w, r, fault.New(fault.Invalid, "Il fornitore di servizi %q non ha un SingleLogoutService.", req.Issuer.Value))
		return
	}
	// The answer goes back by the binding the request came with; the
	// HTTP-Redirect binding signs the query string, not the XML.
	resp, err := idp.LogoutResponse(LogoutResponseOptions{InResponseTo: req.ID, Destination: sp.SLO, Unsigned: msg.redirect})
	if err != nil {
		serverError(w, r, err)
		return
	}
	if !msg.redirect {
		postForm(w, sp.SLO, "SAMLResponse", resp, msg.relayState)
		return
	}
	to, err := idp.RedirectURL(sp.SLO, "SAMLResponse", resp, msg.relayState)
	if err != nil {
		serverError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, to, http.StatusFound)
}

// RedirectURL returns location with msg (a request or response, named by
// param) in the query as the HTTP-Redirect binding wants it: DEFLATE,
// base64, RelayState, and an RSA-SHA256 signature over the query.
func (idp *IdP) RedirectURL(location, param string, msg []byte, relayState string) (string, error) {
	var buf bytes.Buffer
	fw, _ := flate.NewWriter(&buf, flate.BestCompression) // the level is valid
	if _, err := fw.Write(msg); err != nil {
		return "", err
	}
	if err := fw.Close(); err != nil {
		return "", err
	}
	q := param + "=" + url.QueryEscape(base64.StdEncoding.EncodeToString(buf.Bytes()))
	if relayState != "" {
		q += "&RelayState=" + url.QueryEscape(relayState)
	}
	q += "&SigAlg=" + url.QueryEscape(sigRSASHA256)
	sum := sha256.Sum256([]byte(q))
	sig, err := rsa.SignPKCS1v15(rand.Reader, idp.key, crypto.SHA256, sum[:])
	if err != nil {
		return "", err
	}
	q += "&Signature=" + url.QueryEscape(base64.StdEncoding.EncodeToString(sig))
	sep := "?"
	if strings.Contains(location, "?") {
		sep = "&"
	}
	return location + sep + q, nil
}

// message is a SAML message received by either binding.
type message struct {
	xml        []byte
	relayState string
	redirect   bool // HTTP-Redirect binding (else HTTP-POST)
	signed     string
	sigAlg     string
	signature  []byte
}

// readMessage decodes the SAML message named param: from the query,
// deflated, for the HTTP-Redirect binding (GET); from the form for the
// HTTP-POST binding.
func readMessage(w http.ResponseWriter, r *http.Request, param string) (message, error) {
	if r.Method == http.MethodGet {
		return readRedirect(r, param)
	}
	r.Body = http.MaxBytesReader(w, r.Body, 2*maxMessage) // base64 is a third longer
	if err := r.ParseForm(); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return message{}, fault.New(fault.Invalid, "Il messaggio SAML supera i %d KiB ammessi.", maxMessage>>10)
		}
		return message{}, fault.Wrap(err, fault.Invalid, "Il modulo inviato non è valido.")
	}
	raw := r.PostForm.Get(param)
	if raw == "" {
		return message{}, fault.New(fault.Invalid, "Manca il parametro %s.", param)
	}
	data, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		return message{}, fault.Wrap(err, fault.Invalid, "Il parametro %s non è codificato in base64.", param)
	}
	if len(data) > maxMessage {
		return message{}, fault.New(fault.Invalid, "Il messaggio SAML supera i %d KiB ammessi.", maxMessage>>10)
	}
	return message{xml: data, relayState: r.PostForm.Get("RelayState")}, nil
}

func readRedirect(r *http.Request, param string) (message, error) {
	if len(r.URL.RawQuery) > 2*maxMessage {
		return message{}, fault.New(fault.Invalid, "Il messaggio SAML supera i %d KiB ammessi.", maxMessage>>10)
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return message{}, fault.Wrap(err, fault.Invalid, "L'indirizzo della richiesta non è valido.")
	}
	raw := q.Get(param)
	if raw == "" {
		return message{}, fault.New(fault.Invalid, "Manca il parametro %s.", param)
	}
	data, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		return message{}, fault.Wrap(err, fault.Invalid, "Il parametro %s non è codificato in base64.", param)
	}
	xmlData, err := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(data)), maxMessage+1))
	if err != nil {
		return message{}, fault.Wrap(err, fault.Invalid, "Il parametro %s non è compresso con DEFLATE.", param)
	}
	if len(xmlData) > maxMessage {
		return message{}, fault.New(fault.Invalid, "Il messaggio SAML supera i %d KiB ammessi.", maxMessage>>10)
	}
	msg := message{xml: xmlData, relayState: q.Get("RelayState"), redirect: true, sigAlg: q.Get("SigAlg")}
	if s := q.Get("Signature"); s != "" {
		if msg.signature, err = base64.StdEncoding.DecodeString(s); err != nil {
			return message{}, fault.Wrap(err, fault.Invalid, "Il parametro Signature non è codificato in base64.")
		}
	}
	// The signature covers the parameters as they were sent, in this order
	// (saml-bindings-2.0 §3.4.4.1), so they are taken from the raw query.
	var parts []string
	for _, name := range []string{param, "RelayState", "SigAlg"} {
		for _, p := range strings.Split(r.URL.RawQuery, "&") {
			if strings.HasPrefix(p, name+"=") {
				parts = append(parts, p)
				break
			}
		}
	}
	msg.signed = strings.Join(parts, "&")
	return msg, nil
}

// verify checks msg's signature with the SP's certificate: the query
// signature of the HTTP-Redirect binding, the enveloped XML signature of
// the HTTP-POST binding.
func (msg message) verify(sp ServiceProvider) error {
	unsigned := fault.New(fault.Invalid, "La richiesta non è firmata con il certificato del fornitore di servizi.")
	if msg.redirect {
		pub, ok := sp.Certificate.PublicKey.(*rsa.PublicKey)
		if !ok || msg.signature == nil {
			return unsigned
		}
		var h hash.Hash
		var alg crypto.Hash
		switch msg.sigAlg {
		case sigRSASHA256:
			h, alg = sha256.New(), crypto.SHA256
		case sigRSASHA512:
			h, alg = sha512.New(), crypto.SHA512
		default:
			return fault.New(fault.Invalid, "L'algoritmo di firma %q non è ammesso: usare RSA-SHA256.", msg.sigAlg)
		}
		h.Write([]byte(msg.signed))
		if rsa.VerifyPKCS1v15(pub, alg, h.Sum(nil), msg.signature) != nil {
			return unsigned
		}
		return nil
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(msg.xml); err != nil || doc.Root() == nil {
		return fault.New(fault.Invalid, "La richiesta SAML non è XML valido.")
	}
	ctx := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{sp.Certificate}})
	if _, err := ctx.Validate(doc.Root()); err != nil {
		return fault.Wrap(err, fault.Invalid, "La richiesta non è firmata con il certificato del fornitore di servizi.")
	}
	return nil
}

// sealState encodes p for a hidden field: JSON, then an HMAC so that the
// page cannot be edited to answer another request or SP.
func (idp *IdP) sealState(p pending) (string, error) {
	data, err := json.Marshal(p)
	if err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, idp.stateKey)
	m.Write(data)
	return base64.RawURLEncoding.EncodeToString(data) + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil)), nil
}

func (idp *IdP) openState(s string) (pending, error) {
	bad := fault.New(fault.Invalid, "La pagina di scelta non è valida: torna al servizio e accedi di nuovo.")
	data64, mac64, ok := strings.Cut(s, ".")
	if !ok {
		return pending{}, bad
	}
	data, err1 := base64.RawURLEncoding.DecodeString(data64)
	mac, err2 := base64.RawURLEncoding.DecodeString(mac64)
	if err1 != nil || err2 != nil {
		return pending{}, bad
	}
	m := hmac.New(sha256.New, idp.stateKey)
	m.Write(data)
	if !hmac.Equal(mac, m.Sum(nil)) {
		return pending{}, bad
	}
	var p pending
	if err := json.Unmarshal(data, &p); err != nil {
		return pending{}, bad
	}
	if time.Now().Unix() > p.Expires {
		return pending{}, fault.New(fault.Invalid, "La pagina di scelta è scaduta: torna al servizio e accedi di nuovo.")
	}
	return p, nil
}

// badRequest answers 400 with a page that says what is wrong, in the
// language the browser asks for.
func badRequest(w http.ResponseWriter, r *http.Request, err error) {
	msg := "Richiesta non valida"
	var f *fault.Error
	if errors.As(err, &f) {
		msg = i18n.Sprintf(i18n.Negotiate(r), f.Message, f.Args...)
	}
	renderError(w, r, http.StatusBadRequest, msg)
}

// serverError reports a failure of the IdP itself (signing, encoding).
func serverError(w http.ResponseWriter, r *http.Request, err error) {
	slog.ErrorContext(r.Context(), "testidp", "err", err)
	renderError(w, r, http.StatusInternalServerError, i18n.Sprintf(i18n.Negotiate(r), "Errore interno"))
}
