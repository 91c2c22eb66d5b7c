package usagestore

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/adpilot/adpilot/examples/internal/testdb"
	"github.com/adpilot/adpilot/metaads"
)

// TestAnswerNeitherLostNorCountedTwice: one process sends requests one
// after another (each costs 1 point: admitted, its call counts in flight;
// answered, the headers count it and the count drops), while another
// process, on a connection of its own, reads the budget all along. What
// the reader estimates (the headers' figure plus the calls in flight)
// never goes down: an answer whose new figure were seen before its count
// dropped would count the call twice (and then go down), one whose count
// dropped before its figure arrived would lose it. The answer's states and
// count are one statement on PostgreSQL and one transaction on SQLite.
func TestAnswerNeitherLostNorCountedTwice(t *testing.T) {
	const rounds = 150
	for _, d := range testdb.Engines {
		t.Run(string(d), func(t *testing.T) {
			_, more := openDB(t, d)
			w, err := New(more(), WithClock(func() time.Time { return t0 }), WithClockSync(0))
			require.NoError(t, err)
			r, err := New(more(), WithClock(func() time.Time { return t0 }), WithClockSync(0))
			require.NoError(t, err)
			ctx := context.Background()
			done := make(chan struct{})
			var wg sync.WaitGroup
			var readErr error
			var reads, drops int
			wg.Go(func() {
				last := 0.0
				for {
					select {
					case <-done:
						return
					default:
					}
					got, err := r.LoadShared(ctx, "reader", []metaads.UsageKey{appKey})
					if err != nil {
						readErr = err
						return
					}
					reads++
					st := got[appKey]
					est := st.Pct + float64(st.InFlight)
					if est < last {
						drops++
					}
					last = est
				}
			})
			var seq uint64
			for i := 1; i <= rounds; i++ {
				seq++
				require.NoError(t, w.UpdateShared(ctx, "writer", metaads.UsageUpdate{Seq: seq, InFlight: map[metaads.UsageKey]int{appKey: 1}}))
				seq++
				// Every answer is observed later than the one before.
				require.NoError(t, w.UpdateShared(ctx, "writer", metaads.UsageUpdate{Seq: seq, InFlight: map[metaads.UsageKey]int{appKey: 0},
					States: map[metaads.UsageKey]metaads.UsageState{appKey: {Pct: float64(i), ObservedAt: t0.Add(time.Duration(i) * time.Millisecond), CostPerCall: 1}}}))
			}
			close(done)
			wg.Wait()
			require.NoError(t, readErr)
			assert.Positive(t, reads)
			assert.Zero(t, drops, "the estimate went down %d times in %d reads: an answer counted twice or lost", drops, reads)
			t.Logf("%d reads during %d requests", reads, rounds)
		})
	}
}
