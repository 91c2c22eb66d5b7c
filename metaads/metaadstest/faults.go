package metaadstest

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// FaultKind is a kind of injected failure.
type FaultKind int

// Fault kinds.
const (
	// FaultHTTP500 answers HTTP 500 with a Graph error, code 2, is_transient.
	FaultHTTP500 FaultKind = iota + 1
	// FaultCode1 answers code 1 "An unknown error occurred", is_transient (HTTP 500).
	FaultCode1
	// FaultCode2 answers code 2 "Service temporarily unavailable", is_transient (HTTP 503).
	FaultCode2
	// FaultDataLimit answers code 100, subcode 1487534: "Please reduce the
	// amount of data you're asking for, then retry your request".
	FaultDataLimit
	// FaultHTML answers HTTP 502 with an HTML page instead of JSON, as a
	// proxy in front of the API can.
	FaultHTML
	// FaultMalformedJSON answers HTTP 200 with a truncated JSON body.
	FaultMalformedJSON
	// FaultSlow waits Delay (through WithSleep) and then serves normally.
	FaultSlow
	// FaultDrop closes the connection without a response. Served in
	// process through Handler, where there is no connection to close, it
	// aborts the handler with http.ErrAbortHandler (which net/http servers
	// recover from); a batch item gets null.
	FaultDrop
	// FaultExpireToken expires the request's token and answers 190/463, the
	// token expiring in the middle of paging.
	FaultExpireToken
	// FaultThrottle answers a throttling error: Code and Subcode (default
	// 80004/2446079) with estimated_time_to_regain_access = RegainMinutes.
	FaultThrottle
	// FaultError answers an arbitrary Graph error: Status, Code, Subcode,
	// Message, Transient.
	FaultError
	// FaultBatchNull makes a batch item's slot null (the operation "did not
	// complete"); it matches the item's method and relative URL.
	FaultBatchNull
	// FaultReportFailed makes an async report run created by the matching
	// POST .../insights end in "Job Failed". The run's error_code and
	// error_subcode are Code and Subcode (default -2/2490547 "report
	// failed"); use -3/1504045 for a report too large, 2/1504043 for an
	// intermittent failure, or any pair of reference §5. error_message is
	// Message, or the documented text of a known pair.
	FaultReportFailed
	// FaultReportSkipped makes it end in "Job Skipped".
	FaultReportSkipped
)

// Fault is a failure to inject into matching requests.
type Fault struct {
	// Method matches the HTTP method ("" any).
	Method string
	// Path matches the path after the version ("" matches any path):
	//
	//   - "/act_1/insights" matches that path exactly;
	//   - a trailing "*" matches a prefix: "/act_1*" matches "/act_1/ads";
	//   - a leading "*" matches a suffix: "*/insights" matches the insights
	//     edge of any node, including an async run's result reads
	//     "/{run_id}/insights", but not the polls "GET /{run_id}";
	//   - a segment "{name}" matches exactly one non-empty path segment:
	//     "/{run}/insights" matches "/123/insights" but neither
	//     "/act_1/campaigns/insights" nor "/123" (it also matches a node's
	//     own edge such as "/act_1/insights"); it combines with a leading
	//     or trailing "*" ("*/{id}/insights", "/{id}/*").
	//
	// A "*" anywhere else is an error of InjectFault.
	Path string
	// Match, when set, must also return true for the fault to apply. It
	// gets the request's method, its path after the version (as Path
	// matches it) and its parameters (query and form merged, without
	// access_token and appsecret_proof; a copy). Use it to place a fault by
	// what a request carries rather than by the order requests arrive in,
	// which concurrent clients do not fix: a results page after the first
	// (params.Has("after")) of one report run, the report-run POST of one
	// time_range. Skip and Count count the requests it matched; it is not
	// called once the fault has fired Count times. It runs with the
	// server's lock held, so it must be quick and must not call the Server.
	Match func(method, path string, params url.Values) bool
	// Kind is the failure to inject; it is required.
	Kind FaultKind
	// Skip lets this many matching requests through before the fault fires.
	Skip int
	// Count is how many times the fault fires (0 means once; -1 forever).
	Count int
	// Delay is the wait of FaultSlow.
	Delay time.Duration

	Status        int    // FaultError
	Code          int    // FaultError, FaultThrottle, FaultReportFailed
	Subcode       int    // FaultError, FaultThrottle, FaultReportFailed
	Message       string // FaultError, FaultReportFailed
	Transient     bool   // FaultError
	RegainMinutes int    // FaultThrottle
}

