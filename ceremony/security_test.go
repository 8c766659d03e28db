package ceremony_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/attestation"
	"github.com/passkeykit/webauthn/ceremony"
	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/internal/errtest"
	"github.com/passkeykit/webauthn/internal/forge"
)

// Regression tests for the account-safety defects of the ceremony layer
// (issue 13), through the public API.

// TestCrossAccountSignIn (issue 13 item 2): a sign-in started for an
// identified user, with no allowCredentials, must not be completed by
// another user's passkey, even when the credential lookup ignores the user
// it is given and the stored record has no user handle (§7.2 step 6).
func TestCrossAccountSignIn(t *testing.T) {
	ctx := context.Background()
	x := newLifecycle(t)
	bob := []byte("user-bob-0001")
	bobKey := x.f.Key("bob", cose.ES256)
	bobCred := &webauthn.Credential{ID: x.f.Bytes("credid/bob", 16), PublicKey: bobKey.COSE()}
	// A lookup by credential ID alone, over records without user handles.
	careless := func(_ context.Context, _, id []byte) (*webauthn.Credential, error) {
		if bytes.Equal(id, bobCred.ID) {
			return bobCred, nil
		}
		return nil, nil
	}
	var as webauthn.Assertion
	opts, err := x.lc.StartAuthentication(ctx, alice.ID, "alice-session", nil)
	if err != nil {
		t.Fatal(err)
	}
	err = x.lc.CompleteAuthentication(ctx, alice.ID, "alice-session", authResponse(t, opts, bobKey, bobCred.ID, nil, forge.FlagUP, false), careless, &as)
	errtest.WantFault(t, err, webauthn.ErrNotAuthorized)

	// With the record's owner set, bob's passkey still cannot sign in as
	// alice, with or without a userHandle in the response.
	bobCred.UserHandle = bob
	for _, uh := range [][]byte{nil, bob} {
		opts, _ = x.lc.StartAuthentication(ctx, alice.ID, "alice-session", nil)
		err = x.lc.CompleteAuthentication(ctx, alice.ID, "alice-session", authResponse(t, opts, bobKey, bobCred.ID, uh, forge.FlagUP, false), careless, &as)
		errtest.WantFault(t, err, webauthn.ErrNotAuthorized)
	}
	// And signs in as bob.
	opts, _ = x.lc.StartAuthentication(ctx, bob, "bob-session", nil)
	if err := x.lc.CompleteAuthentication(ctx, bob, "bob-session", authResponse(t, opts, bobKey, bobCred.ID, nil, forge.FlagUP, false), careless, &as); err != nil {
		t.Fatal(err)
	}
}

// TestAlgorithmNotOffered (issue 13 item 4): a registration whose
// credential algorithm was not among the pubKeyCredParams the options
// offered is refused (§7.1 step 20), even when the RelyingParty would
// accept the algorithm: RS1 is never offered, EdDSA was not asked for.
func TestAlgorithmNotOffered(t *testing.T) {
	ctx := context.Background()
	x := newLifecycle(t)
	x.lc.RP.Algorithms = nil // the RelyingParty accepts every algorithm, RS1 included
	for _, alg := range []cose.Algorithm{cose.RS1, cose.EdDSA} {
		opts, err := x.lc.StartRegistration(ctx, alice, "c", &ceremony.RegistrationOptions{Algorithms: []cose.Algorithm{cose.ES256}})
		if err != nil {
			t.Fatal(err)
		}
		chal, _ := b64u.DecodeString(opts.Challenge)
		reg := x.f.Registration("alg-"+alg.String(), x.f.Key("alg-"+alg.String(), alg))
		reg.ClientData.Challenge = chal
		var out webauthn.Registration
		err = x.lc.CompleteRegistration(ctx, alice.ID, "c", regJSON(reg), &out)
		errtest.WantFault(t, err, webauthn.ErrCredentialNotSupported)
		if e := err.(*webauthn.Error); e.Step != "§7.1 step 20" {
			t.Fatalf("%v: step %q, want §7.1 step 20", alg, e.Step)
		}
	}
	// The offered algorithm registers.
	opts, _ := x.lc.StartRegistration(ctx, alice, "c", &ceremony.RegistrationOptions{Algorithms: []cose.Algorithm{cose.EdDSA}})
	chal, _ := b64u.DecodeString(opts.Challenge)
	reg := x.f.Registration("alg-ok", x.f.Key("alg-ok", cose.EdDSA))
	reg.ClientData.Challenge = chal
	var out webauthn.Registration
	if err := x.lc.CompleteRegistration(ctx, alice.ID, "c", regJSON(reg), &out); err != nil {
		t.Fatal(err)
	}
}

