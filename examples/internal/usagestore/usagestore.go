package usagestore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/adpilot/adpilot/examples/internal/sqldb"
	"github.com/adpilot/adpilot/metaads"
)

//go:embed migrations
var migrationFiles embed.FS

// Migrations create the usage tables, in their own goose version table
// (usage_goose_db_version), so every program that shares the database
// runs them with its own: db.Migrate(ctx, programMigrations, log,
// usagestore.Migrations).
var Migrations = sqldb.MigrationsIn(migrationFiles, "migrations", "usage_goose_db_version")

// Defaults.
const (
	// DefaultInFlightTTL is how long a client's in-flight count is
	// believed without an update: longer than the metaads client's
	// default request timeout (2 minutes), so only a process that died
	// with requests in flight is forgotten.
	DefaultInFlightTTL = 5 * time.Minute
	// DefaultPurgeEvery is how often expired rows are deleted.
	DefaultPurgeEvery = 10 * time.Minute
	// DefaultClockSync is how often a store on PostgreSQL measures the
	// offset of the server's clock from the process's.
	DefaultClockSync = time.Minute
)

// Store is a metaads.SharedUsageStore on the examples' database. It is
// safe for concurrent use; one Store can serve every client of a process.
type Store struct {
	db          *sqldb.DB
	window      time.Duration
	inFlightTTL time.Duration
	purgeEvery  time.Duration
	clockSync   time.Duration
	now         func() time.Time

	mu        sync.Mutex
	nextPurge time.Time
	nextSync  time.Time            // PostgreSQL: when to measure offset again
	offset    time.Duration        // the database clock minus s.now, whole microseconds
	stmts     map[string]*sql.Stmt // SQLite: prepared statements by text
}

// dbClock converts this process's times to the database's clock and back.
// Every time in the tables is in the database's clock, so processes whose
// clocks differ (on several machines, one PostgreSQL) agree on which
// headers are the newest, when a block ends and what has expired.
type dbClock struct {
	now    time.Time     // this process's now
	offset time.Duration // add to a local time to get the database's
}

// us is t (a local time) in the database's clock, in Unix microseconds; 0
// for the zero time.
func (c dbClock) us(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return sqldb.US(t.Add(c.offset))
}

// local is a stored time in this process's clock.
func (c dbClock) local(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return sqldb.FromUS(v).Add(-c.offset)
}

// clock returns this process's now and the database clock's offset from
// it, measuring the offset on PostgreSQL every WithClockSync with one
// query (the server's clock_timestamp between two readings of s.now; the
// error is half the round trip's asymmetry). On SQLite every process is
// on the database's machine and clock: the offset is 0. A measurement that
// fails keeps the last offset (0 before the first).
func (s *Store) clock(ctx context.Context) dbClock {
	now := s.now()
	if s.db.Dialect != sqldb.Postgres || s.clockSync == 0 {
		return dbClock{now: now}
	}
	s.mu.Lock()
	due := !now.Before(s.nextSync)
	if due {
		s.nextSync = now.Add(s.clockSync)
	}
	off := s.offset
	s.mu.Unlock()
	if !due {
		return dbClock{now: now, offset: off}
	}
	var server int64
	before := s.now()
	err := s.db.SQL.QueryRowContext(ctx, `SELECT CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS BIGINT)`).Scan(&server)
	after := s.now()
	if err != nil {
		return dbClock{now: now, offset: off}
	}
	mid := before.Add(after.Sub(before) / 2)
	// Whole microseconds, so a time converted there and back is the time
	// as stored (to the microsecond).
	off = sqldb.FromUS(server).Sub(mid).Round(time.Microsecond)
	s.mu.Lock()
	s.offset = off
	s.mu.Unlock()
	return dbClock{now: after, offset: off}
}

// maxStmts bounds the prepared statements kept: the statements differ
// only by the number of keys, a handful per request kind.
const maxStmts = 64

// prepared returns q prepared on SQLite, where preparing costs more than
// running these statements (pgx caches PostgreSQL's statements itself);
// nil means run q as text.
func (s *Store) prepared(ctx context.Context, q string) *sql.Stmt {
	if s.db.Dialect != sqldb.SQLite {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.stmts[q]; st != nil {
		return st
	}
	if len(s.stmts) >= maxStmts {
		return nil
	}
	st, err := s.db.SQL.PrepareContext(ctx, q)
	if err != nil {
		return nil // running it as text reports the error
	}
	if s.stmts == nil {
		s.stmts = map[string]*sql.Stmt{}
	}
	s.stmts[q] = st
	return st
}

// Close releases the prepared statements; the database stays open.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for _, st := range s.stmts {
		errs = append(errs, st.Close())
	}
	s.stmts = nil
	return errors.Join(errs...)
}

