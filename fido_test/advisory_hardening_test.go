package fido_test

// Advisory regressions from the verifier-hardening issue: basicConstraints
// pathLenConstraint in attestation chains, small-order Ed25519 credential
// keys, the cost of the duplicate-member-name check.

import (
	"bytes"
	"crypto/ed25519"
	"crypto/x509/pkix"
	"encoding/asn1"
	"strconv"
	"testing"

	webauthn "github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/internal/forge"
)

// oidBasicConstraints is id-ce-basicConstraints (RFC 5280 §4.2.1.9).
var oidBasicConstraints = asn1.ObjectIdentifier{2, 5, 29, 19}

// caPathLen is a CA spec whose basicConstraints (critical) carry
// pathLenConstraint n; it replaces the one forge would encode.
func caPathLen(t *testing.T, n int) *forge.CertSpec {
	t.Helper()
	v, err := asn1.Marshal(struct {
		IsCA       bool
		MaxPathLen int
	}{true, n})
	if err != nil {
		t.Fatal(err)
	}
	return &forge.CertSpec{CA: true, Extensions: []pkix.Extension{{Id: oidBasicConstraints, Critical: true, Value: v}}}
}

// TestPathLenConstraint: a packed x5c chain root -> intermediate (pathLen 0)
// -> sub-CA -> leaf violates RFC 5280 §6.1.4 (l)/(m) and the registration is
// WebAuthnCredentialNotSupportedException (§7.1 step 23), with anchors
// configured and without; the same intermediate issuing the leaf directly is
// accepted.
func TestPathLenConstraint(t *testing.T) {
	f := forge.New("advisory pathlen")
	root := f.Root("Adv PathLen Root", cose.ES384)
	spec := caPathLen(t, 0)
	spec.Subject = pkix.Name{CommonName: "Adv PathLen 0 Intermediate"}
	zero := f.Issue("pathlen0", spec, f.Key("ca/pathlen0", cose.ES256), root)
	if zero.Cert.MaxPathLen != 0 || !zero.Cert.MaxPathLenZero {
		t.Fatalf("intermediate pathLen = %d (zero %v), want 0", zero.Cert.MaxPathLen, zero.Cert.MaxPathLenZero)
	}
	sub := f.Intermediate("Adv Sub-CA under pathLen 0", cose.ES256, zero)

	rp := advRP()
	rp.Attestation.Anchors = anchors("packed", root)
	build := func(name string, chain func(r *forge.Registration, att *forge.Key) []*forge.Cert) (*forge.Registration, []byte) {
		r := f.Registration(name, f.Key(name, cose.ES256))
		att := f.Key("att/"+name, cose.ES256)
		return r, r.Object("packed", r.Packed(att, chain(r, att)...))
	}

	r, obj := build("pathlen-ok", func(r *forge.Registration, att *forge.Key) []*forge.Cert {
		return []*forge.Cert{f.PackedLeaf("pathlen-ok", att, zero, r.AuthData.AAGUID[:], nil), zero}
	})
	wantExc(t, "root -> intermediate (pathLen 0) -> leaf", verifyReg(rp, r, obj), "")
	wantExc(t, "root -> intermediate (pathLen 0) -> leaf, no anchors", verifyReg(advRP(), r, obj), "")

	for _, c := range []struct {
		name  string
		chain func(r *forge.Registration, att *forge.Key) []*forge.Cert
	}{
		{"leaf, sub-CA, intermediate (pathLen 0)", func(r *forge.Registration, att *forge.Key) []*forge.Cert {
			return []*forge.Cert{f.PackedLeaf("pathlen-sub", att, sub, r.AuthData.AAGUID[:], nil), sub, zero}
		}},
		{"leaf, sub-CA, intermediate (pathLen 0), root", func(r *forge.Registration, att *forge.Key) []*forge.Cert {
			return []*forge.Cert{f.PackedLeaf("pathlen-sub-root", att, sub, r.AuthData.AAGUID[:], nil), sub, zero, root}
		}},
	} {
		r, obj := build("pathlen/"+c.name, c.chain)
		wantExc(t, "packed: "+c.name, verifyReg(rp, r, obj), excNotSupported)
		wantExc(t, "packed (no anchors): "+c.name, verifyReg(advRP(), r, obj), excNotSupported)
	}
}

// identity25519 is the Ed25519 encoding of the identity point (y = 1).
var identity25519 = append([]byte{1}, make([]byte, 31)...)

