package metaadstest

import (
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"

	"github.com/adpilot/adpilot/metrics"
)

// Row is one generated insights row as counts: what GET
// /{object}/insights returns for the same parameters, without the wire
// format. Server.Rows serves tests that need many thousands of rows (a
// false-alarm rate measured over hundreds of seeds, run under the race
// detector) at a fraction of the cost of pages of JSON; everything else
// should read insights over HTTP, as a client does.
type Row struct {
	Level     string // "account", "campaign", "adset" or "ad"
	ID        string // the entity's id at Level (the account number, without act_, for account rows)
	DateStart string // first day of the row, YYYY-MM-DD in the account's time zone
	DateStop  string // last day, included
	// Hour is the hour of day (0 to 23) with an hourly breakdown
	// (hourly_stats_aggregated_by_advertiser_time_zone or
	// _audience_time_zone), -1 otherwise.
	Hour int
	// Breakdowns are the values of the query's breakdowns, in the order
	// they were asked for ("25-34", "00:00:00 - 00:59:59", ...).
	Breakdowns []string
	// Counts are the counts of the row's default fields as a client's
	// decoding reads them: impressions, reach, clicks, unique clicks, link
	// clicks, spend (minor units), post and page engagements, the video
	// counts (VideoWatchTimeMillis as average seconds per play, rounded as
	// Meta sends it, times plays), landing page views, leads, and the
	// purchase family counted once (Purchases, PurchaseValue). With hourly
	// breakdowns reach, unique clicks, purchases and the video counts other
	// than 3-second views (an on-Meta action) are 0, as on the wire. Conversions and ConversionValue are 0: the conversion
	// event is the caller's choice.
	Counts metrics.Counts
}

// Rows answers an insights query on object (an act_ id, a campaign, ad set
// or ad id) with the parameters GET /{object}/insights takes: level,
// date_preset, time_range, time_ranges, time_increment, breakdowns and
// entity filtering (campaign.id, adset.effective_status, ...). Fields,
// metric filtering, sort, summary and paging do not apply: every row is
// returned, ordered as the endpoint orders them. No token is needed and no
// call is counted against the rate limits. A parameter the endpoint
// refuses is an error with Meta's message.
func (s *Server) Rows(object string, params url.Values) ([]Row, error) {
	now := s.now()
	s.mu.Lock()
	kind := s.st.objectKind(object)
	if kind == "" || kind == "creative" {
		s.mu.Unlock()
		return nil, fmt.Errorf("metaadstest: Rows: %q is not an account, campaign, ad set or ad", object)
	}
	ar := s.st.accounts[s.st.accountOf(object)]
	q, e := parseInsightsQuery(params, slices.Index(levels, kind), ar.loc, dayOf(ar.CreatedTime, ar.loc), now)
	if e != nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("metaadstest: Rows: %s", e.Message)
	}
	snaps := s.snapshot(s.queryAds(q, kind, object))
	s.mu.Unlock()
	accs := s.gen.run(q, snaps)
	out := make([]Row, len(accs))
	days := map[int]string{}
	for i, r := range accs {
		out[i] = rowOf(q, r, days)
	}
	return out, nil
}

// rowOf maps a generated row onto counts the way appendRow renders it and
// a client decodes it.
func rowOf(q *insightsQuery, r *rowAcc, days map[int]string) Row {
	day := func(d int) string {
		s, ok := days[d]
		if !ok {
			s = dayString(d)
			days[d] = s
		}
		return s
	}
	v := &r.v
	row := Row{Level: q.level, DateStart: day(r.start), DateStop: day(r.stop), Hour: -1}
	switch q.levelRank {
	case 0:
		row.ID = r.ad.acct.id
	case 1:
		row.ID = r.ad.campID
	case 2:
		row.ID = r.ad.adsetID
	default:
		row.ID = r.ad.id
	}
	pe := v[mLink] + v[mReactions] + v[mComments] + v[mV3s]
	c := metrics.Counts{Impressions: v[mImpr], Reach: r.reach, Clicks: v[mClicks], LinkClicks: v[mLink], Spend: v[mSpend],
		PostEngagements: pe, PageEngagements: pe + v[mLikes], VideoViews3s: v[mV3s], LandingPageViews: v[mLPV], Leads: v[mLeads]}
	row.Breakdowns = slices.Clone(r.cellNames)
	if r.hourly {
		for i, name := range r.cellNames {
			if b := q.breakdowns[i]; b == hourlyAdvertiser || b == hourlyAudience {
				if h, err := strconv.Atoi(name[:2]); err == nil {
					row.Hour = h
				}
			}
		}
	} else {
		c.UniqueClicks = int64(float64(v[mClicks]) * 0.9)
		c.Purchases, c.PurchaseValue = v[mPurch], v[mPurchVal]
		c.VideoPlays, c.ThruPlays = v[mVPlays], v[mThru]
		c.VideoP25, c.VideoP50, c.VideoP75, c.VideoP95, c.VideoP100 = v[mP25], v[mP50], v[mP75], v[mP95], v[mP100]
		if v[mVPlays] > 0 {
			c.VideoWatchTimeMillis = int64(math.Round(float64(v[mWatchMs])/float64(v[mVPlays])/1000)) * 1000 * v[mVPlays]
		}
	}
	row.Counts = c
	return row
}
