package metaads

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/google/go-querystring/query"
)

// AccountsService reads ad accounts.
type AccountsService struct{ c *Client }

// CampaignsService reads and updates campaigns.
type CampaignsService struct{ c *Client }

// AdSetsService reads and updates ad sets.
type AdSetsService struct{ c *Client }

// AdsService reads ads.
type AdsService struct{ c *Client }

// CreativesService reads ad creatives.
type CreativesService struct{ c *Client }

// ListOptions selects and filters list results. The zero value lists every
// object with the default fields.
type ListOptions struct {
	// Fields to return; empty uses the service's default field list.
	Fields []string `url:"fields,comma,omitempty"`
	// Limit is the page size; 0 lets Meta choose.
	Limit int `url:"limit,omitempty"`
	// EffectiveStatus filters by delivery status (sent as a JSON list).
	EffectiveStatus StatusFilter `url:"effective_status,omitempty"`
	// Parent lists under a parent object instead of the ad account: a
	// campaign id for ad sets and ads, an ad set id for ads.
	Parent string `url:"-"`
}

// StatusFilter is a list of effective statuses, encoded as a JSON array.
type StatusFilter []EffectiveStatus

// EncodeValues implements query.Encoder.
func (f StatusFilter) EncodeValues(key string, v *url.Values) error {
	if len(f) == 0 {
		return nil
	}
	b, err := json.Marshal([]EffectiveStatus(f))
	if err != nil {
		return err
	}
	v.Set(key, string(b))
	return nil
}

func (o ListOptions) encode(defaultFields []string) (url.Values, error) {
	if o.Limit < 0 || o.Limit > 5000 {
		return nil, fmt.Errorf("metaads: ListOptions.Limit %d: want 0 to 5000", o.Limit)
	}
	for _, f := range o.Fields {
		if f == "" || strings.ContainsAny(f, ", &=") {
			return nil, fmt.Errorf("metaads: ListOptions.Fields: invalid field name %q", f)
		}
	}
	if len(o.Fields) == 0 {
		o.Fields = defaultFields
	}
	v, err := query.Values(o)
	if err != nil {
		return nil, fmt.Errorf("metaads: encoding ListOptions: %w", err)
	}
	return v, nil
}

// Default field lists.
var (
	accountFields  = []string{"id", "account_id", "name", "account_status", "currency", "timezone_name", "amount_spent", "spend_cap", "balance", "business", "created_time"}
	campaignFields = []string{"id", "account_id", "name", "objective", "status", "configured_status", "effective_status", "daily_budget", "lifetime_budget", "budget_remaining", "spend_cap", "bid_strategy", "buying_type", "special_ad_categories", "start_time", "stop_time", "created_time", "updated_time"}
	adSetFields    = []string{"id", "account_id", "campaign_id", "name", "status", "configured_status", "effective_status", "daily_budget", "lifetime_budget", "budget_remaining", "bid_amount", "bid_strategy", "billing_event", "optimization_goal", "targeting", "pacing_type", "start_time", "end_time", "created_time", "updated_time"}
	adFields       = []string{"id", "account_id", "campaign_id", "adset_id", "name", "status", "configured_status", "effective_status", "creative", "created_time", "updated_time"}
	creativeFields = []string{"id", "account_id", "name", "status", "title", "body", "image_url", "thumbnail_url", "link_url", "call_to_action_type", "object_type"}
)

// objectID validates a Graph node id (digits).
func objectID(kind, id string) error {
	if id == "" {
		return fmt.Errorf("metaads: %s id is empty: want the numeric id", kind)
	}
	if _, err := strconv.ParseUint(id, 10, 64); err != nil {
		return fmt.Errorf("metaads: %s id %q: want digits only", kind, id)
	}
	return nil
}

func requireAccount(kind string, acct AccountID) error {
	if acct.IsZero() {
		return fmt.Errorf("metaads: %s: the ad account is zero: want the account whose token and rate-limit budget to use", kind)
	}
	return nil
}

// edge describes a list endpoint.
type edge struct {
	kind       string   // "campaign", ...
	name       string   // "campaigns"
	fields     []string // defaults
	parentKind string   // allowed parent kind, "" when none
}

