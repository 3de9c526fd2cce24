package mail

import (
	"strings"
	"testing"
)

func TestNoticeLaysOutEveryPart(t *testing.T) {
	m, err := Notice{
		From:       "Comune di Esempio",
		Subject:    "Oggetto",
		Title:      "Titolo <b>",
		Name:       "Anna <Verdi>",
		Paragraphs: []Paragraph{{{Text: "Primo "}, {Text: "importante", Strong: true}, {Text: "."}}},
		Facts:      []Fact{{Label: "Servizio", Value: "Nido & <scuola>"}},
		Button:     &Button{Label: "Apri", Lead: "Per aprire:", Link: "https://portale.example.org/pratiche/1?a=b&c=d"},
		After:      []Paragraph{Plain("Dopo.")},
		Footnote:   "Non rispondere.",
	}.Message()
	if err != nil {
		t.Fatal(err)
	}
	wantText := `Gentile Anna <Verdi>,

Primo importante.

Servizio: Nido & <scuola>

Per aprire:
https://portale.example.org/pratiche/1?a=b&c=d

Dopo.

Non rispondere.

Comune di Esempio
`
	if m.Subject != "Oggetto" || m.Text != wantText {
		t.Errorf("got subject %q and text\n%s\nwant %q and\n%s", m.Subject, m.Text, "Oggetto", wantText)
	}
	for _, want := range []string{
		"<title>Titolo &lt;b&gt;</title>",
		"<p>Gentile Anna &lt;Verdi&gt;,</p>",
		"<p>Primo <strong>importante</strong>.</p>",
		">Servizio</th><td style=\"padding:4px 0\">Nido &amp; &lt;scuola&gt;</td>",
		`<a href="https://portale.example.org/pratiche/1?a=b&amp;c=d"`,
		">Apri</a>",
		"<p>Dopo.</p>",
		">Non rispondere.</p>",
	} {
		if !strings.Contains(m.HTML, want) {
			t.Errorf("got HTML\n%s\nwant it to contain %q", m.HTML, want)
		}
	}
}

func TestNoticeLeavesOutWhatItLacks(t *testing.T) {
	m, err := Notice{From: "Comune di Esempio", Subject: "Oggetto", Title: "Titolo", Name: "Anna", Paragraphs: []Paragraph{Plain("Solo testo.")}, Footnote: "Fine."}.Message()
	if err != nil {
		t.Fatal(err)
	}
	if want := "Gentile Anna,\n\nSolo testo.\n\nFine.\n\nComune di Esempio\n"; m.Text != want {
		t.Errorf("got text %q, want %q", m.Text, want)
	}
	for _, absent := range []string{"<table", "<a ", "Se il pulsante"} {
		if strings.Contains(m.HTML, absent) {
			t.Errorf("got HTML with %q, want none:\n%s", absent, m.HTML)
		}
	}
}
