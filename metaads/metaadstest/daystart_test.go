package metaadstest

import (
	"testing"
	"time"
)

// The generator's days start where the account's calendar day does: at
// 01:00 in America/Santiago on 8 September 2024, when the clocks jumped
// from 00:00 to 01:00 (not at 23:00 of the 7th), and at local midnight on
// ordinary days.
func TestDayStartDST(t *testing.T) {
	scl, err := time.LoadLocation("America/Santiago")
	if err != nil {
		t.Fatal(err)
	}
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		loc  *time.Location
		date string
		want string // RFC 3339, UTC
	}{
		{scl, "2024-09-08", "2024-09-08T04:00:00Z"}, // 01:00 −03
		{scl, "2024-09-07", "2024-09-07T04:00:00Z"}, // 00:00 −04
		{scl, "2024-09-09", "2024-09-09T03:00:00Z"}, // 00:00 −03
		{la, "2026-03-08", "2026-03-08T08:00:00Z"},  // 00:00 PST; the jump is at 02:00
	} {
		d, _ := time.Parse(time.DateOnly, tt.date)
		day := dayOf(d, time.UTC)
		if got := dayStart(day, tt.loc); got.UTC().Format(time.RFC3339) != tt.want {
			t.Errorf("dayStart(%s, %v) = %v, want %s", tt.date, tt.loc, got.UTC(), tt.want)
		}
		if back := dayOf(dayStart(day, tt.loc), tt.loc); back != day {
			t.Errorf("dayOf(dayStart(%s)) = %d, want %d", tt.date, back, day)
		}
	}
}
