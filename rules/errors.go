package rules

import (
	"errors"
	"strconv"
	"strings"
)

// ErrInvalidSpec is matched (with errors.Is) by every error [Compile],
// [CompileJSON] and [ParseSpec] return for a bad rule document.
var ErrInvalidSpec = errors.New("rules: invalid rule spec")

// Problem is one thing wrong with a rule document: where (a JSON path such
// as "rules[2].conditions.all[1].metric") and what was expected.
type Problem struct {
	Path    string // JSON path of the offending value ("$" for the whole document)
	Message string // what is wrong and what was expected
}

// Error returns "path: message".
func (p *Problem) Error() string { return p.Path + ": " + p.Message }

// Is reports whether target is [ErrInvalidSpec].
func (p *Problem) Is(target error) bool { return target == ErrInvalidSpec }

// CompileError lists every problem found in a rule document, in document
// order. errors.As finds each *Problem; errors.Is matches [ErrInvalidSpec].
type CompileError struct {
	Problems []Problem // every problem found, in document order
}

// Error returns one line per problem.
func (e *CompileError) Error() string {
	var b strings.Builder
	b.WriteString("rules: invalid rule spec (")
	b.WriteString(strconv.Itoa(len(e.Problems)))
	if len(e.Problems) == 1 {
		b.WriteString(" problem)")
	} else {
		b.WriteString(" problems)")
	}
	for i := range e.Problems {
		b.WriteString("\n\t")
		b.WriteString(e.Problems[i].Error())
	}
	return b.String()
}

// Is reports whether target is [ErrInvalidSpec].
func (e *CompileError) Is(target error) bool { return target == ErrInvalidSpec }

// Unwrap returns every problem as an error.
func (e *CompileError) Unwrap() []error {
	out := make([]error, len(e.Problems))
	for i := range e.Problems {
		out[i] = &e.Problems[i]
	}
	return out
}

func quotedList[S ~string](names []S) string {
	var b strings.Builder
	for i, n := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('"')
		b.WriteString(string(n))
		b.WriteByte('"')
	}
	return b.String()
}
