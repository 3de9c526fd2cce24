package routes

import (
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestTableIsWellFormed(t *testing.T) {
	seen := map[string]bool{}
	mux := http.NewServeMux()
	for _, r := range Table {
		t.Run(r.Pattern(), func(t *testing.T) {
			if seen[r.Pattern()] {
				t.Fatal("duplicate route")
			}
			seen[r.Pattern()] = true
			if !slices.Contains([]string{"GET", "POST", "PUT", "PATCH", "DELETE"}, r.Method) {
				t.Errorf("method %q", r.Method)
			}
			if !strings.HasPrefix(r.Path, "/") || strings.HasSuffix(r.Path, "/") {
				t.Errorf("path %q must start and not end with /", r.Path)
			}
			if !slices.Contains(Functions, r.Function) {
				t.Errorf("unknown function %q", r.Function)
			}
			if r.Access == 0 || r.Summary == "" {
				t.Error("every route says who may call it and what it does")
			}
			for _, p := range r.Params() {
				if p == "" || strings.ContainsAny(p, "{}.+") {
					t.Errorf("parameter %q: only plain names, as API Gateway and ServeMux both read them", p)
				}
			}
			// ServeMux panics on a malformed or conflicting pattern.
			mux.HandleFunc(r.Pattern(), func(http.ResponseWriter, *http.Request) {})
		})
	}
}

func TestEveryFunctionHasAFolder(t *testing.T) {
	for _, f := range append(slices.Clone(Functions), "worker") {
		if _, err := os.Stat(filepath.Join("..", "..", "functions", string(f), "main.go")); err != nil {
			t.Errorf("function %s: %v", f, err)
		}
	}
}

func TestParams(t *testing.T) {
	r := Route{Method: "GET", Path: "/api/v1/tenants/{tenant}/services/{service}"}
	if got := r.Params(); !slices.Equal(got, []string{"tenant", "service"}) {
		t.Errorf("got %v, want [tenant service]", got)
	}
	if got := (Route{Path: "/api/v1/tenants"}).Params(); len(got) != 0 {
		t.Errorf("got %v, want none", got)
	}
}

func TestAccess(t *testing.T) {
	a := Citizen | Partner
	if !a.Has(Citizen) || !a.Has(Citizen|Partner) || a.Has(Operator) || a.Has(Citizen|Operator) {
		t.Errorf("Has is wrong for %s", a)
	}
	if got := a.String(); got != "citizen|partner" {
		t.Errorf("String: got %q", got)
	}
}