// query runs q, prepared on SQLite.
func (s *Store) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st := s.prepared(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return s.db.SQL.QueryContext(ctx, q, args...)
}

// exec runs q in tx (or on the database when tx is nil), prepared on
// SQLite. In a transaction it only uses a statement prepared before: on
// SQLite's one connection, preparing would wait for the transaction.
func (s *Store) exec(ctx context.Context, tx *sql.Tx, q string, args ...any) error {
	var st *sql.Stmt
	if tx == nil {
		st = s.prepared(ctx, q)
	} else {
		s.mu.Lock()
		st = s.stmts[q]
		s.mu.Unlock()
	}
	var err error
	switch {
	case st != nil && tx != nil:
		_, err = tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	case st != nil:
		_, err = st.ExecContext(ctx, args...)
	case tx != nil:
		_, err = tx.ExecContext(ctx, q, args...)
	default:
		_, err = s.db.SQL.ExecContext(ctx, q, args...)
	}
	return err
}

var _ metaads.SharedUsageStore = (*Store)(nil)

// Option configures a Store.
type Option func(*Store) error

// WithWindow sets Meta's usage window (default metaads.DefaultUsageWindow,
// one hour): a state observed longer ago, and not blocked, has expired.
// Give the clients the same with metaads.WithUsageWindow.
func WithWindow(d time.Duration) Option {
	return func(s *Store) error {
		if d <= 0 {
			return fmt.Errorf("usagestore: WithWindow(%s): want a positive duration", d)
		}
		s.window = d
		return nil
	}
}

// WithInFlightTTL sets how long a client's in-flight count stands without
// an update (default DefaultInFlightTTL).
func WithInFlightTTL(d time.Duration) Option {
	return func(s *Store) error {
		if d <= 0 {
			return fmt.Errorf("usagestore: WithInFlightTTL(%s): want a positive duration", d)
		}
		s.inFlightTTL = d
		return nil
	}
}

// WithPurgeEvery sets how often an update also deletes the expired rows
// (default DefaultPurgeEvery).
func WithPurgeEvery(d time.Duration) Option {
	return func(s *Store) error {
		if d <= 0 {
			return fmt.Errorf("usagestore: WithPurgeEvery(%s): want a positive duration", d)
		}
		s.purgeEvery = d
		return nil
	}
}

// WithClock replaces this process's clock (tests), the one the
// scheduler's times are in: the store converts them to the database's
// clock and back.
func WithClock(now func() time.Time) Option {
	return func(s *Store) error {
		if now == nil {
			return errors.New("usagestore: WithClock(nil): want a clock such as time.Now")
		}
		s.now = now
		return nil
	}
}

// WithClockSync sets how often a store on PostgreSQL measures the offset
// of the server's clock from this process's (default DefaultClockSync),
// one query each time; 0 measures never: this process's clock is taken
// for the server's, as on SQLite. Tests that move a WithClock clock by
// more than d set it longer (or the store takes the move for a clock that
// was wrong), and tests whose stores share one fake clock that stands
// still, 0.
func WithClockSync(d time.Duration) Option {
	return func(s *Store) error {
		if d < 0 {
			return fmt.Errorf("usagestore: WithClockSync(%s): want a duration >= 0 (0: never)", d)
		}
		s.clockSync = d
		return nil
	}
}

// New returns the store on db, whose schema must include Migrations.
func New(db *sqldb.DB, opts ...Option) (*Store, error) {
	if db == nil {
		return nil, errors.New("usagestore: New(nil): want an open *sqldb.DB")
	}
	s := &Store{db: db, window: metaads.DefaultUsageWindow, inFlightTTL: DefaultInFlightTTL, purgeEvery: DefaultPurgeEvery, clockSync: DefaultClockSync, now: time.Now}
	for i, o := range opts {
		if o == nil {
			return nil, fmt.Errorf("usagestore: New: option %d is nil", i)
		}
		if err := o(s); err != nil {
			return nil, err
		}
	}
	s.nextPurge = s.now().Add(s.purgeEvery)
	return s, nil
}

// Load implements metaads.UsageStore; InFlight counts every client.
func (s *Store) Load(ctx context.Context, key metaads.UsageKey) (metaads.UsageState, bool, error) {
	m, err := s.load(ctx, "", true, []metaads.UsageKey{key})
	if err != nil {
		return metaads.UsageState{}, false, err
	}
	st, ok := m[key]
	return st, ok, nil
}

// LoadShared implements metaads.SharedUsageStore: one query for all keys.
func (s *Store) LoadShared(ctx context.Context, owner string, keys []metaads.UsageKey) (map[metaads.UsageKey]metaads.UsageState, error) {
	return s.load(ctx, owner, false, keys)
}

