package metaads

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/adpilot/adpilot/internal/wire"
	"github.com/adpilot/adpilot/metrics"
)

// rankingOf returns the ranking named b (Meta's strings such as
// "BELOW_AVERAGE_20") without allocating; other strings, like a missing
// field, read as metrics.RankingUnknown.
func rankingOf(b []byte) metrics.Ranking {
	for r := metrics.RankingUnknown; r <= metrics.RankingAboveAverage; r++ {
		if r.String() == string(b) {
			return r
		}
	}
	return metrics.RankingUnknown
}

// ActionValue is one element of an insights action list (actions,
// action_values, cost_per_action_type, video_p25_watched_actions, ...): the
// value of one action type, with its per-attribution-window values when
// the query set attribution windows, and its action breakdown values when
// it set action breakdowns. V is int64 for counts and money (minor units)
// and float64 for costs (minor units) and ratios.
type ActionValue[V int64 | float64] struct {
	// ActionType is Meta's action_type, such as "link_click" or
	// "offsite_conversion.fb_pixel_purchase".
	ActionType string
	// Value is the value under the query's attribution setting.
	Value V
	// Breakdowns holds the element's action breakdown values (for example
	// action_device); nil without action breakdowns.
	Breakdowns []BreakdownValue

	windows *[numWindows]V
	has     uint16 // bit i: windows[i] present
}

// Window returns the value under attribution window w; ok is false when
// the element carries no value for w.
func (s ActionValue[V]) Window(w AttributionWindow) (V, bool) {
	i, ok := windowSlot(string(w))
	if !ok || s.windows == nil || s.has&(1<<i) == 0 {
		return 0, false
	}
	return s.windows[i], true
}

// ActionList is a typed insights action list.
type ActionList[V int64 | float64] []ActionValue[V]

// Lookup returns the first element of the action type t.
func (l ActionList[V]) Lookup(t string) (ActionValue[V], bool) {
	for _, s := range l {
		if s.ActionType == t {
			return s, true
		}
	}
	return ActionValue[V]{}, false
}

// Value returns the value of the first element of the action type t, or 0.
func (l ActionList[V]) Value(t string) V {
	s, _ := l.Lookup(t)
	return s.Value
}

// Total sums the values of every element of the action type t. With action
// breakdowns an action type has one element per breakdown value; for
// counts and money lists their sum is the action type's total. (Do not
// total cost or ratio lists: a sum of ratios means nothing.)
func (l ActionList[V]) Total(t string) V {
	var sum V
	for _, s := range l {
		if s.ActionType == t {
			sum += s.Value
		}
	}
	return sum
}

// Has reports whether the list has an element of the action type t.
func (l ActionList[V]) Has(t string) bool {
	_, ok := l.Lookup(t)
	return ok
}

// Window returns the value of the first element of action type t under
// attribution window w.
func (l ActionList[V]) Window(t string, w AttributionWindow) (V, bool) {
	s, ok := l.Lookup(t)
	if !ok {
		return 0, false
	}
	return s.Window(w)
}

// BreakdownValue is the value of one breakdown (or action breakdown) on a
// row (or action element), such as {age, "25-34"}.
type BreakdownValue struct {
	Key   string // breakdown name, such as "age" or "action_device"
	Value string // its value on this row, such as "25-34"
}

