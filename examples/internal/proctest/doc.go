// Package proctest runs example programs as real OS processes in tests:
// the test binary re-executed as the program (its TestMain runs the
// program instead of the tests when an environment variable says so), so
// multi-process tests need no build step.
//
//	func TestMain(m *testing.M) {
//		if os.Getenv("ADPILOT_AGENT_PROCESS") == "1" {
//			main()
//			return
//		}
//		os.Exit(m.Run())
//	}
//
//	bin, _ := os.Executable()
//	p := proctest.Start(t, bin, "agent_a", t.TempDir(), []string{"ADPILOT_AGENT_PROCESS=1"}, "serve", ...)
package proctest
