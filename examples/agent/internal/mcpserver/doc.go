// Package mcpserver is the agent's Model Context Protocol server ("agent
// mcp"), built on the official Go SDK (github.com/modelcontextprotocol/go-sdk):
// adpilot as tools for AI assistants, with the safeguards that raw Graph
// API tools lack.
//
// Read tools, each with a typed input and output schema, answer from one
// analysis pass per account (runner.Pass: the Dataset, statistics, the
// rules' dry run, signals and the analyzer's ranked recommendations),
// cached for Config.CacheTTL so every tool quotes the same numbers:
// list_accounts, account_summary (statistics of each level over a
// window), list_entities (campaigns, ad sets or ads with their status,
// budget, learning stage and metrics), get_signals, latest_report and
// explain_decision (a decision's evidence and every safeguard's verdict).
//
// Changes go through the rules executor only. propose_change turns the
// change an assistant asks for into a one-rule document (rule ids
// mcp-budget, mcp-bid, mcp-pause, mcp-unpause) with the operator's
// Safeguards (step and weekly caps, budget floor and ceiling, cooldown),
// the default library's learning freeze, the daily change cap and the
// kill switch, evaluates it on the account's snapshot with the ledger's
// history, and stores the proposal under the decision's deterministic id
// (asking for the same change again keeps the proposal, unless the stored
// one asked for a value a safeguard clamps and the new one does not).
// A value a safeguard would clamp is refused (check exact_value): an
// assistant applies what it showed the person or nothing. Adopting a
// decision of the pass (decision_id) uses that rule's own safeguards.
// apply_change evaluates the stored proposal again against the ledger and
// the kill switch as they are then, and runs rules.Executor with
// metaactuator and the database ledger: the ledger's claim makes a retried
// or concurrent apply a no-op (already_applied); a proposal whose entity
// the ledger shows changed on newer data than the proposal's is refused
// (stale: the safeguards judged it on the ledger up to its data), and
// metaactuator writes nothing when the budget changed since the proposal
// (stale). Applying is
// off unless Config.Apply, and every tool checks that the account is one
// the credentials allow. Each change tool call is an audit entry (tool,
// session, client, arguments, outcome) in the store.
//
// Errors are tool errors whose first word is a code (CodeNeedsReconnect,
// CodeRateLimited with the wait, CodeBlocked naming each safeguard,
// CodeReadOnly, ...) and whose message says what to do. No token reaches
// an output, an error or a log record: the credential sources and the
// Graph client keep them out of every error, and no tool takes or returns
// one.
//
// Resources: adpilot://accounts/{account}/report.md (and report.json), the
// report of the server's pass, and stored-report.md, the agent's latest
// stored run. Prompt: weekly_review. Server.Serve runs a session on stdio;
// Server.Handler is the streamable HTTP handler (the SDK's DNS-rebinding
// protection plus cross-origin protection), for loopback addresses only.
package mcpserver
