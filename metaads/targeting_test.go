package metaads

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// richTargeting is a targeting spec as Meta returns it for a mature ad set,
// with keys this package does not model at every level.
const richTargeting = `{
  "age_min": 25, "age_max": 54, "genders": [1, 2],
  "geo_locations": {
    "countries": ["US"],
    "regions": [{"key": "3847", "name": "California", "country": "US"}],
    "cities": [{"key": "2420379", "name": "San Francisco", "radius": 10, "distance_unit": "mile", "region": "California", "region_id": "3847", "country": "US"}],
    "zips": [{"key": "US:94107", "name": "94107", "primary_city_id": 2420379, "region_id": 3847, "country": "US"}],
    "custom_locations": [{"latitude": 37.77, "longitude": -122.41, "radius": 2, "distance_unit": "kilometer", "name": "HQ", "address_string": "1 Market St", "country": "US"}],
    "neighborhoods": [{"key": "271786", "name": "Mission District", "country": "US"}],
    "places": [{"key": "fb:123", "name": "Ferry Building", "radius": 1, "distance_unit": "mile"}],
    "geo_markets": [{"key": "DMA:807", "name": "San Francisco-Oakland-San Jose"}],
    "location_types": ["home", "recent"]
  },
  "excluded_geo_locations": {"regions": [{"key": "3843", "name": "Alaska", "country": "US"}], "electoral_districts": [{"key": "ocd-division/country:us/state:ca/cd:12"}]},
  "flexible_spec": [
    {"interests": [{"id": "6003139266461", "name": "Movies"}], "income": [{"id": "6107813079183", "name": "Top 10% of ZIP codes (US)"}]},
    {"behaviors": [{"id": "6002714895372", "name": "Frequent travellers"}], "education_statuses": [2, 3], "college_years": [2024]}
  ],
  "exclusions": {"life_events": [{"id": "6002714398172", "name": "Newlywed (1 year)"}], "relationship_statuses": [3]},
  "custom_audiences": [{"id": "23850000000000001", "name": "Purchasers 180d"}],
  "excluded_custom_audiences": [{"id": "23850000000000002", "name": "Employees"}],
  "publisher_platforms": ["facebook", "instagram"],
  "facebook_positions": ["feed", "story"],
  "instagram_positions": ["stream", "reels"],
  "device_platforms": ["mobile"],
  "targeting_automation": {"advantage_audience": 0},
  "brand_safety_content_filter_levels": ["FACEBOOK_STANDARD"],
  "targeting_relaxation_types": {"lookalike": 0, "custom_audience": 0}
}`

// normJSON re-encodes a JSON document with sorted keys.
func normJSON(t *testing.T, b []byte) string {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal(b, &v))
	out, err := json.Marshal(v)
	require.NoError(t, err)
	return string(out)
}

func TestTargetingRoundTripKeepsNestedUnknownFields(t *testing.T) {
	var tg Targeting
	require.NoError(t, json.Unmarshal([]byte(richTargeting), &tg))
	out, err := json.Marshal(tg)
	require.NoError(t, err)
	assert.JSONEq(t, richTargeting, string(out), "an unmodified spec round-trips exactly")

	// Read-modify-write: change typed fields at several levels.
	tg.AgeMin = 30
	tg.GeoLocations.Countries = nil
	tg.GeoLocations.Cities[0].Radius = 15
	tg.FlexibleSpec[0].Interests = append(tg.FlexibleSpec[0].Interests, IDName{ID: "6003020834693", Name: "Music"})
	tg.FlexibleSpec = append(tg.FlexibleSpec, TargetingSpecGroup{Industries: []IDName{{ID: "1", Name: "Retail"}}})
	out, err = json.Marshal(&tg)
	require.NoError(t, err)

	var want map[string]any
	require.NoError(t, json.Unmarshal([]byte(richTargeting), &want))
	want["age_min"] = 30.0
	geo := want["geo_locations"].(map[string]any)
	delete(geo, "countries")
	geo["cities"].([]any)[0].(map[string]any)["radius"] = 15.0
	fs := want["flexible_spec"].([]any)
	fs0 := fs[0].(map[string]any)
	fs0["interests"] = append(fs0["interests"].([]any), map[string]any{"id": "6003020834693", "name": "Music"})
	want["flexible_spec"] = append(fs, map[string]any{"industries": []any{map[string]any{"id": "1", "name": "Retail"}}})
	wantJSON, err := json.Marshal(want)
	require.NoError(t, err)
	assert.Equal(t, normJSON(t, wantJSON), normJSON(t, out))
}

func TestTargetingNestedDecodeErrors(t *testing.T) {
	var tg Targeting
	err := json.Unmarshal([]byte(`{"geo_locations":{"regions":[{"key":3847}]}}`), &tg)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "geo key")
}
