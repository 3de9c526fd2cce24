package ricevuta

import (
	"bytes"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"

	"github.com/stanzaportal/stanza/shared/i18n"
)

// Layout, in millimetres and points, on A4. The colours are Bootstrap
// Italia's primary blue and its greys, as on the portal's pages.
const (
	margin      = 20.0
	labelWidth  = 62.0 // the column of labels; values take the rest
	indentStep  = 5.0  // per level of a nested group
	maxIndent   = 4    // levels indented; deeper ones align with the fourth
	lineHeight  = 5.0
	footerSpace = 18.0
)

var (
	blue  = [3]int{0, 102, 204}
	dark  = [3]int{25, 25, 25}
	grey  = [3]int{92, 111, 130}
	rule  = [3]int{210, 218, 226}
	panel = [3]int{240, 246, 252}
)

// glyphs is the regular Go font, to find the characters it cannot draw.
var glyphs = mustParse(goregular.TTF)

func mustParse(ttf []byte) *sfnt.Font {
	f, err := sfnt.Parse(ttf)
	if err != nil {
		panic(err)
	}
	return f
}

// printable replaces what the fonts cannot draw: control characters become
// spaces (a tab in a textarea), characters without a glyph a question mark,
// so that the text stays readable instead of showing empty boxes. Newlines
// are kept; the wrapper breaks lines there.
func printable(s string) string {
	var buf sfnt.Buffer
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n':
			return r
		case unicode.IsControl(r):
			return ' '
		case r > 0xFFFF: // beyond what fpdf's width table holds
			return '?'
		}
		if g, err := glyphs.GlyphIndex(&buf, r); err != nil || g == 0 {
			return '?'
		}
		return r
	}, strings.ReplaceAll(s, "\r\n", "\n"))
}

type renderer struct {
	pdf    *fpdf.Fpdf
	width  float64 // between the margins
	bottom float64 // the lowest y a line may end at
}

func render(s Submission, digest string) ([]byte, error) {
	r := newRenderer(meta{
		Title:  "Modulo compilato - " + s.Service,
		Author: s.Comune,
		At:     s.SubmittedAt,
		Footer: "Pratica " + s.ApplicationID + " · impronta " + digest[:16] + "…",
	})
	r.header(s.Comune, "Modulo compilato · ricevuta di presentazione della domanda", s.Service)
	r.summary(receiptSummary(s))
	r.section("Richiedente")
	r.row(0, "Nome e cognome", s.Applicant.Name)
	r.row(0, "Codice fiscale", s.Applicant.FiscalCode)
	r.section("Dati della domanda")
	if len(s.Answers) == 0 {
		r.paragraph("Il modulo non contiene risposte.", grey)
	}
	r.answers(0, s.Answers)
	r.section("Allegati")
	if len(s.Attachments) == 0 {
		r.paragraph("Nessun allegato.", grey)
	}
	for _, a := range s.Attachments {
		r.attachment(a)
	}
	r.section("Impronta della domanda")
	r.paragraph("Impronta SHA-256 dei dati presentati, degli allegati e degli identificativi. "+
		"Ricalcolandola sugli stessi dati si ottiene lo stesso valore: ne attesta l'integrità.", grey)
	r.space(1)
	r.mono(digest, 9.5, dark)

	return r.output()
}

// meta is what a document states about itself: its title and author in the
// PDF's properties, the time its dates come from (never the clock, so that
// the same content gives the same bytes) and the left side of its footer.
type meta struct {
	Title, Author string
	At            time.Time
	Footer        string
}

// newRenderer starts an A4 document in the portal's style, on its first page.
func newRenderer(m meta) *renderer {
	pdf := fpdf.New("P", "mm", "A4", "")
	// fpdf writes into the font bytes it is given while it cuts the
	// subset (an append on a slice of them, in its hmtx code), so each
	// document gets copies: shared, the fonts drift from one document to
	// the next and the same content stops giving the same bytes.
	pdf.AddUTF8FontFromBytes("go", "", bytes.Clone(goregular.TTF))
	pdf.AddUTF8FontFromBytes("go", "B", bytes.Clone(gobold.TTF))
	pdf.AddUTF8FontFromBytes("gomono", "", bytes.Clone(gomono.TTF))
	pdf.SetCreationDate(m.At.UTC())
	pdf.SetModificationDate(m.At.UTC())
	pdf.SetCatalogSort(true)
	pdf.SetTitle(printable(m.Title), true)
	pdf.SetAuthor(printable(m.Author), true)
	pdf.SetCreator("Stanza", false)
	pdf.SetLang("it-IT")
	pdf.SetMargins(margin, margin, margin)
	pdf.SetAutoPageBreak(false, footerSpace)
	pdf.AliasNbPages("{nb}")
	w, h := pdf.GetPageSize()
	r := &renderer{pdf: pdf, width: w - 2*margin, bottom: h - footerSpace - 4}
	pdf.SetFooterFunc(func() { r.footer(m.Footer, h) })
	pdf.AddPage()
	return r
}

