// Package metaadstest is an in-process fake of Meta's Graph and Marketing
// API, in the spirit of net/http/httptest. NewServer starts it on a loopback
// port; a client pointed at Server.URL cannot tell it from the real API on
// the paths adpilot uses. It shares no code with package metaads, so it
// cannot share the client's bugs: it is an independent implementation of
// the wire protocol described in Meta's documentation.
//
// # Starting a server
//
// In a test, Start starts a server and closes it when the test ends:
//
//	srv := metaadstest.Start(t, metaadstest.WithDemoBusiness())
//	tok, _ := srv.IssueToken(metaadstest.TokenSpec{UserID: metaadstest.DemoUserID})
//	// point the client at srv.URL; Graph routes live under srv.URL + "/v26.0/".
//
// From main, NewServer does the same and returns an error instead; the
// command examples/fakemeta serves a seeded fake on a fixed port for clients
// in any language.
//
// # What it serves
//
// Versioned routes ("/v26.0/..."; v25.0-v27.0 are live by default and older
// versions get error 2635; unversioned paths resolve to the oldest live
// version):
//
//   - /me, /me/adaccounts, /act_{id} and node reads /{id} for campaigns, ad
//     sets, ads and creatives, with fields selection (an unknown field is
//     error 100 naming it), limit and cursor paging (paging.next only when
//     more items follow), filtering, effective_status and summary. Field
//     expansion reads an ad's creative, adset and campaign and an ad
//     set's campaign with their own fields (fields=creative{id,name});
//     other expansions (edges such as adsets{name}) and modifiers
//     (.limit(5)) are error 100 naming what the fake expands.
//   - POST /{id} status, name and budget updates with Meta's validation
//     errors; DELETE /{id}.
//   - Ad sets report promoted_object (the pixel event: PURCHASE under a
//     sales objective, LEAD under a leads objective, AdSet.CustomEventType)
//     and, while active, learning_stage_info (AdSet.LearningStage, or
//     LEARNING for 7 days after the last significant edit and SUCCESS
//     after; its conversions are always 0). A budget change of more than
//     20%, a bid change or re-activating a paused ad set is a significant
//     edit: it sets last_sig_edit_ts and restarts learning.
//   - /{object}/insights from a seeded generator (see below), and async
//     report runs: POST /{object}/insights, GET /{run_id}, GET
//     /{run_id}/insights.
//   - Automated rules: POST and GET /act_{id}/adrules_library, GET, POST
//     (status, name or whole specs) and DELETE /{rule-id}, and POST
//     /{rule-id}/preview, which returns the entities that pass the rule's
//     filters now, computed from the same numbers insights report. A rule
//     is validated as Meta validates it (reference §8 and §8.1): unknown
//     fields, operators and keys are error 100 naming them; time-preset
//     prefixes (last_3d_cost_per), object prefixes (adset.spent) and
//     formula fields over up to 6 fields (yesterday_spent / daily_budget)
//     are understood; action_frequency and execution_count_limit only on
//     budget and bid changes; no EQUAL on numeric metadata; budget fields
//     and daily_ratio_spent on ad sets (and ads, for the ratios) only;
//     a time_preset whenever the rule reads insights, prefixed fields
//     included (a prefix overrides the rule's preset); cost conditions at
//     ad set and ad level on PAUSE rules are error 2703, and on every
//     other rule that is not a budget or bid change too (NOTIFICATION with
//     subcode 2490336; from field reports rather than Meta's
//     documentation, which say only budget and bid changes pass). Rules never run: the
//     fake neither pauses nor notifies. The preview's answer shape is
//     unverified, hours_since_creation counts whole hours, and
//     LAST_ND_14_8 is read as days 8 to 14 before today; fields Meta has
//     but the fake's data lacks (offline conversions, app events, ...) are
//     accepted in a rule and refused by its preview with error 100.
//   - GET /act_{id}/delivery_estimate?targeting_spec=... and
//     /{adset-id}/delivery_estimate: audience sizes from the fake's own
//     population model (see reachestimate.go), consistent across specs,
//     so the estimate of a spec that requires two audiences at once sizes
//     their overlap.
//   - Batch requests (POST /v26.0 with batch, at most 50 operations).
//   - OAuth: the consent page at /{v}/dialog/oauth, /oauth/access_token
//     (code exchange, fb_exchange_token, client_credentials), /debug_token,
//     GET and DELETE /me/permissions. A dialog given a PKCE code_challenge
//     (code_challenge_method S256 or plain) binds the code to it: the
//     exchange then needs the matching code_verifier (else error 100
//     "Invalid code verifier").
//
// Money is sent as Meta sends it: budgets as strings of minor units,
// insights money as decimal strings in major units, every insights number
// as a string.
//
// Limits: action_breakdowns accepts only action_type (Meta's default);
// action_device, action_destination and the others are refused with error
// 100 naming what the fake supports. POST /{id} accepts status, name,
// daily_budget, lifetime_budget and (on ad sets) bid_amount, and refuses
// any other parameter (Meta has more, such as end_time and targeting) and
// an update with none.
//
// Paging links are written as Meta writes them: paging.next and
// paging.previous repeat the request's parameters, and with them
// access_token, appsecret_proof and appsecret_time when the request sent
// the token in its query string, because Meta's own SDKs request the next
// link exactly as given. A request authenticated by the Authorization
// header (as adpilot's client always is) gets links with no secret in them.
//
// Paths and parameters are accepted as Meta accepts them: POST /v26.0 and
// POST /v26.0/ (and POST /) are the batch endpoint, GET /v26.0?ids=... the
// multi-id read; /v26.0/{id}/ is the node /v26.0/{id}, in batches too;
// every list parameter (fields, ids, effective_status, breakdowns, sort,
// action_attribution_windows, ...) is read as comma-separated values or as
// a JSON array; and the token is checked before the path, so a bad token
// answers 190 (and a missing one 104) on any path, version or method.
// What Meta's Node SDK sends, call by call, is in examples/fakemeta's
// README ("What Meta's own SDKs send"); its conformance suite runs the SDK
// against this server in CI.
//
// # Tokens and the app
//
// The fake app (WithApp, default DefaultApp) has an id, a secret, optional
// registered redirect URIs and an optional "require appsecret_proof".
// IssueToken mints a token for a user with scopes, ad accounts and a
// lifetime; ExpireToken, RevokeToken and ExpireDataAccess make later calls
// fail with code 190 and subcodes 463, 467 and 493; DELETE /me/permissions
// gives 458. Tokens are accepted in "Authorization: Bearer" and in
// access_token; the server keeps only their SHA-256.
//
// # Insights generator
//
// Rows are derived, not stored: each ad's numbers on a day come from a hash
// of (seed, ad, day), its budget and status history and the planted
// patterns; breakdowns and hours split the day's totals exactly. So the same
// seed gives the same rows, totals agree across levels, breakdowns and time
// increments, budget and status changes show in later delivery, and a
// benchmark can pull a million rows cheaply: a result is generated one time
// slice (a day, a time_increment, a month) at a time as pages ask for it
// (the first 500-row page of a 1,000,000-row pull takes about 0.1 s),
// except with sort or summary, which need every row at once.
//
// For benchmarks, WithScaleBusiness (or ScaleBusiness) seeds a business
// of any size instead of the demo: Scale{AdsPerAccount: 5000, Days: 200}
// serves 1,000,000 ad-level daily rows in one account; with
// WithRateLimits(UnthrottledRateLimits()) nothing throttles while the
// usage headers are still sent. Patterns are planted per object:
// Account.HourOfDayEffect, DayOfWeekEffect and SeasonalLift,
// AdSet.Overpace and OverlapGroup, Ad.FatigueRate. DemoBusiness plants all
// of them. The clock ("today", presets, token expiry, usage decay) comes
// from WithClock.
//
// Hours split a day's totals exactly, but not in fixed shares: each hour's
// clicks and conversions deviate from the hour curve (and the planted hour
// effect) by Poisson-sized noise drawn from the seed, as independent
// hours would, so an hour-of-day test meets realistic noise and data
// without an hour effect still varies by hour. Impressions and spend
// follow the curve without noise.
//
// The hourly breakdowns follow Meta's restrictions: reach and frequency are
// "0", unique metrics are 0, video fields are refused, and off-Meta (pixel)
// conversions (the purchase family, add_to_cart, initiate_checkout) are left
// out of actions, action_values and cost_per_action_type, with
// purchase_roas and website_purchase_roas.
//
// # Rate limits and faults
//
// Every call is counted against the app, the ad account score and the
// account's business-use-case bucket (RateLimits); usage decays over the
// window and is reported in X-App-Usage, X-Ad-Account-Usage and
// X-Business-Use-Case-Usage, on errors too. Past a budget the call fails
// with code 4, 17/2446079, 80004 or 80000 and estimated_time_to_regain_access.
// InjectFault adds deterministic failures by method, path (exact, prefix,
// suffix or {name} segment pattern, see Fault.Path), what the request
// carries (Fault.Match: a page cursor, a time_range, so that a fault lands
// on the same request whatever order concurrent clients send in) and count:
// transient 500s, codes 1 and 2, data-limit errors, HTML and malformed
// bodies, slow responses (through WithSleep), dropped connections, token
// expiry in the middle of paging, throttles, null batch items and failed
// or skipped report runs.
//
// # In-process rows
//
// Server.Rows answers an insights query with the generated rows as
// metrics.Counts, without HTTP or JSON, for tests that need hundreds of
// thousands of rows (false-alarm rates over many seeds under the race
// detector); a client's decoding of the same query over HTTP gives the
// same counts.
//
// # Inspection
//
// Requests returns the recorded requests with every secret redacted, each
// with the HTTP status of its answer and, when the answer was a Graph
// error, its code and subcode (RecordedRequest.Succeeded tells accepted
// writes from refused ones, so a test can prove a write was not sent again
// after Meta accepted it). Batch operations are recorded one by one. Usage
// returns current usage; Account, Campaign, AdSet, Ad, Objects and AdRules
// return the stored objects, so tests can assert on what a client changed.
//
// All methods are safe for concurrent use.
package metaadstest
