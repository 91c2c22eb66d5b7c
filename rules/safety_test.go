package rules

import (
	"errors"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/adpilot/adpilot/metrics"
)

// compileErr compiles doc and returns the error text ("" when it compiled).
func compileErr(t *testing.T, doc string) string {
	t.Helper()
	_, err := CompileJSON([]byte(doc))
	if err == nil {
		return ""
	}
	if !errors.Is(err, ErrInvalidSpec) {
		t.Fatalf("error %v does not match ErrInvalidSpec", err)
	}
	return err.Error()
}

func notifyDoc(msg string) string {
	return `{"rules": [{"id": "r", "level": "adset", "conditions": {"metric": "spend", "window": "last_7d", "op": ">", "value": 1},
	  "action": {"type": "notify", "message": ` + jsonString(msg) + `}}]}`
}

func jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// Message templates are untrusted: only text and the documented
// placeholders compile, so no template can loop, branch or call anything.
func TestMessageTemplateAcceptsOnlyPlaceholders(t *testing.T) {
	bad := []string{
		`{{range 100000000}}{{range 100000000}}x{{end}}{{end}}`,
		`{{range 3}}x{{end}}`,
		`{{if .Entity}}x{{end}}`,
		`{{with .Entity}}{{.}}{{end}}`,
		`{{printf "%s" .Entity}}`,
		`{{.Entity | printf "%q"}}`,
		`{{template "x"}}`,
		`{{define "x"}}y{{end}}`,
		`{{call .Entity}}`,
		`{{.Nope}}`,
		`{{.Entity.Name}}`,
		`{{$x := 1}}`,
		`{{/* comment */}}`,
		`{{.Entity`,
		strings.Repeat("x", maxMessageTemplate+1),
	}
	for _, m := range bad {
		msg := compileErr(t, notifyDoc(m))
		if !strings.Contains(msg, "rules[0].action.message: invalid template") {
			t.Errorf("template %.60q: error %q; want an invalid template problem", m, msg)
		}
	}
	good := []string{"plain", "{{.Rule}} {{ .Entity }} {{.EntityID}} {{.Level}} {{.Evidence}}", "a } b { c"}
	for _, m := range good {
		if msg := compileErr(t, notifyDoc(m)); msg != "" {
			t.Errorf("template %q: %s", m, msg)
		}
	}
}

func TestMessageRendering(t *testing.T) {
	set := oneRule(t, `{"metric": "spend", "window": "last_7d", "op": ">", "value": 1}`,
		`{"type": "notify", "message": "{{.Rule}}|{{ .Entity }}|{{.EntityID}}|{{.Level}}|{{.Evidence}}"}`, "")
	e := statsEntity(win(WindowLast7D, metrics.Counts{Spend: 5000}))
	ev, err := set.Evaluate(snapOf(e))
	if err != nil || len(ev.Decisions) != 1 {
		t.Fatalf("%v, %v", ev, err)
	}
	got := ev.Decisions[0].Message
	if !strings.HasPrefix(got, "r|Test|1|adset|spend over the last 7 complete days is 5000") {
		t.Errorf("message %q", got)
	}

	// A long entity name cannot make the message unbounded.
	e.Name = strings.Repeat("é", maxMessage)
	ev, err = set.Evaluate(snapOf(e))
	if err != nil {
		t.Fatal(err)
	}
	got = ev.Decisions[0].Message
	if len(got) > maxMessage+len("…") || !strings.HasSuffix(got, "…") || !utf8Valid(got) {
		t.Errorf("long message: %d bytes, suffix %q", len(got), got[len(got)-8:])
	}
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }

