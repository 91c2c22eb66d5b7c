package metaadstest

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"time"
)

// windowShare is the share of an action attributed to each window.
var windowShare = map[string]float64{"1d_view": 0.15, "7d_view": 0.2, "28d_view": 0.25, "1d_click": 0.7, "7d_click": 0.85, "28d_click": 0.9}

type rowKey struct{ rng, bucket, ent, cell int }

type rowAcc struct {
	key            rowKey
	ad             *adSnap // representative ad (for names of the level entity)
	v              vec
	reachSum, rMax int64 // over ads
	nAds           int
	start, stop    int
	cellNames      []string
	hourly         bool
	reach          int64
}

type adPart struct {
	v              vec
	reachSum, rMax int64
	days           int
	start, stop    int
}

func (q *insightsQuery) bucket(ri int, day int) (b, start, stop int) {
	rg := q.ranges[ri]
	switch {
	case q.incr == 0:
		return 0, rg.since, rg.until
	case q.incr > 0:
		b = (day - rg.since) / q.incr
		start = rg.since + b*q.incr
		return b, start, min(start+q.incr-1, rg.until)
	}
	t0 := time.Unix(int64(rg.since)*86400, 0).UTC()
	t := time.Unix(int64(day)*86400, 0).UTC()
	b = (t.Year()*12 + int(t.Month())) - (t0.Year()*12 + int(t0.Month()))
	ms := int(time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC).Unix() / 86400)
	me := int(time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, time.UTC).Unix()/86400) - 1
	return b, max(ms, rg.since), min(me, rg.until)
}

// hourCellNames are the hourly breakdown values, one per hour; never
// written after initialisation (rows share them read-only).
var hourCellNames = func() (n [24][]string) {
	for h := range n {
		n[h] = []string{fmt.Sprintf("%02d:00:00 - %02d:59:59", h, h)}
	}
	return n
}()

// cells returns the breakdown cells for an ad (with a stable per-ad jitter)
// and their names.
func (g *generator) cells(q *insightsQuery, a *adSnap, mask uint32, day int, v *vec) ([]cellW, [][]string) {
	if q.hourly != 0 {
		curve := &hourCurve
		if q.hourly == 2 {
			curve = &hourCurveAudience
		}
		cw := make([]cellW, 24)
		names := make([][]string, 24)
		var clickW float64
		for h := range 24 {
			if mask&(1<<h) != 0 {
				m := hourMult(a.acct.hourA, h)
				cw[h] = cellW{curve[h], m, m}
				clickW += curve[h] * m
			}
			names[h] = hourCellNames[h]
		}
		g.hourNoise(cw, a, day, v, clickW)
		return cw, names
	}
	cw := []cellW{{1, 1, 1}}
	names := [][]string{nil}
	for _, b := range q.breakdowns {
		d := dims[b]
		if d == nil { // country: a single cell per account
			for i := range names {
				names[i] = append(names[i], countryOf[a.acct.currency])
			}
			if countryOf[a.acct.currency] == "" {
				for i := range names {
					names[i][len(names[i])-1] = "US"
				}
			}
			continue
		}
		var ncw []cellW
		var nn [][]string
		for i, c := range cw {
			for j, dc := range d.cells {
				j := j
				jit := 0.85 + 0.3*unit(hash(g.seed, a.key, strHash(d.name), uint64(j)))
				ncw = append(ncw, cellW{c.vol * dc.vol * jit, c.click * dc.click, c.conv * dc.conv})
				nn = append(nn, append(slices.Clone(names[i]), d.values[j]))
			}
		}
		cw, names = ncw, nn
	}
	return cw, names
}

