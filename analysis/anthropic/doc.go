// Package anthropic is an adpilot analyzer on Anthropic's Messages API
// (github.com/anthropics/anthropic-sdk-go/v2). It is its own module, so
// the SDK's dependencies stay out of the core module.
//
// [New] returns an [llm.Analyzer]: the prompt, the reply parser with one
// repair turn and the grounding check of package analysis/llm over this
// package's [Model]. The key, base URL and HTTP client are options;
// nothing is read from the environment (the SDK's anthropic.NewClient
// reads ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL and profile files; this
// package builds the messages service from the options alone).
//
// The reply is asked for as structured output (output_config.format
// with the reply's JSON schema, [OutputJSONSchema]) or as a forced call
// of one tool whose input schema is the reply's ([OutputTool]). A
// refusal (stop_reason refusal), a rate limit, a refused key, an
// overloaded or failing server and a timeout are [*llm.ProviderError]
// values matching the llm error kinds; token usage (cache reads
// included) is in Result.Usage.
package anthropic
