// Package metaads is a typed client for Meta's Graph and Marketing API.
package metaads
