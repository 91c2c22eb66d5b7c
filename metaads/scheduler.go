package metaads

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// schedKey is the set of budgets one request counts against.
type schedKey struct {
	account AccountID
	keys    []UsageKey
}

// local is the per-process part of a budget's state.
type local struct {
	pending int // admitted requests whose response is not yet observed
	limiter *rate.Limiter
	last    UsageState // the state last loaded or stored: used when the store fails
	known   bool       // last is set
}

// storeTimeout bounds each UsageStore call, so a slow shared store delays
// a request by at most this much before the scheduler goes on with the
// state it last saw in this process.
const storeTimeout = 2 * time.Second

// plainStore gives a UsageStore that is not a SharedUsageStore the batch
// methods, one Load or Store per key; it keeps no in-flight counts.
type plainStore struct{ UsageStore }

func (p plainStore) LoadShared(ctx context.Context, _ string, keys []UsageKey) (map[UsageKey]UsageState, error) {
	out := make(map[UsageKey]UsageState, len(keys))
	for _, k := range keys {
		st, ok, err := p.Load(ctx, k)
		if err != nil {
			return nil, err
		}
		if ok {
			out[k] = st
		}
	}
	return out, nil
}

func (p plainStore) UpdateShared(ctx context.Context, _ string, u UsageUpdate) error {
	for k, st := range u.States {
		if err := p.Store(ctx, k, st); err != nil {
			return err
		}
	}
	return nil
}

// loadAll reads the states of keys from the store within storeTimeout.
// When the store fails, it returns the states this process last saw (the
// failure is logged once, see storeFailed), so a broken store slows
// nothing down and fails no request.
func (s *scheduler) loadAll(ctx context.Context, keys []UsageKey) map[UsageKey]UsageState {
	ctx, cancel := context.WithTimeout(ctx, storeTimeout)
	got, err := s.store.LoadShared(ctx, s.owner, keys)
	cancel()
	if err != nil {
		s.storeFailed(ctx, "load", err)
	} else {
		s.storeAnswered(ctx, opLoad)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[UsageKey]UsageState, len(keys))
	for _, k := range keys {
		l := s.loc(k)
		if err != nil {
			if l.known {
				out[k] = l.last
			}
			continue
		}
		if st, ok := got[k]; ok {
			l.last, l.known = st, true
			out[k] = st
		}
	}
	return out
}

// update writes this process's in-flight counts of keys and the new
// states to the store within storeTimeout, and keeps the states locally;
// a store failure is logged once, not returned.
func (s *scheduler) update(ctx context.Context, keys []UsageKey, states map[UsageKey]UsageState) {
	s.mu.Lock()
	u := UsageUpdate{States: states}
	if s.counts && len(keys) > 0 {
		s.seq++
		u.Seq = s.seq
		u.InFlight = make(map[UsageKey]int, len(keys))
		for _, k := range keys {
			u.InFlight[k] = s.loc(k).pending
		}
	}
	for k, st := range states {
		l := s.loc(k)
		st.InFlight = l.last.InFlight
		l.last, l.known = st, true
	}
	s.mu.Unlock()
	if len(u.States) == 0 && len(u.InFlight) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, storeTimeout)
	err := s.store.UpdateShared(ctx, s.owner, u)
	cancel()
	if err != nil {
		s.storeFailed(ctx, "update", err)
	} else {
		s.storeAnswered(ctx, opUpdate)
	}
}

// Store operations, for storeAnswered.
const (
	opLoad   = 1
	opUpdate = 2
)

// storeFailed logs the first failure of the store (not every call, which
// would be one line per request during an outage) and counts the others.
func (s *scheduler) storeFailed(ctx context.Context, op string, err error) {
	s.mu.Lock()
	first := s.storeFailures == 0
	s.storeFailures++
	s.storeOKSince = 0
	s.mu.Unlock()
	if first {
		s.logger.LogAttrs(ctx, slog.LevelWarn, "metaads usage store failed; going on with this process's own usage state until it answers again",
			slog.String("op", op), slog.String("error", err.Error()))
	}
}

