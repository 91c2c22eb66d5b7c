package metrics

import (
	"math"
	"testing"
	"time"
)

// TestDayElapsedZoneinfo checks DayElapsed against testdata/day_elapsed.csv:
// instants in eleven zones (the midnight-jump zones, a 25-hour
// day, Apia's skipped day, Lord Howe's half hour, Tehran), around sampled
// transitions of 2000-2030 and at random, with the share of the day
// computed by Python's zoneinfo, whose day bounds are found by bisection on
// the local date (testdata/gen_day_elapsed.py). It is an implementation
// of the time zone rules independent of Go's.
func TestDayElapsedZoneinfo(t *testing.T) {
	_, rows := readTable(t, "testdata/day_elapsed.csv")
	locs := map[string]*time.Location{}
	worst := 0.0
	for _, r := range rows {
		loc, ok := locs[r[0]]
		if !ok {
			var err error
			if loc, err = time.LoadLocation(r[0]); err != nil {
				t.Fatalf("zone %s: %v (time/tzdata is linked in: every zone of the table is there)", r[0], err)
			}
			locs[r[0]] = loc
		}
		sec, frac, want := parseInt(t, r[1]), parseFloat(t, r[2]), parseFloat(t, r[3])
		now := time.Unix(sec, int64(math.Round(frac*1e9))).In(loc)
		got := DayElapsed(now)
		if math.Abs(got-want) > 1e-14 || got < 0 || got >= 1 {
			t.Errorf("%s %s: DayElapsed = %.17g, want %.17g", r[0], now.Format(time.RFC3339Nano), got, want)
		}
		pace, ok := DailyPacing(1000, 2000, now)
		if ok != (want > 0) || (ok && math.Abs(pace-0.5/want) > 1e-12*(0.5/want)) {
			t.Errorf("%s %s: DailyPacing(1000, 2000) = %.17g, %v; want %.17g", r[0], now.Format(time.RFC3339Nano), pace, ok, 0.5/want)
		}
		worst = max(worst, math.Abs(got-want))
	}
	t.Logf("%d instants in %d zones; largest difference %.3g", len(rows), len(locs), worst)
}
