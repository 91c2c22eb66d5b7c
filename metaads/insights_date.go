package metaads

import (
	"fmt"
	"time"
)

// Date is a calendar day in the ad account's time zone, the unit of
// insights date ranges ("YYYY-MM-DD" on the wire). The zero Date is unset.
type Date struct {
	Year  int        // such as 2026
	Month time.Month // 1 to 12
	Day   int        // 1 to 31
}

// ParseDate parses "YYYY-MM-DD" and rejects days that do not exist.
func ParseDate(s string) (Date, error) {
	d, ok := parseDateBytes([]byte(s))
	if !ok {
		return Date{}, fmt.Errorf("metaads: invalid date %q: want YYYY-MM-DD", s)
	}
	return d, nil
}

// parseDateBytes parses "YYYY-MM-DD" without allocating.
func parseDateBytes(b []byte) (Date, bool) {
	if len(b) != 10 || b[4] != '-' || b[7] != '-' {
		return Date{}, false
	}
	num := func(s []byte) (int, bool) {
		n := 0
		for _, c := range s {
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	y, ok1 := num(b[0:4])
	m, ok2 := num(b[5:7])
	d, ok3 := num(b[8:10])
	if !ok1 || !ok2 || !ok3 || y < 1 || m < 1 || m > 12 || d < 1 || d > daysIn(time.Month(m), y) {
		return Date{}, false
	}
	return Date{Year: y, Month: time.Month(m), Day: d}, true
}

func daysIn(m time.Month, y int) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// DateOf returns the calendar day of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}

// IsZero reports whether d is unset.
func (d Date) IsZero() bool { return d == Date{} }

// Valid reports whether d is a real calendar day.
func (d Date) Valid() bool {
	return d.Year >= 1 && d.Year <= 9999 && d.Month >= 1 && d.Month <= 12 && d.Day >= 1 && d.Day <= daysIn(d.Month, d.Year)
}

// String returns "YYYY-MM-DD".
func (d Date) String() string {
	if d.Year < 0 || d.Year > 9999 || d.Month < 0 || d.Month > 99 || d.Day < 0 || d.Day > 99 {
		return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
	}
	// Without fmt: rows' keys (Insight.Key) format two dates each.
	b := [10]byte{byte('0' + d.Year/1000), byte('0' + d.Year/100%10), byte('0' + d.Year/10%10), byte('0' + d.Year%10), '-',
		byte('0' + int(d.Month)/10), byte('0' + int(d.Month)%10), '-', byte('0' + d.Day/10), byte('0' + d.Day%10)}
	return string(b[:])
}

// time returns d at midnight UTC.
func (d Date) time() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// AddDays returns d moved by n days.
func (d Date) AddDays(n int) Date { return DateOf(d.time().AddDate(0, 0, n)) }

// Before reports whether d is earlier than e.
func (d Date) Before(e Date) bool { return d.time().Before(e.time()) }

// DaysUntil returns the number of days from d to e (negative when e is earlier).
func (d Date) DaysUntil(e Date) int { return int(e.time().Sub(d.time()).Hours() / 24) }

// MarshalText implements encoding.TextMarshaler ("YYYY-MM-DD").
func (d Date) MarshalText() ([]byte, error) {
	if !d.Valid() {
		return nil, fmt.Errorf("metaads: cannot encode invalid date %d-%d-%d", d.Year, int(d.Month), d.Day)
	}
	return []byte(d.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler ("YYYY-MM-DD").
func (d *Date) UnmarshalText(b []byte) error {
	v, ok := parseDateBytes(b)
	if !ok {
		return fmt.Errorf("metaads: invalid date %q: want YYYY-MM-DD", b)
	}
	*d = v
	return nil
}

// TimeRange is an inclusive range of days: Since and Until both count.
type TimeRange struct {
	Since Date `json:"since"` // first day
	Until Date `json:"until"` // last day, included
}

// IsZero reports whether r is unset (go-querystring then omits it).
func (r TimeRange) IsZero() bool { return r.Since.IsZero() && r.Until.IsZero() }

// Days returns the number of days in r (1 when Since == Until).
func (r TimeRange) Days() int { return r.Since.DaysUntil(r.Until) + 1 }

// String returns "since..until".
func (r TimeRange) String() string { return r.Since.String() + ".." + r.Until.String() }

// validate checks that both ends are set and in order.
func (r TimeRange) validate() error {
	if !r.Since.Valid() || !r.Until.Valid() {
		return fmt.Errorf("metaads: insights time_range %v: want both Since and Until set to real days", r)
	}
	if r.Until.Before(r.Since) {
		return fmt.Errorf("metaads: insights time_range %v: Until is before Since", r)
	}
	return nil
}
