package metaadstest

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestScaleBusiness(t *testing.T) {
	srv := Start(t, WithClock((&fixedClock{t: testNow}).now), WithScaleBusiness(Scale{Accounts: 2, AdsPerAccount: 25, Days: 3}), WithRateLimits(UnthrottledRateLimits()))
	tok, err := srv.IssueToken(TokenSpec{UserID: DemoUserID})
	require.NoError(t, err)

	r := get(t, srv, "/me/adaccounts?fields=name", tok)
	require.Equal(t, 200, r.Status, r.Raw)
	var names []string
	for _, a := range r.Body["data"].([]any) {
		names = append(names, a.(map[string]any)["id"].(string)+" "+a.(map[string]any)["name"].(string))
	}
	assert.Equal(t, []string{"act_" + ScaleAccountID(1) + " Scale Test 1", "act_" + ScaleAccountID(2) + " Scale Test 2"}, names)
	assert.Equal(t, "2000000000000001", ScaleAccountID(1))

	objs := srv.Objects()
	assert.Len(t, objs.Ads, 50)
	assert.Len(t, objs.AdSets, 6, "25 ads: ad sets of 10, 10 and 5 per account")
	assert.Len(t, objs.Campaigns, 2)

	// Every ad delivers every day: ads × days rows over the full days.
	q := url.Values{"level": {"ad"}, "time_increment": {"1"}, "fields": {"ad_id,spend"}, "limit": {"5000"},
		"time_range": {fmt.Sprintf(`{"since":%q,"until":%q}`, testNow.AddDate(0, 0, -3).Format("2006-01-02"), testNow.AddDate(0, 0, -1).Format("2006-01-02"))}}
	r = get(t, srv, "/act_"+ScaleAccountID(2)+"/insights?"+q.Encode(), tok)
	require.Equal(t, 200, r.Status, r.Raw)
	rows := r.Body["data"].([]any)
	assert.Len(t, rows, 75)
	for _, row := range rows {
		assert.True(t, strings.HasPrefix(row.(map[string]any)["ad_id"].(string), "9000002"), "rows of account 2 only")
	}
	// Unthrottled still reports usage.
	var usage map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.Header.Get("X-App-Usage")), &usage), r.Header)
	assert.EqualValues(t, 0, usage["call_count"])
	assert.NotEmpty(t, r.Header.Get("X-Business-Use-Case-Usage"))

	_, err = NewServer(WithDemoBusiness(), WithScaleBusiness(Scale{AdsPerAccount: 1, Days: 1}))
	assert.ErrorContains(t, err, "cannot be combined")
	for _, bad := range []Scale{{AdsPerAccount: 0, Days: 1}, {AdsPerAccount: 1, Days: 0}, {Accounts: 1001, AdsPerAccount: 1, Days: 1}, {Accounts: -1, AdsPerAccount: 1, Days: 1}, {AdsPerAccount: 100001, Days: 1}, {AdsPerAccount: 1, Days: 1101}} {
		_, err := NewServer(WithScaleBusiness(bad))
		assert.ErrorContains(t, err, "WithScaleBusiness", "%+v", bad)
		_, err = ScaleBusiness(testNow, bad)
		assert.ErrorContains(t, err, "outside", "%+v", bad)
	}
}
