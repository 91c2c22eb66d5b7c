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
func (n *node) evidence(ec *evalCtx, depth int, out []Evidence) (tri, []Evidence) {
	ev := Evidence{Depth: depth}
	var text string
	var res tri
	switch n.kind {
	case nodeAll, nodeAny, nodeNot:
		at := len(out)
		out = append(out, Evidence{})
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
		switch n.kind {
		case nodeAll:
			res = boolTri(met == len(n.kids))
			if res == triFalse && unknown > 0 && met+unknown == len(n.kids) {
				res = triUnknown
			}
			text = fmt.Sprintf("all of %d conditions (%d met)", len(n.kids), met)
		case nodeAny:
			res = boolTri(met > 0)
			if res == triFalse && unknown > 0 {
				res = triUnknown
			}
			text = fmt.Sprintf("any of %d conditions (%d met)", len(n.kids), met)
		default:
			res = triUnknown
			if unknown == 0 {
				res = boolTri(met == 0)
			}
			text = "not the following"
		}
		ev.Result = res.words()
		out[at] = labelled(n.label, text, ev)
		return res, out
	case nodeCompare:
		res, text = n.compareWords(ec, &ev)
	case nodeHours:
		res = boolTri(n.inHours(ec.now.Hour()))
		text = fmt.Sprintf("hour of day is %02d:00; needs %02d:00 to %02d:00", ec.now.Hour(), n.hourFrom, n.hourTo)
	case nodeWeekdays:
		res = n.eval(ec)
		var days []string
		for d := range 7 {
			if n.days&(1<<d) != 0 {
				days = append(days, weekdayNames[d])
			}
		}
		text = fmt.Sprintf("day of week is %s; needs one of %s", weekdayNames[ec.now.Weekday()], strings.Join(days, ", "))
	case nodeMinData:
		res = n.eval(ec)
		text = n.minDataWords(ec)
	case nodeRecent:
		res = n.eval(ec)
		text = n.recentWords(ec)
	}
	ev.Result = res.words()
	return res, append(out, labelled(n.label, text, ev))
}

func labelled(label, text string, ev Evidence) Evidence {
	if label != "" {
		text = label + ": " + text
	}
	ev.Text = text
	return ev
}

