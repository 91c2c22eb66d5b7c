package metaadstest

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"time"
)

// bucket is a leaky bucket: its level drains linearly to zero over the
// window, so usage "decays" as the documented rolling-hour percentages do.
type bucket struct {
	level float64
	last  time.Time
}

func (b *bucket) at(now time.Time, budget int, window time.Duration) float64 {
	if !b.last.IsZero() && now.After(b.last) {
		drain := float64(budget) * now.Sub(b.last).Seconds() / window.Seconds()
		b.level = math.Max(0, b.level-drain)
	}
	if now.After(b.last) {
		b.last = now
	}
	return b.level
}

type usageState struct {
	app  bucket
	acct map[string]*bucket
	mgmt map[string]*bucket
	ins  map[string]*bucket
}

func newUsageState() *usageState {
	return &usageState{acct: map[string]*bucket{}, mgmt: map[string]*bucket{}, ins: map[string]*bucket{}}
}

func bucketOf(m map[string]*bucket, k string) *bucket {
	b := m[k]
	if b == nil {
		b = &bucket{}
		m[k] = b
	}
	return b
}

// Usage is a snapshot of the simulated usage, in percent of each budget
// (0-100), as the usage headers report it.
type Usage struct {
	App          float64 // X-App-Usage call_count
	AccountScore float64 // X-Ad-Account-Usage acc_id_util_pct
	Management   float64 // ads_management business-use-case call_count
	Insights     float64 // ads_insights business-use-case call_count
}

// Usage returns the current usage of an ad account ("123" or "act_123";
// empty for the app only).
func (s *Server) Usage(account string) Usage {
	account = trimAct(account)
	now := s.now()
	l := s.cfg.limits
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.usage
	return Usage{
		App:          pct(u.app.at(now, l.App, l.Window), l.App),
		AccountScore: pct(bucketOf(u.acct, account).at(now, l.AccountScore, l.Window), l.AccountScore),
		Management:   pct(bucketOf(u.mgmt, account).at(now, l.Management, l.Window), l.Management),
		Insights:     pct(bucketOf(u.ins, account).at(now, l.Insights, l.Window), l.Insights),
	}
}

func pct(level float64, budget int) float64 {
	if budget <= 0 {
		return 0
	}
	return math.Min(100, math.Round(level/float64(budget)*10000)/100)
}

