package metaadstest

import (
	"encoding/json"
	"errors"
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

// handleBatch serves POST / with batch (reference §2): at most 50
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

func (s *Server) batchOne(c *call, it batchItem, withHeaders bool) (res *batchResult) {
	method := strings.ToUpper(it.Method)
	if method == "" {
		method = http.MethodGet
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
		return &batchResult{Code: 400, Body: string((&apiError{Code: 100, Message: "Invalid relative_url"}).body(s.fbtrace()))}
	}
	path := u.Path
	if _, after, ok := strings.Cut(strings.TrimPrefix(path, "/"), "/"); ok {
		path = "/" + after
	}
	s.mu.Lock()
	null := s.takeFault(method, path, func(k FaultKind) bool { return k == FaultBatchNull }) != nil
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
	req := httptest.NewRequest(method, u.String(), body).WithContext(c.r.Context())
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
	s.mux.ServeHTTP(rec, req)
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