// Insight is one insights row with real number types: counts are int64,
// money is int64 minor units of the account currency (cents for USD, yen
// for JPY), costs per result are float64 minor units, and ratios are
// float64 fractions (Meta's percentages such as ctr are divided by 100).
// Fields the query did not ask for are zero.
//
// Rows decode from Meta's JSON (numbers sent as strings) with a hand-tuned
// decoder. Money needs the account currency, so every row with money
// fields must carry account_currency; the insights service always asks
// for it. Members this type does not model are kept in Extra, so API
// drift loses nothing. The action lists of the rows of one page share
// backing arrays (one allocation for many lists); each list is a full
// slice, so appending to it copies and never touches another row's.
type Insight struct {
	// Identity: the ids and names present depend on the level and the
	// fields requested; DateStart and DateStop are on every row.
	AccountID       AccountID // the ad account (Meta sends the number without "act_")
	AccountName     string    // ad account name
	AccountCurrency string    // ISO 4217 code; money fields are in its minor units
	CampaignID      string    // campaign id (campaign level and below)
	CampaignName    string    // campaign name
	AdSetID         string    // ad set id (ad set level and below)
	AdSetName       string    // ad set name
	AdID            string    // ad id (ad level)
	AdName          string    // ad name
	Objective       string    // the campaign objective
	DateStart       Date      // first day the row covers, account time zone
	DateStop        Date      // last day the row covers, included

	// Counts.
	Impressions            int64
	Reach                  int64 // distinct people; 0 with hourly breakdowns
	Clicks                 int64 // all clicks
	UniqueClicks           int64 // people who clicked
	InlineLinkClicks       int64 // clicks on links in the ad
	UniqueInlineLinkClicks int64 // people who clicked a link
	InlinePostEngagement   int64 // engagements with the post
	FullViewImpressions    int64 // impressions viewed in full
	Spend                  int64 // minor units
	SocialSpend            int64 // minor units

	Frequency              float64 // impressions per person
	CTR                    float64 // fraction (Meta's ctr / 100)
	UniqueCTR              float64 // fraction
	InlineLinkCTR          float64 // fraction (inline_link_click_ctr / 100)
	CPC                    float64 // minor units per click
	CPM                    float64 // minor units per 1000 impressions
	CPP                    float64 // minor units per 1000 people reached
	CostPerInlineLinkClick float64 // minor units (cost_per_inline_link_click)
	CostPerUniqueClick     float64 // minor units (cost_per_unique_click)

	Actions               ActionList[int64]   // counts per action type
	UniqueActions         ActionList[int64]   // unique counts per action type
	ActionValues          ActionList[int64]   // money per action type, minor units
	Conversions           ActionList[int64]   // counts
	ConversionValues      ActionList[int64]   // money, minor units
	CostPerActionType     ActionList[float64] // minor units
	CostPerUniqueAction   ActionList[float64] // minor units
	CostPerConversion     ActionList[float64] // minor units
	CostPerThruPlay       ActionList[float64] // minor units
	PurchaseROAS          ActionList[float64] // ratio
	WebsitePurchaseROAS   ActionList[float64] // ratio
	MobileAppPurchaseROAS ActionList[float64] // ratio
	OutboundClicks        ActionList[int64]   // counts
	OutboundClicksCTR     ActionList[float64] // fraction

	VideoPlays          ActionList[int64]   // video_play_actions
	VideoP25            ActionList[int64]   // video_p25_watched_actions
	VideoP50            ActionList[int64]   // video_p50_watched_actions
	VideoP75            ActionList[int64]   // video_p75_watched_actions
	VideoP95            ActionList[int64]   // video_p95_watched_actions
	VideoP100           ActionList[int64]   // video_p100_watched_actions
	VideoThruPlays      ActionList[int64]   // video_thruplay_watched_actions
	Video30Sec          ActionList[int64]   // video_30_sec_watched_actions
	VideoContinuous2Sec ActionList[int64]   // video_continuous_2_sec_watched_actions
	VideoAvgTimeWatched ActionList[float64] // seconds per play

	// Rankings are reported at ad level only; RankingUnknown (the zero
	// value) when Meta has too little data or the field was not requested.
	QualityRanking        metrics.Ranking
	EngagementRateRanking metrics.Ranking // engagement rate against ads competing for the same audience
	ConversionRateRanking metrics.Ranking // conversion rate against ads with the same goal

	// Breakdowns holds the row's breakdown values in the order they came,
	// keyed by the breakdown name ("age", "publisher_platform", ...).
	Breakdowns []BreakdownValue

	// Extra keeps every member this type does not model, as raw JSON.
	Extra map[string]json.RawMessage
}

