package metaads

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"strings"
)

// Gender values of a targeting spec.
type Gender int

// Genders; an empty Genders list targets everyone.
const (
	GenderMale   Gender = 1
	GenderFemale Gender = 2
)

// Targeting is an ad set's targeting spec. Fields this type does not model
// are kept in Raw and sent back unchanged by MarshalJSON.
type Targeting struct {
	GeoLocations         *GeoLocations `json:"geo_locations,omitempty"`          // where to deliver
	ExcludedGeoLocations *GeoLocations `json:"excluded_geo_locations,omitempty"` // where not to deliver
	// AgeMin (>= 13, default 18) and AgeMax (<= 65); 0 when unset.
	AgeMin  int      `json:"age_min,omitempty"`
	AgeMax  int      `json:"age_max,omitempty"` // oldest age targeted
	Genders []Gender `json:"genders,omitempty"` // empty for all genders
	// Interests is the top-level interests list (older form).
	Interests []IDName `json:"interests,omitempty"`
	// FlexibleSpec entries are AND'ed; the lists inside an entry are OR'ed.
	FlexibleSpec            []TargetingSpecGroup `json:"flexible_spec,omitempty"`
	Exclusions              *TargetingSpecGroup  `json:"exclusions,omitempty"`                // people matching any of these are excluded
	CustomAudiences         []IDName             `json:"custom_audiences,omitempty"`          // audiences targeted
	ExcludedCustomAudiences []IDName             `json:"excluded_custom_audiences,omitempty"` // audiences excluded
	PublisherPlatforms      []string             `json:"publisher_platforms,omitempty"`       // facebook, instagram, audience_network, messenger
	FacebookPositions       []string             `json:"facebook_positions,omitempty"`        // feed, story, marketplace, ...
	InstagramPositions      []string             `json:"instagram_positions,omitempty"`       // stream, story, reels, explore, ...
	DevicePlatforms         []string             `json:"device_platforms,omitempty"`          // mobile, desktop
	// Raw is the spec as Meta sent it.
	Raw json.RawMessage `json:"-"`
}

// GeoLocations selects (or excludes) places.
type GeoLocations struct {
	Countries       []string         `json:"countries,omitempty"`        // ISO 3166 country codes
	Regions         []GeoKey         `json:"regions,omitempty"`          // states, provinces, ... by key
	Cities          []GeoKey         `json:"cities,omitempty"`           // cities by key, optionally with a radius
	Zips            []GeoKey         `json:"zips,omitempty"`             // postal codes by key, such as "US:94107"
	CustomLocations []CustomLocation `json:"custom_locations,omitempty"` // points with a radius
	// LocationTypes is a subset of "home" and "recent".
	LocationTypes []string `json:"location_types,omitempty"`
	// Raw is the object as Meta sent it; MarshalJSON keeps the keys not
	// modelled here (neighborhoods, places, geo_markets, ...).
	Raw json.RawMessage `json:"-"`
}

// GeoKey is a region, city or zip by key, with an optional radius for cities.
type GeoKey struct {
	Key          string  `json:"key"`                     // Meta's location key
	Name         string  `json:"name,omitempty"`          // display name
	Radius       float64 `json:"radius,omitempty"`        // around a city; 0 when unset
	DistanceUnit string  `json:"distance_unit,omitempty"` // "mile" or "kilometer"
	// Raw is the object as Meta sent it; MarshalJSON keeps the keys not
	// modelled here (country, region_id, ...).
	Raw json.RawMessage `json:"-"`
}

// CustomLocation is a point with a radius.
type CustomLocation struct {
	Latitude     float64 `json:"latitude"`                // degrees
	Longitude    float64 `json:"longitude"`               // degrees
	Radius       float64 `json:"radius,omitempty"`        // around the point
	DistanceUnit string  `json:"distance_unit,omitempty"` // "mile" or "kilometer"
	// Raw is the object as Meta sent it; MarshalJSON keeps the keys not
	// modelled here (name, address_string, ...).
	Raw json.RawMessage `json:"-"`
}

// TargetingSpecGroup is one flexible_spec entry (or the exclusions object).
type TargetingSpecGroup struct {
	Interests      []IDName `json:"interests,omitempty"`       // interests by id
	Behaviors      []IDName `json:"behaviors,omitempty"`       // behaviours by id
	LifeEvents     []IDName `json:"life_events,omitempty"`     // life events by id
	FamilyStatuses []IDName `json:"family_statuses,omitempty"` // family statuses by id
	WorkPositions  []IDName `json:"work_positions,omitempty"`  // job titles by id
	Industries     []IDName `json:"industries,omitempty"`      // industries by id
	// Raw is the object as Meta sent it; MarshalJSON keeps the keys not
	// modelled here (income, education_statuses, ...).
	Raw json.RawMessage `json:"-"`
}

// UnmarshalJSON keeps the raw spec.
func (t *Targeting) UnmarshalJSON(b []byte) error {
	type plain Targeting
	return unmarshalKeeping(b, (*plain)(t), &t.Raw, "targeting spec")
}

