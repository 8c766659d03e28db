package attestation

import (
	"crypto/x509/pkix"
	"testing"
	"time"

	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/internal/forge"
	"github.com/passkeykit/webauthn/internal/x509lite"
	"github.com/passkeykit/webauthn/trust"
)

// packedKit is a forged packed setup: root -> ca -> leaf(att), credential cred.
type packedKit struct {
	f        *forge.Forge
	root, ca *forge.Cert
	att      *forge.Key
	r        *forge.Registration
}

func newPackedKit() *packedKit {
	f := forge.New("packed")
	k := &packedKit{f: f, root: f.Root("root", cose.ES256)}
	k.ca = f.Intermediate("ca", cose.ES256, k.root)
	k.att = f.Key("att", cose.ES256)
	k.r = f.Registration("r", f.Key("cred", cose.ES256))
	return k
}

// leaf issues a packed leaf with the authData AAGUID extension, edited by edit.
func (k *packedKit) leaf(edit func(*forge.CertSpec)) *forge.Cert {
	return k.f.PackedLeaf("leaf", k.att, k.ca, k.r.AuthData.AAGUID[:], edit)
}

// basic forges a packed x5c statement with leaf, edited by edit, verified with anchors at forge.Now.
func (k *packedKit) basic(t *testing.T, leaf *forge.Cert, edit func(forge.Stmt)) *fvCase {
	s := k.r.Packed(k.att, leaf, k.ca)
	if edit != nil {
		edit(s)
	}
	return fvPrepare(t, t.Name(), k.r.Object("packed", s), k.r.ClientDataHash(), forge.Now, fvAnchors(k.root))
}

func (k *packedKit) self(t *testing.T, edit func(forge.Stmt)) *fvCase {
	s := k.r.PackedSelf()
	if edit != nil {
		edit(s)
	}
	return fvPrepare(t, t.Name(), k.r.Object("packed", s), k.r.ClientDataHash(), forge.Now, fvAnchors(k.root))
}

func TestPackedForgedOK(t *testing.T) {
	k := newPackedKit()
	res, err := k.basic(t, k.leaf(nil), nil).verify()
	if err != nil || res.Type != TypeBasic || !res.Judged || res.Anchor == nil || len(res.TrustPath) != 2 {
		t.Fatalf("basic: %+v, %v", res, err)
	}
	// Without anchors every signature is checked but the chain is not judged.
	c := k.basic(t, k.leaf(nil), nil)
	c.opts = &Options{}
	if res, err = c.verify(); err != nil || res.Type != TypeBasic || res.Judged || res.Anchor != nil {
		t.Fatalf("basic without anchors: %+v, %v", res, err)
	}
	// No AAGUID extension is fine (§8.2.1: only required for multi-model roots).
	if _, err := k.basic(t, k.f.PackedLeaf("leaf", k.att, k.ca, nil, nil), nil).verify(); err != nil {
		t.Fatalf("no aaguid ext: %v", err)
	}
	for _, alg := range []cose.Algorithm{cose.ES256, cose.ES384, cose.ES512, cose.ESP256, cose.EdDSA, cose.Ed25519, cose.Ed448, cose.RS256, cose.PS256, cose.PS384} {
		k.r = k.f.Registration("r", k.f.Key("cred", alg))
		if res, err := k.self(t, nil).verify(); err != nil || res.Type != TypeSelf || res.TrustPath != nil {
			t.Errorf("self %v: %+v, %v", alg, res, err)
		}
	}
	// Attestation keys of other types.
	for _, alg := range []cose.Algorithm{cose.ES384, cose.RS256, cose.EdDSA} {
		k := newPackedKit()
		k.att = k.f.Key("att", alg)
		if _, err := k.basic(t, k.leaf(nil), nil).verify(); err != nil {
			t.Errorf("basic %v: %v", alg, err)
		}
	}
}

