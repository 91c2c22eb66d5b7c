package metaadstest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Server is a running fake of the Graph and Marketing API on a loopback
// port. All methods are safe for concurrent use.
type Server struct {
	// URL is the base URL, like "http://127.0.0.1:40123", without a version.
	// Graph routes are under URL + "/v26.0/".
	URL string

	cfg  *config
	ln   net.Listener
	hs   *http.Server
	mux  *http.ServeMux
	root http.Handler // mux behind path normalization

	mu       sync.Mutex
	st       *store
	tokens   map[string]*tokenRec // by tokenKey
	codes    map[string]*authCode // by tokenKey(code)
	runs     map[string]*reportRun
	usage    *usageState
	faults   []*faultRec
	recMu    sync.Mutex // guards reqs and the records in it
	reqs     []*RecordedRequest
	gen      *generator
	cache    *insightsCache
	trace    atomic.Uint64
	closed   atomic.Bool
	serveErr chan error
}

// NewServer starts a fake on a loopback port (see WithAddr) and returns it.
// Close it when done.
func NewServer(opts ...Option) (*Server, error) {
	cfg := defaultConfig()
	for i, o := range opts {
		if o == nil {
			return nil, fmt.Errorf("metaadstest: NewServer: option %d is nil", i)
		}
		if err := o(cfg); err != nil {
			return nil, err
		}
	}
	s := &Server{
		cfg: cfg, mux: http.NewServeMux(), st: newStore(),
		tokens: map[string]*tokenRec{}, codes: map[string]*authCode{},
		runs: map[string]*reportRun{}, usage: newUsageState(),
		cache: newInsightsCache(insightsCacheSize), serveErr: make(chan error, 1),
	}
	s.gen = &generator{seed: cfg.seed}
	if cfg.demo && cfg.scale != nil {
		return nil, errors.New("metaadstest: NewServer: WithDemoBusiness and WithScaleBusiness cannot be combined (both give DemoUserID its ad accounts)")
	}
	if cfg.demo {
		if _, err := s.Seed(DemoBusiness(cfg.now())); err != nil {
			return nil, err
		}
	}
	if cfg.scale != nil {
		sc, err := ScaleBusiness(cfg.now(), *cfg.scale)
		if err != nil {
			return nil, err
		}
		if _, err := s.Seed(sc); err != nil {
			return nil, err
		}
	}
	s.routes()
	s.root = http.HandlerFunc(s.serveNormalized)
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return nil, fmt.Errorf("metaadstest: listen on %s: %w", cfg.addr, err)
	}
	s.ln = ln
	s.URL = "http://" + ln.Addr().String()
	s.hs = &http.Server{Handler: s.root, ReadHeaderTimeout: 10 * time.Second}
	go func() { s.serveErr <- s.hs.Serve(ln) }()
	return s, nil
}

// Start starts a server for a test or benchmark, failing it on error, and
// closes the server when the test ends.
func Start(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	s, err := NewServer(opts...)
	if err != nil {
		tb.Fatalf("metaadstest.Start: %v", err)
	}
	tb.Cleanup(s.Close)
	return s
}

