package metaadstest

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPlantedHourOfDay(t *testing.T) {
	srv, _, tok := newDemo(t)
	q := url.Values{"fields": {"impressions,clicks"}, "date_preset": {"last_28d"}, "breakdowns": {hourlyAdvertiser}}
	rows := insights(t, srv, tok, "act_"+DemoAccountShop, q)
	require.Len(t, rows, 24)
	ctr := make([]float64, 24)
	for h, r := range rows {
		ctr[h] = r.num(t, "clicks") / r.num(t, "impressions")
	}
	// Amplitude 0.5: CTR at 20:00 is (1+A)/(1-A) = 3 times CTR at 08:00.
	// Hours carry Poisson noise (about 350 clicks at 08:00 over 28 days),
	// so the ratio's standard deviation is about 6%: allow 3 of them.
	assert.InDelta(t, 3.0, ctr[20]/ctr[8], 0.5)
}

func TestPlantedFatigue(t *testing.T) {
	srv, _, tok := newDemo(t)
	q := url.Values{"fields": {"impressions,reach,clicks,frequency"}, "date_preset": {"last_30d"}, "time_increment": {"1"}}
	rows := insights(t, srv, tok, DemoFatiguedAd, q)
	require.GreaterOrEqual(t, len(rows), 28)
	first, last := rows[0], rows[len(rows)-1]
	fFirst, fLast := first.num(t, "frequency"), last.num(t, "frequency")
	assert.Greater(t, fLast, 2*fFirst, "frequency climbs")
	ctrFirst := first.num(t, "clicks") / first.num(t, "impressions")
	ctrLast := last.num(t, "clicks") / last.num(t, "impressions")
	// CTR ∝ 1/frequency, within the daily noise (±10%) and the weekday effect.
	assert.InDelta(t, fFirst/fLast, ctrLast/ctrFirst, 0.35*fFirst/fLast)

	// A healthy ad in the same ad set keeps its frequency.
	other := insights(t, srv, tok, "120400000000000012", q)
	assert.InDelta(t, other[0].num(t, "frequency"), other[len(other)-1].num(t, "frequency"), 0.01)
}

func TestPlantedOverpacing(t *testing.T) {
	srv, _, tok := newDemo(t)
	q := url.Values{"fields": {"adset_id,spend"}, "level": {"adset"}, "date_preset": {"last_28d"}}
	rows := insights(t, srv, tok, "act_"+DemoAccountShop, q)
	for _, r := range rows {
		set, ok := srv.AdSet(r["adset_id"].(string))
		require.True(t, ok)
		pace := r.num(t, "spend") * 100 / 28 / float64(set.DailyBudget)
		if set.ID == DemoOverpacingSet {
			assert.InDelta(t, 1.4*0.92, pace, 0.08, "over-pacing set")
		} else if set.Status == "ACTIVE" && set.ID != "120300000000000011" {
			assert.InDelta(t, 0.92, pace, 0.08, "set %s", set.ID)
		}
	}
}

func TestPlantedSeasonalWeek(t *testing.T) {
	srv, _, tok := newDemo(t)
	acct, _ := srv.Account(DemoAccountShop)
	season := acct.SeasonalWeekStart
	rate := func(since, until string) float64 {
		q := url.Values{"fields": {"inline_link_clicks,actions"}, "time_range": {fmt.Sprintf(`{"since":%q,"until":%q}`, since, until)}}
		r := insights(t, srv, tok, "act_"+DemoAccountShop, q)[0]
		return r.action(t, "actions", "purchase") / r.num(t, "inline_link_clicks")
	}
	in := rate(season.Format("2006-01-02"), season.AddDate(0, 0, 6).Format("2006-01-02"))
	before := rate(season.AddDate(0, 0, -14).Format("2006-01-02"), season.AddDate(0, 0, -1).Format("2006-01-02"))
	assert.InDelta(t, 1+acct.SeasonalLift, in/before, 0.2)
}

func TestPlantedDayOfWeek(t *testing.T) {
	srv, _, tok := newDemo(t)
	rows := insights(t, srv, tok, "act_"+DemoAccountShop, url.Values{"fields": {"impressions,clicks"}, "date_preset": {"last_90d"}, "time_increment": {"1"}})
	var ctr [7]float64
	var n [7]float64
	for _, r := range rows {
		d, ok := parseDay(r["date_start"].(string))
		require.True(t, ok)
		dow := (d + 4) % 7
		ctr[dow] += r.num(t, "clicks") / r.num(t, "impressions")
		n[dow]++
	}
	sat, wed := ctr[6]/n[6], ctr[3]/n[3]
	// Amplitude 0.25, Saturday best: 1.25 against 1+0.25·cos(2π·3/7) ≈ 0.775.
	assert.InDelta(t, 1.25/0.775, sat/wed, 0.25)
}
