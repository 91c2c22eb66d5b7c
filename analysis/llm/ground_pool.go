package llm

import (
	"fmt"

	"github.com/adpilot/adpilot/analysis"
	"github.com/adpilot/adpilot/metrics"
	"github.com/adpilot/adpilot/rules"
)

// The pools of values a text may state: the facts of the entities it
// speaks of, the account, the signals and the actions it proposes.

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
				if v.unit == metrics.UnitMoney {
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
				p.add(f.display(float64(m), metrics.UnitMoney), kindMoney, "rule decision "+d.RuleID, "budget", "bid").of(id)
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
			case metrics.UnitFraction:
				add((b.v-a.v)*100, kindPercent, "difference")
			case metrics.UnitMoney:
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
			p.add(f.display(float64(m), metrics.UnitMoney), kindMoney, "the action's amounts", "budget", "bid")
		}
	}
	if a.From != 0 && a.To != 0 {
		for _, d := range []float64{1, 7, 30} { // per day, week, month
			p.add(f.display(float64(a.From-a.To)*d, metrics.UnitMoney), kindMoney, "the action's change over days").unsigned = true
		}
	}
	for _, e := range rec.Impact.Estimates {
		p.add(f.display(e.Value, e.Unit), kindOf(e.Unit), "an estimate")
		if e.Unit == metrics.UnitCount || e.Unit == metrics.UnitDays {
			p.add(e.Value, kindPlain, "an estimate")
		}
	}
}