// storeAnswered notes a call of the store that worked. After failures,
// the store counts as answering again (and that is logged) once a load
// and an update both worked with no failure between them, so a store
// that fails only some calls logs nothing more.
func (s *scheduler) storeAnswered(ctx context.Context, op int) {
	s.mu.Lock()
	n := s.storeFailures
	if n > 0 {
		s.storeOKSince |= op
		if s.storeOKSince != opLoad|opUpdate {
			n = 0
		} else {
			s.storeFailures, s.storeOKSince = 0, 0
		}
	}
	s.mu.Unlock()
	if n > 0 {
		s.logger.LogAttrs(ctx, slog.LevelInfo, "metaads usage store answers again", slog.Int("failed_calls", n))
	}
}

// scheduler paces requests per budget from the usage Meta reports.
type scheduler struct {
	store SharedUsageStore
	// counts is set when store is a SharedUsageStore of its own: in-flight
	// counts are written to it.
	counts bool
	// owner names this scheduler in the store's in-flight counts.
	owner     string
	threshold float64
	// maxThrottleWait is the client's WithMaxThrottleRetryWait: a refusal
	// whose wait exceeds both it and the call's cap is a block.
	maxThrottleWait time.Duration
	window          time.Duration
	logger          *slog.Logger
	onThrottle      func(context.Context, ThrottleInfo)

	mu            sync.Mutex
	local         map[UsageKey]*local
	seq           uint64 // of the last UsageUpdate
	storeFailures int    // store calls failed since it last answered
	storeOKSince  int    // opLoad|opUpdate: what worked since the last failure
}

func newScheduler(cfg config) *scheduler {
	w := cfg.window
	if w <= 0 {
		w = DefaultUsageWindow
	}
	shared, counts := cfg.store.(SharedUsageStore)
	if !counts {
		shared = plainStore{cfg.store}
	}
	return &scheduler{store: shared, counts: counts, owner: rand.Text(), threshold: cfg.threshold, maxThrottleWait: cfg.maxThrottleRetryWait, window: w, logger: cfg.logger,
		onThrottle: cfg.hooks.OnThrottle, local: make(map[UsageKey]*local)}
}

// decayPerSec is how many percentage points a budget regains per second.
func (s *scheduler) decayPerSec() float64 { return 100 / s.window.Seconds() }

// bucType infers the business use case of a request.
func bucType(req *Request, path string) string {
	if req.BusinessUseCase != "" {
		return req.BusinessUseCase
	}
	if strings.HasSuffix(path, "/insights") || strings.Contains(path, "/insights/") {
		return "ads_insights"
	}
	return "ads_management"
}

func (s *scheduler) keyFor(req *Request, path string) schedKey {
	if req.root {
		// A batch call: its operations are admitted one by one.
		return schedKey{account: req.Account}
	}
	k := schedKey{account: req.Account, keys: []UsageKey{{Scope: "app"}}}
	if !req.Account.IsZero() {
		n := req.Account.Number()
		t := bucType(req, path)
		k.keys = append(k.keys, UsageKey{Scope: "ad_account", ID: n}, UsageKey{Scope: t, ID: n})
		if t == "ads_insights" {
			k.keys = append(k.keys, UsageKey{Scope: "insights_app"}, UsageKey{Scope: "insights_account", ID: n})
		}
	}
	return k
}

func (s *scheduler) loc(k UsageKey) *local {
	l := s.local[k]
	if l == nil {
		l = &local{limiter: rate.NewLimiter(rate.Inf, 1)}
		s.local[k] = l
	}
	return l
}

