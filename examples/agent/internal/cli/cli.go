// Package cli is the agent's command line: run (one pass over the
// accounts), serve (passes on a schedule), accounts (what the credentials
// allow), report (a stored run's summary) and mcp (the agent as MCP tools
// for AI assistants, package mcpserver). Main is the whole program;
// main.go only passes it the process's arguments, streams, environment
// and signals.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/mattn/go-isatty"
)

// Exit codes.
const (
	ExitOK      = 0 // every account was analyzed
	ExitFailure = 1 // nothing was analyzed, or the run could not start or was interrupted
	ExitUsage   = 2 // bad flags, environment or files
	ExitPartial = 3 // some accounts were analyzed, others failed or need reconnecting
)

// Env is the process's outside world.
type Env struct {
	// Stdin is the input of "agent mcp" on stdio (nil: os.Stdin).
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Getenv reads the environment (nil: none).
	Getenv func(string) string
	// IsTerminal reports whether w is a terminal (nil: checks *os.File
	// with isatty).
	IsTerminal func(w io.Writer) bool

	// configure, set by tests, adjusts the parsed options.
	configure func(*options)
	// listening, set by tests, receives the address "agent mcp --http"
	// listens on.
	listening func(addr string)
}

func (e *Env) getenv(k string) string {
	if e.Getenv == nil {
		return ""
	}
	return e.Getenv(k)
}

func (e *Env) terminal(w io.Writer) bool {
	if e.IsTerminal != nil {
		return e.IsTerminal(w)
	}
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

const usage = `usage: agent <command> [flags]

The adpilot agent runs the optimization pass over many Meta ad accounts:
for each account it collects insights, computes statistics and signals,
evaluates the rules (a dry run unless --apply) and writes a report as JSON
and as Markdown or HTML. Accounts are jobs in a River queue on SQLite (one
machine, the default agent-data/agent.db) or PostgreSQL (several agent
processes share the accounts; a crashed process's accounts are finished by
another).

Commands:
  run       one pass over the accounts, then exit (exit code below)
  serve     passes on a schedule (--every 6h or --cron "0 */6 * * *") until stopped
  accounts  list the accounts the credentials allow
  report    print and write the summary of a stored run (--run KEY)
  mcp       serve the agent as MCP tools for AI assistants (stdio, or --http on loopback);
            read-only unless --apply, every change through the rules' safeguards and ledger
  help      this text; "agent <command> -h" lists a command's flags

Credentials (one or both):
  --crm-url URL with AGENT_SERVICE_TOKEN=adp_...   the CRM's credentials API: tokens are
        fetched per account when needed and cached until shortly before they expire;
        a token Meta refuses (error 190) is reported to the CRM for reconnection.
        Several CRM users: AGENT_SERVICE_TOKEN=adp_...,adp_... (comma-separated)
  --config FILE                                      the legacy accounts file (YAML or JSON)
        of account ids and tokens, or system-user tokens for several accounts

Exit codes:
  0  every account was analyzed (and, with --apply, its changes handled)
  1  nothing was analyzed, or the run could not start or was interrupted
  2  bad flags, environment or files
  3  partial: some accounts were analyzed, others failed or need reconnecting

Examples:
  AGENT_SERVICE_TOKEN=adp_... agent run --crm-url http://127.0.0.1:8080
  agent run --config accounts.yaml --accounts act_1,act_2 --format html
  agent run --config accounts.yaml --apply --target-cpa 3000 --gross-margin 0.5
  DATABASE_URL=postgres://agent:pw@db:5432/agent agent serve --crm-url https://crm.example.com --every 6h
  agent mcp --config accounts.yaml --target-cpa 3000 --gross-margin 0.5
`

// Main runs the agent with args (without the program name) and returns
// the exit code.
func Main(ctx context.Context, args []string, env Env) int {
	if env.Stdout == nil {
		env.Stdout = io.Discard
	}
	if env.Stderr == nil {
		env.Stderr = io.Discard
	}
	if len(args) == 0 {
		fmt.Fprint(env.Stderr, usage)
		return ExitUsage
	}
	var err error
	switch cmd, rest := args[0], args[1:]; cmd {
	case "help", "-h", "-help", "--help":
		fmt.Fprint(env.Stdout, usage)
		return ExitOK
	case "run":
		return runCmd(ctx, rest, &env)
	case "serve":
		err = serveCmd(ctx, rest, &env)
	case "accounts":
		err = accountsCmd(ctx, rest, &env)
	case "report":
		return reportCmd(ctx, rest, &env)
	case "mcp":
		err = mcpCmd(ctx, rest, &env)
	default:
		fmt.Fprintf(env.Stderr, "agent: unknown command %q\n\n%s", cmd, usage)
		return ExitUsage
	}
	return exitFor(err, &env)
}

// usageError is a problem with flags, environment or files.
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

func exitFor(err error, env *Env) int {
	if err == nil {
		return ExitOK
	}
	if errors.Is(err, flag.ErrHelp) {
		return ExitOK
	}
	fmt.Fprintln(env.Stderr, "agent:", err)
	var u usageError
	if errors.As(err, &u) {
		return ExitUsage
	}
	return ExitFailure
}

// splitList reads a comma-separated list.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
