// Package progress draws the agent's progress bars with vbauerster/mpb: a
// bar per account, advancing through the pass's phases with its Graph
// calls and rows, and a total. Off a terminal (or with --no-progress) it
// draws nothing and every method is a no-op, so runs under cron or CI log
// only.
package progress

import (
	"fmt"
	"io"
	"sync"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/adpilot/adpilot/analysis"
)

// phases orders the pass's phases for the bar.
var phases = []analysis.Phase{analysis.PhaseObjects, analysis.PhaseDaily, analysis.PhaseHourly, analysis.PhaseWindows,
	analysis.PhaseSnapshot, analysis.PhaseRules, analysis.PhaseSignals, analysis.PhaseAnalyze, analysis.PhaseDone}

// Bars is a set of bars; the zero of *Bars (nil) draws nothing.
type Bars struct {
	p     *mpb.Progress
	total *mpb.Bar
	mu    sync.Mutex
	bars  map[string]*bar
}

type bar struct {
	b     *mpb.Bar
	label string
	mu    sync.Mutex
	state string
}

// New returns bars drawn on w for total accounts, or nil (no bars) when
// enabled is false.
func New(w io.Writer, enabled bool, total int) *Bars {
	if !enabled {
		return nil
	}
	// The caller decided w is a terminal: refresh even when mpb cannot
	// tell (a pseudo-terminal behind a wrapper).
	p := mpb.New(mpb.WithOutput(w), mpb.WithWidth(32), mpb.WithAutoRefresh())
	b := &Bars{p: p, bars: map[string]*bar{}}
	b.total = p.AddBar(int64(total), mpb.BarPriority(1<<30),
		mpb.PrependDecorators(decor.Name("all accounts ", decor.WCSyncSpaceR), decor.CountersNoUnit("%d/%d", decor.WCSyncSpace)),
		mpb.AppendDecorators(decor.Elapsed(decor.ET_STYLE_GO, decor.WCSyncSpace)))
	return b
}

// Writer returns where log lines go while bars are drawn (above them), or
// fallback when there are no bars.
func (b *Bars) Writer(fallback io.Writer) io.Writer {
	if b == nil {
		return fallback
	}
	return b.p
}

// SetTotal changes the number of accounts (known after listing them).
func (b *Bars) SetTotal(n int) {
	if b == nil {
		return
	}
	b.total.SetTotal(int64(n), false)
}

func (b *Bars) get(account, name string) *bar {
	b.mu.Lock()
	defer b.mu.Unlock()
	if x := b.bars[account]; x != nil {
		return x
	}
	label := account
	if name != "" {
		label = fmt.Sprintf("%s %.20s", account, name)
	}
	x := &bar{label: label, state: "queued"}
	x.b = b.p.AddBar(int64(len(phases)),
		mpb.PrependDecorators(decor.Name(label, decor.WCSyncSpaceR)),
		mpb.AppendDecorators(decor.Any(func(decor.Statistics) string {
			x.mu.Lock()
			defer x.mu.Unlock()
			return x.state
		}, decor.WCSyncSpace)),
		mpb.BarRemoveOnComplete())
	b.bars[account] = x
	return x
}

// Start returns the progress callback of an account's pass.
func (b *Bars) Start(account, name string) func(analysis.Progress) {
	if b == nil {
		return nil
	}
	x := b.get(account, name)
	return func(p analysis.Progress) {
		i := 0
		for j, ph := range phases {
			if ph == p.Phase {
				i = j + 1
			}
		}
		x.mu.Lock()
		x.state = fmt.Sprintf("%s, %d calls, %d rows", p.Phase, p.Requests, p.Rows)
		x.mu.Unlock()
		if i < len(phases) { // done is set by Finish
			x.b.SetCurrent(int64(i))
		}
	}
}

// Finish ends an account's bar with its status and advances the total.
func (b *Bars) Finish(account, status string) {
	if b == nil {
		return
	}
	x := b.get(account, "")
	x.mu.Lock()
	x.state = status
	x.mu.Unlock()
	b.p.Write([]byte(fmt.Sprintf("%s: %s\n", x.label, status)))
	x.b.SetTotal(-1, true)
	b.total.Increment()
}

// Wait stops drawing once every bar is complete.
func (b *Bars) Wait() {
	if b == nil {
		return
	}
	b.total.SetTotal(-1, true)
	b.p.Wait()
}
