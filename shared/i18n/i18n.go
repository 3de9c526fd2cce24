// Package i18n translates user-facing text. Italian is the source language:
// every message is written in Italian in the code, and that Italian text is
// the key of its translations (as gettext does), so a missing translation
// still shows a correct Italian message.
package i18n

import (
	"fmt"
	"net/http"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
)

// Supported lists the languages of the portal, Italian first (the fallback).
var Supported = []language.Tag{language.Italian, language.English}

var (
	matcher = language.NewMatcher(Supported)
	cat     = newCatalog()
)

func newCatalog() *catalog.Builder {
	b := catalog.NewBuilder(catalog.Fallback(language.Italian))
	for it, en := range english {
		if err := b.SetString(language.English, it, en); err != nil {
			panic(fmt.Sprintf("i18n: %q: %v", it, err))
		}
	}
	return b
}

// Negotiate picks the language of a request: the "lang" query parameter
// when it names a supported language, else the Accept-Language header, else
// Italian.
func Negotiate(r *http.Request) language.Tag {
	if lang := r.URL.Query().Get("lang"); lang != "" {
		if t, err := language.Parse(lang); err == nil {
			if _, i, c := matcher.Match(t); c != language.No {
				return Supported[i]
			}
		}
	}
	tags, _, err := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	if err != nil || len(tags) == 0 {
		return language.Italian
	}
	_, i, c := matcher.Match(tags...)
	if c == language.No {
		return language.Italian
	}
	return Supported[i]
}

// Sprintf formats the Italian message msg in lang.
func Sprintf(lang language.Tag, msg string, args ...any) string {
	return message.NewPrinter(lang, message.Catalog(cat)).Sprintf(msg, args...)
}

// Translated reports whether msg has an English translation; tests use it to
// keep the catalogue complete.
func Translated(msg string) bool {
	_, ok := english[msg]
	return ok
}
