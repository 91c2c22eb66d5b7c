package metrics

import (
	"archive/zip"
	"io"
	"math"
	"os/exec"
	"path/filepath"
	"strings"
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

// dstDays are days of daylight-saving changes, each with its first
// instant (UTC) and length from the zone's published rules (tz database
// 2024: the five zones of the first block moved their clocks at
// midnight).
var dstDays = []struct {
	zone  string
	date  string // the local date
	start string // its first instant, UTC
	hours float64
}{
	// Clocks jump from 00:00 to 01:00: the day starts at 01:00 and has 23 hours.
	{"America/Santiago", "2024-09-08", "2024-09-08T04:00:00Z", 23}, // 00:00 −04 = 01:00 −03
	{"America/Asuncion", "2023-10-01", "2023-10-01T04:00:00Z", 23},
	{"America/Havana", "2024-03-10", "2024-03-10T05:00:00Z", 23}, // 00:00 CST = 01:00 CDT
	{"Asia/Beirut", "2024-03-31", "2024-03-30T22:00:00Z", 23},    // 00:00 +02 = 01:00 +03
	{"Africa/Cairo", "2024-04-26", "2024-04-25T22:00:00Z", 23},
	// The day before such a jump is an ordinary 24-hour day that ends at
	// the jump (the old code carried the shift into it).
	{"America/Santiago", "2024-09-07", "2024-09-07T04:00:00Z", 24},
	{"America/Asuncion", "2023-09-30", "2023-09-30T04:00:00Z", 24},
	{"America/Havana", "2024-03-09", "2024-03-09T05:00:00Z", 24},
	{"Asia/Beirut", "2024-03-30", "2024-03-29T22:00:00Z", 24},
	{"Africa/Cairo", "2024-04-25", "2024-04-24T22:00:00Z", 24},
	// Clocks fall back at midnight (24:00 → 23:00): the day before has 25
	// hours, and the day itself starts at the 00:00 of the new offset.
	{"America/Santiago", "2024-04-06", "2024-04-06T03:00:00Z", 25},
	{"America/Santiago", "2024-04-07", "2024-04-07T04:00:00Z", 24},
	{"America/Asuncion", "2024-03-23", "2024-03-23T03:00:00Z", 25},
	{"Asia/Beirut", "2024-10-26", "2024-10-25T21:00:00Z", 25},
	{"Asia/Beirut", "2024-10-27", "2024-10-26T22:00:00Z", 24},
	{"Africa/Cairo", "2024-10-31", "2024-10-30T21:00:00Z", 25},
	// Havana falls back at 01:00 → 00:00: midnight happens twice, the day
	// starts at the first and has 25 hours.
	{"America/Havana", "2024-11-03", "2024-11-03T04:00:00Z", 25},
	// Changes away from midnight.
	{"America/New_York", "2026-03-08", "2026-03-08T05:00:00Z", 23},
	{"America/New_York", "2026-11-01", "2026-11-01T04:00:00Z", 25},
	{"Europe/Berlin", "2026-03-29", "2026-03-28T23:00:00Z", 23},
	// Samoa skipped 30 December 2011: the 29th ends at the jump to the 31st.
	{"Pacific/Apia", "2011-12-29", "2011-12-29T10:00:00Z", 24},
	{"Pacific/Apia", "2011-12-31", "2011-12-30T10:00:00Z", 24},
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestDayBoundsDST(t *testing.T) {
	for _, tt := range dstDays {
		loc := mustZone(t, tt.zone)
		wantStart, err := time.Parse(time.RFC3339, tt.start)
		if err != nil {
			t.Fatal(err)
		}
		wantEnd := wantStart.Add(time.Duration(tt.hours * float64(time.Hour)))
		d, err := time.Parse(time.DateOnly, tt.date) // the date only (in loc, midnight may not exist)
		if err != nil {
			t.Fatal(err)
		}
		// Any instant of the day gives the same bounds: its first instant,
		// noon, and the last nanosecond.
		for _, now := range []time.Time{wantStart.In(loc), time.Date(d.Year(), d.Month(), d.Day(), 12, 0, 0, 0, loc), wantEnd.Add(-1).In(loc)} {
			if y, m, dd := now.Date(); y != d.Year() || m != d.Month() || dd != d.Day() {
				t.Fatalf("%s %s: test instant %v is on another date", tt.zone, tt.date, now)
			}
			start, end := DayBounds(now)
			if !start.Equal(wantStart) || !end.Equal(wantEnd) {
				t.Errorf("%s: DayBounds(%v) = [%v, %v); want [%v, %v)", tt.zone, now, start.UTC(), end.UTC(), wantStart, wantEnd)
			}
			if s := DayStart(now); !s.Equal(wantStart) || s.Location() != loc {
				t.Errorf("%s: DayStart(%v) = %v; want %v in the same location", tt.zone, now, s, wantStart)
			}
			want := float64(now.Sub(wantStart)) / float64(wantEnd.Sub(wantStart))
			if got := DayElapsed(now); math.Abs(got-want) > 1e-15 || got < 0 || got >= 1 {
				t.Errorf("%s: DayElapsed(%v) = %v; want %v", tt.zone, now, got, want)
			}
			// 4600 of a 4800 budget spent so far: the pacing ratio against the
			// real share of the day (undefined at its first instant).
			got, ok := DailyPacing(4600, 4800, now)
			if wantOK := want > 0; ok != wantOK || ok && math.Abs(got/(4600/(4800*want))-1) > 1e-14 {
				t.Errorf("%s: DailyPacing(4600, 4800, %v) = %v, %v; want %v", tt.zone, now, got, ok, 4600/(4800*want))
			}
		}
	}
}

// A flight of two local days around a daylight-saving change lasts their
// real hours: Santiago, 7 September 2024 (24 hours) and the 8th (23, from
// 01:00): at noon on the 8th 24 + 11 of 47 hours have passed; Beirut, 26
// October 2024 (25 hours) and the 27th: at noon on the 27th, 25 + 12 of 49.
func TestPeriodElapsedDST(t *testing.T) {
	for _, tt := range []struct {
		zone        string
		first, noon [3]int
		want        float64
	}{
		{"America/Santiago", [3]int{2024, 9, 7}, [3]int{2024, 9, 8}, 35.0 / 47},
		{"Asia/Beirut", [3]int{2024, 10, 26}, [3]int{2024, 10, 27}, 37.0 / 49},
		{"America/Havana", [3]int{2024, 11, 2}, [3]int{2024, 11, 3}, 37.0 / 49}, // the 3rd starts at its first midnight (CDT)
	} {
		loc := mustZone(t, tt.zone)
		start := DayStart(time.Date(tt.first[0], time.Month(tt.first[1]), tt.first[2], 12, 0, 0, 0, loc))
		_, end := DayBounds(time.Date(tt.noon[0], time.Month(tt.noon[1]), tt.noon[2], 12, 0, 0, 0, loc))
		noon := time.Date(tt.noon[0], time.Month(tt.noon[1]), tt.noon[2], 12, 0, 0, 0, loc)
		got, ok := PeriodElapsed(start, end, noon)
		if !ok || math.Abs(got-tt.want) > 1e-15 {
			t.Errorf("%s: PeriodElapsed(%v, %v, %v) = %v, %v; want %v", tt.zone, start, end, noon, got, ok, tt.want)
		}
		// Lifetime pacing over the same flight: 47000 spent of 94000 against
		// the real share.
		if p, ok := LifetimePacing(47000, 94000, start, end, noon); !ok || math.Abs(p-0.5/tt.want) > 1e-14 {
			t.Errorf("%s: LifetimePacing = %v, %v; want %v", tt.zone, p, ok, 0.5/tt.want)
		}
	}
}

// The two Santiago cases, by hand: on 7 September 2024 (24 hours,
// from 00:00 −04) 23:30 is 23.5/24 of the day; on 8 September (23 hours,
// from 01:00 −03) noon is 11/23.
func TestDayElapsedSantiago(t *testing.T) {
	scl := mustZone(t, "America/Santiago")
	for _, tt := range []struct {
		now  time.Time
		want float64
	}{
		{time.Date(2024, 9, 7, 23, 30, 0, 0, scl), 23.5 / 24},
		{time.Date(2024, 9, 8, 12, 0, 0, 0, scl), 11.0 / 23},
		{time.Date(2024, 9, 8, 1, 0, 0, 0, scl), 0},
	} {
		if got := DayElapsed(tt.now); math.Abs(got-tt.want) > 1e-15 {
			t.Errorf("DayElapsed(%v) = %v, want %v", tt.now, got, tt.want)
		}
	}
}

// Every day from 2020 to 2030 in zones with changes at and away from
// midnight: DayElapsed stays in [0, 1), days tile the time line (each ends
// where the next starts) and last 23, 24 or 25 hours.
func TestDayBoundsTile(t *testing.T) {
	for _, zone := range []string{"America/Santiago", "America/Asuncion", "America/Havana", "Asia/Beirut", "Africa/Cairo", "America/New_York", "Australia/Lord_Howe", "UTC"} {
		loc := mustZone(t, zone)
		start, _ := DayBounds(time.Date(2020, 1, 1, 12, 0, 0, 0, loc))
		for range 3653 {
			s, end := DayBounds(start)
			if !s.Equal(start) {
				t.Fatalf("%s: DayBounds(%v) starts at %v", zone, start, s)
			}
			if h := end.Sub(start); h != 24*time.Hour && h != 23*time.Hour && h != 25*time.Hour &&
				!(zone == "Australia/Lord_Howe" && (h == 23*time.Hour+30*time.Minute || h == 24*time.Hour+30*time.Minute)) {
				t.Fatalf("%s: day from %v lasts %v", zone, start, h)
			}
			last := end.Add(-time.Nanosecond)
			if got := DayElapsed(last); !(got > 0.99 && got < 1) {
				t.Fatalf("%s: DayElapsed(%v) = %v", zone, last, got)
			}
			start = end
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

// midnightCrossings agrees with a brute-force search (the local date of
// every instant, sampled every 10 minutes and refined by bisection) on
// every day from 1970 to 2040 whose surroundings hold a zone change, in
// zones with changes at midnight, changes that set the clocks back across
// midnight (Newfoundland and Goose Bay until 2010, Casey in 2010), whole
// skipped days (Apia 2011, Kiritimati 1994) and half-hour changes (Lord
// Howe).
func TestMidnightCrossingsBruteForce(t *testing.T) {
	brute := func(y int, m time.Month, d int, loc *time.Location) (first, last time.Time) {
		w := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix()
		atOrAfter := func(u int64) bool {
			_, off := time.Unix(u, 0).In(loc).Zone()
			return u+int64(off) >= w
		}
		var f, l int64 = -1, -1
		const step = 600
		for u := w - 30*3600; u < w+30*3600; u += step {
			if atOrAfter(u) || !atOrAfter(u+step) {
				continue
			}
			lo, hi := u, u+step
			for hi-lo > 1 {
				if mid := lo + (hi-lo)/2; atOrAfter(mid) {
					hi = mid
				} else {
					lo = mid
				}
			}
			if f < 0 {
				f = hi
			}
			l = hi
		}
		return time.Unix(f, 0).In(loc), time.Unix(l, 0).In(loc)
	}
	zones := []string{
		"America/Santiago", "America/Asuncion", "America/Havana", "Asia/Beirut", "Africa/Cairo",
		"America/St_Johns", "America/Goose_Bay", "Antarctica/Casey", "Pacific/Apia", "Pacific/Kiritimati",
		"America/Sao_Paulo", "Atlantic/Azores", "Asia/Amman", "Australia/Lord_Howe", "Antarctica/Troll",
		"Asia/Dhaka", "America/Caracas", "America/Los_Angeles", "UTC",
	}
	days := 0
	// Each zone twice: from the system's zoneinfo and from Go's own tzdata
	// (GOROOT/lib/time/zoneinfo.zip, also what time/tzdata embeds), whose
	// slim files leave the years after a zone's last listed change to its
	// TZ rule, where ZoneBounds has a bug in leap years.
	var locs []*time.Location
	for _, zone := range zones {
		locs = append(locs, mustZone(t, zone))
		if loc := goTZData(t, zone); loc != nil {
			locs = append(locs, loc)
		}
	}
	for _, loc := range locs {
		zone := loc.String()
		for day := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC); day.Year() < 2041; day = day.AddDate(0, 0, 1) {
			_, o1 := day.Add(-30 * time.Hour).In(loc).Zone()
			_, o2 := day.Add(30 * time.Hour).In(loc).Zone()
			prev := day.AddDate(0, 0, -day.YearDay()) // 31 December of the year before
			leapYearEnd := day.Month() == time.December && day.Day() == 31 && day.YearDay() == 366 ||
				day.YearDay() <= 2 && prev.YearDay() == 366
			if o1 == o2 && !leapYearEnd && !(day.YearDay() == 1 && day.Year()%10 == 0) {
				continue // no zone change near this day (the days around the end of a leap year and a few others are checked too)
			}
			y, m, d := day.Date()
			first, last := midnightCrossings(y, m, d, loc)
			wantFirst, wantLast := brute(y, m, d, loc)
			if !first.Equal(wantFirst) || !last.Equal(wantLast) {
				t.Errorf("%s %s: midnight first reached %v, for good %v; brute force %v, %v", zone, day.Format(time.DateOnly), first, last, wantFirst, wantLast)
			}
			days++
		}
	}
	if days < 1500 {
		t.Fatalf("only %d days checked", days)
	}
	t.Logf("%d days checked", days)
}

// goTZData loads zone name from Go's own tzdata (the zoneinfo.zip of the
// toolchain that time/tzdata embeds), or returns nil when the toolchain has
// none.
func goTZData(t *testing.T, name string) *time.Location {
	t.Helper()
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Logf("no go env GOROOT (%v): only the system zoneinfo is checked", err)
		return nil
	}
	zr, err := zip.OpenReader(filepath.Join(strings.TrimSpace(string(out)), "lib", "time", "zoneinfo.zip"))
	if err != nil {
		t.Logf("no Go tzdata (%v): only the system zoneinfo is checked", err)
		return nil
	}
	defer zr.Close()
	f, err := zr.Open(name)
	if err != nil {
		t.Fatalf("Go tzdata: %v", err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	loc, err := time.LoadLocationFromTZData(name, b)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestDayBoundsLeapYearUnderTZRule: in Go's tzdata Africa/Cairo has listed
// changes only until 2023, so its later years follow the zone's TZ rule,
// where Time.ZoneBounds ends the period of an instant in the last UTC day
// of a leap year one day early, before the instant (golang/go#81583). The
// days around such a year end are still ordinary 24-hour days: before the
// fix, DayElapsed at noon on 31 December 2028 was 6 and on 1 January 2029
// 0.8889. The same in Europe/Warsaw and America/New_York for 2040, the
// rule years of every zone.
func TestDayBoundsLeapYearUnderTZRule(t *testing.T) {
	for _, tt := range []struct {
		zone string
		days []string
	}{
		{"Africa/Cairo", []string{"2024-12-30", "2024-12-31", "2025-01-01", "2025-01-02", "2028-12-31", "2029-01-01", "2029-01-02", "2032-12-31", "2033-01-01", "2036-12-31"}},
		{"Europe/Warsaw", []string{"2040-12-30", "2040-12-31", "2041-01-01"}},
		{"America/New_York", []string{"2040-12-31", "2041-01-01"}},
	} {
		loc := goTZData(t, tt.zone)
		if loc == nil {
			t.Skip("no Go tzdata")
		}
		for _, day := range tt.days {
			d, err := time.Parse(time.DateOnly, day)
			if err != nil {
				t.Fatal(err)
			}
			wantStart := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
			wantEnd := time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, loc)
			if wantEnd.Sub(wantStart) != 24*time.Hour {
				t.Fatalf("%s %s: not a 24-hour day", tt.zone, day)
			}
			for _, now := range []time.Time{wantStart, wantStart.Add(12 * time.Hour), wantEnd.Add(-1)} {
				start, end := DayBounds(now)
				if !start.Equal(wantStart) || !end.Equal(wantEnd) {
					t.Errorf("%s: DayBounds(%v) = [%v, %v); want [%v, %v)", tt.zone, now, start, end, wantStart, wantEnd)
				}
				want := float64(now.Sub(wantStart)) / float64(24*time.Hour)
				if got := DayElapsed(now); math.Abs(got-want) > 1e-15 || got < 0 || got >= 1 {
					t.Errorf("%s: DayElapsed(%v) = %v; want %v", tt.zone, now, got, want)
				}
			}
		}
	}
}
