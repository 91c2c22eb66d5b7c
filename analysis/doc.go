// Package analysis will hold the Analyzer interface that explains campaign
// performance (a deterministic heuristic default and LLM providers) together
// with time-of-day, day-of-week, fatigue, pacing and overlap signals.
//
// It is reserved in the module layout and has no API yet; it will import
// metrics, rules and, where it fetches data, metaads.
package analysis
