package anthropic_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/adpilot/adpilot/analysis/anthropic"
	"github.com/adpilot/adpilot/analysis/llm/llmtest"
)

// An analyzer on Anthropic's Messages API (here an httptest stand-in
// that answers like it): the model, the key from the caller (sent in
// x-api-key) and, for a gateway or a test, the base URL.
func ExampleNew() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/messages" || r.Header.Get("X-Api-Key") != "sk-ant-example" {
			http.Error(w, `{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}`, http.StatusUnauthorized)
			return
		}
		text, _ := json.Marshal(llmtest.GoodReply())
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[{"type":"text","text":%s}],
"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":9000,"output_tokens":700}}`, text)
	}))
	defer srv.Close()

	a, err := anthropic.New("claude-sonnet-4-5", anthropic.WithAPIKey("sk-ant-example"), anthropic.WithBaseURL(srv.URL))
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := a.Analyze(context.Background(), llmtest.Input())
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range res.Recommendations {
		fmt.Printf("%d. %s (%s %s)\n", r.Rank, r.Title, r.Entity.Level, r.Entity.ID)
	}
	fmt.Println("tokens:", res.Usage.InputTokens, res.Usage.OutputTokens)
	// Output:
	// 1. Cut the budget of ad set Loser by 20% (adset s2)
	// 2. Refresh the creative of Broad - Ad 1 (ad a1)
	// 3. Keep Broad US 25-54 running (adset s1)
	// tokens: 9000 700
}