func (e edge) request(acct AccountID, o ListOptions) (*Request, error) {
	if err := requireAccount("listing "+e.name, acct); err != nil {
		return nil, err
	}
	q, err := o.encode(e.fields)
	if err != nil {
		return nil, err
	}
	path := acct.String() + "/" + e.name
	if o.Parent != "" {
		if e.parentKind == "" {
			return nil, fmt.Errorf("metaads: listing %s: ListOptions.Parent is not supported", e.name)
		}
		if err := objectID(e.parentKind, o.Parent); err != nil {
			return nil, err
		}
		path = o.Parent + "/" + e.name
	}
	return &Request{Path: path, Account: acct, Query: q}, nil
}

func getObject[T any](ctx context.Context, c *Client, kind string, acct AccountID, id string, fields, defaults []string) (*T, error) {
	if err := requireAccount("getting a "+kind, acct); err != nil {
		return nil, err
	}
	if err := objectID(kind, id); err != nil {
		return nil, err
	}
	q, err := ListOptions{Fields: fields}.encode(defaults)
	if err != nil {
		return nil, err
	}
	out := new(T)
	if _, err := c.Do(ctx, &Request{Path: id, Account: acct, Query: q}, out); err != nil {
		return nil, err
	}
	return out, nil
}

func listAll[T any](ctx context.Context, c *Client, e edge, acct AccountID, o ListOptions) iter.Seq2[T, error] {
	req, err := e.request(acct, o)
	if err != nil {
		return func(yield func(T, error) bool) { var zero T; yield(zero, err) }
	}
	return All[T](ctx, c, req)
}

func listPage[T any](ctx context.Context, c *Client, e edge, acct AccountID, o ListOptions, after string) (*Page[T], error) {
	req, err := e.request(acct, o)
	if err != nil {
		return nil, err
	}
	return FetchPage[T](ctx, c, req, after)
}

var (
	campaignEdge = edge{kind: "campaign", name: "campaigns", fields: campaignFields}
	adSetEdge    = edge{kind: "ad set", name: "adsets", fields: adSetFields, parentKind: "campaign"}
	adEdge       = edge{kind: "ad", name: "ads", fields: adFields, parentKind: "campaign or ad set"}
	creativeEdge = edge{kind: "creative", name: "adcreatives", fields: creativeFields}
)

// List returns the ad accounts the fallback token (the TokenProvider's
// token for the zero AccountID) can use, from /me/adaccounts.
func (s *AccountsService) List(ctx context.Context, o ListOptions) iter.Seq2[AdAccount, error] {
	req, err := s.meRequest(o)
	if err != nil {
		return func(yield func(AdAccount, error) bool) { yield(AdAccount{}, err) }
	}
	return All[AdAccount](ctx, s.c, req)
}

// ListPage returns one page of /me/adaccounts after the cursor after.
func (s *AccountsService) ListPage(ctx context.Context, o ListOptions, after string) (*Page[AdAccount], error) {
	req, err := s.meRequest(o)
	if err != nil {
		return nil, err
	}
	return FetchPage[AdAccount](ctx, s.c, req, after)
}

func (s *AccountsService) meRequest(o ListOptions) (*Request, error) {
	if o.Parent != "" {
		return nil, fmt.Errorf("metaads: listing ad accounts: ListOptions.Parent is not supported")
	}
	q, err := o.encode(accountFields)
	if err != nil {
		return nil, err
	}
	return &Request{Path: "me/adaccounts", Query: q}, nil
}

// Get reads an ad account with the account's own token.
func (s *AccountsService) Get(ctx context.Context, acct AccountID, fields ...string) (*AdAccount, error) {
	if err := requireAccount("getting an ad account", acct); err != nil {
		return nil, err
	}
	q, err := ListOptions{Fields: fields}.encode(accountFields)
	if err != nil {
		return nil, err
	}
	out := new(AdAccount)
	if _, err := s.c.Do(ctx, &Request{Path: acct.String(), Account: acct, Query: q}, out); err != nil {
		return nil, err
	}
	return out, nil
}

// Get reads a campaign of the ad account acct.
func (s *CampaignsService) Get(ctx context.Context, acct AccountID, id string, fields ...string) (*Campaign, error) {
	return getObject[Campaign](ctx, s.c, "campaign", acct, id, fields, campaignFields)
}

