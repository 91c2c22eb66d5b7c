package metaads

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
)

// AdsService reads ads.
type AdsService struct{ c *Client }

// adFields are the fields requested for ads when none are given.
var adFields = []string{"id", "account_id", "campaign_id", "adset_id", "name", "status", "configured_status", "effective_status", "creative", "created_time", "updated_time"}

var adEdge = edge{kind: "ad", name: "ads", fields: adFields, parentKind: "campaign or ad set"}

// Get reads an ad.
func (s *AdsService) Get(ctx context.Context, acct AccountID, id string, o GetOptions) (*Ad, error) {
	return getObject[Ad](ctx, s.c, "ad", acct, id, o, adFields)
}

// List iterates over ads of the account, or of the campaign or ad set in o.Parent.
func (s *AdsService) List(ctx context.Context, acct AccountID, o ListOptions) iter.Seq2[Ad, error] {
	return listAll[Ad](ctx, s.c, adEdge, acct, o)
}

// ListPage returns one page of ads.
func (s *AdsService) ListPage(ctx context.Context, acct AccountID, o ListOptions, after string) (*Page[Ad], error) {
	return listPage[Ad](ctx, s.c, adEdge, acct, o, after)
}

// UpdateStatus sets an ad's status (for example pausing one ad of an ad
// set). Like every write it is validated first and retried only when
// marked Idempotent or when the failure proves Meta did not process it.
func (s *AdsService) UpdateStatus(ctx context.Context, acct AccountID, id string, status Status, opts ...WriteOption) error {
	return s.c.updateStatus(ctx, "ad", acct, id, status, opts)
}

// Ad is an ad.
type Ad struct {
	ID               string          `json:"id"`                          // ad id
	AccountID        AccountID       `json:"account_id,omitzero"`         // the ad account (Meta sends the number without "act_")
	CampaignID       string          `json:"campaign_id,omitempty"`       // campaign id
	AdSetID          string          `json:"adset_id,omitempty"`          // parent ad set id
	Name             string          `json:"name,omitempty"`              // display name
	Status           Status          `json:"status,omitempty"`            // status set by the advertiser
	ConfiguredStatus Status          `json:"configured_status,omitempty"` // status as configured (legacy alias of Status)
	EffectiveStatus  EffectiveStatus `json:"effective_status,omitempty"`  // delivery status, parents and review included
	Creative         *IDName         `json:"creative,omitempty"`          // the creative the ad shows
	CreatedTime      Time            `json:"created_time,omitzero"`       // when created
	UpdatedTime      Time            `json:"updated_time,omitzero"`       // when last changed
	// Raw is the object as Meta sent it, with fields this type does not model.
	Raw json.RawMessage `json:"-"`
}

// UnmarshalJSON keeps the raw object.
func (a *Ad) UnmarshalJSON(b []byte) error {
	type plain Ad
	if err := json.Unmarshal(b, (*plain)(a)); err != nil {
		return fmt.Errorf("metaads: decoding ad: %w", err)
	}
	a.Raw = append(json.RawMessage(nil), b...)
	return nil
}
