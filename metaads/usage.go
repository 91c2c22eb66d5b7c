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
	// InFlight is the number of requests for the budget that the other
	// clients sharing a SharedUsageStore have sent and not yet seen
	// answered, as LoadShared reports it; the scheduler counts them like
	// its own. Store ignores it; Load of a shared store counts every owner.
	InFlight int
}

// MergeUsage returns the state a shared store keeps when update arrives
// for a budget whose stored state is stored: the last response's headers
// are the truth, so Pct, ObservedAt and CostPerCall come from whichever
// was observed later (on a tie, the higher Pct and update's CostPerCall; a
// CostPerCall of 0, not learned yet, keeps the stored one), and
// BlockedUntil is the later of the two, since a throttle any client saw
// holds the budget for all. InFlight is stored's.
func MergeUsage(stored, update UsageState) UsageState {
	out := stored
	switch {
	case update.ObservedAt.After(stored.ObservedAt):
		out.Pct, out.ObservedAt = update.Pct, update.ObservedAt
		if update.CostPerCall > 0 {
			out.CostPerCall = update.CostPerCall
		}
	case update.ObservedAt.Equal(stored.ObservedAt):
		out.Pct = max(stored.Pct, update.Pct)
		if update.CostPerCall > 0 {
			out.CostPerCall = update.CostPerCall
		}
	}
	if update.BlockedUntil.After(out.BlockedUntil) {
		out.BlockedUntil = update.BlockedUntil
	}
	return out
}

// UsageStore keeps usage state. Implementations must be safe for concurrent
// use; backing one with a shared database or cache lets several processes
// that use the same tokens see one view. Load reports ok=false for unknown
// keys. A store several clients share should implement SharedUsageStore.
type UsageStore interface {
	Load(ctx context.Context, key UsageKey) (state UsageState, ok bool, err error)
	Store(ctx context.Context, key UsageKey, state UsageState) error
}

// SharedUsageStore is a UsageStore that several clients share, in one
// process or in several (a database, a cache). The scheduler then uses
// these batch methods instead of Load and Store, so a request costs one
// LoadShared and one UpdateShared when it is admitted and one of each when
// its answer arrives, each covering all the budgets the request counts
// against. Concurrent updates merge instead of overwriting each other: the
// newest observation of a budget wins (MergeUsage), and each client's
// requests in flight are counted apart, so the estimate every client makes
// between responses adds up the others' calls.
//
// owner names one client's scheduler (random, fixed for the client's life).
type SharedUsageStore interface {
	UsageStore
	// LoadShared returns the known states of keys; a key missing from the
	// map is unknown. Each state's InFlight is the sum of the in-flight
	// counts of the owners other than owner. A store may leave out the
	// counts of an owner that has not updated them for a while (a process
	// that died) and the states observed longer ago than Meta's window.
	LoadShared(ctx context.Context, owner string, keys []UsageKey) (map[UsageKey]UsageState, error)
	// UpdateShared applies one change of owner: each of u.States is merged
	// into the stored state with MergeUsage, and owner's in-flight counts
	// are set to u.InFlight unless an update of owner with a higher Seq was
	// applied already.
	UpdateShared(ctx context.Context, owner string, u UsageUpdate) error
}

// UsageUpdate is one change a client makes to a SharedUsageStore.
type UsageUpdate struct {
	// Seq orders the updates of one owner: in-flight counts from an update
	// that arrives after one with a higher Seq are stale and ignored.
	Seq uint64
	// InFlight is the owner's number of requests in flight per budget,
	// replacing the owner's previous count for each key given.
	InFlight map[UsageKey]int
	// States are the budgets' new states, to merge with MergeUsage.
	States map[UsageKey]UsageState
}

// MemoryUsageStore is the in-process UsageStore used by default. It is a
// SharedUsageStore: clients of one process that share one (through
// WithUsageStore) pace their calls together.
type MemoryUsageStore struct {
	mu       sync.Mutex
	m        map[UsageKey]UsageState
	inFlight map[UsageKey]map[string]inFlightCount
}

type inFlightCount struct {
	n   int
	seq uint64
}

// NewMemoryUsageStore returns an empty in-memory store.
func NewMemoryUsageStore() *MemoryUsageStore {
	return &MemoryUsageStore{m: make(map[UsageKey]UsageState), inFlight: make(map[UsageKey]map[string]inFlightCount)}
}

// Load implements UsageStore; InFlight counts every owner.
func (s *MemoryUsageStore) Load(_ context.Context, key UsageKey) (UsageState, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.loadLocked(key, "", true)
	return st, ok, nil
}

// Store implements UsageStore: it merges st as UpdateShared does.
func (s *MemoryUsageStore) Store(_ context.Context, key UsageKey, st UsageState) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mergeLocked(key, st)
	return nil
}

// LoadShared implements SharedUsageStore.
func (s *MemoryUsageStore) LoadShared(_ context.Context, owner string, keys []UsageKey) (map[UsageKey]UsageState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[UsageKey]UsageState, len(keys))
	for _, k := range keys {
		if st, ok := s.loadLocked(k, owner, false); ok {
			out[k] = st
		}
	}
	return out, nil
}

// UpdateShared implements SharedUsageStore.
func (s *MemoryUsageStore) UpdateShared(_ context.Context, owner string, u UsageUpdate) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, st := range u.States {
		s.mergeLocked(k, st)
	}
	for k, n := range u.InFlight {
		m := s.inFlight[k]
		if m == nil {
			m = map[string]inFlightCount{}
			s.inFlight[k] = m
		}
		if c, ok := m[owner]; ok && c.seq > u.Seq {
			continue
		}
		m[owner] = inFlightCount{n: n, seq: u.Seq}
	}
	return nil
}

// loadLocked returns key's state with the in-flight counts of the owners
// other than owner (of all owners with all); ok when the state or a count
// is known.
func (s *MemoryUsageStore) loadLocked(key UsageKey, owner string, all bool) (UsageState, bool) {
	st, ok := s.m[key]
	st.InFlight = 0
	for o, c := range s.inFlight[key] {
		if (all || o != owner) && c.n > 0 {
			st.InFlight += c.n
			ok = true
		}
	}
	return st, ok
}

func (s *MemoryUsageStore) mergeLocked(key UsageKey, st UsageState) {
	st.InFlight = 0
	if old, ok := s.m[key]; ok {
		st = MergeUsage(old, st)
	}
	s.m[key] = st
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
	out := UsageBudgets{Budgets: c.sched.loadAll(ctx, keys)}
	for _, st := range out.Budgets {
		out.Max = math.Max(out.Max, st.Pct)
	}
	return out, nil
}
