package metaadstest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
)

type batchItem struct {
	Method      string `json:"method"`
	RelativeURL string `json:"relative_url"`
	Body        string `json:"body"`
	Name        string `json:"name"`
	Headers     []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"headers"`
}

type batchHeader struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type batchResult struct {
	Code    int           `json:"code"`
	Headers []batchHeader `json:"headers,omitempty"`
	Body    string        `json:"body"`
}

const maxBatch = 50

// handleBatch serves POST /vX.Y, /vX.Y/ and / with batch (reference §2): at most 50
// operations, answered in order with {code, headers, body} where body is a
// JSON string; an operation matched by a FaultBatchNull fault gets null.
// Each operation is served through the full route stack, so it is recorded,
// counted for usage and subject to faults like a separate call. depends_on
// and JSONPath references are not supported.
func (s *Server) handleBatch(c *call) (any, *apiError) {
	raw := c.param("batch")
	if raw == "" {
		return nil, errParam("The parameter batch is required")
	}
	var items []batchItem
	if err := json.Unmarshal([]byte(raw), &items); err != nil {
		return nil, errParam("batch must be a JSON array of operations: %v", err)
	}
	if len(items) == 0 {
		return nil, errParam("batch must contain at least one operation")
	}
	if len(items) > maxBatch {
		return nil, errParam("Too many requests in batch message. Maximum batch size is %d", maxBatch)
	}
	withHeaders := c.param("include_headers") != "false"
	out := make([]*batchResult, len(items))
	for i, it := range items {
		if it.RelativeURL == "" {
			return nil, errParam("batch operation %d has no relative_url", i)
		}
		out[i] = s.batchOne(c, it, withHeaders)
	}
	return out, nil
}

// batchItemError is the per-item answer to an operation refused before it
// is served: HTTP 400 with a Graph error 100.
func (s *Server) batchItemError(format string, args ...any) *batchResult {
	return &batchResult{Code: http.StatusBadRequest, Body: string(errParam(format, args...).body(s.fbtrace()))}
}

// checkRelativeURL refuses a relative_url that names a scheme or a host:
// an operation addresses the Graph API it was posted to.
func checkRelativeURL(rel string) error {
	if strings.HasPrefix(rel, "//") || strings.HasPrefix(rel, `\\`) {
		return fmt.Errorf("relative_url %q must be a path relative to the Graph API, not a network path", rel)
	}
	p, _, _ := strings.Cut(rel, "?")
	if seg, _, _ := strings.Cut(p, "/"); strings.Contains(seg, ":") {
		return fmt.Errorf("relative_url %q must be a path relative to the Graph API, without a scheme or host", rel)
	}
	u, err := url.Parse(rel)
	if err != nil {
		return fmt.Errorf("relative_url %q is not a valid URL: %v", rel, err)
	}
	if u.Scheme != "" || u.Host != "" || u.User != nil {
		return fmt.Errorf("relative_url %q must be a path relative to the Graph API, without a scheme or host", rel)
	}
	return nil
}

func (s *Server) batchOne(c *call, it batchItem, withHeaders bool) (res *batchResult) {
	method := strings.ToUpper(it.Method)
	switch method {
	case "":
		method = http.MethodGet
	case http.MethodGet, http.MethodPost, http.MethodDelete:
	default:
		return s.batchItemError("Unsupported method %q in batch operation: expected GET, POST or DELETE", it.Method)
	}
	if err := checkRelativeURL(it.RelativeURL); err != nil {
		return s.batchItemError("%v", err)
	}
	rel := strings.TrimPrefix(it.RelativeURL, "/")
	if seg, _, _ := strings.Cut(rel, "/"); !versionRE.MatchString(seg) {
		v := c.version
		if v == "" {
			v = s.cfg.oldestLive
		}
		rel = v + "/" + rel
	}
	u, err := url.Parse("/" + rel)
	if err != nil {
		return s.batchItemError("Invalid relative_url %q: %v", it.RelativeURL, err)
	}
	path := u.Path
	if _, after, ok := strings.Cut(strings.TrimPrefix(path, "/"), "/"); ok {
		path = "/" + after
	}
	if len(path) > 1 {
		path = strings.TrimSuffix(path, "/") // {id}/ is {id}, as served
	}
	s.mu.Lock()
	null := s.takeFault(method, path, u.Query(), func(k FaultKind) bool { return k == FaultBatchNull }) != nil
	s.mu.Unlock()
	if null {
		return nil
	}
	var body *strings.Reader
	if method != http.MethodGet && it.Body != "" {
		body = strings.NewReader(it.Body)
	} else {
		body = strings.NewReader("")
	}
	req, err := http.NewRequestWithContext(c.r.Context(), method, u.String(), body)
	if err != nil {
		return s.batchItemError("Invalid batch operation %s %q: %v", method, it.RelativeURL, err)
	}
	// What a server would fill in for an incoming request.
	req.RemoteAddr, req.RequestURI, req.Host = c.r.RemoteAddr, u.RequestURI(), c.r.Host
	if method != http.MethodGet {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, h := range it.Headers {
		req.Header.Add(h.Name, h.Value)
	}
	itemParams, _ := url.ParseQuery(it.Body)
	if u.Query().Get("access_token") == "" && itemParams.Get("access_token") == "" && c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for _, k := range []string{"appsecret_proof", "appsecret_time"} {
		if v := c.param(k); v != "" && u.Query().Get(k) == "" && itemParams.Get(k) == "" {
			q := req.URL.Query()
			q.Set(k, v)
			req.URL.RawQuery = q.Encode()
		}
	}
	rec := httptest.NewRecorder()
	defer func() {
		if p := recover(); p != nil {
			if err, ok := p.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				res = nil // the operation did not complete
				return
			}
			panic(p)
		}
	}()
	s.root.ServeHTTP(rec, req)
	res = &batchResult{Code: rec.Code, Body: rec.Body.String()}
	if withHeaders {
		keys := make([]string, 0, len(rec.Header()))
		for k := range rec.Header() {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			for _, v := range rec.Header()[k] {
				res.Headers = append(res.Headers, batchHeader{k, v})
			}
		}
	}
	return res
}