// charge counts a call against the app, the ad account score and the
// account's business-use-case bucket, and returns the usage headers. When a
// budget would be exceeded the call is refused with the documented
// throttling error (reference §6.3) and the headers still go out.
// Caller holds s.mu.
func (u *usageState) charge(l RateLimits, now time.Time, c *call) (http.Header, *apiError) {
	hdr := http.Header{}
	cost := 1.0
	if c.r.Method != http.MethodGet {
		cost = 3
	}
	type check struct {
		b      *bucket
		budget int
	}
	checks := []check{{&u.app, l.App}}
	var bucB *bucket
	bucBudget := 0
	if c.account != "" {
		checks = append(checks, check{bucketOf(u.acct, c.account), l.AccountScore})
		if c.bucType == "ads_insights" {
			bucB, bucBudget = bucketOf(u.ins, c.account), l.Insights
		} else {
			bucB, bucBudget = bucketOf(u.mgmt, c.account), l.Management
		}
		checks = append(checks, check{bucB, bucBudget})
	}
	var throttle *apiError
	var tripped *bucket // the bucket whose budget refused the call
	var wait time.Duration
	for i, ch := range checks {
		if ch.budget <= 0 {
			continue
		}
		lvl := ch.b.at(now, ch.budget, l.Window)
		if lvl+cost > float64(ch.budget) && throttle == nil {
			over := lvl + cost - float64(ch.budget)
			wait = time.Duration(over / float64(ch.budget) * float64(l.Window))
			throttle, tripped = throttleError(i, c.bucType), ch.b
			if i == 1 && l.AccountScoreCode == 613 {
				throttle = &apiError{Code: 613, Subcode: 1487742, Transient: true, Message: "There have been too many calls from this ad-account. Wait a bit and try again."}
			}
		}
	}
	if throttle == nil {
		for _, ch := range checks {
			if ch.budget > 0 {
				ch.b.level += cost
			}
		}
	}
	regainMin := int(math.Ceil(wait.Minutes()))
	if throttle != nil && regainMin < 1 {
		regainMin = 1
	}
	if l.App > 0 {
		p := int(pct(u.app.level, l.App))
		hdr.Set("X-App-Usage", mustJSON(map[string]int{"call_count": p, "total_time": p * 3 / 4, "total_cputime": p / 2}))
	}
	if c.account == "" {
		return hdr, throttle
	}
	if l.AccountScore > 0 {
		b := bucketOf(u.acct, c.account)
		reset := int(math.Ceil(b.level / float64(l.AccountScore) * l.Window.Seconds()))
		hdr.Set("X-Ad-Account-Usage", mustJSON(map[string]any{
			"acc_id_util_pct": pct(b.level, l.AccountScore), "reset_time_duration": reset, "ads_api_access_tier": l.Tier}))
	}
	type bucEntry struct {
		Type      string `json:"type"`
		CallCount int    `json:"call_count"`
		TotalCPU  int    `json:"total_cputime"`
		TotalTime int    `json:"total_time"`
		Regain    int    `json:"estimated_time_to_regain_access"`
		Tier      string `json:"ads_api_access_tier"`
	}
	var entries []bucEntry
	for _, e := range []struct {
		typ    string
		m      map[string]*bucket
		budget int
	}{{"ads_management", u.mgmt, l.Management}, {"ads_insights", u.ins, l.Insights}} {
		if e.budget <= 0 {
			continue
		}
		b := bucketOf(e.m, c.account)
		p := int(pct(b.at(now, e.budget, l.Window), e.budget))
		regain := 0
		if tripped != nil && tripped == bucB && b == bucB { // only the business-use-case check's own trip
			regain, p = regainMin, 100
		}
		entries = append(entries, bucEntry{e.typ, p, p / 2, p * 3 / 4, regain, l.Tier})
	}
	if len(entries) > 0 {
		// The key is the ad account id without "act_" (reference §6.1, [OBS]).
		hdr.Set("X-Business-Use-Case-Usage", mustJSON(map[string]any{c.account: entries}))
	}
	if c.bucType == "ads_insights" && l.Insights > 0 {
		hdr.Set("X-Fb-Ads-Insights-Throttle", mustJSON(map[string]any{
			"app_id_util_pct": pct(u.app.level, l.App), "acc_id_util_pct": pct(bucketOf(u.ins, c.account).level, l.Insights), "ads_api_access_tier": l.Tier}))
	}
	if throttle != nil {
		throttle.Data = map[string]any{"estimated_time_to_regain_access": regainMin}
	}
	return hdr, throttle
}

// throttleError picks the documented error for the exhausted budget: 4 for
// the app, 17/2446079 for the ad account score, 80004 or 80000 (subcode
// 2446079) for the business use case.
func throttleError(which int, buc string) *apiError {
	switch which {
	case 0:
		return &apiError{Code: 4, Message: "Application request limit reached", Transient: true}
	case 1:
		return &apiError{Code: 17, Subcode: 2446079, Message: "User request limit reached", Transient: true}
	}
	if buc == "ads_insights" {
		return &apiError{Code: 80000, Subcode: 2446079, Transient: true,
			Message: "There have been too many calls from this ad-account. Wait a bit and try again. For more info, please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting."}
	}
	return &apiError{Code: 80004, Subcode: 2446079, Transient: true,
		Message: "There have been too many calls to this ad-account. Wait a bit and try again. For more info, please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting."}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%q", err.Error())
	}
	return string(b)
}
