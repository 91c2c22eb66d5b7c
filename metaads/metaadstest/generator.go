package metaadstest

import (
	"math"
	"time"

	"github.com/adpilot/adpilot/metrics"
)

// The insights generator. Nothing is stored: every number of an ad on a day
// is derived from a hash of (seed, ad, day, metric), the ad's budget and
// status history, and the planted patterns, so the same seed always gives the
// same rows and a benchmark can pull months of rows cheaply.
//
// Consistency: an ad-day's totals are computed once; breakdowns and hourly
// rows split those totals with exact integer apportionment (largest
// remainder), and higher levels sum ads, so additive metrics agree across
// levels, breakdowns and time increments to the unit.

// metric indexes of the additive vector.
const (
	mImpr = iota
	mSpend
	mReach // sum of daily reach; windows de-duplicate it (see finishReach)
	mReactions
	mComments
	mLikes
	mVPlays
	mV2s
	mV3s
	mP25
	mP50
	mP75
	mP95
	mP100
	mThru
	mV30
	mWatchMs
	// click class
	mClicks
	mLink
	mLPV
	// conversion class
	mATC
	mIC
	mPurch
	mPurchVal
	mLeads
	nMetrics
)

const (
	firstClick = mClicks
	firstConv  = mATC
)

type vec [nMetrics]int64

func (v *vec) add(o *vec) {
	for i := range v {
		v[i] += o[i]
	}
}

func (v *vec) zero() bool { return v[mImpr] == 0 && v[mSpend] == 0 }

// mix64 is the splitmix64 finalizer.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

func hash(parts ...uint64) uint64 {
	h := uint64(0x243f6a8885a308d3)
	for _, p := range parts {
		h = mix64(h ^ p)
	}
	return h
}

// unit maps a hash to [0, 1).
func unit(h uint64) float64 { return float64(h>>11) / (1 << 53) }

