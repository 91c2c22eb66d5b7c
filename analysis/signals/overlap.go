package signals

// ReachEstimate is Meta's estimate of the people a targeting spec can
// reach (delivery_estimate's estimate_mau_lower_bound and _upper_bound).
type ReachEstimate struct {
	Lower int64 `json:"lower"`
	Upper int64 `json:"upper"`
}
