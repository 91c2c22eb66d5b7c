package metaadstest

import (
	"encoding/json"
	"math"
	"strings"
)

// Delivery estimates (GET act_{id}/delivery_estimate and
// /{adset-id}/delivery_estimate).
//
// The fake sizes an audience with its own population model, not Meta's
// and not census data: a fixed number of accounts per country (a few
// large countries by name, others drawn from the seed and the code),
// regions, cities and zips as drawn shares of their country (or, without
// a country, drawn sizes), ages spread evenly over 13 to 65, genders half
// each, every interest, behaviour or other flexible_spec id matching a
// drawn 1-8% of people and every custom audience 0.2-2%, each id
// independent of the others ("drawn" means derived from a hash of the
// server's seed and the id, so another seed sizes the same ids anew). A
// flexible_spec entry ORs its ids, entries AND (computed exactly, so two
// entries that share ids are not taken as independent); exclusions
// remove their share. So the estimate of a spec that requires two ad
// sets' audiences at once (their intersection) is consistent with the two
// estimates, which is what an overlap estimate needs. The answer is a
// range of ±15% around the model's size, rounded to two significant
// digits, as Meta's estimates are ranges.

// countryAccounts are the fake's accounts per country (people on the
// platform, not residents).
var countryAccounts = map[string]float64{"US": 240e6, "CA": 30e6, "GB": 50e6, "DE": 45e6, "FR": 40e6, "JP": 60e6, "AU": 20e6,
	"AT": 7e6, "CH": 7e6, "IE": 4e6, "NZ": 4e6, "BR": 130e6, "IN": 350e6, "MX": 90e6, "ES": 30e6, "IT": 35e6}

// sizer holds the seed of the population model: the same seed sizes the
// same spec alike, another seed draws other sizes for the same ids.
type sizer struct{ seed uint64 }

func (z sizer) share(kind, id string, lo, hi float64) float64 {
	return lo + (hi-lo)*unit(hash(z.seed, strHash(kind), strHash(id)))
}

func (z sizer) countrySize(code string) float64 {
	if n, ok := countryAccounts[strings.ToUpper(code)]; ok {
		return n
	}
	return z.share("country", strings.ToUpper(code), 1e6, 50e6)
}

type estKey struct {
	Key     string  `json:"key"`
	Country string  `json:"country"`
	Radius  float64 `json:"radius"`
}

type estGeo struct {
	Countries []string `json:"countries"`
	Regions   []estKey `json:"regions"`
	Cities    []estKey `json:"cities"`
	Zips      []estKey `json:"zips"`
	Custom    []struct {
		Radius float64 `json:"radius"`
		Unit   string  `json:"distance_unit"`
	} `json:"custom_locations"`
}

type estIDs struct {
	ID string `json:"id"`
}

type estSpec struct {
	Geo        *estGeo                      `json:"geo_locations"`
	ExclGeo    *estGeo                      `json:"excluded_geo_locations"`
	AgeMin     int                          `json:"age_min"`
	AgeMax     int                          `json:"age_max"`
	Genders    []int                        `json:"genders"`
	Interests  []estIDs                     `json:"interests"`
	Flexible   []map[string]json.RawMessage `json:"flexible_spec"`
	Exclusions map[string]json.RawMessage   `json:"exclusions"`
	Custom     []estIDs                     `json:"custom_audiences"`
	ExclCustom []estIDs                     `json:"excluded_custom_audiences"`
}

// placeSize is the accounts of one place.
func (z sizer) placeSize(kind string, k estKey) float64 {
	share := map[string][2]float64{"region": {0.02, 0.15}, "city": {0.002, 0.03}, "zip": {0.00005, 0.0003}}[kind]
	if k.Country != "" {
		return z.countrySize(k.Country) * z.share(kind, k.Key, share[0], share[1])
	}
	abs := map[string][2]float64{"region": {2e6, 20e6}, "city": {2e5, 5e6}, "zip": {5e3, 5e4}}[kind]
	return z.share(kind, k.Key, abs[0], abs[1])
}

// geoSize is the accounts of a geo_locations object: countries, plus the
// places not inside a listed country.
func (z sizer) geoSize(g *estGeo) float64 {
	if g == nil {
		return 0
	}
	listed := map[string]bool{}
	var n float64
	for _, c := range g.Countries {
		listed[strings.ToUpper(c)] = true
		n += z.countrySize(c)
	}
	for kind, ks := range map[string][]estKey{"region": g.Regions, "city": g.Cities, "zip": g.Zips} {
		for _, k := range ks {
			if !listed[strings.ToUpper(k.Country)] {
				n += z.placeSize(kind, k)
			}
		}
	}
	for _, c := range g.Custom {
		km := c.Radius
		if c.Unit == "mile" {
			km *= 1.609
		}
		n += math.Pi * km * km * 300 // 300 accounts per km²
	}
	return n
}

// excludedSize is the part of g that ex removes: excluded places inside g
// (same key, or inside a listed country).
func (z sizer) excludedSize(g, ex *estGeo) float64 {
	if g == nil || ex == nil {
		return 0
	}
	listed := map[string]bool{}
	for _, c := range g.Countries {
		listed[strings.ToUpper(c)] = true
	}
	keys := map[string]bool{}
	for _, ks := range [][]estKey{g.Regions, g.Cities, g.Zips} {
		for _, k := range ks {
			keys[k.Key] = true
		}
	}
	var n float64
	for _, c := range ex.Countries {
		if listed[strings.ToUpper(c)] {
			n += z.countrySize(c)
		}
	}
	for kind, ks := range map[string][]estKey{"region": ex.Regions, "city": ex.Cities, "zip": ex.Zips} {
		for _, k := range ks {
			if keys[k.Key] || listed[strings.ToUpper(k.Country)] {
				n += z.placeSize(kind, k)
			}
		}
	}
	return n
}

