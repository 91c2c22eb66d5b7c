package signals

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/adpilot/adpilot/analysis"
	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metrics"
)

// view is what every signal reads of a Dataset, checked once: the
// account's zone, its today, and lookups of the objects by id.
type view struct {
	ds        *analysis.Dataset
	cfg       config
	loc       *time.Location
	now       time.Time    // ds.CollectedAt in the account's zone
	today     metaads.Date // the account's today at CollectedAt (a partial day)
	currency  string
	account   analysis.EntityRef
	campaigns map[string]*metaads.Campaign
	adsets    map[string]*metaads.AdSet
	ads       map[string]*metaads.Ad
	events    map[string]string // campaign id -> conversion action type ("" none)
}

// newView checks ds and the options.
func newView(ds *analysis.Dataset, opts []Option) (*view, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	if ds == nil {
		return nil, fmt.Errorf("signals: %w: nil Dataset", analysis.ErrInvalidInput)
	}
	if ds.CollectedAt.IsZero() {
		return nil, fmt.Errorf("signals: %w: Dataset.CollectedAt is zero; expected the time the data was read", analysis.ErrInvalidInput)
	}
	loc := time.UTC
	if ds.Account.TimezoneName != "" {
		loc, err = time.LoadLocation(ds.Account.TimezoneName)
		if err != nil {
			return nil, fmt.Errorf("signals: %w: account time zone %q: %v; expected an IANA zone such as America/Los_Angeles",
				analysis.ErrInvalidInput, ds.Account.TimezoneName, err)
		}
	}
	v := &view{ds: ds, cfg: cfg, loc: loc, now: ds.CollectedAt.In(loc), currency: ds.Account.Currency,
		campaigns: map[string]*metaads.Campaign{}, adsets: map[string]*metaads.AdSet{}, ads: map[string]*metaads.Ad{}, events: map[string]string{}}
	v.today = metaads.DateOf(v.now)
	v.account = analysis.EntityRef{Level: metrics.LevelAccount, ID: ds.Account.ID.String(), Name: ds.Account.Name}
	for i := range ds.Campaigns {
		v.campaigns[ds.Campaigns[i].ID] = &ds.Campaigns[i]
	}
	for i := range ds.AdSets {
		v.adsets[ds.AdSets[i].ID] = &ds.AdSets[i]
	}
	for i := range ds.Ads {
		v.ads[ds.Ads[i].ID] = &ds.Ads[i]
	}
	for _, e := range ds.ConversionEvents {
		v.events[e.CampaignID] = e.ActionType
	}
	return v, nil
}

// levelRank orders levels from the most aggregated.
func levelRank(l metrics.Level) int {
	switch l {
	case metrics.LevelAccount:
		return 0
	case metrics.LevelCampaign:
		return 1
	case metrics.LevelAdSet:
		return 2
	case metrics.LevelAd:
		return 3
	}
	return 4
}

// topLevel returns the most aggregated level among levels, so that
// account totals are sums of one level's rows (never of two levels).
func topLevel(levels func(yield func(metrics.Level) bool)) (metrics.Level, bool) {
	var best metrics.Level
	found := false
	for l := range levels {
		if levelRank(l) < 4 && (!found || levelRank(l) < levelRank(best)) {
			best, found = l, true
		}
	}
	return best, found
}

func (v *view) dailyLevel() (metrics.Level, bool) {
	return topLevel(func(yield func(metrics.Level) bool) {
		for i := range v.ds.Daily {
			if !yield(v.ds.Daily[i].Level) {
				return
			}
		}
	})
}

func (v *view) hourlyLevel() (metrics.Level, bool) {
	return topLevel(func(yield func(metrics.Level) bool) {
		for i := range v.ds.Hourly {
			if !yield(v.ds.Hourly[i].Level) {
				return
			}
		}
	})
}

