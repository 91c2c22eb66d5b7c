package web

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"

	"github.com/adpilot/adpilot/analysis"
)

// The day x hour heatmap and the pacing bars draw what the pass's signals
// measured (package analysis/signals puts its tables in Signal.Data as
// JSON); the CRM computes no signal itself. A report without those signals
// shows the sections with a note instead.

// hourTable is the part of the hour-of-day signal's Data the heatmap reads:
// Grid[weekday][hour], weekday 0 Sunday, in the account's time zone.
type hourTable struct {
	Grid [][]struct {
		Weekday     int     `json:"weekday"`
		Hour        int     `json:"hour"`
		Impressions int64   `json:"impressions"`
		Clicks      int64   `json:"clicks"`
		Spend       int64   `json:"spend"`
		SpendShare  float64 `json:"spend_share"`
		CPC         *struct {
			Value float64 `json:"value"`
			Index float64 `json:"index"`
		} `json:"cpc"`
		CTR *struct {
			Value float64 `json:"value"`
			Index float64 `json:"index"`
		} `json:"ctr"`
	} `json:"grid"`
	Period *analysis.Period `json:"period"`
	Weeks  int              `json:"weeks"`
}

// heatmapChart is the day x hour heatmap (7 rows x 24 columns).
type heatmapChart struct {
	Cells  []heatCell
	Rows   []heatRow
	Hours  []heatHour
	Legend string
}

type heatCell struct {
	X, Y  int
	Fill  string
	Title string
}

type heatRow struct {
	Y    int
	Name string
}

type heatHour struct {
	X    int
	Name string
}

var weekdayNames = [7]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}

// heatColor maps a cost index (1 = the table's average CPC) to a colour:
// green where clicks are cheap, red where they are dear, grey without data.
func heatColor(index float64, ok bool) string {
	if !ok || math.IsNaN(index) || index <= 0 {
		return "#e6e8ec"
	}
	// log2 of the index, clamped to [-1, 1]: half price to double price.
	t := math.Max(-1, math.Min(1, math.Log2(index)))
	var r, g, b float64
	if t < 0 { // cheaper: towards green
		r, g, b = 255+(30-255)*-t, 255+(150-255)*-t, 255+(80-255)*-t
	} else { // dearer: towards red
		r, g, b = 255+(200-255)*t, 255+(50-255)*t, 255+(40-255)*t
	}
	return fmt.Sprintf("#%02x%02x%02x", int(r), int(g), int(b))
}

// heatmapOf draws the hour-of-day signal's weekday x hour table.
func heatmapOf(signals []analysis.Signal, currency string) (*heatmapChart, string) {
	i := slices.IndexFunc(signals, func(s analysis.Signal) bool { return s.Kind == analysis.SignalHourOfDay && len(s.Data) > 0 })
	if i < 0 {
		return nil, "No day × hour signal in this report: the account had too little hourly delivery to judge, or the report is older than the pass's signals."
	}
	var tab hourTable
	if err := json.Unmarshal(signals[i].Data, &tab); err != nil || len(tab.Grid) != 7 {
		return nil, "The report's day × hour signal is not in a shape this page can draw."
	}
	c := &heatmapChart{Legend: "Cost per click by weekday and hour (account time), against the account's average: green cheaper, red dearer"}
	if tab.Period != nil {
		c.Legend += fmt.Sprintf(", %s to %s", tab.Period.Since, tab.Period.Until)
	}
	const left, top, w, h = 40, 20, 28, 22
	for hr := 0; hr < 24; hr += 3 {
		c.Hours = append(c.Hours, heatHour{X: left + hr*w, Name: fmt.Sprintf("%02d", hr)})
	}
	for wd, row := range tab.Grid {
		if wd >= 7 {
			break
		}
		c.Rows = append(c.Rows, heatRow{Y: top + wd*h + 15, Name: weekdayNames[wd]})
		for hr, cell := range row {
			if hr >= 24 {
				break
			}
			index, ok := 0.0, cell.CPC != nil && cell.Clicks > 0
			title := fmt.Sprintf("%s %02d:00: %d impressions, %d clicks, spend %s", weekdayNames[wd], hr, cell.Impressions, cell.Clicks, money(currency, float64(cell.Spend)))
			if ok {
				index = cell.CPC.Index
				title += fmt.Sprintf(", CPC %s (%.0f%% of average)", money(currency, cell.CPC.Value), 100*index)
			}
			c.Cells = append(c.Cells, heatCell{X: left + hr*w, Y: top + wd*h, Fill: heatColor(index, ok), Title: title})
		}
	}
	return c, ""
}

// pacingEntity is the part of a pacing signal's Data the bars read.
type pacingEntity struct {
	Entity        analysis.EntityRef `json:"entity"`
	Kind          string             `json:"kind"`
	DailyBudget   int64              `json:"daily_budget"`
	SpendToday    int64              `json:"spend_today"`
	ExpectedToday float64            `json:"expected_today"`
	DayCap        float64            `json:"day_cap"`
	Ratio         float64            `json:"ratio"`
	Ratio7d       float64            `json:"ratio_7d"`
	Status        string             `json:"status"`
	Flagged       bool               `json:"flagged"`
}

// pacingChart is one row per budget: spend today against the spend
// expected by now and Meta's cap for the day.
type pacingChart struct {
	Bars   []pacingBar
	Height int
}

type pacingBar struct {
	Name      string
	Y         int
	W         float64 // spend today, on a scale where the day cap is 400
	Expected  float64 // x of the expected-by-now mark
	Budget    float64 // x of the daily budget mark
	Over      bool
	Title     string
	TextY     int
	StatusX   int
	StatusTxt string
}

// pacingOf draws the daily-budget pacing signals.
func pacingOf(signals []analysis.Signal, currency string) (*pacingChart, string) {
	var ents []pacingEntity
	for _, s := range signals {
		if s.Kind != analysis.SignalPacing || len(s.Data) == 0 {
			continue
		}
		var e pacingEntity
		if err := json.Unmarshal(s.Data, &e); err == nil && e.Kind == "daily" && e.DailyBudget > 0 {
			ents = append(ents, e)
		}
	}
	if len(ents) == 0 {
		return nil, "No daily-budget pacing signal in this report: no ad set with a daily budget is off its pace, or the report is older than the pass's signals."
	}
	const left, scale = 260, 400.0
	c := &pacingChart{}
	for i, e := range ents {
		cap := max(e.DayCap, 1.75*float64(e.DailyBudget), float64(e.SpendToday), 1)
		x := func(v float64) float64 { return round1(left + scale*v/cap) }
		y := 10 + i*34
		b := pacingBar{Name: e.Entity.Name, Y: y, TextY: y + 12, W: round1(scale * float64(e.SpendToday) / cap),
			Expected: x(e.ExpectedToday), Budget: x(float64(e.DailyBudget)), Over: e.Flagged && e.Ratio > 1,
			StatusX: left + int(scale) + 10, StatusTxt: e.Status}
		if b.Name == "" {
			b.Name = e.Entity.ID
		}
		b.Title = fmt.Sprintf("%s: spent %s today against %s expected by now (%.0f%%), daily budget %s, Meta's cap for the day %s; last 7 days %.0f%% of budget",
			b.Name, money(currency, float64(e.SpendToday)), money(currency, e.ExpectedToday), 100*e.Ratio,
			money(currency, float64(e.DailyBudget)), money(currency, e.DayCap), 100*e.Ratio7d)
		c.Bars = append(c.Bars, b)
	}
	c.Height = 20 + 34*len(ents)
	return c, ""
}
