package i18n

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/text/language"
)

func TestNegotiate(t *testing.T) {
	tests := []struct {
		name, target, accept string
		want                 language.Tag
	}{
		{"DefaultItalian", "/", "", language.Italian},
		{"AcceptEnglish", "/", "en-GB,en;q=0.9", language.English},
		{"AcceptItalianFirst", "/", "it-IT,en;q=0.5", language.Italian},
		{"UnsupportedFallsBackToItalian", "/", "de-DE", language.Italian},
		{"QueryWins", "/?lang=en", "it", language.English},
		{"BadQueryIgnored", "/?lang=%%%", "en", language.English},
		{"MalformedHeader", "/", ";;;q=x", language.Italian},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", tt.target, nil)
			if tt.accept != "" {
				r.Header.Set("Accept-Language", tt.accept)
			}
			if got := Negotiate(r); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSprintf(t *testing.T) {
	msg := "Il Comune %q non esiste su questo portale."
	if got, want := Sprintf(language.Italian, msg, "x"), `Il Comune "x" non esiste su questo portale.`; got != want {
		t.Errorf("Italian: got %q, want %q", got, want)
	}
	if got, want := Sprintf(language.English, msg, "x"), `The Comune "x" does not exist on this portal.`; got != want {
		t.Errorf("English: got %q, want %q", got, want)
	}
	if got, want := Sprintf(language.English, "Frase senza traduzione"), "Frase senza traduzione"; got != want {
		t.Errorf("untranslated: got %q, want the Italian %q", got, want)
	}
}

// internal messages name their package ("store: ...") and are not shown
// as such to citizens; every other message must be translated.
var internalMessage = regexp.MustCompile(`^[a-z0-9]+: `)

// TestEveryMessageIsTranslated reads the source of shared/ and checks that
// each user-facing message given to fault.New, fault.Wrap or i18n.Sprintf
// has an English translation.
func TestEveryMessageIsTranslated(t *testing.T) {
	fset := token.NewFileSet()
	checked := 0
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			pkg, ok := sel.X.(*ast.Ident)
			if !ok {
				return true
			}
			arg := -1
			switch pkg.Name + "." + sel.Sel.Name {
			case "fault.New", "i18n.Sprintf":
				arg = 1
			case "fault.Wrap":
				arg = 2
			}
			if arg < 0 || len(call.Args) <= arg {
				return true
			}
			lit, ok := call.Args[arg].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			msg, _ := strconv.Unquote(lit.Value)
			if internalMessage.MatchString(msg) {
				return true
			}
			checked++
			if !Translated(msg) {
				t.Errorf("%s: no English translation of %q", fset.Position(lit.Pos()), msg)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 10 {
		t.Fatalf("only %d messages found: is the walk reading shared/?", checked)
	}
}
