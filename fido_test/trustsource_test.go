package fido_test

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/internal/conformance"
	"github.com/passkeykit/webauthn/internal/testenv"
	"github.com/passkeykit/webauthn/internal/vectors"
	"github.com/passkeykit/webauthn/trust"
)

// sourceFunc adapts a function to trust.Source.
type sourceFunc func(q *trust.Query) (*trust.Pool, error)

func (f sourceFunc) Anchors(q *trust.Query) (*trust.Pool, error) { return f(q) }

// TestTrustSourceOutcomes: an anchor source that rejects the authenticator
// (a metadata status such as REVOKED, wrapping trust.ErrRejected) makes the
// attestation untrusted, WebAuthnCredentialNotSupportedException; a source
// that fails (its BLOB could not be read) is InternalErrorException, because
// the relying party must not mistake its own outage for a bad authenticator.
func TestTrustSourceOutcomes(t *testing.T) {
	dir := filepath.Join(testenv.TestdataDir(), "vectors")
	v, err := vectors.Load(filepath.Join(dir, "packed", "packed-basic-es256.json"), dir)
	if err != nil {
		t.Fatal(err)
	}
	rp, err := conformance.RelyingParty(v)
	if err != nil {
		t.Fatal(err)
	}
	resp := v.Response
	challenge := vectors.B64(v.Challenge)
	var reg webauthn.Registration
	if err := rp.VerifyRegistration(resp, challenge, &reg); err != nil || !reg.Judged {
		t.Fatalf("baseline: judged=%v err=%v", reg.Judged, err)
	}
	revoked := errors.New("authenticator is REVOKED")
	for _, tc := range []struct {
		name string
		src  trust.Source
		want string
	}{
		{"rejecting source", sourceFunc(func(*trust.Query) (*trust.Pool, error) {
			return nil, errors.Join(trust.ErrRejected, revoked)
		}), webauthn.ExceptionCredentialNotSupported},
		{"failing source", sourceFunc(func(*trust.Query) (*trust.Pool, error) {
			return nil, errors.New("metadata BLOB unreadable")
		}), webauthn.ExceptionInternalError},
	} {
		rp.Attestation.Anchors = tc.src
		err := rp.VerifyRegistration(resp, challenge, &reg)
		if got := webauthn.ExceptionName(err); got != tc.want {
			t.Errorf("%s: %s (%v), want %s", tc.name, got, err, tc.want)
		}
		if tc.want == webauthn.ExceptionCredentialNotSupported && !errors.Is(err, revoked) {
			t.Errorf("%s: cause lost: %v", tc.name, err)
		}
	}
}
