package webauthn_test

import (
	"testing"

	"github.com/passkeykit/webauthn/internal/conformance"
	"github.com/passkeykit/webauthn/internal/testenv"
	"github.com/passkeykit/webauthn/internal/vectors"
)

// TestVectors runs every shared vector, registration and authentication,
// through the public API and requires the expected verdict: the exception of
// a failure, every stated expect field of a success.
func TestVectors(t *testing.T) {
	dir := testenv.VectorsDir(t)
	vs, err := vectors.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) == 0 {
		t.Fatalf("no vectors under %s", dir)
	}
	var passed, failed int
	for _, v := range vs {
		t.Run(conformance.Name(v), func(t *testing.T) {
			ok, exc, detail, err := conformance.Run(v)
			if err != nil {
				t.Fatalf("%s: cannot run: %v", v.Path, err)
			}
			if !ok {
				failed++
				t.Errorf("%s (%s %s): exception %q: %s", v.Path, v.Ceremony, v.Fmt, exc, detail)
				return
			}
			passed++
		})
	}
	t.Logf("vectors: %d passed, %d failed", passed, failed)
}
