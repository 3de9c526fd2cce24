package pratica

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Bounds of the name search: a word is found from its first three letters
// on, which also name its index partition, and words are indexed by their
// first forty letters.
const (
	minNameSearch = 3
	maxNameWord   = 40
)

// foldAccents reads "Niccolò D'Agostino" as "Niccolo D'Agostino": people type
// names with and without accents.
var foldAccents = transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)

// nameWords returns the words of a name in lower case without accents,
// split at anything that is not a letter ("D'Agostino" is "d" and
// "agostino", "De Luca-Bianchi" three words).
func nameWords(name string) []string {
	folded, _, err := transform.String(foldAccents, name)
	if err != nil {
		folded = name
	}
	return strings.FieldsFunc(strings.ToLower(folded), func(r rune) bool { return !unicode.IsLetter(r) })
}

// namesMatch reports whether each searched word begins one of the name's
// words ("ross" and "mar" both match Mario Rossi).
func namesMatch(name, searched []string) bool {
	for _, s := range searched {
		if !slices.ContainsFunc(name, func(w string) bool { return strings.HasPrefix(w, s) }) {
			return false
		}
	}
	return len(searched) > 0
}

// truncate returns the first n letters of w.
func truncate(w string, n int) string {
	for i := range w {
		if n == 0 {
			return w[:i]
		}
		n--
	}
	return w
}

func byLength(a, b string) int { return utf8.RuneCountInString(a) - utf8.RuneCountInString(b) }