// TestSmallOrderEd25519Rejected: a credential key that is a small-order
// Ed25519 point, such as the identity, is a malformed key: registration is
// InvalidParameterException (§7.1 step 13, cose.ErrSmallOrder), and so is an
// assertion against such a key stored before this check existed. Without the
// check, the fixed signature R = identity, S = 0 verifies every assertion for
// the identity key: crypto/ed25519 accepts it, as the test shows first.
func TestSmallOrderEd25519Rejected(t *testing.T) {
	f := forge.New("advisory small order")
	rp := advRP()

	// The good key registers (the ceremony itself is sound).
	good := f.Registration("ed25519-good", f.Key("ed25519-good", cose.Ed25519))
	wantExc(t, "registration, valid Ed25519 key", verifyReg(rp, good, good.Object("none", forge.Stmt{})), "")

	order8 := []byte{0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0,
		0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05}
	for _, c := range []struct {
		name string
		alg  cose.Algorithm
		x    []byte
	}{
		{"identity, EdDSA", cose.EdDSA, identity25519},
		{"identity, Ed25519", cose.Ed25519, identity25519},
		{"identity, non-canonical y = p + 1", cose.Ed25519, append([]byte{0xee}, append(bytesOf(0xff, 30), 0x7f)...)},
		{"y = 0 (order 4)", cose.EdDSA, make([]byte, 32)},
		{"order 8", cose.Ed25519, order8},
	} {
		r := f.Registration("small/"+c.name, f.Key("small/"+c.name, c.alg))
		r.AuthData.CredentialKey = forge.COSEKey{1: int64(cose.OKP), 3: int64(c.alg), -1: int64(cose.CurveEd25519), -2: c.x}.Bytes()
		wantExc(t, "registration, "+c.name, verifyReg(rp, r, r.Object("none", forge.Stmt{})), excInvalid)
		// packed self attestation "signed" with the fixed signature, which
		// verifies for the identity key: the key is refused first.
		wantExc(t, "registration (packed self), "+c.name, verifyReg(rp, r, r.Object("packed", forge.Stmt{"alg": int64(c.alg), "sig": fixedSig()})), excInvalid)
	}

	// An assertion for a stored identity key, signed with the fixed signature.
	a := newAssertion(f, "ed25519-identity", cose.Ed25519)
	a.cose = forge.COSEKey{1: int64(cose.OKP), 3: int64(cose.Ed25519), -1: int64(cose.CurveEd25519), -2: identity25519}.Bytes()
	a.sig = fixedSig()
	if !ed25519.Verify(identity25519, a.signed(), a.sig) {
		t.Fatal("crypto/ed25519 refuses R = identity, S = 0 for the identity key; the premise of this test is wrong")
	}
	wantExc(t, "assertion, stored identity key, fixed signature", a.verify(rp), excInvalid)
	a.ad.SignCount++ // another assertion, same signature
	wantExc(t, "second assertion, same fixed signature", a.verify(rp), excInvalid)
}

// fixedSig is the Ed25519 signature R = identity, S = 0.
func fixedSig() []byte { return append(append([]byte(nil), identity25519...), make([]byte, 32)...) }

func bytesOf(c byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = c
	}
	return b
}

// hostileNames is an unknown clientExtensionResults member: an array of
// 64-member objects whose 200-byte names differ only in their last three
// characters, every other one spelling its first 'a' as \u0061. dup makes
// the last object repeat its first name, spelled the other way.
func hostileNames(objects int, dup bool) string {
	var b bytes.Buffer
	b.WriteString(`"x":[`)
	for o := range objects {
		if o > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('{')
		for i := range 64 {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('"')
			if i%2 == 1 || dup && o == objects-1 && i == 63 {
				b.WriteString(`\u0061`)
			} else {
				b.WriteByte('a')
			}
			b.Write(bytes.Repeat([]byte{'a'}, 196))
			n := i
			if dup && o == objects-1 && i == 63 {
				n = 0
			}
			b.WriteString(strconv.Itoa(1000 + n)[1:])
			b.WriteString(`":0`)
		}
		b.WriteByte('}')
	}
	b.WriteByte(']')
	return b.String()
}

// TestDuplicateNamesCost: a registration response carrying 240 KB of
// near-equal, half-escaped member names in an ignored extension output is
// checked without allocating, and a duplicate among them (escaped against
// plain) is still InvalidParameterException.
func TestDuplicateNamesCost(t *testing.T) {
	f := forge.New("advisory names")
	r := f.Registration("names", f.Key("names", cose.ES256))
	base := regJSON(r, r.Object("none", forge.Stmt{}))
	resp := func(dup bool) []byte {
		ext := hostileNames(18, dup)
		return bytes.Replace(base, []byte(`"clientExtensionResults":{}`), []byte(`"clientExtensionResults":{`+ext+`}`), 1)
	}
	ok, bad := resp(false), resp(true)
	if len(ok) > webauthn.MaxResponseSize || len(ok) < webauthn.MaxResponseSize*9/10 || bytes.Equal(ok, base) {
		t.Fatalf("response of %d bytes, want just under MaxResponseSize (%d)", len(ok), webauthn.MaxResponseSize)
	}
	wantExc(t, "near-equal names", webauthn.CheckRegistrationResponseJSON(ok), "")
	wantExc(t, "near-equal names, one duplicate", webauthn.CheckRegistrationResponseJSON(bad), excInvalid)
	var out webauthn.Registration
	wantExc(t, "registration, near-equal names", advRP().VerifyRegistration(ok, r.ClientData.Challenge, &out), "")
	wantExc(t, "registration, near-equal names, one duplicate", advRP().VerifyRegistration(bad, r.ClientData.Challenge, &out), excInvalid)
	if a := testing.AllocsPerRun(5, func() { webauthn.CheckRegistrationResponseJSON(ok) }); a != 0 {
		t.Errorf("CheckRegistrationResponseJSON(%d bytes of near-equal names) allocates %v times, want 0", len(ok), a)
	}
}
