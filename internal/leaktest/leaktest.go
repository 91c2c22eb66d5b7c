// Package leaktest finds the exported types of this module's packages that
// hold a secret, and checks that no way a Go program prints a value (fmt
// verbs, slog's text and JSON handlers, encoding/json) shows the secret.
//
// [SecretTypes] reads a package's source (go/parser, no type checker) and
// reports every exported type that holds a secret directly or through its
// fields, pointers, slices and maps: a field whose name says it is a secret
// (AppSecret, AccessToken, keys, proof) and whose type is a string or bytes,
// or a field of a type known to carry one (golang.org/x/oauth2's Token and
// TokenSource, crypto/cipher.AEAD, and the types found in the other packages
// analysed together). A test compares that list with the values it checks,
// so a new type holding a secret cannot be forgotten.
//
// [Check] prints a value, and a pointer to it or the value it points to,
// every way and fails the test when a secret shows up.
package leaktest

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unsafe"
)

// secretName matches field and type names that say the value is a secret.
// TokenType, KeyID and the like do not match: only names ending in the
// secret noun (or containing "secret") do.
var secretName = regexp.MustCompile(`(?i:secret|token|tokens|proof|password)$|(?i:secret)|^keys$|^stateKeys$`)

// externalSecrets are types outside the analysed packages that carry a
// secret.
var externalSecrets = map[string]bool{
	"oauth2.Token":       true,
	"oauth2.TokenSource": true,
	"cipher.AEAD":        true,
}

type typeDecl struct {
	pkg  string // package name
	name string
	expr ast.Expr
}

// analysis holds the type declarations of the packages analysed together.
type analysis struct {
	decls map[string]*typeDecl // "pkg.Name"
	memo  map[string]bool
}

// SecretTypes parses the non-test Go files of each directory and returns,
// per directory in order, the sorted names of its exported types that hold
// a secret. Directories are analysed together, so a type of one package
// that holds a type of another which holds a secret is reported too (the
// packages are referred to by their package name, as in source).
func SecretTypes(t testing.TB, dirs ...string) [][]string {
	t.Helper()
	a := &analysis{decls: map[string]*typeDecl{}, memo: map[string]bool{}}
	pkgNames := make([]string, len(dirs))
	for i, dir := range dirs {
		fset := token.NewFileSet()
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatalf("leaktest: %v", err)
		}
		for _, e := range entries {
			n := e.Name()
			if e.IsDir() || !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, filepath.Join(dir, n), nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatalf("leaktest: %v", err)
			}
			pkgNames[i] = f.Name.Name
			for _, d := range f.Decls {
				g, ok := d.(*ast.GenDecl)
				if !ok || g.Tok != token.TYPE {
					continue
				}
				for _, s := range g.Specs {
					ts := s.(*ast.TypeSpec)
					a.decls[f.Name.Name+"."+ts.Name.Name] = &typeDecl{pkg: f.Name.Name, name: ts.Name.Name, expr: ts.Type}
				}
			}
		}
	}
	a.solve()
	out := make([][]string, len(dirs))
	for i, pkg := range pkgNames {
		for key, d := range a.decls {
			if d.pkg == pkg && ast.IsExported(d.name) && a.named(key) {
				out[i] = append(out[i], d.name)
			}
		}
		slices.Sort(out[i])
	}
	return out
}

// named reports whether the declared type key is known to hold a secret
// (in the current round of the fixed point computed by solve).
func (a *analysis) named(key string) bool { return externalSecrets[key] || a.memo[key] }

// solve marks every declared type that holds a secret, repeating until no
// mark changes, so that recursive types (a Manager holding Providers that
// point back to it) are classified without cutting cycles.
func (a *analysis) solve() {
	for changed := true; changed; {
		changed = false
		for key, d := range a.decls {
			if a.memo[key] {
				continue
			}
			if a.expr(d.pkg, d.expr) || (secretName.MatchString(d.name) && (isSecretData(d.expr) || a.hasData(d.expr))) {
				a.memo[key] = true
				changed = true
			}
		}
	}
}

