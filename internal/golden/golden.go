// Package golden compares test output with golden files, for the tests of
// this module.
package golden

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// Compare fails t when got differs from the file at path, naming the first
// line that differs; with update it writes got to path instead (creating
// its directory).
func Compare(t testing.TB, path string, got []byte, update bool) {
	t.Helper()
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if bytes.Equal(got, want) {
		return
	}
	g, w := bytes.Split(got, []byte("\n")), bytes.Split(want, []byte("\n"))
	for i := range max(len(g), len(w)) {
		var gl, wl []byte
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if !bytes.Equal(gl, wl) {
			t.Errorf("%s differs from the golden file at line %d; run go test -update and review the diff.\n got: %s\nwant: %s", filepath.Base(path), i+1, gl, wl)
			return
		}
	}
}
