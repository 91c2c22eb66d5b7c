package rules

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// checkShape walks a decoded JSON document against the Go types of Spec
// (through their json tags) and reports every unknown key and every value
// of the wrong JSON type, each with its path. It lets ParseSpec report all
// structural problems at once, where encoding/json stops at the first.
func checkShape(data []byte) []Problem {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return []Problem{{Path: "$", Message: "invalid JSON: " + strings.TrimPrefix(err.Error(), "json: ") + "; expected a JSON object"}}
	}
	if rest := bytes.TrimSpace(data[dec.InputOffset():]); len(rest) > 0 {
		return []Problem{{Path: "$", Message: "unexpected data after the rule document; expected one JSON object"}}
	}
	ps := duplicateKeys(data)
	walkShape("", doc, reflect.TypeFor[Spec](), &ps, 0)
	return ps
}

// duplicateKeys reports every key that appears more than once in one
// object of the document, with its path. encoding/json keeps the last of
// them, so {"kill_switch": true, ..., "kill_switch": false} would switch a
// safeguard off unseen; every occurrence after the first is a problem.
// data must be valid JSON (checkShape decoded it first).
func duplicateKeys(data []byte) []Problem {
	type frame struct {
		obj       bool
		path      string
		keys      map[string]bool
		idx       int
		expectKey bool
		key       string
	}
	var ps []Problem
	var stack []*frame
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	// valuePath returns the path of the value about to be read.
	valuePath := func() string {
		if len(stack) == 0 {
			return ""
		}
		top := stack[len(stack)-1]
		if top.obj {
			return joinPath(top.path, top.key)
		}
		p := top.path + "[" + strconv.Itoa(top.idx) + "]"
		top.idx++
		return p
	}
	// consumed marks the value of the top object's current key as read.
	consumed := func() {
		if len(stack) > 0 && stack[len(stack)-1].obj {
			stack[len(stack)-1].expectKey = true
		}
	}
	for len(ps) < maxProblems {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		if len(stack) > 0 {
			if top := stack[len(stack)-1]; top.obj && top.expectKey {
				if d, ok := tok.(json.Delim); ok && d == '}' {
					stack = stack[:len(stack)-1]
					consumed()
					continue
				}
				k, _ := tok.(string)
				if top.keys[k] {
					ps = append(ps, Problem{Path: joinPath(top.path, k), Message: fmt.Sprintf("duplicate key %q; expected each key once in an object (JSON decoding would keep only the last)", k)})
				}
				top.keys[k] = true
				top.key, top.expectKey = k, false
				continue
			}
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{obj: true, path: valuePath(), keys: map[string]bool{}, expectKey: true})
		case json.Delim('['):
			stack = append(stack, &frame{path: valuePath()})
		case json.Delim(']'):
			stack = stack[:len(stack)-1]
			consumed()
		default: // a scalar value
			valuePath()
			consumed()
		}
		if len(stack) > maxJSONDepth {
			break // walkShape reports the depth
		}
	}
	return ps
}

// maxJSONDepth bounds the nesting of a rule document: the document, its
// rules and filters take 5 levels, and each level of a condition tree at
// most 2 (an "all" object and its array), so maxDepth conditions fit.
const maxJSONDepth = 2*maxDepth + 8

var plainKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// joinPath appends an object key: "a.key" for plain keys, `a["odd key"]`
// for any other (including the empty key).
func joinPath(base, key string) string {
	if !plainKey.MatchString(key) {
		return rootPath(base) + "[" + strconv.Quote(key) + "]"
	}
	if base == "" {
		return key
	}
	return base + "." + key
}

func rootPath(p string) string {
	if p == "" {
		return "$"
	}
	return p
}

func walkShape(path string, v any, t reflect.Type, ps *[]Problem, depth int) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if v == nil {
		return // null: the zero value
	}
	if depth > maxJSONDepth {
		// Deeper paths would cost memory quadratic in the depth.
		*ps = append(*ps, Problem{Path: rootPath(path), Message: "nested " + strconv.Itoa(depth) + " levels deep; expected condition trees at most " + strconv.Itoa(maxDepth) + " levels deep"})
		return
	}
	bad := func(expected string) {
		*ps = append(*ps, Problem{Path: rootPath(path), Message: fmt.Sprintf("got %s; expected %s", jsonKind(v), expected)})
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			bad("an object")
			return
		}
		fields := jsonFields(t)
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			ft, known := fields[k]
			if !known {
				names := make([]string, 0, len(fields))
				for n := range fields {
					names = append(names, n)
				}
				sort.Strings(names)
				*ps = append(*ps, Problem{Path: joinPath(path, k), Message: fmt.Sprintf("unknown key %q; expected one of %s", k, quotedList(names))})
				continue
			}
			walkShape(joinPath(path, k), obj[k], ft, ps, depth+1)
		}
	case reflect.Slice:
		arr, ok := v.([]any)
		if !ok {
			bad("an array")
			return
		}
		for i, el := range arr {
			walkShape(path+"["+strconv.Itoa(i)+"]", el, t.Elem(), ps, depth+1)
		}
	case reflect.String:
		if _, ok := v.(string); !ok {
			bad("a string")
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			bad("true or false")
		}
	case reflect.Int, reflect.Int64:
		n, ok := v.(json.Number)
		if !ok {
			bad("an integer")
			return
		}
		if _, err := strconv.ParseInt(string(n), 10, 64); err != nil {
			bad("an integer (minor units for money, no decimals)")
		}
	case reflect.Float64:
		n, ok := v.(json.Number)
		if !ok {
			bad("a number")
			return
		}
		f, err := strconv.ParseFloat(string(n), 64)
		switch {
		case err != nil:
			bad("a finite number")
		case f == 0 && nonzeroLiteral(string(n)):
			// 1e-400 parses to 0 without an error: a confidence of 0
			// would silently turn its statistical gate off.
			*ps = append(*ps, Problem{Path: rootPath(path), Message: fmt.Sprintf("the number %s is too small to represent (it rounds to 0); expected 0 or a number of magnitude at least %g", n, math.SmallestNonzeroFloat64)})
		}
	}
}

// nonzeroLiteral reports whether a JSON number literal has a nonzero digit
// in its mantissa.
func nonzeroLiteral(s string) bool {
	mant, _, _ := strings.Cut(strings.ToLower(s), "e")
	return strings.ContainsAny(mant, "123456789")
}

func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := make(map[string]reflect.Type, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		out[name] = f.Type
	}
	return out
}

func jsonKind(v any) string {
	switch x := v.(type) {
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number:
		return "the number " + string(x)
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return "null"
}
