package ricevuta_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stanzaportal/stanza/shared/fault"
	"github.com/stanzaportal/stanza/shared/ricevuta"
)

func submission() ricevuta.Submission {
	return ricevuta.Submission{
		Comune:        "Comune di Forlì",
		Service:       "Iscrizione all'asilo nido comunale",
		ApplicationID: "01JDQ8Z5X9K3M7N2P4R6T8V0W1",
		SubmittedAt:   time.Date(2026, 11, 26, 13, 5, 0, 0, time.UTC),
		Applicant:     ricevuta.Applicant{Name: "Niccolò Fabbrì", FiscalCode: "FBBNCL85M01D704X"},
		Data:          json.RawMessage(`{"bambino": {"nome": "Lucia", "nascita": "2025-03-14"}, "isee": 18250.00}`),
		Answers: []ricevuta.Answer{
			{Label: "Dati del bambino", Group: []ricevuta.Answer{
				{Label: "Nome", Value: "Lucia"},
				{Label: "Data di nascita", Value: "14/03/2025"},
			}},
			{Label: "ISEE del nucleo (€)", Value: "18.250,00"},
			{Label: "Note", Value: "È allergica: perché sì, c'è il certificato.\nSeconda riga."},
		},
		Attachments: []ricevuta.Attachment{
			{ID: "att1", Name: "certificato-medico.pdf", Size: 184320, SHA256: strings.Repeat("ab", 32)},
		},
	}
}

func render(t *testing.T, s ricevuta.Submission) ricevuta.Receipt {
	t.Helper()
	r, err := ricevuta.Render(s)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	return r
}

// text extracts the text of a PDF with pdftotext (Debian's poppler-utils).
func text(t *testing.T, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pdftotext is missing: install poppler-utils")
		}
		t.Skip("pdftotext is missing (apt-get install poppler-utils); skipping the text checks")
	}
	path := filepath.Join(t.TempDir(), "ricevuta.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

func TestRenderIsPDF(t *testing.T) {
	pdf := render(t, submission()).PDF
	if !bytes.HasPrefix(pdf, []byte("%PDF-1.")) {
		t.Errorf("got header %q, want %%PDF-1.", pdf[:min(8, len(pdf))])
	}
	tail := bytes.TrimRight(pdf, "\r\n")
	if !bytes.HasSuffix(tail, []byte("%%EOF")) || !bytes.Contains(pdf, []byte("startxref")) {
		t.Errorf("got trailer %q, want startxref and %%%%EOF", tail[max(0, len(tail)-40):])
	}
}

func TestRenderStatesEverything(t *testing.T) {
	s := submission()
	s.Protocol = "2026/0000123"
	s.ProtocolAt = time.Date(2026, 11, 26, 13, 6, 0, 0, time.UTC)
	r := render(t, s)
	got := text(t, r.PDF)
	for _, want := range []string{
		"Comune di Forlì",
		"Iscrizione all'asilo nido comunale",
		"Niccolò Fabbrì", "FBBNCL85M01D704X",
		"Dati del bambino", "Lucia", "14/03/2025",
		"ISEE del nucleo (€)", "18.250,00",
		"È allergica: perché sì, c'è il certificato.", "Seconda riga.",
		"certificato-medico.pdf", strings.Repeat("ab", 32), "184,3 kB",
		"26 novembre 2026 alle ore 14:05", // Rome is one hour ahead of UTC in November
		"01JDQ8Z5X9K3M7N2P4R6T8V0W1",
		"2026/0000123 del 26/11/2026",
		r.Digest,
		"Pagina 1 di 1",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the text lacks %q; got:\n%s", want, got)
		}
	}
}

func TestRenderWithoutProtocol(t *testing.T) {
	got := text(t, render(t, submission()).PDF)
	if strings.Contains(got, "Protocollo") {
		t.Errorf("got a protocol line before registration:\n%s", got)
	}
}

func TestRenderEmptyListsSaySo(t *testing.T) {
	s := submission()
	s.Answers, s.Attachments = nil, nil
	got := text(t, render(t, s).PDF)
	for _, want := range []string{"Il modulo non contiene risposte.", "Nessun allegato."} {
		if !strings.Contains(got, want) {
			t.Errorf("the text lacks %q; got:\n%s", want, got)
		}
	}
}

// TestRenderLongAnswerContinues checks that an answer longer than a page
// goes on to the next pages instead of running off the bottom.
func TestRenderLongAnswerContinues(t *testing.T) {
	s := submission()
	s.Answers = append(s.Answers, ricevuta.Answer{Label: "Relazione", Value: strings.Repeat("Parola ", 3000) + "FINE"})
	got := text(t, render(t, s).PDF)
	for _, want := range []string{"Pagina 3 di", "FINE"} {
		if !strings.Contains(got, want) {
			t.Errorf("the text lacks %q", want)
		}
	}
}

// TestRenderUnprintable checks that characters the fonts lack come out as
// question marks and control characters as spaces, not as empty boxes.
func TestRenderUnprintable(t *testing.T) {
	s := submission()
	s.Answers = []ricevuta.Answer{{Label: "Nota", Value: "ciao 🙂\tfine"}}
	got := text(t, render(t, s).PDF)
	if !strings.Contains(got, "ciao ? fine") {
		t.Errorf("the text lacks %q; got:\n%s", "ciao ? fine", got)
	}
}