func TestPackedRejects(t *testing.T) {
	k := newPackedKit()
	good := k.leaf(nil)
	otherRoot := k.f.Root("evil-root", cose.ES256)
	evilLeaf := k.f.PackedLeaf("leaf", k.att, otherRoot, k.r.AuthData.AAGUID[:], nil)
	subj := func(mut func(*pkix.Name)) *forge.Cert {
		return k.leaf(func(s *forge.CertSpec) { mut(&s.Subject) })
	}
	expired := k.basic(t, k.leaf(func(s *forge.CertSpec) { s.NotAfter = forge.Now.Add(-time.Hour) }), nil)
	noAnchors := k.basic(t, k.f.PackedLeaf("leaf", k.att, otherRoot, k.r.AuthData.AAGUID[:], func(s *forge.CertSpec) {
		s.NotBefore = forge.Now.Add(time.Hour) // not yet valid: caught even without anchors
	}), func(s forge.Stmt) {
		s["x5c"] = forge.X5C(evilLeafFor(k, otherRoot, forge.Now.Add(time.Hour)), otherRoot)
	})
	noAnchors.opts = &Options{}
	otherKey := k.f.Key("other", cose.ES256)
	tooMany := make([][]byte, trust.MaxChainLen+1)
	for i := range tooMany {
		tooMany[i] = good.DER
	}

	runNeg(t, []negCase{
		// §8.2 step 1: syntax.
		{"alg missing", k.basic(t, good, func(s forge.Stmt) { delete(s, "alg") }), ErrInvalidStatement, ErrMissingField},
		{"alg not an integer", k.basic(t, good, func(s forge.Stmt) { s["alg"] = "ES256" }), ErrInvalidStatement, ErrWrongType},
		{"sig missing", k.basic(t, good, func(s forge.Stmt) { delete(s, "sig") }), ErrInvalidStatement, ErrMissingField},
		{"sig not bytes", k.basic(t, good, func(s forge.Stmt) { s["sig"] = "x" }), ErrInvalidStatement, ErrWrongType},
		{"x5c empty", k.basic(t, good, func(s forge.Stmt) { s["x5c"] = [][]byte{} }), ErrInvalidStatement, ErrWrongType},
		{"x5c element not bytes", k.basic(t, good, func(s forge.Stmt) { s["x5c"] = []any{"cert"} }), ErrInvalidStatement, ErrWrongType},
		{"ecdaaKeyId", k.basic(t, good, func(s forge.Stmt) { s["ecdaaKeyId"] = []byte{1} }), ErrInvalidStatement, errECDAA},
		{"ecdaaKeyId self", k.self(t, func(s forge.Stmt) { s["ecdaaKeyId"] = []byte{1} }), ErrInvalidStatement, errECDAA},
		{"unknown member", k.basic(t, good, func(s forge.Stmt) { s["ver"] = "1" }), ErrInvalidStatement, errUnknownMember},
		{"x5c too long", k.basic(t, good, func(s forge.Stmt) { s["x5c"] = tooMany }), ErrCertificate, trust.ErrChainTooLong},
		{"x5c not a certificate", k.basic(t, good, func(s forge.Stmt) { s["x5c"] = [][]byte{{0x30, 0}} }), ErrCertificate, nil},
		// §8.2 step 2: signature by the leaf with alg.
		{"wrong alg for leaf key", k.basic(t, good, func(s forge.Stmt) { s["alg"] = int64(cose.ES384) }), ErrAlgorithm, nil},
		{"alg RS1", k.basic(t, good, func(s forge.Stmt) { s["alg"] = int64(cose.RS1) }), ErrAlgorithm, nil},
		{"bad signature", k.basic(t, good, func(s forge.Stmt) { flip(s["sig"].([]byte)) }), ErrBadSignature, nil},
		{"signed by another key", k.basic(t, good, func(s forge.Stmt) {
			ad, cdh := k.r.SignedData()
			s["sig"] = otherKey.Sign(ad, cdh)
		}), ErrBadSignature, nil},
		// §8.2.1 leaf requirements.
		{"leaf version 1", k.basic(t, k.leaf(func(s *forge.CertSpec) { s.Version = 1 }), nil), ErrCertificate, errLeafVersion},
		// A v2 certificate with extensions is malformed (RFC 5280 §4.1.2.9);
		// crypto/x509 skips them, the x5c reader refuses it.
		{"leaf version 2", k.basic(t, k.leaf(func(s *forge.CertSpec) { s.Version = 2 }), nil), ErrCertificate, x509lite.ErrMalformed},
		{"C missing", k.basic(t, subj(func(n *pkix.Name) { n.Country = nil }), nil), ErrCertificate, errLeafCountry},
		{"C not ISO 3166 alpha-2", k.basic(t, subj(func(n *pkix.Name) { n.Country = []string{"USA"} }), nil), ErrCertificate, errLeafCountry},
		{"O missing", k.basic(t, subj(func(n *pkix.Name) { n.Organization = nil }), nil), ErrCertificate, errLeafOrg},
		{"OU wrong", k.basic(t, subj(func(n *pkix.Name) { n.OrganizationalUnit = []string{"authenticator attestation"} }), nil), ErrCertificate, errLeafOU},
		{"OU missing", k.basic(t, subj(func(n *pkix.Name) { n.OrganizationalUnit = nil }), nil), ErrCertificate, errLeafOU},
		{"CN missing", k.basic(t, subj(func(n *pkix.Name) { n.CommonName = "" }), nil), ErrCertificate, errLeafCN},
		{"basicConstraints missing", k.basic(t, k.leaf(func(s *forge.CertSpec) { s.NoBasicConstraints = true }), nil), ErrCertificate, errLeafBasic},
		{"CA=true", k.basic(t, k.leaf(func(s *forge.CertSpec) { s.CA = true }), nil), ErrCertificate, errLeafCA},
		// §8.2 step 2: id-fido-gen-ce-aaguid.
		{"aaguid ext critical", k.basic(t, k.leaf(func(s *forge.CertSpec) {
			s.Extensions = []pkix.Extension{forge.AAGUIDExtension(k.r.AuthData.AAGUID[:], true)}
		}), nil), ErrCertificate, errAAGUIDCritical},
		{"aaguid ext mismatch", k.basic(t, k.leaf(func(s *forge.CertSpec) {
			other := k.f.AAGUID("other")
			s.Extensions = []pkix.Extension{forge.AAGUIDExtension(other[:], false)}
		}), nil), ErrCertificate, errAAGUIDMismatch},
		{"aaguid ext malformed", k.basic(t, k.leaf(func(s *forge.CertSpec) {
			s.Extensions = []pkix.Extension{forge.AAGUIDExtension(k.r.AuthData.AAGUID[:15], false)}
		}), nil), ErrCertificate, errAAGUIDMalformed},
		// §8.2 step 2 / §7.1 step 22-23: the chain.
		{"expired leaf at Time", expired, ErrUntrusted, trust.ErrExpired},
		{"self-signed root in x5c not an anchor", k.basic(t, evilLeaf, func(s forge.Stmt) { s["x5c"] = forge.X5C(evilLeaf, otherRoot) }), ErrUntrusted, trust.ErrUntrusted},
		{"not judged without anchors, but validity checked", noAnchors, ErrUntrusted, trust.ErrNotYetValid},
		// §8.2 step 3: self attestation.
		{"self alg mismatch", k.self(t, func(s forge.Stmt) { s["alg"] = int64(cose.ESP256) }), ErrAlgorithm, errSelfAlg},
		{"self alg other family", k.self(t, func(s forge.Stmt) { s["alg"] = int64(cose.RS256) }), ErrAlgorithm, errSelfAlg},
		{"self bad signature", k.self(t, func(s forge.Stmt) { flip(s["sig"].([]byte)) }), ErrBadSignature, nil},
		{"self signed by another key", k.self(t, func(s forge.Stmt) {
			ad, cdh := k.r.SignedData()
			s["sig"] = otherKey.Sign(ad, cdh)
		}), ErrBadSignature, nil},
	})
}

