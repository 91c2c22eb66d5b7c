package cli

import (
	"github.com/adpilot/adpilot/analysis"
	"github.com/adpilot/adpilot/analysis/anthropic"
	"github.com/adpilot/adpilot/analysis/openai"
)

// llmAnalyzer builds the pass's analyzer: the heuristic, or an LLM
// provider behind the fallback decorator (a failure, a refusal or
// --llm-timeout gives the heuristic's result, with the failure recorded in
// Result.Failures).
func (o *options) llmAnalyzer() (analysis.Analyzer, error) {
	if o.analyzer == "heuristic" || o.analyzer == "" {
		if o.model != "" || o.llmBaseURL != "" {
			return nil, usagef("--model and --llm-base-url are for --analyzer openai or anthropic")
		}
		return analysis.Heuristic{}, nil
	}
	if o.model == "" {
		return nil, usagef("--analyzer %s needs --model", o.analyzer)
	}
	if o.llmTimeout <= 0 {
		return nil, usagef("--llm-timeout %s: want a positive duration", o.llmTimeout)
	}
	var primary analysis.Analyzer
	switch o.analyzer {
	case "openai":
		opts := []openai.Option{}
		if o.openAIKey != "" {
			opts = append(opts, openai.WithAPIKey(o.openAIKey))
		}
		if o.llmBaseURL != "" {
			opts = append(opts, openai.WithBaseURL(o.llmBaseURL))
		} else if o.openAIKey == "" {
			return nil, usagef("--analyzer openai needs %s (or --llm-base-url for a server without keys)", envOpenAIKey)
		}
		if o.httpClient != nil {
			opts = append(opts, openai.WithHTTPClient(o.httpClient))
		}
		a, err := openai.New(o.model, opts...)
		if err != nil {
			return nil, usageError{err}
		}
		primary = a
	case "anthropic":
		if o.anthropicKey == "" {
			return nil, usagef("--analyzer anthropic needs %s", envAnthropicKey)
		}
		opts := []anthropic.Option{anthropic.WithAPIKey(o.anthropicKey)}
		if o.llmBaseURL != "" {
			opts = append(opts, anthropic.WithBaseURL(o.llmBaseURL))
		}
		if o.httpClient != nil {
			opts = append(opts, anthropic.WithHTTPClient(o.httpClient))
		}
		a, err := anthropic.New(o.model, opts...)
		if err != nil {
			return nil, usageError{err}
		}
		primary = a
	default:
		return nil, usagef("--analyzer %q: want heuristic, openai or anthropic", o.analyzer)
	}
	return analysis.Fallback{Primary: analysis.Timeout{Analyzer: primary, After: o.llmTimeout}, Secondary: analysis.Heuristic{}}, nil
}
