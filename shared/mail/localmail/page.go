package localmail

import (
	"html/template"
	"net/http"
	"regexp"
	"strings"

	"github.com/stanzaportal/stanza/shared/fault"
)

// validKey matches the keys newKey makes; anything else in a URL is not a
// message.
var validKey = regexp.MustCompile(`^\d{8}T\d{6}\.\d{9}Z-[0-9a-f]{8}$`)

// Content policies. The pages run no script and load nothing but their own
// frames; a message's HTML is sandboxed (a unique origin, no scripts, no
// forms) and may not fetch anything, so opening a message never tells
// anyone it was read.
const (
	pagePolicy = "default-src 'none'; style-src 'unsafe-inline'; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
	htmlPolicy = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
)

// Handler serves the mailbox under Path: the list of messages, each
// message (headers, the HTML version in a sandboxed frame, the text
// version with its links made clickable) and each message's HTML alone.
func (b *Mailbox) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+Path+"{$}", func(w http.ResponseWriter, r *http.Request) {
		list, err := b.List(r.Context())
		if err != nil {
			fail(w, err)
			return
		}
		page(w, listPage, list)
	})
	mux.HandleFunc("GET "+Path+"{key}", func(w http.ResponseWriter, r *http.Request) {
		m, err := b.Get(r.Context(), r.PathValue("key"))
		if err != nil {
			fail(w, err)
			return
		}
		page(w, messagePage, m)
	})
	mux.HandleFunc("GET "+Path+"{key}/html", func(w http.ResponseWriter, r *http.Request) {
		m, err := b.Get(r.Context(), r.PathValue("key"))
		if err != nil {
			fail(w, err)
			return
		}
		h := w.Header()
		h.Set("Content-Security-Policy", htmlPolicy)
		h.Set("X-Frame-Options", "SAMEORIGIN")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		h.Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(m.HTML))
	})
	return mux
}

func page(w http.ResponseWriter, t *template.Template, data any) {
	h := w.Header()
	h.Set("Content-Security-Policy", pagePolicy)
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Type", "text/html; charset=utf-8")
	var buf strings.Builder
	if err := t.Execute(&buf, data); err != nil {
		http.Error(w, "Errore nel comporre la pagina.", http.StatusInternalServerError)
		return
	}
	_, _ = w.Write([]byte(buf.String()))
}

// fail answers a missing message with 404 and anything else with 500, as a
// plain page: this is a local tool, not the API.
func fail(w http.ResponseWriter, err error) {
	if fault.Is(err, fault.NotFound) {
		http.Error(w, "Il messaggio richiesto non è nella posta locale.", http.StatusNotFound)
		return
	}
	http.Error(w, "La posta locale non si può leggere in questo momento.", http.StatusInternalServerError)
}

// link finds the web addresses in a text version.
var link = regexp.MustCompile(`https?://[^\s<>"]+`)

// linkify escapes text and makes its web addresses clickable, so that a
// verification link can be followed from the page.
func linkify(text string) template.HTML {
	var b strings.Builder
	last := 0
	for _, m := range link.FindAllStringIndex(text, -1) {
		b.WriteString(template.HTMLEscapeString(text[last:m[0]]))
		u := template.HTMLEscapeString(text[m[0]:m[1]])
		b.WriteString(`<a href="` + u + `" rel="noreferrer">` + u + `</a>`)
		last = m[1]
	}
	b.WriteString(template.HTMLEscapeString(text[last:]))
	return template.HTML(b.String())
}

const style = `<style>
body{font-family:system-ui,sans-serif;margin:0;color:#1a1a1a}
main{max-width:60rem;margin:0 auto;padding:1.5rem}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.5rem;border-bottom:1px solid #ccc;vertical-align:top}
dt{font-weight:bold}dd{margin:0 0 .5rem}
iframe{width:100%;height:28rem;border:1px solid #ccc}
pre{white-space:pre-wrap;border:1px solid #ccc;padding:1rem}
a{color:#0059b3}
</style>`

var funcs = template.FuncMap{
	"linkify": linkify,
	"when":    func(m Stored) string { return m.SentAt.Local().Format("02/01/2006 15:04:05") },
}

var listPage = template.Must(template.New("list").Funcs(funcs).Parse(`<!doctype html>
<html lang="it"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Posta locale</title>` + style + `</head><body><main>
<h1>Posta locale</h1>
<p>I messaggi che il portale ha inviato in modalità locale, dal più recente. Nessuno di essi ha lasciato questo computer.</p>
{{if .}}<table>
<thead><tr><th scope="col">Inviato</th><th scope="col">Destinatario</th><th scope="col">Oggetto</th></tr></thead>
<tbody>{{range .}}<tr><td>{{when .}}</td><td>{{.To}}</td><td><a href="` + Path + `{{.Key}}">{{.Subject}}</a></td></tr>
{{end}}</tbody></table>
{{else}}<p>Nessun messaggio.</p>{{end}}
</main></body></html>`))

var messagePage = template.Must(template.New("message").Funcs(funcs).Parse(`<!doctype html>
<html lang="it"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Subject}} – Posta locale</title>` + style + `</head><body><main>
<p><a href="` + Path + `">Tutti i messaggi</a></p>
<h1>{{.Subject}}</h1>
<dl>
<dt>Destinatario</dt><dd>{{.To}}</dd>
<dt>Inviato</dt><dd>{{when .}}</dd>
{{if .Tenant}}<dt>Comune</dt><dd>{{.Tenant}}</dd>{{end}}
<dt>Identificativo</dt><dd>{{.ID}}</dd>
</dl>
{{if .HTML}}<h2>Versione HTML</h2>
<iframe sandbox src="` + Path + `{{.Key}}/html" title="Versione HTML del messaggio"></iframe>{{end}}
<h2>Versione testo</h2>
<pre>{{linkify .Text}}</pre>
</main></body></html>`))