// campaignOf returns the campaign id of an entity at a level.
func (v *view) campaignOf(l metrics.Level, id string) string {
	switch l {
	case metrics.LevelCampaign:
		return id
	case metrics.LevelAdSet:
		if s := v.adsets[id]; s != nil {
			return s.CampaignID
		}
	case metrics.LevelAd:
		if a := v.ads[id]; a != nil {
			return a.CampaignID
		}
	}
	return ""
}

// mainEvent returns the conversion event of the campaigns with the most
// spend over the daily rows, and the campaigns judged on it: conversion
// metrics of the account sum only those campaigns, so purchases and
// leads are never added up.
func (v *view) mainEvent() (string, map[string]bool) {
	lvl, ok := v.dailyLevel()
	if !ok {
		return "", nil
	}
	spend := map[string]int64{}
	for i := range v.ds.Daily {
		r := &v.ds.Daily[i]
		if r.Level != lvl {
			continue
		}
		if ev := v.events[v.campaignOf(lvl, r.ID)]; ev != "" {
			spend[ev] += r.Counts.Spend
		}
	}
	best := ""
	for ev, s := range spend {
		if best == "" || s > spend[best] || s == spend[best] && ev < best {
			best = ev
		}
	}
	if best == "" {
		return "", nil
	}
	camps := map[string]bool{}
	for id, ev := range v.events {
		if ev == best {
			camps[id] = true
		}
	}
	return best, camps
}

// dayNumber is a civil day number (days since 1970-01-01), so that day
// arithmetic needs no zone.
func dayNumber(d metaads.Date) int {
	return int(time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

func dateOfNumber(n int) metaads.Date {
	return metaads.DateOf(time.Unix(int64(n)*86400, 0).UTC())
}

// weekday of a civil day (Sunday 0, as Meta's adset_schedule counts).
func weekday(d metaads.Date) time.Weekday {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC).Weekday()
}

var weekdayNames = [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
var weekdayRule = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// period returns the Period of civil days [from, to].
func period(from, to int, window string) *analysis.Period {
	return &analysis.Period{Window: window, Since: dateOfNumber(from), Until: dateOfNumber(to)}
}

// money formats minor units for words.
func (v *view) money(minor float64) string {
	c, err := metrics.LookupCurrency(v.currency)
	if err != nil {
		return fmt.Sprintf("%.0f %s minor units", minor, v.currency)
	}
	return c.Format(int64(math.Round(minor))) + " " + c.Code()
}

// pct formats a fraction as a percentage.
func pct(f float64) string { return fmt.Sprintf("%.2f%%", 100*f) }

// hourRange formats hours [from, to) of a day, wrapping midnight.
func hourRange(from, to int) string { return fmt.Sprintf("%02d:00-%02d:00", from%24, to%24) }

// encodeData encodes a result for Signal.Data. Results hold finite
// numbers only (every ratio is guarded), so an error here is a bug that
// the signal function reports instead of returning a half-filled signal.
func encodeData(v any) (json.RawMessage, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("signals: encoding %T: %w", v, err)
	}
	return b, nil
}

// sortSignals orders signals most severe first, then by kind and entity,
// so every result is deterministic.
func sortSignals(s []analysis.Signal) {
	slices.SortStableFunc(s, func(a, b analysis.Signal) int {
		return cmp.Or(cmp.Compare(a.Severity.Rank(), b.Severity.Rank()), cmp.Compare(a.Kind, b.Kind), cmp.Compare(firstID(a), firstID(b)))
	})
}

func firstID(s analysis.Signal) string {
	if len(s.Entities) == 0 {
		return ""
	}
	return s.Entities[0].ID
}

// confidenceLevel maps a probability of the finding being real to a level.
func confidenceLevel(p float64) analysis.ConfidenceLevel {
	switch {
	case p >= 0.99:
		return analysis.ConfidenceHigh
	case p >= 0.9:
		return analysis.ConfidenceMedium
	}
	return analysis.ConfidenceLow
}
