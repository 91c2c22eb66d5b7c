package rules

import "github.com/adpilot/adpilot/metrics"

// Statistical gates use the interval the metrics package defines for a
// metric: the Wilson interval of a proportion, the gamma-Poisson credible
// interval of a cost per result (metrics.Metric.Interval).

func hasInterval(m metrics.Metric) bool {
	return m.Kind == metrics.Proportion || m.Kind == metrics.CostPer
}

// intervalMetrics lists the metrics of a kind, for error messages.
func intervalMetrics(k metrics.RatioKind) []string {
	var out []string
	for _, m := range metrics.AllMetrics() {
		if m.Kind == k {
			out = append(out, m.Name)
		}
	}
	return out
}
