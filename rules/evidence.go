package rules

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/adpilot/adpilot/metrics"
)

// evidence walks the whole tree (no short-circuit) once and writes every
// condition with its measurement in words. It returns the node's result.
// The texts go into ec.tb, one span per entry in ec.spans (parallel to out
// from the decision's first entry); finishEvidence turns them
// into strings with one allocation per decision.
func (n *node) evidence(ec *evalCtx, depth int, out []Evidence) (tri, []Evidence) {
	ev := Evidence{Depth: depth}
	var res tri
	switch n.kind {
	case nodeAll, nodeAny, nodeNot:
		at := len(out)
		out = append(out, Evidence{})
		ec.spans = append(ec.spans, textSpan{})
		met, unknown := 0, 0
		for _, k := range n.kids {
			var r tri
			r, out = k.evidence(ec, depth+1, out)
			switch r {
			case triTrue:
				met++
			case triUnknown:
				unknown++
			}
		}
		a := ec.label(n.label)
		switch n.kind {
		case nodeAll:
			res = boolTri(met == len(n.kids))
			if res == triFalse && unknown > 0 && met+unknown == len(n.kids) {
				res = triUnknown
			}
			ec.groupWords("all of ", len(n.kids), met)
		case nodeAny:
			res = boolTri(met > 0)
			if res == triFalse && unknown > 0 {
				res = triUnknown
			}
			ec.groupWords("any of ", len(n.kids), met)
		default:
			res = triUnknown
			if unknown == 0 {
				res = boolTri(met == 0)
			}
			ec.tb = append(ec.tb, "not the following"...)
		}
		ev.Result = res.words()
		out[at] = ev
		ec.spans[at] = textSpan{a, len(ec.tb)}
		return res, out
	}
	a := ec.label(n.label)
	switch n.kind {
	case nodeCompare:
		res = n.compareWords(ec, &ev)
	case nodeHours:
		h := ec.now.Hour()
		res = boolTri(n.inHours(h))
		ec.tb = append(ec.tb, "hour of day is "...)
		ec.tb = appendHour(ec.tb, h)
		ec.tb = append(ec.tb, "; needs "...)
		ec.tb = appendHour(ec.tb, n.hourFrom)
		ec.tb = append(ec.tb, " to "...)
		ec.tb = appendHour(ec.tb, n.hourTo)
	case nodeWeekdays:
		res = n.eval(ec)
		ec.tb = append(ec.tb, "day of week is "...)
		ec.tb = append(ec.tb, weekdayNames[ec.now.Weekday()]...)
		ec.tb = append(ec.tb, "; needs one of "...)
		sep := ""
		for d := range 7 {
			if n.days&(1<<d) != 0 {
				ec.tb = append(ec.tb, sep...)
				ec.tb = append(ec.tb, weekdayNames[d]...)
				sep = ", "
			}
		}
	case nodeMinData:
		res = n.eval(ec)
		n.minDataWords(ec)
	case nodeRecent:
		res = n.eval(ec)
		ec.tb = append(ec.tb, n.recentWords(ec)...)
	}
	ev.Result = res.words()
	ec.spans = append(ec.spans, textSpan{a, len(ec.tb)})
	return res, append(out, ev)
}

// textSpan is the text of one evidence entry in evalCtx.tb.
type textSpan struct{ from, to int }

// label starts an entry's text: it returns where the text starts and
// writes the label, if any.
func (ec *evalCtx) label(label string) int {
	a := len(ec.tb)
	if label != "" {
		ec.tb = append(ec.tb, label...)
		ec.tb = append(ec.tb, ": "...)
	}
	return a
}

// groupWords writes "all of 3 conditions (2 met)".
func (ec *evalCtx) groupWords(what string, kids, met int) {
	ec.tb = append(ec.tb, what...)
	ec.tb = strconv.AppendInt(ec.tb, int64(kids), 10)
	ec.tb = append(ec.tb, " conditions ("...)
	ec.tb = strconv.AppendInt(ec.tb, int64(met), 10)
	ec.tb = append(ec.tb, " met)"...)
}

// appendHour appends h as "09:00".
func appendHour(b []byte, h int) []byte {
	if h >= 0 && h < 10 {
		b = append(b, '0')
	}
	b = strconv.AppendInt(b, int64(h), 10)
	return append(b, ":00"...)
}

// ruleEvidence returns the evidence of rule r on the current entity.
func (ec *evalCtx) ruleEvidence(r *Rule) []Evidence {
	ec.tb, ec.spans = ec.tb[:0], ec.spans[:0]
	_, ev := r.cond.evidence(ec, 0, make([]Evidence, 0, r.nodes))
	ec.finishEvidence(ev)
	return ev
}

