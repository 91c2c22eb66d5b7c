package analysis

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metaads/metaadstest"
)

// TestRunLive: by default every decision of the pass is a dry run; with
// Live the default library is live, so its allowed decisions are not dry
// runs (for a caller's rules.Executor) while blocked ones stay reported,
// and nothing is changed in the fake either way.
func TestRunLive(t *testing.T) {
	e := newDemo(t, demoNow)
	acct := metaads.MustParseAccountID(metaadstest.DemoAccountShop)
	run := func(live bool) *Report {
		rep, err := Run(context.Background(), e.c, acct, RunOptions{Goals: shopGoals, Live: live,
			Collect: fastPolls(CollectOptions{}, demoNow), Now: func() time.Time { return demoNow }})
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	dry, live := run(false), run(true)
	if len(dry.Evaluation.Decisions) == 0 || len(dry.Evaluation.Decisions) != len(live.Evaluation.Decisions) {
		t.Fatalf("decisions: %d dry, %d live; want the same, more than none", len(dry.Evaluation.Decisions), len(live.Evaluation.Decisions))
	}
	applicable := 0
	for i, d := range dry.Evaluation.Decisions {
		l := live.Evaluation.Decisions[i]
		if !d.DryRun {
			t.Errorf("default pass: decision %s is not a dry run", d.Summary())
		}
		if l.ID != d.ID || l.Allowed != d.Allowed {
			t.Errorf("decision %d differs between the passes: %s / %s", i, d.Summary(), l.Summary())
		}
		if l.DryRun {
			t.Errorf("live pass: decision %s of a live library rule is a dry run", l.Summary())
		}
		if l.Allowed {
			applicable++
		}
	}
	if applicable == 0 {
		t.Error("the live pass has no allowed decision on the demo shop")
	}
	if md := live.Markdown(); strings.Contains(md, "(dry run)") {
		t.Error("the live pass's report calls its decisions a dry run")
	}
	if md := dry.Markdown(); !strings.Contains(md, "## Rule decisions (dry run)") {
		t.Error("the default pass's report does not say its decisions are a dry run")
	}
	for _, r := range e.srv.Requests() {
		if r.Method != "GET" && r.Path != "/act_"+metaadstest.DemoAccountShop+"/insights" {
			t.Errorf("the pass wrote: %s %s", r.Method, r.Path)
		}
	}
}