func (n *node) compareWords(ec *evalCtx, ev *Evidence) (tri, string) {
	var m measure
	res := n.compare(ec, &m)
	var b strings.Builder
	b.Grow(192)
	vals := new([2]float64) // Value and Threshold share one allocation
	b.WriteString(operandWords(&n.left))
	if !n.left.isField {
		ev.Window = n.left.window
	}
	if !m.lok {
		b.WriteString(" is undefined (")
		b.WriteString(undefinedWhy(ec, &n.left))
		b.WriteString(")")
	} else {
		vals[0] = m.left
		ev.Value = &vals[0]
		b.WriteString(" is ")
		ec.writeValue(&b, n.left.unit, m.left)
		if m.hasIval {
			ev.Interval = &Interval{Lo: m.lo, Hi: m.hi, Confidence: n.conf}
			fmt.Fprintf(&b, " (%s interval %s to %s)", pctWords(n.conf), ec.format(n.left.unit, m.lo), ec.format(n.left.unit, m.hi))
		} else if n.conf > 0 {
			b.WriteString(" (no interval: too little data)")
		}
	}
	b.WriteString("; needs ")
	if n.conf > 0 {
		if n.op == opGT || n.op == opGE {
			b.WriteString("its lower bound ")
		} else {
			b.WriteString("its upper bound ")
		}
	}
	switch {
	case n.op == opBetween || n.op == opOutside:
		fmt.Fprintf(&b, "%s %s and %s", n.op.words(), ec.format(n.left.unit, n.lo), ec.format(n.left.unit, n.hi))
	case n.hasRight:
		b.WriteString(n.op.words())
		b.WriteString(" ")
		if n.factor != 1 {
			b.WriteString(strconv.FormatFloat(n.factor, 'g', -1, 64))
			b.WriteString(" x ")
		}
		b.WriteString(operandWords(&n.right))
		if m.rok {
			if m.rIval {
				fmt.Fprintf(&b, " (%s interval %s to %s)", pctWords(n.conf), ec.format(n.right.unit, m.rlo), ec.format(n.right.unit, m.rhi))
			} else {
				b.WriteString(" (")
				b.WriteString(ec.format(n.right.unit, m.right))
				b.WriteString(")")
			}
			if res != triUnknown {
				vals[1] = m.threshold
				ev.Threshold = &vals[1]
				b.WriteString(" = ")
				ec.writeValue(&b, n.left.unit, m.threshold)
			}
		} else if m.lok {
			b.WriteString(", which is undefined (")
			b.WriteString(undefinedWhy(ec, &n.right))
			b.WriteString(")")
		}
	default:
		vals[1] = n.value
		ev.Threshold = &vals[1]
		b.WriteString(n.op.words())
		b.WriteString(" ")
		ec.writeValue(&b, n.left.unit, n.value)
	}
	return res, b.String()
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

func operandWords(o *operand) string {
	if o.isField {
		return fieldTable[o.field].words
	}
	return o.metric.Name + " " + windowPhrases[o.window]
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

func pctWords(f float64) string { return strconv.FormatFloat(f*100, 'g', -1, 64) + "%" }

// format returns a value in its unit: money in the snapshot currency
// (minor units when none), fractions as percents.
func (ec *evalCtx) format(u metrics.Unit, v float64) string {
	var b strings.Builder
	ec.writeValue(&b, u, v)
	return b.String()
}

// writeValue writes a value in its unit, as format does.
func (ec *evalCtx) writeValue(b *strings.Builder, u metrics.Unit, v float64) {
	var buf [32]byte
	switch u {
	case metrics.UnitMoney:
		if ec.money != nil && math.Abs(v) < 1e15 {
			b.WriteString(ec.money.Format(int64(math.Round(v))))
			b.WriteString(" ")
			b.WriteString(ec.money.Code())
			return
		}
		b.Write(strconv.AppendFloat(buf[:0], math.Round(v*100)/100, 'f', -1, 64))
		b.WriteString(" (minor units)")
	case metrics.UnitFraction:
		b.Write(strconv.AppendFloat(buf[:0], v*100, 'f', 2, 64))
		b.WriteString("%")
	case metrics.UnitCount:
		b.Write(strconv.AppendFloat(buf[:0], v, 'f', 0, 64))
	case unitHours:
		b.Write(strconv.AppendFloat(buf[:0], v, 'f', 1, 64))
		b.WriteString("h")
	case metrics.UnitDuration:
		b.Write(strconv.AppendFloat(buf[:0], v, 'f', 0, 64))
		b.WriteString(" ms")
	default:
		b.Write(strconv.AppendFloat(buf[:0], v, 'f', 2, 64))
	}
}

func (n *node) minDataWords(ec *evalCtx) string {
	var b strings.Builder
	b.Grow(128)
	b.WriteString("minimum data: ")
	sep := ""
	if n.minAge > 0 {
		if ec.e.CreatedTime.IsZero() {
			b.WriteString("age unknown (needs ")
		} else {
			b.WriteString("age ")
			ec.writeValue(&b, unitHours, hoursBetween(ec.e.CreatedTime, ec.now))
			b.WriteString(" (needs ")
		}
		ec.writeValue(&b, unitHours, n.minAge)
		b.WriteString(")")
		sep = ", "
	}
	if n.minWindow == 0 {
		return b.String()
	}
	c, ok := ec.e.counts(n.minWindow)
	if !ok {
		b.WriteString(sep)
		b.WriteString("no data for ")
		b.WriteString(n.minWindow.Words())
		return b.String()
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
		b.WriteString(sep)
		b.WriteString(m.name)
		b.WriteString(" ")
		ec.writeValue(&b, m.unit, float64(m.have))
		b.WriteString(" (needs ")
		ec.writeValue(&b, m.unit, float64(m.need))
		b.WriteString(")")
		sep = ", "
	}
	b.WriteString(" ")
	b.WriteString(windowPhrases[n.minWindow])
	return b.String()
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
