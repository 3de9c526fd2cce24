package cittadino

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/i18n"
	"github.com/stanzaportal/stanza/shared/mail"
)

// LinkValidity is how long a verification link works.
const LinkValidity = 24 * time.Hour

// maxToken bounds the token read from a link: a real one is about 150
// characters; anything much longer is not worth decoding.
const maxToken = 1024

// claim is what a verification link asserts: this citizen may receive mail
// at this address, until Exp (Unix seconds).
type claim struct {
	CF    string `json:"cf"`
	Email string `json:"email"`
	Exp   int64  `json:"exp"`
}

// seal returns the token of a link: the claim in JSON and its HMAC-SHA256,
// each in unpadded base64url, joined by a dot. The token carries its claim,
// so that nothing is stored per link and following it needs no session.
func seal(key []byte, c claim) string {
	payload, _ := json.Marshal(c)
	enc := base64.RawURLEncoding
	return enc.EncodeToString(payload) + "." + enc.EncodeToString(mac(key, payload))
}

func mac(key, payload []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("email-verification\x00"))
	m.Write(payload)
	return m.Sum(nil)
}

// open checks a token's signature and expiry at now and returns its claim.
func open(key []byte, token string, now time.Time) (claim, error) {
	bad := fault.New(fault.Invalid, "Il collegamento di verifica non è valido: copialo per intero dal messaggio o chiedine uno nuovo dal tuo profilo.")
	if token == "" || len(token) > maxToken {
		return claim{}, bad
	}
	body, sum, ok := strings.Cut(token, ".")
	if !ok {
		return claim{}, bad
	}
	enc := base64.RawURLEncoding
	payload, err1 := enc.DecodeString(body)
	got, err2 := enc.DecodeString(sum)
	if err1 != nil || err2 != nil || !hmac.Equal(got, mac(key, payload)) {
		return claim{}, bad
	}
	var c claim
	if err := json.Unmarshal(payload, &c); err != nil || c.CF == "" || c.Email == "" {
		return claim{}, bad
	}
	if now.Unix() >= c.Exp {
		return claim{}, fault.New(fault.Invalid, "Il collegamento di verifica è scaduto: chiedine uno nuovo dal tuo profilo.")
	}
	return c, nil
}

// italianTime writes t as Italians read it: "3 marzo 2026 alle 14:05",
// in Italian time.
func italianTime(t time.Time) string { return i18n.Date(t) + " alle " + i18n.Clock(t) }

// verificationMessage composes the email that carries a verification link.
func (s *AccountService) verificationMessage(a Account, token string, expires time.Time) (mail.Message, error) {
	portal := s.verify.PortalName
	m, err := mail.Notice{
		From:    portal,
		Subject: portal + ": conferma il tuo indirizzo email",
		Title:   "Conferma il tuo indirizzo email",
		Name:    strings.TrimSpace(a.Name + " " + a.FamilyName),
		Paragraphs: []mail.Paragraph{
			{{Text: "hai chiesto di usare l'indirizzo "}, {Text: a.Email, Strong: true}, {Text: " per ricevere le comunicazioni di " + portal + "."}},
		},
		Button: &mail.Button{
			Label: "Conferma l'indirizzo",
			Lead:  "Per confermarlo apri questo collegamento:",
			// A page of the citizens' app, which calls the API and says in
			// words how it went: the API's own answer is JSON.
			Link: s.verify.BaseURL + "/verifica-email?" + url.Values{"token": {token}}.Encode(),
		},
		After:    []mail.Paragraph{mail.Plain("Il collegamento vale 24 ore, fino al " + italianTime(expires) + " (ora italiana).")},
		Footnote: "Se non sei stato tu a chiederlo, ignora questo messaggio: l'indirizzo non sarà usato.",
	}.Message()
	if err != nil {
		return mail.Message{}, err
	}
	m.ID = fmt.Sprintf("email-verification/%s/%d", a.FiscalCode, expires.UnixNano())
	m.To = a.Email
	return m, nil
}