// TestUVFloor (issue 13 item 3): RelyingParty.RequireUserVerification is a
// floor that options asking for less cannot lower.
func TestUVFloor(t *testing.T) {
	ctx := context.Background()
	x := newLifecycle(t)
	x.lc.RP.RequireUserVerification = true
	opts, err := x.lc.StartRegistration(ctx, alice, "c", &ceremony.RegistrationOptions{UserVerification: ceremony.UserVerificationDiscouraged})
	if err != nil {
		t.Fatal(err)
	}
	if opts.AuthenticatorSelection.UserVerification != ceremony.UserVerificationRequired {
		t.Fatalf("options ask for %v, want required", opts.AuthenticatorSelection.UserVerification)
	}
	var reg webauthn.Registration
	errtest.WantFault(t, x.lc.CompleteRegistration(ctx, alice.ID, "c", x.regResponse(t, opts, "cred", forge.FlagUP), &reg), webauthn.ErrCredentialNotSupported)
	ropts, err := x.lc.StartAuthentication(ctx, alice.ID, "c", &ceremony.AuthenticationOptions{UserVerification: ceremony.UserVerificationDiscouraged})
	if err != nil {
		t.Fatal(err)
	}
	if ropts.UserVerification != ceremony.UserVerificationRequired {
		t.Fatalf("request options ask for %v, want required", ropts.UserVerification)
	}
	// An option outside its enumeration is refused, never passed on.
	_, err = x.lc.StartRegistration(ctx, alice, "c", &ceremony.RegistrationOptions{UserVerification: 9})
	errtest.WantFault(t, err, webauthn.ErrMalformed)
	_, err = x.lc.StartAuthentication(ctx, alice.ID, "c", &ceremony.AuthenticationOptions{Hints: []ceremony.Hint{0}})
	errtest.WantFault(t, err, webauthn.ErrMalformed)
}

// TestConditionalCreate: a registration started for conditional mediation
// accepts UP clear (§7.1 step 15), and only such a registration does; UV
// policy still applies.
func TestConditionalCreate(t *testing.T) {
	ctx := context.Background()
	x := newLifecycle(t)
	var reg webauthn.Registration
	opts, _ := x.lc.StartRegistration(ctx, alice, "c", &ceremony.RegistrationOptions{Conditional: true})
	if err := x.lc.CompleteRegistration(ctx, alice.ID, "c", x.regResponse(t, opts, "cred", 0), &reg); err != nil {
		t.Fatalf("conditional, UP clear: %v", err)
	}
	opts, _ = x.lc.StartRegistration(ctx, alice, "c", nil)
	errtest.WantFault(t, x.lc.CompleteRegistration(ctx, alice.ID, "c", x.regResponse(t, opts, "cred", 0), &reg), webauthn.ErrCredentialNotSupported)
	opts, _ = x.lc.StartRegistration(ctx, alice, "c", &ceremony.RegistrationOptions{Conditional: true, UserVerification: ceremony.UserVerificationRequired})
	errtest.WantFault(t, x.lc.CompleteRegistration(ctx, alice.ID, "c", x.regResponse(t, opts, "cred", 0), &reg), webauthn.ErrCredentialNotSupported)
}

// regJSON is a "none" RegistrationResponseJSON of r.
func regJSON(r *forge.Registration) []byte {
	return forge.RegistrationJSON(r, r.Object("none", forge.Stmt{})).JSON()
}

// TestAttestationFormats: the creation options carry the attestation
// formats asked for (§5.4 attestationFormats), in order; a format the
// policy does not accept, or an unknown one, is refused at Start and never
// sent to the page.
func TestAttestationFormats(t *testing.T) {
	ctx := context.Background()
	x := newLifecycle(t)
	opts, err := x.lc.StartRegistration(ctx, alice, "c", &ceremony.RegistrationOptions{
		Attestation:        ceremony.ConveyanceDirect,
		AttestationFormats: []attestation.Format{attestation.FormatPacked, attestation.FormatTPM},
	})
	if err != nil {
		t.Fatal(err)
	}
	js, _ := json.Marshal(opts)
	if !bytes.Contains(js, []byte(`"attestationFormats":["packed","tpm"]`)) {
		t.Fatalf("options %s", js)
	}
	x.lc.RP.Attestation.Formats = []attestation.Format{attestation.FormatPacked}
	for _, f := range []attestation.Format{attestation.FormatTPM, attestation.FormatUnknown} {
		_, err = x.lc.StartRegistration(ctx, alice, "c", &ceremony.RegistrationOptions{AttestationFormats: []attestation.Format{f}})
		errtest.WantFault(t, err, webauthn.ErrMalformed)
	}
	opts, _ = x.lc.StartRegistration(ctx, alice, "c", nil)
	if js, _ := json.Marshal(opts); bytes.Contains(js, []byte("attestationFormats")) {
		t.Fatalf("options without a preference name formats: %s", js)
	}
}