// estimate returns the predicted usage of a budget now, counting requests
// admitted but not yet answered, and the cost of one more call.
func (s *scheduler) estimate(st UsageState, l *local, now time.Time) (pct, cost float64) {
	cost = st.CostPerCall
	if cost <= 0 {
		cost = 1
	}
	elapsed := now.Sub(st.ObservedAt).Seconds()
	if st.ObservedAt.IsZero() || elapsed < 0 {
		elapsed = 0
	}
	base := math.Max(0, st.Pct-elapsed*s.decayPerSec())
	if !st.BlockedUntil.IsZero() && !now.Before(st.BlockedUntil) && st.ObservedAt.Before(st.BlockedUntil) {
		// Meta said access is regained at BlockedUntil: trust it.
		since := now.Sub(st.BlockedUntil).Seconds()
		base = math.Min(base, math.Max(0, s.threshold-cost-since*s.decayPerSec()))
	}
	pct = base + float64(l.pending+max(0, st.InFlight))*cost
	return pct, cost
}

// holdFor returns how long a budget must be held before one more call fits.
func (s *scheduler) holdFor(st UsageState, l *local, now time.Time) (time.Duration, float64) {
	if now.Before(st.BlockedUntil) {
		return min(st.BlockedUntil.Sub(now), MaxHold), math.Max(st.Pct, 100)
	}
	pct, cost := s.estimate(st, l, now)
	if pct+cost <= s.threshold {
		return 0, pct
	}
	over := pct + cost - s.threshold
	return clampDuration(over/s.decayPerSec(), time.Second), pct
}

// acquire admits one request for all of k's budgets, waiting up to maxWait
// (a negative maxWait refuses at once) or refusing with *RateLimitError.
func (s *scheduler) acquire(ctx context.Context, k schedKey, maxWait time.Duration) error {
	var waited time.Duration
	for {
		wait, key, pct, err := s.tryAdmit(ctx, k)
		if err != nil {
			return err
		}
		if wait <= 0 {
			return nil
		}
		info := ThrottleInfo{Account: k.account, Scope: key.Scope, Usage: pct, Wait: wait}
		if maxWait < 0 || waited+wait > maxWait {
			info.Refused = true
			s.notify(ctx, info)
			return &RateLimitError{Account: k.account, Scope: key.Scope, RetryAfter: wait, maxWait: max(maxWait, s.maxThrottleWait)}
		}
		s.notify(ctx, info)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		waited += wait
	}
}

func (s *scheduler) notify(ctx context.Context, info ThrottleInfo) {
	lvl := slog.LevelInfo
	if info.Refused {
		lvl = slog.LevelWarn
	}
	s.logger.LogAttrs(ctx, lvl, "metaads throttle", slog.String("account", info.Account.String()),
		slog.String("scope", info.Scope), slog.Float64("usage_pct", info.Usage),
		slog.Duration("wait", info.Wait), slog.Bool("refused", info.Refused))
	if h := hooksFor(ctx, Hooks{OnThrottle: s.onThrottle}).OnThrottle; h != nil {
		h(ctx, info)
	}
}

// tryAdmit admits the request when every budget has room, and otherwise
// returns the longest hold and the budget that causes it.
func (s *scheduler) tryAdmit(ctx context.Context, k schedKey) (time.Duration, UsageKey, float64, error) {
	if len(k.keys) == 0 {
		return 0, UsageKey{}, 0, nil
	}
	wait, key, pct := s.admit(s.loadAll(ctx, k.keys), k)
	if wait == 0 {
		// Tell the processes sharing the store about the request in flight.
		s.update(ctx, k.keys, nil)
	}
	return wait, key, pct, nil
}

