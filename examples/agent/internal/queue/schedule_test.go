package queue

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSchedule(t *testing.T) {
	at := time.Date(2026, 3, 11, 18, 30, 0, 0, time.UTC)
	for _, c := range []struct {
		every      time.Duration
		cron       string
		slot, next time.Time
	}{
		{every: 6 * time.Hour, slot: time.Date(2026, 3, 11, 18, 0, 0, 0, time.UTC), next: time.Date(2026, 3, 12, 0, 0, 0, 0, time.UTC)},
		{every: time.Hour, slot: time.Date(2026, 3, 11, 18, 0, 0, 0, time.UTC), next: time.Date(2026, 3, 11, 19, 0, 0, 0, time.UTC)},
		{cron: "0 */6 * * *", slot: time.Date(2026, 3, 11, 18, 0, 0, 0, time.UTC), next: time.Date(2026, 3, 12, 0, 0, 0, 0, time.UTC)},
		{cron: "*/5 * * * *", slot: at, next: at.Add(5 * time.Minute)},
		{cron: "@daily", slot: time.Date(2026, 3, 11, 0, 0, 0, 0, time.UTC), next: time.Date(2026, 3, 12, 0, 0, 0, 0, time.UTC)},
		{cron: "0 9 1 * *", slot: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), next: time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)},
		{cron: "0 0 1 1 *", slot: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), next: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)},
		{cron: "CRON_TZ=America/Los_Angeles 0 8 * * *", slot: time.Date(2026, 3, 11, 15, 0, 0, 0, time.UTC), next: time.Date(2026, 3, 12, 15, 0, 0, 0, time.UTC)},
	} {
		s, err := ParseSchedule(c.every, c.cron)
		require.NoError(t, err, c.cron)
		assert.Equal(t, c.slot, s.Slot(at), "%s slot", s)
		assert.Equal(t, c.next, s.Next(at).UTC(), "%s next", s)
		assert.Equal(t, s.Key(at), s.Key(c.slot), "%s: the slot's start has the same key", s)
		assert.Equal(t, s.Slot(at), s.Slot(s.Slot(at)), "%s: a slot start is its own slot", s)
	}
	for _, c := range []struct {
		every time.Duration
		cron  string
	}{{0, ""}, {time.Hour, "@daily"}, {time.Second, ""}, {-time.Hour, ""}, {0, "61 * * * *"}, {0, "every day"}} {
		_, err := ParseSchedule(c.every, c.cron)
		assert.Error(t, err, "%v %q", c.every, c.cron)
	}
}
