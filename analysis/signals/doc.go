// Package signals finds time-based performance patterns, creative
// fatigue, budget pacing problems, audience overlap and benchmark gaps in
// an [analysis.Dataset], and says how often each finding is wrong.
//
// Every signal function is pure: it reads the Dataset (no network, no
// clock: "now" is Dataset.CollectedAt) and returns a typed result, whose
// tables a UI can draw without recomputing anything, and the
// [analysis.Signal]s the analyzers rank. A signal carries its finding in
// one sentence, its evidence as [analysis.Figure]s (measured figures with
// the days they cover, estimates with their method; an estimate named
// [analysis.FigureMoneyAtStake] ranks it), its confidence with the
// method's measured false-alarm rate, a suggested action and, where a
// rule can act on it, a rule spec ready for rules.Compile. Its Data is the
// result (or the part of it the signal is about) as JSON.
//
//	res, err := signals.All(ds)                    // every signal
//	hours, err := signals.HourOfDay(ds)             // hours.Grid[weekday][hour]: the heatmap
//	report, err := analysis.Run(ctx, c, acct, analysis.RunOptions{Signals: signals.Func()})
//
// # The signals
//
//   - [HourOfDay]: CTR, CPC, CPM and spend share per hour and per
//     weekday-hour from the hourly rows, each cell's index against the
//     whole table with its 95% interval (Wilson for CTR, gamma for costs),
//     the best and worst windows, a recommended adset_schedule (Meta
//     applies it only to lifetime-budget ad sets with pacing_type
//     day_parting) and pause/resume rules for the others. Hourly rows carry
//     no pixel conversions, reach or video metrics (Meta's restriction),
//     so hours are judged on clicks and their cost.
//   - [DayOfWeek]: the same per weekday from the daily rows, conversion
//     metrics (CVR, CPA) included, with budget-step rules.
//   - [Seasonality]: each week against the period after the weekday
//     factors (a season, a sale), the weekday factors, and the trend of
//     each metric.
//   - [Fatigue]: per ad, a significant decline of daily link CTR since
//     launch together with a 20% drop from the launch week; the state by
//     Meta's definition (cost per result against the ad's best 7-day
//     window: limited from 1x, fatigued from 2x); frequency and CPM trends;
//     the onset day and a days-to-threshold forecast with its interval.
//   - [Pacing]: per daily or lifetime budget, spend against the spend
//     expected by now from the account's own hour-of-day spend curve,
//     projections to midnight, to Saturday (Meta's weekly ceiling of 7
//     daily budgets) and to the end of a flight, Meta's daily over-delivery
//     allowance (0.75, legacy 0.25), and a recommended daily cap.
//   - [Overlap]: per pair of running ad sets, the overlap as a share of
//     the smaller audience from their targeting (geography, age, gender,
//     interests and behaviours, custom and excluded audiences, placements,
//     devices) with its bounds, or from Meta's reach estimates of each
//     audience and of their intersection ([OverlapQueries],
//     [WithReachEstimates]); whether the pair competes in the same auction.
//   - [Benchmarks]: the account per objective against a versioned table of
//     published figures ([DefaultBenchmarks], every row with its source,
//     year and definition) and against its own previous weeks, which are
//     preferred when there are at least six. A figure of one country (the
//     US figures) is compared only with campaigns whose ad sets all target
//     that country.
//
// # Statistics, and how often a signal is wrong
//
// Time tables are tested cell by cell against each block's own rate (an
// hour against its day, a weekday against its week), so a good day is not
// read as a good hour, with the variance of the conditional multinomial
// count inflated by the measured Pearson dispersion of the two-way model
// (quasi-Poisson) and read against Student's t. Every test of one signal
// (576 for the hours: 24 hours and 168 weekday-hours, three metrics) is
// in one Benjamini-Hochberg family at a false discovery rate of 5%
// ([WithFalseDiscoveryRate]); a cell is flagged only when its adjusted
// index (against each block's own rate, Rate.Adjusted) is also at least
// 10% from 1 ([WithMinEffect]). On data with no
// pattern every flag is false, so the 5% rate bounds the chance that a
// signal flags anything at all. Fatigue tests each ad's link CTR slope
// (one-sided) under the same control across the account's ads.
//
// The false-alarm rate of each signal is measured, not assumed: on 200
// seeds of generated data with no pattern of any kind (metaadstest's
// generator; its seed is the only randomness), the share of seeds on
// which the signal flagged anything was 3 of 200 for the hour of day and
// 0 of 200 for the day of week, seasonality, fatigue, pacing, overlap
// (with reach estimates) and benchmarks. [FalseAlarmRate] states the
// one-sided 95% upper bounds of those shares (3.83% and 1.49%), and every
// Signal.Confidence carries its kind's. The tests measure them again on
// every run.
//
// Power: with 30 days of hourly rows (four whole weeks are analysed) of
// an account of about 37,000 impressions, 450 clicks and $330 of spend a
// day, a planted hour-of-day effect of amplitude 0.14 (CTR 1 + 0.14 ×
// cos(2π(h−20)/24): the best hour's CTR 1.33 times the worst's) is found,
// every flagged hour on the planted side, on 96 of 100 seeds, and one of
// 0.13 on 37 of 40 (TestHourPower). That makes 0.14 the smallest effect
// (in steps of 0.01) found 95% of the time at that volume; power grows
// with clicks (the test's variance is Poisson in them) and weeks.
//
// # Options
//
// Every function takes the same [Option]s and ignores those that do not
// concern it; a bad option is an error wrapping analysis.ErrInvalidInput
// that names it, as is a nil Dataset, a zero CollectedAt or an unknown
// time zone.
package signals