// admit is tryAdmit's decision on the loaded states.
func (s *scheduler) admit(states map[UsageKey]UsageState, k schedKey) (time.Duration, UsageKey, float64) {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	var worst time.Duration
	var worstKey UsageKey
	var worstPct float64
	for _, key := range k.keys {
		l := s.loc(key)
		d, pct := s.holdFor(states[key], l, now)
		if d > worst {
			worst, worstKey, worstPct = d, key, pct
		}
	}
	if worst > 0 {
		return worst, worstKey, worstPct
	}
	// Pace with each budget's limiter; the longest reservation wins.
	res := make([]*rate.Reservation, 0, len(k.keys))
	for _, key := range k.keys {
		r := s.loc(key).limiter.ReserveN(now, 1)
		res = append(res, r)
		if d := r.DelayFrom(now); d > worst {
			worst, worstKey = d, key
		}
	}
	if worst > 0 {
		for _, r := range res {
			r.CancelAt(now)
		}
		return worst, worstKey, worstPct
	}
	for _, key := range k.keys {
		s.loc(key).pending++
	}
	return 0, UsageKey{}, 0
}

// observe records the usage of one attempt's response (empty for transport
// failures) and releases the attempt's admission. The usage is recorded
// even when ctx has ended (the response did arrive), within storeTimeout.
func (s *scheduler) observe(ctx context.Context, k schedKey, u Usage, apiErr *Error) {
	ctx = context.WithoutCancel(ctx)
	now := u.ObservedAt
	if now.IsZero() {
		now = time.Now()
	}
	obs := map[UsageKey]float64{}
	if u.App != nil {
		obs[UsageKey{Scope: "app"}] = u.App.Max()
	}
	regain := map[UsageKey]time.Duration{}
	if !k.account.IsZero() {
		n := k.account.Number()
		if u.AdAccount != nil {
			key := UsageKey{Scope: "ad_account", ID: n}
			obs[key] = u.AdAccount.UtilPct
			if u.AdAccount.UtilPct >= 100 {
				regain[key] = u.AdAccount.ResetTimeDuration
			}
		}
		if u.InsightsThrottle != nil {
			obs[UsageKey{Scope: "insights_app"}] = u.InsightsThrottle.AppIDUtilPct
			obs[UsageKey{Scope: "insights_account", ID: n}] = u.InsightsThrottle.AccIDUtilPct
		}
	}
	for _, b := range u.BusinessUseCases {
		key := UsageKey{Scope: b.Type, ID: b.ObjectID}
		obs[key] = b.Max()
		if b.RegainAccessIn > 0 {
			regain[key] = b.RegainAccessIn
		}
	}
	throttledKey, throttled := UsageKey{}, apiErr != nil && apiErr.Is(ErrRateLimited)
	if throttled {
		throttledKey = throttleKeyFor(k, apiErr)
	}

	s.mu.Lock()
	mine := map[UsageKey]bool{}
	for _, key := range k.keys {
		mine[key] = true
		if l := s.loc(key); l.pending > 0 {
			l.pending--
		}
	}
	s.mu.Unlock()

	_, hinted := regain[throttledKey]
	blockThrottled := throttled && !hinted
	keys := make([]UsageKey, 0, len(obs)+1)
	for key := range obs {
		keys = append(keys, key)
	}
	if _, seen := obs[throttledKey]; blockThrottled && !seen {
		keys = append(keys, throttledKey)
	}
	var prevs map[UsageKey]UsageState
	if len(keys) > 0 {
		prevs = s.loadAll(ctx, keys)
	}
	states := make(map[UsageKey]UsageState, len(keys))
	for key, pct := range obs {
		pct = math.Max(0, pct) // a negative figure is no usage
		prev, ok := prevs[key]
		st := prev
		if ok && mine[key] && !prev.ObservedAt.IsZero() {
			// One call of ours happened between the observations: learn its cost.
			dt := now.Sub(prev.ObservedAt).Seconds()
			delta := pct - (prev.Pct - math.Max(0, dt)*s.decayPerSec())
			if delta > 0 && delta < 50 {
				if st.CostPerCall <= 0 {
					st.CostPerCall = delta
				} else {
					st.CostPerCall = 0.8*st.CostPerCall + 0.2*delta
				}
			}
		} else if !ok && pct > 0 && pct <= 10 {
			st.CostPerCall = pct
		}
		if now.Before(st.ObservedAt) && ok {
			continue // an older response arrived late
		}
		st.Pct, st.ObservedAt = pct, now
		if d, ok := regain[key]; ok {
			s.blockFor(&st, now, d)
		}
		s.setPace(key, st)
		states[key] = st
	}
	if blockThrottled {
		st, ok := states[throttledKey]
		if !ok {
			st = prevs[throttledKey]
		}
		st.Pct = math.Max(st.Pct, s.threshold)
		st.ObservedAt = now
		s.blockFor(&st, now, defaultThrottleHold)
		states[throttledKey] = st
	}
	// One write: the new states and this request no longer in flight.
	s.update(ctx, k.keys, states)
}