// A rule cannot borrow the safeguard exemptions of a class its action
// contradicts: safety and protect only cut, scale only grows.
func TestClassMustMatchDirection(t *testing.T) {
	doc := func(class, action string) string {
		return `{"rules": [{"id": "r", "level": "adset", "class": "` + class + `", "conditions": {"metric": "spend", "window": "last_7d", "op": ">", "value": 1}, "action": ` + action + `}]}`
	}
	bad := []struct{ class, action, want string }{
		{"safety", `{"type": "scale_budget", "percent": 100}`, `rules[0].class: class "safety" contradicts action "scale_budget" by 100%`},
		{"protect", `{"type": "scale_budget", "percent": 20}`, `rules[0].class: class "protect" contradicts`},
		{"safety", `{"type": "unpause"}`, `rules[0].class: class "safety" contradicts action "unpause"`},
		{"protect", `{"type": "change_bid", "percent": 10}`, `rules[0].class: class "protect" contradicts`},
		{"scale", `{"type": "scale_budget", "percent": -20}`, `rules[0].class: class "scale" contradicts action "scale_budget" by -20%`},
		{"scale", `{"type": "pause"}`, `rules[0].class: class "scale" contradicts action "pause"`},
		{"scale", `{"type": "change_bid", "percent": -10}`, `rules[0].class: class "scale" contradicts`},
	}
	for _, c := range bad {
		if msg := compileErr(t, doc(c.class, c.action)); !strings.Contains(msg, c.want) {
			t.Errorf("%s %s: %q; want %q", c.class, c.action, msg, c.want)
		}
	}
	good := []struct{ class, action string }{
		{"protect", `{"type": "scale_budget", "percent": -20}`},
		{"safety", `{"type": "scale_budget", "percent": -50}`},
		{"protect", `{"type": "pause"}`},
		{"scale", `{"type": "unpause"}`},
		{"protect", `{"type": "set_budget", "amount": 1000}`},
		{"safety", `{"type": "change_bid", "amount": 100}`},
	}
	for _, c := range good {
		if msg := compileErr(t, doc(c.class, c.action)); msg != "" {
			t.Errorf("%s %s: %s", c.class, c.action, msg)
		}
	}
}

