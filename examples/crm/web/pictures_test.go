package web

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/adpilot/adpilot/analysis"
)

func TestPicturesFromSignals(t *testing.T) {
	// Without signals: notes, no picture.
	if h, note := heatmapOf(nil, "USD"); h != nil || !strings.Contains(note, "too little hourly delivery") {
		t.Errorf("no signal: heatmap %v, note %q", h, note)
	}
	if p, note := pacingOf(nil, "USD"); p != nil || note == "" {
		t.Errorf("no signal: pacing %v, note %q", p, note)
	}
	// A 7 x 24 grid whose evening hours cost double.
	type rate struct {
		Value float64 `json:"value"`
		Index float64 `json:"index"`
	}
	type cell struct {
		Weekday     int   `json:"weekday"`
		Hour        int   `json:"hour"`
		Impressions int64 `json:"impressions"`
		Clicks      int64 `json:"clicks"`
		Spend       int64 `json:"spend"`
		CPC         *rate `json:"cpc,omitempty"`
	}
	grid := make([][]cell, 7)
	for wd := range grid {
		for hr := range 24 {
			idx := 1.0
			if hr >= 18 {
				idx = 2
			}
			c := cell{Weekday: wd, Hour: hr, Impressions: 1000, Clicks: 10, Spend: 500, CPC: &rate{Value: 50 * idx, Index: idx}}
			if hr == 3 {
				c.Clicks, c.CPC = 0, nil
			}
			grid[wd] = append(grid[wd], c)
		}
	}
	data, _ := json.Marshal(map[string]any{"grid": grid})
	pace, _ := json.Marshal(map[string]any{"entity": map[string]string{"level": "adset", "id": "9", "name": "Advantage+"},
		"kind": "daily", "daily_budget": 10000, "spend_today": 9000, "expected_today": 6000, "day_cap": 17500, "ratio": 1.5, "status": "over", "flagged": true})
	sigs := []analysis.Signal{{Kind: analysis.SignalHourOfDay, Data: data}, {Kind: analysis.SignalPacing, Data: pace}}
	h, note := heatmapOf(sigs, "USD")
	if h == nil {
		t.Fatalf("heatmap: %s", note)
	}
	if len(h.Cells) != 7*24 || len(h.Rows) != 7 {
		t.Fatalf("cells %d rows %d", len(h.Cells), len(h.Rows))
	}
	cheap, dear, empty := h.Cells[10].Fill, h.Cells[20].Fill, h.Cells[3].Fill
	if cheap == dear || empty != "#e6e8ec" || dear != "#c83228" {
		t.Errorf("colours: average %s, double %s, no clicks %s", cheap, dear, empty)
	}
	if !strings.Contains(h.Cells[20].Title, "CPC 1.00 (200% of average)") {
		t.Errorf("title %q", h.Cells[20].Title)
	}
	p, note := pacingOf(sigs, "USD")
	if p == nil || len(p.Bars) != 1 {
		t.Fatalf("pacing: %v %s", p, note)
	}
	b := p.Bars[0]
	if !b.Over || b.W <= 0 || b.Expected >= 260+b.W || !strings.Contains(b.Title, "spent 90.00 today") {
		t.Errorf("bar %+v", b)
	}
}
