// Package report writes what the agent did: for each account the analysis
// report with the account's outcome (what ran, what was applied, what
// failed) as JSON for programs and as Markdown or HTML for people, and for
// each run a summary of every account with the exit status it implies.
package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"

	"github.com/adpilot/adpilot/analysis"
	"github.com/adpilot/adpilot/examples/agent/internal/runner"
	"github.com/adpilot/adpilot/examples/agent/internal/store"
)

// Format is the format of the reports for people.
type Format string

// Formats.
const (
	Markdown Format = "markdown"
	HTML     Format = "html"
)

// ParseFormat reads "markdown" (or "md") and "html".
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(s) {
	case "markdown", "md":
		return Markdown, nil
	case "html":
		return HTML, nil
	}
	return "", fmt.Errorf("report format %q: want markdown or html", s)
}

// Ext is the file extension of the format.
func (f Format) Ext() string {
	if f == HTML {
		return ".html"
	}
	return ".md"
}

// Account is the JSON document of one account's pass.
type Account struct {
	Outcome *runner.Outcome  `json:"outcome"`
	Report  *analysis.Report `json:"report,omitempty"`
}

// AccountJSON encodes an account's outcome and report.
func AccountJSON(o *runner.Outcome) ([]byte, error) {
	b, err := json.MarshalIndent(Account{Outcome: o, Report: o.Report}, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("report: encoding %s: %w", o.Account, err)
	}
	return append(b, '\n'), nil
}

// AccountMarkdown renders an account's outcome and, when the pass ran,
// its analysis report.
func AccountMarkdown(o *runner.Outcome) string {
	var b strings.Builder
	title := o.Account
	if o.Name != "" {
		title = o.Name + " (" + o.Account + ")"
	}
	fmt.Fprintf(&b, "# %s: %s\n\n", title, statusWords(o.Status))
	fmt.Fprintf(&b, "- Started %s, took %s, %d Graph calls\n", o.Started.UTC().Format(time.RFC3339), o.Duration.Round(time.Millisecond), o.GraphCalls)
	if o.Error != "" {
		fmt.Fprintf(&b, "- Error: %s\n", o.Error)
	}
	if o.Reconnect != nil {
		if o.Reconnect.Reported {
			fmt.Fprintf(&b, "- Reported to the CRM for reconnection (state %s): %s\n", o.Reconnect.State, o.Reconnect.Message)
		} else {
			fmt.Fprintf(&b, "- %s\n", o.Reconnect.Message)
		}
	}
	if o.Execution != nil || len(o.Changes) > 0 {
		fmt.Fprintf(&b, "\n## Changes (--apply)\n\n%d applied, %d failed, %d decisions in all.\n\n", o.Applied, o.Failed, len(o.Changes))
		if len(o.Changes) > 0 {
			b.WriteString("| decision | outcome | |\n|---|---|---|\n")
			for _, c := range o.Changes {
				note := c.Error
				if c.Skipped {
					note = "already in the ledger: not applied again"
				}
				fmt.Fprintf(&b, "| %s | %s | %s |\n", cell(c.Summary), c.Outcome, cell(note))
			}
		}
		for _, n := range o.Notifications {
			fmt.Fprintf(&b, "\n> %s\n", n)
		}
	}
	if o.Report != nil {
		b.WriteString("\n")
		md := o.Report.Markdown()
		// The account's title is ours; demote the report's headings one level.
		md = strings.ReplaceAll("\n"+md, "\n#", "\n##")[1:]
		b.WriteString(md)
	}
	return b.String()
}

func cell(s string) string { return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s) }

func statusWords(s store.Status) string {
	switch s {
	case store.StatusOK:
		return "analyzed"
	case store.StatusNeedsReconnect:
		return "needs reconnecting"
	}
	return "failed"
}