// set_budget and change_bid to an amount go either way; under a safety or
// protect class a raise is blocked at evaluation, with the reason.
func TestAbsoluteRaiseUnderCutClassIsBlocked(t *testing.T) {
	always := `{"metric": "spend", "window": "last_7d", "op": ">=", "value": 0}`
	cases := []struct {
		class, action string
		bid           int64
		allowed       bool
	}{
		{"safety", `{"type": "set_budget", "amount": 9000}`, 0, false},
		{"protect", `{"type": "set_budget", "amount": 9000}`, 0, false},
		{"protect", `{"type": "set_budget", "amount": 2000}`, 0, true},
		{"scale", `{"type": "set_budget", "amount": 9000}`, 0, true},
		{"protect", `{"type": "change_bid", "amount": 900}`, 300, false},
		{"protect", `{"type": "change_bid", "amount": 200}`, 300, true},
	}
	for _, c := range cases {
		doc := `{"max_daily_changes": 1, "rules": [{"id": "r", "level": "adset", "live": true, "class": "` + c.class + `", "conditions": ` + always + `, "action": ` + c.action + `}]}`
		set, err := CompileJSON([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		e := statsEntity(win(WindowLast7D, metrics.Counts{Spend: 1000}))
		e.BidAmount = c.bid
		ev, err := set.Evaluate(snapOf(e))
		if err != nil || len(ev.Decisions) != 1 {
			t.Fatalf("%v %v", ev, err)
		}
		d := ev.Decisions[0]
		if d.Allowed != c.allowed {
			t.Errorf("%s %s: allowed %v; want %v\n%s", c.class, c.action, d.Allowed, c.allowed, text(ev))
		}
		if !c.allowed && !hasCheck(d, "class", false, "only cuts, but this change raises") {
			t.Errorf("%s %s: no failed class check\n%s", c.class, c.action, text(ev))
		}
	}
}

func hasCheck(d Decision, name string, passed bool, detail string) bool {
	for _, c := range d.Safeguards {
		if c.Name == name && c.Passed == passed && strings.Contains(c.Detail, detail) {
			return true
		}
	}
	return false
}

// The weekly cap bounds bids as it bounds budgets: with a 20% weekly cap a
// bid cannot climb from 100 to 247 in 5 days by steps of 20%.
func TestWeekCapBoundsBids(t *testing.T) {
	always := `{"metric": "spend", "window": "last_7d", "op": ">=", "value": 0}`
	set := oneRule(t, always, `{"type": "change_bid", "percent": 20}`, `{"max_step_percent": 20, "max_week_percent": 20}`)
	e := statsEntity(win(WindowLast7D, metrics.Counts{Spend: 1000}))
	bid := int64(100)
	var hist []Entry
	for day := range 5 {
		e.BidAmount = bid
		snap := snapOf(e)
		snap.Now = fixtureNow.Add(time.Duration(day-5) * 24 * time.Hour)
		snap.History = hist
		ev, err := set.Evaluate(snap)
		if err != nil || len(ev.Decisions) != 1 {
			t.Fatalf("%v %v", ev, err)
		}
		d := ev.Decisions[0]
		if d.Allowed {
			hist = append(hist, Entry{DecisionID: d.ID, RuleID: d.RuleID, EntityID: d.EntityID, Level: d.Level, Action: d.Action, From: d.From, To: d.To, Outcome: OutcomeApplied, At: d.At})
			bid = d.To
		}
	}
	if bid > 120 {
		t.Errorf("bid went from 100 to %d in 5 days under a 20%% weekly cap; want at most 120", bid)
	}
	if bid != 120 {
		t.Errorf("bid %d; want 120 (the cap reached)", bid)
	}
}

func nestedNots(n int) string {
	return `{"rules": [{"id": "a", "level": "ad", "conditions": ` + strings.Repeat(`{"not": `, n) +
		`{"hours": {"from": 1, "to": 2}}` + strings.Repeat("}", n) + `, "action": {"type": "pause"}}]}`
}

// Deep nesting is refused with a path, in memory linear in the document.
func TestCompileBoundsNesting(t *testing.T) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	msg := compileErr(t, nestedNots(9990))
	runtime.ReadMemStats(&after)
	if !strings.Contains(msg, "rules[0].conditions.not.not") || !strings.Contains(msg, "expected condition trees at most 32 levels deep") {
		t.Errorf("error %.300q", msg)
	}
	if mb := (after.TotalAlloc - before.TotalAlloc) >> 20; mb > 40 {
		t.Errorf("compiling 9,990 nested nots allocated %d MiB; want well under 40", mb)
	}
	if msg := compileErr(t, nestedNots(maxDepth-1)); msg != "" {
		t.Errorf("depth %d refused: %s", maxDepth, msg)
	}
	// Go specs bypass the JSON walk; Compile bounds them itself.
	spec, err := ParseSpec([]byte(nestedNots(maxDepth - 1)))
	if err != nil {
		t.Fatal(err)
	}
	cs := spec.Rules[0].Conditions
	for range 5 {
		cs = &ConditionSpec{Not: cs}
	}
	spec.Rules[0].Conditions = cs
	if _, err := Compile(spec); err == nil || !strings.Contains(err.Error(), "condition nested 33 levels deep; expected at most 32") {
		t.Errorf("Compile of a 36-deep tree: %v", err)
	}
}

func TestCompileBoundsSize(t *testing.T) {
	leaf := ConditionSpec{Hours: &HoursSpec{From: 1, To: 2}}
	wide := Spec{Rules: []RuleSpec{{ID: "a", Level: "ad", Action: ActionSpec{Type: "pause"},
		Conditions: &ConditionSpec{Any: slices.Repeat([]ConditionSpec{leaf}, maxNodes+5)}}}}
	if _, err := Compile(wide); err == nil || !strings.Contains(err.Error(), "rules[0].conditions.any[999]: the rule has more than 1000 conditions") {
		t.Errorf("wide rule: %v", err)
	}
	many := Spec{Rules: slices.Repeat(wide.Rules[:1], maxRules+1)}
	if _, err := Compile(many); err == nil || !strings.Contains(err.Error(), "rules: 1001 rules; expected at most 1000") {
		t.Errorf("many rules: %v", err)
	}
	big := []byte(`{"rules": [{"id": "a", "description": "` + strings.Repeat("x", maxDocumentBytes) + `"}]}`)
	if _, err := CompileJSON(big); err == nil || !strings.Contains(err.Error(), "$: document of") {
		t.Errorf("big document: %v", err)
	}
	// Problems are bounded too.
	bad := Spec{Rules: slices.Repeat([]RuleSpec{{ID: "a"}}, maxRules)}
	var ce *CompileError
	if _, err := Compile(bad); !errors.As(err, &ce) || len(ce.Problems) != maxProblems+1 {
		t.Errorf("bad rules: %d problems; want %d", len(ce.Problems), maxProblems+1)
	}
}
