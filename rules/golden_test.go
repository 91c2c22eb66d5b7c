package rules

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

func compareGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
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
				t.Errorf("%s differs from the golden file at line %d; run go test -update and review the diff.\n got: %s\nwant: %s", name, i+1, gl, wl)
				return
			}
		}
	}
}

func fixtureEvaluation(t *testing.T) *Evaluation {
	t.Helper()
	spec, err := DefaultLibrary(fixtureParams())
	if err != nil {
		t.Fatal(err)
	}
	set, err := Compile(spec)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := set.Evaluate(fixtureSnapshot())
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func TestGoldenDefaultLibrary(t *testing.T) {
	ev := fixtureEvaluation(t)
	var text bytes.Buffer
	if err := ev.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	compareGolden(t, "default_library.txt.golden", text.Bytes())
	js, err := json.MarshalIndent(ev, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	compareGolden(t, "default_library.json.golden", append(js, '\n'))
}
