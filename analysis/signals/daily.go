package signals

import (
	"fmt"

	"github.com/adpilot/adpilot/analysis"
	"github.com/adpilot/adpilot/metrics"
)

// dailySeries is the account's daily totals over whole weeks of complete
// days: delivery summed over one level's rows, and the conversion counts
// of the campaigns judged on the main conversion event.
type dailySeries struct {
	first, last int // civil day numbers
	weeks       int
	level       metrics.Level
	all         []metrics.Counts // per day, every campaign
	conv        []metrics.Counts // per day, the campaigns of event only
	event       string           // the main conversion event ("" when none)
	totalAll    metrics.Counts
	totalConv   metrics.Counts
}

func (s *dailySeries) days() int { return s.last - s.first + 1 }

// dailyTable builds the series, or explains why it cannot.
func (v *view) dailyTable() (*dailySeries, string) {
	lvl, ok := v.dailyLevel()
	if !ok {
		return nil, "No daily rows."
	}
	last := dayNumber(v.today) - 1
	if !v.ds.Range.Until.IsZero() {
		last = min(last, dayNumber(v.ds.Range.Until))
	}
	first := last + 1
	for i := range v.ds.Daily {
		if r := &v.ds.Daily[i]; r.Level == lvl {
			first = min(first, dayNumber(r.Date))
		}
	}
	if !v.ds.Range.Since.IsZero() {
		first = max(first, dayNumber(v.ds.Range.Since))
	}
	weeks := (last - first + 1) / 7
	if weeks < v.cfg.minWeeks {
		return nil, fmt.Sprintf("%d whole weeks of complete days of daily rows; at least %d are needed.", max(weeks, 0), v.cfg.minWeeks)
	}
	s := &dailySeries{first: last - 7*weeks + 1, last: last, weeks: weeks, level: lvl}
	s.all = make([]metrics.Counts, s.days())
	s.conv = make([]metrics.Counts, s.days())
	var camps map[string]bool
	s.event, camps = v.mainEvent()
	for i := range v.ds.Daily {
		r := &v.ds.Daily[i]
		d := dayNumber(r.Date)
		if r.Level != lvl || d < s.first || d > s.last {
			continue
		}
		s.all[d-s.first].Add(r.Counts)
		s.totalAll.Add(r.Counts)
		if camps[v.campaignOf(lvl, r.ID)] {
			s.conv[d-s.first].Add(r.Counts)
			s.totalConv.Add(r.Counts)
		}
	}
	if s.totalAll.Impressions == 0 {
		return nil, "No impressions in the daily rows of the period."
	}
	return s, ""
}

// counts returns the day's counts a metric reads: conversion metrics
// read the main event's campaigns only.
func (s *dailySeries) counts(spec *metricSpec, day int) *metrics.Counts {
	if spec == &specCVR || spec == &specCPA {
		return &s.conv[day]
	}
	return &s.all[day]
}

func (s *dailySeries) total(spec *metricSpec) *metrics.Counts {
	if spec == &specCVR || spec == &specCPA {
		return &s.totalConv
	}
	return &s.totalAll
}

// specs returns the metrics the series can test: delivery always,
// conversions when the account has a conversion event with conversions.
func (s *dailySeries) specs() []*metricSpec {
	out := []*metricSpec{&specCTR, &specCPC, &specCPM}
	if s.event != "" && s.totalConv.Conversions > 0 {
		out = append(out, &specCVR, &specCPA)
	}
	return out
}

func (s *dailySeries) overall(spec *metricSpec) float64 {
	t := s.total(spec)
	v, _ := rateValue(spec.kind, spec.num(t), spec.exp(t), spec.scale)
	return v
}

// layoutBy builds the blocks x levels layout of a metric with the given
// block and level of each day.
func (s *dailySeries) layoutBy(spec *metricSpec, blocks, levels int, blockOf, levelOf func(day int) int) *layout {
	l := newLayout(blocks, levels)
	for d := range s.days() {
		c := s.counts(spec, d)
		l.add(blockOf(d), levelOf(d), spec.num(c), spec.exp(c))
	}
	return l
}

func (s *dailySeries) weekdayOf(day int) int { return int(weekday(dateOfNumber(s.first + day))) }
func (s *dailySeries) weekOf(day int) int    { return day / 7 }

func (s *dailySeries) period() *analysis.Period { return period(s.first, s.last, "") }

// fillCell sets a time cell's counts.
func fillCounts(cell *TimeCell, c *metrics.Counts, conv *metrics.Counts, totalSpend int64) {
	cell.Impressions, cell.Clicks, cell.LinkClicks, cell.Spend, cell.Conversions = c.Impressions, c.Clicks, c.LinkClicks, c.Spend, conv.Conversions
	if totalSpend > 0 {
		cell.SpendShare = float64(c.Spend) / float64(totalSpend)
	}
}
