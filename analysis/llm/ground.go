package llm

import (
	"bytes"
	"cmp"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"

	"github.com/adpilot/adpilot/analysis"
	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metrics"
	"github.com/adpilot/adpilot/rules"
)

// Grounded is what the grounding check keeps of a reply.
type Grounded struct {
	// Summary is the reply's summary when it passed, else one written
	// from the kept recommendations.
	Summary string
	// Recommendations passed every check, ranked (Rank from 1).
	Recommendations []analysis.Recommendation
	// Dropped are the parts that failed, with their reasons.
	Dropped []analysis.Dropped
}

// GroundOptions tune [Ground].
type GroundOptions struct {
	// Tolerance is the relative difference allowed between a number the
	// reply states and the value it matches, beyond the rounding its
	// digits allow ("41" matches 41.20 and 40.60; "41.5" does not match
	// 41.20). Percents are held to their digits alone: "36.2%" does not
	// match 36.11%, whatever the tolerance. Default 0.005 (0.5%); at most
	// 0.05.
	Tolerance float64
}

const (
	defaultTolerance = 0.005
	maxTolerance     = 0.05
)

// Ground checks a parsed reply against the Input and keeps what passes:
//
//   - every entity a recommendation names (its entity, related entities,
//     ids in its text) must be in the Input at that level;
//   - every number its text states must match a value computed from the
//     Input (a metric of the entities it names over a window, a setting, a
//     goal, an account total, a change between windows, a difference from
//     a goal, a share of the account, a number of a rule decision or
//     signal about them, or its own action and estimates) within the
//     tolerance; each cited evidence must be a value of the data, stated
//     as the data has it, and reaches the Result as the data's Figure;
//   - its action must suit the entity: no budget on an ad or on an ad
//     set under a campaign budget, no raising the budget of an entity that
//     is not delivering, no pausing what is paused, a budget change that
//     agrees with the current budget;
//   - a pause, budget, bid or status change must rest on the data: a rule
//     decision or signal about the entity, or cited evidence that misses
//     (for cuts) or beats (for increases) the goals;
//   - no text may carry out instructions found in the data: repeating
//     four or more words of an entity's name outside the name itself, or
//     asking to pause or stop everything.
//
// A recommendation that fails any check is dropped with every reason.
// The model's estimates of the impact are kept apart, as Figures with
// Basis estimate. A summary that fails is replaced by one written from
// the kept recommendations.
func Ground(in *analysis.Input, r *Reply, o GroundOptions) (*Grounded, error) {
	f, err := buildFacts(in)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, fmt.Errorf("%w: llm: Ground: nil Reply", analysis.ErrInvalidInput)
	}
	tol := cmp.Or(o.Tolerance, defaultTolerance)
	if !(tol > 0 && tol <= maxTolerance) {
		return nil, fmt.Errorf("llm: GroundOptions.Tolerance %v; expected a fraction in (0, %v]", o.Tolerance, maxTolerance)
	}
	return f.ground(r, tol), nil
}

// grounder holds what every check of one reply shares.
type grounder struct {
	f      *facts
	tol    float64
	names  []nameRef       // entity and account names, longest first
	grams  map[string]bool // runs of four words of the names
	gramOf map[string]string
}

// nameRef is a name of the data, normalised, and whose it is.
type nameRef struct {
	text, lower string
	id          string // entity id; "" for the account
}

// Limits of one recommendation: a reply naming every entity as related
// would make the comparisons between them grow with the square of the
// account.
const (
	maxRelated   = 10
	maxEvidence  = 20
	maxEstimates = 10
	maxSources   = 10
	maxTextBytes = 4000
	// maxNumberReasons is how many numbers of one text are reported
	// before the rest are left unchecked: the text is dropped either way.
	maxNumberReasons = 8
)

func (f *facts) ground(r *Reply, tol float64) *Grounded {
	g := &grounder{f: f, tol: tol, grams: map[string]bool{}, gramOf: map[string]string{}}
	add := func(name, id, owner string) {
		name = normalize(name)
		if strings.TrimSpace(name) == "" {
			return
		}
		g.names = append(g.names, nameRef{text: name, lower: strings.ToLower(name), id: id})
		w := words(name)
		for i := 0; i+4 <= len(w); i++ {
			k := strings.Join(w[i:i+4], " ")
			g.grams[k] = true
			g.gramOf[k] = owner
		}
	}
	add(f.account.Name, "", "the account")
	for _, x := range f.entities {
		add(x.ref.Name, x.ref.ID, f.describe(x.ref.Level, x.ref.ID))
	}
	slices.SortStableFunc(g.names, func(a, b nameRef) int { return cmp.Compare(len(b.text), len(a.text)) })

	out := &Grounded{}
	for i := range r.Recommendations {
		rec, reasons := g.recommendation(&r.Recommendations[i])
		if len(reasons) > 0 {
			rr := &r.Recommendations[i]
			d := analysis.Dropped{Part: "recommendation", Index: i, Title: truncate(rr.Title, 200),
				Entity: analysis.EntityRef{Level: metrics.Level(rr.Entity.Level), ID: truncate(rr.Entity.ID, 100)}, Action: analysis.ActionKind(truncate(rr.Action.Type, 50)), Reasons: reasons}
			if x := f.byID[rr.Entity.ID]; x != nil {
				d.Entity.Name = x.ref.Name
			}
			out.Dropped = append(out.Dropped, d)
			continue
		}
		out.Recommendations = append(out.Recommendations, *rec)
	}
	slices.SortStableFunc(out.Recommendations, func(a, b analysis.Recommendation) int {
		return cmp.Compare(a.Priority.Rank(), b.Priority.Rank())
	})
	for i := range out.Recommendations {
		out.Recommendations[i].Rank = i + 1
	}
	// The summary may state anything of the data and of what was kept.
	p := g.poolAll(out.Recommendations)
	var reasons []analysis.DropReason
	g.text("the summary", r.Summary, p, &subject{summary: true}, &reasons)
	if len(reasons) == 0 {
		out.Summary = strings.TrimSpace(r.Summary)
	} else {
		out.Dropped = append(out.Dropped, analysis.Dropped{Part: "summary", Index: -1, Reasons: reasons})
		out.Summary = writtenSummary(out.Recommendations)
	}
	return out
}

