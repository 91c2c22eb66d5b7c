package app

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// dashboardPictures checks the day x hour and pacing pictures. The signal
// functions (analysis/signals) are not part of the pass yet, so the page
// shows their sections with a message saying so.
func dashboardPictures(t *testing.T, step func(string, ...chromedp.Action[chromedp.Void])) {
	step("heatmap and pacing sections",
		chromedp.WaitVisible(chromedp.CSS("#heatmap-empty")),
		chromedp.WaitVisible(chromedp.CSS("#pacing-empty")),
	)
}
