package rules

import (
	"math"
	"testing"
	"time"

	"github.com/adpilot/adpilot/metrics"
)

func TestFieldValues(t *testing.T) {
	// fixtureNow is 15:30, so 15.5/24 of the day has elapsed.
	e := Entity{
		ID: "1", Level: metrics.LevelAdSet, DailyBudget: 4800, LifetimeBudget: 0, BidAmount: 250,
		CreatedTime: fixtureNow.Add(-48 * time.Hour), LastSignificantEdit: fixtureNow.Add(-6 * time.Hour),
		StartTime: fixtureNow.Add(-24 * time.Hour), EndTime: fixtureNow.Add(72 * time.Hour),
		LearningStage: LearningStageLearning,
		Stats: []WindowCounts{
			win(WindowToday, metrics.Counts{Spend: 3100}),
			win(WindowLifetime, metrics.Counts{Spend: 50000}),
		},
	}
	cases := []struct {
		f      field
		want   float64
		wantOK bool
	}{
		{fieldDailyBudget, 4800, true},
		{fieldLifetimeBudget, 0, false},
		{fieldBudget, 4800, true},
		{fieldBidAmount, 250, true},
		{fieldAgeHours, 48, true},
		{fieldHoursSinceEdit, 6, true},
		{fieldFlightElapsed, 0.25, true},
		{fieldDailyPacing, 3100 / (4800 * 15.5 / 24), true},
		{fieldLifetimePacing, 0, false}, // no lifetime budget
		{fieldLearningPhase, 1, true},
	}
	for _, c := range cases {
		got, ok := c.f.value(&e, fixtureNow)
		if ok != c.wantOK || (ok && math.Abs(got-c.want) > 1e-9) {
			t.Errorf("%s = %v, %v; want %v, %v", fieldTable[c.f].name, got, ok, c.want, c.wantOK)
		}
	}
	e.DailyBudget, e.LifetimeBudget = 0, 100000
	if got, ok := fieldLifetimePacing.value(&e, fixtureNow); !ok || math.Abs(got-2) > 1e-9 {
		t.Errorf("lifetime_pacing = %v, %v; want 2 (50000 spent of 25000 planned)", got, ok)
	}
	if got, ok := fieldBudget.value(&e, fixtureNow); !ok || got != 100000 {
		t.Errorf("budget = %v, %v; want the lifetime budget", got, ok)
	}
	// Unknown inputs are undefined, never zero.
	var bare Entity
	for f := fieldDailyBudget; f < numFields; f++ {
		if _, ok := f.value(&bare, fixtureNow); ok {
			t.Errorf("%s defined on an empty entity", fieldTable[f].name)
		}
	}
}

func TestMessageTemplate(t *testing.T) {
	set := oneRule(t, `{"label": "big spender", "metric": "spend", "window": "last_7d", "op": ">", "value": 10}`,
		`{"type": "notify", "message": "{{.Rule}} on {{.Level}} {{.Entity}} ({{.EntityID}}): {{.Evidence}}"}`, "")
	ev, err := set.Evaluate(&Snapshot{Now: fixtureNow, Currency: "EUR", Entities: []Entity{statsEntity(win(WindowLast7D, metrics.Counts{Spend: 1234}))}})
	if err != nil || len(ev.Decisions) != 1 {
		t.Fatalf("%v %v", ev, err)
	}
	want := "r on adset Test (1): big spender: spend over the last 7 complete days is 12.34 EUR; needs above 0.10 EUR"
	if got := ev.Decisions[0].Message; got != want {
		t.Errorf("message %q\nwant %q", got, want)
	}
}

func TestExportKillSwitchDisables(t *testing.T) {
	set, err := CompileJSON([]byte(`{"kill_switch": true, "rules": [{"id": "r", "level": "adset", "live": true,
	  "conditions": {"metric": "spend", "window": "today", "op": ">", "value": 100}, "action": {"type": "pause"}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	exp, _ := set.ExportMeta()
	if len(exp.Rules) != 1 || exp.Rules[0].Meta.Status != "DISABLED" {
		t.Errorf("export under the kill switch: %+v", exp.Rules)
	}
}

// TestEntityTotals: Entity.Totals hands metrics.CampaignStatistics the
// counts of one window with the entity's id and name, and reports a
// window the entity lacks.
func TestEntityTotals(t *testing.T) {
	snap := fixtureSnapshot()
	var ents []metrics.EntityTotals
	for i := range snap.Entities {
		e := &snap.Entities[i]
		tot, ok := e.Totals(WindowLast7D)
		if !ok {
			continue
		}
		want, _ := e.counts(WindowLast7D)
		if tot.ID != e.ID || tot.Name != e.Name || tot.Counts != *want {
			t.Fatalf("Totals(last_7d) of %s = %+v; want its id, name and last_7d counts", e.ID, tot)
		}
		ents = append(ents, tot)
	}
	if len(ents) == 0 {
		t.Fatal("no fixture entity has last_7d counts")
	}
	st, err := metrics.CampaignStatistics(ents, metrics.StatsOptions{})
	if err != nil || len(st.Entities) != len(ents) {
		t.Fatalf("CampaignStatistics: %d entities, %v", len(st.Entities), err)
	}
	if _, ok := (&Entity{ID: "x"}).Totals(WindowLast7D); ok {
		t.Error("an entity without counts has Totals")
	}
}
