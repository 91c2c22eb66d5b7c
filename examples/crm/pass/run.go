package pass

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/adpilot/adpilot/analysis"
	"github.com/adpilot/adpilot/examples/crm/store"
	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/rules"
)

// Clients gives the Graph client acting for one user (store.UserKey): its
// token provider serves only that user's connections.
type Clients interface {
	For(user string) (*metaads.Client, error)
}

// HistoryWindow is how far back the user's rules ledger is fed to a pass
// or an evaluation (longer than the longest cooldown and window).
const HistoryWindow = 45 * 24 * time.Hour

// Runner runs the pass for the CRM's users and stores the reports.
type Runner struct {
	Store   *store.Store
	Clients Clients
	// Signals computes the pass's signals (package analysis/signals);
	// nil runs the pass without them.
	Signals analysis.SignalFunc
	// Collect tunes what the pass reads (lookback, hourly range, when to
	// use asynchronous report runs).
	Collect analysis.CollectOptions
	Logger  *slog.Logger
	Now     func() time.Time
}

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// Analyze runs the pass (analysis.Run: collect, snapshot, a dry run of the
// default rules for the account's goals with the user's ledger as history,
// signals, the heuristic analyzer) on one account of a user and stores its
// report for period. A
// report already stored for the period is not an error: the pass ran.
func (r *Runner) Analyze(ctx context.Context, userID int64, account metaads.AccountID, period string) error {
	acct, err := r.Store.Account(ctx, userID, account)
	if err != nil {
		return err // not the user's (any more): nothing to do
	}
	client, err := r.Clients.For(store.UserKey(userID))
	if err != nil {
		return err
	}
	now := r.now()
	hist, err := rules.History(ctx, r.Store.Ledger(userID), now.Add(-HistoryWindow))
	if err != nil {
		return err
	}
	// The account's goals bind the default rules to its currency and
	// conversion event; without a target CPA or ROAS the rules that judge
	// conversions are left out. Goals in another currency than the one
	// Meta reports the account in are refused (analysis.ErrCurrencyMismatch).
	rep, err := analysis.Run(ctx, client, account, analysis.RunOptions{Collect: r.Collect, Goals: acct.Goals, History: hist, Signals: r.Signals, Now: r.Now})
	if err != nil {
		return fmt.Errorf("pass: %s: %w", account, err)
	}
	body, err := json.Marshal(Body{Report: rep, Trend: TrendOf(rep.Dataset), Goals: acct.Goals, Events: EventsOf(rep.Dataset)})
	if err != nil {
		return fmt.Errorf("pass: encoding the report of %s: %w", account, err)
	}
	summary := ""
	if rep.Result != nil {
		summary = firstSentence(rep.Result.Summary, 300)
	}
	err = r.Store.SaveReport(ctx, &store.Report{UserID: userID, Account: account, Period: period,
		Summary: summary, Markdown: rep.Markdown(), Body: string(body)})
	if errors.Is(err, store.ErrConflict) {
		return nil
	}
	if err == nil && r.Logger != nil {
		r.Logger.InfoContext(ctx, "pass: report stored", "user", userID, "account", account.String(), "period", period, "duration", rep.Duration)
	}
	return err
}

// Snapshot collects the account (without the hourly breakdown, which rules
// do not read) and returns its rules snapshot now; the caller adds History.
func (r *Runner) Snapshot(ctx context.Context, u *store.User, account metaads.AccountID) (*rules.Snapshot, error) {
	client, err := r.Clients.For(u.Key())
	if err != nil {
		return nil, err
	}
	co := r.Collect
	co.NoHourly, co.Now = true, r.Now
	ds, err := analysis.Collect(ctx, client, account, co)
	if err != nil {
		return nil, err
	}
	return ds.Snapshot(r.now())
}

// firstSentence cuts s after its first sentence, and at most n bytes.
func firstSentence(s string, n int) string {
	if i := strings.Index(s, ". "); i >= 0 {
		s = s[:i+1]
	}
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
