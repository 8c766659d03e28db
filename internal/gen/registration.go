package gen

import (
	"strings"

	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/internal/forge"
)

// credentialAlgs are the credential algorithms every ceremony is generated for.
var credentialAlgs = []cose.Algorithm{
	cose.ES256, cose.ES384, cose.ES512, cose.ESP256, cose.ESP384, cose.ESP512,
	cose.EdDSA, cose.Ed25519, cose.Ed448,
	cose.RS256, cose.RS384, cose.RS512, cose.PS256, cose.PS384, cose.PS512,
}

func algName(a cose.Algorithm) string { return strings.ToLower(a.String()) }

const srcForge = "passkeykit/webauthn internal/gen (deterministic, forge seed \"" + Seed + "\")"

// packedCA returns the root the packed basic chains end at, its intermediate,
// and the root's trustAnchors path.
func (g *generator) packedCA() (root, inter *forge.Cert, anchor string) {
	root = g.f.Root("Gen Packed Root", cose.ES384)
	inter = g.f.Intermediate("Gen Packed Intermediate", cose.ES256, root)
	return root, inter, g.root("gen-packed-root", root)
}

// registrations writes the positive registrations of the formats whose
// statements need no hardware structures.
func (g *generator) registrations() {
	f := g.f
	// packed self attestation, every algorithm (§8.2 step "If x5c is not present").
	for _, alg := range credentialAlgs {
		label := "packed-self-" + algName(alg)
		r := f.Registration(label, f.Key(label, alg))
		v := g.regVector("packed", label, "packed", srcForge+"; packed self attestation (§8.2)", r, r.Object("packed", r.PackedSelf()))
		v.Expect.AttestationType = "self"
		g.add(v)
	}

	// packed basic attestation chained to the generated root, one leaf
	// signed by the root and one through an intermediate, for several
	// attestation key algorithms.
	root, inter, anchor := g.packedCA()
	for _, c := range []struct {
		name    string
		att     cose.Algorithm
		viaRoot bool
	}{
		{"packed-basic-es256", cose.ES256, false},
		{"packed-basic-es384-direct", cose.ES384, true},
		{"packed-basic-rs256", cose.RS256, false},
		{"packed-basic-ps256", cose.PS256, false},
		{"packed-basic-eddsa", cose.EdDSA, false},
	} {
		r := f.Registration(c.name, f.Key(c.name, cose.ES256))
		att := f.Key("att/"+c.name, c.att)
		var chain []*forge.Cert
		if c.viaRoot {
			chain = []*forge.Cert{f.PackedLeaf(c.name, att, root, r.AuthData.AAGUID[:], nil)}
		} else {
			chain = []*forge.Cert{f.PackedLeaf(c.name, att, inter, r.AuthData.AAGUID[:], nil), inter}
		}
		v := g.regVector("packed", c.name, "packed", srcForge+"; packed basic attestation (§8.2) chained to "+anchor, r, r.Object("packed", r.Packed(att, chain...)))
		v.TrustAnchors = []string{anchor}
		v.Expect.AttestationType = "basic"
		g.add(v)
	}
	// packed basic without trust anchors: the chain is not judged, every
	// signature still is.
	{
		name := "packed-basic-es256-no-anchors"
		r := f.Registration(name, f.Key(name, cose.ES256))
		att := f.Key("att/"+name, cose.ES256)
		leaf := f.PackedLeaf(name, att, inter, r.AuthData.AAGUID[:], nil)
		v := g.regVector("packed", name, "packed", srcForge+"; packed basic attestation (§8.2), no trustAnchors", r, r.Object("packed", r.Packed(att, leaf, inter)))
		v.Expect.AttestationType = "basic"
		g.add(v)
	}

	// fido-u2f (§8.6): zero AAGUID, ES256 credential, one certificate.
	u2fRoot := f.Root("Gen U2F Root", cose.ES256)
	u2fAnchor := g.root("gen-u2f-root", u2fRoot)
	{
		name := "fido-u2f-es256"
		r := f.U2FRegistration(name, f.Key(name, cose.ES256))
		leaf := f.U2FLeaf(name, f.Key("att/"+name, cose.ES256), u2fRoot)
		v := g.regVector("fido-u2f", name, "fido-u2f", srcForge+"; fido-u2f attestation (§8.6) chained to "+u2fAnchor, r, r.Object("fido-u2f", r.FIDOU2F(leaf.Key, leaf)))
		v.TrustAnchors = []string{u2fAnchor}
		v.Expect.AttestationType = "basic"
		g.add(v)
	}

	// apple (§8.8): anonymization CA, credCert over the nonce.
	appleRoot := f.Root("Gen Apple Root", cose.ES384)
	appleCA := f.Intermediate("Gen Apple CA", cose.ES384, appleRoot)
	appleAnchor := g.root("gen-apple-root", appleRoot)
	for _, alg := range []cose.Algorithm{cose.ES256, cose.ES384} {
		name := "apple-" + algName(alg)
		r := f.Registration(name, f.Key(name, alg))
		st, _ := r.Apple(f, name, appleCA)
		v := g.regVector("apple", name, "apple", srcForge+"; apple anonymous attestation (§8.8) chained to "+appleAnchor, r, r.Object("apple", st))
		v.TrustAnchors = []string{appleAnchor}
		v.Expect.AttestationType = "anonca"
		g.add(v)
	}

	// none (§8.7), every algorithm.
	for _, alg := range credentialAlgs {
		name := "none-" + algName(alg)
		r := f.Registration(name, f.Key(name, alg))
		v := g.regVector("none", name, "none", srcForge+"; none attestation (§8.7)", r, r.Object("none", forge.Stmt{}))
		v.Expect.AttestationType = "none"
		g.add(v)
	}
	// none: a 1023-byte credential ID, the longest allowed (§5.8.1 step 26).
	{
		name := "none-es256-credential-id-1023"
		r := f.Registration(name, f.Key(name, cose.ES256))
		r.AuthData.CredentialID = f.Bytes("credid/"+name, 1023)
		v := g.regVector("none", name, "none", srcForge+"; none attestation with a 1023-byte credential ID (§7.1 step 25)", r, r.Object("none", forge.Stmt{}))
		v.Expect.AttestationType = "none"
		g.add(v)
	}
	// none: a cross-origin iframe allowed by the policy, with an allowed topOrigin.
	{
		name := "none-es256-crossorigin-allowed"
		r := f.Registration(name, f.Key(name, cose.ES256))
		r.ClientData.CrossOrigin = true
		r.ClientData.TopOrigin = "https://example.com"
		v := g.regVector("none", name, "none", srcForge+"; crossOrigin true and topOrigin allowed (§7.1 steps 10-11)", r, r.Object("none", forge.Stmt{}))
		v.AllowCrossOrigin = true
		v.TopOrigins = []string{"https://example.com"}
		v.Expect.AttestationType = "none"
		g.add(v)
	}
	// none with BE and BS set, user verification required and present.
	{
		name := "none-es256-backed-up-uv-required"
		r := f.Registration(name, f.Key(name, cose.ES256))
		r.AuthData.Flags |= forge.FlagBE | forge.FlagBS
		v := g.regVector("none", name, "none", srcForge+"; BE and BS set, UV set and required (§7.1 steps 16-17)", r, r.Object("none", forge.Stmt{}))
		v.RequireUserVerification = true
		v.Expect.AttestationType = "none"
		g.add(v)
	}

	// compound (§8.9): packed self with none; packed basic with apple.
	{
		name := "compound-packed-self-none"
		r := f.Registration(name, f.Key(name, cose.ES256))
		c := forge.Compound(forge.Entry{Fmt: "packed", AttStmt: r.PackedSelf()}, forge.Entry{Fmt: "none", AttStmt: forge.Stmt{}})
		v := g.regVector("compound", name, "compound", srcForge+"; compound attestation (§8.9) of packed self and none", r, r.Object("compound", c))
		g.add(v)
	}
	{
		name := "compound-packed-basic-apple"
		r := f.Registration(name, f.Key(name, cose.ES256))
		att := f.Key("att/"+name, cose.ES256)
		leaf := f.PackedLeaf(name, att, inter, r.AuthData.AAGUID[:], nil)
		st, _ := r.Apple(f, name, appleCA)
		c := forge.Compound(forge.Entry{Fmt: "packed", AttStmt: r.Packed(att, leaf, inter)}, forge.Entry{Fmt: "apple", AttStmt: st})
		v := g.regVector("compound", name, "compound", srcForge+"; compound attestation (§8.9) of packed basic and apple, both chained to anchors", r, r.Object("compound", c))
		v.TrustAnchors = []string{anchor, appleAnchor}
		g.add(v)
	}
}