// subject is what a text of the reply is about: the entity of its
// recommendation, and the entities it may name (that entity, the related
// ones and their parents); or, for the summary, the whole account.
type subject struct {
	summary bool
	main    string // the recommendation's entity; "" for the account
	scope   []*entity
}

// writtenSummary is the summary of the kept recommendations when the
// model's failed the checks.
func writtenSummary(recs []analysis.Recommendation) string {
	if len(recs) == 0 {
		return "No recommendation passed the checks against the data."
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d recommendation(s) passed the checks against the data. ", len(recs))
	b.WriteString("Most important: ")
	for i, r := range recs[:min(3, len(recs))] {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(r.Title)
	}
	b.WriteString(".")
	return b.String()
}

func (g *grounder) recommendation(rr *ReplyRecommendation) (*analysis.Recommendation, []analysis.DropReason) {
	f := g.f
	var reasons []analysis.DropReason
	fail := func(check, format string, args ...any) {
		reasons = append(reasons, analysis.DropReason{Check: check, Detail: fmt.Sprintf(format, args...)})
	}
	// Size: a runaway reply is refused before any work on it.
	for _, c := range []struct {
		what   string
		n, max int
	}{{"related entities", len(rr.Related), maxRelated}, {"evidence", len(rr.Evidence), maxEvidence},
		{"estimates", len(rr.Impact.Estimates), maxEstimates}, {"sources", len(rr.Sources), maxSources}} {
		if c.n > c.max {
			fail(analysis.CheckSchema, "has %d %s; expected at most %d", c.n, c.what, c.max)
		}
	}
	for name, s := range map[string]string{"title": rr.Title, "rationale": rr.Rationale, "action detail": rr.Action.Detail,
		"impact summary": rr.Impact.Summary, "confidence basis": rr.Confidence.Basis} {
		if len(s) > maxTextBytes {
			fail(analysis.CheckSchema, "its %s is %d bytes; expected at most %d", name, len(s), maxTextBytes)
		}
	}
	if len(reasons) > 0 {
		return nil, reasons
	}
	rec := &analysis.Recommendation{
		Priority: analysis.Priority(rr.Priority), Kind: analysis.RecommendationKind(rr.Kind),
		Title: strings.TrimSpace(rr.Title), Rationale: strings.TrimSpace(rr.Rationale),
		Action:     analysis.Action{Type: analysis.ActionKind(rr.Action.Type), Detail: strings.TrimSpace(rr.Action.Detail)},
		Confidence: analysis.Confidence{Level: analysis.ConfidenceLevel(rr.Confidence.Level), Basis: strings.TrimSpace(rr.Confidence.Basis)},
		Impact:     analysis.Impact{Summary: strings.TrimSpace(rr.Impact.Summary)},
	}
	// Schema: enumerations and required text.
	if !slices.Contains(replyPriorities, rr.Priority) {
		fail(analysis.CheckSchema, "priority %q; expected one of %s", rr.Priority, strings.Join(replyPriorities, ", "))
	}
	if !slices.Contains(replyKinds, rr.Kind) {
		fail(analysis.CheckSchema, "kind %q; expected problem or opportunity", rr.Kind)
	}
	if !slices.Contains(replyActions, rec.Action.Type) {
		fail(analysis.CheckSchema, "action type %q is not one an analyzer may propose", rr.Action.Type)
	}
	if !slices.Contains(replyConfidence, rr.Confidence.Level) {
		fail(analysis.CheckSchema, "confidence level %q; expected high, medium or low", rr.Confidence.Level)
	}
	if rec.Title == "" {
		fail(analysis.CheckSchema, "the title is empty")
	}
	// Entities.
	x, ok := g.entity(rr.Entity, "its entity", fail)
	if ok {
		rec.Entity = g.ref(rr.Entity)
	}
	named := []*entity{}
	if x != nil {
		named = append(named, x)
	}
	for _, re := range rr.Related {
		if y, ok := g.entity(re, "a related entity", fail); ok {
			rec.Related = append(rec.Related, g.ref(re))
			if y != nil {
				named = append(named, y)
			}
		}
	}
	sub := &subject{scope: f.lineage(named)}
	if x != nil {
		sub.main = x.ref.ID
	}
	// Sources.
	var cited []string
	for _, s := range rr.Sources {
		src, _, ok := g.source(s)
		if !ok {
			fail(analysis.CheckSupport, "cites %q, which is not a rule decision or signal of the facts", s)
			continue
		}
		rec.Sources = append(rec.Sources, src)
		cited = append(cited, s)
	}
	// Evidence: values of the data, as the data states them, of the
	// entities the recommendation names.
	var evidence []int
	for _, ev := range rr.Evidence {
		if i, ok := g.evidence(ev, sub, fail); ok {
			evidence = append(evidence, i)
			rec.Evidence = append(rec.Evidence, f.figure(i))
		}
	}
	// Estimates.
	for _, e := range rr.Impact.Estimates {
		fig, ok := g.estimate(e, fail)
		if ok {
			rec.Impact.Estimates = append(rec.Impact.Estimates, fig)
		}
	}
	// Action.
	if x != nil && slices.Contains(replyActions, rec.Action.Type) {
		g.action(x, rr.Action, &rec.Action, fail)
		if dir := direction(rec.Action); mutates(rec.Action) && !g.backed(x, dir, cited) && !g.goalBacked(x, evidence, dir) {
			what := "a cut of"
			if dir > 0 {
				what = "an increase of"
			}
			fail(analysis.CheckSupport, "%s of %s rests on no rule decision or signal about it that points the same way (%s), and on no cited number of it that misses or beats the goals",
				rec.Action.Type, f.describe(x.ref.Level, x.ref.ID), what+" delivery")
		}
	}
	if x == nil && rr.Entity.Level == "account" && mutates(rec.Action) {
		fail(analysis.CheckAction, "%s of the whole account: act on campaigns, ad sets or ads", rec.Action.Type)
	}
	// Text.
	p := g.poolFor(sub.scope, x != nil, rec)
	g.text("the title", rec.Title, p, sub, &reasons)
	g.text("the rationale", rec.Rationale, p, sub, &reasons)
	g.text("the action detail", rec.Action.Detail, p, sub, &reasons)
	g.text("the impact summary", rec.Impact.Summary, p, sub, &reasons)
	g.text("the confidence basis", rec.Confidence.Basis, p, sub, &reasons)
	for _, e := range rec.Impact.Estimates {
		g.text("the method of estimate "+e.Name, strings.TrimPrefix(strings.TrimPrefix(e.Method, "model estimate"), ": "), p, sub, &reasons)
	}
	if x != nil && !f.delivering(x) {
		for _, s := range []string{rec.Title, rec.Rationale, rec.Action.Detail, rec.Impact.Summary} {
			if m := raiseRE.FindString(normalize(s)); m != "" {
				fail(analysis.CheckAction, "says %q of %s, which is not delivering (status %s)", m, f.describe(x.ref.Level, x.ref.ID), cmp.Or(x.effective, x.status, "unknown"))
				break
			}
		}
	}
	if len(reasons) > 0 {
		return nil, reasons
	}
	return rec, nil
}

// lineage returns the entities and their parents, each once.
func (f *facts) lineage(xs []*entity) []*entity {
	seen := map[string]bool{}
	var all []*entity
	for _, x := range xs {
		for y := x; y != nil && !seen[y.ref.ID]; y = f.byID[y.parent] {
			seen[y.ref.ID] = true
			all = append(all, y)
		}
	}
	return all
}

// direction is the way an action moves delivery: -1 for a pause or a
// cut, +1 for an unpause or an increase, 0 for none.
func direction(a analysis.Action) int {
	switch {
	case a.Type == analysis.ActionPause:
		return -1
	case a.Type == analysis.ActionUnpause:
		return 1
	case a.To < a.From:
		return -1
	case a.To > a.From:
		return 1
	}
	return 0
}

// backed reports whether a rule decision or a signal about x (its own,
// or one the recommendation cites) points the way dir: a pause or a
// budget cut backs a pause or a cut, an increase an increase; a signal
// by its suggestion, else by its polarity (a problem backs a cut, an
// opportunity an increase). A rule that cuts a budget never backs
// raising it.
func (g *grounder) backed(x *entity, dir int, cited []string) bool {
	f := g.f
	if dir == 0 {
		return false
	}
	for _, i := range x.decisions {
		if decisionDirection(f.decisions[i].d) == dir {
			return true
		}
	}
	for _, i := range x.signals {
		if signalDirection(f.signals[i].s) == dir {
			return true
		}
	}
	for _, s := range cited {
		for _, d := range f.decisions {
			if d.ref == s && d.d.EntityID == x.ref.ID && decisionDirection(d.d) == dir {
				return true
			}
		}
	}
	return false
}

func decisionDirection(d *rules.Decision) int {
	switch {
	case d.Action == rules.ActionPause:
		return -1
	case d.Action == rules.ActionUnpause:
		return 1
	case d.Action == rules.ActionScaleBudget || d.Action == rules.ActionSetBudget || d.Action == rules.ActionChangeBid:
		switch {
		case d.To < d.From:
			return -1
		case d.To > d.From:
			return 1
		}
	}
	return 0
}

func signalDirection(s *analysis.Signal) int {
	switch s.Suggestion.Type {
	case analysis.ActionPause:
		return -1
	case analysis.ActionUnpause:
		return 1
	case analysis.ActionScaleBudget, analysis.ActionSetBudget, analysis.ActionChangeBid:
		switch {
		case s.Suggestion.Percent < 0 || s.Suggestion.To < s.Suggestion.From:
			return -1
		case s.Suggestion.Percent > 0 || s.Suggestion.To > s.Suggestion.From:
			return 1
		}
	}
	switch s.Polarity {
	case analysis.KindProblem:
		return -1
	case analysis.KindOpportunity:
		return 1
	}
	return 0
}

// entity resolves a reference; ok is false (with a reason) when the
// Input does not hold it. The account gives (nil, true).
func (g *grounder) entity(r ReplyEntity, what string, fail func(string, string, ...any)) (*entity, bool) {
	f := g.f
	if r.Level == "account" {
		if r.ID == f.account.ID || "act_"+r.ID == f.account.ID || (f.account.ID == "" && r.ID != "") {
			return nil, true
		}
		fail(analysis.CheckEntity, "%s is account %q; the account of the data is %s", what, r.ID, f.account.ID)
		return nil, false
	}
	if !slices.Contains(replyLevels, r.Level) {
		fail(analysis.CheckSchema, "%s has level %q; expected account, campaign, adset or ad", what, r.Level)
		return nil, false
	}
	x := f.byID[r.ID]
	switch {
	case x == nil:
		fail(analysis.CheckEntity, "%s, %s %s, is not in the data", what, r.Level, r.ID)
		return nil, false
	case string(x.ref.Level) != r.Level:
		fail(analysis.CheckEntity, "%s is named %s %s, but %s is an %s in the data", what, r.Level, r.ID, r.ID, x.ref.Level)
		return nil, false
	}
	return x, true
}

func (g *grounder) ref(r ReplyEntity) analysis.EntityRef {
	if r.Level == "account" {
		return g.f.account
	}
	return g.f.byID[r.ID].ref
}

// source resolves "rule:<decision id>" or "signal:<n>", with the ids of
// the entities it is about.
func (g *grounder) source(s string) (analysis.Source, []string, bool) {
	for _, d := range g.f.decisions {
		if d.ref == s {
			return analysis.Source{Kind: "rule", ID: d.d.RuleID, Detail: d.d.Summary()}, []string{d.d.EntityID}, true
		}
	}
	for _, sf := range g.f.signals {
		if sf.ref == s {
			var about []string
			for _, r := range sf.s.Entities {
				about = append(about, r.ID)
			}
			return analysis.Source{Kind: "signal", ID: string(sf.s.Kind), Detail: sf.s.Finding}, about, true
		}
	}
	return analysis.Source{}, nil, false
}

// evidence finds a cited value and checks the value stated for it. The
// value must be of the account or of an entity the recommendation names
// (its entity, a related one, or a parent of those).
func (g *grounder) evidence(ev ReplyEvidence, sub *subject, fail func(string, string, ...any)) (int, bool) {
	f := g.f
	var w rules.Window
	if ev.Window != "" {
		var err error
		if w, err = rules.ParseWindow(ev.Window); err != nil {
			fail(analysis.CheckNumber, "cites %s over window %q, which the facts do not have", ev.Metric, ev.Window)
			return 0, false
		}
	}
	id := ev.EntityID
	if id == f.account.ID || (id != "" && "act_"+id == f.account.ID) {
		id = ""
	}
	if id != "" && f.byID[id] == nil {
		fail(analysis.CheckEntity, "cites %s of entity %s, which is not in the data", ev.Metric, ev.EntityID)
		return 0, false
	}
	who := "the account"
	if id != "" {
		who = f.describe(f.byID[id].ref.Level, id)
		if !slices.ContainsFunc(sub.scope, func(x *entity) bool { return x.ref.ID == id }) {
			fail(analysis.CheckEntity, "cites %s of %s, which the recommendation does not name (its entity, a related entity or their parents)", ev.Metric, who)
			return 0, false
		}
	}
	i := f.find(id, ev.Metric, w)
	if i < 0 {
		fail(analysis.CheckNumber, "cites %s of %s%s, which the data does not have", ev.Metric, who, overWindow(ev.Window))
		return 0, false
	}
	v := &f.values[i]
	nums, _ := numbersIn(normalize(ev.Value))
	p := newPool(g.f, g.tol)
	p.add(f.display(v.v, v.unit), kindOf(v.unit), v.text)
	if len(nums) != 1 {
		fail(analysis.CheckNumber, "cites %s of %s%s as %q; expected one number as the facts write it (%s)", ev.Metric, who, overWindow(ev.Window), truncate(ev.Value, 100), v.text)
		return 0, false
	}
	if ok, _ := p.match(nums[0]); !ok {
		fail(analysis.CheckNumber, "cites %s of %s%s as %s; the data says %s", ev.Metric, who, overWindow(ev.Window), nums[0].text, v.text)
		return 0, false
	}
	return i, true
}

func overWindow(w string) string {
	if w == "" {
		return ""
	}
	return " over " + w
}

func kindOf(u analysis.Unit) kind {
	switch u {
	case analysis.UnitMoney:
		return kindMoney
	case analysis.UnitFraction:
		return kindPercent
	case analysis.UnitRatio:
		return kindRatio
	case analysis.UnitCount:
		return kindCount
	}
	return kindPlain
}

// estimateNameRE is the form of an estimate's name (daily_saving).
var estimateNameRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// measuredWords in an estimate's name make it pose as a value of the data.
var measuredWords = []string{"current", "actual", "measured", "observed", "reported", "last_7d", "previous_7d", "last_30d", "yesterday", "7d", "30d"}

// estimate converts a model's estimate into a Figure with Basis estimate.
// An estimate named like a value of the data ("cpa", "roas_last_7d",
// "current_spend") is refused: a prediction must not pass for a
// measurement.
func (g *grounder) estimate(e ReplyEstimate, fail func(string, string, ...any)) (analysis.Figure, bool) {
	fig := analysis.Figure{Name: strings.TrimSpace(e.Name), Basis: analysis.BasisEstimate, Method: "model estimate"}
	if m := strings.TrimSpace(e.Method); m != "" {
		if len(m) > maxTextBytes {
			fail(analysis.CheckSchema, "estimate %s has a method of %d bytes; expected at most %d", truncate(fig.Name, 64), len(m), maxTextBytes)
			return fig, false
		}
		fig.Method += ": " + m
	}
	if fig.Name == "" || math.IsNaN(e.Value) || math.IsInf(e.Value, 0) || math.Abs(e.Value) > 1e15 {
		fail(analysis.CheckSchema, "an estimate has no name or no finite value")
		return fig, false
	}
	if !estimateNameRE.MatchString(fig.Name) {
		fail(analysis.CheckSchema, "estimate name %q; expected a snake_case name such as daily_saving", truncate(fig.Name, 64))
		return fig, false
	}
	if g.f.isMetricName(fig.Name) || slices.ContainsFunc(strings.Split(fig.Name, "_"), func(w string) bool { return slices.Contains(measuredWords, w) }) ||
		slices.ContainsFunc(measuredWords, func(w string) bool { return strings.Contains(w, "_") && strings.Contains(fig.Name, w) }) {
		fail(analysis.CheckNumber, "estimate %s is named like a value of the data; estimates are predictions (expected_cpa, daily_saving), measured values go in evidence", fig.Name)
		return fig, false
	}
	switch e.Unit {
	case "money":
		fig.Unit, fig.Value = analysis.UnitMoney, math.Round(e.Value*float64(g.offset()))
	case "percent":
		fig.Unit, fig.Value = analysis.UnitFraction, e.Value/100
	case "ratio":
		fig.Unit, fig.Value = analysis.UnitRatio, e.Value
	case "count":
		fig.Unit, fig.Value = analysis.UnitCount, e.Value
	case "days":
		fig.Unit, fig.Value = analysis.UnitDays, e.Value
	default:
		fail(analysis.CheckSchema, "estimate %s has unit %q; expected one of %s", fig.Name, truncate(e.Unit, 20), strings.Join(replyUnits, ", "))
		return fig, false
	}
	fig.Text = fig.Format(g.f.code)
	return fig, true
}

func (g *grounder) offset() int64 {
	if g.f.code == "" {
		return 1
	}
	return g.f.currency.Offset()
}

// mutates reports whether an action changes delivery (what a rules
// executor could carry out).
func mutates(a analysis.Action) bool {
	switch a.Type {
	case analysis.ActionPause, analysis.ActionUnpause, analysis.ActionScaleBudget, analysis.ActionSetBudget, analysis.ActionChangeBid:
		return true
	}
	return false
}

// action checks the action against the entity and completes From, To
// and Percent from its settings.
func (g *grounder) action(x *entity, ra ReplyAction, a *analysis.Action, fail func(string, string, ...any)) {
	f := g.f
	who := f.describe(x.ref.Level, x.ref.ID)
	off := float64(g.offset())
	finite := func(p *float64) bool { return p != nil && !math.IsNaN(*p) && !math.IsInf(*p, 0) && math.Abs(*p) < 1e12 }
	switch a.Type {
	case analysis.ActionPause:
		if x.status != "" && x.status != string(metaads.StatusActive) {
			fail(analysis.CheckAction, "pauses %s, whose status is already %s", who, x.status)
		}
	case analysis.ActionUnpause:
		if x.status == string(metaads.StatusActive) {
			fail(analysis.CheckAction, "unpauses %s, which is already active", who)
		}
	case analysis.ActionScaleBudget, analysis.ActionSetBudget:
		budget := x.daily
		if budget == 0 {
			budget = x.lifetime
		}
		switch {
		case x.ref.Level == metrics.LevelAd:
			fail(analysis.CheckAction, "changes the budget of %s: ads have no budget (it is on the ad set or the campaign)", who)
			return
		case budget == 0 && x.ref.Level == metrics.LevelAdSet && f.byID[x.campaign] != nil && (f.byID[x.campaign].daily > 0 || f.byID[x.campaign].lifetime > 0):
			fail(analysis.CheckAction, "changes the budget of %s, which runs on the budget of campaign %s", who, x.campaign)
			return
		case budget == 0:
			fail(analysis.CheckAction, "changes the budget of %s, which has no budget of its own", who)
			return
		}
		a.From = budget
		switch {
		case a.Type == analysis.ActionScaleBudget && finite(ra.Percent) && *ra.Percent > -100 && *ra.Percent != 0:
			a.Percent = *ra.Percent
			a.To = int64(math.Round(float64(budget) * (1 + a.Percent/100)))
			if finite(ra.To) && math.Abs(*ra.To*off-float64(a.To)) > math.Max(off, g.tol*float64(a.To)) {
				fail(analysis.CheckNumber, "scales the budget of %s by %.4g%% to %s, but %s of %s is %s", who, a.Percent,
					f.format(*ra.To*off, analysis.UnitMoney), f.format(a.Percent, analysis.UnitRatio)+"%", f.format(float64(budget), analysis.UnitMoney), f.format(float64(a.To), analysis.UnitMoney))
			}
		case a.Type == analysis.ActionSetBudget && finite(ra.To) && *ra.To > 0:
			a.To = int64(math.Round(*ra.To * off))
			a.Percent = math.Round((float64(a.To)/float64(budget)-1)*1000) / 10
		default:
			fail(analysis.CheckSchema, "%s needs %s", a.Type, map[analysis.ActionKind]string{
				analysis.ActionScaleBudget: "a percent above -100 and not 0", analysis.ActionSetBudget: "a positive to"}[a.Type])
			return
		}
		if a.To > a.From && !f.delivering(x) {
			fail(analysis.CheckAction, "raises the budget of %s, which is not delivering (status %s)", who, cmp.Or(x.effective, x.status, "unknown"))
		}
	case analysis.ActionChangeBid:
		if x.bid == 0 {
			fail(analysis.CheckAction, "changes the bid of %s, which has no bid amount", who)
			return
		}
		if !finite(ra.To) || *ra.To <= 0 {
			fail(analysis.CheckSchema, "change_bid needs a positive to")
			return
		}
		a.From, a.To = x.bid, int64(math.Round(*ra.To*off))
		a.Percent = math.Round((float64(a.To)/float64(a.From)-1)*1000) / 10
		if a.To > a.From && !f.delivering(x) {
			fail(analysis.CheckAction, "raises the bid of %s, which is not delivering", who)
		}
	}
}

// goalBacked reports whether the cited values of x show it missing the
// goals (for a pause or a cut, dir -1) or beating them (for an increase,
// dir +1). Values of other entities back nothing: an ad set that loses
// money is no reason to pause its healthy sibling or its campaign.
func (g *grounder) goalBacked(x *entity, cited []int, dir int) bool {
	f := g.f
	if dir == 0 {
		return false
	}
	up := dir > 0
	be := 0.0
	if m := f.goals.GrossMargin; m > 0 {
		be, _ = metrics.BreakEvenROAS(m)
	}
	for _, i := range cited {
		v := &f.values[i]
		if v.basis != analysis.BasisMeasured || v.entity != x.ref.ID {
			continue
		}
		switch v.metric {
		case "cpa":
			if t := float64(f.goals.TargetCPA); t > 0 && (up && v.v < t || !up && v.v > t) {
				return true
			}
		case "roas":
			for _, t := range []float64{f.goals.TargetROAS, be} {
				if t > 0 && (up && v.v > t || !up && v.v < t) {
					return true
				}
			}
		case "profit":
			if up && v.v > 0 || !up && v.v < 0 {
				return true
			}
		}
	}
	return false
}

var (
	// blanketREs are requests to act on everything at once, which no
	// analysis of the data asks for: such text comes from instructions
	// planted in the data.
	blanketREs = []*regexp.Regexp{
		regexp.MustCompile(`(?i)\b(?:pause|stop|halt|suspend|freeze|turn off|switch off|shut (?:down|off)|disable|deactivate|delete|remove|kill|cancel|end|terminate|archive|close|resume|unpause|restart|reactivate|activate|enable|turn on|switch on)\s+(?:everything|anything|it all|all\b|every\b|each\b|the (?:whole |entire )?(?:ad )?account\b|(?:the )?(?:whole|entire)\b)`),
		regexp.MustCompile(`(?i)\b(?:turn|switch|shut)\s+(?:everything|it all|all(?: of it)?|every\s+\w+(?:\s+\w+)?|all\s+\w+(?:\s+\w+)?|the (?:whole |entire )?(?:ad )?account)\s+(?:off|down|on)\b`),
		regexp.MustCompile(`(?i)\b(?:raise|increase|double|triple|scale(?: up| down)?|boost|cut|lower|reduce|decrease|halve|slash|zero(?: out)?)\s+(?:all|every|each)\s+(?:of\s+)?(?:the\s+)?(?:\w+\s+)?(?:budgets?|bids?|campaigns?|ad ?sets?|ads?|spend(?:ing)?)\b`),
		regexp.MustCompile(`(?i)\b(?:set|cut|reduce|drop|lower|bring|take)\s+(?:all|every|each|the)?\s*(?:\w+\s+){0,2}(?:budgets?|spend(?:ing)?|bids?)\s+(?:down\s+)?(?:to|at)\s+(?:0\b|zero\b|nothing\b)`),
		regexp.MustCompile(`(?i)\b(?:stop|halt|end|cease)\s+(?:all\s+)?(?:spending|spend|advertising|ads)\s+(?:entirely|completely|altogether|everywhere|on everything|across the (?:board|account))`),
		regexp.MustCompile(`(?i)\bacross the (?:board|(?:whole |entire )?account)\b`),
	}
	// overrideRE is text addressed to the model rather than the advertiser.
	overrideRE = regexp.MustCompile(`(?i)\b(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+|the\s+|your\s+)?(?:previous|prior|above|earlier|other|system)\s+(?:instructions|rules|prompts?|messages?)|\bsystem prompt\b|\bnew instructions\b|\bas (?:the|your) instructions? (?:say|said|in the data)|\binstructions (?:in|from) the (?:data|account|facts|campaign)`)
	idRE       = regexp.MustCompile(`\b(?:act_)?\d{6,}\b`)
	// raiseRE asks for more budget, bid or delivery.
	raiseRE = regexp.MustCompile(`(?i)\b(?:raise|increase|double|triple|boost|scale up|grow|top up|lift)\b[^.;:!?]{0,40}\b(?:budget|bid|spend|spending|delivery)\b|\bmore (?:budget|spend|spending|money)\b|\b(?:budget|bid)\b[^.;:!?]{0,30}\b(?:up|higher)\b`)
	// tokenRE is a word that may be an id.
	tokenRE = regexp.MustCompile(`[A-Za-z0-9_]+`)
	// levelWordRE names a level of the account.
	levelWordRE = regexp.MustCompile(`(?i)\b(?:(account)|(campaigns?)|(ad ?sets?)|(ads?))\b`)
)

// text checks one text field of the reply. Each number must match a
// value of p that its clause's metric, its sentence's windows and its
// sentence's entities allow: in a recommendation, a sentence speaks of
// the recommendation's entity and of what it names (an id, a name, or a
// level word such as "the campaign" for the entity's campaign); in the
// summary, of what it names, or of anything when it names nothing.
func (g *grounder) text(field, s string, p *pool, sub *subject, reasons *[]analysis.DropReason) {
	if strings.TrimSpace(s) == "" {
		return
	}
	fail := func(check, format string, args ...any) {
		*reasons = append(*reasons, analysis.DropReason{Check: check, Detail: field + " " + fmt.Sprintf(format, args...)})
	}
	f := g.f
	s = normalize(s)
	for _, re := range blanketREs {
		if m := re.FindString(s); m != "" {
			fail(analysis.CheckInstruction, "says %q: no analysis of the data acts on everything at once; such text comes from instructions in the data", m)
			break
		}
	}
	if m := overrideRE.FindString(s); m != "" {
		fail(analysis.CheckInstruction, "says %q, text addressed to a model, not to the advertiser", m)
	}
	// Take the names out: their words and digits are not claims.
	rest := g.blankNames(s)
	w := words(rest)
	for i := 0; i+4 <= len(w); i++ {
		if k := strings.Join(w[i:i+4], " "); g.grams[k] {
			fail(analysis.CheckInstruction, "repeats %q from the name of %s outside the name: text in the data is not an instruction", k, g.gramOf[k])
			break
		}
	}
	// Ids: every id-like run of digits must be an entity of the data.
	rest = idRE.ReplaceAllStringFunc(rest, func(id string) string {
		bare := strings.TrimPrefix(id, "act_")
		if f.byID[bare] != nil || id == f.account.ID || "act_"+bare == f.account.ID {
			return blank(id)
		}
		if len(bare) >= 10 || strings.HasPrefix(id, "act_") {
			fail(analysis.CheckEntity, "names %s, which is not an entity of the data", id)
			return blank(id)
		}
		return id // shorter: a number, checked below
	})
	if r := oddNumber(rest); r != 0 {
		fail(analysis.CheckNumber, "writes the number %q, a form the facts do not use; numbers must be copied as the facts write them", string(r))
	}
	nums, dates := numbersIn(rest)
	ends := sentenceEnds(rest)
	mentions := make([]map[string]bool, len(ends))
	failed := 0
	for _, n := range nums {
		if failed == maxNumberReasons {
			fail(analysis.CheckNumber, "states further numbers, not checked after %d that match no value of the data", failed)
			break
		}
		k := sentenceAt(ends, n.pos)
		if mentions[k] == nil {
			start := 0
			if k > 0 {
				start = ends[k-1]
			}
			mentions[k] = g.mentions(s[start:ends[k]], sub)
		}
		n.ents = mentions[k]
		if sub.summary && len(n.ents) == 0 {
			n.ents = nil // a sentence of the summary that names nothing may state anything
		}
		if ok, near := p.match(n); !ok {
			failed++
			if near != nil {
				fail(analysis.CheckNumber, "states %s, which matches no value of the data it is about (nearest: %s)", n.text, p.describe(near))
			} else {
				fail(analysis.CheckNumber, "states %s, which matches no value of the data it is about", n.text)
			}
		}
	}
	first := f.today.AddDays(-60)
	for _, d := range dates {
		day, err := metaads.ParseDate(d)
		if err != nil || day.Before(first) || f.today.Before(day) {
			fail(analysis.CheckNumber, "states the date %s, outside the days of the data (%s to %s)", d, first, f.today)
		}
	}
}

// mentions returns the entities a sentence may speak of: for a
// recommendation its own entity, and every entity the sentence names by
// id, by name, or by a level word ("the campaign", "the account's") that
// no id or name follows; "" stands for the account.
func (g *grounder) mentions(sent string, sub *subject) map[string]bool {
	f := g.f
	m := map[string]bool{}
	if !sub.summary {
		m[sub.main] = true
	}
	for _, tok := range tokenRE.FindAllString(sent, -1) {
		if f.byID[tok] != nil {
			m[tok] = true
		} else if tok == f.account.ID || "act_"+tok == f.account.ID {
			m[""] = true
		}
	}
	lower := strings.ToLower(sent)
	for _, n := range g.names {
		if strings.Contains(lower, n.lower) {
			m[n.id] = true
		}
	}
	for _, lm := range levelWordRE.FindAllStringSubmatchIndex(lower, -1) {
		if g.namedAt(lower[lm[1]:]) {
			continue // "ad set s2", "campaign \"Shop\"": the id or name says which
		}
		var level metrics.Level
		switch {
		case lm[2] >= 0:
			m[""] = true
			continue
		case lm[4] >= 0:
			level = metrics.LevelCampaign
		case lm[6] >= 0:
			level = metrics.LevelAdSet
		default:
			level = metrics.LevelAd
		}
		xs := sub.scope
		if sub.summary {
			xs = f.entities
		}
		for _, x := range xs {
			if x.ref.Level == level {
				m[x.ref.ID] = true
			}
		}
	}
	return m
}

// namedAt reports whether s (lower case) starts with an id or a name of
// the data, after spaces, quotes and a possessive.
func (g *grounder) namedAt(s string) bool {
	s = strings.TrimPrefix(s, "'s")
	s = strings.TrimLeft(s, " \"'`")
	if tok := tokenRE.FindString(s); tok != "" && strings.HasPrefix(s, tok) {
		if g.f.byID[tok] != nil || tok == g.f.account.ID || "act_"+tok == g.f.account.ID {
			return true
		}
	}
	for _, n := range g.names {
		if strings.HasPrefix(s, n.lower) {
			return true
		}
	}
	return false
}

// blankNames blanks every occurrence of a name of the data in s,
// ignoring case, longest names first.
func (g *grounder) blankNames(s string) string {
	lower := strings.ToLower(s)
	if len(lower) != len(s) {
		// A case mapping changed the length: match case as written.
		for _, n := range g.names {
			s = strings.ReplaceAll(s, n.text, blank(n.text))
		}
		return s
	}
	b, lb := []byte(s), []byte(lower)
	for _, n := range g.names {
		if len(n.lower) != len(n.text) || n.lower == "" {
			continue
		}
		for off := 0; ; {
			i := bytes.Index(lb[off:], []byte(n.lower))
			if i < 0 {
				break
			}
			for k := off + i; k < off+i+len(n.lower); k++ {
				b[k], lb[k] = ' ', ' '
			}
			off += i + len(n.lower)
		}
	}
	return string(b)
}

// words splits text into lower-case words of letters and digits.
func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127 && r != '\u2014' && r != '\u2013')
	})
}

