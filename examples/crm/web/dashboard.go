package web

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"

	"github.com/adpilot/adpilot/analysis"
	"github.com/adpilot/adpilot/examples/crm/pass"
	"github.com/adpilot/adpilot/examples/crm/store"
	"github.com/adpilot/adpilot/metrics"
	"github.com/adpilot/adpilot/rules"
)

type dashboardView struct {
	Account     accountView
	Report      *store.Report
	ReportError string
	Currency    string
	Now         string

	StatsWindow string
	StatsRange  string
	Stats       []statRow
	Total       *statRow

	Trend *trendChart

	Heatmap *heatmapChart
	Pacing  *pacingChart
	// SignalsNote says why a picture is missing.
	HeatmapNote string
	PacingNote  string

	// Goals are the goals of the latest pass and the saved ones.
	Goals goalsCard
	// ConversionsOf names what the Conversions column counts.
	ConversionsOf string

	Decisions       []decisionView
	Recommendations []analysis.Recommendation
	Summary         string
	Markdown        string
	History         []*store.Report
}

type statRow struct {
	Name        string
	Spend       string
	Impressions int64
	CTR         string
	Conversions string
	CPA         string
	ROAS        string
}

type decisionView struct {
	Rule     string
	Entity   string
	Action   string
	Allowed  bool
	DryRun   bool
	Evidence []string
	Blocked  []string
}

func (s *Server) showDashboard(w http.ResponseWriter, r *http.Request, u *store.User) {
	a, st, _, msg := s.account(r, u)
	if a == nil {
		s.fail(w, r, st, "not_found", msg)
		return
	}
	v := &dashboardView{Account: accountView{Account: a, State: s.state(a)}, Currency: a.Currency}
	rep, b, err := s.latestBody(r, u, a)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		s.Logger.ErrorContext(r.Context(), "dashboard report", "error", err)
		v.ReportError = "The latest report could not be read."
	default:
		v.Report = rep
		fillDashboard(v, b)
	}
	v.Goals = goalsCardOf(a, b)
	if v.History, err = s.Store.Reports(r.Context(), u.ID, a.ID, 10); err != nil {
		s.fail(w, r, http.StatusInternalServerError, "internal", "could not list the reports")
		return
	}
	s.render(w, r, http.StatusOK, "dashboard", a.Name, u, v)
}

// money formats minor units of the currency; unknown codes print minor units.
func money(currency string, minor float64) string {
	c, err := metrics.LookupCurrency(currency)
	if err != nil {
		return fmt.Sprintf("%.0f", minor)
	}
	return c.Format(int64(math.Round(minor)))
}

func measure(m metrics.Measure, f func(float64) string) string {
	if !m.OK {
		return "–"
	}
	return f(m.Value)
}

// statRowOf is one row of the campaign table. counted says the row's
// conversions are of one event (not a campaign that counts none, nor a
// sum over different events); valued says it has purchase value to judge
// (a lead or traffic campaign's ROAS of 0.00 is not a number the data
// holds).
func statRowOf(name, currency string, c metrics.Counts, d metrics.Derived, counted, valued bool) statRow {
	row := statRow{
		Name: name, Spend: money(currency, float64(c.Spend)), Impressions: c.Impressions,
		CTR:         measure(d.CTR, func(v float64) string { return fmt.Sprintf("%.2f%%", 100*v) }),
		Conversions: "–", CPA: "–", ROAS: "–",
	}
	if counted {
		row.Conversions = fmt.Sprint(c.Conversions)
		row.CPA = measure(d.CPA, func(v float64) string { return money(currency, v) })
	}
	if valued {
		row.ROAS = measure(d.ROAS, func(v float64) string { return fmt.Sprintf("%.2f", v) })
	}
	return row
}

// purchaseEvent reports whether an action type is of the purchase family
// (the one ROAS is computed from).
func purchaseEvent(ev string) bool {
	return ev == analysis.EventPurchase || strings.HasSuffix(ev, "purchase")
}

func fillDashboard(v *dashboardView, b *pass.Body) {
	rep := b.Report
	v.Currency = rep.Currency
	v.Now = rep.Now.Format("2006-01-02 15:04 MST")
	for _, ws := range rep.Statistics {
		if ws.Level != metrics.LevelCampaign || ws.Window != rules.WindowLast7D {
			continue
		}
		v.StatsWindow, v.StatsRange = "last 7 days", ws.Range.Since.String()+" to "+ws.Range.Until.String()
		events := map[string]bool{}
		anyValued := false
		for _, e := range ws.Statistics.Entities {
			ev, known := b.Events[e.ID]
			if !known && b.Events == nil {
				ev = b.Trend.Event // a report stored before Body.Events
			}
			if ev != "" {
				events[ev] = true
			}
			valued := purchaseEvent(ev) || e.Counts.PurchaseValue > 0
			anyValued = anyValued || valued
			v.Stats = append(v.Stats, statRowOf(e.Name, rep.Currency, e.Counts, e.Metrics, ev != "", valued))
		}
		t := statRowOf("All campaigns", rep.Currency, ws.Statistics.Totals, ws.Statistics.Total, len(events) == 1, anyValued)
		v.Total = &t
		switch len(events) {
		case 0:
			v.ConversionsOf = "no campaign counts a conversion event"
		case 1:
			for ev := range events {
				v.ConversionsOf = ev
			}
		default:
			v.ConversionsOf = "each campaign's own event; not added up"
		}
	}
	v.Trend = newTrendChart(b.Trend, rep.Currency)
	if rep.Evaluation != nil {
		for _, d := range rep.Evaluation.Decisions {
			v.Decisions = append(v.Decisions, decisionViewOf(d, rep.Currency))
		}
	}
	if rep.Result != nil {
		v.Summary = rep.Result.Summary
		v.Recommendations = rep.Result.Recommendations
	}
	v.Heatmap, v.HeatmapNote = heatmapOf(rep.Signals, rep.Currency)
	v.Pacing, v.PacingNote = pacingOf(rep.Signals, rep.Currency)
}