func (r *renderer) output() ([]byte, error) {
	var out bytes.Buffer
	if err := r.pdf.Output(&out); err != nil {
		return nil, fmt.Errorf("ricevuta: %w", err)
	}
	return out.Bytes(), nil
}

func (r *renderer) color(c [3]int)                          { r.pdf.SetTextColor(c[0], c[1], c[2]) }
func (r *renderer) font(family, style string, size float64) { r.pdf.SetFont(family, style, size) }

// ensure starts a new page when h millimetres do not fit on this one.
func (r *renderer) ensure(h float64) {
	if r.pdf.GetY()+h > r.bottom {
		r.pdf.AddPage()
	}
}

func (r *renderer) space(h float64) { r.pdf.SetY(r.pdf.GetY() + h) }

// header prints the Comune, what the document is, and its title.
func (r *renderer) header(comune, kind, title string) {
	pdf := r.pdf
	pdf.SetFillColor(blue[0], blue[1], blue[2])
	pdf.Rect(margin, margin, 1.6, 17, "F")
	pdf.SetXY(margin+5, margin)
	r.font("go", "B", 17)
	r.color(blue)
	pdf.CellFormat(r.width-5, 8, printable(comune), "", 2, "L", false, 0, "")
	r.font("go", "", 10)
	r.color(grey)
	pdf.CellFormat(r.width-5, 5, printable(kind), "", 2, "L", false, 0, "")
	pdf.SetY(margin + 24)
	r.font("go", "B", 14)
	r.color(dark)
	for _, line := range r.wrap(title, r.width) {
		pdf.CellFormat(r.width, 6.5, line, "", 2, "L", false, 0, "")
	}
	r.space(3)
}

// receiptSummary is the identity of the application a receipt states.
func receiptSummary(s Submission) [][2]string {
	rows := [][2]string{
		{"Numero della pratica", s.ApplicationID},
		{"Presentata il", longTime(s.SubmittedAt)},
	}
	if s.Protocol != "" {
		p := s.Protocol
		if !s.ProtocolAt.IsZero() {
			p += " del " + i18n.ShortDate(s.ProtocolAt)
		}
		rows = append(rows, [2]string{"Protocollo", p})
	}
	return rows
}

// summary is the shaded box of label and value pairs under the header.
func (r *renderer) summary(rows [][2]string) {
	pdf := r.pdf
	top := pdf.GetY()
	h := float64(len(rows))*lineHeight + 6
	pdf.SetFillColor(panel[0], panel[1], panel[2])
	pdf.Rect(margin, top, r.width, h, "F")
	pdf.SetY(top + 3)
	for _, row := range rows {
		pdf.SetX(margin + 3)
		r.font("go", "", 9)
		r.color(grey)
		pdf.CellFormat(labelWidth-3, lineHeight, row[0], "", 0, "L", false, 0, "")
		r.font("go", "B", 10)
		r.color(dark)
		pdf.CellFormat(r.width-labelWidth-3, lineHeight, printable(row[1]), "", 1, "L", false, 0, "")
	}
	pdf.SetY(top + h + 2)
}

func (r *renderer) section(title string) {
	pdf := r.pdf
	r.ensure(16)
	r.space(5)
	r.font("go", "B", 11.5)
	r.color(blue)
	pdf.SetX(margin)
	pdf.CellFormat(r.width, 6, title, "", 1, "L", false, 0, "")
	pdf.SetDrawColor(blue[0], blue[1], blue[2])
	pdf.SetLineWidth(0.4)
	pdf.Line(margin, pdf.GetY()+0.5, margin+r.width, pdf.GetY()+0.5)
	r.space(2.5)
}

func (r *renderer) answers(level int, answers []Answer) {
	for _, a := range answers {
		if len(a.Group) == 0 {
			r.row(level, a.Label, a.Value)
			continue
		}
		r.ensure(2 * lineHeight)
		r.space(1.5)
		r.pdf.SetX(margin + indent(level))
		r.font("go", "B", 10)
		r.color(dark)
		for _, line := range r.wrap(a.Label, r.width-indent(level)) {
			r.ensure(lineHeight)
			r.pdf.SetX(margin + indent(level))
			r.pdf.CellFormat(r.width-indent(level), lineHeight, line, "", 1, "L", false, 0, "")
		}
		r.answers(level+1, a.Group)
	}
}

func indent(level int) float64 { return float64(min(level, maxIndent)) * indentStep }

