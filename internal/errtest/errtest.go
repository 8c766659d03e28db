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
	if exception == "" {
		if err != nil {
			return "unexpected error: " + err.Error()
		}
		return ""
	}
	if err == nil {
		return "accepted; want " + exception
	}
	var e *webauthn.Error
	if !errors.As(err, &e) {
		return "error is not a *webauthn.Error: " + err.Error()
	}
	if e.Exception() != exception {
		return "exception " + e.Exception() + ", want " + exception + ": " + err.Error()
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
