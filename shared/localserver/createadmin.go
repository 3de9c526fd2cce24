package localserver

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/stanzaportal/stanza/shared/config"
	"github.com/stanzaportal/stanza/shared/operatore"
	"github.com/stanzaportal/stanza/shared/portal"
	"github.com/stanzaportal/stanza/shared/tenant"
)

// CreateAdmin is `stanza create-admin`: it creates an admin of a Comune in
// the store the configuration names (the embedded one in local mode,
// DynamoDB in production) and prints its initial password, once. A
// Comune's first admin can come from nowhere else, since there is no self
// sign-up. It sits beside Main because it reads the same configuration and
// opens the same portal as the server; the rules of accounts are package
// operatore's.
func CreateAdmin(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("stanza create-admin", flag.ContinueOnError)
	fs.SetOutput(stderr)
	tenantID := fs.String("tenant", "", "the Comune's id, e.g. esempio")
	username := fs.String("username", "", "the admin's username, e.g. mario.rossi")
	name := fs.String("name", "", "the admin's full name, e.g. \"Mario Rossi\"")
	email := fs.String("email", "", "the admin's email address")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 || *tenantID == "" || *username == "" || *name == "" || *email == "" {
		fs.Usage()
		return errors.New("create-admin takes -tenant, -username, -name and -email, all required")
	}
	cfg, err := config.FromEnv(getenv)
	if err != nil {
		return fmt.Errorf("configuration:\n%w\n\noptions:\n%s", err, config.Help())
	}
	if cfg.BaseURL == "" {
		// Nothing is served from here: signed links point where the server
		// listens.
		cfg.BaseURL = "http://" + cfg.Addr
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	p, err := portal.Open(ctx, cfg, log)
	if err != nil {
		if cfg.Mode == config.Local {
			return fmt.Errorf("opening the local store (if the local server is running, stop it first: it keeps the store's file locked): %w", err)
		}
		return err
	}
	defer p.Close()
	if _, err := tenant.NewDirectory(p.DB).Get(ctx, *tenantID); err != nil {
		return err
	}
	op, password, err := p.Operators.Create(ctx, operatore.NewOperator{
		Tenant: *tenantID, Username: *username, Name: *name, Email: *email, Role: operatore.RoleAdmin,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Admin %q created for the Comune %q.\n", op.Username, op.Tenant)
	fmt.Fprintf(stdout, "Initial password: %s\n", password)
	fmt.Fprintln(stdout, "It is not shown again. At the first sign-in the admin sets up the second factor with an authenticator app.")
	return nil
}
