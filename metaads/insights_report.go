package metaads

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math"
	"math/rand/v2"
	"net/url"
	"strconv"
	"time"

	"github.com/adpilot/adpilot/internal/wire"
)

// AsyncStatus is the async_status of a report run.
type AsyncStatus string

// Report run statuses. Only JobCompleted means the results are ready: a
// run can report 100% while still "Job Running".
const (
	JobNotStarted AsyncStatus = "Job Not Started"
	JobStarted    AsyncStatus = "Job Started"
	JobRunning    AsyncStatus = "Job Running"
	JobCompleted  AsyncStatus = "Job Completed"
	JobFailed     AsyncStatus = "Job Failed"
	JobSkipped    AsyncStatus = "Job Skipped"
)

// Report run outcomes for errors.Is on a *ReportRunError.
var (
	// ErrReportFailed: the run ended in "Job Failed".
	ErrReportFailed = errors.New("metaads: insights report run failed")
	// ErrReportSkipped: the run ended in "Job Skipped" (expired or dropped by
	// Meta); starting it again is the remedy.
	ErrReportSkipped = errors.New("metaads: insights report run skipped")
	// ErrReportTimeout: Wait gave up on a run that did not finish within
	// PollOptions.Timeout (a stalled run; starting it again is the remedy).
	ErrReportTimeout = errors.New("metaads: insights report run did not finish in time")
)

// ReportRunError reports a run that ended in "Job Failed" or "Job
// Skipped", with Meta's error fields. It matches ErrReportFailed or
// ErrReportSkipped, and also ErrDataLimit when Meta says the report is too
// large and ErrTransient when Meta calls the failure intermittent.
type ReportRunError struct {
	ID          string      // the report run id
	Account     AccountID   // the ad account of the run
	Status      AsyncStatus // JobFailed or JobSkipped
	Code        int         // error_code (such as -2 or 2); 0 when Meta gave none
	Subcode     int         // error_subcode (such as 1504045 "too large")
	Message     string      // error_message, for developers
	UserTitle   string      // error_user_title, localized
	UserMessage string      // error_user_msg, localized
}