// finishEvidence sets the Text of each entry from the buffer: one string
// for the whole decision, sliced per entry.
func (ec *evalCtx) finishEvidence(ev []Evidence) {
	all := string(ec.tb)
	for i := range ev {
		sp := ec.spans[i]
		ev[i].Text = all[sp.from:sp.to]
	}
}

// floats returns two float64s for an entry's Value and Threshold, carved
// from a block shared by the decision.
func (ec *evalCtx) floats() *[2]float64 {
	if len(ec.fblock) < 2 {
		ec.fblock = make([]float64, 32)
	}
	p := (*[2]float64)(ec.fblock[:2])
	ec.fblock = ec.fblock[2:]
	return p
}

func (n *node) compareWords(ec *evalCtx, ev *Evidence) tri {
	var m measure
	res := n.compare(ec, &m)
	var vals *[2]float64
	if m.lok || !n.hasRight {
		vals = ec.floats()
	}
	ec.operandWords(&n.left)
	if !n.left.isField {
		ev.Window = n.left.window
		ev.Metric = n.left.metric.Name
	} else {
		ev.Metric = fieldTable[n.left.field].name
	}
	ev.Unit = n.left.unit
	if !m.lok {
		ec.tb = append(ec.tb, " is undefined ("...)
		ec.tb = append(ec.tb, undefinedWhy(ec, &n.left)...)
		ec.tb = append(ec.tb, ")"...)
	} else {
		vals[0] = m.left
		ev.Value = &vals[0]
		ec.tb = append(ec.tb, " is "...)
		ec.writeValue(n.left.unit, m.left)
		if m.hasIval {
			ev.Interval = &metrics.Interval{Lo: m.lo, Hi: m.hi, Confidence: n.conf}
			ec.intervalWords(n.conf, n.left.unit, m.lo, m.hi)
		} else if n.conf > 0 {
			ec.tb = append(ec.tb, " (no interval: too little data)"...)
		}
	}
	ec.tb = append(ec.tb, "; needs "...)
	if n.conf > 0 {
		if n.op == opGT || n.op == opGE {
			ec.tb = append(ec.tb, "its lower bound "...)
		} else {
			ec.tb = append(ec.tb, "its upper bound "...)
		}
	}
	switch {
	case n.op == opBetween || n.op == opOutside:
		ec.tb = append(ec.tb, n.op.words()...)
		ec.tb = append(ec.tb, ' ')
		ec.writeValue(n.left.unit, n.lo)
		ec.tb = append(ec.tb, " and "...)
		ec.writeValue(n.left.unit, n.hi)
	case n.hasRight:
		ec.tb = append(ec.tb, n.op.words()...)
		ec.tb = append(ec.tb, ' ')
		if n.factor != 1 {
			ec.tb = strconv.AppendFloat(ec.tb, n.factor, 'g', -1, 64)
			ec.tb = append(ec.tb, " x "...)
		}
		ec.operandWords(&n.right)
		if m.rok {
			if m.rIval {
				ec.intervalWords(n.conf, n.right.unit, m.rlo, m.rhi)
			} else {
				ec.tb = append(ec.tb, " ("...)
				ec.writeValue(n.right.unit, m.right)
				ec.tb = append(ec.tb, ")"...)
			}
			if res != triUnknown {
				vals[1] = m.threshold
				ev.Threshold = &vals[1]
				ec.tb = append(ec.tb, " = "...)
				ec.writeValue(n.left.unit, m.threshold)
			}
		} else if m.lok {
			ec.tb = append(ec.tb, ", which is undefined ("...)
			ec.tb = append(ec.tb, undefinedWhy(ec, &n.right)...)
			ec.tb = append(ec.tb, ")"...)
		}
	default:
		vals[1] = n.value
		ev.Threshold = &vals[1]
		ec.tb = append(ec.tb, n.op.words()...)
		ec.tb = append(ec.tb, ' ')
		ec.writeValue(n.left.unit, n.value)
	}
	return res
}

// intervalWords writes " (90% interval lo to hi)".
func (ec *evalCtx) intervalWords(conf float64, u metrics.Unit, lo, hi float64) {
	ec.tb = append(ec.tb, " ("...)
	ec.tb = strconv.AppendFloat(ec.tb, conf*100, 'g', -1, 64)
	ec.tb = append(ec.tb, "% interval "...)
	ec.writeValue(u, lo)
	ec.tb = append(ec.tb, " to "...)
	ec.writeValue(u, hi)
	ec.tb = append(ec.tb, ')')
}

func undefinedWhy(ec *evalCtx, o *operand) string {
	if o.isField {
		return "not set for this entity"
	}
	if _, ok := ec.e.counts(o.window); !ok {
		return "no data for " + o.window.Words()
	}
	return "its denominator is zero"
}

