package llm

import (
	"testing"

	"github.com/adpilot/adpilot/analysis/llm/llmtest"
)

// TestGroundCases runs every reply of llmtest.Cases through the parser
// and the grounding check.
func TestGroundCases(t *testing.T) {
	for _, c := range llmtest.Cases() {
		t.Run(c.Name, func(t *testing.T) {
			r, err := ParseReply(c.Reply)
			if err != nil {
				t.Fatalf("ParseReply: %v", err)
			}
			g, err := Ground(llmtest.Input(), r, GroundOptions{})
			if err != nil {
				t.Fatal(err)
			}
			res := &analysisResult{g}
			llmtest.Check(t, res.result(), c)
		})
	}
}
