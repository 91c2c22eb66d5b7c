package queue

import (
	"errors"
	"fmt"
	"time"

	"github.com/robfig/cron/v3"
)

// Schedule is when scheduled runs happen: a fixed interval (aligned to UTC
// multiples of it: every 6h runs at 00:00, 06:00, ...) or a cron expression
// (standard five fields or a descriptor like "@hourly", parsed by
// robfig/cron, in UTC unless it says CRON_TZ=...). It is a river
// PeriodicSchedule, and it names the slot each run belongs to: the run
// key that makes each account's job unique per interval.
type Schedule struct {
	every time.Duration
	cron  cron.Schedule
	spec  string
}

// ParseSchedule reads an interval (every, like 6h; at least a minute) or a
// cron expression; exactly one must be given.
func ParseSchedule(every time.Duration, cronExpr string) (*Schedule, error) {
	switch {
	case every != 0 && cronExpr != "":
		return nil, errors.New("give --every or --cron, not both")
	case cronExpr != "":
		s, err := cron.ParseStandard(cronExpr)
		if err != nil {
			return nil, fmt.Errorf("--cron %q: %w; want five fields (minute hour day month weekday) like \"0 */6 * * *\", or @hourly, @daily", cronExpr, err)
		}
		return &Schedule{cron: s, spec: cronExpr}, nil
	case every < 0 || (every > 0 && every < time.Minute):
		return nil, fmt.Errorf("--every %s: want an interval of a minute or more, like 6h", every)
	case every == 0:
		return nil, errors.New("no schedule: give --every (like 6h) or --cron (like \"0 */6 * * *\")")
	}
	return &Schedule{every: every, spec: "every " + every.String()}, nil
}

// String describes the schedule.
func (s *Schedule) String() string { return s.spec }

// Next returns the first run after t (river.PeriodicSchedule).
func (s *Schedule) Next(t time.Time) time.Time {
	if s.cron != nil {
		return s.cron.Next(t)
	}
	return s.Slot(t).Add(s.every)
}

// Slot returns the start of the interval t falls in: the latest run time
// at or before t.
func (s *Schedule) Slot(t time.Time) time.Time {
	t = t.UTC()
	if s.cron == nil {
		return t.Truncate(s.every)
	}
	// robfig/cron has no "previous": walk forward from further and
	// further back until a run at or before t is found.
	for _, back := range []time.Duration{time.Hour, 24 * time.Hour, 32 * 24 * time.Hour, 367 * 24 * time.Hour, 5 * 367 * 24 * time.Hour} {
		last := time.Time{}
		for n := s.cron.Next(t.Add(-back)); !n.After(t); n = s.cron.Next(n) {
			last = n
		}
		if !last.IsZero() {
			return last.UTC()
		}
	}
	return t.Truncate(time.Minute)
}

// Key is the run key of the slot t falls in.
func (s *Schedule) Key(t time.Time) string { return SlotKey(s.Slot(t)) }

// SlotKey formats a slot time as a run key.
func SlotKey(t time.Time) string { return "slot-" + t.UTC().Format("20060102T1504Z") }
