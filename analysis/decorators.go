package analysis

import (
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Decorators are Analyzers that wrap another: [Timeout] bounds its time,
// [Fallback] answers with a second analyzer when the first fails, [Cache]
// reuses results of the same Input and configuration, and [Logged] logs
// each analysis. They compose (a Cache of a Fallback of a Timeout of an
// LLM analyzer) and are safe for concurrent use when what they wrap is.

// Namer is implemented by analyzers that have a name for logs and
// Result.Failures ("openai"); the LLM analyzers do.
type Namer interface{ Name() string }

// Fingerprinter is implemented by analyzers whose results depend on their
// configuration: Fingerprint is a stable string of all of it (provider,
// model, prompt version, options) and of no secret. [Cache] keys on it.
type Fingerprinter interface{ Fingerprint() string }

// AnalyzerName returns a's name: its Name method's, "heuristic" for the
// Heuristic, else its Go type.
func AnalyzerName(a Analyzer) string {
	switch a := a.(type) {
	case nil:
		return "<nil>"
	case Namer:
		return a.Name()
	case Heuristic, *Heuristic:
		return "heuristic"
	}
	return fmt.Sprintf("%T", a)
}

// fingerprintOf returns a's fingerprint; ok is false when a has none.
func fingerprintOf(a Analyzer) (string, bool) {
	switch a := a.(type) {
	case Fingerprinter:
		return a.Fingerprint(), true
	case Heuristic:
		return fmt.Sprintf("heuristic%+v", a), true // plain fields, no secrets
	case *Heuristic:
		return fmt.Sprintf("heuristic%+v", *a), true
	}
	return "", false
}

var errNoAnalyzer = errors.New("no Analyzer to wrap; expected one, such as an LLM analyzer or Heuristic{}")

// Timeout is an Analyzer that gives Analyzer at most After to answer. At
// the deadline it returns an error that wraps context.DeadlineExceeded
// and ErrAnalyzerUnavailable, even when the wrapped analyzer ignores its
// context (its call then finishes in the background and its result is
// discarded).
type Timeout struct {
	Analyzer Analyzer
	After    time.Duration // must be positive
}

// Analyze implements [Analyzer].
func (t Timeout) Analyze(ctx context.Context, in *Input) (*Result, error) {
	if t.Analyzer == nil {
		return nil, fmt.Errorf("analysis: Timeout: %w", errNoAnalyzer)
	}
	if t.After <= 0 {
		return nil, fmt.Errorf("analysis: Timeout.After is %v; expected a positive duration", t.After)
	}
	ctx2, cancel := context.WithTimeout(ctx, t.After)
	defer cancel()
	type outcome struct {
		res *Result
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		res, err := t.Analyzer.Analyze(ctx2, in)
		done <- outcome{res, err}
	}()
	var o outcome
	select {
	case o = <-done:
	case <-ctx2.Done():
		o.err = ctx2.Err()
	}
	if o.err != nil && ctx.Err() == nil && ctx2.Err() != nil {
		return nil, fmt.Errorf("analysis: %s did not finish within %v: %w", AnalyzerName(t.Analyzer), t.After,
			errors.Join(o.err, context.DeadlineExceeded, ErrAnalyzerUnavailable))
	}
	return o.res, o.err
}

// Name returns the wrapped analyzer's name.
func (t Timeout) Name() string { return AnalyzerName(t.Analyzer) }

// Fingerprint returns the wrapped analyzer's: a timeout does not change
// a result.
func (t Timeout) Fingerprint() string { fp, _ := fingerprintOf(t.Analyzer); return fp }

// Fallback is an Analyzer that asks Primary and, when it fails, Secondary
// (Heuristic{} when nil): the Result is then Secondary's, with Primary's
// failure in Result.Failures and a note. It does not fall back when ctx
// itself is done: the caller gave up.
type Fallback struct {
	Primary   Analyzer
	Secondary Analyzer
}

// Analyze implements [Analyzer].
func (f Fallback) Analyze(ctx context.Context, in *Input) (*Result, error) {
	if f.Primary == nil {
		return nil, fmt.Errorf("analysis: Fallback.Primary: %w", errNoAnalyzer)
	}
	res, err := f.Primary.Analyze(ctx, in)
	if err == nil && res != nil {
		return res, nil
	}
	if err == nil {
		err = errors.New("returned no result and no error")
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("analysis: %s: %w", AnalyzerName(f.Primary), err)
	}
	second := f.secondary()
	res, err2 := second.Analyze(ctx, in)
	if err2 != nil {
		return nil, fmt.Errorf("analysis: %s failed, then %s failed: %w", AnalyzerName(f.Primary), AnalyzerName(second), errors.Join(err, err2))
	}
	if res == nil {
		return nil, fmt.Errorf("analysis: %s failed (%w), and %s returned no result", AnalyzerName(f.Primary), err, AnalyzerName(second))
	}
	failure := Failure{Analyzer: AnalyzerName(f.Primary), Error: err.Error()}
	res.Failures = append([]Failure{failure}, res.Failures...)
	res.Notes = append(res.Notes, fmt.Sprintf("%s failed (%s); these are the recommendations of %s.", failure.Analyzer, failure.Error, AnalyzerName(second)))
	return res, nil
}

func (f Fallback) secondary() Analyzer {
	if f.Secondary == nil {
		return Heuristic{}
	}
	return f.Secondary
}

// Name returns the primary's name.
func (f Fallback) Name() string { return AnalyzerName(f.Primary) }

// Fingerprint joins both analyzers' fingerprints; empty when either has
// none.
func (f Fallback) Fingerprint() string {
	a, ok1 := fingerprintOf(f.Primary)
	b, ok2 := fingerprintOf(f.secondary())
	if !ok1 || !ok2 {
		return ""
	}
	return "fallback(" + a + ";" + b + ")"
}

// CacheStore keeps encoded Results by key. Implementations must be safe
// for concurrent use; [MemoryCache] is one, a database table is another.
type CacheStore interface {
	// Get returns the value stored for key; ok is false when there is
	// none or it expired.
	Get(ctx context.Context, key string) (value []byte, ok bool, err error)
	// Set stores value for key until expires (zero: no expiry).
	Set(ctx context.Context, key string, value []byte, expires time.Time) error
}

// Cache is an Analyzer that stores Analyzer's Results in Store, keyed by
// a SHA-256 of the Input (as JSON) and of the analyzer's configuration
// (its Fingerprint, or Config for analyzers without one), so the same
// pass over the same data with the same analyzer is answered once. Errors
// are never stored; a Store that fails is bypassed, and so is an Input
// that does not encode. The Result returned is a copy: changing it does
// not change the cache.
type Cache struct {
	Analyzer Analyzer
	Store    CacheStore
	// TTL is how long a result is kept; zero keeps it until the store
	// evicts it.
	TTL time.Duration
	// Config is what the results depend on, for an analyzer without a
	// Fingerprint method; it is added to the key either way.
	Config string
	// Now replaces the clock of TTL (default time.Now).
	Now func() time.Time
}

// cacheVersion changes when the key's recipe changes.
const cacheVersion = "adpilot-analysis-cache-1"

// errNoKey is an Input that cannot be encoded, so cannot be keyed.
var errNoKey = errors.New("the Input does not encode to JSON")

// Key returns the cache key of in, or an error when the analyzer has no
// configuration to key on or in cannot be encoded.
func (c Cache) Key(in *Input) (string, error) {
	if c.Analyzer == nil {
		return "", fmt.Errorf("analysis: Cache: %w", errNoAnalyzer)
	}
	fp, ok := fingerprintOf(c.Analyzer)
	if !ok && c.Config == "" {
		return "", fmt.Errorf("analysis: Cache: %s has no Fingerprint method; set Cache.Config to what its results depend on", AnalyzerName(c.Analyzer))
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%q\n%q\n", cacheVersion, fp, c.Config)
	if err := json.NewEncoder(h).Encode(in); err != nil {
		return "", fmt.Errorf("analysis: Cache: %w: %w", errNoKey, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Analyze implements [Analyzer].
func (c Cache) Analyze(ctx context.Context, in *Input) (*Result, error) {
	if c.Analyzer == nil {
		return nil, fmt.Errorf("analysis: Cache: %w", errNoAnalyzer)
	}
	if c.Store == nil {
		return nil, errors.New("analysis: Cache has no Store; expected one such as NewMemoryCache(1000)")
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("analysis: Cache: %w", err)
	}
	if in == nil {
		return c.Analyzer.Analyze(ctx, in) // the analyzer says what is wrong
	}
	key, err := c.Key(in)
	if errors.Is(err, errNoKey) {
		return c.Analyzer.Analyze(ctx, in) // cannot be keyed: analysed uncached
	}
	if err != nil {
		return nil, err
	}
	if b, ok, err := c.Store.Get(ctx, key); err == nil && ok {
		var res Result
		if json.Unmarshal(b, &res) == nil {
			return &res, nil
		}
	}
	res, err := c.Analyzer.Analyze(ctx, in)
	if err != nil || res == nil {
		return res, err
	}
	b, err := json.Marshal(res)
	if err != nil {
		return res, nil
	}
	var expires time.Time
	if c.TTL > 0 {
		now := time.Now
		if c.Now != nil {
			now = c.Now
		}
		expires = now().Add(c.TTL)
	}
	_ = c.Store.Set(ctx, key, b, expires) // a store that fails is bypassed, not fatal
	var out Result
	if json.Unmarshal(b, &out) != nil {
		return res, nil
	}
	return &out, nil
}

// Name returns the wrapped analyzer's name.
func (c Cache) Name() string { return AnalyzerName(c.Analyzer) }

// Fingerprint returns the wrapped analyzer's.
func (c Cache) Fingerprint() string { fp, _ := fingerprintOf(c.Analyzer); return fp + c.Config }

// MemoryCache is a [CacheStore] in memory that keeps the most recently
// used entries, up to a number. It is safe for concurrent use.
type MemoryCache struct {
	mu    sync.Mutex
	max   int
	now   func() time.Time
	order *list.List // front: most recently used; values are *memEntry
	byKey map[string]*list.Element
}

type memEntry struct {
	key     string
	value   []byte
	expires time.Time
}

// NewMemoryCache returns a MemoryCache of at most size entries (at least 1).
func NewMemoryCache(size int) *MemoryCache {
	return &MemoryCache{max: max(size, 1), now: time.Now, order: list.New(), byKey: map[string]*list.Element{}}
}

// Get implements [CacheStore].
func (m *MemoryCache) Get(_ context.Context, key string) ([]byte, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	el, ok := m.byKey[key]
	if !ok {
		return nil, false, nil
	}
	e := el.Value.(*memEntry)
	if !e.expires.IsZero() && !m.now().Before(e.expires) {
		m.order.Remove(el)
		delete(m.byKey, key)
		return nil, false, nil
	}
	m.order.MoveToFront(el)
	return append([]byte(nil), e.value...), true, nil
}

// Set implements [CacheStore].
func (m *MemoryCache) Set(_ context.Context, key string, value []byte, expires time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if el, ok := m.byKey[key]; ok {
		m.order.Remove(el)
	}
	m.byKey[key] = m.order.PushFront(&memEntry{key: key, value: append([]byte(nil), value...), expires: expires})
	for m.order.Len() > m.max {
		last := m.order.Back()
		m.order.Remove(last)
		delete(m.byKey, last.Value.(*memEntry).key)
	}
	return nil
}

// Len returns the number of entries.
func (m *MemoryCache) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.order.Len()
}

// Logged is an Analyzer that logs each analysis of Analyzer to Logger:
// at Info the analyzer, model, duration, counts of recommendations,
// dropped parts and failures, and token usage; at Warn a failure with its
// error; at Debug each dropped part with its check and reason. No level
// logs a prompt or a key (analyzers keep keys out of their errors), and
// Info and Warn log none of the Input's data; the reasons at Debug are
// Result.Dropped's, which quote the names and numbers they are about
// ("cites cpa of ad set s1 "Broad" as 25.00 USD; the data says 29.17
// USD").
type Logged struct {
	Analyzer Analyzer
	Logger   *slog.Logger
}

// Analyze implements [Analyzer].
func (l Logged) Analyze(ctx context.Context, in *Input) (*Result, error) {
	if l.Analyzer == nil {
		return nil, fmt.Errorf("analysis: Logged: %w", errNoAnalyzer)
	}
	if l.Logger == nil {
		return nil, errors.New("analysis: Logged has no Logger")
	}
	start := time.Now()
	res, err := l.Analyzer.Analyze(ctx, in)
	attrs := []slog.Attr{slog.String("analyzer", AnalyzerName(l.Analyzer)), slog.Duration("duration", time.Since(start))}
	if err != nil {
		l.Logger.LogAttrs(ctx, slog.LevelWarn, "analysis failed", append(attrs, slog.String("error", err.Error()))...)
		return res, err
	}
	if res == nil {
		return nil, nil
	}
	attrs = append(attrs, slog.String("model", res.Model), slog.Int("recommendations", len(res.Recommendations)),
		slog.Int("dropped", len(res.Dropped)), slog.Int("failures", len(res.Failures)))
	if u := res.Usage; u != nil {
		attrs = append(attrs, slog.Int64("input_tokens", u.InputTokens), slog.Int64("output_tokens", u.OutputTokens), slog.Int("calls", u.Calls))
	}
	l.Logger.LogAttrs(ctx, slog.LevelInfo, "analysis done", attrs...)
	for _, f := range res.Failures {
		l.Logger.LogAttrs(ctx, slog.LevelWarn, "analyzer failed, fallback answered", slog.String("analyzer", f.Analyzer), slog.String("error", f.Error))
	}
	if l.Logger.Enabled(ctx, slog.LevelDebug) {
		for _, d := range res.Dropped {
			for _, r := range d.Reasons {
				l.Logger.LogAttrs(ctx, slog.LevelDebug, "reply part dropped", slog.String("part", d.Part), slog.Int("index", d.Index),
					slog.String("entity", d.Entity.ID), slog.String("check", r.Check), slog.String("reason", r.Detail))
			}
		}
	}
	return res, nil
}

// Name returns the wrapped analyzer's name.
func (l Logged) Name() string { return AnalyzerName(l.Analyzer) }

// Fingerprint returns the wrapped analyzer's.
func (l Logged) Fingerprint() string { fp, _ := fingerprintOf(l.Analyzer); return fp }