// defaultThrottleHold is how long a budget is held after a throttle that
// came without a regain time.
const defaultThrottleHold = 5 * time.Second

// blockFor holds a budget for d; when the block ends, estimate lets a probe
// through whose answer brings the real figure.
func (s *scheduler) blockFor(st *UsageState, now time.Time, d time.Duration) {
	if until := now.Add(d); until.After(st.BlockedUntil) {
		st.BlockedUntil = until
	}
}

// setPace sets a budget's limiter from its usage: unlimited below half the
// threshold, then a rate that falls towards the sustainable rate (what the
// window regains per second divided by the cost of a call) as usage rises.
func (s *scheduler) setPace(key UsageKey, st UsageState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.loc(key)
	soft := s.threshold / 2
	if st.Pct < soft {
		l.limiter.SetLimit(rate.Inf)
		return
	}
	cost := st.CostPerCall
	if cost <= 0 {
		cost = 1
	}
	sustainable := s.decayPerSec() / cost
	headroom := math.Max(0, (s.threshold-st.Pct)/(s.threshold-soft)) // 1 at soft, 0 at threshold
	lim := rate.Limit(sustainable * (1 + 3*headroom))
	l.limiter.SetLimit(lim)
	l.limiter.SetBurst(max(1, int((s.threshold-st.Pct)/cost)))
}

// throttleKeyFor maps a throttling error to the budget it concerns.
func throttleKeyFor(k schedKey, e *Error) UsageKey {
	n := k.account.Number()
	switch {
	case e.Code == 4 || e.Code == 341:
		if e.Subcode == 1504022 || e.Subcode == 1504039 {
			return UsageKey{Scope: "insights_app"}
		}
		return UsageKey{Scope: "app"}
	case k.account.IsZero():
		return UsageKey{Scope: "app"}
	case e.Code == 80000:
		return UsageKey{Scope: "ads_insights", ID: n}
	case e.Code == 80003:
		return UsageKey{Scope: "custom_audience", ID: n}
	case e.Code == 80004:
		return UsageKey{Scope: "ads_management", ID: n}
	case e.Code >= 80000:
		return UsageKey{Scope: fmt.Sprintf("buc_%d", e.Code), ID: n}
	default: // 17, 613, 32: the ad account score
		return UsageKey{Scope: "ad_account", ID: n}
	}
}

func regainOf(u Usage, key UsageKey) time.Duration {
	for _, b := range u.BusinessUseCases {
		if b.Type == key.Scope && b.ObjectID == key.ID {
			return b.RegainAccessIn
		}
	}
	if key.Scope == "ad_account" && u.AdAccount != nil {
		return u.AdAccount.ResetTimeDuration
	}
	if d, ok := u.RegainAccessIn(); ok {
		return d
	}
	return 0
}

// throttleScope returns the scope and suggested wait for a throttling error.
func (s *scheduler) throttleScope(ctx context.Context, k schedKey, e *Error) (string, time.Duration) {
	key := throttleKeyFor(k, e)
	wait := regainOf(e.Usage, key)
	if wait <= 0 {
		if st, ok := s.loadAll(ctx, []UsageKey{key})[key]; ok {
			if d := time.Until(st.BlockedUntil); d > 0 {
				wait = min(d, MaxHold)
			}
		}
	}
	return key.Scope, wait
}
