// Command agent is the adpilot multi-account optimization agent: it runs
// the optimization pass (package analysis) over every Meta ad account its
// credentials allow, with tokens from the example CRM's credentials API or
// a legacy accounts file, as jobs in a River queue on SQLite or PostgreSQL.
// "go run ./examples/agent -h" documents it; the README shows it against
// the demo CRM.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/adpilot/adpilot/examples/agent/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], cli.Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv})
	stop()
	os.Exit(code)
}