func (s *Store) load(ctx context.Context, owner string, all bool, keys []metaads.UsageKey) (map[metaads.UsageKey]metaads.UsageState, error) {
	out := make(map[metaads.UsageKey]metaads.UsageState, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	c := s.clock(ctx)
	// $1 owner to leave out, $2 whether to count every owner, $3 the
	// oldest in-flight update believed, $4 the oldest observation not
	// expired, $5 now; then the keys.
	args := []any{owner, all, c.us(c.now.Add(-s.inFlightTTL)), c.us(c.now.Add(-s.window)), c.us(c.now)}
	var q strings.Builder
	q.WriteString(`SELECT k.column1, k.column2, u.pct, u.observed_us, u.blocked_until_us, u.cost_per_call,
	(SELECT COALESCE(SUM(f.n), 0) FROM metaads_usage_inflight f
		WHERE f.scope = k.column1 AND f.object_id = k.column2 AND f.n > 0 AND f.updated_us >= $3 AND ($2 OR f.owner <> $1))
FROM (VALUES `)
	for i, k := range keys {
		if i > 0 {
			q.WriteString(", ")
		}
		n := len(args)
		fmt.Fprintf(&q, "(CAST($%d AS TEXT), CAST($%d AS TEXT))", n+1, n+2)
		args = append(args, k.Scope, k.ID)
	}
	q.WriteString(`) AS k
LEFT JOIN metaads_usage u ON u.scope = k.column1 AND u.object_id = k.column2 AND (u.observed_us >= $4 OR u.blocked_until_us > $5)`)
	rows, err := s.query(ctx, q.String(), args...)
	if err != nil {
		return nil, fmt.Errorf("usagestore: loading usage: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k metaads.UsageKey
		var pct, cost *float64
		var observed, blocked *int64
		var inFlight int64
		if err := rows.Scan(&k.Scope, &k.ID, &pct, &observed, &blocked, &cost, &inFlight); err != nil {
			return nil, fmt.Errorf("usagestore: loading usage: %w", err)
		}
		if pct == nil && inFlight == 0 {
			continue // unknown
		}
		st := metaads.UsageState{InFlight: int(inFlight)}
		if pct != nil {
			st.Pct, st.ObservedAt, st.BlockedUntil, st.CostPerCall = *pct, c.local(*observed), c.local(*blocked), *cost
		}
		out[k] = st
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("usagestore: loading usage: %w", err)
	}
	return out, nil
}

// Store implements metaads.UsageStore: st is merged with
// metaads.MergeUsage, as UpdateShared does.
func (s *Store) Store(ctx context.Context, key metaads.UsageKey, st metaads.UsageState) error {
	return s.UpdateShared(ctx, "", metaads.UsageUpdate{States: map[metaads.UsageKey]metaads.UsageState{key: st}})
}

// UpdateShared implements metaads.SharedUsageStore: one statement on
// PostgreSQL (the in-flight counts and the states in one data-modifying
// WITH), one transaction of two statements on SQLite. Every so often
// (WithPurgeEvery) it also deletes the expired rows.
func (s *Store) UpdateShared(ctx context.Context, owner string, u metaads.UsageUpdate) error {
	if len(u.InFlight) > 0 && owner == "" {
		return errors.New("usagestore: UpdateShared: in-flight counts need an owner")
	}
	c := s.clock(ctx)
	var err error
	switch {
	case len(u.InFlight) == 0 && len(u.States) == 0:
	case len(u.States) == 0:
		q, args := inFlightSQL(0, owner, u, c)
		err = s.exec(ctx, nil, q, args...)
	case len(u.InFlight) == 0:
		q, args := statesSQL(0, u.States, c)
		err = s.exec(ctx, nil, q, args...)
	case s.db.Dialect == sqldb.Postgres:
		q1, a1 := inFlightSQL(0, owner, u, c)
		q2, a2 := statesSQL(len(a1), u.States, c)
		err = s.exec(ctx, nil, "WITH f AS ("+q1+" RETURNING 1) "+q2, append(a1, a2...)...)
	default:
		q1, a1 := inFlightSQL(0, owner, u, c)
		q2, a2 := statesSQL(0, u.States, c)
		s.prepared(ctx, q1)
		s.prepared(ctx, q2)
		err = s.db.WithTx(ctx, func(tx *sql.Tx) error {
			if err := s.exec(ctx, tx, q1, a1...); err != nil {
				return err
			}
			return s.exec(ctx, tx, q2, a2...)
		})
	}
	if err != nil {
		return fmt.Errorf("usagestore: updating usage: %w", err)
	}
	if s.purgeDue(c.now) {
		return s.Purge(ctx)
	}
	return nil
}

// params numbers the arguments of a statement from start+1.
type params struct {
	start int
	args  []any
}

func (p *params) add(v any) string {
	p.args = append(p.args, v)
	return "$" + strconv.Itoa(p.start+len(p.args))
}

// inFlightSQL sets owner's in-flight counts unless a later Seq was applied.
func inFlightSQL(start int, owner string, u metaads.UsageUpdate, c dbClock) (string, []any) {
	p := &params{start: start}
	var b strings.Builder
	b.WriteString(`INSERT INTO metaads_usage_inflight (scope, object_id, owner, n, seq, updated_us) VALUES `)
	o, seq, at := p.add(owner), p.add(int64(u.Seq)), p.add(c.us(c.now))
	for i, k := range sortedKeys(u.InFlight) {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "(%s, %s, %s, %s, %s, %s)", p.add(k.Scope), p.add(k.ID), o, p.add(int64(u.InFlight[k])), seq, at)
	}
	b.WriteString(` ON CONFLICT (scope, object_id, owner) DO UPDATE SET n = excluded.n, seq = excluded.seq, updated_us = excluded.updated_us
	WHERE excluded.seq >= metaads_usage_inflight.seq`)
	return b.String(), p.args
}

// statesSQL merges states into the stored ones: metaads.MergeUsage in SQL
// (every right-hand side reads the row as it was), on the database's
// clock.
func statesSQL(start int, states map[metaads.UsageKey]metaads.UsageState, c dbClock) (string, []any) {
	p := &params{start: start}
	var b strings.Builder
	b.WriteString(`INSERT INTO metaads_usage (scope, object_id, pct, observed_us, blocked_until_us, cost_per_call) VALUES `)
	// Sorted keys lock the rows in one order in every process, so
	// concurrent updates on PostgreSQL cannot deadlock.
	for i, k := range sortedKeys(states) {
		st := states[k]
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "(%s, %s, %s, %s, %s, %s)", p.add(k.Scope), p.add(k.ID), p.add(st.Pct), p.add(c.us(st.ObservedAt)), p.add(c.us(st.BlockedUntil)), p.add(st.CostPerCall))
	}
	b.WriteString(` ON CONFLICT (scope, object_id) DO UPDATE SET
	pct = CASE WHEN excluded.observed_us > metaads_usage.observed_us THEN excluded.pct
		WHEN excluded.observed_us = metaads_usage.observed_us AND excluded.pct > metaads_usage.pct THEN excluded.pct
		ELSE metaads_usage.pct END,
	observed_us = CASE WHEN excluded.observed_us > metaads_usage.observed_us THEN excluded.observed_us ELSE metaads_usage.observed_us END,
	cost_per_call = CASE WHEN excluded.observed_us >= metaads_usage.observed_us AND excluded.cost_per_call > 0 THEN excluded.cost_per_call
		ELSE metaads_usage.cost_per_call END,
	blocked_until_us = CASE WHEN excluded.blocked_until_us > metaads_usage.blocked_until_us THEN excluded.blocked_until_us
		ELSE metaads_usage.blocked_until_us END`)
	return b.String(), p.args
}

