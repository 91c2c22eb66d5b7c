package metrics

import (
	"errors"
	"fmt"
	"math"
)

// Counts holds the additive raw counts of one insights row (or of a sum of rows).
//
// Every field is a count of events, except the money fields (Spend,
// PurchaseValue, ConversionValue), which are int64 minor units of the
// account currency (cents for USD, yen for JPY; see [Currency]), and
// VideoWatchTimeMillis, which is milliseconds.
//
// All fields except Reach and UniqueClicks are additive: the Counts of a
// week is the sum of the Counts of its days. Reach counts distinct people,
// so the reach of a week is not the sum of daily reach (the same person is
// counted on every day they saw an ad). [Counts.Add] therefore adds Reach as
// an upper bound and marks the sum with ReachSummed; callers that know the
// de-duplicated reach of the whole window (Meta reports it on a window-level
// query) set it with [Counts.WithWindowReach]. Reach-based metrics
// (frequency, CPP, reach efficiency, unique CTR, engagement rate by reach)
// are only meaningful on de-duplicated reach: the free functions compute
// whatever they are given, while [Metric.Value] reports ok == false for them
// when ReachSummed is set.
//
// Counts are never negative in data from Meta. A negative field is invalid
// input: [Counts.Validate] reports it, and ratio functions given a negative
// denominator report ok == false. Sums saturate at math.MaxInt64 (and
// math.MinInt64) instead of wrapping around; Validate reports a saturated
// field as an error.
//
// The field set is fixed so that aggregation stays allocation-free; counts
// of any other action type ride beside a Counts in [Actions]. In JSON the
// fields are snake_case ("impressions", "link_clicks", "video_views_3s",
// "reach_summed") and zero fields are left out.
type Counts struct {
	Impressions  int64 `json:"impressions,omitempty"`   // impressions
	Reach        int64 `json:"reach,omitempty"`         // distinct people reached (not additive; see type doc)
	Clicks       int64 `json:"clicks,omitempty"`        // all clicks (Meta "clicks": reactions, expands, profile clicks too)
	LinkClicks   int64 `json:"link_clicks,omitempty"`   // inline_link_clicks
	UniqueClicks int64 `json:"unique_clicks,omitempty"` // unique_clicks (estimated, not additive across overlapping rows)
	Spend        int64 `json:"spend,omitempty"`         // money spent, minor units

	PostEngagements int64 `json:"post_engagements,omitempty"` // post_engagement actions
	PageEngagements int64 `json:"page_engagements,omitempty"` // page_engagement actions

	VideoPlays           int64 `json:"video_plays,omitempty"`         // video_play_actions (plays of any length)
	VideoViews3s         int64 `json:"video_views_3s,omitempty"`      // video_view: plays of 3 seconds or more
	VideoP25             int64 `json:"video_p25,omitempty"`           // video_p25_watched_actions
	VideoP50             int64 `json:"video_p50,omitempty"`           // video_p50_watched_actions
	VideoP75             int64 `json:"video_p75,omitempty"`           // video_p75_watched_actions
	VideoP95             int64 `json:"video_p95,omitempty"`           // video_p95_watched_actions
	VideoP100            int64 `json:"video_p100,omitempty"`          // video_p100_watched_actions
	ThruPlays            int64 `json:"thruplays,omitempty"`           // video_thruplay_watched_actions
	VideoWatchTimeMillis int64 `json:"video_watch_time_ms,omitempty"` // total watch time, milliseconds

	LandingPageViews int64 `json:"landing_page_views,omitempty"` // landing_page_view actions
	Leads            int64 `json:"leads,omitempty"`              // lead actions
	Purchases        int64 `json:"purchases,omitempty"`          // purchase actions (one name of the purchase family, never a sum)
	PurchaseValue    int64 `json:"purchase_value,omitempty"`     // purchase value, minor units

	Conversions     int64 `json:"conversions,omitempty"`      // the advertiser's chosen conversion event
	ConversionValue int64 `json:"conversion_value,omitempty"` // value of the chosen conversion event, minor units

	// ReachSummed is true when Reach is a sum over rows (an upper bound on
	// the true reach) rather than a de-duplicated window reach.
	ReachSummed bool `json:"reach_summed,omitempty"`
}

// numCountFields is the number of int64 fields of [Counts].
const numCountFields = 23

// countFieldNames are the Go field names of Counts in declaration order,
// the order of [Counts.fieldValues].
var countFieldNames = [numCountFields]string{
	"Impressions", "Reach", "Clicks", "LinkClicks", "UniqueClicks", "Spend",
	"PostEngagements", "PageEngagements",
	"VideoPlays", "VideoViews3s", "VideoP25", "VideoP50", "VideoP75", "VideoP95", "VideoP100",
	"ThruPlays", "VideoWatchTimeMillis",
	"LandingPageViews", "Leads", "Purchases", "PurchaseValue",
	"Conversions", "ConversionValue",
}

