package metrics

import (
	"math"
	"time"
)

// Budget pacing compares actual spend with the spend a linear plan expects
// by now: expected = budget × the share of the period elapsed, and the
// pacing ratio is spend / expected (1 is on plan, above 1 overspending,
// below 1 under-delivering). Daily budgets reset at midnight in the ad
// account's time zone, so the daily functions read the day from now's
// location; pass times in that zone.

// PacingRatio returns spend / (budget × elapsed), the ratio of actual spend
// to the spend expected after the share elapsed (in [0, 1]) of a period
// with the given budget (minor units). ok is false when the expected spend
// is not positive: budget <= 0 or elapsed <= 0 (at the very start of the
// period nothing is expected yet) or elapsed is NaN, each checked on its
// own (a negative budget times a negative share is not a plan); and when
// spend is negative.
func PacingRatio(spend, budget int64, elapsed float64) (float64, bool) {
	if budget <= 0 || !(elapsed > 0) || spend < 0 {
		return 0, false
	}
	expected := float64(budget) * elapsed
	if !(expected > 0) || math.IsInf(expected, 0) {
		return 0, false
	}
	return float64(spend) / expected, true
}

// DayElapsed returns the share of now's calendar day elapsed at now, in
// [0, 1), in now's location. Days of a daylight-saving change have 23 or
// 25 hours, and the share counts real elapsed time over the real length of
// the day: at noon on a 23-hour day, 11 of 23 hours have passed.
func DayElapsed(now time.Time) float64 {
	midnight := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	day := midnight.AddDate(0, 0, 1).Sub(midnight) // 23 or 25 hours on DST days
	return float64(now.Sub(midnight)) / float64(day)
}

// PeriodElapsed returns the share of the period [start, end) elapsed at
// now, clamped to [0, 1]: 0 before the start, 1 after the end. ok is false
// when the period is empty (end not after start), so the share is
// undefined.
func PeriodElapsed(start, end, now time.Time) (float64, bool) {
	if !end.After(start) {
		return 0, false
	}
	f := float64(now.Sub(start)) / float64(end.Sub(start))
	return min(max(f, 0), 1), true
}

// DailyPacing returns the daily pacing ratio: spend today so far over the
// daily budget times the share of the day elapsed at now ([DayElapsed]).
// ok is false when dailyBudget <= 0 or at midnight exactly (nothing is
// expected yet).
func DailyPacing(spendToday, dailyBudget int64, now time.Time) (float64, bool) {
	if dailyBudget <= 0 {
		return 0, false
	}
	return PacingRatio(spendToday, dailyBudget, DayElapsed(now))
}

// LifetimePacing returns the lifetime pacing ratio: spend since the start
// of the flight over the lifetime budget times the share of the flight
// [start, end) elapsed at now ([PeriodElapsed]). ok is false when the
// flight is empty, lifetimeBudget <= 0, or the flight has not started.
func LifetimePacing(spend, lifetimeBudget int64, start, end, now time.Time) (float64, bool) {
	elapsed, ok := PeriodElapsed(start, end, now)
	if !ok || lifetimeBudget <= 0 {
		return 0, false
	}
	return PacingRatio(spend, lifetimeBudget, elapsed)
}
