package fido_test

// One named test per class of bug that has shipped in a WebAuthn library,
// each driven through the public API (RelyingParty.VerifyRegistration,
// VerifyAuthentication, Lifecycle) and asserting the exact Cognito
// exception. Where a generated vector of testdata/vectors already covers the
// class it is run through internal/conformance; the remaining variants are
// built with internal/forge.

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"path/filepath"
	"testing"
	"time"

	webauthn "github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/internal/conformance"
	"github.com/passkeykit/webauthn/internal/errtest"
	"github.com/passkeykit/webauthn/internal/forge"
	"github.com/passkeykit/webauthn/internal/vectors"
	"github.com/passkeykit/webauthn/trust"
)

const (
	advRPID   = "example.org"
	advOrigin = "https://example.org"

	excInvalid      = webauthn.ExceptionInvalidParameter
	excChallenge    = webauthn.ExceptionChallengeNotFound
	excOrigin       = webauthn.ExceptionOriginNotAllowed
	excNotSupported = webauthn.ExceptionCredentialNotSupported
	excNotAuth      = webauthn.ExceptionNotAuthorized
	excInternal     = webauthn.ExceptionInternalError
)

var b64u = base64.RawURLEncoding

// advRP is the policy forged ceremonies are made for: RP example.org, origin
// https://example.org, every algorithm, certificates judged at forge.Now.
func advRP() *webauthn.RelyingParty {
	return &webauthn.RelyingParty{
		RPID:    advRPID,
		Origins: []string{advOrigin},
		Clock:   func() time.Time { return forge.Now },
	}
}

// anchors is a trust source holding roots for format.
func anchors(format string, roots ...*forge.Cert) trust.Source {
	certs := make([]*x509.Certificate, len(roots))
	for i, r := range roots {
		certs[i] = r.Cert
	}
	return &trust.Static{ByFormat: map[string]*trust.Pool{format: trust.NewPool(certs...)}}
}

// regJSONParts is a RegistrationResponseJSON of the given binary members.
func regJSONParts(id, cdj, obj []byte) []byte {
	return (&forge.ResponseJSON{ID: b64u.EncodeToString(id), ClientDataJSON: cdj, AttestationObject: obj, Transports: []string{"usb"}}).JSON()
}

// regJSON is the RegistrationResponseJSON of r with attestation object obj.
func regJSON(r *forge.Registration, obj []byte) []byte {
	return regJSONParts(r.AuthData.CredentialID, r.ClientDataJSON(), obj)
}

// verifyReg verifies r's response with attestation object obj under rp.
func verifyReg(rp *webauthn.RelyingParty, r *forge.Registration, obj []byte) error {
	var out webauthn.Registration
	return rp.VerifyRegistration(regJSON(r, obj), r.ClientData.Challenge, &out)
}

// assertion is an authentication ceremony under construction.
type assertion struct {
	key *forge.Key
	id  []byte
	ad  forge.AuthData
	cd  forge.ClientData
	// sig, when set, replaces the signature; resign, when set, computes it
	// from the signed data (authenticatorData ‖ SHA-256(clientDataJSON)).
	sig    []byte
	resign func(signed []byte) []byte
	// cose, when set, replaces the stored credential public key.
	cose []byte
}

func newAssertion(f *forge.Forge, label string, alg cose.Algorithm) *assertion {
	return &assertion{
		key: f.Key(label, alg),
		id:  f.Bytes("credid/"+label, 16),
		ad:  forge.AuthData{RPID: advRPID, Flags: forge.FlagUP | forge.FlagUV, SignCount: 7},
		cd:  forge.ClientData{Type: "webauthn.get", Challenge: f.Bytes("challenge/"+label, 32), Origin: advOrigin},
	}
}

// signed returns authenticatorData ‖ SHA-256(clientDataJSON).
func (a *assertion) signed() []byte {
	h := sha256.Sum256(a.cd.JSON())
	return append(a.ad.Bytes(), h[:]...)
}

func (a *assertion) signature() []byte {
	switch {
	case a.sig != nil:
		return a.sig
	case a.resign != nil:
		return a.resign(a.signed())
	}
	return a.key.Sign(a.signed())
}

func (a *assertion) json() []byte {
	return forge.AssertionJSON(a.id, a.cd.JSON(), a.ad.Bytes(), a.signature()).JSON()
}

func (a *assertion) cred() *webauthn.Credential {
	pk := a.cose
	if pk == nil {
		pk = a.key.COSE()
	}
	return &webauthn.Credential{ID: a.id, PublicKey: pk, BackupEligibleUnknown: true}
}

func (a *assertion) verify(rp *webauthn.RelyingParty) error {
	var out webauthn.Assertion
	return rp.VerifyAuthentication(a.json(), a.cd.Challenge, a.cred(), &out)
}

// wantExc requires err to carry exactly the exception want ("" is success),
// as errtest.Problem decides.
func wantExc(t *testing.T, what string, err error, want string) {
	t.Helper()
	if p := errtest.Problem(err, want); p != "" {
		t.Errorf("%s: %s", what, p)
	}
}

// wantTyped requires err to be nil or an *Error other than InternalErrorException.
func wantTyped(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var e *webauthn.Error
	switch {
	case !errors.As(err, &e):
		t.Errorf("%s: error %T is not a *webauthn.Error: %v", what, err, err)
	case e.Exception() == excInternal || errors.Is(err, webauthn.ErrInternal):
		t.Errorf("%s: InternalErrorException (a panic or an unclassified fault): %v", what, err)
	}
}

// runVector runs one generated vector (path relative to testdata/vectors)
// through internal/conformance and requires it to reach exception want.
func runVector(t *testing.T, rel, want string) {
	t.Helper()
	dir := generatedDir()
	v, err := vectors.Load(filepath.Join(dir, filepath.FromSlash(rel)), dir)
	if err != nil {
		t.Fatal(err)
	}
	if v.Expect.OK || v.Expect.Exception != want {
		t.Fatalf("vector %s expects %q, the test wants %s", rel, v.Expect.Exception, want)
	}
	ok, exc, detail, err := conformance.Run(v)
	if err != nil {
		t.Fatalf("vector %s: %v", rel, err)
	}
	if !ok || exc != want {
		t.Errorf("vector %s: exception %q, want %s (%s)", rel, exc, want, detail)
	}
}

// packedCA is a packed root and an intermediate signed by it.
func packedCA(f *forge.Forge) (root, inter *forge.Cert) {
	root = f.Root("Adv Packed Root", cose.ES384)
	return root, f.Intermediate("Adv Packed Intermediate", cose.ES256, root)
}
