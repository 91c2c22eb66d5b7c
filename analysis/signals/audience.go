package signals

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/adpilot/adpilot/metaads"
)

// The targeting-similarity model of the overlap signal (optimization.md
// §3, method 3). Each audience is a product of dimensions (geography,
// age, gender, interests and behaviours, custom audiences, placements,
// devices) taken as independent. For two audiences A and B each dimension
// gives the share of A's audience on it that B's also covers, and the
// other way round; the product over dimensions is the share of A inside
// B, and the overlap as a share of the smaller audience is the larger of
// the two products.
//
// A share is exact when the specs decide it (identical or nested lists,
// disjoint countries, an exclusion of the other side's audience) and
// otherwise rests on stated assumptions: ages spread evenly over 13-65,
// genders half each, places, interests, platforms and devices of equal
// size, interests of different ids matching different people. When a
// share depends on a size the specs do not give (a broad audience against
// a narrow one on the same dimension, a country against some of its
// regions), it has no point value and only its bounds (0 to 1); then the
// pair's overlap is reported as "possible, up to" its upper bound, which
// a reach estimate ([WithReachEstimates]) can settle.

// share is one dimension's coverage of one audience by the other.
type share struct {
	p      float64 // point value under the assumptions (valid when known)
	lo, hi float64 // bounds without the size assumptions
	known  bool
}

func exact(p float64) share { return share{p: p, lo: p, hi: p, known: true} }

// assumed is a point value resting on an equal-size assumption; the
// bounds stay at what the specs alone decide.
func assumed(p, lo, hi float64) share { return share{p: p, lo: lo, hi: hi, known: true} }

var unknownShare = share{lo: 0, hi: 1}

type geoAtom struct{ kind, key, country string }

// audience is a targeting spec read for the model.
type audience struct {
	atoms, excl     []geoAtom
	ageMin, ageMax  int
	genders         []metaads.Gender
	groups          [][]string // flexible_spec entries and the top-level interests, each an OR of ids
	excludedIDs     map[string]bool
	custom          []string // targeted custom audiences (OR)
	customExcl      map[string]bool
	platforms       []string // publisher platforms; empty is all
	devices         []string // device platforms; empty is all
	positions       bool     // placements narrowed to positions (not modelled)
	unmodelled      []string // spec keys the model ignores
	hasTargeting    bool
	advantageExpand bool
}

var allPlatforms = []string{"audience_network", "facebook", "instagram", "messenger"}
var allDevices = []string{"desktop", "mobile"}

// countryOf reads the country a Meta place object names ("country":"US").
func countryOf(raw json.RawMessage) string {
	var w struct {
		Country string `json:"country"`
	}
	if len(raw) > 0 && json.Unmarshal(raw, &w) == nil {
		return strings.ToUpper(w.Country)
	}
	return ""
}

func geoAtoms(g *metaads.GeoLocations) []geoAtom {
	if g == nil {
		return nil
	}
	var out []geoAtom
	listed := map[string]bool{}
	for _, c := range g.Countries {
		c = strings.ToUpper(c)
		listed[c] = true
		out = append(out, geoAtom{"country", c, c})
	}
	for kind, ks := range map[string][]metaads.GeoKey{"region": g.Regions, "city": g.Cities, "zip": g.Zips} {
		for _, k := range ks {
			c := countryOf(k.Raw)
			if c != "" && listed[c] {
				continue // inside a listed country: adds nobody
			}
			out = append(out, geoAtom{kind, k.Key, c})
		}
	}
	for i := range g.CustomLocations {
		out = append(out, geoAtom{"custom", strings.Join([]string{ftoa(g.CustomLocations[i].Latitude), ftoa(g.CustomLocations[i].Longitude), ftoa(g.CustomLocations[i].Radius)}, ","), ""})
	}
	slices.SortFunc(out, func(a, b geoAtom) int { return strings.Compare(a.kind+a.key, b.kind+b.key) })
	return out
}

func ftoa(f float64) string {
	b, _ := json.Marshal(f)
	return string(b)
}

func idsOf(prefix string, l []metaads.IDName) []string {
	var out []string
	for _, x := range l {
		out = append(out, prefix+x.ID)
	}
	return out
}

