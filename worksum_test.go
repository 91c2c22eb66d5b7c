package adpilot

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestGoWorkSumComplete: .ci/run runs `go mod download` in every module,
// which adds to go.work.sum whatever it lacks; a committed go.work.sum that
// lacked entries left a fresh clone dirty after CI. The test runs the same
// downloads on a copy of the workspace's go.work, go.mod and go.sum files
// (from the module cache, so no network once CI has downloaded) and wants
// go.work.sum unchanged.
func TestGoWorkSumComplete(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go mod download")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go command not on PATH")
	}
	dir := t.TempDir()
	modules := []string{".", "examples", "analysis/openai", "analysis/anthropic"} // every module of go.work
	files := []string{"go.work", "go.work.sum"}
	for _, m := range modules {
		files = append(files, filepath.Join(m, "go.mod"), filepath.Join(m, "go.sum"))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, sub := range modules {
		cmd := exec.Command("go", "mod", "download")
		cmd.Dir = filepath.Join(dir, sub)
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Skipf("go mod download without network failed (module cache not filled?): %v\n%s", err, out)
		}
	}
	before, _ := os.ReadFile("go.work.sum")
	after, err := os.ReadFile(filepath.Join(dir, "go.work.sum"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Errorf("go mod download adds to go.work.sum (%d -> %d bytes): run `go mod download && (cd examples && go mod download)` and commit go.work.sum", len(before), len(after))
	}
}
