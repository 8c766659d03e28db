package fido_test

// Advisory regressions: policy checks (origins compared by host only,
// algorithms, challenge replay, UV, BS without BE, fido-u2f certificates).

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"strconv"
	"testing"

	webauthn "github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/ceremony"
	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/internal/forge"
)

// --- Origin compared as host only.

// TestAdvisoryOriginHostOnly: an origin with the relying party's host but
// another scheme or port is not the relying party's origin.
func TestAdvisoryOriginHostOnly(t *testing.T) {
	runVector(t, "packed/neg-origin-other-scheme.json", excOrigin)
	runVector(t, "packed/neg-origin-other-port.json", excOrigin)

	f := forge.New("advisory origin")
	others := []string{
		"http://example.org",
		"https://example.org:8443",
		"https://example.org:443",
		"http://example.org:443",
		"wss://example.org",
		"ftp://example.org",
		"https://example.org:",
		"example.org",
		"//example.org",
		"https://example.org/",
	}
	for _, o := range others {
		r := f.Registration("origin-reg", f.Key("origin-reg", cose.ES256))
		r.ClientData.Origin = o
		wantExc(t, "registration origin "+o, verifyReg(advRP(), r, r.Object("none", forge.Stmt{})), excOrigin)

		a := newAssertion(f, "origin-auth", cose.ES256)
		a.cd.Origin = o
		wantExc(t, "authentication origin "+o, a.verify(advRP()), excOrigin)
	}
	// The policy names a port: the default port, or none, is another origin.
	rp := advRP()
	rp.Origins = []string{"https://example.org:8443"}
	a := newAssertion(f, "origin-auth", cose.ES256)
	wantExc(t, "policy https://example.org:8443, origin https://example.org", a.verify(rp), excOrigin)
	a.cd.Origin = "https://example.org:8443"
	wantExc(t, "policy https://example.org:8443, same origin", a.verify(rp), "")
	a.cd.Origin = "http://example.org:8443"
	wantExc(t, "policy https://example.org:8443, origin http://example.org:8443", a.verify(rp), excOrigin)
}

// --- Credential algorithm not checked against the offered algorithms.

// TestAdvisoryAlgorithmNotEnforced: a credential whose algorithm is not in
// RelyingParty.Algorithms is refused at registration.
func TestAdvisoryAlgorithmNotEnforced(t *testing.T) {
	runVector(t, "packed/neg-alg-not-allowed.json", excNotSupported)

	f := forge.New("advisory alg")
	for _, c := range []struct {
		cred    cose.Algorithm
		allowed []cose.Algorithm
	}{
		{cose.ES384, []cose.Algorithm{cose.ES256}},
		{cose.ES512, []cose.Algorithm{cose.ES256, cose.ES384}},
		{cose.EdDSA, []cose.Algorithm{cose.ES256, cose.RS256}},
		{cose.RS256, []cose.Algorithm{cose.PS256}},
		{cose.PS256, []cose.Algorithm{cose.RS256}},
		{cose.RS1, []cose.Algorithm{cose.ES256, cose.RS256}},
		{cose.Ed448, []cose.Algorithm{cose.EdDSA}},
	} {
		label := "alg-" + c.cred.String()
		r := f.Registration(label, f.Key(label, c.cred))
		rp := advRP()
		rp.Algorithms = c.allowed
		for _, format := range []string{"none", "packed"} {
			var stmt forge.Stmt
			if format == "packed" {
				stmt = r.PackedSelf()
			} else {
				stmt = forge.Stmt{}
			}
			wantExc(t, c.cred.String()+" credential ("+format+"), algorithms "+algList(c.allowed), verifyReg(rp, r, r.Object(format, stmt)), excNotSupported)
		}
		rp.Algorithms = append(rp.Algorithms, c.cred)
		wantExc(t, c.cred.String()+" credential, algorithm added to the policy", verifyReg(rp, r, r.Object("none", forge.Stmt{})), "")
	}
}

func algList(algs []cose.Algorithm) string {
	s := ""
	for i, a := range algs {
		if i > 0 {
			s += ","
		}
		s += a.String()
	}
	return s
}

// --- Challenge replay.