// actionText says what a decision does, with budgets and bids in the
// currency: "daily budget 150.00 → 120.00 USD (-20%)". Only budget and bid
// decisions carry From and To; the others are their action's name.
func actionText(d rules.Decision, currency string) string {
	if d.From <= 0 || d.To <= 0 {
		return strings.ReplaceAll(d.Action.String(), "_", " ")
	}
	what := strings.TrimSpace(d.Budget.String() + " budget")
	if d.Action == rules.ActionChangeBid {
		what = "bid"
	}
	return fmt.Sprintf("%s %s → %s %s (%+.0f%%)", what, money(currency, float64(d.From)), money(currency, float64(d.To)), currency,
		100*(float64(d.To)-float64(d.From))/float64(d.From))
}

func decisionViewOf(d rules.Decision, currency string) decisionView {
	dv := decisionView{Rule: d.RuleName, Entity: d.EntityName, Action: actionText(d, currency), Allowed: d.Allowed, DryRun: d.DryRun}
	if dv.Rule == "" {
		dv.Rule = d.RuleID
	}
	if dv.Entity == "" {
		dv.Entity = d.EntityID
	}
	for _, e := range d.Evidence {
		dv.Evidence = append(dv.Evidence, e.Text)
	}
	for _, c := range d.Safeguards {
		if !c.Passed {
			dv.Blocked = append(dv.Blocked, c.Detail)
		}
	}
	return dv
}

// trendChart is the spend and CPA trend as inline SVG: a bar per day for
// spend (left scale), a line for CPA (right scale).
type trendChart struct {
	W, H       int
	Bars       []svgBar
	CPALine    string // polyline points
	CPADots    []svgDot
	SpendMax   string
	CPAMax     string
	FirstDay   string
	LastDay    string
	Event      string
	MixedNote  string
	Empty      bool
	PlotTop    int
	PlotBottom int
	PlotLeft   int
	PlotRight  int
}

type svgBar struct {
	X, Y, W, H float64
	Title      string
}

type svgDot struct {
	X, Y  float64
	Title string
}

func newTrendChart(t pass.Trend, currency string) *trendChart {
	c := &trendChart{W: 720, H: 240, PlotTop: 20, PlotBottom: 200, PlotLeft: 60, PlotRight: 660, Event: t.Event}
	if t.MixedEvents {
		c.MixedNote = "The campaigns count different conversion events, so no account-wide CPA is drawn."
	}
	if len(t.Days) == 0 {
		c.Empty = true
		return c
	}
	var maxSpend, maxCPA float64
	for _, d := range t.Days {
		maxSpend = max(maxSpend, float64(d.Spend))
		if d.HasCPA {
			maxCPA = max(maxCPA, d.CPA)
		}
	}
	if maxSpend == 0 {
		maxSpend = 1
	}
	plotH := float64(c.PlotBottom - c.PlotTop)
	step := float64(c.PlotRight-c.PlotLeft) / float64(len(t.Days))
	var pts []string
	for i, d := range t.Days {
		h := plotH * float64(d.Spend) / maxSpend
		x := float64(c.PlotLeft) + float64(i)*step
		title := fmt.Sprintf("%s: spend %s", d.Date, money(currency, float64(d.Spend)))
		if d.HasCPA {
			title += fmt.Sprintf(", %d conversions, CPA %s", d.Conversions, money(currency, d.CPA))
		}
		c.Bars = append(c.Bars, svgBar{X: round1(x + step*0.1), Y: round1(float64(c.PlotBottom) - h), W: round1(step * 0.8), H: round1(h), Title: title})
		if d.HasCPA && maxCPA > 0 {
			y := float64(c.PlotBottom) - plotH*d.CPA/maxCPA
			cx := x + step/2
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", cx, y))
			c.CPADots = append(c.CPADots, svgDot{X: round1(cx), Y: round1(y), Title: title})
		}
	}
	c.CPALine = strings.Join(pts, " ")
	c.SpendMax = money(currency, maxSpend)
	if maxCPA > 0 {
		c.CPAMax = money(currency, maxCPA)
	}
	c.FirstDay, c.LastDay = t.Days[0].Date.String(), t.Days[len(t.Days)-1].Date.String()
	return c
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }

