package analysis

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metrics"
)

// CSVOptions tunes [ReadCSV].
type CSVOptions struct {
	// Currency is the ISO 4217 code of the money columns. Empty takes it
	// from the header ("Amount spent (USD)") or a Currency column; a header
	// in another currency than Currency is an error.
	Currency string
	// IgnoreColumns are columns to skip besides the ones ReadCSV knows
	// (derived rates such as "CTR (all)" and settings such as "Budget" are
	// skipped already). Any other unknown column is an error, so a
	// misspelt "Impresions" is not silently read as zero.
	IgnoreColumns []string
}

// csvField says how a known column fills a Row.
type csvField func(r *Row, v string, cur metrics.Currency) error

func countInto(p func(*Row) *int64) csvField {
	return func(r *Row, v string, _ metrics.Currency) error {
		n, err := parseCount(v)
		*p(r) = n
		return err
	}
}

func moneyInto(p func(*Row) *int64) csvField {
	return func(r *Row, v string, cur metrics.Currency) error {
		if v == "" {
			return nil
		}
		n, err := cur.ParseAmount(v)
		*p(r) = n
		return err
	}
}

func textInto(p func(*Row) *string) csvField {
	return func(r *Row, v string, _ metrics.Currency) error { *p(r) = v; return nil }
}

func dateInto(p func(*Row) *metaads.Date) csvField {
	return func(r *Row, v string, _ metrics.Currency) error {
		d, err := metaads.ParseDate(v)
		if err != nil {
			return fmt.Errorf("%q is not a day; expected YYYY-MM-DD", v)
		}
		*p(r) = d
		return nil
	}
}

func rankingInto(p func(*Row) *metrics.Ranking) csvField {
	return func(r *Row, v string, _ metrics.Currency) error {
		rk, err := parseRanking(v)
		*p(r) = rk
		return err
	}
}

