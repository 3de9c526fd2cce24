package allegato

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSanitizeName(t *testing.T) {
	pdfKind, _ := kindOf("application/pdf")
	jpegKind, _ := kindOf("image/jpeg")
	p7mKind, _ := kindOf("application/pkcs7-mime")
	tests := []struct {
		name     string
		declared string
		k        kind
		want     string
	}{
		{"Plain", "domanda.pdf", pdfKind, "domanda.pdf"},
		{"PathTraversal", "../../etc/passwd", pdfKind, "passwd.pdf"},
		{"WindowsPath", `C:\Users\mario\Documenti\ISEE 2026.PDF`, pdfKind, "ISEE 2026.pdf"},
		{"NUL", "a\x00b.pdf", pdfKind, "ab.pdf"},
		{"ControlCharacters", "a\r\nb\tc\x7f.pdf", pdfKind, "a b c.pdf"},
		{"BidiOverride", "fattura\u202efdp.exe", pdfKind, "fatturafdp.exe.pdf"},
		{"Reserved", `a<b>:c"d|e?f*.pdf`, pdfKind, "a_b__c_d_e_f_.pdf"},
		{"HiddenFile", ".bashrc", pdfKind, "bashrc.pdf"},
		{"OnlyDots", "..", pdfKind, "allegato.pdf"},
		{"Empty", "", pdfKind, "allegato.pdf"},
		{"Spaces", "   ", pdfKind, "allegato.pdf"},
		{"TrailingDotsAndSpaces", "nota. . .pdf", pdfKind, "nota.pdf"},
		{"WindowsDevice", "CON.pdf", pdfKind, "_CON.pdf"},
		{"WindowsDeviceWithDots", "aux.tar.pdf", pdfKind, "_aux.tar.pdf"},
		{"Unicode", "Certificato di nascita – Zoë 日本.pdf", pdfKind, "Certificato di nascita – Zoë 日本.pdf"},
		{"InvalidUTF8", "\xff\xfe.pdf", pdfKind, "_.pdf"},
		{"ExtensionOfAnotherType", "scansione.pdf", jpegKind, "scansione.pdf.jpg"},
		{"AlternativeExtension", "foto.JPEG", jpegKind, "foto.jpeg"},
		{"SignedDocument", "contratto.pdf.p7m", p7mKind, "contratto.pdf.p7m"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sanitizeName(tt.declared, tt.k); got != tt.want {
				t.Fatalf("sanitizeName(%q): got %q, want %q", tt.declared, got, tt.want)
			}
		})
	}
}

func TestSanitizeNameBoundsTheLength(t *testing.T) {
	pdfKind, _ := kindOf("application/pdf")
	for _, declared := range []string{
		strings.Repeat("a", 1000) + ".pdf",
		strings.Repeat("è", 1000) + ".pdf",
		strings.Repeat("日", 1000),
		strings.Repeat("a", 148) + ".....pdf",
	} {
		got := sanitizeName(declared, pdfKind)
		if len(got) > MaxNameBytes || !utf8.ValidString(got) || !strings.HasSuffix(got, ".pdf") || strings.HasSuffix(got, "..pdf") {
			t.Errorf("got %q (%d bytes), want valid UTF-8 of at most %d bytes ending in one .pdf", got, len(got), MaxNameBytes)
		}
	}
}

func TestKindsMatchTheirBytes(t *testing.T) {
	oid := "\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02"
	tests := []struct {
		name      string
		mediaType string
		head      string
		want      bool
	}{
		{"PDF", "application/pdf", "%PDF-1.4\n", true},
		{"PDFWithoutVersion", "application/pdf", "%PDF", false},
		{"JPEG", "image/jpeg", "\xff\xd8\xff\xe1", true},
		{"JPEGTruncated", "image/jpeg", "\xff\xd8", false},
		{"PNG", "image/png", "\x89PNG\r\n\x1a\n", true},
		{"PNGMangledLineEnds", "image/png", "\x89PNG\n\x1a\n", false},
		{"P7MIndefiniteLength", "application/pkcs7-mime", "\x30\x80" + oid, true},
		{"P7MOneByteLength", "application/pkcs7-mime", "\x30\x81\xf0" + oid, true},
		{"P7MTwoByteLength", "application/pkcs7-mime", "\x30\x82\x10\x00" + oid, true},
		{"P7MFourByteLength", "application/pkcs7-mime", "\x30\x84\x00\x10\x00\x00" + oid, true},
		{"P7MShortLength", "application/pkcs7-mime", "\x30\x13" + oid, false},
		{"P7MOtherContent", "application/pkcs7-mime", "\x30\x82\x10\x00\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x01", false},
		{"P7MBase64", "application/pkcs7-mime", "MIAGCSqGSIb3DQEHAqCA", false},
		{"Empty", "application/pdf", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, ok := kindOf(tt.mediaType)
			if !ok {
				t.Fatalf("no kind %q", tt.mediaType)
			}
			if got := k.match([]byte(tt.head)); got != tt.want {
				t.Fatalf("match(% x): got %v, want %v", tt.head, got, tt.want)
			}
		})
	}
}

func TestHumanSize(t *testing.T) {
	for n, want := range map[int64]string{500: "500 byte", 2048: "2 KB", 10 << 20: "10 MB", 3<<20 + 1<<19: "3,5 MB"} {
		if got := humanSize(n); got != want {
			t.Errorf("humanSize(%d): got %q, want %q", n, got, want)
		}
	}
}