func strHash(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

type generator struct{ seed uint64 }

// acctSnap, adSnap: immutable copies of what generation needs, taken under
// the server lock.
type acctSnap struct {
	id, name, currency string
	loc                *time.Location
	offset             int64
	hourA, dowA        float64
	seasonDay          int // civil day number of the seasonal week, -1 none
	lift               float64
	createdDay         int
	order              int
}

type adSnap struct {
	acct                   *acctSnap
	id, name               string
	adsetID, adsetName     string
	campID, campName       string
	objective, optGoal     string
	video                  bool
	quality, fatigue       float64
	startDay, endDay       int // inclusive civil days; endDay -1 open
	start                  time.Time
	statuses               [3][]statusChange // ad, ad set, campaign
	budgets                []budgetChange    // of the ad set, or of the campaign (CBO)
	budgetEnd              time.Time         // end time for lifetime budgets
	budgetStart            time.Time
	share                  float64 // of the budget owner's spend
	overpace               float64
	overlap                float64
	key                    uint64
	adsetKey, campKey      uint64
	order                  [4]int // creation order of account, campaign, ad set, ad
	effAd, effSet, effCamp string
}

// civil day numbers: days since 1970-01-01 in the account's zone.
func dayOf(t time.Time, loc *time.Location) int {
	y, m, d := t.In(loc).Date()
	return int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// dayStart is the first instant of the civil day in loc: 01:00 on a day
// whose midnight a daylight-saving change skips (metrics.DayStart; a bare
// time.Date may return 23:00 of the day before).
func dayStart(day int, loc *time.Location) time.Time {
	y, m, d := time.Unix(int64(day)*86400, 0).UTC().Date()
	return metrics.DayStart(time.Date(y, m, d, 12, 0, 0, 0, loc))
}

func dayString(day int) string {
	return time.Unix(int64(day)*86400, 0).UTC().Format(time.DateOnly)
}

var zeroDecimalCurrencies = map[string]bool{"CLP": true, "COP": true, "CRC": true, "HUF": true, "ISK": true, "IDR": true, "JPY": true, "KRW": true, "PYG": true, "TWD": true, "VND": true}

// currencyOffset is the minor units per major unit (reference §3.1).
func currencyOffset(code string) int64 {
	if zeroDecimalCurrencies[code] {
		return 1
	}
	return 100
}

// snapshot builds the generation view of the given ads. Caller holds s.mu.
func (s *Server) snapshot(adIDs []string) []*adSnap {
	st := s.st
	accts := map[string]*acctSnap{}
	// Share of each ad in its ad set and of each ad set in its campaign,
	// from stable per-object weights over the non-deleted siblings.
	weight := func(id string) float64 { return 0.6 + 0.8*unit(hash(s.gen.seed, strHash(id), 7)) }
	setW := map[string]float64{}
	campW := map[string]float64{}
	for _, id := range st.adOrder {
		if a := st.ads[id]; a.Status != "DELETED" {
			setW[a.AdSetID] += weight(id)
		}
	}
	for _, id := range st.adsetOrder {
		if a := st.adsets[id]; a.Status != "DELETED" {
			campW[a.CampaignID] += weight(id)
		}
	}
	order := map[string]int{}
	for i, id := range st.acctOrder {
		order[id] = i
	}
	for i, id := range st.campOrder {
		order[id] = i
	}
	for i, id := range st.adsetOrder {
		order[id] = i
	}
	for i, id := range st.adOrder {
		order[id] = i
	}
	out := make([]*adSnap, 0, len(adIDs))
	for _, id := range adIDs {
		ad := st.ads[id]
		set := st.adsets[ad.AdSetID]
		camp := st.campaigns[ad.CampaignID]
		ar := st.accounts[ad.AccountID]
		as := accts[ar.ID]
		if as == nil {
			as = &acctSnap{id: ar.ID, name: ar.Name, currency: ar.Currency, loc: ar.loc, offset: currencyOffset(ar.Currency),
				hourA: ar.HourOfDayEffect, dowA: ar.DayOfWeekEffect, seasonDay: -1, lift: ar.SeasonalLift,
				createdDay: dayOf(ar.CreatedTime, ar.loc), order: order[ar.ID]}
			if !ar.SeasonalWeekStart.IsZero() {
				as.seasonDay = dayOf(ar.SeasonalWeekStart, ar.loc)
			}
			accts[ar.ID] = as
		}
		sn := &adSnap{acct: as, id: id, name: ad.Name, adsetID: set.ID, adsetName: set.Name, campID: camp.ID, campName: camp.Name,
			objective: camp.Objective, optGoal: set.OptimizationGoal, quality: ad.Quality, fatigue: ad.FatigueRate,
			overpace: set.Overpace, key: strHash(id), adsetKey: strHash(set.ID), campKey: strHash(camp.ID),
			order: [4]int{as.order, order[camp.ID], order[set.ID], order[id]},
			effAd: st.adEffective(ad), effSet: st.adsetEffective(set), effCamp: camp.Status}
		if set.OverlapGroup != "" {
			sn.overlap = set.OverlapRatio
		}
		if cr := st.creatives[ad.CreativeID]; cr != nil {
			sn.video = cr.Video
		}
		start := ad.CreatedTime
		for _, t := range []time.Time{set.StartTime, camp.StartTime} {
			if t.After(start) {
				start = t
			}
		}
		sn.start = start
		sn.startDay = dayOf(start, as.loc)
		sn.endDay = -1
		if !set.EndTime.IsZero() {
			sn.endDay = dayOf(set.EndTime.Add(-time.Nanosecond), as.loc)
		}
		sn.statuses = [3][]statusChange{ad.statuses, set.statuses, camp.statuses}
		// A deleted object is not among the siblings that share a budget
		// today; for its history, count it in.
		shareOf := func(w, total float64, deleted bool) float64 {
			if deleted {
				total += w
			}
			return w / total
		}
		sn.share = shareOf(weight(id), setW[set.ID], ad.Status == "DELETED")
		if camp.DailyBudget > 0 || camp.LifetimeBudget > 0 {
			sn.budgets = camp.budgets
			sn.share *= shareOf(weight(set.ID), campW[camp.ID], set.Status == "DELETED")
			sn.budgetStart, sn.budgetEnd = camp.StartTime, camp.StopTime
		} else {
			sn.budgets = set.budgets
			sn.budgetStart, sn.budgetEnd = set.StartTime, set.EndTime
		}
		out = append(out, sn)
	}
	return out
}

func statusAt(h []statusChange, t time.Time) string {
	s := ""
	for _, c := range h {
		if c.at.After(t) {
			break
		}
		s = c.status
	}
	return s
}

func activeAt(a *adSnap, t time.Time) bool {
	for _, h := range a.statuses {
		if statusAt(h, t) != "ACTIVE" {
			return false
		}
	}
	return true
}

func changesWithin(a *adSnap, from, to time.Time) bool {
	for _, h := range a.statuses {
		for _, c := range h[1:] {
			if !c.at.Before(from) && c.at.Before(to) {
				return true
			}
		}
	}
	return false
}

// hourCurve is the share of daily traffic per hour (peak in the evening).
var hourCurve = [24]float64{0.45, 0.30, 0.22, 0.18, 0.18, 0.25, 0.40, 0.60, 0.75, 0.85, 0.90, 0.95,
	1.00, 1.00, 0.98, 0.98, 1.00, 1.05, 1.15, 1.25, 1.30, 1.25, 1.05, 0.75}

// hourCurveAudience is hourCurve in the audience's time zones: 30% of the
// traffic an hour later than the advertiser's.
var hourCurveAudience = audienceCurve(&hourCurve)

func audienceCurve(c *[24]float64) [24]float64 {
	var out [24]float64
	for h := range out {
		out[h] = 0.7*c[h] + 0.3*c[(h+23)%24]
	}
	return out
}

func hourMult(a float64, h int) float64 { return 1 + a*math.Cos(2*math.Pi*float64(h-20)/24) }

func dowMult(a float64, day int) float64 {
	dow := (day + 4) % 7 // 1970-01-01 was a Thursday (4)
	return 1 + a*math.Cos(2*math.Pi*float64(dow-6)/7)
}

// hourMask is the active hours of an ad-day (bit h set = delivering).
func (g *generator) hourMask(a *adSnap, day int, now time.Time) uint32 {
	ds := dayStart(day, a.acct.loc)
	de := dayStart(day+1, a.acct.loc)
	full := uint32(1<<24 - 1)
	if !now.Before(de) && !changesWithin(a, ds, de) && !a.start.After(ds) {
		if activeAt(a, ds) {
			return full
		}
		return 0
	}
	var m uint32
	for h := range 24 {
		t := ds.Add(time.Duration(h) * time.Hour)
		if !t.Before(now) || t.Add(time.Hour).Before(a.start) || t.Add(time.Hour).Equal(a.start) {
			continue
		}
		if activeAt(a, t) {
			m |= 1 << h
		}
	}
	return m
}

func budgetAt(bs []budgetChange, t time.Time) budgetChange {
	b := budgetChange{}
	for _, c := range bs {
		if c.at.After(t) {
			break
		}
		b = c
	}
	return b
}

// round turns an expectation into an integer with deterministic stochastic
// rounding.
func round(x float64, h uint64) int64 {
	if x <= 0 {
		return 0
	}
	f := math.Floor(x)
	if unit(h) < x-f {
		f++
	}
	return int64(f)
}

// frequency is the ad's daily frequency on a day (climbing with fatigue).
func (g *generator) frequency(a *adSnap, day int) (base, f float64) {
	base = 1.15 + 0.35*unit(hash(g.seed, a.key, 11))
	f = base
	if a.fatigue > 0 {
		f = base * (1 + a.fatigue*float64(max(0, day-a.startDay))/7)
	}
	return base, f
}

// adDay computes an ad's totals on a civil day, with the active-hour mask.
func (g *generator) adDay(a *adSnap, day int, now time.Time) (vec, uint32) {
	var v vec
	if day < a.startDay || a.endDay >= 0 && day > a.endDay {
		return v, 0
	}
	mask := g.hourMask(a, day, now)
	if mask == 0 {
		return v, 0
	}
	acct := a.acct
	at := dayStart(day+1, acct.loc).Add(-time.Nanosecond)
	if now.Before(at) {
		at = now
	}
	b := budgetAt(a.budgets, at)
	daily := float64(b.daily)
	if b.lifetime > 0 {
		days := 30.0
		if !a.budgetEnd.IsZero() {
			days = math.Max(1, math.Ceil(a.budgetEnd.Sub(a.budgetStart).Hours()/24))
		}
		daily = float64(b.lifetime) / days
	}
	dk := uint64(day)
	paceH := hash(g.seed, a.adsetKey, dk, 1)
	pace := (0.85 + 0.14*unit(paceH)) * (1 + a.overpace)
	var volAll, volOn, clickOn, convOn float64
	for h := range 24 {
		w := hourCurve[h]
		volAll += w
		if mask&(1<<h) != 0 {
			m := hourMult(acct.hourA, h)
			volOn += w
			clickOn += w * m
			convOn += w * m * m
		}
	}
	frac := volOn / volAll
	hc := clickOn / volOn // hour-weighted CTR multiplier
	hv := convOn / clickOn
	seasonal := 1.0
	if acct.seasonDay >= 0 && day >= acct.seasonDay && day < acct.seasonDay+7 {
		seasonal = 1 + acct.lift
	}
	h := func(m uint64) uint64 { return hash(g.seed, a.key, dk, m) }
	spend := daily * pace * a.share * frac
	v[mSpend] = round(spend, h(100))
	cpm := 900.0 * (0.85 + 0.3*unit(h(101))) * (1 + (seasonal-1)/3)
	if acct.offset == 1 {
		cpm = 1200 * (0.85 + 0.3*unit(h(101)))
	}
	impr := spend / cpm * 1000
	v[mImpr] = round(impr, h(102))
	base, f := g.frequency(a, day)
	v[mReach] = round(impr/f, h(103))
	dm := dowMult(acct.dowA, day)
	ctr := 0.012 * a.quality * dm * hc * (base / f) * (0.9 + 0.2*unit(h(104)))
	clicks := impr * ctr
	v[mClicks] = round(clicks, h(105))
	link := clicks * 0.68
	v[mLink] = round(link, h(106))
	v[mLPV] = round(link*0.82, h(107))
	v[mReactions] = round(impr*0.0035, h(108))
	v[mComments] = round(impr*0.0004, h(109))
	v[mLikes] = round(impr*0.0002, h(110))
	cvr := dm * hv * seasonal * (0.85 + 0.3*unit(h(111)))
	switch a.objective {
	case "OUTCOME_LEADS":
		v[mLeads] = round(link*0.09*cvr, h(112))
	case "OUTCOME_SALES":
		p := link * 0.035 * cvr
		v[mPurch] = round(p, h(113))
		v[mATC] = round(link*0.11*cvr, h(114))
		v[mIC] = round(link*0.05*cvr, h(115))
		aov := 6500.0
		if acct.offset == 1 {
			aov = 8000
		}
		v[mPurchVal] = round(float64(v[mPurch])*aov*seasonal*(0.8+0.4*unit(h(116))), h(117))
	default:
		v[mPurch] = round(link*0.004*cvr, h(113))
		v[mPurchVal] = round(float64(v[mPurch])*4000, h(117))
	}
	if a.video {
		plays := impr * 0.32
		v[mVPlays] = round(plays, h(120))
		for i, r := range [...]float64{0.72, 0.6, 0.48, 0.33, 0.22, 0.13, 0.1, 0.18, 0.09} {
			v[mV2s+i] = round(plays*r, h(121+uint64(i)))
		}
		v[mWatchMs] = round(plays*4200, h(130))
	}
	return v, mask
}

// cell weights of a breakdown split: volume, click and conversion
// multipliers per cell.
type cellW struct{ vol, click, conv float64 }

// apportion splits total over weights exactly. The whole parts go first;
// the units left over go by largest remainder (ties to the lower index)
// when u < 0, and otherwise by systematic sampling: with the cells'
// fractional parts laid end to end, the cells under u, u+1, u+2, ... each
// get one unit, so every cell gets a unit with probability equal to its
// fractional part and small cells are not starved (u in [0, 1), drawn
// from the seed).
func apportion(total int64, w []float64, out []int64, scratch []float64, u float64) {
	var sum float64
	for _, x := range w {
		sum += x
	}
	if total == 0 || sum <= 0 {
		for i := range out {
			out[i] = 0
		}
		return
	}
	var given int64
	for i, x := range w {
		q := float64(total) * x / sum
		fl := math.Floor(q)
		out[i] = int64(fl)
		scratch[i] = q - fl
		given += out[i]
	}
	left := total - given
	if u >= 0 && left > 0 {
		var cum float64
		var picked int64
		for i := range scratch {
			if w[i] <= 0 {
				continue
			}
			cum += scratch[i]
			if picked < left && cum > u+float64(picked) {
				out[i]++
				picked++
				scratch[i] = -1
			}
		}
		left -= picked // rounding may leave a unit: largest remainder takes it
	}
	for ; left > 0; left-- {
		best := -1
		for i := range scratch {
			if w[i] > 0 && (best < 0 || scratch[i] > scratch[best]) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		out[best]++
		scratch[best] = -1
	}
}

// split divides an ad-day vector over cells; offset, when not nil, gives
// each metric's systematic-sampling offset (see apportion), otherwise
// remainders go by largest remainder.
func split(v *vec, cells []cellW, out []vec, offset func(m int) float64) {
	n := len(cells)
	buf := make([]float64, 4*n)
	wv, wc, wx, scratch := buf[:n], buf[n:2*n], buf[2*n:3*n], buf[3*n:]
	for i, c := range cells {
		wv[i] = c.vol
		wc[i] = c.vol * c.click
		wx[i] = c.vol * c.click * c.conv
	}
	tmp := make([]int64, n)
	for m := range nMetrics {
		w := wv
		switch {
		case m >= firstConv:
			w = wx
		case m >= firstClick:
			w = wc
		}
		u := -1.0
		if offset != nil {
			u = offset(m)
		}
		apportion(v[m], w, tmp, scratch, u)
		for i := range out {
			out[i][m] = tmp[i]
		}
	}
}

// finishReach de-duplicates summed daily reach over a window of days for
// one ad: people seen on several days count once. The result is never
// below the largest single day.
func finishReach(sum, maxDay int64, days int) int64 {
	if days <= 1 {
		return sum
	}
	r := int64(float64(sum) / (1 + 0.35*math.Log(float64(days))))
	return max(r, maxDay)
}
