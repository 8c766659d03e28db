package gen

import (
	"encoding/base64"
	"strings"
	"time"

	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/internal/forge"
)

const srcNeg = srcForge + "; negative variant: "

// selfReg is the registration most negative variants start from: an ES256
// credential, packed self attestation.
func (g *generator) selfReg(name string) *forge.Registration {
	return g.f.Registration(name, g.f.Key(name, cose.ES256))
}

// negSelf builds a packed-self vector of r (after edit changed the
// registration) that expects exception, then lets post change the vector.
func (g *generator) negSelf(name, exception, reason string, edit func(*forge.Registration), post func(*vector)) {
	r := g.selfReg(name)
	if edit != nil {
		edit(r)
	}
	v := g.regVector("packed", name, "packed", srcNeg+reason, r, r.Object("packed", r.PackedSelf()))
	if post != nil {
		post(v)
	}
	g.add(fail(v, exception, reason))
}

// cborItems concatenates pre-encoded CBOR items.
func cborItems(items ...[]byte) []byte {
	var b []byte
	for _, it := range items {
		b = append(b, it...)
	}
	return b
}

// negatives writes the negative registration variants; each breaks one check.
func (g *generator) negatives() {
	f := g.f
	m := forge.Marshal

	// --- response JSON and base64url (§7.1 step 3; SCHEMA.md base64url rule).
	g.negSelf("neg-b64-std-alphabet", excInvalid, "attestationObject in the standard base64 alphabet (+ and /)", nil, func(v *vector) {
		rr := v.reg()
		raw, _ := base64.RawURLEncoding.DecodeString(rr.Response.AttestationObject)
		s := base64.RawStdEncoding.EncodeToString(raw)
		if !strings.ContainsAny(s, "+/") {
			panic("gen: std-alphabet variant has no + or /")
		}
		rr.Response.AttestationObject = s
	})
	g.negSelf("neg-b64-whitespace-space", excInvalid, "clientDataJSON base64url with a space inside", nil, func(v *vector) {
		s := v.reg().Response.ClientDataJSON
		v.reg().Response.ClientDataJSON = s[:20] + " " + s[20:]
	})
	g.negSelf("neg-b64-whitespace-newline", excInvalid, "attestationObject base64url with a line break inside", nil, func(v *vector) {
		s := v.reg().Response.AttestationObject
		v.reg().Response.AttestationObject = s[:64] + "\n" + s[64:]
	})
	g.negSelf("neg-b64-nonzero-unused-bits", excInvalid, "id and rawId base64url whose last character has non-zero unused bits", nil, func(v *vector) {
		rr := v.reg()
		rr.ID = nonCanonical(rr.ID)
		rr.RawID = rr.ID
	})
	// Padded base64url is accepted (SCHEMA.md): a positive vector.
	{
		name := "b64-padded-ok"
		r := g.selfReg(name)
		v := g.regVector("packed", name, "packed", srcForge+"; every binary member base64url with = padding, which SCHEMA.md accepts", r, r.Object("packed", r.PackedSelf()))
		rr := v.reg()
		for _, p := range []*string{&rr.ID, &rr.RawID, &rr.Response.ClientDataJSON, &rr.Response.AttestationObject} {
			raw, _ := base64.RawURLEncoding.DecodeString(*p)
			*p = base64.URLEncoding.EncodeToString(raw)
		}
		if !strings.HasSuffix(rr.ID, "=") {
			panic("gen: padded variant has no padding")
		}
		v.Expect.AttestationType = "self"
		g.add(v)
	}
	g.negSelf("neg-id-rawid-mismatch", excInvalid, "id is not rawId", nil, func(v *vector) {
		v.reg().ID = b64(f.Bytes("other-id", 16))
	})
	g.negSelf("neg-rawid-credential-id-mismatch", excInvalid, "id and rawId agree but differ from the attested credential ID", nil, func(v *vector) {
		id := b64(f.Bytes("other-id", 16))
		v.reg().ID, v.reg().RawID = id, id
	})
	g.negSelf("neg-type-not-public-key", excInvalid, `credential type is "password", not "public-key"`, nil, func(v *vector) {
		v.reg().Type = "password"
	})

	// --- clientDataJSON (§7.1 steps 7-11).
	g.negSelf("neg-clientdata-type-get", excInvalid, "clientData type is webauthn.get in a registration", func(r *forge.Registration) {
		r.ClientData.Type = "webauthn.get"
	}, nil)
	g.negSelf("neg-challenge-mismatch", excChallenge, "clientData challenge is not the challenge issued", nil, func(v *vector) {
		v.Challenge = b64(f.Bytes("other-challenge", 32))
	})
	for _, c := range []struct{ name, origin, what string }{
		{"neg-origin-other-scheme", "http://example.org", "scheme"},
		{"neg-origin-other-port", "https://example.org:8443", "port"},
		{"neg-origin-other-host", "https://login.example.org", "host"},
	} {
		o := c.origin
		g.negSelf(c.name, excOrigin, "clientData origin "+o+" differs from https://example.org in its "+c.what, func(r *forge.Registration) {
			r.ClientData.Origin = o
		}, nil)
	}
	g.negSelf("neg-crossorigin-not-allowed", excOrigin, "clientData crossOrigin is true and the policy does not allow cross-origin", func(r *forge.Registration) {
		r.ClientData.CrossOrigin = true
	}, nil)
	g.negSelf("neg-toporigin-not-allowed", excOrigin, "clientData topOrigin is not one of topOrigins", func(r *forge.Registration) {
		r.ClientData.CrossOrigin = true
		r.ClientData.TopOrigin = "https://evil.example"
	}, func(v *vector) {
		v.AllowCrossOrigin = true
		v.TopOrigins = []string{"https://example.com"}
	})
	g.negSelf("neg-toporigin-cross-origin-disallowed", excOrigin, "clientData has a topOrigin (crossOrigin false) and the policy does not allow cross-origin", func(r *forge.Registration) {
		r.ClientData.TopOrigin = "https://example.com"
	}, func(v *vector) {
		v.TopOrigins = []string{"https://example.com"}
	})

	// --- authenticator data (§7.1 steps 13-17, 25).
	g.negSelf("neg-rpidhash-mismatch", excRPMismatch, "rpIdHash is SHA-256 of example.com, not of the RP ID", func(r *forge.Registration) {
		r.AuthData.RPID = "example.com"
	}, nil)
	g.negSelf("neg-up-clear", excNotSupported, "UP flag clear", func(r *forge.Registration) {
		r.AuthData.Flags = forge.FlagUV
	}, nil)
	g.negSelf("neg-uv-required-clear", excNotSupported, "user verification required and the UV flag is clear", func(r *forge.Registration) {
		r.AuthData.Flags = forge.FlagUP
	}, func(v *vector) { v.RequireUserVerification = true })
	g.negSelf("neg-bs-without-be", excInvalid, "BS flag set without BE", func(r *forge.Registration) {
		r.AuthData.Flags |= forge.FlagBS
	}, nil)
	g.negSelf("neg-at-without-data", excInvalid, "AT flag set and no attested credential data", func(r *forge.Registration) {
		r.AuthData.ExactFlags = true
		r.AuthData.Flags = forge.FlagUP | forge.FlagUV | forge.FlagAT
		r.AuthData.CredentialKey = nil
	}, nil)
	g.negSelf("neg-data-without-at", excInvalid, "attested credential data present and the AT flag clear (trailing bytes)", func(r *forge.Registration) {
		r.AuthData.ExactFlags = true
		r.AuthData.Flags = forge.FlagUP | forge.FlagUV
	}, nil)
	g.negSelf("neg-ed-without-extensions", excInvalid, "ED flag set and no extension data", func(r *forge.Registration) {
		r.AuthData.ExactFlags = true
		r.AuthData.Flags = forge.FlagUP | forge.FlagUV | forge.FlagAT | forge.FlagED
	}, nil)
	g.negSelf("neg-credential-id-1024", excInvalid, "credential ID of 1024 bytes, over the 1023-byte limit", func(r *forge.Registration) {
		r.AuthData.CredentialID = f.Bytes("credid/neg-credential-id-1024", 1024)
	}, nil)

	// --- credential algorithm (§7.1 step 20).
	{
		name := "neg-alg-not-allowed"
		r := f.Registration(name, f.Key(name, cose.RS256))
		v := g.regVector("packed", name, "packed", srcNeg+"RS256 credential, algorithms lists ES256 and EdDSA only", r, r.Object("packed", r.PackedSelf()))
		v.Algorithms = []int64{int64(cose.ES256), int64(cose.EdDSA)}
		g.add(fail(v, excNotSupported, "credential algorithm RS256 is not in algorithms"))
	}

	// --- fmt (§7.1 step 21).
	for _, c := range []struct{ name, fmtName, reason string }{
		{"neg-fmt-unknown", "x-unknown", "attestation format x-unknown is not a registered format"},
		{"neg-fmt-wrong-case", "Packed", `attestation format "Packed" (formats are case-sensitive)`},
	} {
		r := g.selfReg(c.name)
		v := g.regVector("packed", c.name, c.fmtName, srcNeg+c.reason, r, r.Object(c.fmtName, r.PackedSelf()))
		g.add(fail(v, excNotSupported, c.reason))
	}
	{
		name := "neg-none-with-members"
		r := g.selfReg(name)
		v := g.regVector("none", name, "none", srcNeg+"none statement that is not empty", r, r.Object("none", forge.Stmt{"alg": int64(cose.ES256)}))
		g.add(fail(v, excNotSupported, "none attestation statement has members"))
	}

	// --- packed statement (§8.2).
	g.negPacked("neg-packed-bad-sig", "packed self signature does not verify", func(s forge.Stmt) {
		sig := append([]byte{}, s["sig"].([]byte)...)
		sig[len(sig)-1] ^= 0x01
		s["sig"] = sig
	})
	g.negPacked("neg-packed-missing-sig", "packed statement without sig", func(s forge.Stmt) { delete(s, "sig") })
	g.negPacked("neg-packed-alg-mismatch", "packed self alg (-257) is not the credential key's algorithm (-7)", func(s forge.Stmt) {
		s["alg"] = int64(cose.RS256)
	})
	g.negPacked("neg-packed-ecdaakeyid", "packed statement with ecdaaKeyId (ECDAA was removed from the spec)", func(s forge.Stmt) {
		s["ecdaaKeyId"] = f.Bytes("ecdaa", 32)
	})
	g.negPacked("neg-packed-sig-text", "packed sig is a text string, not a byte string", func(s forge.Stmt) {
		s["sig"] = b64(s["sig"].([]byte))
	})

	_, inter, anchor := g.packedCA()
	basic := func(name, reason, exc string, build func(r *forge.Registration, att *forge.Key) forge.Stmt, post func(*vector)) {
		r := g.selfReg(name)
		att := f.Key("att/"+name, cose.ES256)
		v := g.regVector("packed", name, "packed", srcNeg+reason, r, r.Object("packed", build(r, att)))
		v.TrustAnchors = []string{anchor}
		if post != nil {
			post(v)
		}
		g.add(fail(v, exc, reason))
	}
	basic("neg-packed-x5c-element-not-bytes", "packed x5c element is a text string", excNotSupported, func(r *forge.Registration, att *forge.Key) forge.Stmt {
		leaf := f.PackedLeaf("neg-packed-x5c-element-not-bytes", att, inter, r.AuthData.AAGUID[:], nil)
		s := r.Packed(att, leaf, inter)
		s["x5c"] = []any{leaf.DER, base64.StdEncoding.EncodeToString(inter.DER)}
		return s
	}, nil)
	basic("neg-packed-x5c-empty", "packed x5c is an empty array", excNotSupported, func(r *forge.Registration, att *forge.Key) forge.Stmt {
		s := r.Packed(att)
		s["x5c"] = []any{}
		return s
	}, nil)
	basic("neg-packed-basic-bad-sig", "packed basic signature does not verify with the leaf key", excNotSupported, func(r *forge.Registration, att *forge.Key) forge.Stmt {
		leaf := f.PackedLeaf("neg-packed-basic-bad-sig", att, inter, r.AuthData.AAGUID[:], nil)
		s := r.Packed(f.Key("att/other", cose.ES256), leaf, inter)
		return s
	}, nil)
	basic("neg-packed-aaguid-mismatch", "packed leaf id-fido-gen-ce-aaguid differs from the authData AAGUID", excNotSupported, func(r *forge.Registration, att *forge.Key) forge.Stmt {
		other := f.AAGUID("other")
		leaf := f.PackedLeaf("neg-packed-aaguid-mismatch", att, inter, other[:], nil)
		return r.Packed(att, leaf, inter)
	}, nil)
	basic("neg-packed-leaf-expired", "packed leaf expired before verifyAt", excNotSupported, func(r *forge.Registration, att *forge.Key) forge.Stmt {
		leaf := f.PackedLeaf("neg-packed-leaf-expired", att, inter, r.AuthData.AAGUID[:], func(s *forge.CertSpec) {
			s.NotAfter = forge.Epoch.Add(180 * 24 * time.Hour)
		})
		return r.Packed(att, leaf, inter)
	}, nil)
	basic("neg-packed-leaf-not-yet-valid", "packed leaf not valid until after verifyAt", excNotSupported, func(r *forge.Registration, att *forge.Key) forge.Stmt {
		leaf := f.PackedLeaf("neg-packed-leaf-not-yet-valid", att, inter, r.AuthData.AAGUID[:], func(s *forge.CertSpec) {
			s.NotBefore = forge.Now.Add(24 * time.Hour)
		})
		return r.Packed(att, leaf, inter)
	}, nil)
	basic("neg-packed-untrusted-root", "packed chain ends at a self-signed root carried in x5c that is not a trust anchor", excNotSupported, func(r *forge.Registration, att *forge.Key) forge.Stmt {
		rogue := f.Root("Gen Rogue Root", cose.ES256)
		leaf := f.PackedLeaf("neg-packed-untrusted-root", att, rogue, r.AuthData.AAGUID[:], nil)
		return r.Packed(att, leaf, rogue)
	}, nil)
	basic("neg-packed-leaf-ca-true", "packed leaf has basicConstraints cA=TRUE", excNotSupported, func(r *forge.Registration, att *forge.Key) forge.Stmt {
		leaf := f.PackedLeaf("neg-packed-leaf-ca-true", att, inter, r.AuthData.AAGUID[:], func(s *forge.CertSpec) { s.CA = true })
		return r.Packed(att, leaf, inter)
	}, nil)
	basic("neg-packed-leaf-wrong-ou", "packed leaf subject OU is not \"Authenticator Attestation\"", excNotSupported, func(r *forge.Registration, att *forge.Key) forge.Stmt {
		leaf := f.PackedLeaf("neg-packed-leaf-wrong-ou", att, inter, r.AuthData.AAGUID[:], func(s *forge.CertSpec) {
			s.Subject.OrganizationalUnit = []string{"Engineering"}
		})
		return r.Packed(att, leaf, inter)
	}, nil)

	// --- attestation object CBOR (§6.5.4; InvalidParameterException).
	{
		r := g.selfReg("cbor")
		ad := r.AuthDataBytes()
		st := r.PackedSelf()
		fmtK, fmtV := m("fmt"), m("packed")
		attK, attV := m("attStmt"), m(map[string]any(st))
		adK, adV := m("authData"), m(ad)
		half := len(ad) / 2
		objs := []struct {
			name, reason string
			obj          []byte
		}{
			{"neg-cbor-duplicate-key", "attestationObject map has fmt twice",
				cborItems([]byte{0xa4}, fmtK, fmtV, fmtK, fmtV, attK, attV, adK, adV)},
			{"neg-cbor-duplicate-key-attstmt", "attStmt map has alg twice",
				cborItems([]byte{0xa3}, fmtK, fmtV, attK, []byte{0xa3}, m("alg"), m(int64(-7)), m("alg"), m(int64(-7)), m("sig"), m(st["sig"]), adK, adV)},
			{"neg-cbor-indefinite-map", "attestationObject is an indefinite-length map",
				cborItems([]byte{0xbf}, fmtK, fmtV, attK, attV, adK, adV, []byte{0xff})},
			{"neg-cbor-indefinite-bytes", "authData is an indefinite-length byte string",
				cborItems([]byte{0xa3}, fmtK, fmtV, attK, attV, adK, []byte{0x5f}, m(ad[:half]), m(ad[half:]), []byte{0xff})},
			{"neg-cbor-trailing-bytes", "a byte after the attestationObject",
				cborItems(r.Object("packed", st), []byte{0x00})},
			{"neg-cbor-truncated", "attestationObject missing its last byte",
				func() []byte { o := r.Object("packed", st); return o[:len(o)-1] }()},
		}
		for _, o := range objs {
			v := g.regVector("packed", o.name, "packed", srcNeg+o.reason, r, o.obj)
			g.add(fail(v, excInvalid, o.reason))
		}
	}

	// --- fido-u2f (§8.6).
	u2fRoot := f.Root("Gen U2F Root", cose.ES256)
	u2fAnchor := g.root("gen-u2f-root", u2fRoot)
	u2f := func(name, reason string, alg cose.Algorithm, build func(r *forge.Registration, leaf *forge.Cert) forge.Stmt) {
		r := f.U2FRegistration(name, f.Key(name, alg))
		leaf := f.U2FLeaf(name, f.Key("att/"+name, cose.ES256), u2fRoot)
		v := g.regVector("fido-u2f", name, "fido-u2f", srcNeg+reason, r, r.Object("fido-u2f", build(r, leaf)))
		v.TrustAnchors = []string{u2fAnchor}
		g.add(fail(v, excNotSupported, reason))
	}
	u2f("neg-fido-u2f-two-certs", "fido-u2f x5c has two certificates", cose.ES256, func(r *forge.Registration, leaf *forge.Cert) forge.Stmt {
		return r.FIDOU2F(leaf.Key, leaf, u2fRoot)
	})
	u2f("neg-fido-u2f-bad-sig", "fido-u2f signature does not verify", cose.ES256, func(r *forge.Registration, leaf *forge.Cert) forge.Stmt {
		s := r.FIDOU2F(leaf.Key, leaf)
		sig := append([]byte{}, s["sig"].([]byte)...)
		sig[len(sig)-1] ^= 0x01
		s["sig"] = sig
		return s
	})
	u2f("neg-fido-u2f-p384-credential", "fido-u2f credential key is P-384, not P-256", cose.ES384, func(r *forge.Registration, leaf *forge.Cert) forge.Stmt {
		return r.FIDOU2F(leaf.Key, leaf)
	})

	// --- apple (§8.8).
	appleRoot := f.Root("Gen Apple Root", cose.ES384)
	appleCA := f.Intermediate("Gen Apple CA", cose.ES384, appleRoot)
	appleAnchor := g.root("gen-apple-root", appleRoot)
	apple := func(name, reason string, build func(r *forge.Registration) forge.Stmt) {
		r := g.selfReg(name)
		v := g.regVector("apple", name, "apple", srcNeg+reason, r, r.Object("apple", build(r)))
		v.TrustAnchors = []string{appleAnchor}
		g.add(fail(v, excNotSupported, reason))
	}
	apple("neg-apple-nonce-mismatch", "apple credCert nonce is not SHA-256(authData || clientDataHash)", func(r *forge.Registration) forge.Stmt {
		leaf := f.AppleCredCert("neg-apple-nonce-mismatch", r.Cred, appleCA, f.Bytes("other-nonce", 32), nil)
		return forge.Stmt{"x5c": forge.X5C(leaf, appleCA)}
	})
	apple("neg-apple-key-mismatch", "apple credCert public key is not the credential public key", func(r *forge.Registration) forge.Stmt {
		ad, cdh := r.SignedData()
		leaf := f.AppleCredCert("neg-apple-key-mismatch", f.Key("other-cred", cose.ES256), appleCA, forge.AppleNonce(ad, cdh), nil)
		return forge.Stmt{"x5c": forge.X5C(leaf, appleCA)}
	})

	// --- compound (§8.9).
	{
		name := "neg-compound-bad-member"
		r := g.selfReg(name)
		bad := r.PackedSelf()
		sig := append([]byte{}, bad["sig"].([]byte)...)
		sig[len(sig)-1] ^= 0x01
		bad["sig"] = sig
		c := forge.Compound(forge.Entry{Fmt: "none", AttStmt: forge.Stmt{}}, forge.Entry{Fmt: "packed", AttStmt: bad})
		v := g.regVector("compound", name, "compound", srcNeg+"compound whose packed member has a bad signature", r, r.Object("compound", c))
		g.add(fail(v, excNotSupported, "compound member packed signature does not verify"))
	}
}

// negPacked builds a packed-self vector whose statement edit changed.
func (g *generator) negPacked(name, reason string, edit func(forge.Stmt)) {
	r := g.selfReg(name)
	s := r.PackedSelf()
	edit(s)
	v := g.regVector("packed", name, "packed", srcNeg+reason, r, r.Object("packed", s))
	g.add(fail(v, excNotSupported, reason))
}

// nonCanonical sets an unused bit in the last character of an unpadded
// base64url string whose length leaves unused bits.
func nonCanonical(s string) string {
	const alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	if len(s)%4 == 0 {
		panic("gen: no unused bits")
	}
	i := strings.IndexByte(alpha, s[len(s)-1])
	return s[:len(s)-1] + string(alpha[i|1])
}