// Breakdown returns the row's value for breakdown b.
func (r *Insight) Breakdown(b Breakdown) (string, bool) {
	for _, kv := range r.Breakdowns {
		if kv.Key == string(b) {
			return kv.Value, true
		}
	}
	return "", false
}

// Key identifies the row within one query: the id of the most specific
// object present, the dates and the breakdown values. Two rows of the same
// query with the same Key are the same row.
func (r *Insight) Key() string {
	var b strings.Builder
	id := r.AdID
	for _, s := range []string{r.AdSetID, r.CampaignID, r.AccountID.Number()} {
		if id == "" {
			id = s
		}
	}
	b.WriteString(id)
	b.WriteByte('|')
	b.WriteString(r.DateStart.String())
	b.WriteByte('|')
	b.WriteString(r.DateStop.String())
	for _, kv := range r.Breakdowns {
		b.WriteByte('|')
		b.WriteString(kv.Key)
		b.WriteByte('=')
		b.WriteString(kv.Value)
	}
	return b.String()
}

// currencyKey is the member that names the row's currency.
var currencyKey = []byte(`"account_currency"`)

// prescanCurrency finds the row's account_currency member without decoding
// the row. The decoder checks the answer against the member it decodes.
func prescanCurrency(b []byte) []byte {
	for off := 0; off < len(b); {
		i := bytes.Index(b[off:], currencyKey)
		if i < 0 {
			return nil
		}
		off += i + len(currencyKey)
		rest := bytes.TrimLeft(b[off:], " \t\r\n")
		if len(rest) > 0 && rest[0] == ':' {
			var r wire.Reader
			r.Reset(rest[1:])
			if s, ok := r.String(); ok {
				return s
			}
		}
	}
	return nil
}

// rowDecoder decodes one row; it carries the row's currency digits.
type rowDecoder struct {
	r        wire.Reader
	digits   int
	currency []byte
	sawMoney bool
	interned map[string]string   // page decoding: strings shared by rows
	ints     ActionList[int64]   // scratch for count and money lists
	floats   ActionList[float64] // scratch for cost and ratio lists
	// Page decoding: the rows' action lists are cut from shared slabs,
	// one allocation per slabElems elements instead of one per list.
	paged     bool
	intSlab   ActionList[int64]
	floatSlab ActionList[float64]
}

// Action-list slabs start at minSlab elements (64 bytes each) and double
// up to maxSlab, so a small page wastes little and a large one allocates
// rarely.
const (
	minSlab = 32
	maxSlab = 1024
)

// UnmarshalJSON decodes an insights row. Numeric strings become numbers,
// money becomes minor units of the row's account_currency (exactly),
// percentages become fractions.
func (r *Insight) UnmarshalJSON(b []byte) error {
	var d rowDecoder
	if err := d.setCurrency(prescanCurrency(b)); err != nil {
		return err
	}
	d.r.Reset(b)
	if err := d.row(r); err != nil {
		return err
	}
	if err := d.r.End(); err != nil {
		return fmt.Errorf("metaads: decoding an insights row: %w", err)
	}
	return nil
}

// setCurrency prepares money decoding for the currency code (nil: none
// known yet).
func (d *rowDecoder) setCurrency(code []byte) error {
	d.currency = code
	if code == nil {
		return nil
	}
	cur, err := metrics.LookupCurrency(string(code))
	if err != nil {
		return fmt.Errorf("metaads: decoding insights rows: %w", err)
	}
	d.digits = cur.Decimals()
	return nil
}

