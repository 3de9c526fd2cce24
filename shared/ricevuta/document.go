package ricevuta

import "time"

// Document is a PDF in the receipt's style, for the other documents the
// portal issues (the response to an application): the same fonts, layout
// and colours, and the same determinism, since its dates come from At and
// nothing from the clock or the host.
type Document struct{ r *renderer }

// Heading is what a Document states at its top and in its properties.
type Heading struct {
	Comune string    // as printed: "Comune di Bugliano"
	Kind   string    // what the document is, under the Comune's name
	Title  string    // the line in large type
	At     time.Time // the creation date in the PDF's properties
	Footer string    // the left side of every page's footer
}

// NewDocument starts a document with its heading and summary box of label
// and value pairs.
func NewDocument(h Heading, summary [][2]string) *Document {
	r := newRenderer(meta{Title: h.Kind + " - " + h.Title, Author: h.Comune, At: h.At, Footer: h.Footer})
	r.header(h.Comune, h.Kind, h.Title)
	r.summary(summary)
	return &Document{r: r}
}

// Section starts a section with its title.
func (d *Document) Section(title string) { d.r.section(title) }

// Row prints a label and its value side by side.
func (d *Document) Row(label, value string) { d.r.row(0, label, value) }

// Paragraph prints text, wrapped, in the body's colour.
func (d *Document) Paragraph(text string) { d.r.paragraph(text, dark) }

// Note prints text, wrapped, in the muted colour of explanations.
func (d *Document) Note(text string) { d.r.paragraph(text, grey) }

// Mono prints one line in the monospaced font: a digest, an identifier.
func (d *Document) Mono(text string) {
	d.r.space(1)
	d.r.mono(text, 9.5, dark)
}

// PDF returns the finished document.
func (d *Document) PDF() ([]byte, error) { return d.r.output() }

// LongTime writes t as Italians read it, in Europe/Rome: "26 novembre 2026
// alle ore 14:05".
func LongTime(t time.Time) string { return longTime(t) }