// row prints a label and its value side by side, line by line, so that a
// long value (a textarea) continues on the next page.
func (r *renderer) row(level int, label, value string) {
	pdf := r.pdf
	x := margin + indent(level)
	lw := labelWidth - indent(level)
	vw := r.width - labelWidth
	r.font("go", "", 9)
	labels := r.wrap(label, lw)
	r.font("go", "", 10)
	if strings.TrimSpace(value) == "" {
		value = "—"
	}
	values := r.wrap(value, vw)
	for i := range max(len(labels), len(values)) {
		r.ensure(lineHeight)
		pdf.SetX(x)
		r.font("go", "", 9)
		r.color(grey)
		pdf.CellFormat(lw, lineHeight, at(labels, i), "", 0, "L", false, 0, "")
		r.font("go", "", 10)
		r.color(dark)
		pdf.CellFormat(vw, lineHeight, at(values, i), "", 1, "L", false, 0, "")
	}
	pdf.SetDrawColor(rule[0], rule[1], rule[2])
	pdf.SetLineWidth(0.2)
	pdf.Line(x, pdf.GetY()+0.6, margin+r.width, pdf.GetY()+0.6)
	r.space(1.2)
}

func at(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return ""
}

func (r *renderer) attachment(a Attachment) {
	r.ensure(3 * lineHeight)
	r.pdf.SetX(margin)
	r.font("go", "B", 10)
	r.color(dark)
	name := r.wrap(a.Name, r.width-30)
	for i, line := range name {
		r.pdf.SetX(margin)
		size := ""
		if i == 0 {
			size = fileSize(a.Size)
		}
		r.font("go", "B", 10)
		r.pdf.CellFormat(r.width-30, lineHeight, line, "", 0, "L", false, 0, "")
		r.font("go", "", 9)
		r.color(grey)
		r.pdf.CellFormat(30, lineHeight, size, "", 1, "R", false, 0, "")
		r.color(dark)
	}
	r.pdf.SetX(margin)
	r.font("go", "", 8.5)
	r.color(grey)
	r.pdf.CellFormat(16, 4.5, "SHA-256", "", 0, "L", false, 0, "")
	r.font("gomono", "", 8)
	r.pdf.CellFormat(r.width-16, 4.5, a.SHA256, "", 1, "L", false, 0, "")
	r.space(2)
}

func (r *renderer) paragraph(text string, c [3]int) {
	r.font("go", "", 9.5)
	r.color(c)
	for _, line := range r.wrap(text, r.width) {
		r.ensure(lineHeight)
		r.pdf.SetX(margin)
		r.pdf.CellFormat(r.width, lineHeight, line, "", 1, "L", false, 0, "")
	}
}

func (r *renderer) mono(text string, size float64, c [3]int) {
	r.font("gomono", "", size)
	r.color(c)
	r.ensure(lineHeight)
	r.pdf.SetX(margin)
	r.pdf.CellFormat(r.width, lineHeight, text, "", 1, "L", false, 0, "")
}

func (r *renderer) footer(left string, pageHeight float64) {
	pdf := r.pdf
	y := pageHeight - footerSpace + 4
	pdf.SetDrawColor(rule[0], rule[1], rule[2])
	pdf.SetLineWidth(0.2)
	pdf.Line(margin, y, margin+r.width, y)
	pdf.SetXY(margin, y+1.5)
	r.font("go", "", 8)
	r.color(grey)
	pdf.CellFormat(r.width-30, 4, printable(left), "", 0, "L", false, 0, "")
	pdf.CellFormat(30, 4, fmt.Sprintf("Pagina %d di {nb}", pdf.PageNo()), "", 0, "R", false, 0, "")
}

// wrap breaks text into lines that fit width in the current font: at
// newlines, then between words, and inside a word longer than a line.
func (r *renderer) wrap(text string, width float64) []string {
	width -= 2 * r.pdf.GetCellMargin()
	fits := func(s string) bool { return r.pdf.GetStringWidth(s) <= width }
	var lines []string
	for _, para := range strings.Split(printable(text), "\n") {
		line := ""
		for _, word := range strings.Fields(para) {
			switch {
			case line == "":
			case fits(line + " " + word):
				line += " " + word
				continue
			default:
				lines = append(lines, line)
			}
			for !fits(word) {
				rs := []rune(word)
				cut := 1
				for cut < len(rs) && fits(string(rs[:cut+1])) {
					cut++
				}
				lines = append(lines, string(rs[:cut]))
				word = string(rs[cut:])
			}
			line = word
		}
		lines = append(lines, line)
	}
	return lines
}

// longTime writes t as Italians read it: "26 novembre 2026 alle ore 14:05".
func longTime(t time.Time) string { return i18n.Date(t) + " alle ore " + i18n.Clock(t) }

// fileSize writes n bytes with a decimal comma: "830 byte", "12,4 kB", "2,1 MB".
func fileSize(n int64) string {
	var s string
	switch {
	case n < 1000:
		return fmt.Sprintf("%d byte", n)
	case n < 1000*1000:
		s = fmt.Sprintf("%.1f kB", float64(n)/1000)
	default:
		s = fmt.Sprintf("%.1f MB", float64(n)/1000/1000)
	}
	return strings.Replace(s, ".", ",", 1)
}
