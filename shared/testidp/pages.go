package testidp

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"html/template"
	"net/http"
	"strings"

	"github.com/stanzaportal/stanza/shared/i18n"
)

// The pages use no external assets; their only script (the auto-submit of
// the answer) and style carry a per-response nonce that the
// Content-Security-Policy allows.
var pages = template.Must(template.New("").Funcs(template.FuncMap{
	// date turns YYYY-MM-DD into the Italian DD/MM/YYYY.
	"date": func(s string) string {
		if p := strings.Split(s, "-"); len(p) == 3 {
			return p[2] + "/" + p[1] + "/" + p[0]
		}
		return s
	},
}).Parse(`
{{define "style"}}<style nonce="{{.Nonce}}">
body{font-family:system-ui,sans-serif;line-height:1.5;margin:0;color:#1a1a1a;background:#f5f5f0}
main{max-width:48rem;margin:0 auto;padding:1rem 1.5rem}
.warning{background:#fff3cd;border-left:4px solid #8a6d00;padding:.5rem 1rem}
fieldset{border:1px solid #767676;margin:1.5rem 0;padding:1rem}
legend{font-weight:700;font-size:1.15rem;padding:0 .25rem}
ul{list-style:none;padding:0;margin:0}
li{margin:.75rem 0}
button{font:inherit;font-weight:700;padding:.5rem 1rem;border:2px solid #0b4f8a;background:#0066cc;color:#fff;border-radius:4px;cursor:pointer}
button.error{background:#fff;color:#8a1c1c;border-color:#8a1c1c}
button:focus-visible{outline:3px solid #1a1a1a;outline-offset:2px}
.detail{display:block;color:#333}
</style>{{end}}

{{define "picker"}}<!doctype html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Identity provider di prova</title>
{{template "style" .}}
</head>
<body>
<main>
<h1>Identity provider {{if .Data.CIE}}CIE{{else}}SPID{{end}} di prova</h1>
<p class="warning">Questo identity provider esiste solo per lo sviluppo e le prove: nessuna identità è reale.</p>
<p>Il servizio <strong>{{.Data.SP}}</strong> chiede un accesso di livello <strong>{{.Data.Level}}</strong>. Scegli il cittadino con cui accedere, oppure un errore da simulare.</p>
<form method="post" action="{{.Data.Action}}">
<input type="hidden" name="state" value="{{.Data.State}}">
<fieldset>
<legend>Cittadini di prova</legend>
<ul>
{{range $i, $id := .Data.Identities}}<li>
<button type="submit" name="identity" value="{{$id.SpidCode}}" aria-describedby="id-{{$i}}">{{$id.Name}} {{$id.FamilyName}}</button>
<span class="detail" id="id-{{$i}}">{{$id.Description}}. Nascita: {{date $id.DateOfBirth}}. Codice fiscale: {{$id.FiscalCode}}.</span>
</li>
{{end}}</ul>
</fieldset>
<fieldset>
<legend>Errori simulati</legend>
<ul>
{{range .Data.Errors}}<li>
<button class="error" type="submit" name="error" value="{{.Code}}" aria-describedby="err-{{.Code}}">ErrorCode {{.Code}}</button>
<span class="detail" id="err-{{.Code}}">{{.Meaning}}.</span>
</li>
{{end}}</ul>
</fieldset>
</form>
</main>
</body>
</html>
{{end}}

{{define "post"}}<!doctype html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Ritorno al servizio</title>
{{template "style" .}}
</head>
<body>
<main>
<h1>Ritorno al servizio</h1>
<form id="saml" method="post" action="{{.Data.Action}}">
<input type="hidden" name="{{.Data.Param}}" value="{{.Data.Message}}">
{{if .Data.RelayState}}<input type="hidden" name="RelayState" value="{{.Data.RelayState}}">{{end}}
<p>Se la pagina non prosegue da sola, premi il pulsante.</p>
<button type="submit">Continua</button>
</form>
</main>
<script nonce="{{.Nonce}}">document.getElementById("saml").submit();</script>
</body>
</html>
{{end}}

{{define "error"}}<!doctype html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Data.Title}}</title>
{{template "style" .}}
</head>
<body>
<main>
<h1>{{.Data.Title}}</h1>
<p role="alert">{{.Data.Message}}</p>
</main>
</body>
</html>
{{end}}
`))

const (
	pickerPage = "picker"
	postPage   = "post"
	errorPage  = "error"
)

// page is what every template gets: the nonce of its style and script,
// its language, and its own data.
type page struct {
	Nonce string
	Lang  string
	Data  any
}

type pickerData struct {
	Action     string
	State      string
	SP         string
	Level      string
	CIE        bool
	Identities []Identity
	Errors     []SimulatedError
}

type postData struct {
	Action     string
	Param      string
	Message    string
	RelayState string
}

type errorData struct {
	Title, Message string
}

// render writes a page with a fresh nonce and the headers that keep it
// private and self-contained.
func render(w http.ResponseWriter, status int, name, lang string, data any) {
	// crypto/rand does not fail on supported platforms; base64url has no
	// characters that HTML would escape in the nonce attribute.
	b := make([]byte, 16)
	rand.Read(b)
	nonce := base64.RawURLEncoding.EncodeToString(b)
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, page{Nonce: nonce, Lang: lang, Data: data}); err != nil {
		// The templates are fixed and their data plain values: a failure
		// is a bug the tests catch.
		panic(err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'nonce-"+nonce+"'; style-src 'nonce-"+nonce+"'; base-uri 'none'; frame-ancestors 'none'")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// postForm answers with a page that posts msg (HTTP-POST binding) to
// action, by script, or by its "Continua" button when scripts are off.
func postForm(w http.ResponseWriter, action, param string, msg []byte, relayState string) {
	render(w, http.StatusOK, postPage, "it", postData{Action: action, Param: param, Message: Encode(msg), RelayState: relayState})
}

func renderError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	lang := i18n.Negotiate(r)
	title := i18n.Sprintf(lang, "Richiesta non valida")
	if status >= 500 {
		title = i18n.Sprintf(lang, "Errore interno")
	}
	render(w, status, errorPage, lang.String(), errorData{Title: title, Message: msg})
}