// row decodes the object at the reader's position into out and checks its
// money against the currency.
func (d *rowDecoder) row(out *Insight) error {
	*out = Insight{}
	d.sawMoney = false
	d.decode(out)
	if err := d.r.Err(); err != nil {
		return fmt.Errorf("metaads: decoding an insights row: %w", err)
	}
	if d.sawMoney && d.currency == nil {
		return fmt.Errorf("metaads: decoding an insights row: it has money fields but no account_currency (request the account_currency field)")
	}
	if d.currency != nil && out.AccountCurrency != "" && out.AccountCurrency != string(d.currency) {
		return fmt.Errorf("metaads: decoding an insights row: account_currency %q differs from %q", out.AccountCurrency, d.currency)
	}
	if out.AccountCurrency == "" && d.sawMoney {
		out.AccountCurrency = string(d.currency)
	}
	return nil
}

// insightsPage is a page of insights rows decoded in one pass: the
// envelope and every row go through the hand-tuned decoder, and the
// currency is found once per page (all rows of a query share the ad
// account's currency; each row is checked against it).
type insightsPage struct {
	rows          []Insight
	before, after string
	next          string
}

// bodyDecoder is implemented by response types that decode a raw body
// themselves; Client.Do then skips encoding/json (and its separate
// validation pass). The decoder must reject malformed JSON itself.
type bodyDecoder interface{ decodeBody(b []byte) error }

func (p *insightsPage) decodeBody(b []byte) error { return p.UnmarshalJSON(b) }

// UnmarshalJSON implements json.Unmarshaler.
func (p *insightsPage) UnmarshalJSON(b []byte) error {
	var d rowDecoder
	if err := d.setCurrency(prescanCurrency(b)); err != nil {
		return err
	}
	p.rows = p.rows[:0]
	d.interned = make(map[string]string)
	d.paged = true
	r := &d.r
	r.Reset(b)
	if !r.BeginObject() {
		return fmt.Errorf("metaads: decoding an insights page: %w", r.Err())
	}
	for {
		k, ok := r.Key()
		if !ok {
			break
		}
		switch string(k) {
		case "data":
			if r.Null() || !r.BeginArray() {
				continue
			}
			start := r.Offset()
			for r.Next() {
				if len(p.rows) == cap(p.rows) {
					p.rows = growRows(p.rows, r.Offset()-start, len(b)-r.Offset())
				}
				p.rows = p.rows[:len(p.rows)+1]
				if err := d.row(&p.rows[len(p.rows)-1]); err != nil {
					return err
				}
			}
		case "paging":
			p.paging(r)
		default:
			r.Skip()
		}
	}
	if err := r.End(); err != nil {
		return fmt.Errorf("metaads: decoding an insights page: %w", err)
	}
	return nil
}

// growRows makes room for the rest of a page's rows in one allocation,
// estimated from the size of the rows read so far (done bytes for
// len(rows) rows; left bytes to go), so that decoding costs the same per
// row at any page size: appending one row at a time would copy the rows
// (about 1 KB each) again at every growth of a large page. The first call
// (no row read yet) makes room for one row, to measure it.
func growRows(rows []Insight, done, left int) []Insight {
	n := len(rows)
	want := n + 1
	if n > 0 && done > 0 {
		est := left / max(done/n, 1)
		want = n + est + est/16 + 1
	}
	return slices.Grow(rows, want-n)
}

func (p *insightsPage) paging(r *wire.Reader) {
	if r.Null() || !r.BeginObject() {
		return
	}
	for {
		k, ok := r.Key()
		if !ok {
			return
		}
		switch string(k) {
		case "cursors":
			if r.Null() || !r.BeginObject() {
				continue
			}
			for {
				k, ok := r.Key()
				if !ok {
					break
				}
				switch string(k) {
				case "before":
					s, _ := r.String()
					p.before = string(s)
				case "after":
					s, _ := r.String()
					p.after = string(s)
				default:
					r.Skip()
				}
			}
		case "next":
			s, _ := r.String()
			p.next = string(s)
		default:
			r.Skip()
		}
	}
}

