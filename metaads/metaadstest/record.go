package metaadstest

import (
	"bufio"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"time"
)

// RecordedRequest is one request the server received, with every secret
// (access token, appsecret_proof, client secret, codes) replaced by
// "REDACTED".
type RecordedRequest struct {
	Time    time.Time  // when the server received it (the server's clock)
	Method  string     // HTTP method; a batch operation's own method
	Version string     // like "v26.0"; empty for unversioned paths
	Path    string     // after the version, like "/act_1/insights"
	Params  url.Values // query and body parameters, secrets redacted
	// TokenIn says where the access token travelled: "header", "query",
	// "body" or "" (none).
	TokenIn string
	// Status is the HTTP status of the answer. It is set when the answer's
	// header is written, before the client can see it; it is 0 while no
	// answer has been started and when none was sent (FaultDrop).
	Status int
	// ErrorCode and ErrorSubcode are the Graph error's code and
	// error_subcode when the answer was an error envelope; 0 otherwise
	// (also for FaultHTML and FaultMalformedJSON, which send no envelope).
	ErrorCode    int
	ErrorSubcode int // see ErrorCode
}

// Succeeded reports whether the request was answered with a 2xx status and
// no Graph error.
func (r RecordedRequest) Succeeded() bool {
	return r.Status >= 200 && r.Status < 300 && r.ErrorCode == 0
}

// statusWriter notes the status and the Graph error of an answer in its
// recorded request when the header is written, before any byte reaches the
// client, so Requests never shows an answered request without its status.
type statusWriter struct {
	http.ResponseWriter
	s         *Server
	rec       *RecordedRequest // set by record
	written   bool
	code, sub int // the Graph error about to be written
}

func (w *statusWriter) note(status int) {
	if w.written {
		return
	}
	w.written = true
	if w.rec == nil {
		return
	}
	w.s.recMu.Lock()
	w.rec.Status, w.rec.ErrorCode, w.rec.ErrorSubcode = status, w.code, w.sub
	w.s.recMu.Unlock()
}

func (w *statusWriter) WriteHeader(status int) {
	w.note(status)
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.note(http.StatusOK)
	return w.ResponseWriter.Write(b)
}

// Hijack lets FaultDrop close the connection of a real server; the
// recorded status stays 0.
func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("metaadstest: response writer cannot be hijacked")
	}
	return hj.Hijack()
}

// Unwrap gives http.ResponseController the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// noteError tells a recording writer which Graph error is about to be
// written.
func noteError(w http.ResponseWriter, e *apiError) {
	if sw, ok := w.(*statusWriter); ok {
		sw.code, sw.sub = e.Code, e.Subcode
	}
}

var secretParams = []string{"access_token", "appsecret_proof", "client_secret", "code", "fb_exchange_token", "input_token"}

var inlineSecret = regexp.MustCompile(`(access_token|appsecret_proof|client_secret|fb_exchange_token|input_token)=[^&"\\\s]*`)

func redactParams(p url.Values) url.Values {
	out := make(url.Values, len(p))
	for k, v := range p {
		if slices.Contains(secretParams, k) {
			out[k] = []string{"REDACTED"}
			continue
		}
		vv := make([]string, len(v))
		for i, s := range v {
			vv[i] = inlineSecret.ReplaceAllString(s, "$1=REDACTED")
		}
		out[k] = vv
	}
	return out
}

// maxRecorded bounds the request log of a long-running server: past it the
// older half is forgotten.
const maxRecorded = 50000

func (s *Server) record(c *call) {
	rr := &RecordedRequest{Time: s.now(), Method: c.r.Method, Version: c.version, Path: c.path, Params: redactParams(c.params)}
	switch {
	case c.r.Header.Get("Authorization") != "":
		rr.TokenIn = "header"
	case c.r.URL.Query().Get("access_token") != "":
		rr.TokenIn = "query"
	case c.params.Get("access_token") != "":
		rr.TokenIn = "body"
	}
	s.recMu.Lock()
	if len(s.reqs) >= maxRecorded {
		s.reqs = append(s.reqs[:0], s.reqs[maxRecorded/2:]...)
	}
	s.reqs = append(s.reqs, rr)
	s.recMu.Unlock()
	if sw, ok := c.w.(*statusWriter); ok {
		sw.rec = rr
	}
	s.cfg.logger.LogAttrs(c.r.Context(), slog.LevelInfo, "metaadstest request",
		slog.String("method", rr.Method), slog.String("version", rr.Version), slog.String("path", rr.Path),
		slog.String("token_in", rr.TokenIn))
}

// Requests returns a copy of the requests received so far, oldest first.
func (s *Server) Requests() []RecordedRequest {
	s.recMu.Lock()
	defer s.recMu.Unlock()
	out := make([]RecordedRequest, len(s.reqs))
	for i, r := range s.reqs {
		out[i] = *r
		out[i].Params = cloneValues(r.Params)
	}
	return out
}

// ResetRequests forgets the recorded requests.
func (s *Server) ResetRequests() {
	s.recMu.Lock()
	s.reqs = nil
	s.recMu.Unlock()
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vv := range v {
		out[k] = slices.Clone(vv)
	}
	return out
}
