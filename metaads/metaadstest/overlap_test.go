package metaadstest

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// demoTargeting is the part of a targeting spec TestPlantedOverlap compares.
type demoTargeting struct {
	Geo struct {
		Countries []string `json:"countries"`
		Regions   []struct {
			Key string `json:"key"`
		} `json:"regions"`
	} `json:"geo_locations"`
	FlexibleSpec []struct {
		Interests []struct {
			ID string `json:"id"`
		} `json:"interests"`
	} `json:"flexible_spec"`
}

func (d demoTargeting) interests() map[string]bool {
	out := map[string]bool{}
	for _, f := range d.FlexibleSpec {
		for _, i := range f.Interests {
			out[i.ID] = true
		}
	}
	return out
}

func shared(a, b map[string]bool) []string {
	var out []string
	for k := range a {
		if b[k] {
			out = append(out, k)
		}
	}
	return out
}

// TestPlantedOverlap reads every demo ad set's targeting over the Graph API:
// the two overlap ad sets share a geo and interests; no other pair of ad
// sets shares an interest.
func TestPlantedOverlap(t *testing.T) {
	srv, _, tok := newDemo(t)
	specs := map[string]demoTargeting{}
	for _, set := range srv.Objects().AdSets {
		r := do(t, http.MethodGet, srv.URL+"/v26.0/"+set.ID+"?fields=targeting", tok, nil)
		require.Equal(t, 200, r.Status, r.Raw)
		var body struct {
			Targeting demoTargeting `json:"targeting"`
		}
		require.NoError(t, json.Unmarshal([]byte(r.Raw), &body), set.ID)
		specs[set.ID] = body.Targeting
	}
	require.Len(t, specs, 10)
	a, b := specs[DemoOverlapSetA], specs[DemoOverlapSetB]
	assert.GreaterOrEqual(t, len(shared(a.interests(), b.interests())), 2, "overlap ad sets share interests")
	assert.Equal(t, a.Geo.Countries, b.Geo.Countries)
	assert.Equal(t, a.Geo.Regions, b.Geo.Regions)
	assert.NotEmpty(t, a.Geo.Regions)
	for id, x := range specs {
		for id2, y := range specs {
			pair := id == DemoOverlapSetA && id2 == DemoOverlapSetB || id == DemoOverlapSetB && id2 == DemoOverlapSetA
			if id == id2 || pair {
				continue
			}
			assert.Empty(t, shared(x.interests(), y.interests()), "ad sets %s and %s share interests", id, id2)
		}
	}
}