// fieldValues returns the int64 fields in declaration order.
func (c *Counts) fieldValues() [numCountFields]int64 {
	return [numCountFields]int64{
		c.Impressions, c.Reach, c.Clicks, c.LinkClicks, c.UniqueClicks, c.Spend,
		c.PostEngagements, c.PageEngagements,
		c.VideoPlays, c.VideoViews3s, c.VideoP25, c.VideoP50, c.VideoP75, c.VideoP95, c.VideoP100,
		c.ThruPlays, c.VideoWatchTimeMillis,
		c.LandingPageViews, c.Leads, c.Purchases, c.PurchaseValue,
		c.Conversions, c.ConversionValue,
	}
}

// fieldPointers returns pointers to the int64 fields in declaration order.
func (c *Counts) fieldPointers() [numCountFields]*int64 {
	return [numCountFields]*int64{
		&c.Impressions, &c.Reach, &c.Clicks, &c.LinkClicks, &c.UniqueClicks, &c.Spend,
		&c.PostEngagements, &c.PageEngagements,
		&c.VideoPlays, &c.VideoViews3s, &c.VideoP25, &c.VideoP50, &c.VideoP75, &c.VideoP95, &c.VideoP100,
		&c.ThruPlays, &c.VideoWatchTimeMillis,
		&c.LandingPageViews, &c.Leads, &c.Purchases, &c.PurchaseValue,
		&c.Conversions, &c.ConversionValue,
	}
}

// ErrNegative is returned (wrapped) by [Counts.Validate] and other
// validating functions when a count or amount that must not be negative is.
var ErrNegative = errors.New("metrics: negative value")

// ErrOverflow is returned (wrapped) when a value reached the saturation
// limit of int64, so the true value is unknown.
var ErrOverflow = errors.New("metrics: value overflowed int64")

// Validate reports the first invalid field of c: a negative count or
// amount (wrapping [ErrNegative]) or a field saturated at math.MaxInt64 by
// [Counts.Add] (wrapping [ErrOverflow]). It returns nil for valid counts.
func (c Counts) Validate() error {
	vals := c.fieldValues()
	for i, v := range vals {
		switch {
		case v < 0:
			return fmt.Errorf("%w: Counts.%s = %d, want >= 0", ErrNegative, countFieldNames[i], v)
		case v == math.MaxInt64:
			return fmt.Errorf("%w: Counts.%s saturated at %d", ErrOverflow, countFieldNames[i], v)
		}
	}
	return nil
}

// overflowed reports whether s = a + b wrapped around.
func overflowed(a, b, s int64) bool { return (a^s)&(b^s) < 0 }

// accAdd adds b to the accumulated sum a like satAdd, and saturation
// sticks: a saturated operand (whose true value is unknown) gives a
// saturated result, so a negative value added afterwards cannot bring the
// sum back into range and hide the overflow. Sums of Counts and Actions
// use it.
func accAdd(a, b int64) int64 {
	switch {
	case a == math.MaxInt64 || b == math.MaxInt64:
		return math.MaxInt64
	case a == math.MinInt64 || b == math.MinInt64:
		return math.MinInt64
	}
	return satAdd(a, b)
}

// satAdd returns a + b, saturated at math.MaxInt64 / math.MinInt64 instead
// of wrapping around.
func satAdd(a, b int64) int64 {
	s := a + b
	if overflowed(a, b, s) {
		// a and b have the same sign; saturate towards it.
		return math.MaxInt64 ^ (a >> 63)
	}
	return s
}

// Add adds o to c field by field. Additions saturate at math.MaxInt64
// (math.MinInt64 for negative input) instead of wrapping around, and a
// saturated field stays saturated whatever is added later (negative values
// included), so an overflowing sum stays recognisable ([Counts.Validate]
// reports it).
//
// Reach is added as well, which gives an upper bound on the true reach.
// When both c and o have non-zero reach, the result is marked ReachSummed;
// it is also marked when either side already was. Adding a row without
// reach (Reach == 0) keeps a de-duplicated reach exact.
func (c *Counts) Add(o Counts) {
	one := [1]Counts{o}
	if c.addChunkFast(one[:]) {
		return
	}
	summed := c.ReachSummed || o.ReachSummed || (c.Reach != 0 && o.Reach != 0)
	c.addSaturating(o)
	c.ReachSummed = summed
}

// addSaturating is the slow path of Add: every field saturates. It does
// not touch ReachSummed.
func (c *Counts) addSaturating(o Counts) {
	dst := c.fieldPointers()
	src := o.fieldValues()
	for i, p := range dst {
		*p = accAdd(*p, src[i])
	}
}

