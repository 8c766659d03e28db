package errtest_test

import (
	"errors"
	"testing"

	"github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/internal/errtest"
)

func TestProblem(t *testing.T) {
	e := webauthn.NewError(webauthn.ErrMalformed, "§7.1 step 5", "bad", nil)
	exc := e.Exception()
	for _, tc := range []struct {
		name string
		err  error
		want string
		ok   bool
	}{
		{"success", nil, "", true},
		{"unexpected error", e, "", false},
		{"accepted", nil, exc, false},
		{"untyped", errors.New("x"), exc, false},
		{"other exception", e, exc + "X", false},
		{"match", e, exc, true},
	} {
		if got := errtest.Problem(tc.err, tc.want) == ""; got != tc.ok {
			t.Errorf("%s: ok = %v, want %v", tc.name, got, tc.ok)
		}
	}
}

func TestMismatch(t *testing.T) {
	for _, tc := range []struct {
		failed    bool
		got, want string
		ok        bool
	}{
		{false, "", "", true},
		{true, "X", "", false},
		{false, "", "X", false},
		{true, "Y", "X", false},
		{true, "X", "X", true},
	} {
		if got := errtest.Mismatch(tc.failed, tc.got, tc.want) == ""; got != tc.ok {
			t.Errorf("Mismatch(%v, %q, %q) ok = %v, want %v", tc.failed, tc.got, tc.want, got, tc.ok)
		}
	}
}