// MarshalJSON writes the modelled fields over the raw spec, so unknown
// fields survive a read-modify-write. The nested types (GeoLocations,
// GeoKey, CustomLocation, TargetingSpecGroup) do the same with their own
// Raw, so unknown fields survive at every level.
func (t Targeting) MarshalJSON() ([]byte, error) {
	type plain Targeting
	return marshalMerged(plain(t), t.Raw)
}

// UnmarshalJSON keeps the raw object.
func (g *GeoLocations) UnmarshalJSON(b []byte) error {
	type plain GeoLocations
	return unmarshalKeeping(b, (*plain)(g), &g.Raw, "targeting geo locations")
}

// MarshalJSON writes the modelled fields over the raw object.
func (g GeoLocations) MarshalJSON() ([]byte, error) {
	type plain GeoLocations
	return marshalMerged(plain(g), g.Raw)
}

// UnmarshalJSON keeps the raw object.
func (k *GeoKey) UnmarshalJSON(b []byte) error {
	type plain GeoKey
	return unmarshalKeeping(b, (*plain)(k), &k.Raw, "targeting geo key")
}

// MarshalJSON writes the modelled fields over the raw object.
func (k GeoKey) MarshalJSON() ([]byte, error) {
	type plain GeoKey
	return marshalMerged(plain(k), k.Raw)
}

// UnmarshalJSON keeps the raw object.
func (c *CustomLocation) UnmarshalJSON(b []byte) error {
	type plain CustomLocation
	return unmarshalKeeping(b, (*plain)(c), &c.Raw, "targeting custom location")
}

// MarshalJSON writes the modelled fields over the raw object.
func (c CustomLocation) MarshalJSON() ([]byte, error) {
	type plain CustomLocation
	return marshalMerged(plain(c), c.Raw)
}

// UnmarshalJSON keeps the raw object.
func (g *TargetingSpecGroup) UnmarshalJSON(b []byte) error {
	type plain TargetingSpecGroup
	return unmarshalKeeping(b, (*plain)(g), &g.Raw, "targeting spec group")
}

// MarshalJSON writes the modelled fields over the raw object.
func (g TargetingSpecGroup) MarshalJSON() ([]byte, error) {
	type plain TargetingSpecGroup
	return marshalMerged(plain(g), g.Raw)
}

// unmarshalKeeping decodes b into v (a pointer to a type without the
// UnmarshalJSON method) and keeps a copy of b in raw.
func unmarshalKeeping(b []byte, v any, raw *json.RawMessage, what string) error {
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("metaads: decoding %s: %w", what, err)
	}
	*raw = append(json.RawMessage(nil), b...)
	return nil
}

// marshalMerged encodes v (a struct without the MarshalJSON method) and
// writes its fields over raw, the object it was decoded from: keys v does
// not model are kept, modelled keys take v's value (or are removed when v
// omits them).
func marshalMerged(v any, raw json.RawMessage) ([]byte, error) {
	typed, err := json.Marshal(v)
	if err != nil || len(raw) == 0 {
		return typed, err
	}
	var merged map[string]json.RawMessage
	if json.Unmarshal(raw, &merged) != nil || merged == nil {
		return typed, nil // raw is not an object: nothing to keep
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(typed, &fields); err != nil {
		return nil, err
	}
	rt := reflect.TypeOf(v)
	for i := range rt.NumField() {
		name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			delete(merged, name)
		}
	}
	maps.Copy(merged, fields)
	return json.Marshal(merged)
}

// Validate checks the ranges Meta enforces: ages 13-65 with min <= max,
// genders 1 or 2, location types "home"/"recent".
func (t *Targeting) Validate() error {
	if t.AgeMin != 0 && (t.AgeMin < 13 || t.AgeMin > 65) {
		return fmt.Errorf("metaads: targeting age_min %d: want 13 to 65", t.AgeMin)
	}
	if t.AgeMax != 0 && (t.AgeMax < 13 || t.AgeMax > 65) {
		return fmt.Errorf("metaads: targeting age_max %d: want 13 to 65", t.AgeMax)
	}
	if t.AgeMin != 0 && t.AgeMax != 0 && t.AgeMin > t.AgeMax {
		return fmt.Errorf("metaads: targeting age_min %d > age_max %d", t.AgeMin, t.AgeMax)
	}
	for _, g := range t.Genders {
		if g != GenderMale && g != GenderFemale {
			return fmt.Errorf("metaads: targeting gender %d: want 1 (male) or 2 (female)", g)
		}
	}
	for _, g := range []*GeoLocations{t.GeoLocations, t.ExcludedGeoLocations} {
		if g == nil {
			continue
		}
		for _, lt := range g.LocationTypes {
			if lt != "home" && lt != "recent" {
				return fmt.Errorf("metaads: targeting location type %q: want \"home\" or \"recent\"", lt)
			}
		}
	}
	return nil
}