// csvColumns are the Ads Manager export columns ReadCSV reads, by their
// English names (case is ignored). "Amount spent" and "Purchases
// conversion value" carry the currency in parentheses.
var csvColumns = map[string]csvField{
	"campaign id":   textInto(func(r *Row) *string { return &r.CampaignID }),
	"campaign name": textInto(func(r *Row) *string { return &r.CampaignName }),
	"ad set id":     textInto(func(r *Row) *string { return &r.AdSetID }),
	"ad set name":   textInto(func(r *Row) *string { return &r.AdSetName }),
	"ad id":         textInto(func(r *Row) *string { return &r.AdID }),
	"ad name":       textInto(func(r *Row) *string { return &r.AdName }),
	"currency":      textInto(func(r *Row) *string { return &r.Currency }),

	"reporting starts": dateInto(func(r *Row) *metaads.Date { return &r.Since }),
	"reporting ends":   dateInto(func(r *Row) *metaads.Date { return &r.Until }),
	"day": func(r *Row, v string, _ metrics.Currency) error {
		d, err := metaads.ParseDate(v)
		if err != nil {
			return fmt.Errorf("%q is not a day; expected YYYY-MM-DD", v)
		}
		r.Since, r.Until = d, d
		return nil
	},
	"time of day (ad account time zone)": func(r *Row, v string, _ metrics.Currency) error {
		h, err := strconv.Atoi(strings.SplitN(v, ":", 2)[0])
		if err != nil || h < 0 || h > 23 {
			return fmt.Errorf("%q; expected an hour range such as \"09:00:00 - 09:59:59\"", v)
		}
		r.Hourly, r.Hour = true, h
		return nil
	},

	"impressions":                countInto(func(r *Row) *int64 { return &r.Counts.Impressions }),
	"reach":                      countInto(func(r *Row) *int64 { return &r.Counts.Reach }),
	"clicks (all)":               countInto(func(r *Row) *int64 { return &r.Counts.Clicks }),
	"link clicks":                countInto(func(r *Row) *int64 { return &r.Counts.LinkClicks }),
	"unique clicks (all)":        countInto(func(r *Row) *int64 { return &r.Counts.UniqueClicks }),
	"post engagements":           countInto(func(r *Row) *int64 { return &r.Counts.PostEngagements }),
	"page engagement":            countInto(func(r *Row) *int64 { return &r.Counts.PageEngagements }),
	"video plays":                countInto(func(r *Row) *int64 { return &r.Counts.VideoPlays }),
	"3-second video plays":       countInto(func(r *Row) *int64 { return &r.Counts.VideoViews3s }),
	"video plays at 25%":         countInto(func(r *Row) *int64 { return &r.Counts.VideoP25 }),
	"video plays at 50%":         countInto(func(r *Row) *int64 { return &r.Counts.VideoP50 }),
	"video plays at 75%":         countInto(func(r *Row) *int64 { return &r.Counts.VideoP75 }),
	"video plays at 95%":         countInto(func(r *Row) *int64 { return &r.Counts.VideoP95 }),
	"video plays at 100%":        countInto(func(r *Row) *int64 { return &r.Counts.VideoP100 }),
	"thruplays":                  countInto(func(r *Row) *int64 { return &r.Counts.ThruPlays }),
	"landing page views":         countInto(func(r *Row) *int64 { return &r.Counts.LandingPageViews }),
	"leads":                      countInto(func(r *Row) *int64 { return &r.Counts.Leads }),
	"purchases":                  countInto(func(r *Row) *int64 { return &r.Counts.Purchases }),
	"results":                    countInto(func(r *Row) *int64 { return &r.Counts.Conversions }),
	"amount spent":               moneyInto(func(r *Row) *int64 { return &r.Counts.Spend }),
	"purchases conversion value": moneyInto(func(r *Row) *int64 { return &r.Counts.PurchaseValue }),
	"quality ranking":            rankingInto(func(r *Row) *metrics.Ranking { return &r.Rankings.Quality }),
	"engagement rate ranking":    rankingInto(func(r *Row) *metrics.Ranking { return &r.Rankings.EngagementRate }),
	"conversion rate ranking":    rankingInto(func(r *Row) *metrics.Ranking { return &r.Rankings.ConversionRate }),
	"result indicator":           resultIndicator,
	"video average play time": func(r *Row, v string, _ metrics.Currency) error {
		if v == "" {
			return nil
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0 || math.IsInf(f, 0) {
			return fmt.Errorf("%q; expected seconds per play, such as 4.2", v)
		}
		r.avgPlay = f
		return nil
	},
	"account id":                         nil,
	"account name":                       nil,
	"objective":                          nil,
	"frequency":                          nil,
	"ctr (all)":                          nil,
	"ctr (link click-through rate)":      nil,
	"cpc (all)":                          nil,
	"cpc (cost per link click)":          nil,
	"cpm (cost per 1,000 impressions)":   nil,
	"cost per result":                    nil,
	"cost per purchase":                  nil,
	"cost per lead":                      nil,
	"purchase roas (return on ad spend)": nil,
	"budget":                             nil,
	"budget type":                        nil,
	"delivery":                           nil,
	"attribution setting":                nil,
	"starts":                             nil,
	"ends":                               nil,
	"bid":                                nil,
	"bid type":                           nil,
}

// resultIndicator reads "actions:offsite_conversion.fb_pixel_purchase":
// the action type Results counts.
func resultIndicator(r *Row, v string, _ metrics.Currency) error {
	if v == "" {
		return nil
	}
	t := strings.TrimPrefix(v, "actions:")
	switch {
	case slices.Contains(metaads.DefaultPurchaseActionTypes(), t):
		t = EventPurchase
	case slices.Contains(metaads.DefaultLeadActionTypes(), t):
		t = EventLead
	}
	r.Event = t
	return nil
}

func parseCount(v string) (int64, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q; expected a whole number of 0 or more", v)
	}
	return n, nil
}

// parseRanking reads Ads Manager's words ("Above average", "Below average -
// Bottom 35% of ads", "-") and Meta's API names.
func parseRanking(v string) (metrics.Ranking, error) {
	low := strings.ToLower(strings.TrimSpace(v))
	switch {
	case low == "" || low == "-" || low == "unknown":
		return metrics.RankingUnknown, nil
	case low == "above average":
		return metrics.RankingAboveAverage, nil
	case low == "average":
		return metrics.RankingAverage, nil
	case strings.HasPrefix(low, "below average"):
		for _, p := range []struct {
			pct string
			r   metrics.Ranking
		}{{"35%", metrics.RankingBelowAverage35}, {"20%", metrics.RankingBelowAverage20}, {"10%", metrics.RankingBelowAverage10}} {
			if strings.Contains(low, p.pct) {
				return p.r, nil
			}
		}
	}
	if r, err := metrics.ParseRanking(v); err == nil {
		return r, nil
	}
	return 0, fmt.Errorf("%q; expected Above average, Average, Below average - Bottom 35%% (20%%, 10%%) of ads, or -", v)
}

