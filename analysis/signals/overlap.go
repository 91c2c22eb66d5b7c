package signals

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/adpilot/adpilot/analysis"
	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metrics"
)

// Overlap methods, in the order of their confidence.
const (
	// MethodReachEstimate: Meta's delivery estimates of each ad set's
	// targeting and of a spec requiring both (the intersection).
	MethodReachEstimate = "reach_estimate"
	// MethodTargeting: targeting similarity (see the package doc), a
	// heuristic.
	MethodTargeting = "targeting"
)

// ReachEstimate is Meta's estimate of the people a targeting spec can
// reach (delivery_estimate's estimate_mau_lower_bound and _upper_bound).
type ReachEstimate struct {
	Lower int64 `json:"lower"`
	Upper int64 `json:"upper"`
}

func (e ReachEstimate) mid() float64 { return float64(e.Lower) + float64(e.Upper-e.Lower)/2 }

// ReachQuery is one targeting spec the overlap signal can use an estimate
// of: an ad set's own ("adset:{id}") or the intersection of a pair's
// ("pair:{a}:{b}", a < b). Ask metaads AccountsService.DeliveryEstimate
// for Targeting and pass the results back with [WithReachEstimates].
type ReachQuery struct {
	Key       string            `json:"key"`
	AdSets    []string          `json:"adsets"`
	Targeting metaads.Targeting `json:"targeting"`
}

// OverlapResult is the audience overlap of the pairs of one account's
// running ad sets. It encodes to JSON.
type OverlapResult struct {
	Account analysis.EntityRef `json:"account"`
	// Threshold is the overlap coefficient flagged (default 0.3).
	Threshold float64 `json:"threshold"`
	// Pairs are the pairs of active ad sets that delivered in the last 7
	// complete days and may overlap (an upper bound above 0): the flagged
	// ones first, then by overlap, at most 500 (Notes counts the rest; at
	// most 50 flagged pairs become signals).
	Pairs          []PairOverlap     `json:"pairs"`
	FalseAlarmRate float64           `json:"false_alarm_rate"`
	Notes          []string          `json:"notes,omitempty"`
	Signals        []analysis.Signal `json:"-"`
}

// PairOverlap is the overlap of two ad sets' audiences.
type PairOverlap struct {
	A analysis.EntityRef `json:"a"`
	B analysis.EntityRef `json:"b"`
	// SameAuction is true when both ran in the last 7 complete days and
	// share a placement: Meta then enters only one of them in an auction
	// both would enter. SameGoal adds the same optimisation goal and
	// conversion event (they compete for the same results).
	SameAuction bool `json:"same_auction"`
	SameGoal    bool `json:"same_goal"`
	// Method is MethodReachEstimate or MethodTargeting.
	Method string `json:"method"`
	// Coefficient is the overlap as a share of the smaller audience
	// (Meta's overlap tool reports it per selected audience; this is the
	// larger of the two directional shares), with its bounds; Known is
	// false when only the bounds hold (a targeting estimate that needs a
	// size the specs do not give).
	Coefficient float64 `json:"coefficient"`
	Lo          float64 `json:"lo"`
	Hi          float64 `json:"hi"`
	Known       bool    `json:"known"`
	// ShareOfA and ShareOfB are the directional overlaps |A∩B|/|A| and
	// |A∩B|/|B|; Jaccard is |A∩B|/|A∪B|.
	ShareOfA float64 `json:"share_of_a"`
	ShareOfB float64 `json:"share_of_b"`
	Jaccard  float64 `json:"jaccard"`
	// SizeA, SizeB and Intersection are the estimates' midpoints
	// (reach-estimate method only).
	SizeA        int64 `json:"size_a,omitempty"`
	SizeB        int64 `json:"size_b,omitempty"`
	Intersection int64 `json:"intersection,omitempty"`
	// Dimensions are the targeting model's shares per dimension.
	Dimensions []DimensionOverlap `json:"dimensions,omitempty"`
	Notes      []string           `json:"notes,omitempty"`
	Flagged    bool               `json:"flagged"`
}

// maxListedPairs bounds OverlapResult.Pairs and maxOverlapSignals the
// overlap signals of one account.
const (
	maxListedPairs    = 500
	maxOverlapSignals = 50
)

