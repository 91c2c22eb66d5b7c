package metaadstest

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBUCHeaderOnlyForItsOwnThrottle checks X-Business-Use-Case-Usage
// reports the bucket full only when the business-use-case budget refused
// the call, not when the app or ad account budget did.
func TestBUCHeaderOnlyForItsOwnThrottle(t *testing.T) {
	for _, tc := range []struct {
		name     string
		limits   RateLimits
		wantCode int
		full     bool
	}{
		{"app", RateLimits{App: 2, Insights: 1000}, 4, false},
		{"account score", RateLimits{AccountScore: 2, Insights: 1000}, 17, false},
		{"business use case", RateLimits{Insights: 2}, 80000, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, _, tok := newDemo(t, WithRateLimits(tc.limits))
			ins := "/act_" + DemoAccountShop + "/insights?fields=spend"
			for i := 0; i < 2; i++ {
				require.Equal(t, 200, get(t, srv, ins, tok).Status)
			}
			r := get(t, srv, ins, tok)
			code, _ := errCode(r)
			require.Equal(t, tc.wantCode, code, r.Raw)
			var buc map[string][]map[string]any
			require.NoError(t, json.Unmarshal([]byte(r.Header.Get("X-Business-Use-Case-Usage")), &buc))
			var found bool
			for _, e := range buc[DemoAccountShop] {
				if e["type"] != "ads_insights" {
					continue
				}
				found = true
				if tc.full {
					assert.Equal(t, float64(100), e["call_count"])
					assert.Positive(t, e["estimated_time_to_regain_access"])
				} else {
					assert.Less(t, e["call_count"].(float64), float64(100))
					assert.Zero(t, e["estimated_time_to_regain_access"])
				}
			}
			assert.True(t, found, r.Header.Get("X-Business-Use-Case-Usage"))
		})
	}
}