// Error describes the failure.
func (e *ReportRunError) Error() string {
	msg := fmt.Sprintf("metaads: insights report run %s of %s: %s", e.ID, e.Account, e.Status)
	if e.Code != 0 || e.Subcode != 0 {
		msg += fmt.Sprintf(" (code %d subcode %d)", e.Code, e.Subcode)
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

// Is classifies the failure by status, code and subcode.
func (e *ReportRunError) Is(target error) bool {
	switch target {
	case ErrReportFailed:
		return e.Status == JobFailed
	case ErrReportSkipped:
		return e.Status == JobSkipped
	case ErrDataLimit:
		return e.Subcode == 1504045 || e.Subcode == 1487534 || (e.Code == 1 && e.Subcode == 99)
	case ErrTransient:
		return e.Status == JobSkipped || e.Subcode == 1504043 || e.Code == 2 && e.Subcode == 0
	}
	return false
}

// ReportRun is an asynchronous insights job (an AdReportRun). Its ID is
// all a restarted process needs to resume: keep it, and rebuild the run
// with [InsightsService.ResumeReport]. Run ids expire after 30 days.
//
// The status fields are a snapshot from the last Refresh or Wait. A
// ReportRun is not safe for concurrent use.
type ReportRun struct {
	ID              string      // report_run_id: keep it to resume
	Account         AccountID   // the ad account whose token polls the run
	Status          AsyncStatus // async_status at the last poll
	PercentComplete int         // async_percent_completion (0-100); not a completion signal
	DateStart       string      // the run's date range, "YYYY-MM-DD"
	DateStop        string      // last day of the range, included
	// Err is the failure of a run that ended in Failed or Skipped.
	Err *ReportRunError

	s *InsightsService
}

// StartReport starts an asynchronous insights job for the ad account
// (POST act_{id}/insights) with the same parameters as a synchronous
// query. It validates p first and sends nothing when p is invalid.
//
// Starting a run is a write: it is retried only when the error proves Meta
// did not take it (a throttle), never after a failure that may have
// created a run.
func (s *InsightsService) StartReport(ctx context.Context, acct AccountID, p InsightsParams) (*ReportRun, error) {
	if err := s.check(acct); err != nil {
		return nil, err
	}
	form, err := p.Values()
	if err != nil {
		return nil, err
	}
	var out struct {
		ID wire.Int64 `json:"report_run_id"`
	}
	if _, err := s.c.Do(ctx, &Request{Method: "POST", Path: acct.String() + "/insights", Account: acct, Form: form}, &out); err != nil {
		return nil, err
	}
	if out.ID <= 0 {
		return nil, fmt.Errorf("metaads: starting an insights report for %s: the response carries no report_run_id", acct)
	}
	return &ReportRun{ID: fmt.Sprint(int64(out.ID)), Account: acct, Status: JobNotStarted, s: s}, nil
}

// ResumeReport returns a handle on an existing run, for a process that
// kept the run id (for example across a restart). Call Refresh or Wait to
// learn its state.
func (s *InsightsService) ResumeReport(acct AccountID, id string) (*ReportRun, error) {
	if err := s.check(acct); err != nil {
		return nil, err
	}
	if _, err := wire.ParseInt([]byte(id)); err != nil || id == "" || id[0] == '-' {
		return nil, fmt.Errorf("metaads: report run id %q: %w: want the numeric report_run_id", id, ErrInvalidParameter)
	}
	return &ReportRun{ID: id, Account: acct, s: s}, nil
}

// Done reports whether the run is finished: completed, failed or skipped.
func (r *ReportRun) Done() bool {
	return r.Status == JobCompleted || r.Status == JobFailed || r.Status == JobSkipped
}

// Refresh reads the run's status. It returns the run's *ReportRunError
// when the run has failed or was skipped.
func (r *ReportRun) Refresh(ctx context.Context) error {
	if r == nil || r.s == nil {
		return errors.New("metaads: Refresh on a ReportRun not made by StartReport or ResumeReport")
	}
	var st pollReply
	q := url.Values{"fields": {"id,account_id,async_status,async_percent_completion,date_start,date_stop,error_code,error_subcode,error_message,error_user_title,error_user_msg"}}
	if _, err := r.s.c.Do(ctx, &Request{Path: r.ID, Account: r.Account, Query: q, BusinessUseCase: "ads_insights"}, &st); err != nil {
		return err
	}
	return r.apply(&st)
}

// pollReply is the answer to a report-run poll.
type pollReply struct {
	Status       AsyncStatus  `json:"async_status"`
	Percent      wire.Float64 `json:"async_percent_completion"`
	DateStart    string       `json:"date_start"`
	DateStop     string       `json:"date_stop"`
	ErrorCode    wire.Int64   `json:"error_code"`
	ErrorSubcode wire.Int64   `json:"error_subcode"`
	ErrorMessage string       `json:"error_message"`
	UserTitle    string       `json:"error_user_title"`
	UserMessage  string       `json:"error_user_msg"`
}

// apply records a poll's answer; it returns the run's error when the run
// failed or was skipped. The percentage is clamped to 0-100 (a NaN or a
// value beyond int would otherwise become garbage).
func (r *ReportRun) apply(st *pollReply) error {
	pct := float64(st.Percent)
	switch {
	case !(pct > 0):
		pct = 0
	case pct > 100:
		pct = 100
	}
	r.Status, r.PercentComplete, r.DateStart, r.DateStop = st.Status, int(pct), st.DateStart, st.DateStop
	r.Err = nil
	if r.Status == JobFailed || r.Status == JobSkipped {
		r.Err = &ReportRunError{ID: r.ID, Account: r.Account, Status: r.Status, Code: int(st.ErrorCode),
			Subcode: int(st.ErrorSubcode), Message: st.ErrorMessage, UserTitle: st.UserTitle, UserMessage: st.UserMessage}
		return r.Err
	}
	return nil
}

// PollOptions controls how Wait polls a report run. The zero value polls
// after 1s, growing by 1.5x with 20% jitter to at most 30s, and tolerates
// 5 consecutive failed polls (transient errors, throttles).
type PollOptions struct {
	Initial    time.Duration // first wait (default 1s)
	Max        time.Duration // longest wait (default 30s)
	Multiplier float64       // growth per poll (default 1.5; at least 1)
	// MaxPollErrors is how many polls in a row may fail with a transient,
	// throttling or data-limit error before Wait gives up (default 5).
	MaxPollErrors int
	// Timeout, when positive, bounds the total time Wait spends waiting
	// between polls; a run still unfinished then is reported as stalled
	// with ErrReportTimeout. Zero waits as long as ctx allows.
	Timeout time.Duration
	// MaxThrottleWait bounds how long throttles are waited out in a row. A
	// poll refused with a *RateLimitError that names a wait (RetryAfter,
	// at most MaxHold) is sent again after that wait, even when the wait is
	// longer than the client retries through by itself
	// (WithMaxThrottleRetryWait, the quota-wait cap), as long as the
	// throttle waits since the last successful poll add up to at most
	// MaxThrottleWait; a throttle that does not fit counts as a failed poll
	// (MaxPollErrors). Such waits count neither toward Timeout nor toward
	// MaxPollErrors. Blocks that Meta's code itself marks (ErrQuotaBlocked:
	// 368, an ad-account score block, ...) are never waited out.
	// [InsightsService.Run] applies the same bound to creating runs and to
	// reading their results. Default one hour (Meta's budgets regain over a
	// rolling hour); a negative value waits out no throttle.
	MaxThrottleWait time.Duration
}

// defaultMaxThrottleWait is PollOptions.MaxThrottleWait's default.
const defaultMaxThrottleWait = time.Hour

// throttleRetryAfter returns the wait a throttle names when err is one to
// wait out: a *RateLimitError with a RetryAfter whose Meta error, if any,
// is not a block by its code.
func throttleRetryAfter(err error) (time.Duration, bool) {
	var rl *RateLimitError
	if !errors.As(err, &rl) || rl.RetryAfter <= 0 || rl.Err != nil && rl.Err.Is(ErrQuotaBlocked) {
		return 0, false
	}
	return min(rl.RetryAfter, MaxHold), true
}

// throttleWaiter waits out the throttles met by one request in a row,
// within a total (PollOptions.MaxThrottleWait).
type throttleWaiter struct {
	max    time.Duration // negative: wait out none
	waited time.Duration // since the last success
	sleep  func(context.Context, time.Duration) error
}

func (s *InsightsService) throttleWaiter(o PollOptions) *throttleWaiter {
	return &throttleWaiter{max: o.withDefaults().MaxThrottleWait, sleep: s.wait}
}

// wait waits out err when it is a throttle that fits in what is left of
// the bound, and reports whether it did (the request should be sent
// again). It returns false, and does not wait, for any other error, a
// throttle that does not fit or one that lasts beyond ctx's deadline, and
// false when ctx ends during the wait.
func (w *throttleWaiter) wait(ctx context.Context, err error) bool {
	if w == nil {
		return false
	}
	d, ok := throttleRetryAfter(err)
	if !ok || w.max < 0 || w.waited+d > w.max {
		return false
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
		return false // ctx ends first: the throttle is the answer now
	}
	if w.sleep(ctx, d) != nil {
		return false
	}
	w.waited += d
	return true
}

// reset starts a new series of throttles (the request succeeded).
func (w *throttleWaiter) reset() {
	if w != nil {
		w.waited = 0
	}
}

// Validate reports options that cannot describe a polling schedule: a
// Multiplier that is NaN or infinite, or negative durations or counts.
func (o PollOptions) Validate() error {
	switch {
	case math.IsNaN(o.Multiplier) || math.IsInf(o.Multiplier, 0):
		return fmt.Errorf("metaads: PollOptions.Multiplier %v: %w: want a finite number >= 1 (0 for the default 1.5)", o.Multiplier, ErrInvalidParameter)
	case o.Initial < 0 || o.Max < 0 || o.Timeout < 0:
		return fmt.Errorf("metaads: PollOptions durations (Initial %v, Max %v, Timeout %v): %w: want durations >= 0 (0 for the defaults)", o.Initial, o.Max, o.Timeout, ErrInvalidParameter)
	case o.MaxPollErrors < 0:
		return fmt.Errorf("metaads: PollOptions.MaxPollErrors %d: %w: want a count >= 0 (0 for the default 5)", o.MaxPollErrors, ErrInvalidParameter)
	}
	return nil
}

// nextDelay grows d by the multiplier, within [Initial, Max] whatever the
// multiplier's size.
func (o PollOptions) nextDelay(d time.Duration) time.Duration {
	return o.clamp(float64(d) * o.Multiplier)
}

// clamp converts a delay in nanoseconds to a Duration in [Initial, Max].
func (o PollOptions) clamp(ns float64) time.Duration {
	if !(ns < float64(o.Max)) { // also NaN and +Inf
		return o.Max
	}
	return max(time.Duration(ns), o.Initial)
}

func (o PollOptions) withDefaults() PollOptions {
	if o.Initial <= 0 {
		o.Initial = time.Second
	}
	if o.Max <= 0 {
		o.Max = 30 * time.Second
	}
	if o.Max < o.Initial {
		o.Max = o.Initial
	}
	if o.Multiplier < 1 {
		o.Multiplier = 1.5
	}
	if o.MaxPollErrors <= 0 {
		o.MaxPollErrors = 5
	}
	if o.MaxThrottleWait == 0 {
		o.MaxThrottleWait = defaultMaxThrottleWait
	}
	return o
}

// wait sleeps for d or until ctx ends.
func (s *InsightsService) wait(ctx context.Context, d time.Duration) error {
	if s.sleep != nil {
		return s.sleep(ctx, d)
	}
	return s.c.wait(ctx, d)
}

// Wait polls until the run is "Job Completed" (nil), fails or is skipped
// (its *ReportRunError), ctx ends (ctx's error), or polls keep failing. A
// run at 100% that still reports "Job Running" is not done. Waits grow
// with backoff and jitter, and every wait ends when ctx does.
func (r *ReportRun) Wait(ctx context.Context, o PollOptions) error {
	if ctx == nil {
		return errNilContext("ReportRun.Wait")
	}
	if r == nil || r.s == nil {
		return errors.New("metaads: Wait on a ReportRun not made by StartReport or ResumeReport")
	}
	if err := o.Validate(); err != nil {
		return err
	}
	tw := r.s.throttleWaiter(o)
	o = o.withDefaults()
	delay := o.Initial
	pollErrs := 0
	var waited time.Duration
	for {
		err := r.Refresh(ctx)
		switch {
		case err == nil && r.Status == JobCompleted:
			return nil
		case err == nil:
			pollErrs = 0
			tw.reset()
		case r.Err != nil:
			return err
		case ctx.Err() != nil:
			return fmt.Errorf("metaads: waiting for report run %s: %w", r.ID, ctx.Err())
		case tw.wait(ctx, err) || ctx.Err() != nil:
			continue // waited out a throttle: poll again now (or report ctx's end)
		case errors.Is(err, ErrTransient) || errors.Is(err, ErrRateLimited) || errors.Is(err, ErrDataLimit):
			// A failed poll says nothing about the run (a data-limit
			// answer to a status read is not the run being too large):
			// poll again, within MaxPollErrors.
			pollErrs++
			if pollErrs >= o.MaxPollErrors {
				return fmt.Errorf("metaads: waiting for report run %s: %d polls in a row failed: %w", r.ID, pollErrs, err)
			}
		default:
			return err
		}
		jittered := o.clamp(float64(delay) * (0.8 + 0.4*rand.Float64()))
		if o.Timeout > 0 && waited+jittered > o.Timeout {
			return fmt.Errorf("metaads: report run %s still %q (%d%%) after waiting %v: %w", r.ID, r.Status, r.PercentComplete, waited, ErrReportTimeout)
		}
		waited += jittered
		if err := r.s.wait(ctx, jittered); err != nil {
			return fmt.Errorf("metaads: waiting for report run %s: %w", r.ID, err)
		}
		delay = o.nextDelay(delay)
	}
}

// List returns a lazy iterator over the results of a completed run
// (GET {run}/insights), one page in memory at a time, narrowing the page
// size on data-limit errors. pageSize 0 uses 100.
func (r *ReportRun) List(ctx context.Context, pageSize int) iter.Seq2[Insight, error] {
	return func(yield func(Insight, error) bool) {
		if err := r.readable("List"); err != nil {
			yield(Insight{}, err)
			return
		}
		r.s.c.pageRows(ctx, r.rowsRequest(), pageSize, nil, func(in *Insight) bool { return yield(*in, nil) },
			func(err error) { yield(Insight{}, err) })
	}
}

// ListPage returns one page of the results of a completed run, starting
// after the cursor after ("" for the first page). pageSize 0 uses 100.
// Store Page.After to resume later (with [InsightsService.ResumeReport]).
func (r *ReportRun) ListPage(ctx context.Context, pageSize int, after string) (*Page[Insight], error) {
	if err := r.readable("ListPage"); err != nil {
		return nil, err
	}
	if pageSize < 0 {
		return nil, fmt.Errorf("metaads: ReportRun.ListPage: page size %d: want 0 (default 100) or more", pageSize)
	}
	if pageSize == 0 {
		pageSize = defaultInsightsPageSize
	}
	req := r.rowsRequest()
	req.Query.Set("limit", strconv.Itoa(pageSize))
	return r.s.c.fetchInsights(ctx, req, after)
}

// readable reports why the results of r cannot be read yet, if so.
func (r *ReportRun) readable(method string) error {
	if r == nil || r.s == nil {
		return fmt.Errorf("metaads: %s on a ReportRun not made by StartReport or ResumeReport", method)
	}
	if r.Status != JobCompleted {
		return fmt.Errorf("metaads: report run %s is %q: results are ready only after %q (call Wait)", r.ID, r.Status, JobCompleted)
	}
	return nil
}

func (r *ReportRun) rowsRequest() *Request {
	return &Request{Path: r.ID + "/insights", Account: r.Account, Query: url.Values{}, BusinessUseCase: "ads_insights"}
}