// poolFor is what a recommendation about the scope entities (its
// entity, the related ones and their parents) may state.
func (g *grounder) poolFor(all []*entity, main bool, rec *analysis.Recommendation) *pool {
	p := newPool(g.f, g.tol)
	for _, x := range all {
		g.addEntity(p, x)
	}
	g.addAccount(p)
	// Comparisons between the entities named, metric by metric: of the
	// recommendation's entity with each other one (the first of all), or,
	// for the account, between every two.
	for i, a := range all {
		for _, b := range all[i+1:] {
			g.addPairs(p, a.values, b.values, true)
		}
		if main {
			break
		}
	}
	g.addAction(p, rec)
	return p
}

// poolAll is what the summary may state: anything of the data and of the
// kept recommendations.
func (g *grounder) poolAll(recs []analysis.Recommendation) *pool {
	p := newPool(g.f, g.tol)
	for _, x := range g.f.entities {
		g.addEntity(p, x)
	}
	g.addAccount(p)
	for i := range recs {
		g.addAction(p, &recs[i])
	}
	return p
}

// addEntity adds an entity's values, the changes between its windows,
// its differences from the goals, its shares of the account, and the
// numbers of the decisions and signals about it.
func (g *grounder) addEntity(p *pool, x *entity) {
	f := g.f
	id := x.ref.ID
	for _, i := range x.values {
		v := &f.values[i]
		c := p.add(f.display(v.v, v.unit), kindOf(v.unit), "", v.fam...).of(id).over(v.window)
		c.val = int32(i + 1)
	}
	g.addPairs(p, x.values, x.values, false)
	for _, i := range x.values {
		v := &f.values[i]
		if v.basis != analysis.BasisMeasured {
			continue
		}
		goal := func(t float64, name string) {
			if t > 0 {
				add := func(x float64, k kind, what string) {
					if c := p.add(x, k, "", v.famT...).of(id).over(v.window); c != nil {
						c.val, c.what = int32(i+1), what+" "+name
					}
				}
				add((v.v/t-1)*100, kindPercent, "against")
				add(v.v/t, kindRatio, "over")
				if v.unit == analysis.UnitMoney {
					add(f.display(v.v-t, v.unit), kindMoney, "minus")
				}
			}
		}
		switch v.metric {
		case "cpa":
			goal(float64(f.goals.TargetCPA), "the target CPA")
		case "roas":
			goal(f.goals.TargetROAS, "the target ROAS")
			if m := f.goals.GrossMargin; m > 0 {
				be, _ := metrics.BreakEvenROAS(m)
				goal(be, "the break-even ROAS")
			}
		case "spend", "conversions", "impressions", "conversion_value":
			if t, ok := f.totals[v.window]; ok {
				total := map[string]int64{"spend": t.Spend, "conversions": t.Conversions, "impressions": t.Impressions, "conversion_value": t.ConversionValue}[v.metric]
				if total > 0 {
					if c := p.add(v.v/float64(total)*100, kindPercent, "", v.metric, "share").of(id).over(v.window); c != nil {
						c.val, c.what = int32(i+1), "as a share of the account's"
					}
				}
			}
		}
	}
	for _, i := range x.decisions {
		d := f.decisions[i].d
		g.addText(p, d.Message, id)
		for _, e := range d.Evidence {
			g.addText(p, e.Text, id)
		}
		for _, m := range []int64{d.From, d.To, d.To - d.From, d.From - d.To} {
			if m != 0 {
				p.add(f.display(float64(m), analysis.UnitMoney), kindMoney, "rule decision "+d.RuleID, "budget", "bid").of(id)
			}
		}
	}
	for _, i := range x.signals {
		g.addSignal(p, f.signals[i].s)
	}
	nums, _ := numbersIn(normalize(x.ref.Name))
	for _, s := range nums {
		p.add(s.v, kindPlain, "a number in the name of "+id).of(id).unsigned = true
	}
}

