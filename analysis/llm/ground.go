package llm

import (
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

func kindOf(u metrics.Unit) kind {
	switch u {
	case metrics.UnitMoney:
		return kindMoney
	case metrics.UnitFraction:
		return kindPercent
	case metrics.UnitRatio:
		return kindRatio
	case metrics.UnitCount:
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
		fig.Unit, fig.Value = metrics.UnitMoney, math.Round(e.Value*float64(g.offset()))
	case "percent":
		fig.Unit, fig.Value = metrics.UnitFraction, e.Value/100
	case "ratio":
		fig.Unit, fig.Value = metrics.UnitRatio, e.Value
	case "count":
		fig.Unit, fig.Value = metrics.UnitCount, e.Value
	case "days":
		fig.Unit, fig.Value = metrics.UnitDays, e.Value
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
					f.format(*ra.To*off, metrics.UnitMoney), f.format(a.Percent, metrics.UnitRatio)+"%", f.format(float64(budget), metrics.UnitMoney), f.format(float64(a.To), metrics.UnitMoney))
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