// runningSets returns the active ad sets that delivered in the last 7
// complete days, ordered by id.
func (v *view) runningSets() []*metaads.AdSet {
	last := dayNumber(v.today) - 1
	delivered := map[string]bool{}
	for i := range v.ds.Daily {
		r := &v.ds.Daily[i]
		d := dayNumber(r.Date)
		if d <= last-7 || d > last || r.Counts.Impressions == 0 {
			continue
		}
		switch r.Level {
		case metrics.LevelAdSet:
			delivered[r.ID] = true
		case metrics.LevelAd:
			if a := v.ads[r.ID]; a != nil {
				delivered[a.AdSetID] = true
			}
		}
	}
	var out []*metaads.AdSet
	for i := range v.ds.AdSets {
		a := &v.ds.AdSets[i]
		if a.EffectiveStatus == metaads.EffectiveActive && delivered[a.ID] {
			out = append(out, a)
		}
	}
	return out
}

func pairKey(a, b string) string {
	if b < a {
		a, b = b, a
	}
	return "pair:" + a + ":" + b
}

// Overlap estimates the audience overlap of every pair of the account's
// running ad sets (active, with delivery in the last 7 complete days) from
// their targeting specs, and from Meta's reach estimates when
// [WithReachEstimates] gives them. A pair is flagged when its overlap
// coefficient (the share of the smaller audience) reaches the threshold
// (default 0.3; optimization.md §3) and both compete in the same auction;
// a targeting-only estimate is flagged on its point value only when the
// specs decide every share it rests on, or on its lower bound.
func Overlap(ds *analysis.Dataset, opts ...Option) (*OverlapResult, error) {
	v, err := newView(ds, opts)
	if err != nil {
		return nil, err
	}
	res := &OverlapResult{Account: v.account, Threshold: v.cfg.overlapAt, FalseAlarmRate: FalseAlarmRate(analysis.SignalOverlap)}
	sets := v.runningSets()
	auds := make([]*audience, len(sets))
	for i, s := range sets {
		auds[i] = readAudience(s.Targeting)
		if !auds[i].hasTargeting {
			res.Notes = append(res.Notes, fmt.Sprintf("ad set %s has no targeting in the Dataset; it is taken as broad", s.ID))
		}
	}
	// Keep the flagged pairs and the largest others, a bounded number:
	// an account of 1,000 ad sets has 499,500 pairs.
	order := func(a, b PairOverlap) int {
		switch {
		case a.Flagged != b.Flagged:
			if a.Flagged {
				return -1
			}
			return 1
		}
		return cmpFloat(b.Coefficient+b.Hi/1e6, a.Coefficient+a.Hi/1e6)
	}
	total, flagged := 0, 0
	for i := range sets {
		for j := i + 1; j < len(sets); j++ {
			p := v.pair(sets[i], sets[j], auds[i], auds[j])
			if p.Hi <= 0 {
				continue
			}
			total++
			if p.Flagged {
				flagged++
			}
			if res.Pairs == nil {
				res.Pairs = make([]PairOverlap, 0, 4*maxListedPairs)
			}
			res.Pairs = append(res.Pairs, p)
			if len(res.Pairs) == cap(res.Pairs) {
				// Keep the best, reuse the array.
				slices.SortStableFunc(res.Pairs, order)
				res.Pairs = res.Pairs[:maxListedPairs]
			}
		}
	}
	slices.SortStableFunc(res.Pairs, order)
	if len(res.Pairs) > maxListedPairs {
		res.Pairs = res.Pairs[:maxListedPairs]
	}
	if total > len(res.Pairs) {
		res.Notes = append(res.Notes, fmt.Sprintf("%d pairs may overlap (%d flagged); the flagged ones first and the largest %d are listed", total, flagged, len(res.Pairs)))
	}
	byID := map[string]int{}
	for i, s := range sets {
		byID[s.ID] = i
	}
	for i := range res.Pairs {
		p := &res.Pairs[i]
		p.Dimensions = coverage(auds[byID[p.A.ID]], auds[byID[p.B.ID]]).dims
	}
	for i := range res.Pairs {
		if res.Pairs[i].Flagged && len(res.Signals) < maxOverlapSignals {
			sig, err := v.overlapSignal(res, &res.Pairs[i])
			if err != nil {
				return nil, err
			}
			res.Signals = append(res.Signals, sig)
		}
	}
	if flagged > len(res.Signals) {
		res.Notes = append(res.Notes, fmt.Sprintf("%d pairs are flagged; signals are given for the %d largest", flagged, len(res.Signals)))
	}
	sortSignals(res.Signals)
	return res, nil
}

