package metaads

import (
	"encoding/json"
	"fmt"
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
	GeoLocations         *GeoLocations `json:"geo_locations,omitempty"`
	ExcludedGeoLocations *GeoLocations `json:"excluded_geo_locations,omitempty"`
	// AgeMin (>= 13, default 18) and AgeMax (<= 65); 0 when unset.
	AgeMin  int      `json:"age_min,omitempty"`
	AgeMax  int      `json:"age_max,omitempty"`
	Genders []Gender `json:"genders,omitempty"`
	// Interests is the top-level interests list (older form).
	Interests []IDName `json:"interests,omitempty"`
	// FlexibleSpec entries are AND'ed; the lists inside an entry are OR'ed.
	FlexibleSpec            []TargetingSpecGroup `json:"flexible_spec,omitempty"`
	Exclusions              *TargetingSpecGroup  `json:"exclusions,omitempty"`
	CustomAudiences         []IDName             `json:"custom_audiences,omitempty"`
	ExcludedCustomAudiences []IDName             `json:"excluded_custom_audiences,omitempty"`
	PublisherPlatforms      []string             `json:"publisher_platforms,omitempty"`
	FacebookPositions       []string             `json:"facebook_positions,omitempty"`
	InstagramPositions      []string             `json:"instagram_positions,omitempty"`
	DevicePlatforms         []string             `json:"device_platforms,omitempty"`
	// Raw is the spec as Meta sent it.
	Raw json.RawMessage `json:"-"`
}

// GeoLocations selects (or excludes) places.
type GeoLocations struct {
	Countries       []string         `json:"countries,omitempty"`
	Regions         []GeoKey         `json:"regions,omitempty"`
	Cities          []GeoKey         `json:"cities,omitempty"`
	Zips            []GeoKey         `json:"zips,omitempty"`
	CustomLocations []CustomLocation `json:"custom_locations,omitempty"`
	// LocationTypes is a subset of "home" and "recent".
	LocationTypes []string `json:"location_types,omitempty"`
}

// GeoKey is a region, city or zip by key, with an optional radius for cities.
type GeoKey struct {
	Key          string  `json:"key"`
	Name         string  `json:"name,omitempty"`
	Radius       float64 `json:"radius,omitempty"`
	DistanceUnit string  `json:"distance_unit,omitempty"`
}

// CustomLocation is a point with a radius.
type CustomLocation struct {
	Latitude     float64 `json:"latitude"`
	Longitude    float64 `json:"longitude"`
	Radius       float64 `json:"radius,omitempty"`
	DistanceUnit string  `json:"distance_unit,omitempty"`
}

// TargetingSpecGroup is one flexible_spec entry (or the exclusions object).
type TargetingSpecGroup struct {
	Interests      []IDName `json:"interests,omitempty"`
	Behaviors      []IDName `json:"behaviors,omitempty"`
	LifeEvents     []IDName `json:"life_events,omitempty"`
	FamilyStatuses []IDName `json:"family_statuses,omitempty"`
	WorkPositions  []IDName `json:"work_positions,omitempty"`
	Industries     []IDName `json:"industries,omitempty"`
}

// UnmarshalJSON keeps the raw spec.
func (t *Targeting) UnmarshalJSON(b []byte) error {
	type plain Targeting
	if err := json.Unmarshal(b, (*plain)(t)); err != nil {
		return fmt.Errorf("metaads: decoding targeting spec: %w", err)
	}
	t.Raw = append(json.RawMessage(nil), b...)
	return nil
}

// MarshalJSON writes the modelled fields over the raw spec, so unknown
// fields survive a read-modify-write.
func (t Targeting) MarshalJSON() ([]byte, error) {
	type plain Targeting
	typed, err := json.Marshal(plain(t))
	if err != nil {
		return nil, err
	}
	if len(t.Raw) == 0 {
		return typed, nil
	}
	var merged map[string]json.RawMessage
	if err := json.Unmarshal(t.Raw, &merged); err != nil {
		return typed, nil
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(typed, &fields); err != nil {
		return nil, err
	}
	for _, k := range modelledTargetingKeys {
		delete(merged, k)
	}
	for k, v := range fields {
		merged[k] = v
	}
	return json.Marshal(merged)
}

var modelledTargetingKeys = []string{"geo_locations", "excluded_geo_locations", "age_min", "age_max", "genders",
	"interests", "flexible_spec", "exclusions", "custom_audiences", "excluded_custom_audiences",
	"publisher_platforms", "facebook_positions", "instagram_positions", "device_platforms"}

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
