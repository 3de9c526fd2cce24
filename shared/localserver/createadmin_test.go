package localserver

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"testing"

	"github.com/stanzaportal/stanza/shared/operatore"
	"github.com/stanzaportal/stanza/shared/portal"
)

// envFor is the environment of a local portal with its data in dir.
func envFor(dir string) func(string) string {
	return func(k string) string {
		return map[string]string{"STANZA_ADDR": "127.0.0.1:0", "STANZA_DATA_DIR": dir}[k]
	}
}

// seededDir returns a data directory where the local server has run once,
// seeding the demo Comune, and has stopped.
func seededDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	s, err := Open(context.Background(), testConfig(t, dir), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

var onePassword = regexp.MustCompile(`(?m)^Initial password: (\S+)$`)

func TestCreateAdmin(t *testing.T) {
	dir := seededDir(t)
	ctx := context.Background()
	args := []string{"-tenant", "esempio", "-username", "mario.rossi", "-name", "Mario Rossi", "-email", "mario.rossi@comune-esempio.example.org"}
	var out, errOut bytes.Buffer
	if err := CreateAdmin(ctx, args, envFor(dir), &out, &errOut); err != nil {
		t.Fatalf("CreateAdmin: %v (%s)", err, errOut.String())
	}
	m := onePassword.FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("got output %q, want the initial password", out.String())
	}

	// The new admin signs in with it, against the same store and secret,
	// and enrols the second factor.
	cfg := testConfig(t, dir)
	cfg.BaseURL = "http://127.0.0.1"
	p, err := portal.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	op, err := p.Operators.Get(ctx, "esempio", "mario.rossi")
	if err != nil || op.Role != operatore.RoleAdmin || op.Name != "Mario Rossi" {
		t.Errorf("got %+v, %v; want admin Mario Rossi", op, err)
	}
	next, err := p.Operators.SignIn(ctx, "esempio", "127.0.0.1", "mario.rossi", m[1])
	if err != nil || next.Step != operatore.StepEnrol {
		t.Errorf("sign-in with the printed password: got %+v, %v; want the enrolment step", next, err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}

	out.Reset()
	err = CreateAdmin(ctx, args, envFor(dir), &out, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "già in uso") || out.Len() != 0 {
		t.Errorf("same username again: got %v, output %q; want a conflict and no password", err, out.String())
	}
}

func TestCreateAdminRefuses(t *testing.T) {
	dir := seededDir(t)
	tests := []struct {
		name   string
		args   []string
		wantIn string
	}{
		{"ErrMissingEmail", []string{"-tenant", "esempio", "-username", "anna", "-name", "Anna"}, "all required"},
		{"ErrUnknownFlag", []string{"-tenant", "esempio", "-role", "root"}, "not defined"},
		{"ErrExtraArgument", []string{"-tenant", "esempio", "-username", "anna", "-name", "Anna", "-email", "anna@comune-esempio.example.org", "now"}, "all required"},
		{"ErrUnknownComune", []string{"-tenant", "atlantide", "-username", "anna", "-name", "Anna", "-email", "anna@comune-esempio.example.org"}, "non esiste"},
		{"ErrBadUsername", []string{"-tenant", "esempio", "-username", "Anna Verdi", "-name", "Anna", "-email", "anna@comune-esempio.example.org"}, "non è valido"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := CreateAdmin(context.Background(), tt.args, envFor(dir), &out, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.wantIn) || out.Len() != 0 {
				t.Errorf("got %v, output %q; want an error with %q and no output", err, out.String(), tt.wantIn)
			}
		})
	}
}

// TestCreateAdminWhileServerRuns: the embedded store's file is locked by
// the running server; the command says to stop it.
func TestCreateAdminWhileServerRuns(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(context.Background(), testConfig(t, dir), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	args := []string{"-tenant", "esempio", "-username", "anna", "-name", "Anna", "-email", "anna@comune-esempio.example.org"}
	err = CreateAdmin(context.Background(), args, envFor(dir), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "stop it first") {
		t.Errorf("got %v, want an error that says to stop the local server", err)
	}
}
