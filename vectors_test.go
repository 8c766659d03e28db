package webauthn_test

import (
	"errors"
	"testing"

	webauthn "github.com/passkeykit/webauthn"

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

// fuzzSetup loads the vectors of one ceremony for a fuzz target: their
// responses seed the corpus, their policies and challenges are the fuzz
// target's fixed context.
func fuzzSetup(f *testing.F, ceremony string) []*vectors.Vector {
	dir := testenv.VectorsDir(f)
	all, err := vectors.LoadDir(dir)
	if err != nil {
		f.Fatal(err)
	}
	var vs []*vectors.Vector
	for _, v := range all {
		if v.Ceremony == ceremony {
			vs = append(vs, v)
			f.Add([]byte(v.Response), uint8(len(vs)-1))
		}
	}
	return vs
}

// checkFuzzErr fails unless err is nil or an *Error with one of the known
// exceptions other than InternalErrorException (a recovered panic).
func checkFuzzErr(t *testing.T, err error) {
	if err == nil {
		return
	}
	var e *webauthn.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %T is not *webauthn.Error: %v", err, err)
	}
	switch e.Exception() {
	case webauthn.ExceptionInvalidParameter, webauthn.ExceptionChallengeNotFound,
		webauthn.ExceptionOriginNotAllowed, webauthn.ExceptionRelyingPartyMismatch,
		webauthn.ExceptionCredentialNotSupported, webauthn.ExceptionNotAuthorized:
	default:
		t.Fatalf("unexpected exception: %v", err)
	}
}

func FuzzVerifyRegistration(f *testing.F) {
	vs := fuzzSetup(f, "registration")
	rps := make([]*webauthn.RelyingParty, len(vs))
	for i, v := range vs {
		rp, err := conformance.RelyingParty(v)
		if err != nil {
			f.Fatal(err)
		}
		rps[i] = rp
	}
	f.Fuzz(func(t *testing.T, response []byte, which uint8) {
		i := int(which) % len(vs)
		var out webauthn.Registration
		checkFuzzErr(t, rps[i].VerifyRegistration(response, vectors.B64(vs[i].Challenge), &out))
	})
}

func FuzzVerifyAuthentication(f *testing.F) {
	vs := fuzzSetup(f, "authentication")
	rps := make([]*webauthn.RelyingParty, len(vs))
	creds := make([]*webauthn.Credential, len(vs))
	for i, v := range vs {
		rp, err := conformance.RelyingParty(v)
		if err != nil {
			f.Fatal(err)
		}
		rps[i] = rp
		if creds[i], err = conformance.Credential(v); err != nil {
			f.Fatal(err)
		}
	}
	f.Fuzz(func(t *testing.T, response []byte, which uint8) {
		i := int(which) % len(vs)
		var out webauthn.Assertion
		checkFuzzErr(t, rps[i].VerifyAuthentication(response, vectors.B64(vs[i].Challenge), creds[i], &out))
	})
}