// run generates the rows of a query over ads.
func (g *generator) run(q *insightsQuery, ads []*adSnap) []*rowAcc {
	rows := map[rowKey]*rowAcc{}
	var cellOut []vec
	for _, a := range ads {
		parts := map[rowKey]*adPart{}
		ent := a.order[q.levelRank]
		var names [][]string
		for ri, rg := range q.ranges {
			from := max(rg.since, a.startDay)
			to := min(rg.until, q.today)
			for day := from; day <= to; day++ {
				v, mask := g.adDay(a, day, q.now)
				if mask == 0 || v.zero() {
					continue
				}
				b, bs, be := q.bucket(ri, day)
				if len(q.breakdowns) == 0 {
					g.addPart(parts, rowKey{ri, b, ent, 0}, &v, bs, be)
					continue
				}
				var cw []cellW
				cw, names = g.cells(q, a, mask, day, &v)
				if cap(cellOut) < len(cw) {
					cellOut = make([]vec, len(cw))
				}
				cellOut = cellOut[:len(cw)]
				var offset func(m int) float64
				if q.hourly != 0 {
					// Hours get unbiased rounding: a night hour with 0.4
					// expected clicks gets one 40% of the time, not never.
					offset = func(m int) float64 { return unit(hash(g.seed, a.key, uint64(day), 300+uint64(m))) }
				}
				split(&v, cw, cellOut, offset)
				for ci := range cellOut {
					if cellOut[ci].zero() {
						continue
					}
					g.addPart(parts, rowKey{ri, b, ent, ci}, &cellOut[ci], bs, be)
				}
			}
		}
		for k, p := range parts {
			r := rows[k]
			if r == nil {
				r = &rowAcc{key: k, ad: a, start: p.start, stop: p.stop, hourly: q.hourly != 0}
				if names != nil {
					r.cellNames = names[k.cell]
				}
				rows[k] = r
			}
			r.v.add(&p.v)
			ar := finishReach(p.reachSum, p.rMax, p.days)
			r.reachSum += ar
			r.rMax = max(r.rMax, ar)
			r.nAds++
		}
	}
	out := make([]*rowAcc, 0, len(rows))
	for _, r := range rows {
		r.reach = r.reachSum
		if r.nAds > 1 {
			r.reach = max(r.rMax, int64(float64(r.reachSum)*0.9))
		}
		if r.hourly {
			r.reach = 0
		}
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].key, out[j].key
		if a.rng != b.rng {
			return a.rng < b.rng
		}
		if a.bucket != b.bucket {
			return a.bucket < b.bucket
		}
		if a.ent != b.ent {
			return a.ent < b.ent
		}
		return a.cell < b.cell
	})
	return out
}

func (g *generator) addPart(parts map[rowKey]*adPart, k rowKey, v *vec, bs, be int) {
	p := parts[k]
	if p == nil {
		p = &adPart{start: bs, stop: be}
		parts[k] = p
	}
	p.v.add(v)
	p.reachSum += v[mReach]
	p.rMax = max(p.rMax, v[mReach])
	p.days++
}

// hourNoise makes the hours of one ad-day count like independent Poisson
// hours: each hour's click and conversion weights get a multiplicative
// deviation of Poisson size (1 + z/√λ, with λ the hour's expected count
// and z a standard normal drawn from the seed), so the day's totals are
// still split exactly (the split keeps sums) while an hour's clicks vary
// around their expectation as much as real hours do. Without it every
// hour of a day had exactly the day's CTR, and no test of an hour effect
// could ever meet noise. Impressions and spend are split without noise.
func (g *generator) hourNoise(cw []cellW, a *adSnap, day int, v *vec, clickW float64) {
	if !(clickW > 0) {
		return
	}
	conv := v[mPurch] + v[mLeads] + v[mATC] + v[mIC]
	for h := range cw {
		if cw[h].vol == 0 {
			continue
		}
		share := cw[h].vol * cw[h].click / clickW
		k := uint64(day)<<5 | uint64(h)
		cw[h].click *= poissonJitter(float64(v[mClicks])*share, hash(g.seed, a.key, k, 201), hash(g.seed, a.key, k, 202))
		cw[h].conv *= poissonJitter(float64(conv)*share, hash(g.seed, a.key, k, 203), hash(g.seed, a.key, k, 204))
	}
}

// poissonJitter returns 1 + z/√λ for a standard normal z drawn from two
// hashes (Box-Muller), kept within [0.05, 4]; 1 when λ < 1 (an hour with
// less than one expected event is left to the rounding of the split).
func poissonJitter(lambda float64, h1, h2 uint64) float64 {
	if lambda < 1 {
		return 1
	}
	u1 := 1 - unit(h1) // (0, 1]
	z := math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*unit(h2))
	return min(max(1+z/math.Sqrt(lambda), 0.05), 4)
}
