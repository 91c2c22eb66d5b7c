package metaadstest

type reportRun struct{ account string }
type generator struct{ seed uint64 }
type insightsCache struct{}

func newInsightsCache(int) *insightsCache { return &insightsCache{} }
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}
func (s *Server) amountSpent(string) int64                   { return 0 }
func (s *Server) spendOf(level, id string, today bool) int64 { return 0 }
func (s *Server) handleInsights(c *call, id string) (any, *apiError) {
	return nil, errUnsupported("GET", id)
}
func (s *Server) createReportRun(c *call, id string) (any, *apiError) {
	return nil, errUnsupported("POST", id)
}
func (s *Server) pollRun(r *reportRun, f []string) (any, *apiError) { return nil, nil }
func (s *Server) handleBatch(c *call) (any, *apiError)              { return nil, errParam("batch") }
