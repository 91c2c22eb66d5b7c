package metaads

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
)

// CreativesService reads ad creatives.
type CreativesService struct{ c *Client }

// creativeFields are the fields requested for creatives when none are given.
var creativeFields = []string{"id", "account_id", "name", "status", "title", "body", "image_url", "thumbnail_url", "link_url", "call_to_action_type", "object_type"}

var creativeEdge = edge{kind: "creative", name: "adcreatives", fields: creativeFields}

// Get reads a creative.
func (s *CreativesService) Get(ctx context.Context, acct AccountID, id string, o GetOptions) (*Creative, error) {
	return getObject[Creative](ctx, s.c, "creative", acct, id, o, creativeFields)
}

// List iterates over the account's creatives.
func (s *CreativesService) List(ctx context.Context, acct AccountID, o ListOptions) iter.Seq2[Creative, error] {
	return listAll[Creative](ctx, s.c, creativeEdge, acct, o)
}

// ListPage returns one page of creatives.
func (s *CreativesService) ListPage(ctx context.Context, acct AccountID, o ListOptions, after string) (*Page[Creative], error) {
	return listPage[Creative](ctx, s.c, creativeEdge, acct, o, after)
}

// Creative is an ad creative.
type Creative struct {
	ID               string          `json:"id"`                            // creative id
	AccountID        AccountID       `json:"account_id,omitzero"`           // the ad account (Meta sends the number without "act_")
	Name             string          `json:"name,omitempty"`                // display name
	Status           string          `json:"status,omitempty"`              // ACTIVE, DELETED, ...
	Title            string          `json:"title,omitempty"`               // headline
	Body             string          `json:"body,omitempty"`                // primary text
	ImageHash        string          `json:"image_hash,omitempty"`          // hash of an image in the account library
	ImageURL         string          `json:"image_url,omitempty"`           // URL of the image
	VideoID          string          `json:"video_id,omitempty"`            // id of the video
	ThumbnailURL     string          `json:"thumbnail_url,omitempty"`       // URL of a thumbnail
	LinkURL          string          `json:"link_url,omitempty"`            // destination URL
	CallToActionType string          `json:"call_to_action_type,omitempty"` // LEARN_MORE, SHOP_NOW, ...
	ObjectStoryID    string          `json:"object_story_id,omitempty"`     // the page post the ad uses, "<page>_<post>"
	ObjectType       string          `json:"object_type,omitempty"`         // SHARE, VIDEO, PHOTO, ...
	ObjectStorySpec  json.RawMessage `json:"object_story_spec,omitempty"`   // the spec of the post the creative builds, as sent
	// Raw is the object as Meta sent it, with fields this type does not model.
	Raw json.RawMessage `json:"-"`
}

// UnmarshalJSON keeps the raw object.
func (c *Creative) UnmarshalJSON(b []byte) error {
	type plain Creative
	if err := json.Unmarshal(b, (*plain)(c)); err != nil {
		return fmt.Errorf("metaads: decoding creative: %w", err)
	}
	c.Raw = append(json.RawMessage(nil), b...)
	return nil
}
