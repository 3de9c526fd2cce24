package allegato

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
)

// kind is a type of file the portal admits. Only these exist: a service's
// policy picks among them, and the bytes of each upload must show one.
type kind struct {
	mediaType string
	exts      []string // the first is the one added to a name without it
	label     string   // as citizens know it
	match     func(head []byte) bool
}

var kinds = []kind{
	{"application/pdf", []string{".pdf"}, "PDF", prefix("%PDF-")},
	{"image/jpeg", []string{".jpg", ".jpeg"}, "JPEG", prefix("\xff\xd8\xff")},
	{"image/png", []string{".png"}, "PNG", prefix("\x89PNG\r\n\x1a\n")},
	{"application/pkcs7-mime", []string{".p7m"}, "P7M (firmato digitalmente)", signedData},
}

// headBytes is how much of a file its type is read from: enough for the
// longest signature, a PKCS#7 header with a four-byte length.
const headBytes = 32

func kindOf(mediaType string) (kind, bool) {
	i := slices.IndexFunc(kinds, func(k kind) bool { return k.mediaType == mediaType })
	if i < 0 {
		return kind{}, false
	}
	return kinds[i], true
}

func prefix(magic string) func([]byte) bool {
	return func(head []byte) bool { return bytes.HasPrefix(head, []byte(magic)) }
}

// signedDataOID is the DER encoding of the OID 1.2.840.113549.1.7.2
// (PKCS#7 signedData), which a .p7m's ContentInfo names first.
var signedDataOID = []byte{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02}

// signedData reports whether head starts a DER (or BER, indefinite length)
// PKCS#7 signedData: a SEQUENCE whose first element is that OID. A bare
// 0x30 would let any DER structure through, a certificate for one.
func signedData(head []byte) bool {
	if len(head) < 2 || head[0] != 0x30 {
		return false
	}
	var off int
	switch l := head[1]; {
	case l == 0x80: // indefinite length, as signing tools that stream write
		off = 2
	case l >= 0x81 && l <= 0x84:
		off = 2 + int(l&0x7f)
	default: // a short length: too small for a signed document
		return false
	}
	return len(head) > off && bytes.HasPrefix(head[off:], signedDataOID)
}

// typeList names the kinds of mediaTypes for a message, e.g. "PDF, PNG".
func typeList(mediaTypes []string) string {
	var labels []string
	for _, mt := range mediaTypes {
		if k, ok := kindOf(mt); ok {
			labels = append(labels, k.label)
		}
	}
	return strings.Join(labels, ", ")
}

// humanSize writes n bytes as a citizen reads a size limit.
func humanSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<20:
		return strings.Replace(fmt.Sprintf("%.1f MB", float64(n)/(1<<20)), ".", ",", 1)
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d byte", n)
}
