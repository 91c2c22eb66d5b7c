package rules

import "fmt"

// Window is a time window over which a metric is measured. The snapshot
// carries one [metrics.Counts] per window for each entity; a rule names the
// window of every metric it reads, so one rule can compare windows (CPA over
// the last 3 days against CPA over the last 14).
//
// Windows of complete days exclude today: they are the right choice for cost
// and value metrics, whose conversions arrive late. [WindowToday] is today so
// far, through the hour of [Snapshot.Now]. The single-day windows
// (yesterday, day_2 to day_7) make "each of the last 3 days" exact:
// compare each day, not an average of three.
type Window uint8

// The windows a rule can name. The zero Window is invalid.
const (
	WindowToday      Window = iota + 1 // today so far, through Snapshot.Now
	WindowYesterday                    // yesterday, a complete day
	WindowLast3D                       // the last 3 complete days (today excluded)
	WindowLast7D                       // the last 7 complete days (today excluded)
	WindowLast14D                      // the last 14 complete days (today excluded)
	WindowLast30D                      // the last 30 complete days (today excluded)
	WindowLifetime                     // since the entity started, today included
	WindowLaunch7D                     // the entity's first 7 days (its launch baseline)
	WindowPrevious7D                   // the 7 complete days before WindowLast7D (days 8 to 14 ago)
	WindowBaseline7D                   // a reference 7-day window chosen by the caller, such as the entity's best week
	WindowDay2                         // the complete day 2 days ago (the day before yesterday)
	WindowDay3                         // the complete day 3 days ago
	WindowDay4                         // the complete day 4 days ago
	WindowDay5                         // the complete day 5 days ago
	WindowDay6                         // the complete day 6 days ago
	WindowDay7                         // the complete day 7 days ago

	numWindows = iota + 1 // one past the last window; index 0 unused
)

var windowNames = [numWindows]string{
	WindowToday:      "today",
	WindowYesterday:  "yesterday",
	WindowLast3D:     "last_3d",
	WindowLast7D:     "last_7d",
	WindowLast14D:    "last_14d",
	WindowLast30D:    "last_30d",
	WindowLifetime:   "lifetime",
	WindowLaunch7D:   "launch_7d",
	WindowPrevious7D: "previous_7d",
	WindowBaseline7D: "baseline_7d",
	WindowDay2:       "day_2",
	WindowDay3:       "day_3",
	WindowDay4:       "day_4",
	WindowDay5:       "day_5",
	WindowDay6:       "day_6",
	WindowDay7:       "day_7",
}

var windowWords = [numWindows]string{
	WindowToday:      "today so far",
	WindowYesterday:  "yesterday",
	WindowLast3D:     "the last 3 complete days",
	WindowLast7D:     "the last 7 complete days",
	WindowLast14D:    "the last 14 complete days",
	WindowLast30D:    "the last 30 complete days",
	WindowLifetime:   "lifetime",
	WindowLaunch7D:   "the first 7 days after launch",
	WindowPrevious7D: "the 7 days before last week",
	WindowBaseline7D: "the baseline week",
	WindowDay2:       "the day before yesterday",
	WindowDay3:       "3 days ago",
	WindowDay4:       "4 days ago",
	WindowDay5:       "5 days ago",
	WindowDay6:       "6 days ago",
	WindowDay7:       "7 days ago",
}

// windowPhrases follow a metric name in evidence ("spend over the last 7
// complete days", "spend yesterday").
var windowPhrases = [numWindows]string{
	WindowToday:      "today so far",
	WindowYesterday:  "yesterday",
	WindowLast3D:     "over the last 3 complete days",
	WindowLast7D:     "over the last 7 complete days",
	WindowLast14D:    "over the last 14 complete days",
	WindowLast30D:    "over the last 30 complete days",
	WindowLifetime:   "over the lifetime",
	WindowLaunch7D:   "in the first 7 days after launch",
	WindowPrevious7D: "in the 7 days before last week",
	WindowBaseline7D: "in the baseline week",
	WindowDay2:       "the day before yesterday",
	WindowDay3:       "3 days ago",
	WindowDay4:       "4 days ago",
	WindowDay5:       "5 days ago",
	WindowDay6:       "6 days ago",
	WindowDay7:       "7 days ago",
}

// DayWindow returns the window of the single complete day n days ago:
// [WindowYesterday] for 1, [WindowDay2] to [WindowDay7] for 2 to 7. ok is
// false for other n.
func DayWindow(n int) (w Window, ok bool) {
	switch {
	case n == 1:
		return WindowYesterday, true
	case n >= 2 && n <= 7:
		return WindowDay2 + Window(n-2), true
	}
	return 0, false
}

// DaysAgo returns n for the window of the single complete day n days ago
// (1 for yesterday, 2 to 7 for day_2 to day_7); ok is false for windows
// of several days and for today.
func (w Window) DaysAgo() (n int, ok bool) {
	switch {
	case w == WindowYesterday:
		return 1, true
	case w >= WindowDay2 && w <= WindowDay7:
		return int(w-WindowDay2) + 2, true
	}
	return 0, false
}

// ParseWindow returns the window with the given spec name ("last_7d").
func ParseWindow(name string) (Window, error) {
	for w := WindowToday; w < numWindows; w++ {
		if windowNames[w] == name {
			return w, nil
		}
	}
	return 0, fmt.Errorf("unknown window %q; expected one of %s", name, windowList())
}

// Windows returns every valid window in order.
func Windows() []Window {
	out := make([]Window, 0, numWindows-1)
	for w := WindowToday; w < numWindows; w++ {
		out = append(out, w)
	}
	return out
}

// String returns the spec name of w ("last_7d"), or "Window(n)" when w is invalid.
func (w Window) String() string {
	if w.valid() {
		return windowNames[w]
	}
	return fmt.Sprintf("Window(%d)", uint8(w))
}

// Words returns w in words for evidence ("the last 7 complete days").
func (w Window) Words() string {
	if w.valid() {
		return windowWords[w]
	}
	return w.String()
}

// MarshalText encodes w by its spec name.
func (w Window) MarshalText() ([]byte, error) {
	if !w.valid() {
		return nil, fmt.Errorf("rules: invalid window %d", uint8(w))
	}
	return []byte(windowNames[w]), nil
}

// UnmarshalText decodes a window spec name.
func (w *Window) UnmarshalText(b []byte) error {
	v, err := ParseWindow(string(b))
	if err != nil {
		return err
	}
	*w = v
	return nil
}

func (w Window) valid() bool { return w > 0 && w < numWindows }

func windowList() string {
	return quotedList(windowNames[1:])
}
