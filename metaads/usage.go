package metaads

import (
	"encoding/json"
	"net/http"
	"sort"
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
			a.ResetTimeDuration = time.Duration(w.Reset * float64(time.Second))
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
						RegainAccessIn: time.Duration(e.Regain * float64(time.Minute)),
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
