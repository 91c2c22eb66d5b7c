package llm

import "github.com/adpilot/adpilot/analysis"

type analysisResult struct{ g *Grounded }

func (r *analysisResult) result() *analysis.Result {
	return &analysis.Result{Summary: r.g.Summary, Recommendations: r.g.Recommendations, Dropped: r.g.Dropped}
}