// group is one OR-group of ids (a flexible_spec entry, the top-level
// interests, the custom audiences), as the share each id matches, keyed
// by kind and id so that an id in two groups is one event.
type group map[string]float64

// groupOf reads a flexible_spec entry (or an exclusions object).
func (z sizer) groupOf(g map[string]json.RawMessage) group {
	out := group{}
	for field, raw := range g {
		var ids []estIDs
		if json.Unmarshal(raw, &ids) != nil {
			continue
		}
		for _, id := range ids {
			if field == "custom_audiences" {
				out["custom:"+id.ID] = z.share("custom", id.ID, 0.002, 0.02)
			} else {
				out["interest:"+id.ID] = z.share("interest", id.ID, 0.01, 0.08)
			}
		}
	}
	return out
}

func (z sizer) idsGroup(kind string, ids []estIDs, lo, hi float64) group {
	out := group{}
	for _, id := range ids {
		out[kind+":"+id.ID] = z.share(kind, id.ID, lo, hi)
	}
	return out
}

// allGroups is the share of people in every group, the ids matching
// independently: by inclusion-exclusion over the groups,
// P(∩ G) = Σ_S (−1)^|S| P(no id of the groups in S), and P(no id of a set)
// is the product of (1 − share) over the set's distinct ids, so two groups
// that share ids are not treated as independent. At most 12 groups count
// (Meta allows fewer).
func allGroups(gs []group) float64 {
	gs = gs[:min(len(gs), 12)]
	total := 0.0
	for mask := range 1 << len(gs) {
		seen := map[string]bool{}
		none := 1.0
		bits := 0
		for i, g := range gs {
			if mask&(1<<i) == 0 {
				continue
			}
			bits++
			for k, sh := range g {
				if !seen[k] {
					seen[k] = true
					none *= 1 - sh
				}
			}
		}
		if bits%2 == 1 {
			none = -none
		}
		total += none
	}
	return math.Max(0, total)
}

// noneOf is the share of people matching no id of g.
func noneOf(g group) float64 {
	none := 1.0
	for _, sh := range g {
		none *= 1 - sh
	}
	return none
}

// audienceSize is the fake's size of a targeting spec.
func (z sizer) audienceSize(spec *estSpec) float64 {
	n := math.Max(0, z.geoSize(spec.Geo)-z.excludedSize(spec.Geo, spec.ExclGeo))
	lo, hi := spec.AgeMin, spec.AgeMax
	if lo == 0 {
		lo = 18
	}
	if hi == 0 {
		hi = 65
	}
	n *= math.Max(0, float64(hi-lo+1)) / 53
	if len(spec.Genders) == 1 {
		n *= 0.5
	}
	var gs []group
	if len(spec.Interests) > 0 {
		gs = append(gs, z.idsGroup("interest", spec.Interests, 0.01, 0.08))
	}
	for _, g := range spec.Flexible {
		gs = append(gs, z.groupOf(g))
	}
	if len(spec.Custom) > 0 {
		gs = append(gs, z.idsGroup("custom", spec.Custom, 0.002, 0.02))
	}
	n *= allGroups(gs)
	if spec.Exclusions != nil {
		n *= noneOf(z.groupOf(spec.Exclusions))
	}
	if len(spec.ExclCustom) > 0 {
		n *= noneOf(z.idsGroup("custom", spec.ExclCustom, 0.002, 0.02))
	}
	return n
}

// round2 rounds to two significant digits.
func round2(x float64) int64 {
	if x < 1 {
		return 0
	}
	p := math.Pow(10, math.Floor(math.Log10(x))-1)
	return int64(math.Round(x/p) * p)
}

// handleDeliveryEstimate serves GET /{act_id|adset_id}/delivery_estimate.
func (s *Server) handleDeliveryEstimate(c *call, id string) (any, *apiError) {
	s.mu.Lock()
	kind := s.st.objectKind(id)
	if kind != "account" && kind != "adset" {
		s.mu.Unlock()
		return nil, errUnsupported(c.r.Method, id)
	}
	if e := c.requireRead(s.st.accountOf(id), id); e != nil {
		s.mu.Unlock()
		return nil, e
	}
	var stored string
	if kind == "adset" {
		stored = s.st.adsets[id].Targeting
	}
	s.mu.Unlock()
	raw := c.param("targeting_spec")
	if raw == "" {
		raw = stored
	}
	if raw == "" {
		return nil, errParam("The parameter targeting_spec is required")
	}
	var spec estSpec
	if err := json.Unmarshal([]byte(raw), &spec); err != nil {
		return nil, errParam("Param targeting_spec must be a JSON object: %v", err)
	}
	z := sizer{s.gen.seed}
	if z.geoSize(spec.Geo) == 0 {
		return nil, errParam("Invalid targeting spec: a location is required (geo_locations)")
	}
	if spec.AgeMin != 0 && spec.AgeMin < 13 || spec.AgeMax > 65 || spec.AgeMax != 0 && spec.AgeMax < max(spec.AgeMin, 13) {
		return nil, errParam("Invalid targeting spec: age_min %d and age_max %d must satisfy 13 <= age_min <= age_max <= 65", spec.AgeMin, spec.AgeMax)
	}
	n := z.audienceSize(&spec)
	lo, hi := round2(0.85*n), round2(1.15*n)
	return map[string]any{"data": []map[string]any{{
		"estimate_dau":             round2(0.3 * n),
		"estimate_mau_lower_bound": lo,
		"estimate_mau_upper_bound": hi,
		"estimate_ready":           true,
	}}}, nil
}
