package metaadstest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type estimate struct {
	Data []struct {
		Lower int64 `json:"estimate_mau_lower_bound"`
		Upper int64 `json:"estimate_mau_upper_bound"`
		Ready bool  `json:"estimate_ready"`
	} `json:"data"`
}

func getEstimate(t *testing.T, srv *Server, tok, path, spec string) (estimate, resp) {
	t.Helper()
	q := url.Values{}
	if spec != "" {
		q.Set("targeting_spec", spec)
	}
	r := do(t, http.MethodGet, srv.URL+"/v26.0/"+path+"?"+q.Encode(), tok, nil)
	var e estimate
	if r.Status == 200 {
		require.NoError(t, json.Unmarshal([]byte(r.Raw), &e), r.Raw)
		require.Len(t, e.Data, 1)
	}
	return e, r
}

// TestDeliveryEstimate checks the fake's audience sizes: ranges around the
// model's size, narrower specs smaller, the intersection of the demo's
// overlapping pair no larger than either, disjoint countries nothing in
// common, and Meta's refusals.
func TestDeliveryEstimate(t *testing.T) {
	srv, _, tok := newDemo(t)
	size := func(spec string) float64 {
		e, r := getEstimate(t, srv, tok, "act_"+DemoAccountShop+"/delivery_estimate", spec)
		require.Equal(t, 200, r.Status, r.Raw)
		d := e.Data[0]
		assert.True(t, d.Ready)
		assert.Less(t, d.Lower, d.Upper)
		return float64(d.Lower+d.Upper) / 2
	}
	us := size(`{"geo_locations":{"countries":["US"]}}`)
	assert.InDelta(t, 240e6*48/53, us, 0.05*us, "US 18-65 by default")
	young := size(`{"geo_locations":{"countries":["US"]},"age_min":18,"age_max":24}`)
	assert.InDelta(t, us*7/48, young, 0.05*young)
	women := size(`{"geo_locations":{"countries":["US"]},"genders":[2]}`)
	assert.InDelta(t, us/2, women, 0.05*women)

	a, _ := srv.AdSet(DemoOverlapSetA)
	b, _ := srv.AdSet(DemoOverlapSetB)
	sa, sb := size(a.Targeting), size(b.Targeting)
	both := size(`{"geo_locations":{"regions":[{"key":"3847","country":"US"}]},"age_min":25,"age_max":55,"flexible_spec":[` +
		`{"interests":[{"id":"6003277229526"},{"id":"6003384248805"},{"id":"6003107902433"}]},` +
		`{"interests":[{"id":"6003277229526"},{"id":"6003384248805"},{"id":"6003139266461"}]}],` +
		`"excluded_custom_audiences":[{"id":"23850000000000001"}]}`)
	assert.LessOrEqual(t, both, min(sa, sb)*1.01)
	assert.Greater(t, both/min(sa, sb), 0.3, "the demo's overlapping pair overlaps by more than 30%% of the smaller audience")

	// Exclusions remove their share: the broad ad set leaves California
	// (and two custom audiences) out of the US.
	broad, _ := srv.AdSet("120300000000000011")
	assert.Less(t, size(broad.Targeting), 0.97*us)
	// An ad set's own estimate uses its stored targeting.
	e, r := getEstimate(t, srv, tok, DemoOverlapSetA+"/delivery_estimate", "")
	require.Equal(t, 200, r.Status, r.Raw)
	assert.InDelta(t, sa, float64(e.Data[0].Lower+e.Data[0].Upper)/2, 1)

	for _, bad := range []string{`{"age_min":18}`, `not json`, `{"geo_locations":{"countries":["US"]},"age_min":10}`} {
		_, r := getEstimate(t, srv, tok, "act_"+DemoAccountShop+"/delivery_estimate", bad)
		assert.Equal(t, 400, r.Status, bad)
		assert.Contains(t, r.Raw, `"code":100`, bad)
	}
	_, r = getEstimate(t, srv, tok, "act_"+DemoAccountShop+"/delivery_estimate", "")
	assert.Equal(t, 400, r.Status, "targeting_spec is required on an account")
}