type faultRec struct {
	Fault
	skip, left int
}

// InjectFault adds a fault. Faults are matched in the order added; the first
// matching one that still has firings left applies. Deterministic: the n-th
// matching request always gets the same treatment.
func (s *Server) InjectFault(f Fault) error {
	if f.Kind < FaultHTTP500 || f.Kind > FaultReportSkipped {
		return fmt.Errorf("metaadstest: InjectFault: unknown kind %d", f.Kind)
	}
	if f.Skip < 0 || f.Count < -1 {
		return errors.New("metaadstest: InjectFault: Skip must be >= 0 and Count >= -1")
	}
	if f.Kind == FaultSlow && f.Delay <= 0 {
		return errors.New("metaadstest: InjectFault: FaultSlow needs a positive Delay")
	}
	if f.Kind == FaultError && f.Code == 0 {
		return errors.New("metaadstest: InjectFault: FaultError needs a Code")
	}
	if f.Kind == FaultReportFailed && f.Code == 0 && (f.Subcode != 0 || f.Message != "") {
		return errors.New("metaadstest: InjectFault: FaultReportFailed with a Subcode or Message needs a Code (such as -3 with subcode 1504045)")
	}
	if err := checkPathPattern(f.Path); err != nil {
		return fmt.Errorf("metaadstest: InjectFault: %w", err)
	}
	left := f.Count
	if left == 0 {
		left = 1
	}
	s.mu.Lock()
	s.faults = append(s.faults, &faultRec{Fault: f, skip: f.Skip, left: left})
	s.mu.Unlock()
	return nil
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	s.faults = nil
	s.mu.Unlock()
}

func (f *faultRec) matches(method, path string, params url.Values) bool {
	if f.Method != "" && !strings.EqualFold(f.Method, method) {
		return false
	}
	if !matchPath(f.Path, path) {
		return false
	}
	if f.Match == nil {
		return true
	}
	p := make(url.Values, len(params))
	for k, v := range params {
		if k != "access_token" && k != "appsecret_proof" {
			p[k] = append([]string(nil), v...)
		}
	}
	return f.Match(method, path, p)
}

// checkPathPattern validates a Fault.Path (see its documentation).
func checkPathPattern(pattern string) error {
	if pattern == "" {
		return nil
	}
	core, suffix := strings.CutPrefix(pattern, "*")
	core, _ = strings.CutSuffix(core, "*")
	switch {
	case strings.Contains(core, "*"):
		return fmt.Errorf("Fault.Path %q: \"*\" is allowed only as the first or last character (suffix or prefix match)", pattern)
	case core == "" && suffix:
		return nil // "*" or "**": any path
	case !suffix && !strings.HasPrefix(core, "/"):
		return fmt.Errorf("Fault.Path %q must start with / (the part after the version, like /act_1/insights) or with */ for a suffix", pattern)
	}
	for _, seg := range strings.Split(core, "/") {
		open, closed := strings.Contains(seg, "{"), strings.Contains(seg, "}")
		if !open && !closed {
			continue
		}
		if len(seg) < 3 || seg[0] != '{' || seg[len(seg)-1] != '}' || strings.Count(seg, "{") != 1 || strings.Count(seg, "}") != 1 {
			return fmt.Errorf("Fault.Path %q: a wildcard must be a whole segment like {id}, got %q", pattern, seg)
		}
	}
	return nil
}

// matchPath reports whether path matches a valid Fault.Path pattern.
func matchPath(pattern, path string) bool {
	if pattern == "" {
		return true
	}
	core, suffix := strings.CutPrefix(pattern, "*")
	core, prefix := strings.CutSuffix(core, "*")
	if !strings.Contains(core, "{") {
		switch {
		case suffix && prefix:
			return strings.Contains(path, core)
		case suffix:
			return strings.HasSuffix(path, core)
		case prefix:
			return strings.HasPrefix(path, core)
		}
		return path == core
	}
	pat, segs := strings.Split(core, "/"), strings.Split(path, "/")
	// A prefix pattern ends at a segment boundary of its last segment;
	// anything may follow. A suffix pattern lines up with the path's end.
	switch {
	case len(segs) < len(pat):
		return false
	case suffix && prefix:
		for off := 0; off+len(pat) <= len(segs); off++ {
			if matchSegs(pat, segs[off:off+len(pat)], true, true) {
				return true
			}
		}
		return false
	case suffix:
		return matchSegs(pat, segs[len(segs)-len(pat):], true, false)
	case prefix:
		return matchSegs(pat, segs[:len(pat)], false, true)
	}
	return len(segs) == len(pat) && matchSegs(pat, segs, false, false)
}