// goalOf is an ad set's optimisation goal and conversion event.
func (v *view) goalOf(s *metaads.AdSet) string {
	ev := v.events[s.CampaignID]
	if s.PromotedObject != nil && s.PromotedObject.CustomEventType != "" {
		ev = s.PromotedObject.CustomEventType
	}
	return s.OptimizationGoal + "/" + ev
}

func (v *view) pair(sa, sb *metaads.AdSet, a, b *audience) PairOverlap {
	p := PairOverlap{A: analysis.EntityRef{Level: metrics.LevelAdSet, ID: sa.ID, Name: sa.Name}, B: analysis.EntityRef{Level: metrics.LevelAdSet, ID: sb.ID, Name: sb.Name},
		Method: MethodTargeting}
	cov := coverageOf(a, b, false)
	p.Lo, p.Hi = math.Max(cov.ab.lo, cov.ba.lo), math.Max(cov.ab.hi, cov.ba.hi)
	p.Known = cov.ab.known && cov.ba.known
	if p.Known {
		p.ShareOfA, p.ShareOfB = cov.ab.p, cov.ba.p
		p.Coefficient = math.Max(cov.ab.p, cov.ba.p)
	} else if p.Lo >= 1 {
		p.Coefficient, p.Known = 1, true
		p.ShareOfA, p.ShareOfB = cov.ab.lo, cov.ba.lo
	}
	placements := setCov(a.platforms, b.platforms, allPlatforms)
	p.SameAuction = placements.hi > 0
	p.SameGoal = p.SameAuction && v.goalOf(sa) == v.goalOf(sb)
	for _, x := range []*audience{a, b} {
		if len(x.unmodelled) > 0 {
			p.Notes = append(p.Notes, "targeting the model does not read: "+strings.Join(x.unmodelled, ", "))
		}
		if x.positions {
			p.Notes = append(p.Notes, "placement positions are not modelled (platforms are)")
		}
		if x.advantageExpand {
			p.Notes = append(p.Notes, "Advantage+ audience may deliver beyond the targeting")
		}
	}
	// Reach estimates settle the pair when all three are given.
	ea, okA := v.cfg.reachEstimates["adset:"+sa.ID]
	eb, okB := v.cfg.reachEstimates["adset:"+sb.ID]
	ei, okI := v.cfg.reachEstimates[pairKey(sa.ID, sb.ID)]
	if okA && okB && okI && ea.Upper > 0 && eb.Upper > 0 {
		p.Method = MethodReachEstimate
		sizeA, sizeB, inter := ea.mid(), eb.mid(), math.Min(ei.mid(), math.Min(ea.mid(), eb.mid()))
		small := math.Min(sizeA, sizeB)
		p.SizeA, p.SizeB, p.Intersection = int64(sizeA), int64(sizeB), int64(inter)
		p.Known = true
		if small > 0 {
			p.Coefficient = inter / small
			p.ShareOfA, p.ShareOfB = inter/sizeA, inter/sizeB
			p.Lo = math.Min(1, float64(ei.Lower)/math.Max(1, math.Min(float64(ea.Upper), float64(eb.Upper))))
			p.Hi = math.Min(1, float64(ei.Upper)/math.Max(1, math.Min(float64(ea.Lower), float64(eb.Lower))))
		} else {
			p.Coefficient, p.Lo, p.Hi = 0, 0, 0
		}
	} else if p.Method == MethodTargeting && cov.ab.hi == 0 {
		p.Coefficient, p.Lo, p.Hi, p.Known = 0, 0, 0, true
	}
	if p.Known && p.ShareOfA > 0 && p.ShareOfB > 0 {
		p.Jaccard = 1 / (1/p.ShareOfA + 1/p.ShareOfB - 1)
	}
	p.Flagged = p.SameAuction && (p.Known && p.Coefficient >= v.cfg.overlapAt || p.Lo >= v.cfg.overlapAt)
	return p
}

