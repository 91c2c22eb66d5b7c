package analysis

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/adpilot/adpilot/metrics"
	"github.com/adpilot/adpilot/rules"
)

// Format returns the figure's value in words for a report, money in the
// currency's major units with its code ("41.20 USD"), fractions as
// percentages ("1.24%"), ratios with two decimals ("2.50"), counts as
// integers ("12"), or with one decimal when they are not whole (an
// estimate of "0.7" conversions a day). An unknown currency code writes
// money as minor units.
func (f Figure) Format(currency string) string {
	return formatValue(f.Value, f.Unit, currency)
}

func formatValue(v float64, u metrics.Unit, currency string) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "n/a"
	}
	switch u {
	case metrics.UnitMoney:
		if cur, err := metrics.LookupCurrency(currency); err == nil {
			return cur.Format(int64(math.Round(v))) + " " + cur.Code()
		}
		return strconv.FormatFloat(math.Round(v), 'f', 0, 64) + " (minor units)"
	case metrics.UnitFraction:
		return strconv.FormatFloat(v*100, 'f', 2, 64) + "%"
	case metrics.UnitCount:
		if r := math.Round(v * 10); r != math.Round(v)*10 {
			return strconv.FormatFloat(r/10, 'f', 1, 64) // an estimate such as 0.7 conversions a day
		}
		return strconv.FormatFloat(math.Round(v), 'f', 0, 64)
	case metrics.UnitMilliseconds:
		return strconv.FormatFloat(v/1000, 'f', 1, 64) + " s"
	case metrics.UnitHours:
		return strconv.FormatFloat(v, 'f', 1, 64) + " h"
	case metrics.UnitDays:
		return strconv.FormatFloat(v, 'f', 1, 64) + " days"
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

// describe returns the figure as a report line: its Text when set, else
// name, value and period.
func (f Figure) describe(currency string) string {
	if f.Text != "" {
		return f.Text
	}
	var b strings.Builder
	b.WriteString(f.Name)
	b.WriteString(": ")
	b.WriteString(f.Format(currency))
	if f.Period != nil {
		fmt.Fprintf(&b, " (%s)", f.Period.words())
	}
	if f.Scope != "" {
		fmt.Fprintf(&b, ", %s", f.Scope)
	}
	return b.String()
}

// words returns the period as "last_7d, 2026-03-01 to 2026-03-07".
func (p *Period) words() string {
	days := p.Since.String()
	if p.Until != p.Since {
		days += " to " + p.Until.String()
	}
	if p.Window == "" {
		return days
	}
	return p.Window + ", " + days
}

func (f Figure) basisTag() string {
	switch f.Basis {
	case BasisEstimate:
		return " *(estimate" + methodSuffix(f.Method) + ")*"
	case BasisSetting:
		return " *(setting)*"
	case BasisGoal:
		return " *(goal)*"
	}
	return ""
}

func methodSuffix(m string) string {
	if m == "" {
		return ""
	}
	return ": " + m
}

// mdEscape keeps names from breaking Markdown structure: it escapes the
// characters that start emphasis, code, links and tables, and flattens
// newlines.
func mdEscape(s string) string {
	r := strings.NewReplacer("\\", "\\\\", "*", "\\*", "_", "\\_", "`", "\\`", "[", "\\[", "]", "\\]",
		"|", "\\|", "<", "&lt;", ">", "&gt;", "\r\n", " ", "\n", " ", "\r", " ")
	return r.Replace(s)
}

func (e EntityRef) words() string {
	name := e.Name
	if name == "" {
		name = e.ID
	}
	return fmt.Sprintf("%s %q (%s)", e.Level, name, e.ID)
}

// Markdown renders the result as a Markdown document: the summary, then
// each recommendation with its priority, entity, action, rationale,
// evidence (measured numbers with their windows), expected impact
// (estimates marked as such) and confidence, then the notes. Names taken
// from the data are escaped, so an ad named "**x**" cannot change the
// document's structure.
func (r *Result) Markdown() string {
	var b strings.Builder
	r.writeMarkdown(&b, "#")
	return b.String()
}

// writeMarkdown writes the result with headings starting at level h.
func (r *Result) writeMarkdown(b *strings.Builder, h string) {
	if r == nil {
		return
	}
	fmt.Fprintf(b, "%s Analysis\n\n", h)
	by := mdEscape(r.Analyzer)
	if r.Model != "" {
		by += " (" + mdEscape(r.Model) + ")"
	}
	fmt.Fprintf(b, "Analyzer: %s\n\n", by)
	if r.Summary != "" {
		b.WriteString(mdEscape(r.Summary))
		b.WriteString("\n\n")
	}
	if len(r.Recommendations) == 0 {
		b.WriteString("No recommendations: nothing needs doing.\n\n")
	}
	for _, rec := range r.Recommendations {
		fmt.Fprintf(b, "%s# %d. %s\n\n", h, rec.Rank, mdEscape(rec.Title))
		fmt.Fprintf(b, "- Priority: **%s** (%s)\n", rec.Priority, rec.Kind)
		fmt.Fprintf(b, "- Entity: %s\n", mdEscape(rec.Entity.words()))
		for _, rel := range rec.Related {
			fmt.Fprintf(b, "- Related: %s\n", mdEscape(rel.words()))
		}
		fmt.Fprintf(b, "- Action: %s\n", mdEscape(rec.Action.words(r.Currency)))
		fmt.Fprintf(b, "- Confidence: %s — %s\n\n", rec.Confidence.Level, mdEscape(rec.Confidence.Basis))
		if rec.Rationale != "" {
			b.WriteString(mdEscape(rec.Rationale))
			b.WriteString("\n\n")
		}
		if len(rec.Evidence) > 0 {
			b.WriteString("Evidence:\n\n")
			for _, f := range rec.Evidence {
				fmt.Fprintf(b, "- %s%s\n", mdEscape(f.describe(r.Currency)), f.basisTag())
			}
			b.WriteString("\n")
		}
		if rec.Impact.Summary != "" || len(rec.Impact.Estimates) > 0 {
			fmt.Fprintf(b, "Expected impact: %s\n\n", mdEscape(rec.Impact.Summary))
			for _, f := range rec.Impact.Estimates {
				fmt.Fprintf(b, "- %s%s\n", mdEscape(f.describe(r.Currency)), f.basisTag())
			}
			if len(rec.Impact.Estimates) > 0 {
				b.WriteString("\n")
			}
		}
		if len(rec.Sources) > 0 {
			parts := make([]string, len(rec.Sources))
			for i, s := range rec.Sources {
				parts[i] = s.Kind + " " + s.ID
			}
			fmt.Fprintf(b, "Sources: %s\n\n", mdEscape(strings.Join(parts, ", ")))
		}
	}
	if len(r.Notes) > 0 {
		fmt.Fprintf(b, "%s# Notes\n\n", h)
		for _, n := range r.Notes {
			fmt.Fprintf(b, "- %s\n", mdEscape(n))
		}
		b.WriteString("\n")
	}
	if len(r.Failures) > 0 || len(r.Dropped) > 0 {
		fmt.Fprintf(b, "%s# Checks\n\n", h)
		for _, f := range r.Failures {
			fmt.Fprintf(b, "- Analyzer %s failed: %s\n", mdEscape(f.Analyzer), mdEscape(f.Error))
		}
		for _, d := range r.Dropped {
			what := d.Part
			if d.Title != "" {
				what += " " + strconv.Quote(d.Title)
			}
			for _, why := range d.Reasons {
				fmt.Fprintf(b, "- Dropped %s (%s): %s\n", mdEscape(what), why.Check, mdEscape(why.Detail))
			}
		}
		b.WriteString("\n")
	}
	if r.Usage != nil {
		fmt.Fprintf(b, "Token usage: %d input, %d output in %d calls.\n\n", r.Usage.InputTokens, r.Usage.OutputTokens, r.Usage.Calls)
	}
}

// words returns the action in words ("scale_budget by -20% (150.00 USD to
// 120.00 USD)").
func (a Action) words(currency string) string {
	var b strings.Builder
	b.WriteString(string(a.Type))
	if a.Percent != 0 {
		fmt.Fprintf(&b, " by %+.0f%%", a.Percent)
	}
	if a.From != 0 || a.To != 0 {
		fmt.Fprintf(&b, " (%s to %s)", formatValue(float64(a.From), metrics.UnitMoney, currency), formatValue(float64(a.To), metrics.UnitMoney, currency))
	}
	if a.Detail != "" {
		b.WriteString(": ")
		b.WriteString(a.Detail)
	}
	return b.String()
}

// Markdown renders the report as a Markdown document: the account and the
// time of the pass, how the data was read, the totals of each level over
// the summarised windows, the rule decisions (a dry run unless RunOptions.Live), the signals, and
// the analyzer's result.
func (r *Report) Markdown() string {
	if r == nil {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Optimization pass: %s\n\n", mdEscape(r.Account.words()))
	fmt.Fprintf(&b, "- Evaluated at %s (%s), currency %s\n", r.Now.Format("2006-01-02 15:04 MST"), mdEscape(r.TimeZone), mdEscape(r.Currency))
	if !r.Range.Since.IsZero() {
		fmt.Fprintf(&b, "- Daily insights from %s to %s\n", r.Range.Since, r.Range.Until)
	}
	fmt.Fprintf(&b, "- %d campaigns, %d ad sets, %d ads; %d Graph requests, %d report runs, %d rows (%d duplicates dropped)\n",
		r.Entities.Campaigns, r.Entities.AdSets, r.Entities.Ads, r.Collect.Requests, r.Collect.AsyncRuns, r.Collect.Rows, r.Collect.Duplicates)
	g := r.Goals
	var goals []string
	if g.TargetCPA > 0 {
		goals = append(goals, "target CPA "+formatValue(float64(g.TargetCPA), metrics.UnitMoney, r.Currency))
	}
	if g.TargetROAS > 0 {
		goals = append(goals, fmt.Sprintf("target ROAS %.2f", g.TargetROAS))
	}
	if g.GrossMargin > 0 {
		goals = append(goals, fmt.Sprintf("gross margin %.0f%%", g.GrossMargin*100))
	}
	if g.ConversionEvent != "" {
		goals = append(goals, "conversion event "+g.ConversionEvent)
	}
	if g.Priority != "" {
		goals = append(goals, "priority "+string(g.Priority))
	}
	if len(goals) > 0 {
		fmt.Fprintf(&b, "- Goals: %s\n", mdEscape(strings.Join(goals, ", ")))
	}
	b.WriteString("\n")
	if len(r.Statistics) > 0 {
		b.WriteString("## Totals\n\n| level | window | entities | spend | conversions | CPA | ROAS | CTR | frequency |\n|---|---|---|---|---|---|---|---|---|\n")
		for _, s := range r.Statistics {
			t := s.Statistics.Total
			m := func(v metrics.Measure, u metrics.Unit) string {
				if !v.OK {
					return "n/a"
				}
				return formatValue(v.Value, u, r.Currency)
			}
			fmt.Fprintf(&b, "| %s | %s | %d | %s | %d | %s | %s | %s | %s |\n", s.Level, s.Window, len(s.Statistics.Entities),
				formatValue(float64(s.Statistics.Totals.Spend), metrics.UnitMoney, r.Currency), s.Statistics.Totals.Conversions,
				m(t.CPA, metrics.UnitMoney), m(t.ROAS, metrics.UnitRatio), m(t.CTR, metrics.UnitFraction), m(t.Frequency, metrics.UnitRatio))
		}
		b.WriteString("\n")
	}
	if ev := r.Evaluation; ev != nil {
		heading := "## Rule decisions (dry run)\n\n"
		if slices.ContainsFunc(ev.Decisions, func(d rules.Decision) bool { return !d.DryRun }) {
			heading = "## Rule decisions\n\n" // RunOptions.Live
		}
		b.WriteString(heading)
		if len(ev.Decisions) == 0 {
			b.WriteString("No rule fired.\n")
		}
		for i := range ev.Decisions {
			fmt.Fprintf(&b, "- %s\n", mdEscape(ev.Decisions[i].Summary()))
		}
		b.WriteString("\n")
	}
	if len(r.Signals) > 0 {
		b.WriteString("## Signals\n\n")
		for _, s := range r.Signals {
			fmt.Fprintf(&b, "- **%s** (%s, %s confidence): %s\n", s.Kind, s.Severity, s.Confidence.Level, mdEscape(s.Finding))
		}
		b.WriteString("\n")
	}
	r.Result.writeMarkdown(&b, "##")
	return b.String()
}