// expr reports whether a type expression in package pkg holds a secret.
func (a *analysis) expr(pkg string, e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.Ident:
		return a.named(pkg + "." + e.Name)
	case *ast.SelectorExpr:
		if x, ok := e.X.(*ast.Ident); ok {
			return a.named(x.Name + "." + e.Sel.Name)
		}
	case *ast.StarExpr:
		return a.expr(pkg, e.X)
	case *ast.ArrayType:
		return a.expr(pkg, e.Elt)
	case *ast.MapType:
		return a.expr(pkg, e.Key) || a.expr(pkg, e.Value)
	case *ast.IndexExpr:
		return a.expr(pkg, e.X) || a.expr(pkg, e.Index)
	case *ast.IndexListExpr:
		if a.expr(pkg, e.X) {
			return true
		}
		for _, ix := range e.Indices {
			if a.expr(pkg, ix) {
				return true
			}
		}
	case *ast.StructType:
		for _, f := range e.Fields.List {
			if a.expr(pkg, f.Type) {
				return true
			}
			for _, n := range f.Names {
				if secretName.MatchString(n.Name) && (isSecretData(f.Type) || a.isInterface(pkg, f.Type)) {
					return true
				}
			}
		}
	}
	return false
}

// hasData reports whether e is a struct with a field that can hold secret
// text or bytes (a type named like a secret wrapping it).
func (a *analysis) hasData(e ast.Expr) bool {
	st, ok := e.(*ast.StructType)
	if !ok {
		return false
	}
	for _, f := range st.Fields.List {
		if isSecretData(f.Type) {
			return true
		}
	}
	return false
}

// isInterface reports whether e names an interface type: a field named like
// a secret with such a type (a TokenProvider called tokens) may hold one.
func (a *analysis) isInterface(pkg string, e ast.Expr) bool {
	key := ""
	switch e := e.(type) {
	case *ast.Ident:
		key = pkg + "." + e.Name
	case *ast.SelectorExpr:
		if x, ok := e.X.(*ast.Ident); ok {
			key = x.Name + "." + e.Sel.Name
		}
	case *ast.InterfaceType:
		return true
	}
	d, ok := a.decls[key]
	if !ok {
		return false
	}
	_, isIface := d.expr.(*ast.InterfaceType)
	return isIface
}

// isSecretData reports whether e is a type that can hold secret text or
// bytes: string, []byte, and slices, arrays and maps of those.
func isSecretData(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name == "string" || e.Name == "byte"
	case *ast.StarExpr:
		return isSecretData(e.X)
	case *ast.ArrayType:
		return isSecretData(e.Elt)
	case *ast.MapType:
		return isSecretData(e.Value)
	case *ast.IndexExpr: // a generic holder of secret data (redact.Hidden[[]byte])
		return isSecretData(e.Index)
	case *ast.FuncType: // a func that returns the secret (kept out of fmt's reach)
		if e.Results != nil {
			for _, r := range e.Results.List {
				if isSecretData(r.Type) {
					return true
				}
			}
		}
	}
	return false
}

// Forms returns the ways a secret could appear in output: the text itself,
// and its hex, base64 and fmt byte-slice forms.
func Forms(secret string) []string {
	b := []byte(secret)
	return []string{secret, hex.EncodeToString(b), base64.StdEncoding.EncodeToString(b),
		base64.RawURLEncoding.EncodeToString(b), strings.Trim(fmt.Sprint(b), "[]"), fmt.Sprintf("%#v", b)}
}

// Check prints v every way (fmt's %v %+v %#v %s %q %d %x, slog's text and JSON
// handlers with v as an attribute and inside a group, and json.Marshal),
// for v itself and for the pointer to it or the value it points to, and
// fails the test when any secret shows up in any form (see Forms). It
// returns everything printed, so callers can also check what must appear.
func Check(t testing.TB, label string, v any, secrets ...string) string {
	t.Helper()
	var all strings.Builder
	for _, w := range variants(v) {
		out := Print(w)
		all.WriteString(out)
		for _, s := range secrets {
			for _, f := range Forms(s) {
				if f != "" && strings.Contains(out, f) {
					t.Errorf("leaktest: %s (%T) prints the secret %q as %q:\n%s", label, w, s, f, out)
				}
			}
		}
	}
	return all.String()
}

// variants returns v and its pointer or pointee.
func variants(v any) []any {
	rv := reflect.ValueOf(v)
	if !rv.IsValid() {
		return []any{v}
	}
	if rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return []any{v}
		}
		return []any{v, rv.Elem().Interface()}
	}
	p := reflect.New(rv.Type())
	p.Elem().Set(rv)
	return []any{v, p.Interface()}
}

// Print returns v printed every way Check uses.
func Print(v any) string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%v\n%+v\n%#v\n%s\n%q\n%d\n%x\n%+#v\n", v, v, v, v, v, v, v, v)
	for _, h := range []slog.Handler{slog.NewTextHandler(&b, nil), slog.NewJSONHandler(&b, nil)} {
		l := slog.New(h)
		l.Info("value", "v", v)
		l.Info("group", slog.Group("g", slog.Any("v", v)))
		l.With("v", v).Info("with")
	}
	if j, err := json.Marshal(v); err == nil {
		b.Write(j)
	} else {
		fmt.Fprintf(&b, "json: %v", err)
	}
	if e, ok := v.(error); ok {
		b.WriteString(e.Error())
	}
	return b.String()
}

