// Package openai is an adpilot analyzer on OpenAI's chat-completions API
// (github.com/openai/openai-go/v3), and on every server that speaks it:
// Ollama, vLLM, llama.cpp. It is its own module, so the SDK's
// dependencies stay out of the core module.
//
// [New] returns an [llm.Analyzer]: the prompt, the reply parser with one
// repair turn and the grounding check of package analysis/llm over this
// package's [Model]. The base URL, the model and the key are options;
// nothing is read from the environment (the SDK's openai.NewClient reads
// OPENAI_API_KEY and OPENAI_BASE_URL; this package builds the
// chat-completions service from the options alone).
//
// The reply is asked for as a strict JSON schema ([OutputJSONSchema],
// OpenAI's structured outputs); servers without it take
// [OutputJSONObject] or [OutputText], where the schema in the prompt
// guides the model and the parser accepts a Markdown fence. A refusal,
// a rate limit, a refused key, a timeout and a server failure are
// [*llm.ProviderError] values matching the llm error kinds; token usage
// is in Result.Usage.
package openai
