package metaads

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"sort"
	"sync"
	"time"
)

// Usage is the rate-limit state Meta reported on one response, parsed from
// the X-App-Usage, X-Ad-Account-Usage, X-Business-Use-Case-Usage and
// X-FB-Ads-Insights-Throttle headers. Percentages are 0-100 (they may exceed
// 100 while throttled). A nil field means the header was absent, which Meta
// does when usage is low.
type Usage struct {
	// App is X-App-Usage: the app's platform quota.
	App *AppUsage
	// AdAccount is X-Ad-Account-Usage.
	AdAccount *AdAccountUsage
	// BusinessUseCases is X-Business-Use-Case-Usage, one entry per
	// (business object id, use case type), sorted by object id then type.
	BusinessUseCases []BusinessUseCaseUsage
	// InsightsThrottle is X-FB-Ads-Insights-Throttle.
	InsightsThrottle *InsightsThrottle
	// InsightsReachThrottle is X-Fb-Ads-Insights-Reach-Throttle as sent:
	// the budget of async reach queries with breakdowns older than 13
	// months (10 per ad account per day). Meta does not document its
	// format, so it is kept as text; empty when absent.
	InsightsReachThrottle string
	// ObservedAt is when the response carrying these headers arrived.
	ObservedAt time.Time
}

// AppUsage is the X-App-Usage header.
type AppUsage struct {
	CallCount    float64 `json:"call_count"`    // percentage of the call budget used
	TotalTime    float64 `json:"total_time"`    // percentage of the time budget used
	TotalCPUTime float64 `json:"total_cputime"` // percentage of the CPU budget used
}

// Max returns the highest of the three percentages.
func (a AppUsage) Max() float64 { return max(a.CallCount, a.TotalTime, a.TotalCPUTime) }

// AdAccountUsage is the X-Ad-Account-Usage header.
type AdAccountUsage struct {
	// UtilPct is acc_id_util_pct.
	UtilPct float64 `json:"acc_id_util_pct"`
	// ResetTimeDuration is reset_time_duration: how long until the score resets.
	ResetTimeDuration time.Duration `json:"-"`
	// AccessTier is ads_api_access_tier ("standard_access", "development_access").
	AccessTier string `json:"ads_api_access_tier"`
}

// BusinessUseCaseUsage is one entry of X-Business-Use-Case-Usage.
type BusinessUseCaseUsage struct {
	// ObjectID is the business object id; for ad accounts it is the account
	// number without "act_".
	ObjectID string
	// Type is the use case: "ads_management", "ads_insights", "custom_audience", ...
	Type         string
	CallCount    float64 // percentage of the call budget used
	TotalTime    float64 // percentage of the time budget used
	TotalCPUTime float64 // percentage of the CPU budget used
	// RegainAccessIn is estimated_time_to_regain_access (sent in minutes);
	// 0 when not throttled.
	RegainAccessIn time.Duration
	AccessTier     string // ads_api_access_tier
}

// Max returns the highest of the three percentages.
func (b BusinessUseCaseUsage) Max() float64 { return max(b.CallCount, b.TotalTime, b.TotalCPUTime) }

// InsightsThrottle is the X-FB-Ads-Insights-Throttle header.
type InsightsThrottle struct {
	AppIDUtilPct float64 `json:"app_id_util_pct"`     // app_id_util_pct: the app's insights budget used
	AccIDUtilPct float64 `json:"acc_id_util_pct"`     // acc_id_util_pct: the account's insights budget used
	AccessTier   string  `json:"ads_api_access_tier"` // ads_api_access_tier
}

// IsZero reports whether no usage header was present.
func (u Usage) IsZero() bool {
	return u.App == nil && u.AdAccount == nil && len(u.BusinessUseCases) == 0 && u.InsightsThrottle == nil
}