// groupIDs lists the ids of a flexible_spec entry, custom audiences kept
// in its raw object included; ok is false when the entry holds criteria
// the model cannot read (income, education, ...).
func groupIDs(g *metaads.TargetingSpecGroup) (ids []string, ok bool) {
	ids = append(ids, idsOf("interest:", g.Interests)...)
	ids = append(ids, idsOf("behavior:", g.Behaviors)...)
	ids = append(ids, idsOf("life_event:", g.LifeEvents)...)
	ids = append(ids, idsOf("family_status:", g.FamilyStatuses)...)
	ids = append(ids, idsOf("work_position:", g.WorkPositions)...)
	ids = append(ids, idsOf("industry:", g.Industries)...)
	ok = true
	if len(g.Raw) > 0 {
		var raw map[string]json.RawMessage
		if json.Unmarshal(g.Raw, &raw) == nil {
			for k, v := range raw {
				switch k {
				case "interests", "behaviors", "life_events", "family_statuses", "work_positions", "industries":
				case "custom_audiences":
					var l []metaads.IDName
					if json.Unmarshal(v, &l) == nil {
						ids = append(ids, idsOf("custom:", l)...)
					}
				default:
					ok = false
				}
			}
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids), ok
}

// readAudience reads an ad set's targeting.
func readAudience(t *metaads.Targeting) *audience {
	a := &audience{ageMin: 18, ageMax: 65, excludedIDs: map[string]bool{}, customExcl: map[string]bool{}}
	if t == nil {
		return a
	}
	a.hasTargeting = true
	a.atoms, a.excl = geoAtoms(t.GeoLocations), geoAtoms(t.ExcludedGeoLocations)
	if t.AgeMin > 0 {
		a.ageMin = t.AgeMin
	}
	if t.AgeMax > 0 {
		a.ageMax = t.AgeMax
	}
	a.genders = slices.Clone(t.Genders)
	slices.Sort(a.genders)
	a.genders = slices.Compact(a.genders)
	if len(t.Interests) > 0 {
		a.groups = append(a.groups, idsOf("interest:", t.Interests))
	}
	for i := range t.FlexibleSpec {
		ids, ok := groupIDs(&t.FlexibleSpec[i])
		if !ok {
			a.unmodelled = append(a.unmodelled, "flexible_spec criteria other than interests, behaviours and custom audiences")
		}
		if len(ids) > 0 {
			a.groups = append(a.groups, ids)
		}
	}
	if t.Exclusions != nil {
		ids, _ := groupIDs(t.Exclusions)
		for _, id := range ids {
			a.excludedIDs[id] = true
		}
	}
	a.custom = idsOf("custom:", t.CustomAudiences)
	slices.Sort(a.custom)
	for _, id := range idsOf("custom:", t.ExcludedCustomAudiences) {
		a.customExcl[id] = true
	}
	a.platforms = lowerSet(t.PublisherPlatforms)
	a.devices = lowerSet(t.DevicePlatforms)
	a.positions = len(t.FacebookPositions)+len(t.InstagramPositions) > 0
	if len(t.Raw) > 0 {
		var raw map[string]json.RawMessage
		if json.Unmarshal(t.Raw, &raw) == nil {
			if ta, ok := raw["targeting_automation"]; ok && strings.Contains(string(ta), `"advantage_audience":1`) {
				a.advantageExpand = true
			}
			for k := range raw {
				switch k {
				case "geo_locations", "excluded_geo_locations", "age_min", "age_max", "genders", "interests", "flexible_spec", "exclusions",
					"custom_audiences", "excluded_custom_audiences", "publisher_platforms", "facebook_positions", "instagram_positions",
					"device_platforms", "targeting_automation", "messenger_positions", "audience_network_positions", "targeting_optimization",
					"brand_safety_content_filter_levels":
				default:
					a.unmodelled = append(a.unmodelled, k)
				}
			}
		}
	}
	slices.Sort(a.unmodelled)
	a.unmodelled = slices.Compact(a.unmodelled)
	return a
}

func lowerSet(l []string) []string {
	out := make([]string, 0, len(l))
	for _, x := range l {
		out = append(out, strings.ToLower(x))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// inExcl reports whether a place is inside an exclusion list.
func inExcl(x geoAtom, excl []geoAtom) bool {
	for _, e := range excl {
		if e.kind == x.kind && e.key == x.key || e.kind == "country" && x.country != "" && x.country == e.key {
			return true
		}
	}
	return false
}

// exclInside reports whether some excluded place lies inside x.
func exclInside(x geoAtom, excl []geoAtom) bool {
	for _, e := range excl {
		if e.kind == x.kind && e.key == x.key || x.kind == "country" && e.country == x.key && e.kind != "country" {
			return true
		}
	}
	return false
}

// atomCov is the share of place x that audience b's geography covers;
// excl are b's exclusions that a does not share (an exclusion both make
// removes nobody from a's side of the intersection).
func atomCov(x geoAtom, b *audience, excl []geoAtom) share {
	if inExcl(x, excl) {
		return exact(0)
	}
	contained := false
	possible := false
	for _, y := range b.atoms {
		switch {
		case y.kind == x.kind && y.key == x.key,
			y.kind == "country" && x.country != "" && x.country == y.key:
			contained = true
		case x.country != "" && y.country != "" && x.country != y.country:
			// different countries: disjoint
		case x.kind == y.kind && x.kind != "custom" && x.kind != "city":
			// two different regions, zips or countries: disjoint
		default:
			possible = true
		}
	}
	switch {
	case contained && !exclInside(x, excl):
		return exact(1)
	case contained, possible:
		return unknownShare
	}
	return exact(0)
}

// geoCov is the share of a's geography that b covers.
func geoCov(a, b *audience) share {
	if len(a.atoms) == 0 || len(b.atoms) == 0 {
		return unknownShare
	}
	// Everything b targets is excluded by a: nothing in common.
	if all(b.atoms, func(y geoAtom) bool { return inExcl(y, a.excl) }) {
		return exact(0)
	}
	excl := b.excl
	if len(a.excl) > 0 && len(b.excl) > 0 {
		excl = nil
		for _, e := range b.excl {
			if !slices.Contains(a.excl, e) {
				excl = append(excl, e)
			}
		}
	}
	out := share{p: 0, lo: 1, hi: 0, known: true}
	for _, x := range a.atoms {
		s := atomCov(x, b, excl)
		if !s.known {
			out.known = false
		}
		out.p += s.p / float64(len(a.atoms))
		out.lo = min(out.lo, s.lo)
		out.hi = max(out.hi, s.hi)
	}
	if out.known && out.p > 0 && out.p < 1 {
		// Equal-size places: the bounds stay open.
		out.lo, out.hi = min(out.lo, out.p), max(out.hi, out.p)
	}
	return out
}

func all[T any](l []T, f func(T) bool) bool {
	for _, x := range l {
		if !f(x) {
			return false
		}
	}
	return len(l) > 0
}

func ageCov(a, b *audience) share {
	lo, hi := max(a.ageMin, b.ageMin), min(a.ageMax, b.ageMax)
	span := a.ageMax - a.ageMin + 1
	if hi < lo || span <= 0 {
		return exact(0)
	}
	p := float64(hi-lo+1) / float64(span)
	if p >= 1 {
		return exact(1)
	}
	return assumed(p, 0, 1) // even ages: the share is the share of years
}

func genderCov(a, b *audience) share {
	if len(b.genders) == 0 {
		return exact(1)
	}
	if len(a.genders) == 0 {
		return assumed(0.5*float64(len(b.genders)), 0, 1)
	}
	n := 0
	for _, g := range a.genders {
		if slices.Contains(b.genders, g) {
			n++
		}
	}
	return exact(float64(n) / float64(len(a.genders)))
}

// groupsCov is the share of a's people that b's AND of OR-groups keeps.
func groupsCov(ag, bg [][]string, aExcl, bExclAll map[string]bool) share {
	// An exclusion both make removes nobody from a's side.
	bExcl := bExclAll
	if len(bExclAll) > 0 && len(aExcl) > 0 {
		bExcl = map[string]bool{}
		for id := range bExclAll {
			if !aExcl[id] {
				bExcl[id] = true
			}
		}
	}
	// a requires a group that b excludes entirely: nobody in common.
	for _, g := range ag {
		if all(g, func(id string) bool { return bExcl[id] }) {
			return exact(0)
		}
	}
	for _, g := range bg {
		if all(g, func(id string) bool { return aExcl[id] }) {
			return exact(0)
		}
	}
	out := exact(1)
	for _, g := range bg {
		var best share
		switch {
		case len(ag) == 0:
			best = unknownShare // a is broad on this dimension: b's share of it is not in the specs
		default:
			best = assumed(0, 0, 1)
			for _, h := range ag {
				if subset(h, g) {
					best = exact(1)
					break
				}
				if c := float64(common(h, g)) / float64(len(h)); c > best.p {
					best = assumed(c, 0, 1)
				}
			}
		}
		out = mul(out, best)
	}
	if len(bExcl) > 0 && out.hi > 0 && len(bg) == 0 {
		// b excludes some ids a does not require: a small share, not in the specs.
		out = share{p: out.p, lo: 0, hi: out.hi, known: out.known}
	}
	return out
}

func subset(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

func common(a, b []string) int {
	n := 0
	for _, x := range a {
		if slices.Contains(b, x) {
			n++
		}
	}
	return n
}

func mul(a, b share) share {
	return share{p: a.p * b.p, lo: a.lo * b.lo, hi: a.hi * b.hi, known: a.known && b.known}
}

func customCov(a, b *audience) share {
	var ag, bg [][]string
	if len(a.custom) > 0 {
		ag = [][]string{a.custom}
	}
	if len(b.custom) > 0 {
		bg = [][]string{b.custom}
	}
	return groupsCov(ag, bg, a.customExcl, b.customExcl)
}

func setCov(a, b, universe []string) share {
	if len(a) == 0 {
		a = universe
	}
	if len(b) == 0 {
		b = universe
	}
	n := common(a, b)
	if n == 0 {
		return exact(0)
	}
	p := float64(n) / float64(len(a))
	if p >= 1 {
		return exact(1)
	}
	return assumed(p, 0, 1)
}

// DimensionOverlap is one targeting dimension of a pair: the share of A's
// audience on it that B's covers, and of B's that A's covers; Known is
// false when the specs do not give the share (then only the bounds hold).
type DimensionOverlap struct {
	Name     string  `json:"name"`
	ShareOfA float64 `json:"share_of_a"`
	ShareOfB float64 `json:"share_of_b"`
	KnownA   bool    `json:"known_a"`
	KnownB   bool    `json:"known_b"`
}

// pairCov is the model's result for a pair.
type pairCov struct {
	ab, ba share // share of A inside B, of B inside A
	dims   []DimensionOverlap
}

func coverage(a, b *audience) pairCov { return coverageOf(a, b, true) }

// coverageOf is coverage, with the per-dimension figures only when dims
// is set (pairs that are not listed need none).
func coverageOf(a, b *audience, dims bool) pairCov {
	type dim struct {
		name string
		f    func(x, y *audience) share
	}
	list := []dim{
		{"geography", geoCov},
		{"age", ageCov},
		{"gender", genderCov},
		{"interests", func(x, y *audience) share { return groupsCov(x.groups, y.groups, x.excludedIDs, y.excludedIDs) }},
		{"custom_audiences", customCov},
		{"placements", func(x, y *audience) share { return setCov(x.platforms, y.platforms, allPlatforms) }},
		{"devices", func(x, y *audience) share { return setCov(x.devices, y.devices, allDevices) }},
	}
	out := pairCov{ab: exact(1), ba: exact(1)}
	for _, d := range list {
		ab, ba := d.f(a, b), d.f(b, a)
		out.ab, out.ba = mul(out.ab, ab), mul(out.ba, ba)
		if dims {
			out.dims = append(out.dims, DimensionOverlap{Name: d.name, ShareOfA: ab.p, ShareOfB: ba.p, KnownA: ab.known, KnownB: ba.known})
		}
	}
	// A dimension with nothing in common empties the pair, whatever the others say.
	for _, s := range []*share{&out.ab, &out.ba} {
		if s.hi == 0 {
			*s = exact(0)
		}
	}
	if out.ab.hi == 0 || out.ba.hi == 0 {
		out.ab, out.ba = exact(0), exact(0)
	}
	return out
}
