package usagestore

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/adpilot/adpilot/examples/internal/sqldb"
	"github.com/adpilot/adpilot/examples/internal/testdb"
	"github.com/adpilot/adpilot/metaads"
)

// openDB opens a fresh migrated database of the engine; more opens the
// same database again (another connection or pool, as another process
// would).
func openDB(t testing.TB, d sqldb.Dialect) (db *sqldb.DB, more func() *sqldb.DB) {
	t.Helper()
	dsn := testdb.DSN(t, d)
	open := func() *sqldb.DB {
		t.Helper()
		db, err := sqldb.Open(context.Background(), dsn)
		require.NoError(t, err)
		t.Cleanup(func() { db.Close() })
		return db
	}
	db = open()
	require.NoError(t, db.Migrate(context.Background(), Migrations, nil))
	return db, open
}

// clock is a settable clock for the store.
type clock struct{ ns atomic.Int64 }

func newClock(t time.Time) *clock {
	c := &clock{}
	c.ns.Store(t.UnixNano())
	return c
}
func (c *clock) now() time.Time               { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) add(d time.Duration)          { c.ns.Add(int64(d)) }
func (c *clock) at(d time.Duration) time.Time { return c.now().Add(d) }

var (
	appKey  = metaads.UsageKey{Scope: "app"}
	acctKey = metaads.UsageKey{Scope: "ad_account", ID: "1001"}
	bucKey  = metaads.UsageKey{Scope: "ads_insights", ID: "1001"}
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func TestStore(t *testing.T) {
	for _, d := range testdb.Engines {
		t.Run(string(d), func(t *testing.T) {
			db, _ := openDB(t, d)
			clk := newClock(t0)
			s, err := New(db, WithClock(clk.now))
			require.NoError(t, err)
			ctx := t.Context()

			got, err := s.LoadShared(ctx, "a", []metaads.UsageKey{appKey, acctKey})
			require.NoError(t, err)
			assert.Empty(t, got, "nothing known yet")

			// Admission: in-flight counts only.
			require.NoError(t, s.UpdateShared(ctx, "a", metaads.UsageUpdate{Seq: 1, InFlight: map[metaads.UsageKey]int{appKey: 2, acctKey: 2}}))
			require.NoError(t, s.UpdateShared(ctx, "b", metaads.UsageUpdate{Seq: 1, InFlight: map[metaads.UsageKey]int{appKey: 1}}))
			got, err = s.LoadShared(ctx, "a", []metaads.UsageKey{appKey, acctKey})
			require.NoError(t, err)
			assert.Equal(t, map[metaads.UsageKey]metaads.UsageState{appKey: {InFlight: 1}}, got, "b's call in flight; a's own are not counted")

			// Answer: states and counts in one update.
			st := metaads.UsageState{Pct: 37.5, ObservedAt: clk.at(0), CostPerCall: 1.25, BlockedUntil: clk.at(time.Minute), InFlight: 99}
			require.NoError(t, s.UpdateShared(ctx, "a", metaads.UsageUpdate{Seq: 2, InFlight: map[metaads.UsageKey]int{appKey: 1, acctKey: 1},
				States: map[metaads.UsageKey]metaads.UsageState{appKey: st, acctKey: {Pct: 12, ObservedAt: clk.at(0)}}}))
			got, err = s.LoadShared(ctx, "b", []metaads.UsageKey{appKey, acctKey, bucKey})
			require.NoError(t, err)
			st.InFlight = 1
			assert.Equal(t, map[metaads.UsageKey]metaads.UsageState{appKey: st, acctKey: {Pct: 12, ObservedAt: clk.at(0), InFlight: 1}}, got)

			// A stale update of a (lower Seq) leaves its newer counts.
			require.NoError(t, s.UpdateShared(ctx, "a", metaads.UsageUpdate{Seq: 1, InFlight: map[metaads.UsageKey]int{appKey: 7}}))
			loaded, ok, err := s.Load(ctx, appKey)
			require.NoError(t, err)
			assert.True(t, ok)
			assert.Equal(t, 2, loaded.InFlight, "Load counts every owner: a's 1 and b's 1")

			// Store merges too, and needs no owner.
			require.NoError(t, s.Store(ctx, appKey, metaads.UsageState{Pct: 80, ObservedAt: clk.at(-time.Second)}))
			loaded, _, err = s.Load(ctx, appKey)
			require.NoError(t, err)
			assert.Equal(t, 37.5, loaded.Pct, "an older observation does not overwrite a newer one")
			assert.ErrorContains(t, s.UpdateShared(ctx, "", metaads.UsageUpdate{InFlight: map[metaads.UsageKey]int{appKey: 1}}), "owner")
		})
	}
}

// TestMergeMatchesMergeUsage: the SQL upsert merges as metaads.MergeUsage
// does, on both engines.
func TestMergeMatchesMergeUsage(t *testing.T) {
	stored := metaads.UsageState{Pct: 40, ObservedAt: t0, BlockedUntil: t0.Add(time.Minute), CostPerCall: 2}
	updates := map[string]metaads.UsageState{
		"newer":              {Pct: 30, ObservedAt: t0.Add(time.Second), CostPerCall: 1.5},
		"newer without cost": {Pct: 50, ObservedAt: t0.Add(time.Second)},
		"older with a block": {Pct: 90, ObservedAt: t0.Add(-time.Second), BlockedUntil: t0.Add(time.Hour), CostPerCall: 9},
		"tie lower":          {Pct: 35, ObservedAt: t0, CostPerCall: 3},
		"tie higher":         {Pct: 45, ObservedAt: t0},
		"shorter block":      {Pct: 10, ObservedAt: t0.Add(time.Second), BlockedUntil: t0},
	}
	for _, d := range testdb.Engines {
		t.Run(string(d), func(t *testing.T) {
			db, _ := openDB(t, d)
			s, err := New(db, WithClock(func() time.Time { return t0 }))
			require.NoError(t, err)
			ctx := t.Context()
			i := 0
			for name, u := range updates {
				i++
				k := metaads.UsageKey{Scope: "ads_management", ID: fmt.Sprint(i)}
				require.NoError(t, s.Store(ctx, k, stored))
				require.NoError(t, s.Store(ctx, k, u))
				got, ok, err := s.Load(ctx, k)
				require.NoError(t, err)
				require.True(t, ok)
				assert.Equal(t, metaads.MergeUsage(stored, u), got, name)
			}
		})
	}
}

// TestConcurrentWriters: eight writers, each on a connection of its own
// (its own pool on PostgreSQL, its own handle on the SQLite file), answer
// requests on the same budgets at once. No update is lost or fails: the
// state is the newest observation, each writer's in-flight count is its
// last, and loads see the sum.
func TestConcurrentWriters(t *testing.T) {
	const writers, rounds = 8, 40
	for _, d := range testdb.Engines {
		t.Run(string(d), func(t *testing.T) {
			_, more := openDB(t, d)
			var wg sync.WaitGroup
			errs := make(chan error, writers*rounds)
			// The writers' clocks and the reader's are one that stands
			// at t0 (observations at t0 are not expired, and the times
			// read back are the writers'), without measuring the database
			// clock against it (at different moments, each store would
			// find another offset).
			at0 := func() time.Time { return t0 }
			for w := range writers {
				s, err := New(more(), WithClock(at0), WithClockSync(0))
				require.NoError(t, err)
				owner := fmt.Sprintf("writer-%d", w)
				wg.Go(func() {
					ctx := context.Background()
					for r := range rounds {
						// Observation times interleave across writers; the
						// largest is writer 7's last.
						at := t0.Add(time.Duration(r*writers+w) * time.Millisecond)
						u := metaads.UsageUpdate{Seq: uint64(r + 1),
							InFlight: map[metaads.UsageKey]int{appKey: w + 1, acctKey: w + 1, bucKey: (r + 1) % 3},
							States: map[metaads.UsageKey]metaads.UsageState{
								appKey:  {Pct: float64(r*writers + w), ObservedAt: at, CostPerCall: 0.5},
								acctKey: {Pct: float64(w), ObservedAt: at, BlockedUntil: at.Add(time.Duration(w) * time.Second)},
							}}
						if err := s.UpdateShared(ctx, owner, u); err != nil {
							errs <- err
							return
						}
						if _, err := s.LoadShared(ctx, owner, []metaads.UsageKey{appKey, acctKey, bucKey}); err != nil {
							errs <- err
							return
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			s, err := New(more(), WithClock(at0), WithClockSync(0))
			require.NoError(t, err)
			got, err := s.LoadShared(t.Context(), "reader", []metaads.UsageKey{appKey, acctKey, bucKey})
			require.NoError(t, err)
			last := t0.Add(time.Duration((rounds-1)*writers+writers-1) * time.Millisecond)
			sum := writers * (writers + 1) / 2
			assert.Equal(t, metaads.UsageState{Pct: float64((rounds-1)*writers + writers - 1), ObservedAt: last, CostPerCall: 0.5, InFlight: sum}, got[appKey])
			assert.Equal(t, metaads.UsageState{Pct: writers - 1, ObservedAt: last, BlockedUntil: t0.Add(time.Duration((rounds-1)*writers+writers-1)*time.Millisecond + (writers-1)*time.Second), InFlight: sum}, got[acctKey],
				"the newest figure and the latest block")
			assert.Equal(t, writers*(rounds%3), got[bucKey].InFlight, "each writer's last count")
		})
	}
}

// TestExpiry: a state observed longer ago than the window is unknown
// unless still blocked; an in-flight count not updated within the TTL is
// not counted; Purge deletes both kinds of rows.
func TestExpiry(t *testing.T) {
	for _, d := range testdb.Engines {
		t.Run(string(d), func(t *testing.T) {
			db, _ := openDB(t, d)
			clk := newClock(t0)
			// The clock moves by minutes: no new measurement of the
			// database clock's offset takes that for a wrong clock.
			s, err := New(db, WithClock(clk.now), WithWindow(time.Hour), WithInFlightTTL(5*time.Minute), WithPurgeEvery(24*time.Hour), WithClockSync(24*time.Hour))
			require.NoError(t, err)
			ctx := t.Context()
			require.NoError(t, s.UpdateShared(ctx, "a", metaads.UsageUpdate{Seq: 1, InFlight: map[metaads.UsageKey]int{appKey: 3},
				States: map[metaads.UsageKey]metaads.UsageState{
					appKey:  {Pct: 60, ObservedAt: clk.at(0)},
					acctKey: {Pct: 100, ObservedAt: clk.at(0), BlockedUntil: clk.at(90 * time.Minute)},
				}}))
			load := func() map[metaads.UsageKey]metaads.UsageState {
				t.Helper()
				got, err := s.LoadShared(ctx, "b", []metaads.UsageKey{appKey, acctKey})
				require.NoError(t, err)
				return got
			}
			clk.add(4 * time.Minute)
			assert.Equal(t, 3, load()[appKey].InFlight)
			clk.add(2 * time.Minute) // 6 minutes: a's count is older than the TTL
			assert.Equal(t, metaads.UsageState{Pct: 60, ObservedAt: t0}, load()[appKey], "the state stands, the count does not")
			clk.add(55 * time.Minute) // 61 minutes: past the window
			got := load()
			assert.NotContains(t, got, appKey, "expired after the window")
			assert.Contains(t, got, acctKey, "still blocked")
			require.NoError(t, s.Purge(ctx))
			count := func(table string) int {
				var n int
				require.NoError(t, db.SQL.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&n))
				return n
			}
			assert.Equal(t, 1, count("metaads_usage"), "the blocked state is kept")
			assert.Equal(t, 0, count("metaads_usage_inflight"))
			clk.add(30 * time.Minute) // the block is over too
			assert.Empty(t, load())
			require.NoError(t, s.Purge(ctx))
			assert.Equal(t, 0, count("metaads_usage"))
		})
	}
}

// TestPurgeRunsFromUpdates: updates purge at most once per WithPurgeEvery.
func TestPurgeRunsFromUpdates(t *testing.T) {
	db, _ := openDB(t, sqldb.SQLite)
	clk := newClock(t0)
	s, err := New(db, WithClock(clk.now), WithWindow(time.Minute), WithPurgeEvery(10*time.Minute))
	require.NoError(t, err)
	ctx := t.Context()
	require.NoError(t, s.Store(ctx, appKey, metaads.UsageState{Pct: 5, ObservedAt: clk.at(0)}))
	rows := func() int {
		var n int
		require.NoError(t, db.SQL.QueryRowContext(ctx, "SELECT count(*) FROM metaads_usage").Scan(&n))
		return n
	}
	clk.add(5 * time.Minute)
	require.NoError(t, s.Store(ctx, acctKey, metaads.UsageState{Pct: 5, ObservedAt: clk.at(0)}))
	assert.Equal(t, 2, rows(), "no purge before WithPurgeEvery")
	clk.add(6 * time.Minute)
	require.NoError(t, s.Store(ctx, bucKey, metaads.UsageState{Pct: 5, ObservedAt: clk.at(0)}))
	assert.Equal(t, 1, rows(), "the two expired rows are gone")
}

func TestOptions(t *testing.T) {
	db, _ := openDB(t, sqldb.SQLite)
	for name, o := range map[string]Option{
		"WithWindow":      WithWindow(0),
		"WithInFlightTTL": WithInFlightTTL(-time.Second),
		"WithPurgeEvery":  WithPurgeEvery(0),
		"WithClockSync":   WithClockSync(-time.Second),
		"WithClock":       WithClock(nil),
		"option 0 is nil": nil,
	} {
		_, err := New(db, o)
		assert.ErrorContains(t, err, name)
	}
	_, err := New(nil)
	assert.ErrorContains(t, err, "want an open *sqldb.DB")
}

// TestMigrationsSharedByTwoPrograms: two programs with their own
// migrations (and version tables) share one database; each runs
// Migrations after its own, and the usage tables are made once.
func TestMigrationsSharedByTwoPrograms(t *testing.T) {
	program := func(table, name string) sqldb.Migrations {
		sql := "-- +goose Up\nCREATE TABLE " + name + " (id INTEGER PRIMARY KEY);\n-- +goose Down\nDROP TABLE " + name + ";\n"
		return sqldb.Migrations{Table: table, FS: fstest.MapFS{
			"sqlite/00001_init.sql":   {Data: []byte(sql)},
			"postgres/00001_init.sql": {Data: []byte(sql)},
		}}
	}
	for _, d := range testdb.Engines {
		t.Run(string(d), func(t *testing.T) {
			dsn := testdb.DSN(t, d)
			ctx := t.Context()
			for _, p := range []sqldb.Migrations{program("crm_versions", "crm_things"), program("agent_versions", "agent_things"), program("crm_versions", "crm_things")} {
				db, err := sqldb.Open(ctx, dsn)
				require.NoError(t, err)
				require.NoError(t, db.Migrate(ctx, p, nil, Migrations))
				v, err := db.SchemaVersion(ctx, Migrations)
				require.NoError(t, err)
				assert.EqualValues(t, 1, v)
				s, err := New(db)
				require.NoError(t, err)
				require.NoError(t, s.Store(ctx, appKey, metaads.UsageState{Pct: 1, ObservedAt: time.Now()}))
				require.NoError(t, db.Close())
			}
		})
	}
}

func TestForMode(t *testing.T) {
	for _, d := range testdb.Engines {
		t.Run(string(d), func(t *testing.T) {
			db, _ := openDB(t, d)
			s, mode, err := ForMode(db, ModeAuto)
			require.NoError(t, err)
			if d == sqldb.Postgres {
				assert.Equal(t, ModeDatabase, mode, "auto shares on PostgreSQL")
				assert.IsType(t, &Store{}, s)
			} else {
				assert.Equal(t, ModeMemory, mode, "auto keeps it in the process on SQLite")
				assert.IsType(t, &metaads.MemoryUsageStore{}, s)
			}
			s, mode, err = ForMode(db, ModeDatabase, WithWindow(time.Minute))
			require.NoError(t, err)
			assert.Equal(t, ModeDatabase, mode)
			assert.Equal(t, time.Minute, s.(*Store).window)
			s, _, err = ForMode(db, ModeMemory)
			require.NoError(t, err)
			assert.IsType(t, &metaads.MemoryUsageStore{}, s)
			_, _, err = ForMode(db, "redis")
			assert.ErrorContains(t, err, `usage store "redis": want auto, database or memory`)
			_, _, err = ForMode(db, ModeDatabase, WithWindow(0))
			assert.ErrorContains(t, err, "WithWindow")
		})
	}
}