func sortedKeys[V any](m map[metaads.UsageKey]V) []metaads.UsageKey {
	keys := make([]metaads.UsageKey, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b metaads.UsageKey) int {
		if c := strings.Compare(a.Scope, b.Scope); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return keys
}

// purgeDue reports whether this update should purge, at most once per
// WithPurgeEvery in this process.
func (s *Store) purgeDue(now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if now.Before(s.nextPurge) {
		return false
	}
	s.nextPurge = now.Add(s.purgeEvery)
	return true
}

// Purge deletes the states that have expired (observed longer ago than
// the window and not blocked) and the in-flight counts not updated within
// the in-flight TTL. Loads ignore those already; this keeps the tables
// small.
func (s *Store) Purge(ctx context.Context) error {
	c := s.clock(ctx)
	if _, err := s.db.SQL.ExecContext(ctx, `DELETE FROM metaads_usage WHERE observed_us < $1 AND blocked_until_us <= $2`,
		c.us(c.now.Add(-s.window)), c.us(c.now)); err != nil {
		return fmt.Errorf("usagestore: purging usage: %w", err)
	}
	if _, err := s.db.SQL.ExecContext(ctx, `DELETE FROM metaads_usage_inflight WHERE updated_us < $1`, c.us(c.now.Add(-s.inFlightTTL))); err != nil {
		return fmt.Errorf("usagestore: purging in-flight counts: %w", err)
	}
	return nil
}