// Sum returns the field-wise sum of rows, with the semantics of
// [Counts.Add] (saturating; Reach summed as an upper bound and marked
// ReachSummed when more than one row has reach). Sum of no rows is the zero
// Counts. It does not allocate.
func Sum(rows []Counts) Counts {
	var t Counts
	for len(rows) > 0 {
		n := min(len(rows), sumChunk)
		if !t.addChunkFast(rows[:n]) {
			for i := range rows[:n] {
				t.Add(rows[i])
			}
		}
		rows = rows[n:]
	}
	return t
}

const (
	// sumChunk rows of values below 2^sumValueBits cannot carry an
	// accumulator below 2^62 past 2^63: 2^16 · 2^44 = 2^60.
	sumChunk     = 1 << 16
	sumValueBits = 44
	sumAccLimit  = 1 << 62
)

// addChunkFast adds rows (at most sumChunk) to c with plain additions and
// reports true, when that cannot overflow: every accumulator is in
// [0, 2^62) and every value in [0, 2^44). Otherwise it leaves c unchanged
// and reports false, and the caller takes the saturating path. One OR per
// field checks the value range, which is much cheaper than an overflow
// test per addition.
func (c *Counts) addChunkFast(rows []Counts) bool {
	var accOr int64
	for _, v := range c.fieldValues() {
		accOr |= v
	}
	if accOr < 0 || accOr >= sumAccLimit {
		return false
	}
	imp, rch, clk, lnk, unq, spd := c.Impressions, c.Reach, c.Clicks, c.LinkClicks, c.UniqueClicks, c.Spend
	pst, pge := c.PostEngagements, c.PageEngagements
	vpl, v3s, v25, v50, v75, v95, v100 := c.VideoPlays, c.VideoViews3s, c.VideoP25, c.VideoP50, c.VideoP75, c.VideoP95, c.VideoP100
	thr, wtm := c.ThruPlays, c.VideoWatchTimeMillis
	lpv, lds, pur, pvl := c.LandingPageViews, c.Leads, c.Purchases, c.PurchaseValue
	cnv, cvl := c.Conversions, c.ConversionValue

	var or int64            // OR of every value: range check
	var reachRows uint64    // rows with non-zero reach
	summed := c.ReachSummed // any row already summed
	for i := range rows {
		r := &rows[i]
		imp += r.Impressions
		rch += r.Reach
		clk += r.Clicks
		lnk += r.LinkClicks
		unq += r.UniqueClicks
		spd += r.Spend
		pst += r.PostEngagements
		pge += r.PageEngagements
		vpl += r.VideoPlays
		v3s += r.VideoViews3s
		v25 += r.VideoP25
		v50 += r.VideoP50
		v75 += r.VideoP75
		v95 += r.VideoP95
		v100 += r.VideoP100
		thr += r.ThruPlays
		wtm += r.VideoWatchTimeMillis
		lpv += r.LandingPageViews
		lds += r.Leads
		pur += r.Purchases
		pvl += r.PurchaseValue
		cnv += r.Conversions
		cvl += r.ConversionValue
		or |= r.Impressions | r.Reach | r.Clicks | r.LinkClicks | r.UniqueClicks | r.Spend |
			r.PostEngagements | r.PageEngagements |
			r.VideoPlays | r.VideoViews3s | r.VideoP25 | r.VideoP50 | r.VideoP75 | r.VideoP95 | r.VideoP100 |
			r.ThruPlays | r.VideoWatchTimeMillis |
			r.LandingPageViews | r.Leads | r.Purchases | r.PurchaseValue |
			r.Conversions | r.ConversionValue
		reachRows += (uint64(r.Reach) | -uint64(r.Reach)) >> 63 // 1 when non-zero
		summed = summed || r.ReachSummed
	}
	if or < 0 || or>>sumValueBits != 0 {
		return false
	}
	if c.Reach != 0 {
		reachRows++
	}
	*c = Counts{
		Impressions: imp, Reach: rch, Clicks: clk, LinkClicks: lnk, UniqueClicks: unq, Spend: spd,
		PostEngagements: pst, PageEngagements: pge,
		VideoPlays: vpl, VideoViews3s: v3s, VideoP25: v25, VideoP50: v50, VideoP75: v75,
		VideoP95: v95, VideoP100: v100, ThruPlays: thr, VideoWatchTimeMillis: wtm,
		LandingPageViews: lpv, Leads: lds, Purchases: pur, PurchaseValue: pvl,
		Conversions: cnv, ConversionValue: cvl,
		ReachSummed: summed || reachRows >= 2,
	}
	return true
}

// WithWindowReach returns a copy of c whose Reach is the de-duplicated
// reach of the whole window (for example from a window-level insights
// query without time_increment) and whose ReachSummed is false. All other
// fields are unchanged.
func (c Counts) WithWindowReach(reach int64) Counts {
	c.Reach = reach
	c.ReachSummed = false
	return c
}
