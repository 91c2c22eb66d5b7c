package rules

// TEMPORARY until metrics lands its statistics. DELETE.
func wilsonTMP(s, n int64, c float64) (float64, float64, bool) {
	if n <= 0 {
		return 0, 0, false
	}
	p := float64(s) / float64(n)
	return p * 0.9, p * 1.1, true
}
func costTMP(s, n int64, c float64) (float64, float64, bool) {
	if n <= 0 {
		return 0, 0, false
	}
	p := float64(s) / float64(n)
	return p * 0.8, p * 1.25, true
}
