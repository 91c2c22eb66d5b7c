package proctest

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// Process is a program started by Start.
type Process struct {
	// ID names the process (its log file is {dir}/{ID}.log).
	ID string
	// Cmd is the running command; Cmd.Process.Kill() kills it.
	Cmd *exec.Cmd
	// Log is the path of the file holding its stdout and stderr.
	Log string
}

// Start runs bin with args, its environment being this process's plus env,
// its stdout and stderr going to {dir}/{id}.log. When t ends a process
// still running gets SIGTERM, and SIGKILL 20 s later; the log is printed
// when t failed.
func Start(t testing.TB, bin, id, dir string, env []string, args ...string) *Process {
	t.Helper()
	logPath := filepath.Join(dir, id+".log")
	f, err := os.Create(logPath)
	if err != nil {
		t.Fatalf("proctest: %v", err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		f.Close()
		t.Fatalf("proctest: starting %s: %v", id, err)
	}
	p := &Process{ID: id, Cmd: cmd, Log: logPath}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			done := make(chan struct{})
			go func() { _ = cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				_ = cmd.Process.Kill()
				<-done
			}
		}
		f.Close()
		if t.Failed() {
			t.Logf("log of %s:\n%s", id, p.Output())
		}
	})
	return p
}

// Output returns what the process wrote so far.
func (p *Process) Output() string {
	data, _ := os.ReadFile(p.Log)
	return string(data)
}

// WaitFor polls cond every 100 ms until it holds, and fails t when d
// passes first.
func WaitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
