package metaadstest

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLazyRowsEqualEagerRows checks that generating bucket by bucket gives
// exactly the rows (bytes and order) of rendering the whole result at once,
// for every level, time increment, breakdown and several ranges.
func TestLazyRowsEqualEagerRows(t *testing.T) {
	srv, _, _ := newDemo(t)
	acct := DemoAccountShop
	srv.mu.Lock()
	ar := srv.st.accounts[acct]
	snaps := srv.snapshot(srv.adsUnder("account", "act_"+acct))
	srv.mu.Unlock()
	two := `[{"since":"2026-10-01","until":"2026-10-20"},{"since":"2026-11-10","until":"2026-11-25"}]`
	for _, qs := range []string{
		"level=ad&time_increment=1&date_preset=last_30d&fields=ad_id,spend,reach,actions",
		"level=adset&time_increment=7&date_preset=last_90d&fields=adset_id,spend,reach,frequency",
		"level=campaign&time_increment=monthly&date_preset=maximum&fields=campaign_id,spend,reach",
		"level=account&date_preset=last_14d&fields=spend,reach",
		"level=ad&time_increment=1&date_preset=last_7d&breakdowns=age,gender&fields=ad_id,spend",
		"level=ad&time_increment=1&date_preset=last_3d&breakdowns=hourly_stats_aggregated_by_advertiser_time_zone&fields=ad_id,spend,actions",
		"level=ad&time_increment=3&time_ranges=" + url.QueryEscape(two) + "&fields=ad_id,spend",
		"level=ad&time_increment=1&date_preset=last_30d&fields=ad_id,spend&filtering=" + url.QueryEscape(`[{"field":"spend","operator":"GREATER_THAN","value":20}]`),
		"level=ad&time_increment=1&time_range=" + url.QueryEscape(`{"since":"2026-11-15","until":"2026-12-10"}`) + "&fields=ad_id,spend",
	} {
		p, err := url.ParseQuery(qs)
		require.NoError(t, err)
		q, e := parseInsightsQuery(p, 0, ar.loc, dayOf(ar.CreatedTime, ar.loc), testNow)
		require.Nil(t, e, qs)
		require.True(t, q.lazyOK())
		eager := q.render(srv.gen.run(q, snaps), currencyOffset(ar.Currency)).rows
		l := newLazyRows(srv.gen, q, snaps, currencyOffset(ar.Currency))
		n, done := l.ensure(lazyUnknown)
		require.True(t, done)
		require.Equal(t, len(eager), n, qs)
		assert.NotZero(t, n, qs)
		assert.Equal(t, eager, l.rows(0, n), qs)
		// Out of order, after eviction: the same rows again.
		l.kept, l.order, l.nKept = map[int][][]byte{}, nil, 0
		if n > 3 {
			assert.Equal(t, eager[n/3:n-1], l.rows(n/3, n-1), qs)
		}
	}
}

// TestLazyPagingAcrossBuckets pages through a lazy result at several limits
// and gets the same rows as one page, with next only while rows follow.
func TestLazyPagingAcrossBuckets(t *testing.T) {
	srv, _, tok := newDemo(t)
	q := url.Values{"level": {"ad"}, "time_increment": {"1"}, "date_preset": {"last_30d"}, "fields": {"ad_id,spend"}, "limit": {"5000"}}
	all := get(t, srv, "/act_"+DemoAccountShop+"/insights?"+q.Encode(), tok)
	require.Equal(t, 200, all.Status, all.Raw)
	want := all.Body["data"].([]any)
	require.NotContains(t, all.Body["paging"], "next")
	for _, limit := range []string{"1", "7", "13", "100"} {
		q.Set("limit", limit)
		q.Set("access_token", tok)
		ids, _ := follow(t, srv.URL+"/v26.0/act_"+DemoAccountShop+"/insights?"+q.Encode())
		require.Len(t, ids, len(want), "limit %s", limit)
		for i, w := range want {
			m := w.(map[string]any)
			assert.Equal(t, m["ad_id"].(string)+"@"+m["date_start"].(string), ids[i])
		}
	}
	// A cursor past the end: an empty page without next.
	r := get(t, srv, "/act_"+DemoAccountShop+"/insights?"+strings.ReplaceAll(q.Encode(), "limit=100", "limit=10")+"&after="+url.QueryEscape(encodeCursor(1e6)), tok)
	require.Equal(t, 200, r.Status, r.Raw)
	assert.Empty(t, r.Body["data"])
	assert.NotContains(t, r.Body["paging"], "next")
}