// Close stops the server and closes its connections. It is safe to call
// more than once.
func (s *Server) Close() {
	if s.closed.Swap(true) {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := s.hs.Shutdown(ctx); err != nil {
		_ = s.hs.Close()
	}
	<-s.serveErr
}

// Handler returns the server's HTTP handler, for embedding the fake in
// another server or calling it in process.
func (s *Server) Handler() http.Handler { return s.root }

// serveNormalized serves a request with one trailing slash removed from
// its path: Meta's SDKs address nodes as /v26.0/{id}/ (and {id}/?fields=...
// inside batches), which Graph treats as /v26.0/{id}. The version root
// (/v26.0/, the batch and multi-id endpoint) and / keep theirs.
func (s *Server) serveNormalized(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if len(p) > 1 && strings.HasSuffix(p, "/") && !strings.HasSuffix(p, "//") && !versionRE.MatchString(strings.Trim(p, "/")) {
		r2 := r.Clone(r.Context())
		r2.URL.Path = strings.TrimSuffix(p, "/")
		r2.URL.RawPath = ""
		r = r2
	}
	s.mux.ServeHTTP(w, r)
}

// GraphURL returns the versioned base, such as URL + "/v26.0".
func (s *Server) GraphURL(version string) string { return s.URL + "/" + version }

func (s *Server) now() time.Time { return s.cfg.now() }

func (s *Server) routes() {
	m := s.mux
	// OAuth: the dialog is HTML, not a Graph route.
	m.HandleFunc("GET /{version}/dialog/oauth", s.versionedHTML(s.handleDialog))
	m.HandleFunc("POST /{version}/dialog/oauth", s.versionedHTML(s.handleDialogSubmit))
	m.Handle("GET /{version}/oauth/access_token", s.api(authNone, s.handleAccessToken))
	m.Handle("POST /{version}/oauth/access_token", s.api(authNone, s.handleAccessToken))
	m.Handle("GET /{version}/debug_token", s.api(authAny, s.handleDebugToken))

	m.Handle("GET /{version}/me", s.api(authUser, s.handleMe))
	m.Handle("GET /{version}/me/adaccounts", s.api(authUser, s.handleMeAdAccounts))
	m.Handle("GET /{version}/me/permissions", s.api(authUser, s.handleMePermissions))
	m.Handle("DELETE /{version}/me/permissions", s.api(authUser, s.handleDeletePermissions))
	m.Handle("DELETE /{version}/me/permissions/{perm}", s.api(authUser, s.handleDeletePermissions))

	m.Handle("GET /{version}/{node}", s.api(authUser, s.handleNode))
	m.Handle("POST /{version}/{node}", s.api(authUser, s.handleNodePost))
	m.Handle("DELETE /{version}/{node}", s.api(authUser, s.handleNodeDelete))
	m.Handle("GET /{version}/{node}/{edge}", s.api(authUser, s.handleEdge))
	m.Handle("POST /{version}/{node}/{edge}", s.api(authUser, s.handleEdgePost))
	// The version root, with or without its slash: POST is the batch
	// endpoint (Meta's SDKs post batches to /v26.0), GET ?ids= the
	// multi-id read. A first segment that is not a version is an
	// unversioned node (see api).
	m.Handle("POST /{version}/{$}", s.api(authUser, s.handleBatch))
	m.Handle("POST /{version}", s.api(authUser, s.handleBatch))
	m.Handle("GET /{version}/{$}", s.api(authUser, s.handleIDs))
	m.Handle("GET /{version}", s.api(authUser, s.handleIDs))

	// Unversioned paths resolve to the oldest live version (reference §0).
	m.HandleFunc("POST /{$}", s.unversioned)
	m.HandleFunc("GET /{$}", s.unversioned)
	m.HandleFunc("/{node}", s.unversioned)
	// Anything else: a Graph error rather than the mux's plain-text 404/405,
	// after the token check, so that a bad token answers 190 on any path.
	m.Handle("/{version}/", s.api(authAny, s.handleUnknown))
}

func (s *Server) handleUnknown(c *call) (any, *apiError) {
	return nil, &apiError{Code: 2500, Message: fmt.Sprintf("Unknown path components: %s (method %s)", c.path, c.r.Method)}
}

// unversioned re-dispatches a path without a version under the oldest live
// version.
func (s *Server) unversioned(w http.ResponseWriter, r *http.Request) {
	r2 := r.Clone(r.Context())
	r2.URL.Path = "/" + s.cfg.oldestLive + r.URL.Path
	r2.URL.RawPath = ""
	if r.URL.Path == "/" {
		r2.URL.Path = "/" + s.cfg.oldestLive + "/"
	}
	s.mux.ServeHTTP(w, r2)
}

// checkVersion returns nil for a live version, 2635 for a retired one.
func (s *Server) checkVersion(v string) *apiError {
	if s.cfg.live[v] {
		return nil
	}
	n, ok := parseVersion(v)
	if !ok {
		return errParam("Unknown path components: /%s", v)
	}
	if versionLess(n, s.cfg.minLive) {
		return &apiError{Code: 2635, Message: "You are calling a deprecated version of the Ads API. Please update to the latest version: " + s.latestVersion() + "."}
	}
	return errParam("Unsupported API version %s", v)
}

func (s *Server) latestVersion() string {
	return fmt.Sprintf("v%d.%d", s.cfg.maxLive[0], s.cfg.maxLive[1])
}

type authMode int

const (
	authNone authMode = iota // no token needed
	authAny                  // any valid token (app or user)
	authUser                 // a user or system-user token
)

// call is one Graph request being served.
type call struct {
	s       *Server
	r       *http.Request
	w       http.ResponseWriter
	version string
	path    string // after the version, like "/act_1/insights"
	params  url.Values
	token   string
	tok     *tokenRec
	account string // ad account digits for usage ("" when none)
	bucType string // ads_management or ads_insights
}

func (c *call) param(k string) string { return first(c.params, k) }

// rawJSON is a pre-rendered JSON body.
type rawJSON []byte

func (s *Server) versionedHTML(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v := r.PathValue("version")
		if !versionRE.MatchString(v) {
			s.unversioned(w, r)
			return
		}
		if e := s.checkVersion(v); e != nil {
			s.writeError(w, e, nil)
			return
		}
		h(&statusWriter{ResponseWriter: w, s: s}, r)
	}
}

