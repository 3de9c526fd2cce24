package mail

import (
	"bytes"
	htmltemplate "html/template"
	texttemplate "text/template"
)

// Notice is the portal's standard email, in the layout every notice
// shares: the sender atop, a title, the greeting, paragraphs, an optional
// table of facts, an optional button to the portal, more paragraphs and a
// closing line. Each package writes its own words; Message lays them out
// the same way in both versions, and the HTML version escapes every text.
type Notice struct {
	From       string // the Comune or the portal: atop the HTML version, last in the text one
	Subject    string
	Title      string // the HTML version's heading
	Name       string // greeted as "Gentile <Name>,"
	Paragraphs []Paragraph
	Facts      []Fact  // a table, e.g. the service and the application's id
	Button     *Button // a link to the portal, shown as a button
	After      []Paragraph
	Footnote   string // the closing line, e.g. "do not reply"
}

// Paragraph is a paragraph in runs of text, some in bold in HTML.
type Paragraph []Run

// Run is a piece of a paragraph.
type Run struct {
	Text   string
	Strong bool
}

// Plain is a paragraph of plain text.
func Plain(text string) Paragraph { return Paragraph{{Text: text}} }

// Fact is a row of a notice's table.
type Fact struct{ Label, Value string }

// Button is a notice's link to the portal. The text version shows the
// link itself, after Lead when there is one.
type Button struct {
	Label, Lead, Link string
}

var noticeText = texttemplate.Must(texttemplate.New("text").Parse(`Gentile {{.Name}},
{{range .Paragraphs}}
{{range .}}{{.Text}}{{end}}
{{end}}{{if .Facts}}
{{range .Facts}}{{.Label}}: {{.Value}}
{{end}}{{end}}{{with .Button}}
{{if .Lead}}{{.Lead}}
{{end}}{{.Link}}
{{end}}{{range .After}}
{{range .}}{{.Text}}{{end}}
{{end}}
{{.Footnote}}

{{.From}}
`))

var noticeHTML = htmltemplate.Must(htmltemplate.New("html").Parse(`{{define "runs"}}{{range .}}{{if .Strong}}<strong>{{.Text}}</strong>{{else}}{{.Text}}{{end}}{{end}}{{end -}}
<!doctype html>
<html lang="it">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{{.Title}}</title></head>
<body style="margin:0;padding:24px;font-family:'Titillium Web',Geneva,Tahoma,sans-serif;color:#1a1a1a;background:#ffffff">
<p style="font-size:14px;color:#5c6f82;margin:0 0 24px">{{.From}}</p>
<h1 style="font-size:24px;margin:0 0 16px">{{.Title}}</h1>
<p>Gentile {{.Name}},</p>
{{range .Paragraphs}}<p>{{template "runs" .}}</p>
{{end}}{{if .Facts}}<table style="border-collapse:collapse;margin:16px 0">
{{range .Facts}}<tr><th scope="row" style="text-align:left;padding:4px 16px 4px 0;color:#5c6f82;font-weight:normal">{{.Label}}</th><td style="padding:4px 0">{{.Value}}</td></tr>
{{end}}</table>
{{end}}{{with .Button}}<p style="margin:24px 0"><a href="{{.Link}}" style="display:inline-block;padding:12px 24px;background:#0066cc;color:#ffffff;text-decoration:none;border-radius:4px;font-weight:bold">{{.Label}}</a></p>
<p>Se il pulsante non funziona, copia questo indirizzo nel browser:<br><span style="word-break:break-all">{{.Link}}</span></p>
{{end}}{{range .After}}<p>{{template "runs" .}}</p>
{{end}}<p style="color:#5c6f82">{{.Footnote}}</p>
</body>
</html>
`))

// Message renders n into a message without its ID and recipient.
func (n Notice) Message() (Message, error) {
	var text, html bytes.Buffer
	if err := noticeText.Execute(&text, n); err != nil {
		return Message{}, err
	}
	if err := noticeHTML.Execute(&html, n); err != nil {
		return Message{}, err
	}
	return Message{Subject: n.Subject, Text: text.String(), HTML: html.String()}, nil
}
