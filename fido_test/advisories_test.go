package fido_test

// One named test per class of bug that has shipped in a WebAuthn library,
// each driven through the public API (RelyingParty.VerifyRegistration,
// VerifyAuthentication, Lifecycle) and asserting the exact Cognito
// exception. Where a generated vector of testdata/vectors already covers the
// class it is run through internal/conformance; the remaining variants are
// built with internal/forge.

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"errors"
	"math"
	"math/big"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"

	webauthn "github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/attestation"
	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/internal/conformance"
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
	s := b64u.EncodeToString(id)
	return []byte(`{"id":"` + s + `","rawId":"` + s + `","type":"public-key","response":{"clientDataJSON":"` +
		b64u.EncodeToString(cdj) + `","attestationObject":"` + b64u.EncodeToString(obj) +
		`","transports":["usb"]},"clientExtensionResults":{}}`)
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
	s := b64u.EncodeToString(a.id)
	return []byte(`{"id":"` + s + `","rawId":"` + s + `","type":"public-key","response":{"clientDataJSON":"` +
		b64u.EncodeToString(a.cd.JSON()) + `","authenticatorData":"` + b64u.EncodeToString(a.ad.Bytes()) +
		`","signature":"` + b64u.EncodeToString(a.signature()) + `"},"clientExtensionResults":{}}`)
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