// matchSegs matches pattern segments against as many path segments. With
// openStart the first pattern segment may be the tail of a longer segment;
// with openEnd the last may be the head of one (the "*" of a suffix or
// prefix pattern sits there).
func matchSegs(pat, segs []string, openStart, openEnd bool) bool {
	for i, p := range pat {
		s := segs[i]
		if len(p) > 2 && p[0] == '{' && p[len(p)-1] == '}' {
			if s == "" {
				return false
			}
			continue
		}
		switch {
		case i == 0 && openStart && i == len(pat)-1 && openEnd:
			if !strings.Contains(s, p) {
				return false
			}
		case i == 0 && openStart:
			if !strings.HasSuffix(s, p) {
				return false
			}
		case i == len(pat)-1 && openEnd:
			if !strings.HasPrefix(s, p) {
				return false
			}
		default:
			if s != p {
				return false
			}
		}
	}
	return true
}

// takeFault consumes and returns the first firing fault of one of kinds
// matching the request (nil when none). Caller holds s.mu.
func (s *Server) takeFault(method, path string, params url.Values, want func(FaultKind) bool) *Fault {
	for _, f := range s.faults {
		if f.left == 0 || !want(f.Kind) || !f.matches(method, path, params) {
			continue
		}
		if f.skip > 0 {
			f.skip--
			continue
		}
		if f.left > 0 {
			f.left--
		}
		ff := f.Fault
		return &ff
	}
	return nil
}

func isRequestFault(k FaultKind) bool { return k <= FaultError }

// applyFault serves an injected fault for the call; it reports whether the
// response has been written.
func (s *Server) applyFault(c *call, hdr http.Header) bool {
	s.mu.Lock()
	f := s.takeFault(c.r.Method, c.path, c.params, isRequestFault)
	s.mu.Unlock()
	if f == nil {
		return false
	}
	w := c.w
	switch f.Kind {
	case FaultHTTP500:
		s.writeError(w, &apiError{Status: 500, Code: 2, Transient: true, Message: "An unexpected error has occurred. Please retry your request later."}, hdr)
	case FaultCode1:
		s.writeError(w, &apiError{Status: 500, Code: 1, Transient: true, Message: "An unknown error occurred"}, hdr)
	case FaultCode2:
		s.writeError(w, &apiError{Status: 503, Code: 2, Transient: true, Message: "Service temporarily unavailable"}, hdr)
	case FaultDataLimit:
		s.writeError(w, &apiError{Code: 100, Subcode: 1487534, Message: "Please reduce the amount of data you're asking for, then retry your request",
			UserTitle: "Too much data", UserMsg: "Please reduce the amount of data you're asking for, then retry your request"}, hdr)
	case FaultHTML:
		s.writeHeaders(w, hdr)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte("<!DOCTYPE html><html><head><title>Error</title></head><body><h1>502 Bad Gateway</h1><p>Sorry, something went wrong.</p></body></html>"))
	case FaultMalformedJSON:
		s.writeHeaders(w, hdr)
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"data":[{"id":"1","name":"trunc`))
	case FaultSlow:
		if err := s.cfg.sleep(c.r.Context(), f.Delay); err != nil {
			return true
		}
		return false
	case FaultDrop:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return true
			}
		}
		panic(http.ErrAbortHandler) // batch items and recorders: abort the response
	case FaultExpireToken:
		s.mu.Lock()
		if rec := s.tokens[tokenKey(c.token)]; rec != nil {
			rec.expireAt(s.now())
		}
		s.mu.Unlock()
		s.writeError(w, errTokenExpired(s.now().Add(-time.Second).UTC().Format("Monday, 02-Jan-06 15:04:05 MST")), hdr)
	case FaultThrottle:
		e := throttleError(2, c.bucType)
		if f.Code != 0 {
			e.Code, e.Subcode = f.Code, f.Subcode
		}
		regain := f.RegainMinutes
		if regain <= 0 {
			regain = 1
		}
		e.Data = map[string]any{"estimated_time_to_regain_access": regain}
		s.writeError(w, e, hdr)
	case FaultError:
		s.writeError(w, &apiError{Status: f.Status, Code: f.Code, Subcode: f.Subcode, Message: f.Message, Transient: f.Transient}, hdr)
	}
	return true
}
