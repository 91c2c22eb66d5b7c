// Package llm is the provider-independent half of adpilot's LLM
// analyzers: it turns an [analysis.Input] into a prompt, a model's reply
// into recommendations, and refuses everything in the reply the data does
// not support. The provider modules (github.com/adpilot/adpilot/analysis/openai
// and .../analysis/anthropic) only implement [Model] over their vendor's
// SDK; [New] makes an analysis.Analyzer of any Model.
//
// An LLM is good at explaining and ranking and bad at arithmetic, and an
// advertiser acts on the numbers it states. So the model is told the
// facts and asked to cite them, and [Ground] checks every part of its
// reply against the Input before anything reaches a Result:
//
//   - [BuildPrompt] is a pure function of the Input: the account, the
//     goals and their priority, every campaign, ad set and ad with its
//     settings and metrics over last_7d, previous_7d, last_30d and
//     yesterday (money in major units with the currency code, rates in
//     percent, exactly as the reply must cite them), the changes against
//     the previous week, the rule decisions and signals with their
//     evidence, and the reply's JSON schema. The seed's "enhanced
//     insights" (frequency, reach efficiency, profitability first,
//     engagement quality) are in the instructions. Names and other text
//     of the account are JSON strings inside a delimited <facts> block,
//     with <, > and & escaped, so they cannot close the block or pose as
//     instructions. Large accounts are summarised to a token budget: the
//     entities the rules and signals flag first, then the others by
//     spend; the rest are counted with their share of spend.
//   - [ParseReply] decodes the reply strictly (one JSON object, a code
//     fence at most, no unknown fields); an invalid reply gets one repair
//     turn that says what was wrong, then a [*ReplyError] ([ErrBadReply]).
//   - [Ground] drops a recommendation that names an entity the Input does
//     not hold, states a number no value computed from the Input matches
//     within the tolerance (a metric, setting, goal, change between
//     windows, difference from a goal, share of the account, a number of
//     a rule decision or signal), cites evidence the data does not have
//     or misquotes it, proposes an action the entity cannot take (a budget
//     on an ad or on an ad set under a campaign budget, raising the budget
//     of an entity that is not delivering, pausing what is paused), makes a
//     change nothing in the data backs, or carries out instructions found
//     in the data. Each drop is in Result.Dropped with its reasons.
//     Evidence reaches the Result as the data's own Figures; the model's
//     predictions are kept apart as Figures with Basis estimate.
//
// Numbers are matched by what they are about: a number in a clause that
// names a metric ("ROAS 0.54", "CPA rose 86.7%") must match a value of
// that metric (a clause that names none takes the metric of the clause
// before it in its sentence), percents are held to their digits, a
// signed number to its sign, a number in a sentence that names a window
// ("over last_7d", "the previous week") to values of that window, and a
// number of a recommendation to values of its entity and of the entities
// its sentence names (by id, by name, or as "the campaign", "the
// account"). Text is normalised first, so numbers and instructions
// cannot hide behind other scripts: digits of every script, fullwidth
// forms, zero-width characters, Cyrillic and Greek look-alike letters;
// numbers in words ("half", "doubled", "ninety-three") and in scientific
// notation are numbers, and other numeric characters (½, ²) are refused.
// Actions need support that points their way: a rule that cuts a budget
// never backs raising it, and the goals are judged on the entity's own
// numbers. Evidence reaches the Result with whose value it is and over
// which window.
//
// Errors of a model call are [*ProviderError] values matching
// [ErrRateLimited], [ErrAuth], [ErrTimeout], [ErrUnavailable],
// [ErrRefused] or [ErrBadRequest] (and analysis.ErrAnalyzerUnavailable
// when the model could not be used at all), so callers and the fallback
// decorator never need a vendor's error types. Package llmtest holds the
// fixture account and the adversarial replies every provider is tested
// with.
package llm