// ReadCSV reads an Ads Manager export (or any CSV with its column names)
// into rows for [FromRows]: ids and names of campaigns, ad sets and ads,
// "Reporting starts" and "Reporting ends" (or "Day"), "Time of day (ad
// account time zone)" for hourly exports, the count columns (Impressions,
// Reach, Clicks (all), Link clicks, Amount spent (USD), Purchases,
// Purchases conversion value, Leads, Results with its Result indicator,
// video plays, ...) and the three rankings. Money columns are parsed
// exactly in the currency's minor units.
//
// A row covering one day is a daily row, one covering several days a
// window total (its Reach is the window's de-duplicated reach); a "Day"
// column (the Day breakdown) is the row's day even beside the report's
// "Reporting starts" and "Reporting ends". Export with the Day breakdown:
// FromRows needs daily rows. Errors name the line (the header is line 1)
// and the column: an unknown or repeated column, a money column in
// another currency, a value that is not a number or a day. At most 20 errors are reported, joined; each is a [*RowError]
// wrapping [ErrInvalidInput].
func ReadCSV(r io.Reader, o CSVOptions) ([]Row, error) {
	if r == nil {
		return nil, fmt.Errorf("%w: ReadCSV: nil reader", ErrInvalidInput)
	}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, &RowError{Row: 1, Err: fmt.Errorf("reading the header: %v", err)}
	}
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff") // a BOM from spreadsheet exports
	}
	var errs rowErrors
	code := strings.ToUpper(o.Currency)
	fields := make([]csvField, len(header))
	seen := map[string]int{}
	dayCol := -1 // "Day" is the row's day even beside the report's range
	for i, h := range header {
		name, cur := splitCurrency(strings.TrimSpace(h))
		key := strings.ToLower(name)
		f, known := csvColumns[key]
		first, twice := seen[key]
		switch {
		case slices.ContainsFunc(o.IgnoreColumns, func(c string) bool { return strings.EqualFold(c, h) }):
			continue
		case known && twice:
			errs.add(1, h, "column %d repeats column %d (%s); expected each column once", i+1, first+1, header[first])
			continue
		case !known:
			errs.add(1, h, "unknown column; expected an Ads Manager column such as \"Impressions\" or \"Amount spent (USD)\" (or list it in CSVOptions.IgnoreColumns)")
			continue
		case cur != "" && code == "":
			code = cur
		case cur != "" && cur != code:
			errs.add(1, h, "money in %s; expected %s, the account currency", cur, code)
			continue
		}
		seen[key] = i
		if key == "day" {
			dayCol = i
		}
		fields[i] = f
	}
	currency, cerr := metrics.LookupCurrency(code)
	if code == "" {
		cerr = errors.New("no currency: set CSVOptions.Currency or export money columns with the currency, such as \"Amount spent (USD)\"")
	}
	if cerr != nil {
		errs.add(1, "", "%v", cerr)
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	var rows []Row
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			errs.add(line, "", "%v", err)
			break
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a blank line
		}
		if len(rec) != len(header) {
			errs.add(line, "", "%d fields; the header has %d", len(rec), len(header))
			continue
		}
		row := Row{Line: line, Currency: strings.ToUpper(code)}
		for i, v := range rec {
			if fields[i] == nil || i == dayCol {
				continue
			}
			if err := fields[i](&row, strings.TrimSpace(v), currency); err != nil {
				errs.add(line, header[i], "%v", err)
			}
		}
		if dayCol >= 0 {
			if err := fields[dayCol](&row, strings.TrimSpace(rec[dayCol]), currency); err != nil {
				errs.add(line, header[dayCol], "%v", err)
			}
		}
		if row.avgPlay > 0 && row.Counts.VideoPlays > 0 {
			// Total watch time from the average, as metaads derives it.
			if ms := math.Round(row.avgPlay * 1000 * float64(row.Counts.VideoPlays)); ms < math.MaxInt64 {
				row.Counts.VideoWatchTimeMillis = int64(ms)
			}
		}
		if row.Currency != "" && !strings.EqualFold(row.Currency, code) {
			errs.add(line, "Currency", "%s; the money columns are in %s", row.Currency, code)
		}
		row.Currency = strings.ToUpper(row.Currency)
		rows = append(rows, row)
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	return rows, nil
}

// splitCurrency splits "Amount spent (USD)" into "Amount spent" and "USD".
func splitCurrency(h string) (name, currency string) {
	open := strings.LastIndexByte(h, '(')
	if open < 0 || !strings.HasSuffix(h, ")") {
		return h, ""
	}
	code := h[open+1 : len(h)-1]
	if len(code) != 3 || strings.ToUpper(code) != code {
		return h, ""
	}
	return strings.TrimSpace(h[:open]), code
}
