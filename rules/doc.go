// Package rules is a declarative optimization rule engine for Meta ad
// campaigns: rules are data (JSON a person can edit), [Compile] checks them
// and reports every problem at once, [RuleSet.Evaluate] turns a snapshot of
// campaigns, ad sets and ads into decisions with their evidence, and an
// [Executor] applies the decisions through an [Actuator] with safeguards
// and an idempotent [Ledger].
//
// It does what Meta's own automated rules do (a window per condition,
// comparisons of a metric with another metric or a budget, hour and
// weekday conditions) and what they cannot: OR groups and negated groups,
// statistical gates, conditions on what the rules did before, windows such
// as the launch week, and safeguards such as weekly caps, learning-phase
// skips and cooldowns on pauses and notifications.
//
// Evaluation is pure. It reads only the [Snapshot] (the time comes in as
// Snapshot.Now, the past actions as Snapshot.History) and has no network and
// no clock, so the same snapshot always gives the same decisions and tests
// need no fakes. Side effects live behind [Actuator]; the
// github.com/adpilot/adpilot/rules/metaactuator package implements it over
// the metaads client.
//
// # Entities and the types they share
//
// An [Entity] is one campaign, ad set or ad. Its Level is a metrics.Level
// (the level type of the whole SDK; rules act on every level but the
// account), its counts are metrics.Counts per [Window], and
// [Entity.Totals] gives the metrics.EntityTotals of one window that
// metrics.CampaignStatistics summarises. This package imports only
// metrics, so the ad account is a string in the Graph form "act_123"
// (Entity.Account, Snapshot.Account, Decision.Account, Change.Account):
// it is metaads.AccountID.String(), and metaads.ParseAccountID reads it
// back (as rules/metaactuator does).
//
// # Spec format
//
// A document holds rules; each names a level ("campaign", "adset" or
// "ad"), an optional filter, a condition tree, an action and safeguards:
//
//	{"rules": [{
//	  "id": "cpa-bleeder", "level": "adset", "live": false,
//	  "filter": {"objective": ["OUTCOME_SALES"], "name_contains": "prospecting"},
//	  "conditions": {"all": [
//	    {"min_data": {"window": "last_7d", "conversions": 10}},
//	    {"metric": "cpa", "window": "last_7d", "op": ">=", "value": 4500},
//	    {"metric": "cpa", "window": "last_7d", "op": ">", "value": 3000, "confidence": 0.9}
//	  ]},
//	  "action": {"type": "scale_budget", "percent": -20},
//	  "safeguards": {"cooldown": "72h", "max_executions": 2, "execution_window": "7d", "min_budget": 1000}
//	}]}
//
// Metric names come from the metrics registry (metrics.LookupMetric:
// "spend", "cpa", "link_ctr", "roas", "frequency", ...). Values are in the
// metric's unit: money in minor units of the account currency (4500 is
// 45.00), fractions as fractions (0.01 is 1%). [Compile] rejects a
// threshold in the wrong unit ("ctr" above 2.5 looks like a percent), an
// unknown metric or window, a bad operator, a missing window and
// contradictory safeguards, each problem with its JSON path:
//
//	rules[2].conditions.all[1].metric: unknown metric "cpx"; expected one of "impressions", ...
//
// Documents are untrusted, so they are bounded: at most 1 MiB of JSON,
// 1,000 rules, 1,000 condition nodes per rule and condition trees 32
// levels deep; [Compile] reports the first 200 problems.
//
// [ParseSpec] reads JSON strictly: unknown keys, repeated keys (JSON
// decoding would keep the last, so a second "kill_switch" or "live" could
// switch a safeguard unseen) and numbers too small to represent (1e-400
// would round a confidence to 0, turning its gate off) are problems, all
// reported at once with their paths; [DefaultLibrary] builds a ready Spec
// in Go.
//
// # Windows
//
// Each metric condition names its window (see [Window]): "today" (so far,
// through Snapshot.Now), "yesterday", "last_3d", "last_7d", "last_14d" and
// "last_30d" (complete days, today excluded: conversions arrive late, so
// cost rules should use them), "lifetime", "launch_7d" (the first week, a
// fatigue baseline), "previous_7d" (the week before last), "baseline_7d"
// (a reference week the caller chooses, such as the best one) and the
// single complete days "day_2" to "day_7" (2 to 7 days ago; yesterday is
// "yesterday"), so that "each of the last 3 days" is exact. The snapshot
// carries a [metrics.Counts] per window and entity; rates are computed from
// those sums, never averaged. A condition on a window the entity lacks, or
// on a metric whose denominator is zero, is unknown: rules use three-valued
// logic and fire only when the tree is true, so missing data never acts.
//
// # Currency, conversion event and snapshot checks
//
// Money in a document is in minor units of one currency. Spec.Currency
// (Params.Currency for the library) names it, and the rule set then
// refuses a snapshot in another currency ([ErrCurrencyMismatch]): 3000 is
// $30.00 in USD and 30 yen in JPY. Spec.ConversionEvent (the action type
// the targets are for, such as "lead") binds every rule that reads
// conversions (conversions, cpa, roas, profit, a min_data conversions
// gate, ...): it skips entities whose Entity.ConversionEvent differs, so
// a purchase target never judges a lead campaign. Snapshot.TimeZone and
// Snapshot.Account, when set, make Evaluate refuse a Now outside the
// account's time zone and an entity of another (or no) account.
//
// # Coverage
//
// An evaluation with no decisions must be told apart from one without
// data: [Evaluation] reports, per rule ([RuleCoverage]), how many entities
// of its level it saw, skipped (filter, status, conversion event),
// evaluated, fired on, found not met and could not decide, with the
// reasons of the undecided ("no counts for last_7d", "frequency over
// last_7d needs de-duplicated reach", "no learning stage").
//
// # Conditions
//
// A condition is exactly one of:
//   - "all", "any" or "not" groups, nested freely;
//   - a comparison: "metric" over "window", or an entity "field"
//     (daily_budget, lifetime_budget, budget, bid_amount, age_hours,
//     hours_since_edit, flight_elapsed, daily_pacing, lifetime_pacing,
//     learning_phase), with "op" (>, >=, <, <=, ==, !=, between, outside)
//     against a "value", a "range" or "than": another metric or field
//     times a factor (spend today > 1.75 x daily_budget; cpa over last_3d >
//     1.3 x cpa over last_14d);
//   - a statistical gate: a comparison with "confidence", which compares
//     the conservative bound of the interval from the metrics package (the
//     Wilson interval of a proportion, the gamma-Poisson credible interval
//     of a cost per result) instead of the point value, so a rule waits for
//     evidence;
//   - "hours" (hour of day of Snapshot.Now, [from, to), wrapping midnight)
//     or "weekdays";
//   - "min_data": minimum impressions, clicks, spend or conversions over a
//     window, and a minimum age;
//   - "recent_action": what the rules did to the entity lately (the revive
//     rule unpauses only what a rule paused).
//
// # Messages
//
// A rule's "message" (required for notify) is text with placeholders, and
// nothing else: {{.Rule}} (the rule's name), {{.Entity}} (the entity's
// name), {{.EntityID}}, {{.Level}} and {{.Evidence}} (the met conditions in
// words), with optional spaces inside the braces. Rule documents are
// untrusted, so messages are not text/template programs: functions,
// pipelines, range, if, with and template are compile errors, a template
// is at most 2,000 bytes and a rendered message at most 4,000 (longer ones
// are cut and end with "…").
//
// # Safeguards
//
// Every decision lists the safeguards that allowed or blocked it:
//   - cooldown: the minimum time between applied actions of a rule on one
//     entity; max_executions within execution_window;
//   - min_budget and max_budget clamp budget changes; max_step_percent caps
//     one change; max_week_percent caps the increase over 7 days from the
//     budget (or bid) before the first change of the week to it, by any
//     rule;
//   - learning: protect and scale rules skip entities in the learning
//     phase unless "allow"; a rule with action "freeze" blocks all
//     non-safety rules of the entity for the run;
//   - one mutation per entity per run, chosen by precedence
//     safety > protect > scale > notify (the earlier rule on a tie);
//   - a cap on the changes to one entity per 24 hours by all rules
//     (Spec.MaxDailyChanges; safety rules exempt);
//   - a kill switch in the document (Spec.KillSwitch) and in the executor
//     ([WithKillSwitch]);
//   - dry run by default: a rule acts only when "live" is true, and an
//     executor with [WithDryRun] never acts.
//
// # Execution and the ledger
//
// [Executor.Execute] applies each allowed, live decision through the
// [Actuator] and records every attempt in the [Ledger] ([MemoryLedger] by
// default; use a persistent one in production). Decision ids are
// deterministic (rule, entity, action, target value and Snapshot.Now).
// Before each change the executor claims the decision id in the ledger
// ([Ledger.Claim], atomic), and it skips an id whose latest entry is
// applied, pending or of unknown outcome, so retrying a run after a partial
// failure applies only what definitely failed, and executors sharing a
// ledger never apply one decision twice. An Actuator error wrapping
// [ErrOutcomeUnknown] (transport errors, 5xx answers) or a cancelled
// context leaves the outcome unknown ([OutcomeUnknown]): such a change
// counts for cooldowns and caps and is not repeated; the next evaluation,
// on a fresh snapshot showing the entity as it is, decides again. A failed
// change does not stop the others:
// Execute returns the full [ExecutionReport] and an error joining one [*ActionError]
// per failure. Feed the ledger back with [History] as Snapshot.History so
// cooldowns and caps hold across runs.
//
// # Default library
//
// [DefaultLibrary] returns the reference rule set, parameterised by
// [Params] (target CPA or ROAS, gross margin, audience type, overspend
// allowance, budget bounds, ...): zero-conversion stop-loss, confirmed
// loser, daily hard cap, CPA bleeder, ROAS below break-even (both confirmed
// by the credible interval of the cost per result), scale winner,
// revive after late conversions, learning-phase freeze, creative fatigue
// (Meta's definition), CTR decay against launch, frequency saturation, CPM
// surge (against the week before last, with no budget or bid change in
// the last 3 days), daily overspend guard (ad sets and CBO campaigns),
// lifetime pacing, under-delivery and
// learning-limited watch. Its rules are dry runs unless Params.Live.
//
// # Export
//
// [RuleSet.ExportMeta] translates the rules Meta's automated rules can run
// into adrules_library specs (evaluation_spec, execution_spec,
// schedule_spec; [MetaRule.Form] gives the POST parameters, and
// rules/metaactuator creates them through metaads) and lists, with its
// JSON path and a reason, every part of a rule they cannot express.
//
// What Meta can express is exported: each condition keeps its window as a
// time-preset prefix (last_3d_cost_per over a LAST_7D rule), single days
// are differences of presets (day_2 is last_2d_spent - yesterday_spent),
// a metric against another metric or a budget is a formula field
// (yesterday_spent / daily_budget), the negation of one comparison
// reverses its operator, hour and weekday conditions at the top of a rule
// become a CUSTOM schedule, previous_7d is LAST_ND_14_8, ROAS is
// website_purchase_roas or mobile_app_purchase_roas when the conversions
// are those purchases ([ExportConversion]), and notifications go to the
// users of [ExportNotify]. Numbers are plain decimals; >= on whole numbers
// is > v-1, == on a budget the range [v-0.5, v+0.5] (numeric metadata has
// no EQUAL).
//
// What Meta refuses is not exported: cooldowns and execution caps exist
// only on budget and bid changes, so a pause rule loses them with a note,
// a daily notification too (it repeats at each run), and a notification
// that runs every half hour is refused; cost conditions at ad set and ad
// level only with budget and bid changes (error 2703; for notifications
// from field reports); budgets only on ad sets (daily_ratio_spent on
// campaigns is refused), with a filter daily_budget > 0 (or lifetime
// budget, bid) so that Meta skips ad sets without one, as the engine does. What Meta lacks makes a rule unsupported: "any"
// groups, negated groups, statistical gates, ledger conditions, windows
// with no preset (launch_7d, baseline_7d, day_4 to day_6), fields Meta
// does not read, set-to-value actions, freezes, weekly caps and the
// learning-phase skip ("learning": "allow" exports a rule without it). A
// rule reading conversions under Spec.ConversionEvent that pauses or
// changes budgets needs an objective or id filter: Meta cannot read an ad
// set's conversion event.
//
// An exported rule's notes say what Meta does differently; Exact tells
// whether Meta selects the same entities on the same data, and Warnings
// what to fix before creating it.
package rules
