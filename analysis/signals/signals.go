package signals

import (
	"github.com/adpilot/adpilot/analysis"
)

// Results holds every signal function's result for one Dataset.
type Results struct {
	HourOfDay   *HourOfDayResult   `json:"hour_of_day"`
	DayOfWeek   *DayOfWeekResult   `json:"day_of_week"`
	Seasonality *SeasonalityResult `json:"seasonality"`
	Fatigue     *FatigueResult     `json:"fatigue"`
	Pacing      *PacingResult      `json:"pacing"`
	Overlap     *OverlapResult     `json:"overlap"`
	Benchmarks  *BenchmarkResult   `json:"benchmarks"`
}

// All runs every signal function on ds with the same options and returns
// their results. A bad Dataset or option fails every function alike, so
// the first error is returned.
func All(ds *analysis.Dataset, opts ...Option) (*Results, error) {
	var r Results
	var err error
	if r.HourOfDay, err = HourOfDay(ds, opts...); err != nil {
		return nil, err
	}
	if r.DayOfWeek, err = DayOfWeek(ds, opts...); err != nil {
		return nil, err
	}
	if r.Seasonality, err = Seasonality(ds, opts...); err != nil {
		return nil, err
	}
	if r.Fatigue, err = Fatigue(ds, opts...); err != nil {
		return nil, err
	}
	if r.Pacing, err = Pacing(ds, opts...); err != nil {
		return nil, err
	}
	if r.Overlap, err = Overlap(ds, opts...); err != nil {
		return nil, err
	}
	if r.Benchmarks, err = Benchmarks(ds, opts...); err != nil {
		return nil, err
	}
	return &r, nil
}

// Signals returns the signals of every result, most severe first (then by
// kind and entity), ready for analysis.Input.Signals.
func (r *Results) Signals() []analysis.Signal {
	var out []analysis.Signal
	if r.HourOfDay != nil {
		out = append(out, r.HourOfDay.Signals...)
	}
	if r.DayOfWeek != nil {
		out = append(out, r.DayOfWeek.Signals...)
	}
	if r.Seasonality != nil {
		out = append(out, r.Seasonality.Signals...)
	}
	if r.Fatigue != nil {
		out = append(out, r.Fatigue.Signals...)
	}
	if r.Pacing != nil {
		out = append(out, r.Pacing.Signals...)
	}
	if r.Overlap != nil {
		out = append(out, r.Overlap.Signals...)
	}
	if r.Benchmarks != nil {
		out = append(out, r.Benchmarks.Signals...)
	}
	sortSignals(out)
	return out
}