// List iterates over the account's campaigns, one page in memory at a time.
func (s *CampaignsService) List(ctx context.Context, acct AccountID, o ListOptions) iter.Seq2[Campaign, error] {
	return listAll[Campaign](ctx, s.c, campaignEdge, acct, o)
}

// ListPage returns one page of campaigns after the cursor after ("" for the first).
func (s *CampaignsService) ListPage(ctx context.Context, acct AccountID, o ListOptions, after string) (*Page[Campaign], error) {
	return listPage[Campaign](ctx, s.c, campaignEdge, acct, o, after)
}

// Get reads an ad set.
func (s *AdSetsService) Get(ctx context.Context, acct AccountID, id string, fields ...string) (*AdSet, error) {
	return getObject[AdSet](ctx, s.c, "ad set", acct, id, fields, adSetFields)
}

// List iterates over ad sets of the account, or of the campaign in o.Parent.
func (s *AdSetsService) List(ctx context.Context, acct AccountID, o ListOptions) iter.Seq2[AdSet, error] {
	return listAll[AdSet](ctx, s.c, adSetEdge, acct, o)
}

// ListPage returns one page of ad sets.
func (s *AdSetsService) ListPage(ctx context.Context, acct AccountID, o ListOptions, after string) (*Page[AdSet], error) {
	return listPage[AdSet](ctx, s.c, adSetEdge, acct, o, after)
}

// Get reads an ad.
func (s *AdsService) Get(ctx context.Context, acct AccountID, id string, fields ...string) (*Ad, error) {
	return getObject[Ad](ctx, s.c, "ad", acct, id, fields, adFields)
}

// List iterates over ads of the account, or of the campaign or ad set in o.Parent.
func (s *AdsService) List(ctx context.Context, acct AccountID, o ListOptions) iter.Seq2[Ad, error] {
	return listAll[Ad](ctx, s.c, adEdge, acct, o)
}

// ListPage returns one page of ads.
func (s *AdsService) ListPage(ctx context.Context, acct AccountID, o ListOptions, after string) (*Page[Ad], error) {
	return listPage[Ad](ctx, s.c, adEdge, acct, o, after)
}

// Get reads a creative.
func (s *CreativesService) Get(ctx context.Context, acct AccountID, id string, fields ...string) (*Creative, error) {
	return getObject[Creative](ctx, s.c, "creative", acct, id, fields, creativeFields)
}

// List iterates over the account's creatives.
func (s *CreativesService) List(ctx context.Context, acct AccountID, o ListOptions) iter.Seq2[Creative, error] {
	return listAll[Creative](ctx, s.c, creativeEdge, acct, o)
}

// ListPage returns one page of creatives.
func (s *CreativesService) ListPage(ctx context.Context, acct AccountID, o ListOptions, after string) (*Page[Creative], error) {
	return listPage[Creative](ctx, s.c, creativeEdge, acct, o, after)
}

// Budget is a budget change in minor units of the account currency
// (USD 1000 = $10.00). Set exactly one of Daily and Lifetime.
type Budget struct {
	Daily    int64 // budget per day, minor units
	Lifetime int64 // budget for the object's lifetime, minor units
}

func (b Budget) form() (url.Values, error) {
	switch {
	case b.Daily < 0 || b.Lifetime < 0:
		return nil, fmt.Errorf("metaads: budget %+v: amounts must not be negative", b)
	case (b.Daily > 0) == (b.Lifetime > 0):
		return nil, fmt.Errorf("metaads: budget %+v: set exactly one of Daily and Lifetime (minor units, > 0)", b)
	case b.Daily > 0:
		return url.Values{"daily_budget": {strconv.FormatInt(b.Daily, 10)}}, nil
	default:
		return url.Values{"lifetime_budget": {strconv.FormatInt(b.Lifetime, 10)}}, nil
	}
}

// WriteOption adjusts one write call.
type WriteOption func(*writeOptions)

type writeOptions struct{ idempotent bool }

// Idempotent marks a write as safe to send twice, allowing the client to
// retry it on transient failures. Without it a write is retried only when
// the failure proves Meta did not process it (a throttle, or a connection
// that could not be made).
func Idempotent() WriteOption { return func(o *writeOptions) { o.idempotent = true } }

