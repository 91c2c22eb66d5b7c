package analysis

import (
	"errors"
	"fmt"
)

// Errors for errors.Is.
var (
	// ErrInvalidInput is matched by errors about input an entry point
	// cannot use: a nil Dataset, goals out of range, an Input without the
	// data an analyzer needs.
	ErrInvalidInput = errors.New("analysis: invalid input")
	// ErrCurrencyMismatch is matched when money in one currency meets an
	// account in another (goals, rule parameters, rows).
	ErrCurrencyMismatch = errors.New("analysis: currency mismatch")
	// ErrAnalyzerUnavailable is matched by analyzer errors that say the
	// analyzer could not run at all (a provider down, a refused key), as
	// opposed to bad input.
	ErrAnalyzerUnavailable = errors.New("analysis: analyzer unavailable")
)

// RowError is an error in one row of the input of [FromRows] or
// [ReadCSV]: the row (1-based, counting the header of a CSV as row 1) and
// the column, by name, that was wrong, and what was expected. It wraps
// [ErrInvalidInput].
type RowError struct {
	Row    int    // 1-based row number (a CSV's header is row 1)
	Column string // the column (or field) name; empty when the whole row is wrong
	Err    error  // what was wrong and what was expected
}

// Error names the row and column.
func (e *RowError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("analysis: row %d: %v", e.Row, e.Err)
	}
	return fmt.Sprintf("analysis: row %d, column %q: %v", e.Row, e.Column, e.Err)
}

// Unwrap returns the cause.
func (e *RowError) Unwrap() []error { return []error{e.Err, ErrInvalidInput} }
