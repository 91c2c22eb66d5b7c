package analysis

import (
	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/rules"
)

// windowRange returns the days of a rules window that is the same for
// every entity, given the account's today; ok is false for the windows
// that depend on the entity (lifetime, launch_7d, baseline_7d).
func windowRange(w rules.Window, today metaads.Date) (metaads.TimeRange, bool) {
	back := func(from, to int) metaads.TimeRange {
		return metaads.TimeRange{Since: today.AddDays(-from), Until: today.AddDays(-to)}
	}
	switch w {
	case rules.WindowToday:
		return back(0, 0), true
	case rules.WindowLast3D:
		return back(3, 1), true
	case rules.WindowLast7D:
		return back(7, 1), true
	case rules.WindowLast14D:
		return back(14, 1), true
	case rules.WindowLast30D:
		return back(30, 1), true
	case rules.WindowPrevious7D:
		return back(14, 8), true
	}
	if n, ok := w.DaysAgo(); ok {
		return back(n, n), true
	}
	return metaads.TimeRange{}, false
}

// reachWindows are the windows of several days whose de-duplicated reach
// Collect asks Meta for (single days have it on their daily row; the
// lifetime is asked for separately).
var reachWindows = []rules.Window{rules.WindowLast3D, rules.WindowLast7D, rules.WindowLast14D, rules.WindowLast30D, rules.WindowPrevious7D}

// maxLifetimeDays is how far back Meta reports insights (37 months).
const maxLifetimeDays = 37 * 30

// inRange reports whether d is within r (both ends included).
func inRange(d metaads.Date, r metaads.TimeRange) bool {
	return !d.Before(r.Since) && !r.Until.Before(d)
}
