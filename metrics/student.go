package metrics

import "math"

// StudentTTwoSided returns the two-sided p-value P(|T| >= |t|) of Student's
// t distribution with df degrees of freedom, the test of a statistic whose
// variance was estimated from the data (a slope, or a rate whose
// overdispersion was estimated from df residual degrees of freedom). df
// need not be a whole number. ok is false when t is NaN or df is not
// positive and finite; an infinite t gives 0.
func StudentTTwoSided(t, df float64) (float64, bool) {
	if math.IsNaN(t) || !(df > 0) || math.IsInf(df, 0) {
		return 0, false
	}
	return math.Min(1, math.Max(0, studentTwoSided(t, df))), true
}
