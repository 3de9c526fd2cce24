package cittadino

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	htmltemplate "html/template"
	"net/url"
	"strings"
	texttemplate "text/template"
	"time"
	_ "time/tzdata" // Europe/Rome for the expiry shown in the email, whatever the host has

	"github.com/stanzaportal/stanza/shared/fault"
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

var rome = mustLocation("Europe/Rome")

func mustLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

var months = [...]string{"gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre", "ottobre", "novembre", "dicembre"}

// italianTime writes t as Italians read it: "3 marzo 2026 alle 14:05",
// in Italian time.
func italianTime(t time.Time) string {
	t = t.In(rome)
	return fmt.Sprintf("%d %s %d alle %02d:%02d", t.Day(), months[t.Month()-1], t.Year(), t.Hour(), t.Minute())
}

// emailData fills both versions of the verification email.
type emailData struct {
	Portal  string
	Name    string
	Email   string
	Link    string
	Expires string
}

var emailText = texttemplate.Must(texttemplate.New("text").Parse(`Gentile {{.Name}},

hai chiesto di usare l'indirizzo {{.Email}} per ricevere le comunicazioni di {{.Portal}}.
Per confermarlo apri questo collegamento:

{{.Link}}

Il collegamento vale 24 ore, fino al {{.Expires}} (ora italiana).

Se non sei stato tu a chiederlo, ignora questo messaggio: l'indirizzo non sarà usato.

{{.Portal}}
`))

var emailHTML = htmltemplate.Must(htmltemplate.New("html").Parse(`<!doctype html>
<html lang="it">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Conferma il tuo indirizzo email</title></head>
<body style="margin:0;padding:24px;font-family:'Titillium Web',Geneva,Tahoma,sans-serif;color:#1a1a1a;background:#ffffff">
<p style="font-size:14px;color:#5c6f82;margin:0 0 24px">{{.Portal}}</p>
<h1 style="font-size:24px;margin:0 0 16px">Conferma il tuo indirizzo email</h1>
<p>Gentile {{.Name}},</p>
<p>hai chiesto di usare l'indirizzo <strong>{{.Email}}</strong> per ricevere le comunicazioni di {{.Portal}}.</p>
<p style="margin:24px 0"><a href="{{.Link}}" style="display:inline-block;padding:12px 24px;background:#0066cc;color:#ffffff;text-decoration:none;border-radius:4px;font-weight:bold">Conferma l'indirizzo</a></p>
<p>Se il pulsante non funziona, copia questo indirizzo nel browser:<br><span style="word-break:break-all">{{.Link}}</span></p>
<p>Il collegamento vale 24 ore, fino al {{.Expires}} (ora italiana).</p>
<p style="color:#5c6f82">Se non sei stato tu a chiederlo, ignora questo messaggio: l'indirizzo non sarà usato.</p>
</body>
</html>
`))

// verificationMessage composes the email that carries a verification link.
func (s *AccountService) verificationMessage(a Account, token string, expires time.Time) (mail.Message, error) {
	d := emailData{
		Portal:  s.verify.PortalName,
		Name:    strings.TrimSpace(a.Name + " " + a.FamilyName),
		Email:   a.Email,
		Link:    s.verify.BaseURL + "/api/v1/email-verification?" + url.Values{"token": {token}}.Encode(),
		Expires: italianTime(expires),
	}
	var text, html bytes.Buffer
	if err := emailText.Execute(&text, d); err != nil {
		return mail.Message{}, err
	}
	if err := emailHTML.Execute(&html, d); err != nil {
		return mail.Message{}, err
	}
	return mail.Message{
		ID:      fmt.Sprintf("email-verification/%s/%d", a.FiscalCode, expires.UnixNano()),
		To:      a.Email,
		Subject: d.Portal + ": conferma il tuo indirizzo email",
		Text:    text.String(),
		HTML:    html.String(),
	}, nil
}