// Held returns v held every way a program holds a value of its type T (v's
// type, or the type it points to): in exported fields of a struct as T and
// *T, in that struct nested in another, in slices, arrays and maps of T and
// *T, in a []any, and, when unexported is true, in unexported fields of a
// struct (as T and *T, and nested). fmt calls a value's printing methods
// only where it can reach the value as an interface; in an unexported field
// it cannot, and walks the value's fields by reflection instead, so only a
// type that keeps its secrets out of that walk (behind a func) passes there.
func Held(v any, unexported bool) []any {
	rv := reflect.ValueOf(v)
	if !rv.IsValid() {
		return nil
	}
	if rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return nil
		}
		rv = rv.Elem()
	}
	typ := rv.Type()
	ptr := reflect.New(typ)
	ptr.Elem().Set(rv)
	const pkg = "github.com/adpilot/adpilot/internal/leaktest"
	// set stores x in field i of the addressable struct h, exported or not
	// (reflect refuses to set an unexported field; its address is fine).
	set := func(h reflect.Value, i int, x reflect.Value) {
		f := h.Field(i)
		reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem().Set(x)
	}
	field := func(name string, exported bool, typ reflect.Type) reflect.StructField {
		if exported {
			return reflect.StructField{Name: name, Type: typ}
		}
		return reflect.StructField{Name: strings.ToLower(name), PkgPath: pkg, Type: typ}
	}
	holder := func(exported bool) reflect.Value {
		h := reflect.New(reflect.StructOf([]reflect.StructField{
			field("V", exported, typ), field("P", exported, ptr.Type())})).Elem()
		set(h, 0, rv)
		set(h, 1, ptr)
		return h
	}
	nest := func(inner reflect.Value, exported bool) any {
		h := reflect.New(reflect.StructOf([]reflect.StructField{field("Inner", exported, inner.Type())})).Elem()
		set(h, 0, inner)
		return h.Interface()
	}
	slice := reflect.MakeSlice(reflect.SliceOf(typ), 0, 2)
	slice = reflect.Append(slice, rv, rv)
	pslice := reflect.Append(reflect.MakeSlice(reflect.SliceOf(ptr.Type()), 0, 1), ptr)
	arr := reflect.New(reflect.ArrayOf(1, typ)).Elem()
	arr.Index(0).Set(rv)
	m := reflect.MakeMap(reflect.MapOf(reflect.TypeFor[string](), typ))
	m.SetMapIndex(reflect.ValueOf("k"), rv)
	pm := reflect.MakeMap(reflect.MapOf(reflect.TypeFor[string](), ptr.Type()))
	pm.SetMapIndex(reflect.ValueOf("k"), ptr)
	exp := holder(true)
	out := []any{exp.Interface(), nest(exp, true), slice.Interface(), pslice.Interface(), arr.Interface(),
		m.Interface(), pm.Interface(), []any{rv.Interface(), ptr.Interface()}}
	if unexported {
		un := holder(false)
		out = append(out, un.Interface(), nest(un, false), nest(un, true), nest(exp, false))
	}
	return out
}

// CheckPackage is the whole leak test of the package in dir: the exported
// types SecretTypes finds there must be exactly the keys of values (one
// value of each, holding the secrets), and each value must pass Check,
// alone and held every way [Held] lists. exposed names the types whose
// secret is an exported field (a Config's AppSecret, a token map): their
// printing methods cover every way to print them but one, an unexported
// field of a caller's struct, where fmt prints fields by reflection and no
// method of the type is called; they are checked in every other holder.
// Every other type must pass in unexported fields too.
func CheckPackage(t testing.TB, dir string, values map[string]any, exposed []string, secrets ...string) {
	t.Helper()
	found := SecretTypes(t, dir)[0]
	listed := make([]string, 0, len(values))
	for name := range values {
		listed = append(listed, name)
	}
	slices.Sort(listed)
	if !slices.Equal(found, listed) {
		t.Fatalf("leaktest: the exported types holding a secret in %s are %v; the test checks %v: check every one, and only those", dir, found, listed)
	}
	for _, name := range exposed {
		if _, ok := values[name]; !ok {
			t.Fatalf("leaktest: exposed type %s is not among the checked types %v", name, listed)
		}
	}
	for _, name := range listed {
		Check(t, name, values[name], secrets...)
		for _, h := range Held(values[name], !slices.Contains(exposed, name)) {
			Check(t, fmt.Sprintf("%s held in %T", name, h), h, secrets...)
		}
	}
}
