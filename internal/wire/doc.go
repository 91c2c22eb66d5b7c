// Package wire decodes the JSON that the Graph API sends, quickly and
// without surprises about numbers.
//
// # Numbers sent as strings
//
// Meta returns ids, budgets and every insights metric as JSON strings
// ("numeric strings"): impressions as "18841", frequency as "1.565647",
// spend as "123.45" (major units of the account currency). This package
// turns them into real numbers:
//
//   - [ParseInt] and the [Int64] type: counts as int64.
//   - [ParseFloat] and the [Float64] type: ratios as float64.
//   - [ParseDecimal] and the [Decimal] type: money kept exact until the
//     currency is known, then [Decimal.Minor] converts it to int64 minor
//     units (cents, yen) with integer arithmetic only.
//
// Each accepts the value as a JSON number, a numeric string, or null.
//
// # The Reader
//
// [Reader] is a pull decoder that walks an object member by member and
// hands out string contents in place, so a hand-written decoder for a hot
// type (an insights row) can switch on keys and parse values with no
// reflection and almost no allocation. Errors are sticky and carry the
// byte offset; nothing panics on malformed input (the parsers are fuzzed).
//
// The package is internal: its API may change with the SDK's needs.
package wire
