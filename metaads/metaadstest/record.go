package metaadstest

import (
	"log/slog"
	"net/url"
	"regexp"
	"slices"
	"time"
)

// RecordedRequest is one request the server received, with every secret
// (access token, appsecret_proof, client secret, codes) replaced by
// "REDACTED".
type RecordedRequest struct {
	Time    time.Time
	Method  string
	Version string     // like "v26.0"; empty for unversioned paths
	Path    string     // after the version, like "/act_1/insights"
	Params  url.Values // query and body parameters, secrets redacted
	// TokenIn says where the access token travelled: "header", "query",
	// "body" or "" (none).
	TokenIn string
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
	rr := RecordedRequest{Time: s.now(), Method: c.r.Method, Version: c.version, Path: c.path, Params: redactParams(c.params)}
	switch {
	case c.r.Header.Get("Authorization") != "":
		rr.TokenIn = "header"
	case c.r.URL.Query().Get("access_token") != "":
		rr.TokenIn = "query"
	case c.params.Get("access_token") != "":
		rr.TokenIn = "body"
	}
	s.mu.Lock()
	if len(s.reqs) >= maxRecorded {
		s.reqs = append(s.reqs[:0], s.reqs[maxRecorded/2:]...)
	}
	s.reqs = append(s.reqs, rr)
	s.mu.Unlock()
	s.cfg.logger.LogAttrs(c.r.Context(), slog.LevelInfo, "metaadstest request",
		slog.String("method", rr.Method), slog.String("version", rr.Version), slog.String("path", rr.Path),
		slog.String("token_in", rr.TokenIn))
}

// Requests returns a copy of the requests received so far, oldest first.
func (s *Server) Requests() []RecordedRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]RecordedRequest, len(s.reqs))
	for i, r := range s.reqs {
		r.Params = cloneValues(r.Params)
		out[i] = r
	}
	return out
}

// ResetRequests forgets the recorded requests.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	s.reqs = nil
	s.mu.Unlock()
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vv := range v {
		out[k] = slices.Clone(vv)
	}
	return out
}