// Max returns the highest percentage across all headers.
func (u Usage) Max() float64 {
	var m float64
	if u.App != nil {
		m = max(m, u.App.Max())
	}
	if u.AdAccount != nil {
		m = max(m, u.AdAccount.UtilPct)
	}
	for _, b := range u.BusinessUseCases {
		m = max(m, b.Max())
	}
	if u.InsightsThrottle != nil {
		m = max(m, u.InsightsThrottle.AppIDUtilPct, u.InsightsThrottle.AccIDUtilPct)
	}
	return m
}

// RegainAccessIn returns the longest wait Meta announced in the headers
// (estimated_time_to_regain_access, or reset_time_duration while the ad
// account is at or above 100%), and whether any was announced.
func (u Usage) RegainAccessIn() (time.Duration, bool) {
	var d time.Duration
	for _, b := range u.BusinessUseCases {
		d = max(d, b.RegainAccessIn)
	}
	if u.AdAccount != nil && u.AdAccount.UtilPct >= 100 {
		d = max(d, u.AdAccount.ResetTimeDuration)
	}
	return d, d > 0
}

// Header names carrying usage.
const (
	headerAppUsage         = "X-App-Usage"
	headerAdAccountUsage   = "X-Ad-Account-Usage"
	headerBUCUsage         = "X-Business-Use-Case-Usage"
	headerInsightsThrottle = "X-Fb-Ads-Insights-Throttle"
)

// ParseUsage reads the usage headers of a response. Malformed headers are
// ignored (they are advisory); at is stored as ObservedAt.
func ParseUsage(h http.Header, at time.Time) Usage {
	u := Usage{ObservedAt: at, InsightsReachThrottle: h.Get("X-Fb-Ads-Insights-Reach-Throttle")}
	if v := h.Get(headerAppUsage); v != "" {
		var a AppUsage
		if json.Unmarshal([]byte(v), &a) == nil {
			u.App = &a
		}
	}
	if v := h.Get(headerAdAccountUsage); v != "" {
		var w struct {
			AdAccountUsage
			Reset float64 `json:"reset_time_duration"`
		}
		if json.Unmarshal([]byte(v), &w) == nil {
			a := w.AdAccountUsage
			a.ResetTimeDuration = clampDuration(w.Reset, time.Second)
			u.AdAccount = &a
		}
	}
	if v := h.Get(headerBUCUsage); v != "" {
		var m map[string][]struct {
			Type         string  `json:"type"`
			CallCount    float64 `json:"call_count"`
			TotalTime    float64 `json:"total_time"`
			TotalCPUTime float64 `json:"total_cputime"`
			Regain       float64 `json:"estimated_time_to_regain_access"`
			AccessTier   string  `json:"ads_api_access_tier"`
		}
		if json.Unmarshal([]byte(v), &m) == nil {
			for id, list := range m {
				for _, e := range list {
					u.BusinessUseCases = append(u.BusinessUseCases, BusinessUseCaseUsage{
						ObjectID: id, Type: e.Type, CallCount: e.CallCount, TotalTime: e.TotalTime,
						TotalCPUTime: e.TotalCPUTime, AccessTier: e.AccessTier,
						RegainAccessIn: clampDuration(e.Regain, time.Minute),
					})
				}
			}
			sort.Slice(u.BusinessUseCases, func(i, j int) bool {
				a, b := u.BusinessUseCases[i], u.BusinessUseCases[j]
				if a.ObjectID != b.ObjectID {
					return a.ObjectID < b.ObjectID
				}
				return a.Type < b.Type
			})
		}
	}
	if v := h.Get(headerInsightsThrottle); v != "" {
		var t InsightsThrottle
		if json.Unmarshal([]byte(v), &t) == nil {
			u.InsightsThrottle = &t
		}
	}
	return u
}

// MaxHold is the longest the client holds a budget on the word of Meta's
// headers: a reset_time_duration or estimated_time_to_regain_access beyond
// it, and a hold computed from a usage far above 100%, are clamped to it
// (values that would overflow a time.Duration included); negative or
// missing ones count as no wait.
const MaxHold = 24 * time.Hour

// clampDuration converts v units to a duration in [0, MaxHold]; NaN and
// values <= 0 give 0.
func clampDuration(v float64, unit time.Duration) time.Duration {
	if !(v > 0) {
		return 0
	}
	if d := v * float64(unit); d < float64(MaxHold) {
		return time.Duration(d)
	}
	return MaxHold
}

