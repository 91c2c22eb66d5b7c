package openai_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"

	"github.com/adpilot/adpilot/analysis/llm/llmtest"
	"github.com/adpilot/adpilot/analysis/openai"
)

// An analyzer on a local Ollama server (here an httptest stand-in that
// answers like one): base URL, model, JSON-object output.
func ExampleNew() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id":"1","object":"chat.completion","created":1,"model":"llama3.1","choices":[{"index":0,
"message":{"role":"assistant","content":%s},"finish_reason":"stop"}],"usage":{"prompt_tokens":9000,"completion_tokens":700,"total_tokens":9700}}`,
			strconv.Quote(llmtest.GoodReply()))
	}))
	defer srv.Close()

	a, err := openai.New("llama3.1", openai.WithBaseURL(srv.URL+"/v1/"), openai.WithOutput(openai.OutputJSONObject))
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
