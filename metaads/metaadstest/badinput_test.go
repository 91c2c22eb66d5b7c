package metaadstest

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// graphErr returns the code and message of a Graph error answer.
func graphErr(t *testing.T, r resp) (int, string) {
	t.Helper()
	e, ok := r.Body["error"].(map[string]any)
	require.True(t, ok, "want a Graph error, got %d %s", r.Status, r.Raw)
	msg, _ := e["message"].(string)
	code, _ := e["code"].(float64)
	return int(code), msg
}

func TestEffectiveStatusValidated(t *testing.T) {
	srv, _, tok := newDemo(t)
	act := "/act_" + DemoAccountShop
	for _, tc := range []struct {
		edge, value string
		ok          bool
	}{
		{"campaigns", `["NOPE"]`, false},
		{"campaigns", `["ACTIVE","NOPE"]`, false},
		{"campaigns", `["ADSET_PAUSED"]`, false}, // not a campaign status
		{"adsets", `["CAMPAIGN_PAUSED"]`, true},
		{"ads", `["ADSET_PAUSED","PAUSED"]`, true},
		{"ads", `["active"]`, false},
		{"campaigns", `["ACTIVE","PAUSED"]`, true},
		{"campaigns", `ACTIVE,WITH_ISSUES`, true},
	} {
		r := get(t, srv, act+"/"+tc.edge+"?"+url.Values{"effective_status": {tc.value}}.Encode(), tok)
		if tc.ok {
			assert.Equal(t, 200, r.Status, "%s %s: %s", tc.edge, tc.value, r.Raw)
			continue
		}
		code, msg := graphErr(t, r)
		assert.Equal(t, 100, code, "%s %s", tc.edge, tc.value)
		assert.Contains(t, msg, "effective_status", tc.value)
		assert.Contains(t, msg, "PAUSED", "the message names the allowed values")
	}
	// The same check on a filtering rule.
	f := url.Values{"filtering": {`[{"field":"effective_status","operator":"IN","value":["NOPE"]}]`}}
	code, _ := graphErr(t, get(t, srv, act+"/campaigns?"+f.Encode(), tok))
	assert.Equal(t, 100, code)
}

func TestNodePostRejectsUnknownAndEmptyParams(t *testing.T) {
	srv, _, tok := newDemo(t)
	u := srv.URL + "/v26.0/" + DemoOverpacingSet
	before, _ := srv.AdSet(DemoOverpacingSet)
	for name, form := range map[string]url.Values{
		"no parameters":         {},
		"unknown":               {"colour": {"red"}},
		"unknown with a status": {"status": {"PAUSED"}, "end_time": {"2027-01-01"}},
	} {
		code, msg := graphErr(t, do(t, http.MethodPost, u, tok, form))
		assert.Equal(t, 100, code, name)
		assert.Contains(t, msg, "status", name+": names the parameters the fake accepts")
	}
	after, _ := srv.AdSet(DemoOverpacingSet)
	assert.Equal(t, before.Status, after.Status, "a refused update changes nothing")
	r := do(t, http.MethodPost, u+"?appsecret_time=1", tok, url.Values{"name": {"renamed"}})
	assert.Equal(t, 200, r.Status, r.Raw)
}

func TestActionBreakdownsLimit(t *testing.T) {
	srv, _, tok := newDemo(t)
	for _, ab := range []string{"action_device", "action_destination", "action_type,action_device", "bogus"} {
		q := url.Values{"fields": {"actions"}, "action_breakdowns": {ab}}
		code, msg := graphErr(t, get(t, srv, "/act_"+DemoAccountShop+"/insights?"+q.Encode(), tok))
		assert.Equal(t, 100, code, ab)
		assert.Contains(t, msg, "action_type", ab)
	}
	q := url.Values{"fields": {"actions"}, "action_breakdowns": {"action_type"}}
	assert.Equal(t, 200, get(t, srv, "/act_"+DemoAccountShop+"/insights?"+q.Encode(), tok).Status)
}

func TestBidAmountUpdate(t *testing.T) {
	srv, _, tok := newDemo(t)
	r := do(t, http.MethodPost, srv.URL+"/v26.0/"+DemoOverpacingSet, tok, url.Values{"bid_amount": {"270"}})
	require.Equal(t, 200, r.Status, r.Raw)
	s, _ := srv.AdSet(DemoOverpacingSet)
	assert.Equal(t, int64(270), s.BidAmount)
	for name, form := range map[string]url.Values{"zero": {"bid_amount": {"0"}}, "text": {"bid_amount": {"2.5"}}} {
		code, msg := graphErr(t, do(t, http.MethodPost, srv.URL+"/v26.0/"+DemoOverpacingSet, tok, form))
		assert.Equal(t, 100, code, name)
		_ = msg
	}
	code, msg := graphErr(t, do(t, http.MethodPost, srv.URL+"/v26.0/"+DemoFatiguedAd, tok, url.Values{"bid_amount": {"100"}}))
	assert.Equal(t, 100, code)
	assert.Contains(t, msg, "ad sets")
}