// write posts form to the object id and checks {"success": true}.
func (c *Client) write(ctx context.Context, kind string, acct AccountID, id string, form url.Values, opts []WriteOption) error {
	if err := requireAccount("updating a "+kind, acct); err != nil {
		return err
	}
	if err := objectID(kind, id); err != nil {
		return err
	}
	var wo writeOptions
	for _, o := range opts {
		if o != nil {
			o(&wo)
		}
	}
	var out struct {
		Success *bool `json:"success"`
	}
	req := &Request{Method: http.MethodPost, Path: id, Account: acct, Form: form, Idempotent: wo.idempotent}
	if _, err := c.Do(ctx, req, &out); err != nil {
		return err
	}
	if out.Success != nil && !*out.Success {
		return fmt.Errorf("metaads: POST %s: Meta answered success=false", id)
	}
	return nil
}

func statusForm(s Status) (url.Values, error) {
	if !s.Valid() {
		return nil, fmt.Errorf("metaads: status %q: want ACTIVE, PAUSED, ARCHIVED or DELETED", s)
	}
	return url.Values{"status": {string(s)}}, nil
}

func (c *Client) updateStatus(ctx context.Context, kind string, acct AccountID, id string, status Status, opts []WriteOption) error {
	f, err := statusForm(status)
	if err != nil {
		return err
	}
	return c.write(ctx, kind, acct, id, f, opts)
}

func (c *Client) updateBudget(ctx context.Context, kind string, acct AccountID, id string, b Budget, opts []WriteOption) error {
	f, err := b.form()
	if err != nil {
		return err
	}
	return c.write(ctx, kind, acct, id, f, opts)
}

// UpdateStatus sets a campaign's status.
func (s *CampaignsService) UpdateStatus(ctx context.Context, acct AccountID, id string, status Status, opts ...WriteOption) error {
	return s.c.updateStatus(ctx, "campaign", acct, id, status, opts)
}

// UpdateBudget sets a campaign budget (campaigns using campaign budget only).
func (s *CampaignsService) UpdateBudget(ctx context.Context, acct AccountID, id string, b Budget, opts ...WriteOption) error {
	return s.c.updateBudget(ctx, "campaign", acct, id, b, opts)
}

// UpdateStatus sets an ad set's status.
func (s *AdSetsService) UpdateStatus(ctx context.Context, acct AccountID, id string, status Status, opts ...WriteOption) error {
	return s.c.updateStatus(ctx, "ad set", acct, id, status, opts)
}

// UpdateBudget sets an ad set's budget. Meta allows about four budget
// changes per ad set per hour.
func (s *AdSetsService) UpdateBudget(ctx context.Context, acct AccountID, id string, b Budget, opts ...WriteOption) error {
	return s.c.updateBudget(ctx, "ad set", acct, id, b, opts)
}

// UpdateStatus sets an ad's status (for example pausing one ad of an ad
// set). Like every write it is validated first and retried only when
// marked Idempotent or when the failure proves Meta did not process it.
func (s *AdsService) UpdateStatus(ctx context.Context, acct AccountID, id string, status Status, opts ...WriteOption) error {
	return s.c.updateStatus(ctx, "ad", acct, id, status, opts)
}

// UpdateBid sets an ad set's bid_amount: the bid cap or cost target in
// minor units of the account currency (USD 150 = $1.50), which must be
// positive. Meta accepts it for bid strategies that use an amount
// (LOWEST_COST_WITH_BID_CAP, COST_CAP). Like every write it is validated
// first and retried only when marked Idempotent or when the failure proves
// Meta did not process it.
func (s *AdSetsService) UpdateBid(ctx context.Context, acct AccountID, id string, bidMinor int64, opts ...WriteOption) error {
	if bidMinor <= 0 {
		return fmt.Errorf("metaads: UpdateBid(%q): bid %d: want a positive amount in minor units of the account currency", id, bidMinor)
	}
	return s.c.write(ctx, "ad set", acct, id, url.Values{"bid_amount": {strconv.FormatInt(bidMinor, 10)}}, opts)
}