func (v *view) overlapSignal(res *OverlapResult, p *PairOverlap) (analysis.Signal, error) {
	sig := analysis.Signal{Kind: analysis.SignalOverlap, Entities: []analysis.EntityRef{p.A, p.B}, Polarity: analysis.KindProblem, Severity: analysis.SeverityInfo}
	if p.SameGoal {
		sig.Severity = analysis.SeverityWarning
	}
	method := "targeting similarity (heuristic)"
	level := analysis.ConfidenceLow
	if p.Method == MethodReachEstimate {
		method = "Meta's reach estimates of each audience and of their intersection"
		level = analysis.ConfidenceMedium
	} else if p.Lo >= v.cfg.overlapAt {
		level = analysis.ConfidenceMedium
	}
	compete := "compete in the same auctions"
	if p.SameGoal {
		compete = "compete in the same auctions for the same result"
	}
	sig.Finding = fmt.Sprintf("Ad sets %q and %q overlap: about %.0f%% of the smaller audience is in both, and they %s.", p.A.Name, p.B.Name, 100*p.Coefficient, compete)
	sig.Evidence = append(sig.Evidence,
		analysis.Figure{Name: "overlap_share", Value: p.Coefficient, Unit: metrics.UnitFraction, Basis: analysis.BasisEstimate,
			Interval: &metrics.Interval{Lo: p.Lo, Hi: p.Hi, Confidence: 1}, Method: method,
			Text: fmt.Sprintf("overlap as a share of the smaller audience: %.0f%% (bounds %.0f%% to %.0f%%)", 100*p.Coefficient, 100*p.Lo, 100*p.Hi)},
		analysis.Figure{Name: "overlap_share_a", Value: p.ShareOfA, Unit: metrics.UnitFraction, Basis: analysis.BasisEstimate, Method: method,
			Text: fmt.Sprintf("share of %q's audience also in %q's: %.0f%%", p.A.Name, p.B.Name, 100*p.ShareOfA)},
		analysis.Figure{Name: "overlap_share_b", Value: p.ShareOfB, Unit: metrics.UnitFraction, Basis: analysis.BasisEstimate, Method: method,
			Text: fmt.Sprintf("share of %q's audience also in %q's: %.0f%%", p.B.Name, p.A.Name, 100*p.ShareOfB)},
		analysis.Figure{Name: "overlap_threshold", Value: v.cfg.overlapAt, Unit: metrics.UnitFraction, Basis: analysis.BasisSetting,
			Text: fmt.Sprintf("flagged from %.0f%% of the smaller audience", 100*v.cfg.overlapAt)})
	if p.Method == MethodReachEstimate {
		sig.Evidence = append(sig.Evidence,
			analysis.Figure{Name: "audience_size", Value: float64(p.SizeA), Unit: metrics.UnitCount, Basis: analysis.BasisEstimate, Scope: p.A.Name, Method: "Meta delivery estimate, midpoint", Text: fmt.Sprintf("%q: about %d people", p.A.Name, p.SizeA)},
			analysis.Figure{Name: "audience_size", Value: float64(p.SizeB), Unit: metrics.UnitCount, Basis: analysis.BasisEstimate, Scope: p.B.Name, Method: "Meta delivery estimate, midpoint", Text: fmt.Sprintf("%q: about %d people", p.B.Name, p.SizeB)},
			analysis.Figure{Name: "audience_overlap", Value: float64(p.Intersection), Unit: metrics.UnitCount, Basis: analysis.BasisEstimate, Method: "Meta delivery estimate of a spec requiring both audiences, midpoint", Text: fmt.Sprintf("in both: about %d people", p.Intersection)})
	}
	var dims []string
	for _, d := range p.Dimensions {
		if d.KnownA && d.KnownB && d.ShareOfA >= 1 && d.ShareOfB >= 1 {
			dims = append(dims, d.Name)
		}
	}
	sig.Explanation = fmt.Sprintf("Method: %s. The overlap coefficient is |A∩B| / min(|A|, |B|), the larger of the two directional overlaps Meta's "+
		"audience-overlap tool shows. When two of an advertiser's ad sets would enter the same auction Meta enters only one (auction overlap), "+
		"so the other loses delivery and learning slows.", method)
	if len(dims) > 0 {
		sig.Explanation += " Identical on: " + strings.Join(dims, ", ") + "."
	}
	if len(p.Notes) > 0 {
		sig.Explanation += " Notes: " + strings.Join(p.Notes, "; ") + "."
	}
	basis := "an estimate from targeting alone, under equal-size assumptions; a reach estimate would settle it"
	if p.Method == MethodReachEstimate {
		basis = "Meta's estimates are ranges and rounded; the bounds combine their ranges"
	}
	sig.Confidence = analysis.Confidence{Level: level, FalseAlarmRate: res.FalseAlarmRate,
		Basis: basis + fmt.Sprintf("; on audiences built not to overlap this signal flagged %s", falseAlarmWords(res.FalseAlarmRate))}
	sig.Suggestion = analysis.Action{Type: analysis.ActionConsolidate,
		Detail: fmt.Sprintf("merge %q and %q, or exclude one's audience from the other (Meta's first remedy for auction overlap)", p.A.Name, p.B.Name)}
	data, err := encodeData(p)
	if err != nil {
		return sig, err
	}
	sig.Data = data
	return sig, nil
}