// api wraps a Graph handler: parameters, recording, auth and
// appsecret_proof, version check, usage accounting and throttling, faults, then the
// handler, whose result is written as JSON.
func (s *Server) api(mode authMode, h func(*call) (any, *apiError)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := r.PathValue("version")
		if v != "" && !versionRE.MatchString(v) {
			s.unversioned(w, r)
			return
		}
		w = &statusWriter{ResponseWriter: w, s: s}
		c := &call{s: s, r: r, w: w, version: v, path: strings.TrimPrefix(r.URL.Path, "/"+v)}
		if versionRE.MatchString(v) {
			w.Header().Set("Facebook-Api-Version", v)
		}
		if c.path == "" {
			c.path = "/"
		}
		params, perr := readParams(r)
		c.params = params
		s.record(c)
		now := s.now()
		s.mu.Lock()
		// The token first, as Graph does: a bad token is error 190 whatever
		// the path, version or parameters.
		if mode != authNone {
			c.token = requestToken(r, params)
			tok, e := s.resolveToken(c.token, now)
			if e == nil {
				e = s.checkProof(c.token, tok, params, now)
			}
			if e == nil && mode == authUser && tok.kind == "APP" && c.path != "/" {
				e = &apiError{Code: 2500, Message: "An active access token must be used to query information about the current user."}
				if !strings.HasPrefix(c.path, "/me") {
					e = errUnsupported(r.Method, strings.Split(strings.TrimPrefix(c.path, "/"), "/")[0])
				}
			}
			if e != nil {
				s.mu.Unlock()
				s.writeError(w, e, nil)
				return
			}
			c.tok = tok
		}
		e := s.checkVersion(v)
		if e == nil && perr != nil {
			e = errParam("%v", perr)
		}
		if e != nil {
			s.mu.Unlock()
			s.writeError(w, e, nil)
			return
		}
		c.account, c.bucType = s.usageTarget(c)
		hdr, terr := s.usage.charge(s.cfg.limits, now, c)
		s.mu.Unlock()
		if terr != nil {
			s.writeError(w, terr, hdr)
			return
		}
		if s.applyFault(c, hdr) {
			return
		}
		res, e := h(c)
		if e != nil {
			s.writeError(w, e, hdr)
			return
		}
		if res == nil { // the handler wrote the response itself
			return
		}
		s.writeJSON(w, http.StatusOK, res, hdr)
	})
}

// usageTarget names the ad account and business-use-case bucket a call
// counts against. Caller holds s.mu.
func (s *Server) usageTarget(c *call) (account, buc string) {
	segs := strings.Split(strings.TrimPrefix(c.path, "/"), "/")
	buc = "ads_management"
	if len(segs) > 1 && segs[1] == "insights" {
		buc = "ads_insights"
	}
	node := segs[0]
	if run := s.runs[node]; run != nil {
		return run.account, "ads_insights"
	}
	return s.st.accountOf(node), buc
}

func (s *Server) fbtrace() string {
	n := s.trace.Add(1)
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
	x := mix64(n ^ 0x9e3779b97f4a7c15)
	b := make([]byte, 11)
	for i := range b {
		b[i] = alphabet[x&63]
		x >>= 6
	}
	return string(b)
}

func (s *Server) writeHeaders(w http.ResponseWriter, hdr http.Header) {
	for k, v := range hdr {
		w.Header()[k] = v
	}
	w.Header().Set("X-Fb-Trace-Id", s.fbtrace())
}

func (s *Server) writeError(w http.ResponseWriter, e *apiError, hdr http.Header) {
	s.writeHeaders(w, hdr)
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	if e.Code == 190 || e.Code == 104 {
		w.Header().Set("WWW-Authenticate", `OAuth "Facebook Platform" "invalid_token" "`+strings.ReplaceAll(e.message(), `"`, "'")+`"`)
	}
	noteError(w, e)
	w.WriteHeader(e.status())
	_, _ = w.Write(e.body(s.fbtrace()))
}

func (s *Server) writeJSON(w http.ResponseWriter, status int, v any, hdr http.Header) {
	var b []byte
	switch x := v.(type) {
	case rawJSON:
		b = x
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			s.writeError(w, &apiError{Code: 1, Status: 500, Message: "An unknown error occurred", Transient: true}, hdr)
			return
		}
	}
	s.writeHeaders(w, hdr)
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

const maxBody = 8 << 20

// readParams merges query parameters with a form, multipart or JSON body.
// JSON bodies (Meta's Node SDK sends them) have their non-string values
// re-encoded as JSON strings, as they would arrive in a form.
func readParams(r *http.Request) (url.Values, error) {
	params := url.Values{}
	for k, v := range r.URL.Query() {
		params[k] = append(params[k], v...)
	}
	if r.Body == nil || r.Method == http.MethodGet {
		return params, nil
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
		if err != nil {
			return params, fmt.Errorf("reading the request body: %w", err)
		}
		if len(strings.TrimSpace(string(body))) == 0 {
			return params, nil
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(body, &obj); err != nil {
			return params, fmt.Errorf("the JSON request body is not an object: %v", err)
		}
		for k, raw := range obj {
			var str string
			if json.Unmarshal(raw, &str) == nil {
				params.Set(k, str)
			} else {
				params.Set(k, string(raw))
			}
		}
	case "multipart/form-data":
		if err := r.ParseMultipartForm(maxBody); err != nil {
			return params, fmt.Errorf("malformed multipart body: %v", err)
		}
		for k, v := range r.MultipartForm.Value {
			params[k] = append(params[k], v...)
		}
	default:
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
		if err != nil {
			return params, fmt.Errorf("reading the request body: %w", err)
		}
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return params, fmt.Errorf("malformed form body: %v", err)
		}
		for k, v := range form {
			params[k] = append(params[k], v...)
		}
	}
	return params, nil
}