func (d *rowDecoder) str() string {
	s, _ := d.r.String()
	return string(s)
}

// shared reads a string that repeats across the rows of a page (account,
// campaign and ad set ids and names), allocating it once per page.
func (d *rowDecoder) shared() string {
	s, _ := d.r.String()
	if d.interned == nil {
		return string(s)
	}
	if v, ok := d.interned[string(s)]; ok {
		return v
	}
	v := string(s)
	if len(d.interned) < maxInterned {
		d.interned[v] = v
	}
	return v
}

// account reads an account_id ("123").
func (d *rowDecoder) account() AccountID {
	s, ok := d.r.String()
	if !ok {
		return AccountID{}
	}
	n, digits := parseAccountNumber(s)
	if !digits || n == 0 {
		d.r.Fail(fmt.Errorf("invalid account_id %q, want the ad account number", s))
		return AccountID{}
	}
	return AccountID{n: n}
}

// maxInterned bounds the strings a page decoder keeps.
const maxInterned = 4096

func (d *rowDecoder) date() Date {
	s, ok := d.r.String()
	if !ok {
		return Date{}
	}
	v, ok := parseDateBytes(s)
	if !ok {
		d.r.Fail(fmt.Errorf("invalid date %q, want YYYY-MM-DD", s))
	}
	return v
}

// money reads a decimal amount in major units as int64 minor units.
func (d *rowDecoder) money() int64 {
	d.sawMoney = true
	dec := d.r.Decimal()
	v, err := dec.Minor(d.digits)
	if err != nil {
		d.r.Fail(err)
	}
	return v
}

// cost reads a decimal amount in major units as float64 minor units.
func (d *rowDecoder) cost() float64 {
	d.sawMoney = true
	return d.r.Decimal().Scaled(d.digits)
}

func (d *rowDecoder) percent() float64 { return d.r.Decimal().Scaled(-2) }

