package proctest_test

import (
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/adpilot/adpilot/examples/internal/proctest"
)

// TestMain makes the test binary the program under test when
// PROCTEST_CHILD=1: it prints its arguments and waits for SIGTERM.
func TestMain(m *testing.M) {
	if os.Getenv("PROCTEST_CHILD") == "1" {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM)
		fmt.Println("ready", strings.Join(os.Args[1:], " "))
		<-sig
		fmt.Println("got SIGTERM")
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestStartStops: the process gets its arguments and environment, its
// output goes to its log, and it is stopped with SIGTERM when the test
// that started it ends.
func TestStartStops(t *testing.T) {
	bin, err := os.Executable()
	require.NoError(t, err)
	dir := t.TempDir()
	var p *proctest.Process
	t.Run("child", func(t *testing.T) {
		p = proctest.Start(t, bin, "child", dir, []string{"PROCTEST_CHILD=1"}, "a", "b")
		proctest.WaitFor(t, 30*time.Second, "the child to start", func() bool {
			return strings.Contains(p.Output(), "ready a b")
		})
		assert.Nil(t, p.Cmd.ProcessState, "running while the test runs")
	})
	require.NotNil(t, p.Cmd.ProcessState, "waited for when the test ended")
	assert.True(t, p.Cmd.ProcessState.Success(), p.Output())
	assert.Contains(t, p.Output(), "got SIGTERM", "stopped with SIGTERM, not killed")
	assert.Equal(t, dir+"/child.log", p.Log)
}
