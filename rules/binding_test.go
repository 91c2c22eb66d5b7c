package rules

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/adpilot/adpilot/metrics"
)

func TestDayWindows(t *testing.T) {
	for n := 1; n <= 7; n++ {
		w, ok := DayWindow(n)
		if !ok {
			t.Fatalf("DayWindow(%d) not ok", n)
		}
		if back, ok := w.DaysAgo(); !ok || back != n {
			t.Errorf("DayWindow(%d) = %v, DaysAgo = %d, %v", n, w, back, ok)
		}
		if p, err := ParseWindow(w.String()); err != nil || p != w {
			t.Errorf("ParseWindow(%q) = %v, %v", w, p, err)
		}
	}
	if w, _ := DayWindow(2); w.String() != "day_2" || w.Words() != "the day before yesterday" {
		t.Errorf("day 2 is %q / %q", w, w.Words())
	}
	for _, n := range []int{0, 8, -1} {
		if _, ok := DayWindow(n); ok {
			t.Errorf("DayWindow(%d) ok", n)
		}
	}
	for _, w := range []Window{WindowToday, WindowLast3D, WindowLifetime} {
		if _, ok := w.DaysAgo(); ok {
			t.Errorf("%v has a DaysAgo", w)
		}
	}
}

func libraryFor(t *testing.T, p Params) *RuleSet {
	t.Helper()
	spec, err := DefaultLibrary(p)
	if err != nil {
		t.Fatal(err)
	}
	set, err := Compile(spec)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func decisionsOf(ev *Evaluation, rule string) []Decision {
	var out []Decision
	for _, d := range ev.Decisions {
		if d.RuleID == rule {
			out = append(out, d)
		}
	}
	return out
}

func coverageOf(ev *Evaluation, rule string) RuleCoverage {
	for _, c := range ev.Coverage {
		if c.RuleID == rule {
			return c
		}
	}
	return RuleCoverage{}
}

// Under-delivery needs each of the last 3 days under half the budget: an
// ad set under half on two days and over it on the third does not fire,
// though its 3-day average is under half.
func TestUnderDeliveryEachDay(t *testing.T) {
	set := libraryFor(t, fixtureParams())
	days := func(d1, d2, d3 int64) Entity {
		return adset("1", "Ad set", 10000, LearningStageSuccess,
			win(WindowYesterday, metrics.Counts{Spend: d1}), win(WindowDay2, metrics.Counts{Spend: d2}),
			win(WindowDay3, metrics.Counts{Spend: d3}), win(WindowLast3D, metrics.Counts{Spend: d1 + d2 + d3}))
	}
	for _, tc := range []struct {
		name       string
		e          Entity
		fire       bool
		notMet, un int
	}{
		{"every day under half", days(2000, 3000, 4000), true, 0, 0},
		{"third day over half", days(2000, 1000, 9000), false, 1, 0},
		{"no day_3 window", adset("1", "Ad set", 10000, LearningStageSuccess, win(WindowYesterday, metrics.Counts{Spend: 1}), win(WindowDay2, metrics.Counts{Spend: 1})), false, 0, 1},
	} {
		ev, err := set.Evaluate(&Snapshot{Now: fixtureNow, Entities: []Entity{tc.e}})
		if err != nil {
			t.Fatal(err)
		}
		if got := len(decisionsOf(ev, "under-delivery")) == 1; got != tc.fire {
			t.Errorf("%s: fired %v, want %v", tc.name, got, tc.fire)
		}
		c := coverageOf(ev, "under-delivery")
		if c.NotMet != tc.notMet || c.Unknown != tc.un || c.Evaluated != 1 {
			t.Errorf("%s: coverage %+v", tc.name, c)
		}
		if tc.un > 0 && (len(c.Reasons) != 1 || c.Reasons[0].Reason != "no counts for day_3 (3 days ago)") {
			t.Errorf("%s: reasons %+v", tc.name, c.Reasons)
		}
	}
}

func TestCurrencyBinding(t *testing.T) {
	p := fixtureParams()
	p.Currency = "USD"
	set := libraryFor(t, p)
	if set.Spec().Currency != "USD" {
		t.Fatalf("spec currency %q", set.Spec().Currency)
	}
	for _, cur := range []string{"EUR", ""} {
		_, err := set.Evaluate(&Snapshot{Now: fixtureNow, Currency: cur, Entities: []Entity{adset("1", "x", 5000, "")}})
		if !errors.Is(err, ErrCurrencyMismatch) || !errors.Is(err, ErrInvalidSnapshot) || !strings.Contains(err.Error(), "USD") {
			t.Errorf("currency %q: err = %v; want a currency mismatch naming USD", cur, err)
		}
	}
	if _, err := set.Evaluate(&Snapshot{Now: fixtureNow, Currency: "USD", Entities: []Entity{adset("1", "x", 5000, "")}}); err != nil {
		t.Errorf("same currency: %v", err)
	}
	if _, err := DefaultLibrary(Params{TargetCPA: 1, Currency: "XXQ"}); err == nil {
		t.Error("unknown currency accepted by DefaultLibrary")
	}
	_, err := Compile(Spec{Currency: "usd!", Rules: fixtureLibrarySpec(t).Rules})
	var ce *CompileError
	if !errors.As(err, &ce) || ce.Problems[0].Path != "currency" {
		t.Errorf("bad spec currency: %v", err)
	}
}

func fixtureLibrarySpec(t *testing.T) Spec {
	t.Helper()
	spec, err := DefaultLibrary(fixtureParams())
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

// A purchase target never judges a lead ad set: with the rule set bound to
// omni_purchase, the stop-loss skips the lead ad set that has no
// purchases, and says why; rules that read no conversions still look at it.
func TestConversionEventBinding(t *testing.T) {
	p := fixtureParams()
	p.ConversionEvent = "omni_purchase"
	set := libraryFor(t, p)
	lead := adset("101", "DACH 25-54", 5000, LearningStageSuccess,
		win(WindowLast7D, metrics.Counts{Impressions: 20000, Reach: 4000, Spend: 10000, Conversions: 0}))
	lead.ConversionEvent = "lead"
	shop := lead
	shop.ID, shop.Name, shop.ConversionEvent = "102", "Shop", "omni_purchase"
	ev, err := set.Evaluate(&Snapshot{Now: fixtureNow, Entities: []Entity{lead, shop}})
	if err != nil {
		t.Fatal(err)
	}
	stops := decisionsOf(ev, "stop-loss")
	if len(stops) != 1 || stops[0].EntityID != "102" {
		t.Fatalf("stop-loss decisions %+v; want only the purchase ad set", stops)
	}
	c := coverageOf(ev, "stop-loss")
	if c.Skipped != 1 || c.Evaluated != 1 || len(c.Reasons) != 1 || !strings.Contains(c.Reasons[0].Reason, `counts "lead"`) || c.Reasons[0].Example != "101" {
		t.Errorf("stop-loss coverage %+v", c)
	}
	// frequency-saturation reads no conversions: both are evaluated (and fire: 5.0 > 3.5).
	if f := decisionsOf(ev, "frequency-saturation"); len(f) != 2 {
		t.Errorf("frequency-saturation decisions %d; want 2", len(f))
	}
	// Without a bound event the old behaviour holds.
	ev, _ = libraryFor(t, fixtureParams()).Evaluate(&Snapshot{Now: fixtureNow, Entities: []Entity{lead, shop}})
	if len(decisionsOf(ev, "stop-loss")) != 2 {
		t.Error("unbound rule set should judge both")
	}
	if _, err := Compile(Spec{ConversionEvent: "a b", Rules: fixtureLibrarySpec(t).Rules}); err == nil {
		t.Error("conversion event with a space accepted")
	}
}

func TestSnapshotValidation(t *testing.T) {
	set := libraryFor(t, fixtureParams())
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Fatal(err)
	}
	e := adset("1", "x", 5000, "")
	e.Account = "act_1"
	at := time.Date(2026, 3, 11, 3, 0, 0, 0, time.UTC) // 20:00 the day before in Los Angeles (PDT)
	for name, tc := range map[string]struct {
		snap Snapshot
		want string
	}{
		"now in UTC":       {Snapshot{Now: at, TimeZone: "America/Los_Angeles", Entities: []Entity{e}}, "not in the account's time zone"},
		"unknown zone":     {Snapshot{Now: at, TimeZone: "Mars/Olympus", Entities: []Entity{e}}, "TimeZone"},
		"entity without":   {Snapshot{Now: at.In(la), TimeZone: "America/Los_Angeles", Account: "act_1", Entities: []Entity{{ID: "2", Level: metrics.LevelAd}}}, "empty Account"},
		"other account":    {Snapshot{Now: at.In(la), Account: "act_2", Entities: []Entity{e}}, "Account act_1; expected the snapshot's account act_2"},
		"fixed zone alias": {Snapshot{Now: at.In(time.FixedZone("PDT", -7*3600)), TimeZone: "America/Los_Angeles", Account: "act_1", Entities: []Entity{e}}, ""},
	} {
		_, err := set.Evaluate(&tc.snap)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", name, err)
		case tc.want != "" && (!errors.Is(err, ErrInvalidSnapshot) || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: err = %v; want %q", name, err, tc.want)
		}
	}
}

// Coverage adds up, in document order, and names reach summed as a cause.
func TestCoverageCounts(t *testing.T) {
	set := libraryFor(t, fixtureParams())
	ev := fixtureEvaluation(t)
	if len(ev.Coverage) != len(set.Rules()) {
		t.Fatalf("%d coverage entries for %d rules", len(ev.Coverage), len(set.Rules()))
	}
	for i, c := range ev.Coverage {
		if c.RuleID != set.Rules()[i].ID() {
			t.Errorf("coverage %d is %s, rule %s", i, c.RuleID, set.Rules()[i].ID())
		}
		if c.Skipped+c.Evaluated != c.Entities || c.Fired+c.NotMet+c.Unknown != c.Evaluated {
			t.Errorf("%s: counts do not add up: %+v", c.RuleID, c)
		}
		n := 0
		for _, r := range c.Reasons {
			n += r.Count
		}
		if n != c.Unknown {
			t.Errorf("%s: %d reasons for %d unknown", c.RuleID, n, c.Unknown)
		}
	}
	summed := adset("1", "x", 5000, LearningStageSuccess, win(WindowLast7D, metrics.Counts{Impressions: 9000, Reach: 4000, ReachSummed: true}))
	ev, err := set.Evaluate(&Snapshot{Now: fixtureNow, Entities: []Entity{summed}})
	if err != nil {
		t.Fatal(err)
	}
	c := coverageOf(ev, "frequency-saturation")
	if c.Unknown != 1 || len(c.Reasons) != 1 || !strings.Contains(c.Reasons[0].Reason, "frequency over last_7d needs de-duplicated reach") {
		t.Errorf("reach summed: %+v", c)
	}
	c = coverageOf(ev, "learning-freeze")
	if c.Unknown != 0 {
		t.Errorf("learning-freeze %+v", c)
	}
	noStage := adset("1", "x", 5000, "")
	noStage.LastSignificantEdit = time.Time{}
	ev, _ = set.Evaluate(&Snapshot{Now: fixtureNow, Entities: []Entity{noStage}})
	c = coverageOf(ev, "learning-freeze")
	if c.Unknown != 1 || c.Reasons[0].Reason != "no learning stage" {
		t.Errorf("no learning stage: %+v", c)
	}
}
