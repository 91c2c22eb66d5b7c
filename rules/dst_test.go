package rules

import (
	"math"
	"testing"
	"time"
	_ "time/tzdata" // the zones below on any machine

	"github.com/adpilot/adpilot/metrics"
)

// The rules' today window ends at Snapshot.Now and starts at the first
// instant of Now's local date (metrics.DayStart); daily_pacing divides
// today's spend by the budget times the real share of that day elapsed.
// On days that begin with a daylight-saving jump at midnight the day
// starts at 01:00 and has 23 hours; on days that fall back it has 25.
func TestDailyPacingDST(t *testing.T) {
	const budget, spend = 4800, 3000
	for _, tt := range []struct {
		zone          string
		y, m, d, h    int
		elapsed, day  float64 // hours since the day's first instant, hours in the day
		startH, start int     // local hour and UTC offset hours of the day's first instant
	}{
		{"America/Santiago", 2024, 9, 8, 12, 11, 23, 1, -3},
		{"America/Santiago", 2024, 9, 7, 23, 23, 24, 0, -4},
		{"America/Santiago", 2024, 4, 6, 22, 22, 25, 0, -3}, // 24:00 → 23:00: 23:00 comes twice
		{"America/Asuncion", 2023, 10, 1, 12, 11, 23, 1, -3},
		{"America/Havana", 2024, 3, 10, 12, 11, 23, 1, -4},
		{"America/Havana", 2024, 11, 3, 12, 13, 25, 0, -4}, // 01:00 → 00:00: the first midnight starts the day
		{"Asia/Beirut", 2024, 3, 31, 12, 11, 23, 1, 3},
		{"Asia/Beirut", 2024, 10, 26, 22, 22, 25, 0, 3},
		{"Africa/Cairo", 2024, 4, 26, 12, 11, 23, 1, 3},
		{"Africa/Cairo", 2024, 10, 31, 22, 22, 25, 0, 3},
		{"America/New_York", 2026, 11, 1, 12, 13, 25, 0, -4},
	} {
		loc, err := time.LoadLocation(tt.zone)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Date(tt.y, time.Month(tt.m), tt.d, tt.h, 0, 0, 0, loc)
		start := time.Date(tt.y, time.Month(tt.m), tt.d, tt.startH, 0, 0, 0, time.FixedZone("", tt.start*3600))
		if got := metrics.DayStart(now); !got.Equal(start) {
			t.Errorf("%s %v: today starts at %v, want %v", tt.zone, now, got, start)
		}
		e := Entity{ID: "1", Level: metrics.LevelAdSet, DailyBudget: budget, Stats: []WindowCounts{win(WindowToday, metrics.Counts{Spend: spend})}}
		want := spend / (budget * tt.elapsed / tt.day)
		got, ok := fieldDailyPacing.value(&e, now)
		if !ok || math.Abs(got-want) > 1e-12 {
			t.Errorf("%s %v: daily_pacing = %v, %v; want %v (%v of %v hours)", tt.zone, now, got, ok, want, tt.elapsed, tt.day)
		}
	}
}

// A rule on daily_pacing decides by the real share of the day: at noon in
// Santiago on 8 September 2024, 11 of 23 hours have passed, so 3000 of a
// 4800 budget is a pacing of 1.307 and the rule fires (counted from 23:00
// the day before, 12 of 23 hours, it was 1.198 and did not); at noon the
// day before, 12 of 24 hours give 1.25 (not 12 of 23).
func TestDailyPacingRuleDST(t *testing.T) {
	scl, err := time.LoadLocation("America/Santiago")
	if err != nil {
		t.Fatal(err)
	}
	set := oneRule(t, `{"field": "daily_pacing", "op": ">", "value": 1.28}`, "", "")
	e := statsEntity(win(WindowToday, metrics.Counts{Spend: 3000}))
	e.DailyBudget = 4800
	for _, tt := range []struct {
		now  time.Time
		fire bool
	}{
		{time.Date(2024, 9, 8, 12, 0, 0, 0, scl), true},  // 3000 / (4800·11/23) = 1.307
		{time.Date(2024, 9, 7, 12, 0, 0, 0, scl), false}, // 3000 / (4800·12/24) = 1.25
	} {
		ev, err := set.Evaluate(&Snapshot{Now: tt.now, Entities: []Entity{e}})
		if err != nil {
			t.Fatal(err)
		}
		if fired := len(ev.Decisions) == 1; fired != tt.fire {
			t.Errorf("at %v: %d decisions, want fire = %v", tt.now, len(ev.Decisions), tt.fire)
		}
	}
}
