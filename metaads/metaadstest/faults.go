package metaadstest

import (
	"errors"
	"fmt"
	"net/http"
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
	// Path matches the path after the version, like "/act_1/insights"; a
	// trailing "*" matches a prefix; "" matches any path.
	Path string
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
	if f.Path != "" && !strings.HasPrefix(f.Path, "/") {
		return fmt.Errorf("metaadstest: InjectFault: Path %q must start with / (the part after the version)", f.Path)
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

func (f *faultRec) matches(method, path string) bool {
	if f.Method != "" && !strings.EqualFold(f.Method, method) {
		return false
	}
	if f.Path == "" {
		return true
	}
	if p, ok := strings.CutSuffix(f.Path, "*"); ok {
		return strings.HasPrefix(path, p)
	}
	return f.Path == path
}

// takeFault consumes and returns the first firing fault of one of kinds
// matching the request (nil when none). Caller holds s.mu.
func (s *Server) takeFault(method, path string, want func(FaultKind) bool) *Fault {
	for _, f := range s.faults {
		if f.left == 0 || !want(f.Kind) || !f.matches(method, path) {
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
	f := s.takeFault(c.r.Method, c.path, isRequestFault)
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
			rec.expires = s.now().Add(-time.Second)
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
