package golden

import (
	"os"
	"path/filepath"
	"testing"
)

type recorder struct {
	testing.TB
	failed string
}

func (r *recorder) Errorf(format string, args ...any) { r.failed = format }
func (r *recorder) Helper()                           {}

func TestCompare(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "x.golden")
	Compare(t, path, []byte("a\nb\n"), true)
	if b, err := os.ReadFile(path); err != nil || string(b) != "a\nb\n" {
		t.Fatalf("update wrote %q, %v", b, err)
	}
	Compare(t, path, []byte("a\nb\n"), false)
	r := &recorder{TB: t}
	Compare(r, path, []byte("a\nc\n"), false)
	if r.failed == "" {
		t.Error("a differing line passed")
	}
}
