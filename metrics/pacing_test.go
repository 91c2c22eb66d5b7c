package metrics

import (
	"math"
	"testing"
	"time"
	_ "time/tzdata" // America/New_York for the daylight-saving days
)

func TestPacingRatio(t *testing.T) {
	for _, tt := range []struct {
		spend, budget int64
		elapsed, want float64
		ok            bool
	}{
		{3000, 4000, 0.75, 1, true},       // 4000 × 0.75 = 3000 expected, 3000 spent
		{4500, 4000, 0.75, 1.5, true},     // 4500 / 3000
		{1000, 4000, 0.5, 0.5, true},      // 1000 / 2000
		{0, 4000, 0.5, 0, true},           // nothing spent yet: defined, 0
		{5000, 10000, 1, 0.5, true},       // period over: spend / budget
		{100, 4000, 0, 0, false},          // nothing expected at the start
		{100, 0, 0.5, 0, false},           // no budget
		{100, -4000, 0.5, 0, false},       // invalid budget
		{100, 4000, -0.1, 0, false},       // invalid elapsed share
		{100, 4000, math.NaN(), 0, false}, // invalid elapsed share
	} {
		got, ok := PacingRatio(tt.spend, tt.budget, tt.elapsed)
		if ok != tt.ok || got != tt.want {
			t.Errorf("PacingRatio(%d, %d, %v) = %v, %v; want %v, %v", tt.spend, tt.budget, tt.elapsed, got, ok, tt.want, tt.ok)
		}
	}
}

func TestDayElapsed(t *testing.T) {
	est := time.FixedZone("EST", -5*3600)
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		now  time.Time
		want float64
	}{
		{time.Date(2026, 3, 11, 0, 0, 0, 0, est), 0},
		{time.Date(2026, 3, 11, 6, 0, 0, 0, est), 0.25},
		{time.Date(2026, 3, 11, 18, 0, 0, 0, est), 0.75},
		{time.Date(2026, 3, 11, 15, 30, 0, 0, est), 15.5 / 24},
		// The same instant as 20:30 UTC: the day is the location's, not UTC's.
		{time.Date(2026, 3, 11, 15, 30, 0, 0, est).UTC(), 20.5 / 24},
		// 8 March 2026 in New York has 23 hours (02:00 skipped): at noon
		// 11 hours have passed.
		{time.Date(2026, 3, 8, 12, 0, 0, 0, ny), 11.0 / 23},
		// 1 November 2026 has 25 hours (01:00 twice): at noon 13 have passed.
		{time.Date(2026, 11, 1, 12, 0, 0, 0, ny), 13.0 / 25},
	} {
		if got := DayElapsed(tt.now); math.Abs(got-tt.want) > 1e-15 {
			t.Errorf("DayElapsed(%v) = %v, want %v", tt.now, got, tt.want)
		}
	}
}

func TestPeriodElapsed(t *testing.T) {
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	end := start.AddDate(0, 0, 10)
	for _, tt := range []struct {
		now  time.Time
		want float64
		ok   bool
	}{
		{start.AddDate(0, 0, 4), 0.4, true},
		{start.Add(36 * time.Hour), 0.15, true},
		{start, 0, true},
		{start.AddDate(0, 0, -2), 0, true}, // before the start: clamped
		{end.AddDate(0, 0, 3), 1, true},    // after the end: clamped
	} {
		got, ok := PeriodElapsed(start, end, tt.now)
		if ok != tt.ok || math.Abs(got-tt.want) > 1e-15 {
			t.Errorf("PeriodElapsed(..., %v) = %v, %v; want %v, %v", tt.now, got, ok, tt.want, tt.ok)
		}
	}
	for _, e := range []time.Time{start, start.Add(-time.Hour)} {
		if _, ok := PeriodElapsed(start, e, start); ok {
			t.Errorf("PeriodElapsed with end %v is defined for an empty flight", e)
		}
	}
}

func TestDailyAndLifetimePacing(t *testing.T) {
	est := time.FixedZone("EST", -5*3600)
	at18 := time.Date(2026, 3, 11, 18, 0, 0, 0, est) // 0.75 of the day
	if got, ok := DailyPacing(4500, 4000, at18); !ok || got != 1.5 {
		t.Errorf("DailyPacing(4500, 4000, 18:00) = %v, %v; want 1.5 (4500 / 3000)", got, ok)
	}
	if _, ok := DailyPacing(4500, 0, at18); ok {
		t.Error("DailyPacing without a budget is defined")
	}
	if _, ok := DailyPacing(10, 4000, time.Date(2026, 3, 11, 0, 0, 0, 0, est)); ok {
		t.Error("DailyPacing at midnight is defined")
	}

	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	end := start.AddDate(0, 0, 10)
	day4 := start.AddDate(0, 0, 4) // 0.4 of the flight: 40000 of 100000 expected
	for _, tt := range []struct {
		spend, budget int64
		now           time.Time
		want          float64
		ok            bool
	}{
		{40000, 100000, day4, 1, true},
		{50000, 100000, day4, 1.25, true},
		{20000, 100000, day4, 0.5, true},
		{90000, 100000, end.AddDate(0, 0, 1), 0.9, true}, // over: spend / budget
		{100, 100000, start, 0, false},                   // not started: nothing expected
		{100, 100000, start.AddDate(0, 0, -1), 0, false},
		{100, 0, day4, 0, false},
	} {
		got, ok := LifetimePacing(tt.spend, tt.budget, start, end, tt.now)
		if ok != tt.ok || math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("LifetimePacing(%d, %d, %v) = %v, %v; want %v, %v", tt.spend, tt.budget, tt.now, got, ok, tt.want, tt.ok)
		}
	}
	if _, ok := LifetimePacing(100, 1000, start, start, day4); ok {
		t.Error("LifetimePacing over an empty flight is defined")
	}
}
