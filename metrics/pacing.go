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
// [0, 1), in now's location. A day runs from its first instant
// ([DayBounds]) to the first instant of the next, and the share counts
// real elapsed time over the real length of the day: days of a
// daylight-saving change have 23 or 25 hours, so at noon on a 23-hour day
// whose 02:00 is skipped 11 of 23 hours have passed, and on a day whose
// midnight is skipped (America/Santiago on 8 September 2024 starts at
// 01:00) noon is also 11 of 23.
func DayElapsed(now time.Time) float64 {
	start, end := DayBounds(now)
	return float64(now.Sub(start)) / float64(end.Sub(start))
}

// DayStart returns the first instant of t's calendar day in t's location:
// local midnight, or the moment the clocks jump when a daylight-saving
// change skips midnight (America/Santiago, America/Asuncion,
// America/Havana, Asia/Beirut and Africa/Cairo have moved their clocks
// from 00:00 to 01:00), or the first of two midnights when a change
// repeats it. time.Date alone does not give it: for a skipped midnight it
// may return an instant of the day before.
func DayStart(t time.Time) time.Time {
	y, m, d := t.Date()
	first, _ := midnightCrossings(y, m, d, t.Location())
	return first
}

// DayBounds returns the first instant of t's calendar day in t's location
// ([DayStart]) and the end of the day: the first instant from which the
// local date is the next day's or later for good. t lies in [start, end),
// and end − start is the real length of the day (23, 24 or 25 hours, or
// what else the zone's history holds). end is the start of the next day,
// except in the few historical changes that set the clocks back across
// midnight (Newfoundland and the Atlantic provinces fell back at 00:01
// until 2010), where the two days overlap.
func DayBounds(t time.Time) (start, end time.Time) {
	y, m, d := t.Date()
	loc := t.Location()
	start, _ = midnightCrossings(y, m, d, loc)
	_, end = midnightCrossings(y, m, d+1, loc)
	return start, end
}

// periodEnd returns the end of t's zone period, or hi if that is later.
// It takes Time.ZoneBounds' end only when that is after t: for an instant
// in the last UTC day of a leap year that the zone's TZ rule governs (the
// years after its last listed transition, which in Go's embedded tzdata
// are the present ones for some zones, such as Africa/Cairo from 2024),
// ZoneBounds ends the period a day early, before t (golang/go#81583). The
// end is then found by probing the offset every quarter hour and bisecting
// the change to the second.
func periodEnd(t time.Time, hi int64) int64 {
	u := t.Unix()
	if _, ze := t.ZoneBounds(); ze.IsZero() || ze.Unix() >= hi {
		return hi
	} else if ze.Unix() > u {
		return ze.Unix()
	}
	loc := t.Location()
	name, off := t.Zone()
	same := func(v int64) bool {
		n, o := time.Unix(v, 0).In(loc).Zone()
		return n == name && o == off
	}
	a := u // same(a)
	for {
		b := min(a+900, hi)
		if !same(b) {
			for b-a > 1 { // same(a), !same(b)
				if m := a + (b-a)/2; same(m) {
					a = m
				} else {
					b = m
				}
			}
			return b
		}
		if b == hi {
			return hi
		}
		a = b
	}
}

// midnightCrossings returns, for the midnight that starts the date y-m-d
// in loc (d may overflow the month, as in time.Date), the first instant
// at which the local wall clock reads that midnight or later, and the
// instant from which it does so for good. The two differ only when a zone
// change sets the clocks back across that midnight. Within one period of
// a zone offset o the wall clock is u + o, so it is at or after midnight
// W from W − o on; the periods near W decide.
func midnightCrossings(y int, m time.Month, d int, loc *time.Location) (first, last time.Time) {
	w := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() // wall-clock seconds at midnight
	// Offsets lie within a day of UTC, so instants more than 30 hours from
	// w read a different date: scan the zone periods in between.
	lo, hi := w-30*3600, w+30*3600
	firstU, lastU := hi, lo
	u := lo
	for range 16 { // zone periods in 60 hours; the tz database has no more
		t := time.Unix(u, 0).In(loc)
		_, off := t.Zone()
		start, end := u, periodEnd(t, hi)
		at := w - int64(off) // the wall clock reads midnight at this instant, if in the period
		if c := max(start, at); c < end && c < firstU {
			firstU = c // first instant of the period at or after midnight
		}
		if c := min(end, at); c > start && c > lastU {
			lastU = c // end of the period's instants before midnight
		}
		if end >= hi {
			break
		}
		u = end
	}
	return time.Unix(firstU, 0).In(loc), time.Unix(lastU, 0).In(loc)
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
