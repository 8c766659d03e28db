// Package depcheck holds the test that keeps the parsers free of policy and
// of the reflection-based standard library (house style rule 1: parsers know
// no policy): see deps_test.go for the table of parser packages and what each
// may not import. It has no code of its own.
package depcheck
