package analysis

import (
	"time"
	"context"
	"fmt"
	"testing"

	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metaads/metaadstest"
)

func TestTryRun(t *testing.T) {
	e := newDemo(t, demoNow)
	for acct, g := range map[string]Goals{
		metaadstest.DemoAccountShop:  {TargetCPA: 3000, GrossMargin: 0.5},
		metaadstest.DemoAccountLeads: {TargetCPA: 1500},
		metaadstest.DemoAccountTokyo: {},
	} {
		rep, err := Run(context.Background(), e.c, metaads.MustParseAccountID(acct), RunOptions{Goals: g, Collect: fastPolls(CollectOptions{}, demoNow), Now: func() time.Time { return demoNow }})
		if err != nil {
			t.Fatal(err)
		}
		fmt.Println(rep.Result.Markdown())
	}
}