func (d *rowDecoder) decode(row *Insight) {
	r := &d.r
	if !r.BeginObject() {
		return
	}
	for {
		k, ok := r.Key()
		if !ok {
			return
		}
		switch string(k) {
		case "account_id":
			row.AccountID = d.account()
		case "account_name":
			row.AccountName = d.shared()
		case "account_currency":
			s, _ := r.String()
			row.AccountCurrency = currencyCode(s)
		case "campaign_id":
			row.CampaignID = d.shared()
		case "campaign_name":
			row.CampaignName = d.shared()
		case "adset_id":
			row.AdSetID = d.shared()
		case "adset_name":
			row.AdSetName = d.shared()
		case "ad_id":
			row.AdID = d.str()
		case "ad_name":
			row.AdName = d.str()
		case "objective":
			row.Objective = d.shared()
		case "date_start":
			row.DateStart = d.date()
		case "date_stop":
			row.DateStop = d.date()
		case "impressions":
			row.Impressions = r.Int64()
		case "reach":
			row.Reach = r.Int64()
		case "clicks":
			row.Clicks = r.Int64()
		case "unique_clicks":
			row.UniqueClicks = r.Int64()
		case "inline_link_clicks":
			row.InlineLinkClicks = r.Int64()
		case "unique_inline_link_clicks":
			row.UniqueInlineLinkClicks = r.Int64()
		case "inline_post_engagement":
			row.InlinePostEngagement = r.Int64()
		case "full_view_impressions":
			row.FullViewImpressions = r.Int64()
		case "spend":
			row.Spend = d.money()
		case "social_spend":
			row.SocialSpend = d.money()
		case "frequency":
			row.Frequency = r.Float64()
		case "ctr":
			row.CTR = d.percent()
		case "unique_ctr":
			row.UniqueCTR = d.percent()
		case "inline_link_click_ctr":
			row.InlineLinkCTR = d.percent()
		case "cpc":
			row.CPC = d.cost()
		case "cpm":
			row.CPM = d.cost()
		case "cpp":
			row.CPP = d.cost()
		case "cost_per_inline_link_click":
			row.CostPerInlineLinkClick = d.cost()
		case "cost_per_unique_click":
			row.CostPerUniqueClick = d.cost()
		case "actions":
			row.Actions = decodeList(d, countValue)
		case "unique_actions":
			row.UniqueActions = decodeList(d, countValue)
		case "action_values":
			row.ActionValues = decodeList(d, moneyValue)
		case "conversions":
			row.Conversions = decodeList(d, countValue)
		case "conversion_values":
			row.ConversionValues = decodeList(d, moneyValue)
		case "cost_per_action_type":
			row.CostPerActionType = decodeList(d, costValue)
		case "cost_per_unique_action_type":
			row.CostPerUniqueAction = decodeList(d, costValue)
		case "cost_per_conversion":
			row.CostPerConversion = decodeList(d, costValue)
		case "cost_per_thruplay":
			row.CostPerThruPlay = decodeList(d, costValue)
		case "purchase_roas":
			row.PurchaseROAS = decodeList(d, ratioValue)
		case "website_purchase_roas":
			row.WebsitePurchaseROAS = decodeList(d, ratioValue)
		case "mobile_app_purchase_roas":
			row.MobileAppPurchaseROAS = decodeList(d, ratioValue)
		case "outbound_clicks":
			row.OutboundClicks = decodeList(d, countValue)
		case "outbound_clicks_ctr":
			row.OutboundClicksCTR = decodeList(d, percentValue)
		case "video_play_actions":
			row.VideoPlays = decodeList(d, countValue)
		case "video_p25_watched_actions":
			row.VideoP25 = decodeList(d, countValue)
		case "video_p50_watched_actions":
			row.VideoP50 = decodeList(d, countValue)
		case "video_p75_watched_actions":
			row.VideoP75 = decodeList(d, countValue)
		case "video_p95_watched_actions":
			row.VideoP95 = decodeList(d, countValue)
		case "video_p100_watched_actions":
			row.VideoP100 = decodeList(d, countValue)
		case "video_thruplay_watched_actions":
			row.VideoThruPlays = decodeList(d, countValue)
		case "video_30_sec_watched_actions":
			row.Video30Sec = decodeList(d, countValue)
		case "video_continuous_2_sec_watched_actions":
			row.VideoContinuous2Sec = decodeList(d, countValue)
		case "video_avg_time_watched_actions":
			row.VideoAvgTimeWatched = decodeList(d, ratioValue)
		case "quality_ranking":
			s, _ := r.String()
			row.QualityRanking = rankingOf(s)
		case "engagement_rate_ranking":
			s, _ := r.String()
			row.EngagementRateRanking = rankingOf(s)
		case "conversion_rate_ranking":
			s, _ := r.String()
			row.ConversionRateRanking = rankingOf(s)
		default:
			if bd, ok := knownBreakdown(k); ok && r.Peek() == wire.KindString {
				s, _ := r.String()
				row.Breakdowns = append(row.Breakdowns, BreakdownValue{Key: string(bd), Value: string(s)})
				continue
			}
			key := string(k)
			raw := r.Raw()
			if row.Extra == nil {
				row.Extra = make(map[string]json.RawMessage)
			}
			row.Extra[key] = append(json.RawMessage(nil), raw...)
		}
	}
}

// Value readers for decodeList.
func countValue(d *rowDecoder) int64     { return d.r.Int64() }
func moneyValue(d *rowDecoder) int64     { return d.money() }
func costValue(d *rowDecoder) float64    { return d.cost() }
func ratioValue(d *rowDecoder) float64   { return d.r.Float64() }
func percentValue(d *rowDecoder) float64 { return d.percent() }

