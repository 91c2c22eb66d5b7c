package metrics

// Counts holds the additive raw counts of one insights row (or of a sum of rows).
//
// Every field is a count of events, except the money fields, which are int64
// minor units of the account currency (cents for USD, yen for JPY; see
// [Currency]), and VideoWatchTimeMillis, which is milliseconds.
//
// All fields except Reach are additive: the Counts of a week is the sum of the
// Counts of its days. Reach counts distinct people, so the reach of a week is
// not the sum of daily reach (the same person is counted on every day they
// saw an ad). [Counts.Add] therefore adds Reach as an upper bound and marks
// the sum with ReachSummed; callers that know the de-duplicated reach of the
// whole window (Meta reports it on a window-level query) set it with
// [Counts.WithWindowReach]. Reach-based ratios (frequency, CPP, reach
// efficiency, unique CTR) are only meaningful on de-duplicated reach.
//
// The field set is fixed so that aggregation stays allocation-free; counts
// of any other action type ride beside a Counts in [Actions].
type Counts struct {
	Impressions  int64 // impressions
	Reach        int64 // distinct people reached (not additive; see type doc)
	Clicks       int64 // all clicks (Meta "clicks": reactions, expands, profile clicks too)
	LinkClicks   int64 // inline_link_clicks
	UniqueClicks int64 // unique_clicks (estimated, not additive across overlapping rows)
	Spend        int64 // money spent, minor units

	PostEngagements int64 // post_engagement actions
	PageEngagements int64 // page_engagement actions

	VideoPlays           int64 // video_play_actions (plays of any length)
	VideoViews3s         int64 // video_view: plays of 3 seconds or more
	VideoP25             int64 // video_p25_watched_actions
	VideoP50             int64 // video_p50_watched_actions
	VideoP75             int64 // video_p75_watched_actions
	VideoP95             int64 // video_p95_watched_actions
	VideoP100            int64 // video_p100_watched_actions
	ThruPlays            int64 // video_thruplay_watched_actions
	VideoWatchTimeMillis int64 // total watch time, milliseconds

	LandingPageViews int64 // landing_page_view actions
	Leads            int64 // lead actions
	Purchases        int64 // purchase actions (one name of the purchase family, never a sum)
	PurchaseValue    int64 // purchase value, minor units

	Conversions     int64 // the advertiser's chosen conversion event
	ConversionValue int64 // value of the chosen conversion event, minor units

	// ReachSummed is true when Reach is a sum over rows (an upper bound on
	// the true reach) rather than a de-duplicated window reach.
	ReachSummed bool
}
