package signals

import (
	"context"
	"fmt"
	"time"

	"github.com/adpilot/adpilot/analysis"
)

// Func returns an analysis.SignalFunc that runs every signal function
// with opts, for analysis.RunOptions.Signals:
//
//	report, err := analysis.Run(ctx, client, acct, analysis.RunOptions{Signals: signals.Func()})
//
// The signals are computed as of the Dataset's CollectedAt (today's
// spend is as of then); now is checked to be set but not otherwise used.
// Reach estimates need the network, which the signal functions never
// use: fetch them first ([OverlapQueries], metaads
// AccountsService.DeliveryEstimate) and pass them with
// [WithReachEstimates].
func Func(opts ...Option) analysis.SignalFunc {
	return func(ctx context.Context, ds *analysis.Dataset, now time.Time) ([]analysis.Signal, error) {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("signals: %w", err)
		}
		if now.IsZero() {
			return nil, fmt.Errorf("signals: %w: zero time; expected the time of the pass", analysis.ErrInvalidInput)
		}
		r, err := All(ds, opts...)
		if err != nil {
			return nil, err
		}
		return r.Signals(), nil
	}
}