// evilLeafFor issues a packed leaf under root valid from nb.
func evilLeafFor(k *packedKit, root *forge.Cert, nb time.Time) *forge.Cert {
	return k.f.PackedLeaf("leaf", k.att, root, k.r.AuthData.AAGUID[:], func(s *forge.CertSpec) { s.NotBefore = nb })
}

func flip(b []byte) { b[len(b)/2] ^= 0x01 }

// TestPackedAllocations: statement syntax, reading the leaf, §8.2.1 leaf
// requirements and the AAGUID extension check do not allocate. Excluded:
// signature and chain verification, and building the *Error of a failure.
func TestPackedAllocations(t *testing.T) {
	k := newPackedKit()
	leaf := k.leaf(nil)
	c := k.basic(t, leaf, nil)
	aaguid := k.r.AuthData.AAGUID
	n := testing.AllocsPerRun(100, func() {
		if _, _, _, _, err := packedSyntax(c.obj.AttStmt); err != nil {
			t.Fatal(err)
		}
		var lc x509lite.Certificate
		if x509lite.Parse(leaf.Cert.Raw, &lc) != nil || checkPackedLeaf(&lc) != nil || checkAAGUIDExtension(&lc, &aaguid) != nil {
			t.Fatal("leaf rejected")
		}
	})
	if n != 0 {
		t.Fatalf("%v allocations, want 0", n)
	}
}
