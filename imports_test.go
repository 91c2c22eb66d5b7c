package adpilot

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/adpilot/adpilot"

// allowedImports lists, per SDK package (relative to the module root), the
// packages of this module it may import directly. It is the import direction
// of DESIGN.md written down; a package missing from the table fails the test
// so that new packages must declare their place.
var allowedImports = map[string][]string{
	"":                      nil,
	"metrics":               nil,
	"internal/wire":         {"metrics"},
	"internal/golden":       nil,
	"metaads":               {"metrics", "internal/wire", "internal/redact"},
	"metaads/metaadstest":   {"metrics", "internal/wire"},
	"oauth":                 {"metaads", "metrics", "internal/redact"},
	"internal/redact":       nil,
	"internal/leaktest":     nil,
	"rules":                 {"metrics"},
	"rules/metaactuator":    {"rules", "metaads", "metrics"},
	"analysis":              {"metrics", "rules", "metaads"},
	"analysis/analysistest": {"analysis", "metrics", "rules", "metaads"},
	"analysis/llm":          {"analysis", "metrics", "rules", "metaads", "internal/redact"},
	"analysis/llm/llmtest":  {"analysis", "metaads", "metrics", "rules"},
	"analysis/signals":      {"analysis", "metrics", "rules", "metaads"},
}

// allowedModules are the only modules outside the standard library that the
// SDK's non-test code may depend on, directly or not.
var allowedModules = []string{
	"golang.org/x/oauth2",
	"github.com/google/go-querystring",
	"github.com/hashicorp/go-retryablehttp",
	"github.com/hashicorp/go-cleanhttp", // required by go-retryablehttp
	"golang.org/x/time",
}

type listedPackage struct {
	ImportPath string
	Standard   bool
	Imports    []string
	Deps       []string
	Module     *struct{ Path string }
}

func goList(t *testing.T, args ...string) []listedPackage {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go command not on PATH")
	}
	cmd := exec.Command("go", append([]string{"list", "-json"}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %v: %v\n%s", args, err, stderr.String())
	}
	var pkgs []listedPackage
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listedPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decoding go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

func rel(path string) (string, bool) {
	if path == module {
		return "", true
	}
	r, ok := strings.CutPrefix(path, module+"/")
	return r, ok
}

// TestImportDirection enforces the import direction of DESIGN.md with
// go list, so that it cannot silently rot.
func TestImportDirection(t *testing.T) {
	pkgs := goList(t, module+"/...")
	if len(pkgs) < 3 {
		t.Fatalf("go list found %d packages; expected the whole module", len(pkgs))
	}
	for _, p := range pkgs {
		name, ok := rel(p.ImportPath)
		if !ok || p.Module == nil || p.Module.Path != module {
			continue // the examples module, joined by go.work
		}
		allowed, known := allowedImports[name]
		if !known {
			t.Errorf("package %s is not in the import-direction table of imports_test.go; add it with the module packages it may import (see DESIGN.md)", p.ImportPath)
			continue
		}
		for _, imp := range p.Imports {
			dep, inModule := rel(imp)
			if !inModule {
				continue
			}
			if dep == "examples" || strings.HasPrefix(dep, "examples/") {
				t.Errorf("%s imports %s; nothing in the SDK may import the examples module", p.ImportPath, imp)
				continue
			}
			if !slices.Contains(allowed, dep) {
				t.Errorf("%s imports %s; DESIGN.md allows it only %v", p.ImportPath, imp, allowed)
			}
		}
	}
}

// TestMetricsStandardLibraryOnly keeps metrics usable anywhere: its
// non-test code depends on nothing but the standard library.
func TestMetricsStandardLibraryOnly(t *testing.T) {
	for _, p := range goList(t, "-deps", module+"/metrics") {
		if p.ImportPath == module+"/metrics" {
			continue
		}
		if !p.Standard {
			t.Errorf("metrics depends on %s; it must use the standard library only", p.ImportPath)
		}
	}
}

// TestSDKDependencies checks that no SDK package pulls in a module outside
// the small allowed set (database and browser drivers belong in examples/go.mod).
func TestSDKDependencies(t *testing.T) {
	var sdk []string
	for _, p := range goList(t, module+"/...") {
		if p.Module != nil && p.Module.Path == module {
			sdk = append(sdk, p.ImportPath)
		}
	}
	pkgs := goList(t, append([]string{"-deps"}, sdk...)...)
	for _, p := range pkgs {
		if p.Standard || p.Module == nil || p.Module.Path == module {
			continue
		}
		if !slices.Contains(allowedModules, p.Module.Path) {
			t.Errorf("the SDK depends on %s (module %s); only %v are allowed outside the standard library", p.ImportPath, p.Module.Path, allowedModules)
		}
	}
}
