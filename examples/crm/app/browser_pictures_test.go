package app

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// dashboardPictures checks the day x hour and pacing pictures: the pass
// computes the signals (analysis/signals), and the demo shop's planted
// hour-of-day pattern and over-pacing ad set are drawn as inline SVG.
func dashboardPictures(t *testing.T, step func(string, ...chromedp.Action[chromedp.Void])) {
	step("heatmap and pacing sections",
		chromedp.WaitVisible(chromedp.CSS("svg#heatmap rect")),
		chromedp.WaitVisible(chromedp.CSS("svg#pacing rect")),
	)
}
