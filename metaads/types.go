package metaads

import (
	"fmt"
	"time"

	"github.com/adpilot/adpilot/internal/wire"
)

// Status is the configured status of a campaign, ad set, ad or creative.
type Status string

// Statuses a caller can set. Only ACTIVE and PAUSED are allowed at creation.
const (
	StatusActive   Status = "ACTIVE"
	StatusPaused   Status = "PAUSED"
	StatusArchived Status = "ARCHIVED"
	StatusDeleted  Status = "DELETED"
)

// Valid reports whether s is one of the settable statuses.
func (s Status) Valid() bool {
	switch s {
	case StatusActive, StatusPaused, StatusArchived, StatusDeleted:
		return true
	}
	return false
}

// EffectiveStatus is the delivery status Meta computes from an object's own
// status and its parents' (for example CAMPAIGN_PAUSED).
type EffectiveStatus string

// Effective statuses of campaigns, ad sets and ads.
const (
	EffectiveActive             EffectiveStatus = "ACTIVE"
	EffectivePaused             EffectiveStatus = "PAUSED"
	EffectiveDeleted            EffectiveStatus = "DELETED"
	EffectiveArchived           EffectiveStatus = "ARCHIVED"
	EffectiveInProcess          EffectiveStatus = "IN_PROCESS"
	EffectiveWithIssues         EffectiveStatus = "WITH_ISSUES"
	EffectiveCampaignPaused     EffectiveStatus = "CAMPAIGN_PAUSED"
	EffectiveAdSetPaused        EffectiveStatus = "ADSET_PAUSED"
	EffectivePendingReview      EffectiveStatus = "PENDING_REVIEW"
	EffectiveDisapproved        EffectiveStatus = "DISAPPROVED"
	EffectivePreapproved        EffectiveStatus = "PREAPPROVED"
	EffectivePendingBillingInfo EffectiveStatus = "PENDING_BILLING_INFO"
)

// IDName is a reference with an id and an optional name (interests,
// audiences, businesses).
type IDName struct {
	ID   string `json:"id"`             // the object id
	Name string `json:"name,omitempty"` // its name, when Meta sends one
}

// Time is a Graph timestamp ("2026-01-02T15:04:05-0800"). The zero Time
// means the field was absent.
type Time struct{ time.Time }

var timeLayouts = []string{"2006-01-02T15:04:05-0700", time.RFC3339, "2006-01-02T15:04:05Z0700", "2006-01-02"}

// maxUnixSeconds is the last second of year 9999.
const maxUnixSeconds = 253402300799

// UnmarshalJSON accepts Graph's timestamp forms, unix seconds (0 to the end
// of year 9999), and "" / null / 0.
func (t *Time) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" || s == `""` || s == "0" || s == `"0"` {
		t.Time = time.Time{}
		return nil
	}
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
		for _, l := range timeLayouts {
			if v, err := time.Parse(l, s); err == nil {
				if v.Year() < 1 {
					return fmt.Errorf("metaads: time %q: year %d: want years 1 to 9999", s, v.Year())
				}
				t.Time = v
				return nil
			}
		}
		return fmt.Errorf("metaads: time %q: want a Graph timestamp like 2026-01-02T15:04:05-0800", s)
	}
	var n wire.Int64
	if err := n.UnmarshalJSON(b); err != nil {
		return fmt.Errorf("metaads: time %s: want a timestamp string or unix seconds", s)
	}
	if n < 0 || n > maxUnixSeconds {
		return fmt.Errorf("metaads: time %s: want unix seconds from 0 to %d (year 9999)", s, int64(maxUnixSeconds))
	}
	t.Time = time.Unix(int64(n), 0).UTC()
	return nil
}

// MarshalJSON writes Graph's timestamp form.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte(`""`), nil
	}
	return []byte(`"` + t.Format("2006-01-02T15:04:05-0700") + `"`), nil
}
