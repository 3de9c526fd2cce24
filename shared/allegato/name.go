package allegato

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxNameBytes bounds a sanitised name: well under the 255 bytes of common
// file systems, so that the name survives a download on any of them.
const MaxNameBytes = 150

// windowsReserved are the device names Windows refuses as file names,
// whatever the extension.
var windowsReserved = map[string]bool{
	"CON": true, "PRN": true, "AUX": true, "NUL": true,
	"COM1": true, "COM2": true, "COM3": true, "COM4": true, "COM5": true, "COM6": true, "COM7": true, "COM8": true, "COM9": true,
	"LPT1": true, "LPT2": true, "LPT3": true, "LPT4": true, "LPT5": true, "LPT6": true, "LPT7": true, "LPT8": true, "LPT9": true,
}

// sanitizeName returns the name under which a file of kind k is shown and
// downloaded, from the name the citizen's browser declared. The name is
// only ever displayed (storage keys are random ids), but it reaches other
// people's computers: an operator saves it, a browser offers it. So it
// keeps the last path segment only, drops control and bidirectional
// formatting characters (U+202E turns "fdp.exe" into a lookalike of a
// PDF), replaces characters that file systems reserve, removes leading dots
// and trailing dots and spaces, defuses Windows device names, bounds the
// length on a character boundary, and ends with an extension of k, added
// when the name has none of them. Letters of any script are kept.
func sanitizeName(declared string, k kind) string {
	name := strings.ToValidUTF8(declared, "_")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	var sb strings.Builder
	space := false
	for _, r := range name {
		switch {
		case unicode.IsSpace(r): // tabs and line breaks too: one space
			space = true
			continue
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			continue
		case strings.ContainsRune(`<>:"|?*`, r):
			r = '_'
		}
		if space && sb.Len() > 0 {
			sb.WriteByte(' ')
		}
		space = false
		sb.WriteRune(r)
	}
	name = strings.TrimRight(strings.TrimLeft(sb.String(), ". "), ". ")

	stem, ext := name, ""
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		for _, e := range k.exts {
			if strings.EqualFold(name[i:], e) {
				stem, ext = name[:i], strings.ToLower(name[i:])
			}
		}
	}
	if ext == "" {
		ext = k.exts[0]
	}
	stem = strings.TrimRight(stem, ". ")
	if base, _, _ := strings.Cut(stem, "."); windowsReserved[strings.ToUpper(base)] {
		stem = "_" + stem
	}
	for len(stem)+len(ext) > MaxNameBytes {
		_, size := utf8.DecodeLastRuneInString(stem)
		stem = stem[:len(stem)-size]
	}
	stem = strings.TrimRight(stem, ". ")
	if stem == "" {
		stem = "allegato"
	}
	return stem + ext
}
