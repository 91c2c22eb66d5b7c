package llm

import (
	"fmt"
	"strings"
	"testing"

	"github.com/adpilot/adpilot/analysis/llm/llmtest"
)

// BenchmarkGroundWorst grounds about the largest reply the limits let
// through (256 KiB) on a 300-ad-set account: 100 recommendations, each
// naming 10 related ad sets and stating numbers in three text fields.
func BenchmarkGroundWorst(b *testing.B) {
	in := llmtest.Large(300)
	f, err := buildFacts(in)
	if err != nil {
		b.Fatal(err)
	}
	var recs []string
	for i := range 100 {
		var related []map[string]string
		for j := range 10 {
			related = append(related, map[string]string{"level": "adset", "id": fmt.Sprintf("set-%03d", (i*10+j)%300)})
		}
		text := strings.Repeat("ROAS 1.23 and CPA 45.67 USD over last_7d, +12.3% against previous_7d. ", 9)
		recs = append(recs, evasion{level: "adset", id: fmt.Sprintf("set-%03d", i), action: "monitor", title: "Watch", rationale: text,
			detail: text, impact: text, related: related}.json())
	}
	r, err := ParseReply(`{"summary":"` + strings.Repeat("Spend 1.00 USD. ", 60) + `","recommendations":[` + strings.Join(recs, ",") + `]}`)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		f.ground(r, defaultTolerance)
	}
}