func TestSameInputSameBytes(t *testing.T) {
	s := submission()
	first := render(t, s)
	for range 3 {
		if again := render(t, s); !bytes.Equal(again.PDF, first.PDF) || again.Digest != first.Digest {
			t.Fatal("got different bytes for the same submission")
		}
	}
	// The same instant in another time zone is the same submission.
	s.SubmittedAt = s.SubmittedAt.In(time.FixedZone("CET", 3600))
	if again := render(t, s); !bytes.Equal(again.PDF, first.PDF) {
		t.Error("got different bytes for the same instant in another zone")
	}
}

func TestDigestChanges(t *testing.T) {
	base := render(t, submission()).Digest
	tests := []struct {
		name   string
		modify func(*ricevuta.Submission)
	}{
		{"Answer", func(s *ricevuta.Submission) { s.Answers[1].Value = "18.250,01" }},
		{"NestedAnswer", func(s *ricevuta.Submission) { s.Answers[0].Group[0].Value = "Lucìa" }},
		{"Label", func(s *ricevuta.Submission) { s.Answers[2].Label = "Note aggiuntive" }},
		{"AnswerAdded", func(s *ricevuta.Submission) { s.Answers = append(s.Answers, ricevuta.Answer{Label: "Altro"}) }},
		{"Data", func(s *ricevuta.Submission) { s.Data = json.RawMessage(`{"bambino": {"nome": "Luca"}}`) }},
		{"DataNumberText", func(s *ricevuta.Submission) {
			s.Data = json.RawMessage(`{"bambino": {"nome": "Lucia", "nascita": "2025-03-14"}, "isee": 18250}`)
		}},
		{"AttachmentDigest", func(s *ricevuta.Submission) { s.Attachments[0].SHA256 = strings.Repeat("cd", 32) }},
		{"AttachmentID", func(s *ricevuta.Submission) { s.Attachments[0].ID = "att2" }},
		{"ApplicationID", func(s *ricevuta.Submission) { s.ApplicationID = "01JDQ8Z5X9K3M7N2P4R6T8V0W2" }},
		{"Applicant", func(s *ricevuta.Submission) { s.Applicant.FiscalCode = "FBBNCL85M01D704Y" }},
		{"SubmittedAt", func(s *ricevuta.Submission) { s.SubmittedAt = s.SubmittedAt.Add(time.Second) }},
		{"Service", func(s *ricevuta.Submission) { s.Service = "Iscrizione alla mensa scolastica" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := submission()
			tt.modify(&s)
			if got := render(t, s).Digest; got == base {
				t.Errorf("got the same digest %s after the change", got)
			}
		})
	}
}

func TestDigestStable(t *testing.T) {
	base := render(t, submission())
	tests := []struct {
		name   string
		modify func(*ricevuta.Submission)
	}{
		{"DataKeyOrderAndSpaces", func(s *ricevuta.Submission) {
			s.Data = json.RawMessage("{\"isee\":18250.00,\n \"bambino\":{\"nascita\":\"2025-03-14\",\"nome\":\"Lucia\"}}")
		}},
		{"ProtocolAdded", func(s *ricevuta.Submission) {
			s.Protocol, s.ProtocolAt = "2026/0000123", s.SubmittedAt.Add(time.Minute)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := submission()
			tt.modify(&s)
			if got := render(t, s).Digest; got != base.Digest {
				t.Errorf("got digest %s, want %s", got, base.Digest)
			}
		})
	}
	s := submission()
	s.Protocol = "2026/0000123"
	if bytes.Equal(render(t, s).PDF, base.PDF) {
		t.Error("got the same PDF with a protocol number as without")
	}
}

func TestRenderInvalid(t *testing.T) {
	deep := []ricevuta.Answer{{Label: "x", Value: "y"}}
	for range ricevuta.MaxDepth + 1 {
		deep = []ricevuta.Answer{{Label: "gruppo", Group: deep}}
	}
	tests := []struct {
		name   string
		modify func(*ricevuta.Submission)
	}{
		{"ErrNoComune", func(s *ricevuta.Submission) { s.Comune = " " }},
		{"ErrNoService", func(s *ricevuta.Submission) { s.Service = "" }},
		{"ErrNoApplicationID", func(s *ricevuta.Submission) { s.ApplicationID = "" }},
		{"ErrNoTime", func(s *ricevuta.Submission) { s.SubmittedAt = time.Time{} }},
		{"ErrNoApplicantName", func(s *ricevuta.Submission) { s.Applicant.Name = "" }},
		{"ErrNoFiscalCode", func(s *ricevuta.Submission) { s.Applicant.FiscalCode = "" }},
		{"ErrNoData", func(s *ricevuta.Submission) { s.Data = nil }},
		{"ErrDataNotObject", func(s *ricevuta.Submission) { s.Data = json.RawMessage(`[1]`) }},
		{"ErrDataBroken", func(s *ricevuta.Submission) { s.Data = json.RawMessage(`{"a":`) }},
		{"ErrTooDeep", func(s *ricevuta.Submission) { s.Answers = deep }},
		{"ErrAttachmentNoName", func(s *ricevuta.Submission) { s.Attachments[0].Name = "" }},
		{"ErrAttachmentBadDigest", func(s *ricevuta.Submission) { s.Attachments[0].SHA256 = strings.Repeat("AB", 32) }},
		{"ErrAttachmentNegativeSize", func(s *ricevuta.Submission) { s.Attachments[0].Size = -1 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := submission()
			tt.modify(&s)
			if _, err := ricevuta.Render(s); !fault.Is(err, fault.Invalid) {
				t.Errorf("got %v, want an Invalid error", err)
			}
		})
	}
}
