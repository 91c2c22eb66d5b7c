package signals

import (
	"testing"
	"time"
)

func TestQuietPullSpeed(t *testing.T) {
	t0 := time.Now()
	for seed := range uint64(5) {
		ds := quietDataset(t, seed+1)
		_ = ds
	}
	t.Logf("per pull %v", time.Since(t0)/5)
}