// decodeList reads an action list, reading each value with val.
func decodeList[V int64 | float64](d *rowDecoder, val func(*rowDecoder) V) ActionList[V] {
	r := &d.r
	if r.Null() {
		return nil
	}
	if !r.BeginArray() {
		return nil
	}
	buf := listFor[V](&d.ints, &d.floats)
	out := (*buf)[:0]
	defer func() { *buf = out[:0] }()
	for r.Next() {
		var s ActionValue[V]
		if !r.BeginObject() {
			return out
		}
		for {
			k, ok := r.Key()
			if !ok {
				break
			}
			switch string(k) {
			case "action_type":
				t, _ := r.String()
				s.ActionType = actionTypeOf(t)
			case "value":
				s.Value = val(d)
			default:
				if i, ok := windowSlot(string(k)); ok {
					if s.windows == nil {
						s.windows = new([numWindows]V)
					}
					s.windows[i] = val(d)
					s.has |= 1 << i
					continue
				}
				key := string(k)
				if r.Peek() == wire.KindString {
					v, _ := r.String()
					s.Breakdowns = append(s.Breakdowns, BreakdownValue{Key: key, Value: string(v)})
				} else {
					r.Skip()
				}
			}
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil
	}
	if !d.paged {
		return slices.Clone(out)
	}
	slab := listFor[V](&d.intSlab, &d.floatSlab)
	if cap(*slab)-len(*slab) < len(out) {
		*slab = make(ActionList[V], 0, max(len(out), min(max(2*cap(*slab), minSlab), maxSlab)))
	}
	from := len(*slab)
	*slab = append(*slab, out...)
	return (*slab)[from:len(*slab):len(*slab)] // full slice: an append by the caller copies
}

// listFor returns whichever of ints and floats is the ActionList of V:
// the decoder keeps one buffer of each kind.
func listFor[V int64 | float64](ints *ActionList[int64], floats *ActionList[float64]) *ActionList[V] {
	if p, ok := any(ints).(*ActionList[V]); ok {
		return p
	}
	return any(floats).(*ActionList[V])
}

// knownBreakdown returns the Breakdown constant named k.
func knownBreakdown(k []byte) (Breakdown, bool) {
	for _, b := range breakdowns {
		if string(b) == string(k) {
			return b, true
		}
	}
	return "", false
}

// currencyCode returns common currency codes without allocating.
func currencyCode(b []byte) string {
	switch string(b) {
	case "USD":
		return "USD"
	case "EUR":
		return "EUR"
	case "GBP":
		return "GBP"
	case "JPY":
		return "JPY"
	case "BRL":
		return "BRL"
	case "INR":
		return "INR"
	case "CAD":
		return "CAD"
	case "AUD":
		return "AUD"
	}
	return string(b)
}

// Common action types, returned as constants so that decoding them does
// not allocate.
var commonActionTypes = [...]string{
	"link_click", "landing_page_view", "post_engagement", "page_engagement",
	"post_reaction", "like", "comment", "post", "onsite_conversion.post_save", "video_view",
	"photo_view", "lead", "onsite_conversion.lead_grouped", "offsite_conversion.fb_pixel_lead",
	"purchase", "offsite_conversion.fb_pixel_purchase", "omni_purchase", "onsite_web_purchase",
	"onsite_web_app_purchase", "web_in_store_purchase", "add_to_cart",
	"offsite_conversion.fb_pixel_add_to_cart", "omni_add_to_cart", "initiate_checkout",
	"offsite_conversion.fb_pixel_initiate_checkout", "omni_initiated_checkout",
	"complete_registration", "offsite_conversion.fb_pixel_complete_registration",
	"mobile_app_install", "app_custom_event.fb_mobile_purchase",
	"onsite_conversion.messaging_conversation_started_7d", "view_content",
	"offsite_conversion.fb_pixel_view_content", "omni_view_content", "search",
}

// actionTypeOf returns b as a string, sharing the constant for common
// action types.
func actionTypeOf(b []byte) string {
	for _, t := range commonActionTypes {
		if t == string(b) {
			return t
		}
	}
	return string(b)
}
