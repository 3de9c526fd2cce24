// Command stanza runs the whole portal locally: see package localserver.
// `stanza create-admin` creates a Comune's admin instead: see
// localserver.CreateAdmin.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/stanzaportal/stanza/shared/localserver"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	if len(os.Args) > 1 && os.Args[1] == "create-admin" {
		err = localserver.CreateAdmin(ctx, os.Args[2:], os.Getenv, os.Stdout, os.Stderr)
	} else {
		err = localserver.Main(ctx, os.Getenv, os.Stderr)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "stanza:", err)
		os.Exit(1)
	}
}