func windowName(w rules.Window) string {
	if w == 0 {
		return ""
	}
	return w.String()
}

// addAccount adds the totals, the goals and the account-wide signals.
func (g *grounder) addAccount(p *pool) {
	f := g.f
	var acct []int
	for i := range f.values {
		v := &f.values[i]
		if v.entity == "" {
			acct = append(acct, i)
			c := p.add(f.display(v.v, v.unit), kindOf(v.unit), "", v.fam...)
			if c != nil {
				c.val = int32(i + 1)
			}
			if v.basis != analysis.BasisGoal {
				c.of("").over(v.window)
			}
		}
	}
	g.addPairs(p, acct, acct, false)
	for _, s := range f.signals {
		if len(s.s.Entities) == 0 {
			g.addSignal(p, s.s)
		}
	}
}

// addSignal adds the numbers of a signal, as values of its entities (of
// the account when it names none).
func (g *grounder) addSignal(p *pool, s *analysis.Signal) {
	f := g.f
	ents := []string{""}
	if len(s.Entities) > 0 {
		ents = nil
		for _, r := range s.Entities {
			ents = append(ents, r.ID)
		}
	}
	// A number of a signal about several entities is of one of them.
	of := func(c *candidate) {
		if c != nil && len(ents) == 1 {
			c.of(ents[0])
		}
	}
	g.addText(p, s.Finding, ents...)
	g.addText(p, s.Explanation, ents...)
	for _, e := range s.Evidence {
		var w rules.Window
		if e.Period != nil && e.Period.Window != "" {
			w, _ = rules.ParseWindow(e.Period.Window)
		}
		c := p.add(f.display(e.Value, e.Unit), kindOf(e.Unit), e.Format(f.code)+" ("+e.Name+" of signal "+string(s.Kind)+")", familyOf(e.Name)...).over(w)
		of(c)
		g.addText(p, e.Text, ents...)
		g.addText(p, e.Scope, ents...)
		if e.Interval != nil {
			of(p.add(f.display(e.Interval.Lo, e.Unit), kindOf(e.Unit), "interval of "+e.Name, familyOf(e.Name)...).over(w))
			of(p.add(f.display(e.Interval.Hi, e.Unit), kindOf(e.Unit), "interval of "+e.Name, familyOf(e.Name)...).over(w))
		}
	}
	g.addText(p, s.Suggestion.Detail, ents...)
	if s.Suggestion.Percent != 0 {
		of(p.add(s.Suggestion.Percent, kindPercent, "the signal's suggestion", "budget", "bid"))
	}
}

