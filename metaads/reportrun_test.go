package metaads

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestReportRunErrorKinds(t *testing.T) {
	tooLarge := &ReportRunError{ID: "1", Status: JobFailed, Code: -3, Subcode: 1504045, Message: "report too large"}
	assert.ErrorIs(t, tooLarge, ErrReportFailed)
	assert.ErrorIs(t, tooLarge, ErrDataLimit)
	assert.False(t, restartable(tooLarge), "too large: split, do not restart")

	failed := &ReportRunError{ID: "2", Status: JobFailed, Code: -2, Subcode: 2490547}
	assert.ErrorIs(t, failed, ErrReportFailed)
	assert.NotErrorIs(t, failed, ErrDataLimit)
	assert.NotErrorIs(t, failed, ErrReportSkipped)
	assert.True(t, restartable(failed))

	skipped := &ReportRunError{ID: "3", Status: JobSkipped}
	assert.ErrorIs(t, skipped, ErrReportSkipped)
	assert.ErrorIs(t, skipped, ErrTransient)
	assert.True(t, restartable(skipped))

	intermittent := &ReportRunError{ID: "4", Status: JobFailed, Code: 2, Subcode: 1504043}
	assert.ErrorIs(t, intermittent, ErrTransient)
	assert.Contains(t, intermittent.Error(), "code 2 subcode 1504043")

	assert.False(t, restartable(errors.New("other")))
	var r *ReportRun
	assert.Error(t, r.Wait(t.Context(), PollOptions{}))
	assert.Error(t, r.Refresh(t.Context()))
}

func TestPollOptionsDefaults(t *testing.T) {
	o := PollOptions{Initial: 5e9, Max: 1e9, Multiplier: 0.5}.withDefaults()
	assert.Equal(t, o.Initial, o.Max, "Max is raised to Initial")
	assert.Equal(t, 1.5, o.Multiplier)
	assert.Equal(t, 5, o.MaxPollErrors)
}
