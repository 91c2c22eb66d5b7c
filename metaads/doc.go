// Package metaads is a typed, concurrency-safe client for Meta's Graph and
// Marketing API.
//
// One [Client] serves every ad account of every customer at once: each
// request names the [AccountID] it is for (every account field of the
// package has that type, whether Meta sent "act_123" or the bare number
// 123), and the client picks that
// account's token, paces the request against that account's rate-limit
// budgets and retries it only when that is safe.
//
//	c, err := metaads.NewClient(
//		metaads.WithTokenProvider(metaads.StaticTokens{"act_123": token}),
//		metaads.WithAppSecret(appSecret),
//	)
//	acct := metaads.MustParseAccountID("act_123")
//	for camp, err := range c.Campaigns.List(ctx, acct, metaads.ListOptions{}) {
//		if err != nil {
//			return err
//		}
//		fmt.Println(camp.Name, camp.EffectiveStatus)
//	}
//
// # Authentication and tokens
//
// A [TokenProvider] returns the oauth2.TokenSource for an ad account; the
// client asks it on every request (and on every page of a list), so tokens
// can rotate while a pull runs. [StaticTokens] covers configuration files
// and system-user tokens; package oauth provides a provider backed by a
// token store. A [Request] may also carry its own TokenSource.
//
// The token travels in the Authorization header, never in a URL. With
// [WithAppSecret] every request also carries appsecret_proof, the hex
// HMAC-SHA256 of that request's token keyed with the app secret. Tokens,
// proofs and the app secret never appear in errors, logs, hook payloads or
// printed values: every string field of an [*Error] (message, user title
// and message, type, blame fields, fbtrace id) is scrubbed of every secret
// the call carried, wherever Meta or a proxy echoes it, together with the
// values a [Request] names in Secrets (debug_token's input_token, say).
// [Client], [StaticTokens], [Request] and [Batch] print without secrets
// through every fmt verb, slog handler and encoding/json, as values,
// through pointers, in slices and maps and in exported fields. In an
// unexported field of another struct fmt calls no method and prints fields
// by reflection: a Client, Batch or service keeps its secrets out of that
// walk too; StaticTokens and a Request, whose secrets are exported, do not.
//
// # Objects
//
// The services on the client ([Client.Accounts], [Client.Campaigns],
// [Client.AdSets], [Client.Ads], [Client.Creatives]) return typed objects:
// numeric strings become int64 (budgets in minor units of the account
// currency), statuses and objectives are typed ([Status], [EffectiveStatus],
// [Objective]), and an ad set's targeting is a [Targeting] spec. Every
// object keeps the JSON Meta sent in its Raw field, so fields added by a new
// API version are not lost. Every read names its fields the same way: the
// Fields of [GetOptions] for Get, of [ListOptions] for List and ListPage,
// and of [InsightsParams] for insights; empty Fields reads the service's
// default fields. Writes ([CampaignsService.UpdateStatus],
// [AdSetsService.UpdateBudget], ...) are validated before anything is sent.
//
// [Client.AdRules] manages Meta's automated rules (adrules_library):
// create, read, list, enable or disable, delete, and preview the objects a
// rule would act on now. Meta validates rules and refuses what it cannot
// run (error 100 naming the field, 2703 for cost conditions on ad set or
// ad pauses); package rules exports rule documents to this shape and
// rules/metaactuator creates them.
// For endpoints without a typed method, [Client.Do] is the escape hatch.
// [AccountsService.DeliveryEstimate] sizes a targeting spec's audience
// (act_{id}/delivery_estimate): Meta has no audience-overlap API, and the
// estimate of a spec requiring two audiences at once sizes their overlap.
//
// # Pagination
//
// The List methods and [List] return a lazy iter.Seq2: nothing is fetched until
// the loop starts, one page is held in memory, ctx is checked between pages,
// empty pages that still announce a next page are skipped, and a repeated
// cursor ends the loop. An error is yielded once and ends the loop. For
// checkpointing, the ListPage methods and [ListPage] return one [Page] whose
// After cursor resumes the list later. The client pages by the after
// cursor with its own credentials and never requests paging.next as given:
// Meta's next links repeat access_token when a caller sent the token in the
// query string (adpilot never does; it sends the Authorization header, so
// the links Meta writes for it carry no secret).
//
// # Batch
//
// [Client.NewBatch] collects operations for one account and
// [Batch.Do] sends them 50 per call. Each operation gets its own
// [BatchResult] (body, status, usage, error); operations Meta answers with
// null are sent again, after a backoff, when they are reads or marked
// Idempotent. When a batch call fails, the operations of that call and of
// the calls not made carry an error. Item errors and bodies never contain
// the token or appsecret_proof. The usage headers of every operation feed
// the scheduler.
//
// # Insights
//
// The Insights service reads performance data with real number types.
// InsightsParams is a value (the zero value is valid) with the level (a
// metrics.Level, the level type the rules package uses too),
// fields, date preset or time range, time increment, breakdowns, action
// breakdowns, attribution windows, filtering and page size; it is checked
// before anything is sent, and combinations Meta refuses or answers with
// zeros (reach or video metrics with hourly breakdowns, rankings below ad
// level, a date preset together with a time range) come back as errors
// matching ErrInvalidParameter. Each Insight row has counts as int64,
// money as int64 minor units of the account currency (spend "123.45" USD
// is 12345), costs per result as float64 minor units and ratios as
// fractions (Meta's ctr percentage divided by 100). Action lists (actions,
// action_values, cost_per_action_type, video lists) are typed, with
// lookups by action type and per attribution window. Insight.Counts maps a
// row onto metrics.Counts: you choose the conversion action type, and the
// purchase family (omni_purchase, purchase, the pixel names) is counted
// under one name, never summed. Insights.List streams rows one page at a
// time and, when Meta says a page is too much data, asks again for the
// same page with half the page size. Insights.ListPage gives one page and its
// cursor for callers that checkpoint.
//
// # Async reports
//
// Insights.StartReport starts a report run (POST act_{id}/insights) and
// returns a ReportRun whose exported ID is all a restarted process needs:
// Insights.ResumeReport(account, id) picks the run up again. Wait polls
// with growing, jittered waits that end with the context; only "Job
// Completed" counts as done, since a run can report 100% while still "Job
// Running". A run that ends "Job Failed" or "Job Skipped" returns a
// *ReportRunError with Meta's codes (errors.Is: ErrReportFailed,
// ErrReportSkipped, ErrDataLimit for reports that are too large), and
// PollOptions.Timeout reports a stalled run with ErrReportTimeout. A poll
// throttled for longer than the client retries through by itself is sent
// again once the throttle's wait is over, within
// PollOptions.MaxThrottleWait (one hour by default).
// ReportRun.List reads the results lazily and ReportRun.ListPage one page
// at a time.
//
// # The insights runner
//
// Insights.Run pulls a large query through report runs: it cuts a long
// time range into chunks (one run each), keeps at most MaxConcurrentJobs
// runs in flight per ad account, starts skipped, failed and stalled runs
// again, and on data-limit errors narrows in order: smaller result pages,
// then halves of the date range, then splitting by entity (campaign ids,
// then ad sets, then ads, down to the query's level). It waits out
// throttles on run creation, polls and results pages alike (a throttled
// page is read again at its cursor, with no new run), within
// PollOptions.MaxThrottleWait. Rows are neither
// lost nor repeated. OnCheckpoint reports the chunks not yet delivered,
// with their run ids; pass the saved list as RunOptions.Resume after a
// restart to continue without starting those runs again.
//
// # Rate limits
//
// Every response, errors included, updates the usage the client knows for
// each budget: the app (X-App-Usage), the ad account score
// (X-Ad-Account-Usage), each business use case per object
// (X-Business-Use-Case-Usage) and the insights throttle. The scheduler keeps
// a golang.org/x/time/rate limiter per budget that slows requests as usage
// rises past half the threshold and holds them when one more call would
// cross the threshold ([WithUsageThreshold], default 90%) or while Meta's
// regain time runs. Whether a call waits or is refused is chosen per call:
// [WithQuotaWait] sets the client default cap, [Request.MaxQuotaWait] and
// [ContextWithQuotaWait] override it; a refusal is a [*RateLimitError] with
// RetryAfter and no request sent. [Client.Usage] reads the state, and
// [WithUsageStore] puts it behind a [UsageStore]. Reset and regain times,
// and holds computed from usage far above 100%, are clamped to [MaxHold]
// (24 hours), never negative.
//
// Meta's budgets are per app, ad account and business use case, not per
// process. Clients that share a [SharedUsageStore] (one [MemoryUsageStore]
// given to several clients of a process, or a database store for several
// processes, such as the examples' examples/internal/usagestore) pace their
// calls together: the newest response's headers are the state of a budget
// for all of them ([MergeUsage]), a throttle one of them meets holds the
// budget for all, and each counts the others' requests in flight in its
// estimate between responses. A request then costs one read and one write
// of the store when admitted and one of each when answered, each covering
// all its budgets. What stays per client: the pacing limiters, the learned
// state when the store is down and the retry budget ([WithRetryBudget]).
// Each store call runs under the request's context with a short timeout;
// when the store fails the scheduler logs it once (and once more when it
// answers again) and goes on with the state this client last saw, so a
// broken store fails no request.
//
// # Retries
//
// Requests go through hashicorp/go-retryablehttp. GETs are retried on
// transport errors, 5xx, Graph codes 1 (except data-limit errors) and 2,
// is_transient, throttles whose regain time is at most
// [WithMaxThrottleRetryWait], and a 2xx whose body is not complete JSON
// (cut off in transit, like a dropped connection). Waits honour Meta's regain time first, then
// back off exponentially with jitter ([WithRetryBackoff]), and end when ctx
// ends. Writes are retried only when marked [Idempotent] or when the failure
// proves nothing happened (a throttle, or a connection never made). A
// client-wide retry budget ([WithRetryBudget]) stops retry storms.
//
// # Observing traffic
//
// [Hooks] see every attempt (request, response, retry, throttle) without
// credentials: [WithHooks] for the whole client, [ContextWithHooks] for
// the requests made with one context (the calls of one collection, for a
// progress bar or a per-customer count).
//
// # Errors
//
// Graph errors are [*Error] values carrying the HTTP status, code, subcode,
// type, messages, fbtrace id, is_transient and the usage at the time. A 200
// with an error body, or an HTML or other non-JSON body, is an error too.
// Throttles come as [*RateLimitError] wrapping the *Error; blocks (policy
// blocks, the ad-account score, budget and spend-cap change limits, and
// throttles longer than [WithMaxThrottleRetryWait]) also match
// [ErrQuotaBlocked] and are never retried. Branch with
// errors.Is on the kinds, which are derived from codes and subcodes, never
// from message text: [ErrRateLimited], [ErrQuotaBlocked], [ErrTokenInvalid],
// [ErrTokenExpired], [ErrPermission], [ErrNotFound], [ErrInvalidParameter],
// [ErrDataLimit], [ErrTransient], [ErrDeprecatedVersion], [ErrNoToken].
//
//	var apiErr *metaads.Error
//	switch {
//	case errors.Is(err, metaads.ErrTokenInvalid):
//		// ask the customer to reconnect
//	case errors.As(err, &apiErr) && apiErr.Code == 100:
//		// show apiErr.UserMessage
//	}
//
// # Testing with metaadstest
//
// Package metaadstest runs a fake Graph API on loopback with seeded
// accounts, tokens, usage budgets, fault injection and recorded requests.
// Point a client at it with [WithBaseURL](srv.URL); the examples in this
// package run against it.
package metaads
