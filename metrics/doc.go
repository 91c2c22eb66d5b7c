// Package metrics computes advertising metrics and statistics as pure
// functions over raw counts.
//
// It has no dependencies outside the standard library, does no I/O, reads
// no clock and keeps no mutable state, so it can be used on insights rows
// from the Meta API (see package metaads), on CSV exports or on warehouse
// rows alike.
//
// # Units
//
// Counts are int64 numbers of events. Money is int64 minor units of the
// account currency, as the Marketing API reports it (cents for USD, yen for
// JPY; see Money below). Rates are fractions, never percents: a CTR of
// 0.012 is 1.2%. Cost metrics (CPC, CPM, CPA, ...) are float64 minor units.
// ROAS and frequency are plain ratios. Durations are milliseconds.
//
// [Unit] names these units ("count", "money", "fraction", "ratio",
// "milliseconds", plus "hours" and "days" for durations the metrics do not
// use); it is the one unit type of the SDK: rules evidence and analysis
// figures carry it too, as the same JSON strings.
//
// Every ratio returns (value float64, ok bool). ok is false exactly when
// the denominator is zero or negative (a negative count is invalid input);
// the value is then 0. A result is never NaN or Inf: any quotient of int64
// values is finite.
//
//	ctr, ok := metrics.CTR(clicks, impressions)
//	if !ok {
//		// no impressions: CTR is undefined, not zero
//	}
//
// # Aggregation and reach
//
// Rates over many rows are ratios of sums, never averages of ratios: the
// CTR of a week is Σclicks / Σimpressions. Sum the rows with [Sum] or
// [Counts.Add], then derive. Sums saturate at the int64 limits instead of
// wrapping around; [Counts.Validate] reports negative and saturated fields.
//
// Reach is not additive: the same person counted on Monday and on Tuesday
// is one person for the week. A sum of rows carries the summed reach as an
// upper bound and sets ReachSummed; reach-based metrics (frequency, CPP,
// reach efficiency, unique CTR, engagement rate by reach) are undefined on
// it when computed through the registry or [Derive]. Query the window's
// de-duplicated reach from the API (one row for the whole window) and set
// it with [Counts.WithWindowReach].
//
// Action types outside the fixed fields of [Counts] (add to cart, custom
// conversions, ...) ride beside it in [Actions], so the hot path stays
// fixed-size and allocation-free.
//
// # Metric registry
//
// Every metric has a snake_case name, a [Unit], a direction of improvement
// and a one-line definition. [LookupMetric] resolves a name (as written in
// a rule spec) and [Metric.Value] computes it from a Counts
// ([Metric.ValueOf] from a *Counts, without copying it, for hot loops such
// as a rule engine over many entities); [AllMetrics] lists them all. The raw counts are metrics too (impressions, spend, ...).
// Ratio metrics also expose their parts ([Metric.Parts]: clicks and
// impressions for ctr) and their [RatioKind], and [Metric.Interval] gives
// the confidence interval that fits the kind (Wilson for proportions,
// gamma-Poisson for costs per result), which statistical rule gates need.
//
//	m, ok := metrics.LookupMetric("cost_per_link_click")
//	v, defined := m.Value(counts)
//
// # Derived metrics and campaign statistics
//
// Beyond the core rates the package has the seed system's enhanced metrics:
// reach efficiency, engagement rate with a named denominator
// ([EngagementBase]), profit and profit margin with an optional gross
// margin, value per conversion, ROAS (the conversion value / cost ratio),
// and the video metrics (view rate, cost per view, ThruPlay rate, cost per
// ThruPlay, hook, hold and completion rates). Meta's relevance diagnostics
// parse into the ordered [Ranking] type. [CampaignStatistics] summarises
// many entities: totals, each entity's [Derived] metrics, and the
// distribution across entities (mean, median, p10, p90, spend-weighted
// mean) of CPA, ROAS, CTR, CPM, frequency and profit margin; its input is
// one [EntityTotals] (id, name and counts over the period) per entity.
//
// # Levels
//
// [Level] names a level of the ad hierarchy (account, campaign, ad set,
// ad) with the Marketing API's spellings. It is the one level type of the
// SDK: insights queries (package metaads), rule specs and snapshot
// entities (package rules) and the analysis pass all use it, so a level
// read from one passes to the others unconverted.
//
// # Statistics
//
// Small samples lie. The package has the tools that decisions need:
// [WilsonInterval] for a proportion, [TwoProportionZTest] and the Bayesian
// [ProbabilityBBeatsA] (computed, not simulated, for any [BetaPrior], to
// 1e-12 by an exact series or, with every posterior parameter from 2^16
// on, to 1e-10 by an Edgeworth expansion; about a microsecond a call for
// counts in the thousands) to compare two ads, [CostPerResultInterval] (gamma-Poisson) for CPA (its quantiles,
// [CostPerResultQuantiles], can be computed once per result count and
// reused across entities), [BenjaminiHochberg]
// to control the false discovery rate over many comparisons (168
// hour-of-week cells), and [LinearTrend] for a slope with its standard
// error (fatigue). They rest on carefully implemented special functions
// ([NormalQuantile], the regularized incomplete beta and gamma functions)
// that stay accurate for counts in the millions; the tests check them
// against values computed independently at high precision (the tables in
// testdata, with the script that computes them). Invalid arguments give
// ok == false, never a panic.
//
// # Budget pacing
//
// [PacingRatio] is spend over the spend a linear plan expects by now
// (budget × the share of the period elapsed): 1 is on plan. [DailyPacing]
// uses the share of the calendar day elapsed in the account's time zone
// ([DayElapsed], which knows 23- and 25-hour days), [LifetimePacing] the
// share of the flight elapsed ([PeriodElapsed]). Like the ratios they
// return ok == false when the expected spend is zero: no budget, an empty
// flight, or the very start of the period. A day runs from its first
// instant, [DayStart], which is not always local midnight: where a
// daylight-saving change skips midnight (America/Santiago, Asia/Beirut and
// others move their clocks from 00:00 to 01:00) the day starts at 01:00
// and has 23 hours; [DayBounds] gives both ends. Build "today" windows
// with them rather than with time.Date(y, m, d, 0, 0, 0, 0, loc), which
// on such days may return an instant of the day before.
//
// # Money
//
// Money stays in int64 minor units, so sums are exact. [Currency] knows
// each ad account currency's offset (100 for USD and EUR, 1 for JPY, KRW
// and the other zero-decimal currencies of Meta's table), parses exact
// decimal strings with [Currency.ParseAmount] ("123.45" → 12345, no
// floating point) and formats amounts for display with [Currency.Format].
package metrics