var page = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>body{font:15px/1.45 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left}code{background:#f3f3f3}</style>
</head><body>
{{.Body}}
</body></html>
`))

var md = goldmark.New(goldmark.WithExtensions(extension.Table))

// ToHTML renders a Markdown report as a standalone HTML page. Raw HTML in
// the Markdown (names of campaigns are data) is left out, never passed
// through (goldmark's default).
func ToHTML(title, markdown string) ([]byte, error) {
	var body bytes.Buffer
	if err := md.Convert([]byte(markdown), &body); err != nil {
		return nil, fmt.Errorf("report: rendering HTML: %w", err)
	}
	var out bytes.Buffer
	if err := page.Execute(&out, map[string]any{"Title": title, "Body": template.HTML(body.String())}); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// Run is the summary of one run over many accounts.
type Run struct {
	// Key is the run key: the schedule slot, or a one-shot run's id.
	Key      string            `json:"run"`
	Source   string            `json:"source"`
	Apply    bool              `json:"apply"`
	Started  time.Time         `json:"started"`
	Finished time.Time         `json:"finished"`
	Accounts []*runner.Outcome `json:"accounts"`
	// OK, Failed and NeedsReconnect count the accounts by status.
	OK             int `json:"ok"`
	Failed         int `json:"failed"`
	NeedsReconnect int `json:"needs_reconnect"`
	// GraphCalls is the sum over the accounts.
	GraphCalls int `json:"graph_calls"`
}

// Tally fills the counts from Accounts.
func (r *Run) Tally() {
	r.OK, r.Failed, r.NeedsReconnect, r.GraphCalls = 0, 0, 0, 0
	for _, o := range r.Accounts {
		switch o.Status {
		case store.StatusOK:
			r.OK++
		case store.StatusNeedsReconnect:
			r.NeedsReconnect++
		default:
			r.Failed++
		}
		r.GraphCalls += o.GraphCalls
	}
}

// Markdown renders the run summary.
func (r *Run) Markdown() string {
	var b strings.Builder
	mode := "dry run"
	if r.Apply {
		mode = "--apply"
	}
	fmt.Fprintf(&b, "# Agent run %s\n\n- %s, %s\n- %s to %s (%s)\n- %d accounts: %d analyzed, %d need reconnecting, %d failed; %d Graph calls\n\n",
		r.Key, r.Source, mode, r.Started.UTC().Format(time.RFC3339), r.Finished.UTC().Format(time.RFC3339),
		r.Finished.Sub(r.Started).Round(time.Millisecond), len(r.Accounts), r.OK, r.NeedsReconnect, r.Failed, r.GraphCalls)
	b.WriteString("| account | status | recommendations (urgent) | decisions (allowed) | applied | Graph calls | |\n|---|---|---|---|---|---|---|\n")
	for _, o := range r.Accounts {
		name := o.Account
		if o.Name != "" {
			name = cell(o.Name) + " " + o.Account
		}
		fmt.Fprintf(&b, "| %s | %s | %d (%d) | %d (%d) | %d | %d | %s |\n", name, o.Status, o.Recommendations, o.Urgent, o.Decisions, o.Allowed, o.Applied, o.GraphCalls, cell(o.Error))
	}
	return b.String()
}

// Writer writes reports under Dir: Dir/{run}/{account}.json and
// .md or .html, and Dir/{run}/run.json and run.md or .html.
type Writer struct {
	Dir    string
	Format Format
}

func safe(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '-'
	}, s)
}

// File writes one file of a run under Dir and returns its path.
func (w *Writer) File(run, name string, data []byte) (string, error) {
	return w.write(run, safe(name), data)
}

func (w *Writer) write(run, name string, data []byte) (string, error) {
	dir := filepath.Join(w.Dir, safe(run))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("report: %w", err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		return "", fmt.Errorf("report: %w", err)
	}
	return p, nil
}

func (w *Writer) people(title, markdown string) ([]byte, error) {
	if w.Format == HTML {
		return ToHTML(title, markdown)
	}
	return []byte(markdown), nil
}

// Account writes an account's JSON and its report for people, and returns
// the paths.
func (w *Writer) Account(run string, o *runner.Outcome) ([]string, error) {
	js, err := AccountJSON(o)
	if err != nil {
		return nil, err
	}
	p1, err := w.write(run, safe(o.Account)+".json", js)
	if err != nil {
		return nil, err
	}
	doc, err := w.people(o.Account, AccountMarkdown(o))
	if err != nil {
		return nil, err
	}
	p2, err := w.write(run, safe(o.Account)+w.Format.Ext(), doc)
	if err != nil {
		return nil, err
	}
	return []string{p1, p2}, nil
}

// Run writes the run summary and returns the paths.
func (w *Writer) Run(r *Run) ([]string, error) {
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, err
	}
	p1, err := w.write(r.Key, "run.json", append(js, '\n'))
	if err != nil {
		return nil, err
	}
	doc, err := w.people("Agent run "+r.Key, r.Markdown())
	if err != nil {
		return nil, err
	}
	p2, err := w.write(r.Key, "run"+w.Format.Ext(), doc)
	if err != nil {
		return nil, err
	}
	return []string{p1, p2}, nil
}