// addText adds the numbers written in a text of the Input about ents
// (one entity, or the account as ""; several leave them open). Their
// direction is in words, so either sign may state them.
func (g *grounder) addText(p *pool, s string, ents ...string) {
	nums, _ := numbersIn(normalize(s))
	for _, n := range nums {
		for _, r := range append([]reading{n.reading}, n.alts...) {
			k := r.kind
			if k == kindPlain {
				k = kindCount // a bare number of the Input's text: any marker but money and percent
			}
			add := func(k kind) {
				c := p.add(r.v, k, fmt.Sprintf("%q in the Input's text", n.text), n.about...)
				c.unsigned = true
				if len(ents) == 1 {
					c.of(ents[0])
				}
			}
			add(k)
			if r.kind == kindPlain {
				add(kindRatio)
			}
		}
	}
}

// addPairs adds the comparisons of values of the same metric: relative
// changes, differences, and, for fractions, differences in percentage
// points. Within one entity (cross false) the recent window is compared
// with the one before it (last_7d with previous_7d and last_30d,
// yesterday with last_7d); across two entities (cross true) the same
// window, both ways.
func (g *grounder) addPairs(p *pool, as, bs []int, cross bool) {
	f := g.f
	for _, i := range as {
		a := &f.values[i]
		for _, j := range bs {
			b := &f.values[j]
			if i == j || a.metric != b.metric || a.basis != analysis.BasisMeasured || b.basis != analysis.BasisMeasured {
				continue
			}
			if cross != (a.window == b.window) || !cross && !comparedWindows(a.window, b.window) {
				continue
			}
			add := func(v float64, k kind, what string) {
				if c := p.add(v, k, "", a.fam...).of(a.entity, b.entity).over(a.window, b.window); c != nil {
					c.val, c.pair, c.what = int32(i+1), int32(j+1), what
				}
			}
			if a.v != 0 {
				add((b.v/a.v-1)*100, kindPercent, "change")
				add(b.v/a.v, kindRatio, "ratio")
			}
			switch a.unit {
			case analysis.UnitFraction:
				add((b.v-a.v)*100, kindPercent, "difference")
			case analysis.UnitMoney:
				add(f.display(b.v-a.v, a.unit), kindMoney, "difference")
			default:
				add(b.v-a.v, kindOf(a.unit), "difference")
			}
		}
	}
}