// DefaultUsageThreshold is the usage percentage at which the scheduler
// holds requests for a budget, leaving headroom before Meta's 100%.
const DefaultUsageThreshold = 90.0

// DefaultUsageWindow is the length of Meta's rolling usage window: usage
// recorded now has fully decayed after it.
const DefaultUsageWindow = time.Hour

// UsageKey names one rate-limit budget. Scope is "app", "ad_account",
// "insights_app", "insights_account" or a business use case type
// ("ads_management", "ads_insights", ...); ID is the ad account number or
// business object id ("" for app scopes).
type UsageKey struct {
	Scope string // "app", "ad_account", a business use case type, ...
	ID    string // ad account number or business object id; "" for app scopes
}

// String returns "scope" or "scope:id".
func (k UsageKey) String() string {
	if k.ID == "" {
		return k.Scope
	}
	return k.Scope + ":" + k.ID
}

// UsageState is the last known usage of one budget.
type UsageState struct {
	// Pct is the highest percentage Meta reported for the budget.
	Pct float64
	// ObservedAt is when Pct was reported.
	ObservedAt time.Time
	// BlockedUntil is set when Meta throttled the budget: no request is sent
	// for it before this time.
	BlockedUntil time.Time
	// CostPerCall is the learned usage percentage one call adds.
	CostPerCall float64
}

// UsageStore keeps usage state. Implementations must be safe for concurrent
// use; backing one with a shared database or cache lets several processes
// that use the same tokens see one view. Load reports ok=false for unknown keys.
type UsageStore interface {
	Load(ctx context.Context, key UsageKey) (state UsageState, ok bool, err error)
	Store(ctx context.Context, key UsageKey, state UsageState) error
}

// MemoryUsageStore is the in-process UsageStore used by default.
type MemoryUsageStore struct {
	mu sync.Mutex
	m  map[UsageKey]UsageState
}

// NewMemoryUsageStore returns an empty in-memory store.
func NewMemoryUsageStore() *MemoryUsageStore {
	return &MemoryUsageStore{m: make(map[UsageKey]UsageState)}
}

// Load implements UsageStore.
func (s *MemoryUsageStore) Load(_ context.Context, key UsageKey) (UsageState, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.m[key]
	return st, ok, nil
}

// Store implements UsageStore.
func (s *MemoryUsageStore) Store(_ context.Context, key UsageKey, st UsageState) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[key] = st
	return nil
}

// UsageBudgets is the scheduler's view of the budgets an ad account's
// requests count against.
type UsageBudgets struct {
	// Budgets maps each known budget to its state: the app budget, the ad
	// account score and the account's business use cases.
	Budgets map[UsageKey]UsageState
	// Max is the highest percentage among Budgets.
	Max float64
}

// Usage returns the usage state that requests for account are paced by.
// A zero account returns the app-level budgets only. When the UsageStore
// fails, it returns the state this process last saw (and logs the failure).
func (c *Client) Usage(ctx context.Context, account AccountID) (UsageBudgets, error) {
	keys := []UsageKey{{Scope: "app"}, {Scope: "insights_app"}}
	if !account.IsZero() {
		n := account.Number()
		for _, s := range []string{"ad_account", "insights_account", "ads_management", "ads_insights", "custom_audience"} {
			keys = append(keys, UsageKey{Scope: s, ID: n})
		}
	}
	if ctx == nil {
		return UsageBudgets{}, errors.New("metaads: Usage: nil context")
	}
	if err := ctx.Err(); err != nil {
		return UsageBudgets{}, fmt.Errorf("metaads: Usage(%s): %w", account, err)
	}
	out := UsageBudgets{Budgets: map[UsageKey]UsageState{}}
	for _, k := range keys {
		if st, ok := c.sched.load(ctx, k); ok {
			out.Budgets[k] = st
			out.Max = math.Max(out.Max, st.Pct)
		}
	}
	return out, nil
}