// OverlapQueries lists the targeting specs whose reach estimates the
// overlap signal can use: each running ad set's own, and the intersection
// of each pair that may overlap (a spec requiring both: the tighter
// geography when one contains the other, the common ages and genders,
// both sets of interest and custom-audience groups ANDed as flexible_spec
// entries, both sets of exclusions, the common platforms). Pairs whose
// geographies only partly meet, or that the specs already prove disjoint,
// get no intersection query.
func OverlapQueries(ds *analysis.Dataset) ([]ReachQuery, error) {
	v, err := newView(ds, nil)
	if err != nil {
		return nil, err
	}
	sets := v.runningSets()
	var out []ReachQuery
	auds := make([]*audience, len(sets))
	for i, s := range sets {
		auds[i] = readAudience(s.Targeting)
		if s.Targeting != nil {
			out = append(out, ReachQuery{Key: "adset:" + s.ID, AdSets: []string{s.ID}, Targeting: *s.Targeting})
		}
	}
	for i := range sets {
		for j := i + 1; j < len(sets); j++ {
			if sets[i].Targeting == nil || sets[j].Targeting == nil {
				continue
			}
			cov := coverage(auds[i], auds[j])
			if cov.ab.hi == 0 {
				continue
			}
			t, ok := intersectSpec(sets[i].Targeting, sets[j].Targeting, auds[i], auds[j])
			if !ok {
				continue
			}
			ids := []string{sets[i].ID, sets[j].ID}
			slices.Sort(ids)
			out = append(out, ReachQuery{Key: pairKey(ids[0], ids[1]), AdSets: ids, Targeting: t})
		}
	}
	return out, nil
}

// specMap is a targeting spec as a JSON object.
func specMap(t *metaads.Targeting) map[string]json.RawMessage {
	b, err := json.Marshal(t)
	m := map[string]json.RawMessage{}
	if err == nil {
		_ = json.Unmarshal(b, &m)
	}
	return m
}

