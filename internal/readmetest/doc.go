// Package readmetest holds the test that builds the README's quickstart, the
// Go program under "Add passkeys to your app", as a program of its own module
// that requires this one, so that the README cannot drift from the API.
package readmetest