func (ec *evalCtx) operandWords(o *operand) {
	if o.isField {
		ec.tb = append(ec.tb, fieldTable[o.field].words...)
		return
	}
	ec.tb = append(ec.tb, o.metric.Name...)
	ec.tb = append(ec.tb, ' ')
	ec.tb = append(ec.tb, windowPhrases[o.window]...)
}

func (o op) words() string {
	switch o {
	case opGT:
		return "above"
	case opGE:
		return "at least"
	case opLT:
		return "below"
	case opLE:
		return "at most"
	case opEQ:
		return "exactly"
	case opNE:
		return "anything but"
	case opBetween:
		return "between"
	case opOutside:
		return "outside"
	}
	return "?"
}

// writeValue appends a value in its unit to ec.tb: money in the snapshot
// currency (minor units when none), fractions as percents.
func (ec *evalCtx) writeValue(u metrics.Unit, v float64) {
	ec.tb = appendValue(ec.tb, ec.money, u, v)
}

func appendValue(b []byte, money *metrics.Currency, u metrics.Unit, v float64) []byte {
	switch u {
	case metrics.UnitMoney:
		if money != nil && math.Abs(v) < 1e15 {
			b = money.AppendFormat(b, int64(math.Round(v)))
			b = append(b, ' ')
			return append(b, money.Code()...)
		}
		b = strconv.AppendFloat(b, math.Round(v*100)/100, 'f', -1, 64)
		return append(b, " (minor units)"...)
	case metrics.UnitFraction:
		b = strconv.AppendFloat(b, v*100, 'f', 2, 64)
		return append(b, '%')
	case metrics.UnitCount:
		return strconv.AppendFloat(b, v, 'f', 0, 64)
	case metrics.UnitHours:
		b = strconv.AppendFloat(b, v, 'f', 1, 64)
		return append(b, 'h')
	case metrics.UnitMilliseconds:
		b = strconv.AppendFloat(b, v, 'f', 0, 64)
		return append(b, " ms"...)
	}
	return strconv.AppendFloat(b, v, 'f', 2, 64)
}

func (n *node) minDataWords(ec *evalCtx) {
	ec.tb = append(ec.tb, "minimum data: "...)
	sep := ""
	if n.minAge > 0 {
		if ec.e.CreatedTime.IsZero() {
			ec.tb = append(ec.tb, "age unknown (needs "...)
		} else {
			ec.tb = append(ec.tb, "age "...)
			ec.writeValue(metrics.UnitHours, hoursBetween(ec.e.CreatedTime, ec.now))
			ec.tb = append(ec.tb, " (needs "...)
		}
		ec.writeValue(metrics.UnitHours, n.minAge)
		ec.tb = append(ec.tb, ')')
		sep = ", "
	}
	if n.minWindow == 0 {
		return
	}
	c, ok := ec.e.counts(n.minWindow)
	if !ok {
		ec.tb = append(ec.tb, sep...)
		ec.tb = append(ec.tb, "no data for "...)
		ec.tb = append(ec.tb, n.minWindow.Words()...)
		return
	}
	for _, m := range [...]struct {
		name       string
		have, need int64
		unit       metrics.Unit
	}{
		{"impressions", c.Impressions, n.minImpr, metrics.UnitCount},
		{"clicks", c.Clicks, n.minClicks, metrics.UnitCount},
		{"spend", c.Spend, n.minSpend, metrics.UnitMoney},
		{"conversions", c.Conversions, n.minConversions, metrics.UnitCount},
	} {
		if m.need <= 0 {
			continue
		}
		ec.tb = append(ec.tb, sep...)
		ec.tb = append(ec.tb, m.name...)
		ec.tb = append(ec.tb, ' ')
		ec.writeValue(m.unit, float64(m.have))
		ec.tb = append(ec.tb, " (needs "...)
		ec.writeValue(m.unit, float64(m.need))
		ec.tb = append(ec.tb, ')')
		sep = ", "
	}
	ec.tb = append(ec.tb, ' ')
	ec.tb = append(ec.tb, windowPhrases[n.minWindow]...)
}

func (n *node) recentWords(ec *evalCtx) string {
	what := "an action"
	if len(n.recentActions) > 0 {
		names := make([]string, len(n.recentActions))
		for i, a := range n.recentActions {
			names[i] = a.String()
		}
		what = "a " + strings.Join(names, " or ")
	}
	by := "any rule"
	if len(n.recentRules) > 0 {
		by = "rule " + strings.Join(n.recentRules, " or ")
	}
	h, ok := n.recentEntry(ec)
	if !ok {
		return fmt.Sprintf("no %s by %s in the last %s", strings.TrimPrefix(strings.TrimPrefix(what, "a "), "an "), by, hoursWords(n.within))
	}
	return fmt.Sprintf("%s by %s in the last %s: %s by %s at %s", what, by, hoursWords(n.within), h.Action, h.RuleID, h.At.Format(time.RFC3339))
}
