// Package metrics computes campaign metrics as pure functions over raw counts.
package metrics