// TestAdvisoryChallengeReplay: a Lifecycle challenge is spent by the first
// Complete; completing again with the same response, or with a corrected
// one after a failure, is WebAuthnChallengeNotFoundException.
func TestAdvisoryChallengeReplay(t *testing.T) {
	ctx := context.Background()
	f := forge.New("advisory replay")
	user := ceremony.User{ID: []byte("user-replay-0001"), Name: "replay@example.org"}

	lc := &ceremony.Lifecycle{RP: advRP()}
	regFor := func(opts *ceremony.CreationOptionsJSON, label string) []byte {
		chal, err := b64u.DecodeString(opts.Challenge)
		if err != nil {
			t.Fatal(err)
		}
		r := f.Registration(label, f.Key(label, cose.ES256))
		r.ClientData.Challenge = chal
		return regJSON(r, r.Object("none", forge.Stmt{}))
	}
	opts, err := lc.StartRegistration(ctx, user, "client", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp := regFor(opts, "replay-cred")
	var reg webauthn.Registration
	wantExc(t, "first CompleteRegistration", lc.CompleteRegistration(ctx, user.ID, "client", resp, &reg), "")
	wantExc(t, "second CompleteRegistration", lc.CompleteRegistration(ctx, user.ID, "client", resp, &reg), excChallenge)
	// A new challenge outstanding does not revive the old one.
	if _, err := lc.StartRegistration(ctx, user, "client", nil); err != nil {
		t.Fatal(err)
	}
	wantExc(t, "replay while another challenge is outstanding", lc.CompleteRegistration(ctx, user.ID, "client", resp, &reg), excChallenge)

	// A failed verification spends the challenge too.
	opts, _ = lc.StartRegistration(ctx, user, "client", nil)
	chal, _ := b64u.DecodeString(opts.Challenge)
	upClear := f.Registration("replay-cred-2", f.Key("replay-cred-2", cose.ES256))
	upClear.ClientData.Challenge = chal
	upClear.AuthData.Flags = forge.FlagUV
	bad := regJSON(upClear, upClear.Object("none", forge.Stmt{}))
	wantExc(t, "CompleteRegistration with UP clear", lc.CompleteRegistration(ctx, user.ID, "client", bad, &reg), excNotSupported)
	wantExc(t, "corrected response after a failure", lc.CompleteRegistration(ctx, user.ID, "client", regFor(opts, "replay-cred-2"), &reg), excChallenge)

	// Authentication.
	a := newAssertion(f, "replay-auth", cose.ES256)
	stored := &webauthn.Credential{ID: a.id, PublicKey: a.key.COSE(), UserHandle: user.ID, BackupEligibleUnknown: true}
	lookup := func(_ context.Context, _, id []byte) (*webauthn.Credential, error) {
		if bytes.Equal(id, stored.ID) {
			return stored, nil
		}
		return nil, nil
	}
	ropts, err := lc.StartAuthentication(ctx, user.ID, "client", nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.cd.Challenge, err = b64u.DecodeString(ropts.Challenge); err != nil {
		t.Fatal(err)
	}
	resp = a.json()
	var as webauthn.Assertion
	wantExc(t, "first CompleteAuthentication", lc.CompleteAuthentication(ctx, user.ID, "client", resp, lookup, &as), "")
	wantExc(t, "second CompleteAuthentication", lc.CompleteAuthentication(ctx, user.ID, "client", resp, lookup, &as), excChallenge)
	wantExc(t, "replayed assertion, username-less", lc.CompleteAuthentication(ctx, nil, "client", resp, lookup, &as), excChallenge)

	ropts, _ = lc.StartAuthentication(ctx, user.ID, "client", nil)
	a.cd.Challenge, _ = b64u.DecodeString(ropts.Challenge)
	good := a.json()
	a.sig = []byte{0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01}
	wantExc(t, "CompleteAuthentication with a bad signature", lc.CompleteAuthentication(ctx, user.ID, "client", a.json(), lookup, &as), excNotAuth)
	wantExc(t, "correct assertion after a failure", lc.CompleteAuthentication(ctx, user.ID, "client", good, lookup, &as), excChallenge)

	// A registration challenge is not an authentication challenge.
	opts, _ = lc.StartRegistration(ctx, user, "client", nil)
	a.sig = nil
	a.cd.Challenge, _ = b64u.DecodeString(opts.Challenge)
	wantExc(t, "assertion answering a registration challenge", lc.CompleteAuthentication(ctx, user.ID, "client", a.json(), lookup, &as), excChallenge)
}

// --- User verification required but not checked.

// TestAdvisoryUVNotRequired: when the policy, or the options of the
// challenge, require user verification, a clear UV flag is refused.
func TestAdvisoryUVNotRequired(t *testing.T) {
	runVector(t, "packed/neg-uv-required-clear.json", excNotSupported)
	runVector(t, "authentication/neg-auth-uv-required-clear.json", excNotAuth)

	f := forge.New("advisory uv")
	rp := advRP()
	rp.RequireUserVerification = true
	r := f.Registration("uv-reg", f.Key("uv-reg", cose.ES256))
	r.AuthData.Flags = forge.FlagUP
	wantExc(t, "registration none, UV clear", verifyReg(rp, r, r.Object("none", forge.Stmt{})), excNotSupported)
	wantExc(t, "registration packed self, UV clear", verifyReg(rp, r, r.Object("packed", r.PackedSelf())), excNotSupported)
	r.AuthData.Flags = forge.FlagUP | forge.FlagUV
	wantExc(t, "registration, UV set", verifyReg(rp, r, r.Object("none", forge.Stmt{})), "")

	// U2F authenticators never set UV.
	u2fRoot := f.Root("Adv U2F Root", cose.ES256)
	u := f.U2FRegistration("uv-u2f", f.Key("uv-u2f", cose.ES256))
	leaf := f.U2FLeaf("uv-u2f", f.Key("att/uv-u2f", cose.ES256), u2fRoot)
	wantExc(t, "fido-u2f registration, UV required", verifyReg(rp, u, u.Object("fido-u2f", u.FIDOU2F(leaf.Key, leaf))), excNotSupported)

	a := newAssertion(f, "uv-auth", cose.ES256)
	a.ad.Flags = forge.FlagUP
	wantExc(t, "authentication, UV clear", a.verify(rp), excNotAuth)
	a.ad.Flags = forge.FlagUP | forge.FlagUV
	wantExc(t, "authentication, UV set", a.verify(rp), "")

	// userVerification "required" in the options is enforced at Complete
	// even when the policy does not require it.
	ctx := context.Background()
	user := ceremony.User{ID: []byte("user-uv-0001"), Name: "uv@example.org"}
	lc := &ceremony.Lifecycle{RP: advRP()}
	opts, err := lc.StartRegistration(ctx, user, "client", &ceremony.RegistrationOptions{UserVerification: ceremony.UserVerificationRequired})
	if err != nil {
		t.Fatal(err)
	}
	r.ClientData.Challenge, _ = b64u.DecodeString(opts.Challenge)
	r.AuthData.Flags = forge.FlagUP
	var reg webauthn.Registration
	wantExc(t, "CompleteRegistration, options required UV, UV clear", lc.CompleteRegistration(ctx, user.ID, "client", regJSON(r, r.Object("none", forge.Stmt{})), &reg), excNotSupported)

	stored := a.cred()
	lookup := func(context.Context, []byte, []byte) (*webauthn.Credential, error) { return stored, nil }
	ropts, err := lc.StartAuthentication(ctx, user.ID, "client", &ceremony.AuthenticationOptions{UserVerification: ceremony.UserVerificationRequired})
	if err != nil {
		t.Fatal(err)
	}
	a.cd.Challenge, _ = b64u.DecodeString(ropts.Challenge)
	a.ad.Flags = forge.FlagUP
	var as webauthn.Assertion
	wantExc(t, "CompleteAuthentication, options required UV, UV clear", lc.CompleteAuthentication(ctx, user.ID, "client", a.json(), lookup, &as), excNotAuth)
}

// --- BS set without BE.

// TestAdvisoryBSWithoutBE: the backup state flag without backup eligibility
// is malformed authenticator data (§6.1, §7.1 step 17, §7.2 step 19).
func TestAdvisoryBSWithoutBE(t *testing.T) {
	runVector(t, "packed/neg-bs-without-be.json", excInvalid)
	runVector(t, "authentication/neg-auth-bs-without-be.json", excInvalid)

	f := forge.New("advisory bs")
	r := f.Registration("bs-reg", f.Key("bs-reg", cose.ES256))
	r.AuthData.Flags = forge.FlagUP | forge.FlagUV | forge.FlagBS
	wantExc(t, "registration none, BS without BE", verifyReg(advRP(), r, r.Object("none", forge.Stmt{})), excInvalid)
	r.AuthData.Flags |= forge.FlagBE
	wantExc(t, "registration none, BS with BE", verifyReg(advRP(), r, r.Object("none", forge.Stmt{})), "")

	a := newAssertion(f, "bs-auth", cose.ES256)
	a.ad.Flags = forge.FlagUP | forge.FlagBS
	for _, be := range []bool{false, true} {
		c := a.cred()
		c.BackupEligibleUnknown = false
		c.BackupEligible = be
		var out webauthn.Assertion
		wantExc(t, "authentication, BS without BE, stored BE "+strconv.FormatBool(be),
			advRP().VerifyAuthentication(a.json(), a.cd.Challenge, c, &out), excInvalid)
	}
}

// --- fido-u2f: more than one certificate, keys that are not P-256.

func u2fFixture(f *forge.Forge) (rp *webauthn.RelyingParty, root *forge.Cert) {
	root = f.Root("Adv U2F Root", cose.ES256)
	rp = advRP()
	rp.Attestation.Anchors = anchors("fido-u2f", root)
	return rp, root
}

// TestAdvisoryU2FMultipleCerts: a fido-u2f x5c must hold exactly one
// certificate (§8.6 step 2).
func TestAdvisoryU2FMultipleCerts(t *testing.T) {
	runVector(t, "fido-u2f/neg-fido-u2f-two-certs.json", excNotSupported)

	f := forge.New("advisory u2f certs")
	rp, root := u2fFixture(f)
	inter := f.Intermediate("Adv U2F Intermediate", cose.ES256, root)
	r := f.U2FRegistration("u2f-certs", f.Key("u2f-certs", cose.ES256))
	leaf := f.U2FLeaf("u2f-certs", f.Key("att/u2f-certs", cose.ES256), root)
	wantExc(t, "one certificate", verifyReg(rp, r, r.Object("fido-u2f", r.FIDOU2F(leaf.Key, leaf))), "")
	viaInter := f.U2FLeaf("u2f-certs-inter", f.Key("att/u2f-certs-inter", cose.ES256), inter)
	for name, chain := range map[string][]*forge.Cert{
		"leaf, root":               {leaf, root},
		"leaf, leaf":               {leaf, leaf},
		"leaf, intermediate, root": {viaInter, inter, root},
		"leaf, intermediate":       {viaInter, inter},
		"no certificate":           {},
	} {
		st := r.FIDOU2F(chain0(chain, leaf).Key, chain...)
		wantExc(t, "x5c "+name, verifyReg(rp, r, r.Object("fido-u2f", st)), excNotSupported)
		wantExc(t, "x5c "+name+" (no anchors)", verifyReg(advRP(), r, r.Object("fido-u2f", st)), excNotSupported)
	}
}

func chain0(chain []*forge.Cert, def *forge.Cert) *forge.Cert {
	if len(chain) > 0 {
		return chain[0]
	}
	return def
}

// TestAdvisoryU2FNonP256: fido-u2f needs a P-256 credential key and a P-256
// attestation certificate key (§8.6 steps 2 and 4).
func TestAdvisoryU2FNonP256(t *testing.T) {
	runVector(t, "fido-u2f/neg-fido-u2f-p384-credential.json", excNotSupported)

	f := forge.New("advisory u2f curves")
	rp, root := u2fFixture(f)
	for _, alg := range []cose.Algorithm{cose.ES384, cose.ES512} {
		label := "u2f-cred-" + alg.String()
		r := f.U2FRegistration(label, f.Key(label, alg))
		leaf := f.U2FLeaf(label, f.Key("att/"+label, cose.ES256), root)
		wantExc(t, "credential "+alg.String(), verifyReg(rp, r, r.Object("fido-u2f", r.FIDOU2F(leaf.Key, leaf))), excNotSupported)
	}
	// Credential keys that are not EC2 at all: the signature is over a
	// U2F-shaped message with a made-up point, so only the key type check
	// can decide.
	for _, alg := range []cose.Algorithm{cose.EdDSA, cose.RS256} {
		label := "u2f-cred-" + alg.String()
		r := f.U2FRegistration(label, f.Key(label, alg))
		att := f.Key("att/"+label, cose.ES256)
		leaf := f.U2FLeaf(label, att, root)
		cdh := r.ClientDataHash()
		data := forge.U2FVerificationData(r.AuthData.RPIDHashBytes(), cdh, r.AuthData.CredentialID, &f.ECDSAKey("pt/"+label, elliptic.P256()).PublicKey)
		st := forge.Stmt{"sig": att.Sign(data), "x5c": forge.X5C(leaf)}
		wantExc(t, "credential "+alg.String(), verifyReg(rp, r, r.Object("fido-u2f", st)), excNotSupported)
	}
	// Attestation certificates whose key is not P-256.
	r := f.U2FRegistration("u2f-att", f.Key("u2f-att", cose.ES256))
	for _, alg := range []cose.Algorithm{cose.ES384, cose.ES512, cose.RS256, cose.EdDSA} {
		att := f.Key("att/u2f-att-"+alg.String(), alg)
		leaf := f.U2FLeaf("u2f-att-"+alg.String(), att, root)
		data := forge.U2FVerificationData(r.AuthData.RPIDHashBytes(), r.ClientDataHash(), r.AuthData.CredentialID, r.Cred.Public().(*ecdsa.PublicKey))
		st := forge.Stmt{"sig": att.Sign(data), "x5c": forge.X5C(leaf)}
		wantExc(t, "attestation certificate key "+alg.String(), verifyReg(rp, r, r.Object("fido-u2f", st)), excNotSupported)
	}
}
