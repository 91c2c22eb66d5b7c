package metaadstest

import (
	"net/http"
	"time"
)

// reportRun is an async insights job (reference §5). Its result is computed
// when it is created; polling advances it one step per poll (see
// WithReportRunPolls), so tests need no sleeps.
type reportRun struct {
	id, account string
	polls       int
	steps       int
	final       string
	res         rendered
	created     time.Time
	completed   time.Time
	dateStart   string
	dateStop    string
	failure     runFailure // of a run that ends in "Job Failed"
}

// runFailure is the error a failed run reports.
type runFailure struct {
	code, subcode      int
	message, title, us string
}

// runFailures are the documented async report errors (reference §5). The
// messages are the fake's own wording: clients branch on the codes.
var runFailures = map[[2]int]runFailure{
	{-2, 2490547}: {message: "The report failed to run.", title: "Report failed", us: "The report could not be generated. Please try again."},
	{-3, 1504045}: {message: "The report is too large to generate. Please reduce the date range or the number of objects in the report.",
		title: "Report too large", us: "Please reduce the amount of data in your report, then try again."},
	{2, 1504043}:   {message: "An intermittent error occurred while generating the report. Please try again.", title: "Report failed", us: "Please try again."},
	{2, 1504041}:   {message: "The report has invalid breakdowns.", title: "Invalid breakdowns", us: "Please change the breakdowns of the report."},
	{2, 1504042}:   {message: "The report has invalid custom metrics.", title: "Invalid custom metrics", us: "Please change the metrics of the report."},
	{4, 1504022}:   {message: "There have been too many calls from this app. Please try again later.", title: "Too many requests", us: "Please try again later."},
	{4, 1504039}:   {message: "There have been too many calls from this app. Please try again later.", title: "Too many requests", us: "Please try again later."},
	{100, 3191001}: {message: "You do not have permission to see this report.", title: "Permission error", us: "Ask an admin of the ad account for access."},
}

// failureOf returns the failure a FaultReportFailed asks for.
func failureOf(f *Fault) runFailure {
	code, sub := f.Code, f.Subcode
	if code == 0 {
		code, sub = -2, 2490547
	}
	out, ok := runFailures[[2]int{code, sub}]
	if !ok {
		out = runFailure{message: "The report failed to run.", title: "Report failed", us: "The report could not be generated."}
	}
	out.code, out.subcode = code, sub
	if f.Message != "" {
		out.message = f.Message
	}
	return out
}

// createReportRun serves POST /{object}/insights.
func (s *Server) createReportRun(c *call, id string) (any, *apiError) {
	res, e := s.prepareInsights(c, id)
	if e != nil {
		return nil, e
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	run := &reportRun{id: s.st.newID("run"), account: s.st.accountOf(id), steps: s.cfg.reportPolls, final: "Job Completed", res: res, created: now}
	if f := s.takeFault(http.MethodPost, c.path, c.params, func(k FaultKind) bool { return k == FaultReportFailed || k == FaultReportSkipped }); f != nil {
		run.final = map[FaultKind]string{FaultReportFailed: "Job Failed", FaultReportSkipped: "Job Skipped"}[f.Kind]
		if f.Kind == FaultReportFailed {
			run.failure = failureOf(f)
		}
	}
	ar := s.st.accounts[run.account]
	if q, e := parseInsightsQuery(c.params, 0, ar.loc, dayOf(ar.CreatedTime, ar.loc), now); e == nil && len(q.ranges) > 0 {
		run.dateStart, run.dateStop = dayString(q.ranges[0].since), dayString(q.ranges[len(q.ranges)-1].until)
	}
	s.runs[run.id] = run
	return map[string]string{"report_run_id": run.id}, nil
}

func (s *Server) runByID(id string) *reportRun {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.runs[id]
}

// status returns the run's state after poll number n.
func (r *reportRun) status(n int) (string, int) {
	if n > r.steps {
		if r.final == "Job Completed" {
			return r.final, 100
		}
		return r.final, 100 * (r.steps - 1) / max(r.steps, 1)
	}
	switch {
	case n <= 1:
		return "Job Not Started", 0
	case n == 2:
		return "Job Started", 0
	case n == r.steps:
		return "Job Running", 100 // "100% but still running"
	}
	return "Job Running", 100 * (n - 2) / (r.steps - 1)
}

var reportRunFields = []string{"id", "account_id", "async_status", "async_percent_completion", "date_start", "date_stop", "time_ref",
	"time_completed", "is_running", "error_code", "error_message", "error_subcode", "error_user_title", "error_user_msg"}

// pollRun serves GET /{run_id}. Caller holds s.mu.
func (s *Server) pollRun(r *reportRun, fields []string) (any, *apiError) {
	r.polls++
	st, pct := r.status(r.polls)
	if (st == "Job Completed" || st == "Job Failed" || st == "Job Skipped") && r.completed.IsZero() {
		r.completed = s.now()
	}
	all := map[string]any{"id": r.id, "account_id": r.account, "async_status": st, "async_percent_completion": pct,
		"date_start": r.dateStart, "date_stop": r.dateStop, "time_ref": r.created.Unix(),
		"is_running": st == "Job Not Started" || st == "Job Started" || st == "Job Running"}
	if !r.completed.IsZero() {
		all["time_completed"] = r.completed.Unix()
	}
	if st == "Job Failed" {
		f := r.failure
		all["error_code"] = f.code
		if f.subcode != 0 {
			all["error_subcode"] = f.subcode
		}
		all["error_message"] = f.message
		all["error_user_title"] = f.title
		all["error_user_msg"] = f.us
	}
	if len(fields) == 0 {
		return all, nil
	}
	out := map[string]any{"id": r.id}
	for _, f := range fields {
		if !containsStr(reportRunFields, f) {
			return nil, errUnknownField(f, "AdReportRun")
		}
		if v, ok := all[f]; ok {
			out[f] = v
		}
	}
	return out, nil
}

func containsStr(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// runInsights serves GET /{run_id}/insights once the run has completed.
func (s *Server) runInsights(c *call, r *reportRun) (any, *apiError) {
	s.mu.Lock()
	st, _ := r.status(r.polls)
	ok := c.tok.canUseAccount(r.account)
	s.mu.Unlock()
	if !ok {
		return nil, errUnsupported(c.r.Method, r.id)
	}
	switch st {
	case "Job Completed":
		return s.insightsPage(c, r.res)
	case "Job Failed":
		return nil, &apiError{Code: 2, Subcode: 1504043, Transient: true, Message: "The report failed; create a new report run."}
	case "Job Skipped":
		return nil, errParam("The report run was skipped (expired); create a new report run")
	}
	return nil, errParam("Report run %s is not complete yet (%s); poll it until async_status is Job Completed", r.id, st)
}
