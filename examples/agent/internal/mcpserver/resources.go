package mcpserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/adpilot/adpilot/examples/agent/internal/creds"
	"github.com/adpilot/adpilot/examples/agent/internal/store"
)

// Resource URIs: the latest report of an account as Markdown or JSON (the
// server's pass) and the report of the agent's latest stored run.
const (
	uriPrefix        = "adpilot://accounts/"
	suffixReport     = "/report.md"
	suffixReportJSON = "/report.json"
	suffixStored     = "/stored-report.md"
)

func (s *Server) addResources(accts []creds.Account) {
	for _, a := range accts {
		s.mcp.AddResource(&mcp.Resource{URI: uriPrefix + a.ID.String() + suffixReport, Name: "report-" + a.ID.String(), Title: "Report: " + orWord(a.Name, a.ID.String()),
			Description: "The latest analysis report of " + orWord(a.Name, a.ID.String()) + " (Markdown): totals, rule decisions, signals, ranked recommendations.", MIMEType: "text/markdown"}, s.readReport)
	}
	s.mcp.AddResourceTemplate(&mcp.ResourceTemplate{URITemplate: uriPrefix + "{account}" + suffixReport, Name: "account-report", Title: "Account report (Markdown)",
		Description: "The latest analysis report of an ad account, as Markdown.", MIMEType: "text/markdown"}, s.readReport)
	s.mcp.AddResourceTemplate(&mcp.ResourceTemplate{URITemplate: uriPrefix + "{account}" + suffixReportJSON, Name: "account-report-json", Title: "Account report (JSON)",
		Description: "The latest analysis report of an ad account as JSON (package analysis's Report: statistics, evaluation, signals, result).", MIMEType: "application/json"}, s.readReport)
	s.mcp.AddResourceTemplate(&mcp.ResourceTemplate{URITemplate: uriPrefix + "{account}" + suffixStored, Name: "account-stored-report", Title: "Account report of the agent's last run",
		Description: "The report of the latest agent run or serve pass stored for an ad account (Markdown).", MIMEType: "text/markdown"}, s.readReport)
}

func (s *Server) readReport(ctx context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
	uri := req.Params.URI
	rest, ok := strings.CutPrefix(uri, uriPrefix)
	if !ok {
		return nil, mcp.ResourceNotFoundError(uri)
	}
	account, suffix, ok := strings.Cut(rest, "/")
	if !ok {
		return nil, mcp.ResourceNotFoundError(uri)
	}
	acct, err := s.allowed(ctx, account)
	if err != nil {
		return nil, err
	}
	switch "/" + suffix {
	case suffixStored:
		r, err := s.cfg.Store.LatestReport(ctx, acct.ID.String())
		if errors.Is(err, store.ErrNotFound) {
			return nil, toolErrorf(CodeNotFound, "no agent run has stored a report of %s yet (agent run or serve writes them); %s%s%s is this server's pass", acct.ID, uriPrefix, acct.ID, suffixReport)
		}
		if err != nil {
			return nil, err
		}
		text := fmt.Sprintf("<!-- agent run %s, finished %s -->\n%s", r.RunKey, r.FinishedAt.Format("2006-01-02T15:04:05Z07:00"), r.Markdown)
		return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: uri, MIMEType: "text/markdown", Text: text}}}, nil
	case suffixReport, suffixReportJSON:
	default:
		return nil, mcp.ResourceNotFoundError(uri)
	}
	p, err := s.pass(ctx, acct, false)
	if err != nil {
		return nil, err
	}
	if "/"+suffix == suffixReport {
		return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: uri, MIMEType: "text/markdown", Text: p.rep.Markdown()}}}, nil
	}
	b, err := json.MarshalIndent(p.rep, "", "  ")
	if err != nil {
		return nil, err
	}
	return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: uri, MIMEType: "application/json", Text: string(b)}}}, nil
}

func (s *Server) addPrompts() {
	s.mcp.AddPrompt(&mcp.Prompt{Name: "weekly_review", Title: "Weekly account review",
		Description: "Review one ad account's last week with the tools: what changed against the week before, what the rules and signals found, and which changes to propose (nothing is applied without the person's confirmation).",
		Arguments:   []*mcp.PromptArgument{{Name: "account", Title: "Ad account", Description: "the ad account id (act_123), from list_accounts", Required: true}}},
		s.weeklyReview)
}

func (s *Server) weeklyReview(ctx context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
	acct, err := s.allowed(ctx, req.Params.Arguments["account"])
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if p := s.passes[acct.ID]; p != nil {
		acct.Name, acct.Currency = orWord(acct.Name, p.rep.Account.Name), orWord(acct.Currency, p.rep.Currency)
	}
	s.mu.Unlock()
	name := orWord(acct.Name, acct.ID.String())
	cur := orWord(acct.Currency, "the account currency")
	apply := "This server is read-only: list the proposals for the person to make; do not call apply_change."
	if s.cfg.Apply {
		apply = "Call apply_change only for a proposal the person confirms in this conversation, one at a time, and report its status."
	}
	text := fmt.Sprintf(`Review the Meta ad account %s (%s) for the last complete week.

1. Call account_summary for %[2]s with window last_7d, then with window previous_7d: compare spend, conversions, CPA, ROAS, CTR and frequency per level. Money is in minor units of %[3]s; say amounts in %[3]s.
2. Call latest_report for %[2]s: its recommendations are ranked; quote their evidence as given (each number with its window).
3. Call get_signals for %[2]s: time patterns, fatigue, pacing, overlap, benchmarks.
4. For each urgent or high recommendation that rests on a rule decision, call explain_decision with its id.
5. Write the review: what changed week over week, the three most important findings with their numbers, and what to do.
6. For each change worth making, call propose_change (adopt the decision_id of a rule decision, or give entity_id and action) with a one-sentence reason, and show its verdict: allowed or which safeguard blocks it and why.
%[4]s

Use only numbers from the tools' outputs; if a tool answers with an error, say what it means (needs_reconnect: the owner must reconnect the account; rate_limited: wait as it says).`, name, acct.ID, cur, apply)
	return &mcp.GetPromptResult{Description: "Weekly review of " + name,
		Messages: []*mcp.PromptMessage{{Role: "user", Content: &mcp.TextContent{Text: text}}}}, nil
}
