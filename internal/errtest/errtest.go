// Package errtest holds the tests' one assertion on verification errors: an
// error is a *webauthn.Error carrying the expected Cognito exception, or of
// the expected fault class.
package errtest

import (
	"errors"
	"testing"

	"github.com/passkeykit/webauthn"
)

// Problem returns why err does not carry exception ("" meaning success), or
// "" when it does: err must be nil for "", else a *webauthn.Error whose
// Exception is exception.
func Problem(err error, exception string) string {
	if err == nil {
		return Mismatch(false, "", exception)
	}
	var e *webauthn.Error
	if exception != "" && !errors.As(err, &e) {
		return "error is not a *webauthn.Error: " + err.Error()
	}
	if p := Mismatch(true, webauthn.ExceptionName(err), exception); p != "" {
		return p + ": " + err.Error()
	}
	return ""
}

// Mismatch is the comparison behind Problem for outcomes that are not Go
// errors (an HTTP error body, a browser result): it returns why an outcome
// that failed (or not) with the exception name got does not match exception
// ("" meaning success), or "" when it does.
func Mismatch(failed bool, got, exception string) string {
	switch {
	case exception == "" && failed:
		return "unexpected failure " + got
	case exception != "" && !failed:
		return "accepted; want " + exception
	case got != exception:
		return "exception " + got + ", want " + exception
	}
	return ""
}

// WantException fails tb unless err carries exception ("" is success), as
// Problem decides.
func WantException(tb testing.TB, err error, exception string) {
	tb.Helper()
	if p := Problem(err, exception); p != "" {
		tb.Fatal(p)
	}
}

// WantFault fails tb unless err is a *webauthn.Error of the fault class fault
// (one of the webauthn.Err… sentinels), carrying fault's exception.
func WantFault(tb testing.TB, err, fault error) {
	tb.Helper()
	var e *webauthn.Error
	if !errors.As(err, &e) || !errors.Is(err, fault) || e.Exception() != webauthn.NewError(fault, "", "", nil).Exception() {
		tb.Fatalf("err = %v, want a *webauthn.Error of %v", err, fault)
	}
}