// comparedWindows reports whether a change from window a to window b is
// one a reply may state: the recent window against the one before.
func comparedWindows(a, b rules.Window) bool {
	switch {
	case b == rules.WindowLast7D:
		return a == rules.WindowPrevious7D || a == rules.WindowLast30D
	case b == rules.WindowYesterday:
		return a == rules.WindowLast7D
	}
	return false
}

// addAction adds a recommendation's own numbers: the action and the
// estimates.
func (g *grounder) addAction(p *pool, rec *analysis.Recommendation) {
	if rec == nil {
		return
	}
	f := g.f
	a := rec.Action
	if a.Percent != 0 {
		p.add(a.Percent, kindPercent, "the action's percent", "budget", "bid")
	}
	for _, m := range []int64{a.From, a.To, a.To - a.From} {
		if m != 0 {
			p.add(f.display(float64(m), analysis.UnitMoney), kindMoney, "the action's amounts", "budget", "bid")
		}
	}
	if a.From != 0 && a.To != 0 {
		for _, d := range []float64{1, 7, 30} { // per day, week, month
			p.add(f.display(float64(a.From-a.To)*d, analysis.UnitMoney), kindMoney, "the action's change over days").unsigned = true
		}
	}
	for _, e := range rec.Impact.Estimates {
		p.add(f.display(e.Value, e.Unit), kindOf(e.Unit), "an estimate")
		if e.Unit == analysis.UnitCount || e.Unit == analysis.UnitDays {
			p.add(e.Value, kindPlain, "an estimate")
		}
	}
}