// wantExc requires err to carry exactly the exception want ("" is success).
func wantExc(t *testing.T, what string, err error, want string) {
	t.Helper()
	got := webauthn.ExceptionName(err)
	switch {
	case want == "" && err != nil:
		t.Errorf("%s: unexpected error: %v", what, err)
	case want != "" && err == nil:
		t.Errorf("%s: accepted; want %s", what, want)
	case err != nil && got != want:
		t.Errorf("%s: exception %q, want %s: %v", what, got, want, err)
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

// --- Psychic signatures (CVE-2022-21449) and out-of-range ECDSA scalars.

type ecdsaSig struct{ R, S *big.Int }

// psychicVariants returns DER signatures that must never verify, derived
// from the valid signature sig over a curve of order n.
func psychicVariants(t *testing.T, sig []byte, n *big.Int) map[string][]byte {
	t.Helper()
	var s ecdsaSig
	if rest, err := asn1.Unmarshal(sig, &s); err != nil || len(rest) != 0 {
		t.Fatalf("forged ECDSA signature is not DER: %v", err)
	}
	der := func(r, s *big.Int) []byte {
		b, err := asn1.Marshal(ecdsaSig{r, s})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	zero := big.NewInt(0)
	add := func(a, b *big.Int) *big.Int { return new(big.Int).Add(a, b) }
	size := (n.BitLen() + 7) / 8
	return map[string][]byte{
		"r=0,s=0":           der(zero, zero),
		"r=0":               der(zero, s.S),
		"s=0":               der(s.R, zero),
		"r=n":               der(n, s.S),
		"s=n":               der(s.R, n),
		"r=n,s=n":           der(n, n),
		"r+n":               der(add(s.R, n), s.S),
		"s+n":               der(s.R, add(s.S, n)),
		"r=-r":              der(new(big.Int).Neg(s.R), s.S),
		"s=-s":              der(s.R, new(big.Int).Neg(s.S)),
		"r=n-1,s=n-1 (max)": der(add(n, big.NewInt(-1)), add(n, big.NewInt(-1))),
		"raw r||s zeros":    make([]byte, 2*size),
		"DER SEQUENCE{}":    {0x30, 0x00},
		"empty":             {},
	}
}

// TestAdvisoryPsychicSignatureECDSA: r=0, s=0 and scalars >= n (Java's
// CVE-2022-21449 "psychic signatures") in an assertion signature and in a
// packed statement signature are rejected.
func TestAdvisoryPsychicSignatureECDSA(t *testing.T) {
	f := forge.New("advisory psychic")
	for _, alg := range []cose.Algorithm{cose.ES256, cose.ES384, cose.ES512} {
		a := newAssertion(f, "psychic-"+alg.String(), alg)
		if err := a.verify(advRP()); err != nil {
			t.Fatalf("%s: the unmodified assertion fails: %v", alg, err)
		}
		n := a.key.Private.(*ecdsa.PrivateKey).Curve.Params().N
		for name, sig := range psychicVariants(t, a.key.Sign(a.signed()), n) {
			a.sig = sig
			wantExc(t, "assertion "+alg.String()+" "+name, a.verify(advRP()), excNotAuth)
		}
	}

	// Packed self attestation (the credential key signs).
	r := f.Registration("psychic-packed-self", f.Key("psychic-packed-self", cose.ES256))
	st := r.PackedSelf()
	wantExc(t, "packed self, unmodified", verifyReg(advRP(), r, r.Object("packed", st)), "")
	n := r.Cred.Private.(*ecdsa.PrivateKey).Curve.Params().N
	for name, sig := range psychicVariants(t, st["sig"].([]byte), n) {
		st["sig"] = sig
		wantExc(t, "packed self "+name, verifyReg(advRP(), r, r.Object("packed", st)), excNotSupported)
	}

	// Packed basic attestation (the x5c leaf key signs), with and without anchors.
	root, inter := packedCA(f)
	r = f.Registration("psychic-packed-basic", f.Key("psychic-packed-basic", cose.ES256))
	att := f.Key("att/psychic-packed-basic", cose.ES256)
	leaf := f.PackedLeaf("psychic-packed-basic", att, inter, r.AuthData.AAGUID[:], nil)
	st = r.Packed(att, leaf, inter)
	anchored := advRP()
	anchored.Attestation.Anchors = anchors("packed", root)
	wantExc(t, "packed basic, unmodified", verifyReg(anchored, r, r.Object("packed", st)), "")
	for name, sig := range psychicVariants(t, st["sig"].([]byte), n) {
		st["sig"] = sig
		wantExc(t, "packed basic "+name, verifyReg(anchored, r, r.Object("packed", st)), excNotSupported)
		wantExc(t, "packed basic (no anchors) "+name, verifyReg(advRP(), r, r.Object("packed", st)), excNotSupported)
	}

	// fido-u2f: the statement signature is ES256 too.
	u2fRoot := f.Root("Adv U2F Root", cose.ES256)
	r = f.U2FRegistration("psychic-u2f", f.Key("psychic-u2f", cose.ES256))
	u2fLeaf := f.U2FLeaf("psychic-u2f", f.Key("att/psychic-u2f", cose.ES256), u2fRoot)
	st = r.FIDOU2F(u2fLeaf.Key, u2fLeaf)
	wantExc(t, "fido-u2f, unmodified", verifyReg(advRP(), r, r.Object("fido-u2f", st)), "")
	for name, sig := range psychicVariants(t, st["sig"].([]byte), n) {
		st["sig"] = sig
		wantExc(t, "fido-u2f "+name, verifyReg(advRP(), r, r.Object("fido-u2f", st)), excNotSupported)
	}
}

// --- An attacker's self-signed root carried in x5c.

// TestAdvisorySelfSignedRootInX5C: a chain that ends at a self-signed root
// the attacker put in x5c is not trusted when anchors are configured, even
// when the rogue root copies the real anchor's subject name.
func TestAdvisorySelfSignedRootInX5C(t *testing.T) {
	runVector(t, "packed/neg-packed-untrusted-root.json", excNotSupported)

	f := forge.New("advisory x5c root")
	root, inter := packedCA(f)
	rp := advRP()
	rp.Attestation.Anchors = anchors("packed", root)

	// The same subject as the real root and intermediate, other keys.
	rogueRoot := f.Issue("rogue root", &forge.CertSpec{CA: true, Subject: root.Cert.Subject}, f.Key("rogue/root", cose.ES384), nil)
	rogueInter := f.Issue("rogue inter", &forge.CertSpec{CA: true, Subject: inter.Cert.Subject}, f.Key("rogue/inter", cose.ES256), rogueRoot)
	if !bytes.Equal(rogueRoot.Cert.RawSubject, root.Cert.RawSubject) {
		t.Fatal("rogue root does not copy the anchor's subject")
	}

	build := func(name string, chain func(r *forge.Registration, att *forge.Key) []*forge.Cert) (*forge.Registration, []byte) {
		r := f.Registration(name, f.Key(name, cose.ES256))
		att := f.Key("att/"+name, cose.ES256)
		return r, r.Object("packed", r.Packed(att, chain(r, att)...))
	}
	r, obj := build("x5c-legit", func(r *forge.Registration, att *forge.Key) []*forge.Cert {
		return []*forge.Cert{f.PackedLeaf("x5c-legit", att, inter, r.AuthData.AAGUID[:], nil), inter}
	})
	wantExc(t, "legitimate chain", verifyReg(rp, r, obj), "")

	for _, c := range []struct {
		name  string
		chain func(r *forge.Registration, att *forge.Key) []*forge.Cert
	}{
		{"leaf, rogue root with the anchor's name", func(r *forge.Registration, att *forge.Key) []*forge.Cert {
			return []*forge.Cert{f.PackedLeaf("x5c-rogue-root", att, rogueRoot, r.AuthData.AAGUID[:], nil), rogueRoot}
		}},
		{"leaf, rogue intermediate, rogue root", func(r *forge.Registration, att *forge.Key) []*forge.Cert {
			return []*forge.Cert{f.PackedLeaf("x5c-rogue-inter", att, rogueInter, r.AuthData.AAGUID[:], nil), rogueInter, rogueRoot}
		}},
		{"leaf, rogue intermediate only (issuer name of the real one)", func(r *forge.Registration, att *forge.Key) []*forge.Cert {
			return []*forge.Cert{f.PackedLeaf("x5c-rogue-inter-only", att, rogueInter, r.AuthData.AAGUID[:], nil), rogueInter}
		}},
		{"self-signed leaf", func(r *forge.Registration, att *forge.Key) []*forge.Cert {
			return []*forge.Cert{f.PackedLeaf("x5c-self-signed-leaf", att, nil, r.AuthData.AAGUID[:], nil)}
		}},
		{"rogue chain followed by the real anchor", func(r *forge.Registration, att *forge.Key) []*forge.Cert {
			return []*forge.Cert{f.PackedLeaf("x5c-rogue-then-anchor", att, rogueRoot, r.AuthData.AAGUID[:], nil), rogueRoot, root}
		}},
	} {
		r, obj := build("x5c/"+c.name, c.chain)
		wantExc(t, "packed: "+c.name, verifyReg(rp, r, obj), excNotSupported)
	}

	// fido-u2f, apple: a self-signed attestation certificate, anchors configured.
	u2fRoot := f.Root("Adv U2F Root", cose.ES256)
	u2f := advRP()
	u2f.Attestation.Anchors = anchors("fido-u2f", u2fRoot)
	r = f.U2FRegistration("x5c-u2f", f.Key("x5c-u2f", cose.ES256))
	leaf := f.U2FLeaf("x5c-u2f", f.Key("att/x5c-u2f", cose.ES256), u2fRoot)
	wantExc(t, "fido-u2f legitimate", verifyReg(u2f, r, r.Object("fido-u2f", r.FIDOU2F(leaf.Key, leaf))), "")
	self := f.U2FLeaf("x5c-u2f-self", f.Key("att/x5c-u2f-self", cose.ES256), nil)
	wantExc(t, "fido-u2f self-signed certificate", verifyReg(u2f, r, r.Object("fido-u2f", r.FIDOU2F(self.Key, self))), excNotSupported)

	appleRoot := f.Root("Adv Apple Root", cose.ES384)
	appleCA := f.Intermediate("Adv Apple CA", cose.ES384, appleRoot)
	rogueApple := f.Issue("rogue apple", &forge.CertSpec{CA: true, Subject: appleCA.Cert.Subject}, f.Key("rogue/apple", cose.ES384), nil)
	apple := advRP()
	apple.Attestation.Anchors = anchors("apple", appleRoot)
	r = f.Registration("x5c-apple", f.Key("x5c-apple", cose.ES256))
	st, _ := r.Apple(f, "x5c-apple", appleCA)
	wantExc(t, "apple legitimate", verifyReg(apple, r, r.Object("apple", st)), "")
	st, _ = r.Apple(f, "x5c-apple-rogue", rogueApple)
	wantExc(t, "apple credCert under a self-signed CA named like the real one", verifyReg(apple, r, r.Object("apple", st)), excNotSupported)
}

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
	user := webauthn.User{ID: []byte("user-replay-0001"), Name: "replay@example.org"}

	lc := &webauthn.Lifecycle{RP: advRP()}
	regFor := func(opts *webauthn.PublicKeyCredentialCreationOptionsJSON, label string) []byte {
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
	lookup := func(_ context.Context, id, _ []byte) (*webauthn.Credential, error) {
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
	user := webauthn.User{ID: []byte("user-uv-0001"), Name: "uv@example.org"}
	lc := &webauthn.Lifecycle{RP: advRP()}
	opts, err := lc.StartRegistration(ctx, user, "client", &webauthn.RegistrationOptions{UserVerification: "required"})
	if err != nil {
		t.Fatal(err)
	}
	r.ClientData.Challenge, _ = b64u.DecodeString(opts.Challenge)
	r.AuthData.Flags = forge.FlagUP
	var reg webauthn.Registration
	wantExc(t, "CompleteRegistration, options required UV, UV clear", lc.CompleteRegistration(ctx, user.ID, "client", regJSON(r, r.Object("none", forge.Stmt{})), &reg), excNotSupported)

	stored := a.cred()
	lookup := func(context.Context, []byte, []byte) (*webauthn.Credential, error) { return stored, nil }
	ropts, err := lc.StartAuthentication(ctx, user.ID, "client", &webauthn.AuthenticationOptions{UserVerification: "required"})
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

// --- "none" accepted although the policy excludes it.

// TestAdvisoryNoneWhenExcluded: a none attestation is refused when the
// policy's Formats leave none out, when its Types leave none out, and when
// it requires trusted attestation.
func TestAdvisoryNoneWhenExcluded(t *testing.T) {
	f := forge.New("advisory none")
	r := f.Registration("none-excluded", f.Key("none-excluded", cose.ES256))
	none := r.Object("none", forge.Stmt{})
	packed := r.Object("packed", r.PackedSelf())

	rp := advRP()
	rp.Attestation.Formats = []attestation.Format{attestation.FormatPacked}
	wantExc(t, "Formats [packed], fmt none", verifyReg(rp, r, none), excNotSupported)
	wantExc(t, "Formats [packed], fmt packed", verifyReg(rp, r, packed), "")
	for _, spelling := range []string{"None", "NONE", "none ", " none", "none\x00", ""} {
		wantExc(t, "fmt "+strconv.Quote(spelling), verifyReg(advRP(), r, r.Object(spelling, forge.Stmt{})), excNotSupported)
	}

	rp = advRP()
	rp.Attestation.Types = []attestation.Type{attestation.TypeSelf, attestation.TypeBasic}
	wantExc(t, "Types [self, basic], fmt none", verifyReg(rp, r, none), excNotSupported)
	wantExc(t, "Types [self, basic], fmt packed self", verifyReg(rp, r, packed), "")

	rp = advRP()
	rp.Attestation.RequireTrustedAttestation = true
	wantExc(t, "RequireTrustedAttestation, fmt none", verifyReg(rp, r, none), excNotSupported)

	// none inside a compound statement is still none.
	rp = advRP()
	rp.Attestation.Formats = []attestation.Format{attestation.FormatPacked, attestation.FormatCompound}
	c := forge.Compound(forge.Entry{Fmt: "none", AttStmt: forge.Stmt{}}, forge.Entry{Fmt: "none", AttStmt: forge.Stmt{}})
	t.Run("compound of none", func(t *testing.T) {
		wantExc(t, "Formats [packed, compound], compound [none, none]", verifyReg(rp, r, r.Object("compound", c)), excNotSupported)
	})
}

// --- id-fido-gen-ce-aaguid differing from the authenticator data.

// TestAdvisoryAAGUIDExtensionMismatch: an attestation certificate whose
// id-fido-gen-ce-aaguid extension is not the AAGUID of the authenticator
// data, is critical or is not an OCTET STRING of 16 bytes is refused
// (§8.2.1, §8.3.1).
func TestAdvisoryAAGUIDExtensionMismatch(t *testing.T) {
	runVector(t, "packed/neg-packed-aaguid-mismatch.json", excNotSupported)

	f := forge.New("advisory aaguid")
	root, inter := packedCA(f)
	rp := advRP()
	rp.Attestation.Anchors = anchors("packed", root)
	octets := func(b []byte) []byte {
		v, err := asn1.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	ext := func(critical bool, value []byte) func(*forge.CertSpec) {
		return func(s *forge.CertSpec) {
			s.Extensions = []pkix.Extension{{Id: forge.OIDFIDOGenCeAAGUID, Critical: critical, Value: value}}
		}
	}
	r := f.Registration("aaguid", f.Key("aaguid", cose.ES256))
	att := f.Key("att/aaguid", cose.ES256)
	aaguid := r.AuthData.AAGUID
	other := f.AAGUID("other")
	leaf := f.PackedLeaf("aaguid-ok", att, inter, aaguid[:], nil)
	wantExc(t, "matching extension", verifyReg(rp, r, r.Object("packed", r.Packed(att, leaf, inter))), "")
	for _, c := range []struct {
		name string
		edit func(*forge.CertSpec)
	}{
		{"other AAGUID", ext(false, octets(other[:]))},
		{"critical", ext(true, octets(aaguid[:]))},
		{"15 bytes", ext(false, octets(aaguid[:15]))},
		{"17 bytes", ext(false, octets(append(aaguid[:], 0)))},
		{"raw 16 bytes, no OCTET STRING", ext(false, aaguid[:])},
		{"UTF8String", ext(false, append([]byte{0x0c, 16}, aaguid[:]...))},
		{"OCTET STRING and trailing byte", ext(false, append(octets(aaguid[:]), 0))},
		{"empty", ext(false, nil)},
	} {
		leaf := f.PackedLeaf("aaguid/"+c.name, att, inter, nil, c.edit)
		obj := r.Object("packed", r.Packed(att, leaf, inter))
		wantExc(t, "packed: "+c.name, verifyReg(rp, r, obj), excNotSupported)
		wantExc(t, "packed (no anchors): "+c.name, verifyReg(advRP(), r, obj), excNotSupported)
	}
	// Authenticator data with the zero AAGUID and a leaf naming one.
	z := f.Registration("aaguid-zero", f.Key("aaguid-zero", cose.ES256))
	z.AuthData.AAGUID = [16]byte{}
	leaf = f.PackedLeaf("aaguid-zero", att, inter, aaguid[:], nil)
	wantExc(t, "packed: zero AAGUID in authData, extension present", verifyReg(rp, z, z.Object("packed", z.Packed(att, leaf, inter))), excNotSupported)

	// tpm: the AIK certificate's extension.
	tpmRoot := f.Root("Adv TPM Root", cose.ES384)
	tpmCA := f.Intermediate("Adv TPM CA", cose.RS256, tpmRoot)
	trp := advRP()
	trp.Attestation.Anchors = anchors("tpm", tpmRoot)
	tr := f.Registration("aaguid-tpm", f.Key("aaguid-tpm", cose.ES256))
	aik := f.Key("aik/aaguid-tpm", cose.RS256)
	ok := f.Issue("aik/aaguid-tpm", forge.TPMAIKSpec(tr.AuthData.AAGUID[:]), aik, tpmCA)
	wantExc(t, "tpm matching extension", verifyReg(trp, tr, tr.Object("tpm", tr.TPM(aik, nil, nil, ok, tpmCA))), "")
	bad := f.Issue("aik/aaguid-tpm-other", forge.TPMAIKSpec(other[:]), aik, tpmCA)
	wantExc(t, "tpm other AAGUID", verifyReg(trp, tr, tr.Object("tpm", tr.TPM(aik, nil, nil, bad, tpmCA))), excNotSupported)
}

// --- Duplicate CBOR map keys.

// TestAdvisoryDuplicateCBORKeys: a CBOR map with a key twice, anywhere in
// the attestation object or the authenticator data, is malformed, also when
// the two keys are spelled with different (non-minimal) encodings.
func TestAdvisoryDuplicateCBORKeys(t *testing.T) {
	runVector(t, "packed/neg-cbor-duplicate-key.json", excInvalid)
	runVector(t, "packed/neg-cbor-duplicate-key-attstmt.json", excInvalid)

	f := forge.New("advisory dup")
	m := forge.Marshal
	cat := func(items ...[]byte) []byte { return bytes.Join(items, nil) }
	r := f.Registration("dup", f.Key("dup", cose.ES256))
	ad := r.AuthDataBytes()
	st := r.PackedSelf()
	fmtK, attK, adK := m("fmt"), m("attStmt"), m("authData")
	fmtLong := []byte{0x78, 0x03, 'f', 'm', 't'} // "fmt" with a one-byte length argument
	for _, c := range []struct {
		name string
		obj  []byte
	}{
		{"fmt twice, second other", cat([]byte{0xa4}, fmtK, m("packed"), fmtK, m("none"), attK, m(map[string]any(st)), adK, m(ad))},
		{"authData twice", cat([]byte{0xa4}, fmtK, m("none"), attK, m(map[string]any{}), adK, m(ad), adK, m(ad))},
		{"fmt twice, non-minimal length", cat([]byte{0xa4}, fmtK, m("none"), fmtLong, m("none"), attK, m(map[string]any{}), adK, m(ad))},
		{"attStmt sig twice", cat([]byte{0xa3}, fmtK, m("packed"), attK, []byte{0xa3}, m("alg"), m(int64(-7)), m("sig"), m(st["sig"]), m("sig"), m(st["sig"]), adK, m(ad))},
		{"compound member fmt twice", r.Object("compound", []any{
			forge.RawCBOR(cat([]byte{0xa3}, fmtK, m("none"), fmtK, m("none"), attK, m(map[string]any{}))),
			map[string]any{"fmt": "none", "attStmt": map[string]any{}},
		})},
	} {
		wantExc(t, c.name, verifyReg(advRP(), r, c.obj), excInvalid)
	}

	// Inside the authenticator data: the credential public key and the
	// extension outputs.
	x, y := forge.ECPoint(r.Cred.Public().(*ecdsa.PublicKey))
	coseKey := func(head byte, extra ...[]byte) []byte {
		return cat(append([][]byte{{head}, m(1), m(2), m(3), m(-7), m(-1), m(1), m(-2), m(x), m(-3), m(y)}, extra...)...)
	}
	for _, c := range []struct {
		name string
		key  []byte
	}{
		{"kty twice", coseKey(0xa6, m(1), m(2))},
		{"alg twice, RS256 then", coseKey(0xa6, m(3), m(-257))},
		{"x twice", coseKey(0xa6, m(-2), m(y))},
		{"alg twice, non-minimal 3", coseKey(0xa6, []byte{0x18, 0x03}, m(-7))},
		{"kty twice, non-minimal 1", coseKey(0xa6, []byte{0x18, 0x01}, m(2))},
	} {
		d := f.Registration("dup", f.Key("dup", cose.ES256))
		d.AuthData.CredentialKey = c.key
		wantExc(t, "credential key: "+c.name, verifyReg(advRP(), d, d.Object("none", forge.Stmt{})), excInvalid)
	}
	dupExt := cat([]byte{0xa2}, m("credProtect"), m(1), m("credProtect"), m(2))
	d := f.Registration("dup", f.Key("dup", cose.ES256))
	d.AuthData.Extensions = cat([]byte{0xa1}, m("credProtect"), m(1))
	wantExc(t, "registration extensions, one key", verifyReg(advRP(), d, d.Object("none", forge.Stmt{})), "")
	d.AuthData.Extensions = dupExt
	wantExc(t, "registration extensions, key twice", verifyReg(advRP(), d, d.Object("none", forge.Stmt{})), excInvalid)

	a := newAssertion(f, "dup-auth", cose.ES256)
	a.ad.Extensions = dupExt
	wantExc(t, "assertion extensions, key twice", a.verify(advRP()), excInvalid)
	// The stored credential key with alg twice.
	a.ad.Extensions = nil
	ax, ay := forge.ECPoint(a.key.Public().(*ecdsa.PublicKey))
	a.cose = cat([]byte{0xa6}, m(1), m(2), m(3), m(-7), m(-1), m(1), m(-2), m(ax), m(-3), m(ay), m(3), m(-7))
	wantExc(t, "stored credential key, alg twice", a.verify(advRP()), excInvalid)
}

// --- An expired intermediate certificate.

// TestAdvisoryExpiredIntermediate: every certificate of the chain, not only
// the leaf, must be valid at the relying party's clock (verifyAt).
func TestAdvisoryExpiredIntermediate(t *testing.T) {
	runVector(t, "packed/neg-packed-leaf-expired.json", excNotSupported)

	f := forge.New("advisory expiry")
	root := f.Root("Adv Expiry Root", cose.ES384)
	expired := f.Issue("Adv Expired Intermediate", &forge.CertSpec{CA: true, NotAfter: forge.Epoch.Add(180 * 24 * time.Hour)}, f.Key("ca/expired", cose.ES256), root)
	future := f.Issue("Adv Future Intermediate", &forge.CertSpec{CA: true, NotBefore: forge.Now.Add(24 * time.Hour)}, f.Key("ca/future", cose.ES256), root)
	expiredRoot := f.Issue("Adv Expired Root", &forge.CertSpec{CA: true, NotAfter: forge.Epoch.Add(180 * 24 * time.Hour)}, f.Key("root/expired", cose.ES384), nil)
	interUnderExpiredRoot := f.Intermediate("Adv Intermediate Under Expired Root", cose.ES256, expiredRoot)

	at := func(tm time.Time, roots ...*forge.Cert) *webauthn.RelyingParty {
		rp := advRP()
		rp.Clock = func() time.Time { return tm }
		rp.Attestation.Anchors = anchors("packed", roots...)
		return rp
	}
	build := func(name string, ca *forge.Cert) (*forge.Registration, []byte) {
		r := f.Registration(name, f.Key(name, cose.ES256))
		att := f.Key("att/"+name, cose.ES256)
		leaf := f.PackedLeaf(name, att, ca, r.AuthData.AAGUID[:], nil)
		return r, r.Object("packed", r.Packed(att, leaf, ca))
	}
	r, obj := build("expired-intermediate", expired)
	wantExc(t, "intermediate expired before verifyAt", verifyReg(at(forge.Now, root), r, obj), excNotSupported)
	wantExc(t, "same chain, verifyAt inside the intermediate's validity", verifyReg(at(forge.Epoch.Add(30*24*time.Hour), root), r, obj), "")
	wantExc(t, "verifyAt one second after the intermediate's NotAfter", verifyReg(at(expired.Cert.NotAfter.Add(time.Second), root), r, obj), excNotSupported)

	r, obj = build("future-intermediate", future)
	wantExc(t, "intermediate not yet valid at verifyAt", verifyReg(at(forge.Now, root), r, obj), excNotSupported)

	r, obj = build("under-expired-root", interUnderExpiredRoot)
	t.Run("expired anchor", func(t *testing.T) {
		wantExc(t, "chain to an anchor that expired before verifyAt", verifyReg(at(forge.Now, expiredRoot), r, obj), excNotSupported)
	})
}

// --- Lax PKCS #1 v1.5 signature checking.

// pkcs1Sign returns em^d mod n as a k-byte signature: a "signature" whose
// encoded message is em, whatever its padding.
func pkcs1Sign(p *rsa.PrivateKey, em []byte) []byte {
	m := new(big.Int).SetBytes(em)
	s := new(big.Int).Exp(m, p.D, p.N)
	return s.FillBytes(make([]byte, p.Size()))
}

// sha256DigestInfo is the DER DigestInfo prefix of SHA-256 (RFC 8017 §9.2 note 1).
var sha256DigestInfo = []byte{0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20}

// emsa builds 0x00 ‖ bt ‖ pad ‖ 0x00 ‖ t ‖ garbage, with pad of 0xff filling k bytes.
func emsa(k int, bt byte, t, garbage []byte) []byte {
	em := []byte{0x00, bt}
	em = append(em, bytes.Repeat([]byte{0xff}, k-3-len(t)-len(garbage))...)
	em = append(em, 0x00)
	em = append(em, t...)
	return append(em, garbage...)
}

// pkcs1Variants returns malformed RSASSA-PKCS1-v1_5 encodings of the SHA-256
// digest h for a k-byte modulus, and the well-formed one.
func pkcs1Variants(k int, h []byte) (good []byte, bad map[string][]byte) {
	t := append(append([]byte{}, sha256DigestInfo...), h...)
	good = emsa(k, 0x01, t, nil)
	noNull := append([]byte{0x30, 0x2f, 0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x04, 0x20}, h...)
	longLen := append([]byte{0x30, 0x81, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20}, h...)
	sha512OID := append(append([]byte{}, sha256DigestInfo...), h...)
	sha512OID[14] = 0x03
	bad = map[string][]byte{
		"DigestInfo without NULL parameters": emsa(k, 0x01, noNull, nil),
		"DigestInfo with a long-form length": emsa(k, 0x01, longLen, nil),
		"DigestInfo naming SHA-512":          emsa(k, 0x01, sha512OID, nil),
		"trailing garbage after the hash":    emsa(k, 0x01, t, bytes.Repeat([]byte{0xab}, 64)),
		"one trailing zero byte":             emsa(k, 0x01, t, []byte{0}),
		"block type 2":                       emsa(k, 0x02, t, nil),
		"block type 0":                       emsa(k, 0x00, t, nil),
		"hash truncated by a byte":           emsa(k, 0x01, t[:len(t)-1], nil),
	}
	pad := append([]byte{}, good...)
	pad[10] = 0xfe
	bad["padding byte 0xfe"] = pad
	short := emsa(k, 0x01, t, nil)
	copy(short[2:], []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00}) // 7 bytes of padding, then zeros
	for i := 10; i < len(short)-len(t)-1; i++ {
		short[i] = 0
	}
	bad["padding of 7 bytes, zeros up to DigestInfo"] = short
	noSep := append([]byte{}, good...)
	noSep[len(noSep)-len(t)-1] = 0xff
	bad["no zero separator"] = noSep
	return good, bad
}

// cubeRootCeil returns the smallest s with s³ >= x.
func cubeRootCeil(x *big.Int) *big.Int {
	lo, hi := big.NewInt(0), new(big.Int).Lsh(big.NewInt(1), uint(x.BitLen()/3+2))
	for lo.Cmp(hi) < 0 {
		mid := new(big.Int).Rsh(new(big.Int).Add(lo, hi), 1)
		if new(big.Int).Exp(mid, big.NewInt(3), nil).Cmp(x) < 0 {
			lo.Add(mid, big.NewInt(1))
		} else {
			hi = mid
		}
	}
	return lo
}

// TestAdvisoryLaxPKCS1Padding: RS256 signatures whose PKCS #1 v1.5 encoding
// is malformed (trailing garbage, missing NULL, wrong padding) are refused,
// and Bleichenbacher's 2006 e=3 forgery does not verify.
func TestAdvisoryLaxPKCS1Padding(t *testing.T) {
	f := forge.New("advisory pkcs1")
	a := newAssertion(f, "pkcs1-auth", cose.RS256)
	priv := a.key.Private.(*rsa.PrivateKey)
	k := priv.Size()
	h := func(msg []byte) []byte { d := sha256.Sum256(msg); return d[:] }

	a.resign = func(signed []byte) []byte { good, _ := pkcs1Variants(k, h(signed)); return pkcs1Sign(priv, good) }
	wantExc(t, "assertion, hand-made well-formed encoding", a.verify(advRP()), "")
	_, bad := pkcs1Variants(k, h(a.signed()))
	for name := range bad {
		a.resign = func(signed []byte) []byte { _, b := pkcs1Variants(k, h(signed)); return pkcs1Sign(priv, b[name]) }
		wantExc(t, "assertion: "+name, a.verify(advRP()), excNotAuth)
	}
	valid := a.key.Sign(a.signed())
	a.resign = nil
	for name, sig := range map[string][]byte{
		"valid signature, zero byte prepended": append([]byte{0}, valid...),
		"valid signature, zero byte appended":  append(append([]byte{}, valid...), 0),
		"valid signature, last byte dropped":   valid[:len(valid)-1],
		"valid signature plus n":               new(big.Int).Add(new(big.Int).SetBytes(valid), priv.N).Bytes(),
		"all zeros":                            make([]byte, k),
		"one":                                  append(make([]byte, k-1), 1),
		"n-1":                                  new(big.Int).Sub(priv.N, big.NewInt(1)).FillBytes(make([]byte, k)),
	} {
		a.sig = sig
		wantExc(t, "assertion: "+name, a.verify(advRP()), excNotAuth)
	}
	a.sig = nil

	// Bleichenbacher 2006: with e=3, the cube of the ceiling cube root of
	// 00 01 FF 00 ‖ T ‖ 00…00 is that prefix followed by garbage, a
	// signature a verifier that stops parsing after the hash accepts.
	e3 := forge.COSEParams(a.key.Public(), cose.RS256)
	e3[-2] = []byte{3}
	a.cose = e3.Bytes()
	a.resign = func(signed []byte) []byte {
		t := append(append([]byte{}, sha256DigestInfo...), h(signed)...)
		em := append([]byte{0x00, 0x01, 0xff, 0x00}, t...)
		em = append(em, make([]byte, k-len(em))...)
		s := cubeRootCeil(new(big.Int).SetBytes(em))
		// s³ keeps the prefix: the garbage below absorbs the rounding.
		cube := new(big.Int).Exp(s, big.NewInt(3), nil).FillBytes(make([]byte, k))
		if !bytes.HasPrefix(cube, em[:4+len(t)]) {
			panic("cube root forgery lost its prefix")
		}
		return s.FillBytes(make([]byte, k))
	}
	wantExc(t, "assertion: Bleichenbacher e=3 cube-root forgery", a.verify(advRP()), excNotAuth)

	// Packed self attestation with an RS256 credential.
	r := f.Registration("pkcs1-reg", f.Key("pkcs1-reg", cose.RS256))
	rpriv := r.Cred.Private.(*rsa.PrivateKey)
	adb, cdh := r.SignedData()
	good, bad := pkcs1Variants(rpriv.Size(), h(append(append([]byte{}, adb...), cdh...)))
	st := r.PackedSelf()
	st["sig"] = pkcs1Sign(rpriv, good)
	wantExc(t, "packed self, hand-made well-formed encoding", verifyReg(advRP(), r, r.Object("packed", st)), "")
	for name, em := range bad {
		st["sig"] = pkcs1Sign(rpriv, em)
		wantExc(t, "packed self: "+name, verifyReg(advRP(), r, r.Object("packed", st)), excNotSupported)
	}
}

// --- Panics on malformed attestation statements.

// cborValues is one value of every CBOR major type and shape a statement
// member could wrongly hold.
var cborValues = []struct {
	name string
	v    any
}{
	{"uint 0", uint64(0)},
	{"uint max", uint64(math.MaxUint64)},
	{"negint -1", int64(-1)},
	{"negint min", int64(math.MinInt64)},
	{"alg -257", int64(-257)},
	{"bytes empty", []byte{}},
	{"bytes 00", []byte{0}},
	{"bytes DER SEQUENCE{}", []byte{0x30, 0x00}},
	{"text empty", ""},
	{"text 2.0", "2.0"},
	{"text x", "x"},
	{"array empty", []any{}},
	{"array of empty bytes", []any{[]byte{}}},
	{"array of text", []any{"x"}},
	{"array of int", []any{int64(1)}},
	{"array of array", []any{[]any{}}},
	{"array of map", []any{map[string]any{}}},
	{"map empty", map[string]any{}},
	{"map int key", map[int64]any{1: int64(2)}},
	{"map fmt/attStmt", map[string]any{"fmt": "none", "attStmt": map[string]any{}}},
	{"true", true},
	{"false", false},
	{"null", nil},
	{"undefined", forge.RawCBOR([]byte{0xf7})},
	{"float", 1.5},
	{"half NaN", forge.RawCBOR([]byte{0xf9, 0x7e, 0x00})},
	{"tag 24", forge.RawCBOR([]byte{0xd8, 0x18, 0x41, 0x00})},
	{"simple 16", forge.RawCBOR([]byte{0xf0})},
}

// byteMutations returns damaged copies of b: prefixes, an extra byte and
// flipped bits. every asks for every prefix and every byte flipped.
func byteMutations(b []byte, every bool) map[string][]byte {
	out := map[string][]byte{}
	cut := func(n int) {
		if n >= 0 && n < len(b) {
			out["prefix "+strconv.Itoa(n)] = append([]byte{}, b[:n]...)
		}
	}
	flip := func(i int) {
		if i >= 0 && i < len(b) {
			c := append([]byte{}, b...)
			c[i] ^= 0x80
			out["flip "+strconv.Itoa(i)] = c
		}
	}
	for _, n := range []int{0, 1, 2, len(b) / 2, len(b) - 1} {
		cut(n)
	}
	for _, i := range []int{0, 1, 2, 3, len(b) / 3, len(b) / 2, len(b) - 2, len(b) - 1} {
		flip(i)
	}
	if every {
		for i := range b {
			cut(i)
			flip(i)
		}
	}
	out["extra byte"] = append(append([]byte{}, b...), 0)
	return out
}

// stmtFixture is a valid statement of one format and the policy that
// accepts it with anchors.
type stmtFixture struct {
	format string
	r      *forge.Registration
	stmt   forge.Stmt
	rp     *webauthn.RelyingParty
}

func stmtFixtures(f *forge.Forge) []stmtFixture {
	var out []stmtFixture
	add := func(format string, r *forge.Registration, stmt forge.Stmt, roots ...*forge.Cert) {
		rp := advRP()
		if len(roots) > 0 {
			rp.Attestation.Anchors = anchors(format, roots...)
		}
		out = append(out, stmtFixture{format, r, stmt, rp})
	}
	// packed self and basic.
	r := f.Registration("stmt-packed-self", f.Key("stmt-packed-self", cose.ES256))
	add("packed", r, r.PackedSelf())
	root, inter := packedCA(f)
	r = f.Registration("stmt-packed-basic", f.Key("stmt-packed-basic", cose.ES256))
	att := f.Key("att/stmt-packed-basic", cose.ES256)
	add("packed", r, r.Packed(att, f.PackedLeaf("stmt-packed-basic", att, inter, r.AuthData.AAGUID[:], nil), inter), root)
	// tpm.
	tpmRoot := f.Root("Adv TPM Root", cose.ES384)
	tpmCA := f.Intermediate("Adv TPM CA", cose.RS256, tpmRoot)
	for _, alg := range []cose.Algorithm{cose.ES256, cose.RS256} {
		name := "stmt-tpm-" + alg.String()
		r = f.Registration(name, f.Key(name, alg))
		aik := f.Key("aik/"+name, cose.RS256)
		leaf := f.Issue("aik/"+name, forge.TPMAIKSpec(r.AuthData.AAGUID[:]), aik, tpmCA)
		add("tpm", r, r.TPM(aik, nil, nil, leaf, tpmCA), tpmRoot)
	}
	// android-key.
	andRoot := f.Root("Adv Android Root", cose.ES256)
	andCA := f.Intermediate("Adv Android CA", cose.ES256, andRoot)
	r = f.Registration("stmt-android-key", f.Key("stmt-android-key", cose.ES256))
	leaf := f.Issue("android/stmt-android-key", forge.AndroidKeyLeafSpec(forge.HardwareKeyDescription(r.ClientDataHash())), r.Cred, andCA)
	add("android-key", r, r.AndroidKey(r.Cred, leaf, andCA), andRoot)
	// android-safetynet.
	snRoot := f.Root("Adv SafetyNet Root", cose.RS256)
	r = f.Registration("stmt-safetynet", f.Key("stmt-safetynet", cose.ES256))
	snAtt := f.Key("sn/stmt-safetynet", cose.RS256)
	spec := forge.SafetyNetLeafSpec("attest.android.com")
	spec.KeyUsage = x509.KeyUsageDigitalSignature
	add("android-safetynet", r, r.SafetyNet(snAtt, forge.Now, f.Issue("sn/stmt-safetynet", spec, snAtt, snRoot)), snRoot)
	// fido-u2f.
	u2fRoot := f.Root("Adv U2F Root", cose.ES256)
	r = f.U2FRegistration("stmt-u2f", f.Key("stmt-u2f", cose.ES256))
	u2fLeaf := f.U2FLeaf("stmt-u2f", f.Key("att/stmt-u2f", cose.ES256), u2fRoot)
	add("fido-u2f", r, r.FIDOU2F(u2fLeaf.Key, u2fLeaf), u2fRoot)
	// apple.
	appleRoot := f.Root("Adv Apple Root", cose.ES384)
	appleCA := f.Intermediate("Adv Apple CA", cose.ES384, appleRoot)
	r = f.Registration("stmt-apple", f.Key("stmt-apple", cose.ES256))
	st, _ := r.Apple(f, "stmt-apple", appleCA)
	add("apple", r, st, appleRoot)
	// none.
	r = f.Registration("stmt-none", f.Key("stmt-none", cose.ES256))
	add("none", r, forge.Stmt{})
	return out
}

// tagEnc is CTAP2 canonical CBOR that lets raw items carry tags, so that a
// test can put a tagged value where the verifier must refuse it.
var tagEnc = func() cbor.EncMode {
	o := cbor.CTAP2EncOptions()
	o.TagsMd = cbor.TagsAllowed
	m, err := o.EncMode()
	if err != nil {
		panic(err)
	}
	return m
}()

// objectWithTags is forge.Object with tagEnc.
func objectWithTags(format string, attStmt any, authData []byte) []byte {
	if s, ok := attStmt.(forge.Stmt); ok {
		attStmt = map[string]any(s)
	}
	b, err := tagEnc.Marshal(map[string]any{"fmt": format, "attStmt": attStmt, "authData": authData})
	if err != nil {
		panic(err)
	}
	return b
}

// clone copies a statement (values are shared; mutations replace them).
func clone(s forge.Stmt) forge.Stmt {
	c := forge.Stmt{}
	for k, v := range s {
		c[k] = v
	}
	return c
}

// TestAdvisoryNoPanicOnMalformedStatements: every member of every
// statement format replaced by every CBOR type, deleted, truncated or
// bit-flipped, every x5c element damaged, and compound statements broken the
// same way: the verifier answers with a typed *Error, never
// InternalErrorException (a recovered panic).
func TestAdvisoryNoPanicOnMalformedStatements(t *testing.T) {
	f := forge.New("advisory statements")
	fixtures := stmtFixtures(f)
	runs, rejected := 0, 0
	check := func(fx *stmtFixture, what string, attStmt any) {
		t.Helper()
		obj := objectWithTags(fx.format, attStmt, fx.r.AuthDataBytes())
		for _, rp := range []*webauthn.RelyingParty{fx.rp, advRP()} {
			err := verifyReg(rp, fx.r, obj)
			wantTyped(t, fx.format+" "+what, err)
			runs++
			if err != nil {
				rejected++
			}
		}
	}
	for i := range fixtures {
		fx := &fixtures[i]
		if err := verifyReg(fx.rp, fx.r, fx.r.Object(fx.format, fx.stmt)); err != nil {
			t.Fatalf("%s: the unmodified statement fails: %v", fx.format, err)
		}
		if err := verifyReg(advRP(), fx.r, fx.r.Object(fx.format, fx.stmt)); err != nil {
			t.Fatalf("%s: the unmodified statement fails without anchors: %v", fx.format, err)
		}
		for _, v := range cborValues {
			check(fx, "attStmt = "+v.name, v.v)
			for _, key := range []string{"x5c", "alg", "sig", "ver", "certInfo", "pubArea", "response", "ecdaaKeyId", "zzz"} {
				s := clone(fx.stmt)
				s[key] = v.v
				check(fx, key+" = "+v.name, s)
			}
		}
		for key, val := range fx.stmt {
			s := clone(fx.stmt)
			delete(s, key)
			check(fx, "without "+key, s)
			switch val := val.(type) {
			case []byte:
				every := key == "certInfo" || key == "pubArea"
				for name, b := range byteMutations(val, every) {
					s := clone(fx.stmt)
					s[key] = b
					check(fx, key+" "+name, s)
				}
				if key == "response" {
					// The JWS: each of its three parts damaged.
					parts := bytes.Split(val, []byte("."))
					for p := range parts {
						for name, b := range byteMutations(parts[p], false) {
							q := append([][]byte{}, parts...)
							q[p] = b
							s := clone(fx.stmt)
							s[key] = bytes.Join(q, []byte("."))
							check(fx, "JWS part "+strconv.Itoa(p)+" "+name, s)
						}
					}
				}
			case [][]byte:
				for j := range val {
					for _, v := range cborValues {
						x := make([]any, len(val))
						for k := range val {
							x[k] = val[k]
						}
						x[j] = v.v
						s := clone(fx.stmt)
						s[key] = x
						check(fx, key+"["+strconv.Itoa(j)+"] = "+v.name, s)
					}
					for name, b := range byteMutations(val[j], false) {
						x := append([][]byte{}, val...)
						x[j] = b
						s := clone(fx.stmt)
						s[key] = x
						check(fx, key+"["+strconv.Itoa(j)+"] "+name, s)
					}
				}
				for name, x := range map[string][][]byte{
					"reversed":        reversed(val),
					"leaf twice":      append([][]byte{val[0]}, val...),
					"leaf only":       val[:1],
					"without leaf":    val[1:],
					"ten copies":      repeatCerts(val, 10),
					"empty":           {},
					"empty element":   append(append([][]byte{}, val...), []byte{}),
					"two leaves last": append(append([][]byte{}, val...), val[0]),
				} {
					s := clone(fx.stmt)
					s[key] = x
					check(fx, key+" "+name, s)
				}
			}
		}
	}

	// compound: broken entries, and every fixture's statement as a member.
	base := &fixtures[0]
	self := base.stmt
	entry := func(fmtV, st any) map[string]any { return map[string]any{"fmt": fmtV, "attStmt": st} }
	cmp := func(what string, c any) { check(base, "compound "+what, c) }
	good := []any{entry("packed", map[string]any(self)), entry("none", map[string]any{})}
	if err := verifyReg(advRP(), base.r, base.r.Object("compound", good)); err != nil {
		t.Fatalf("compound: the unmodified statement fails: %v", err)
	}
	for _, v := range cborValues {
		cmp("entry 0 = "+v.name, []any{v.v, good[1]})
		cmp("entry 1 = "+v.name, []any{good[0], v.v})
		cmp("fmt = "+v.name, []any{entry(v.v, map[string]any(self)), good[1]})
		cmp("attStmt = "+v.name, []any{entry("packed", v.v), good[1]})
		cmp("extra member = "+v.name, []any{map[string]any{"fmt": "none", "attStmt": map[string]any{}, "x": v.v}, good[1]})
	}
	cmp("one entry", good[:1])
	cmp("no entries", []any{})
	cmp("nine entries", repeatAny(good[1], 9))
	cmp("nested compound", []any{good[0], entry("compound", good)})
	cmp("nested compound as array", []any{good[0], entry("compound", []any{good[0], good[1]})})
	cmp("entry without attStmt", []any{good[0], map[string]any{"fmt": "none"}})
	cmp("entry without fmt", []any{good[0], map[string]any{"attStmt": map[string]any{}}})
	for i := range fixtures {
		fx := &fixtures[i]
		c := []any{entry(fx.format, map[string]any(fx.stmt)), good[1]}
		check(fx, "as a compound member", c)
	}
	t.Logf("%d verifications, %d rejected, every one with a typed exception", runs, rejected)
}

func reversed(v [][]byte) [][]byte {
	out := make([][]byte, len(v))
	for i := range v {
		out[len(v)-1-i] = v[i]
	}
	return out
}

func repeatCerts(v [][]byte, n int) [][]byte {
	var out [][]byte
	for range n {
		out = append(out, v...)
	}
	return out
}

func repeatAny(v any, n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = v
	}
	return out
}
