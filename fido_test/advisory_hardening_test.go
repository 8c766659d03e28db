package fido_test

// Advisory regressions from the verifier-hardening issue: basicConstraints
// pathLenConstraint in attestation chains, small-order Ed25519 credential
// keys.

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"testing"

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
