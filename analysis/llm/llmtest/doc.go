// Package llmtest holds what tests of LLM analyzers share: a small shop
// account as an [analysis.Input] whose every number is known ([Input]),
// model replies that a grounding check must pass or refuse ([Cases]),
// and [Check], which asserts what reached the Result and what was dropped
// and why. The provider modules (analysis/openai, analysis/anthropic)
// serve these replies from httptest servers that speak their APIs.
package llmtest
