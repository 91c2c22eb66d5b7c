package metaadstest

import (
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestConcurrentUse mixes reads, insights, writes, batches, usage and
// inspection from many goroutines; run with -race.
func TestConcurrentUse(t *testing.T) {
	srv, _, tok := newDemo(t)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 8 {
		wg.Go(func() {
			for i := range 10 {
				var path string
				var res *http.Response
				var err error
				switch (g + i) % 4 {
				case 0:
					path = "/v26.0/act_" + DemoAccountShop + "/insights?level=ad&date_preset=last_7d&fields=spend,clicks"
				case 1:
					path = "/v26.0/act_" + DemoAccountShop + "/ads?fields=name,effective_status"
				case 2:
					form := url.Values{"name": {fmt.Sprintf("renamed %d %d", g, i)}}
					req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v26.0/"+DemoOverlapSetA, nil)
					req.URL.RawQuery = form.Encode()
					req.Header.Set("Authorization", "Bearer "+tok)
					res, err = http.DefaultClient.Do(req)
				default:
					_ = srv.Usage(DemoAccountShop)
					_ = srv.Requests()
					_ = srv.Objects()
					path = "/v26.0/me"
				}
				if res == nil && err == nil {
					req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
					req.Header.Set("Authorization", "Bearer "+tok)
					res, err = http.DefaultClient.Do(req)
				}
				if err != nil {
					errs <- err
					return
				}
				res.Body.Close()
				if res.StatusCode != 200 {
					errs <- fmt.Errorf("%s: status %d", path, res.StatusCode)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	assert.GreaterOrEqual(t, len(srv.Requests()), 80)
}

func TestIDsAndUnknownPaths(t *testing.T) {
	srv, _, tok := newDemo(t)
	r := get(t, srv, "/?ids="+DemoOverlapSetA+","+DemoOverlapSetB+"&fields=name", tok)
	require.Equal(t, 200, r.Status, r.Raw)
	assert.Equal(t, "Interests: Running", r.Body[DemoOverlapSetA].(map[string]any)["name"])
	assert.Contains(t, r.Body, DemoOverlapSetB)
	code, _ := errCode(get(t, srv, "/?ids=", tok))
	assert.Equal(t, 100, code)

	r = get(t, srv, "/a/b/c/d", tok)
	code, _ = errCode(r)
	assert.Equal(t, 2500, code, r.Raw)
	r = do(t, http.MethodPut, srv.URL+"/v26.0/me", tok, nil)
	code, _ = errCode(r)
	assert.Equal(t, 2500, code, r.Raw)
	assert.Equal(t, "v26.0", get(t, srv, "/me", tok).Header.Get("Facebook-Api-Version"))
}

func TestAccountScoreCode613(t *testing.T) {
	srv, _, tok := newDemo(t, WithRateLimits(RateLimits{AccountScore: 1, AccountScoreCode: 613}))
	assert.Equal(t, 200, get(t, srv, "/act_"+DemoAccountShop, tok).Status)
	code, sub := errCode(get(t, srv, "/act_"+DemoAccountShop, tok))
	assert.Equal(t, [2]int{613, 1487742}, [2]int{code, sub})
	_, err := NewServer(WithRateLimits(RateLimits{AccountScoreCode: 99}))
	assert.Error(t, err)
}