func (s *Server) analyzePage(w http.ResponseWriter, r *http.Request, u *store.User) {
	a, st, _, msg := s.account(r, u)
	if a == nil {
		s.fail(w, r, st, "not_found", msg)
		return
	}
	if err := s.Jobs.EnqueuePass(r.Context(), u.ID, a.ID); err != nil {
		s.redirectFlash(w, r, "/accounts/"+a.ID.String(), "", "Could not queue the analysis.")
		return
	}
	s.redirectFlash(w, r, "/accounts/"+a.ID.String(), "Analysis queued: reload in a moment to see the new report.", "")
}

type reportView struct {
	Report  *store.Report
	Account *store.Account
	// HTML is the report's Markdown rendered (raw HTML in it, such as a
	// campaign named "<script>", is dropped by goldmark, never passed).
	HTML template.HTML
	// Manual says the pass was asked for ("Analyze now", new goals), not
	// scheduled.
	Manual bool
}

// markdown renders reports: GitHub tables, no raw HTML, no dangerous links.
var markdown = goldmark.New(goldmark.WithExtensions(extension.Table))

func (s *Server) showReport(w http.ResponseWriter, r *http.Request, u *store.User) {
	rep, st, msg := s.report(r, u)
	if rep == nil {
		s.fail(w, r, st, "not_found", msg)
		return
	}
	a, _ := s.Store.Account(r.Context(), u.ID, rep.Account)
	var body bytes.Buffer
	if err := markdown.Convert([]byte(rep.Markdown), &body); err != nil {
		s.Logger.ErrorContext(r.Context(), "rendering a report", "report", rep.ID, "error", err)
		s.fail(w, r, http.StatusInternalServerError, "internal", "could not render the report")
		return
	}
	title := "Report of " + rep.CreatedAt.UTC().Format("2006-01-02 15:04 UTC")
	s.render(w, r, http.StatusOK, "report", title, u, reportView{Report: rep, Account: a,
		HTML: template.HTML(body.String()), Manual: strings.HasPrefix(rep.Period, "manual-")})
}

// goalsCard shows the goals the latest pass judged against, and the saved
// ones when they differ.
type goalsCard struct {
	// Lines of the pass's goals, like {"Target CPA", "30.00 USD for purchase"}.
	Lines [][2]string
	// NoTargets: without a target CPA or ROAS the rules that judge
	// conversions were left out.
	NoTargets bool
	// Pending says the saved goals differ from the pass's (the next pass
	// uses them).
	Pending string
	// Mismatch says the saved goals are in another currency than the
	// account's.
	Mismatch string
	// NoEvent: no campaign counts a conversion event, so no goal turns the
	// conversion rules on.
	NoEvent bool
	// HasReport says Lines describe a pass.
	HasReport bool
}

func goalsCardOf(a *store.Account, b *pass.Body) goalsCard {
	var c goalsCard
	if a.Goals.Currency != "" && a.Goals.Currency != a.Currency {
		c.Mismatch = fmt.Sprintf("The saved goals are in %s but Meta reports this account in %s: the pass refuses them. Set them again.", a.Goals.Currency, a.Currency)
	}
	if b == nil || b.Report == nil {
		c.NoTargets = a.Goals.TargetCPA == 0 && a.Goals.TargetROAS == 0
		if a.Goals != (analysis.Goals{}) {
			c.Pending = "Saved goals: " + goalsText(a.Goals) + ". The next pass uses them."
		}
		return c
	}
	c.HasReport = true
	g := b.Report.Goals
	event := g.ConversionEvent
	if event == "" {
		c.NoEvent = true
		event = "none (no campaign counts one)"
	}
	if g.TargetCPA > 0 {
		c.Lines = append(c.Lines, [2]string{"Target CPA", money(g.Currency, float64(g.TargetCPA)) + " " + g.Currency + " per " + event})
	}
	if g.TargetROAS > 0 {
		c.Lines = append(c.Lines, [2]string{"Target ROAS", fmt.Sprintf("%.2f", g.TargetROAS)})
	}
	if g.GrossMargin > 0 {
		c.Lines = append(c.Lines, [2]string{"Gross margin", fmt.Sprintf("%.4g%% (break-even ROAS %.2f)", 100*g.GrossMargin, 1/g.GrossMargin)})
	} else {
		c.Lines = append(c.Lines, [2]string{"Gross margin", "not set: profit is revenue minus spend (break-even ROAS 1.00)"})
	}
	c.Lines = append(c.Lines, [2]string{"Conversion event", event}, [2]string{"Priority", strings.ReplaceAll(string(g.Priority), "_", " ")})
	c.NoTargets = g.TargetCPA == 0 && g.TargetROAS == 0
	if a.Goals != b.Goals {
		c.Pending = "The goals changed after this pass (now: " + goalsText(a.Goals) + "); the next pass uses them."
	}
	return c
}