// intersectSpec builds a spec requiring both audiences.
func intersectSpec(ta, tb *metaads.Targeting, a, b *audience) (metaads.Targeting, bool) {
	ma, mb := specMap(ta), specMap(tb)
	out := map[string]any{}
	switch ga, gb := geoCov(a, b), geoCov(b, a); {
	case ga.known && ga.lo >= 1:
		out["geo_locations"] = ma["geo_locations"] // a inside b
	case gb.known && gb.lo >= 1:
		out["geo_locations"] = mb["geo_locations"]
	default:
		return metaads.Targeting{}, false
	}
	if excl := mergeObjects(ma["excluded_geo_locations"], mb["excluded_geo_locations"]); excl != nil {
		out["excluded_geo_locations"] = excl
	}
	lo, hi := max(a.ageMin, b.ageMin), min(a.ageMax, b.ageMax)
	if hi < lo {
		return metaads.Targeting{}, false
	}
	out["age_min"], out["age_max"] = lo, hi
	switch {
	case len(a.genders) == 0:
		if len(b.genders) > 0 {
			out["genders"] = b.genders
		}
	case len(b.genders) == 0:
		out["genders"] = a.genders
	default:
		var g []metaads.Gender
		for _, x := range a.genders {
			if slices.Contains(b.genders, x) {
				g = append(g, x)
			}
		}
		if len(g) == 0 {
			return metaads.Targeting{}, false
		}
		out["genders"] = g
	}
	var flex []json.RawMessage
	for _, m := range []map[string]json.RawMessage{ma, mb} {
		var groups []json.RawMessage
		if raw, ok := m["flexible_spec"]; ok {
			_ = json.Unmarshal(raw, &groups)
		}
		flex = append(flex, groups...)
		if raw, ok := m["interests"]; ok {
			flex = append(flex, json.RawMessage(`{"interests":`+string(raw)+`}`))
		}
		if raw, ok := m["custom_audiences"]; ok {
			flex = append(flex, json.RawMessage(`{"custom_audiences":`+string(raw)+`}`))
		}
	}
	if len(flex) > 0 {
		out["flexible_spec"] = flex
	}
	if excl := mergeObjects(ma["exclusions"], mb["exclusions"]); excl != nil {
		out["exclusions"] = excl
	}
	if excl := mergeLists(ma["excluded_custom_audiences"], mb["excluded_custom_audiences"]); excl != nil {
		out["excluded_custom_audiences"] = excl
	}
	for _, k := range []struct {
		key      string
		a, b     []string
		universe []string
	}{{"publisher_platforms", a.platforms, b.platforms, allPlatforms}, {"device_platforms", a.devices, b.devices, allDevices}} {
		if len(k.a) == 0 && len(k.b) == 0 {
			continue
		}
		x, y := k.a, k.b
		if len(x) == 0 {
			x = k.universe
		}
		if len(y) == 0 {
			y = k.universe
		}
		var both []string
		for _, p := range x {
			if slices.Contains(y, p) {
				both = append(both, p)
			}
		}
		if len(both) == 0 {
			return metaads.Targeting{}, false
		}
		out[k.key] = both
	}
	b2, err := json.Marshal(out)
	if err != nil {
		return metaads.Targeting{}, false
	}
	var t metaads.Targeting
	if json.Unmarshal(b2, &t) != nil {
		return metaads.Targeting{}, false
	}
	return t, true
}

// mergeObjects merges two JSON objects of lists (exclusions,
// excluded_geo_locations): each key's lists are concatenated.
func mergeObjects(a, b json.RawMessage) map[string]json.RawMessage {
	if len(a) == 0 && len(b) == 0 {
		return nil
	}
	out := map[string]json.RawMessage{}
	for _, raw := range []json.RawMessage{a, b} {
		var m map[string]json.RawMessage
		if len(raw) == 0 || json.Unmarshal(raw, &m) != nil {
			continue
		}
		for k, v := range m {
			if merged := mergeLists(out[k], v); merged != nil {
				out[k] = merged
			} else {
				out[k] = v
			}
		}
	}
	return out
}

// mergeLists concatenates two JSON arrays, dropping exact duplicates.
func mergeLists(a, b json.RawMessage) json.RawMessage {
	var la, lb []json.RawMessage
	if len(a) > 0 && json.Unmarshal(a, &la) != nil || len(b) > 0 && json.Unmarshal(b, &lb) != nil {
		return nil
	}
	if la == nil && lb == nil {
		return nil
	}
	seen := map[string]bool{}
	var out []json.RawMessage
	for _, x := range append(la, lb...) {
		if !seen[string(x)] {
			seen[string(x)] = true
			out = append(out, x)
		}
	}
	b2, err := json.Marshal(out)
	if err != nil {
		return nil
	}
	return b2
}
