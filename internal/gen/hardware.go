package gen

import (
	"crypto/x509"
	"time"

	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/internal/forge"
)

// hardware writes the tpm, android-key and android-safetynet registrations
// and their negative variants.
func (g *generator) hardware() {
	g.tpm()
	g.androidKey()
	g.safetyNet()
}

// tpm (§8.3): RSA and ECC credential keys, an AIK certificate meeting §8.3.1
// chained to the generated TPM root.
func (g *generator) tpm() {
	f := g.f
	root := f.Root("Gen TPM Root", cose.ES384)
	ca := f.Intermediate("Gen TPM CA", cose.RS256, root)
	anchor := g.root("gen-tpm-root", root)
	build := func(name string, credAlg, aikAlg cose.Algorithm, attest func(*forge.TPMAttest), pub func([]byte) []byte, stmt func(forge.Stmt)) (*forge.Registration, []byte) {
		r := f.Registration(name, f.Key(name, credAlg))
		aik := f.Key("aik/"+name, aikAlg)
		leaf := f.Issue("aik/"+name, forge.TPMAIKSpec(r.AuthData.AAGUID[:]), aik, ca)
		var pubArea []byte
		if pub != nil {
			pubArea = pub(forge.TPMPublic(r.Cred.Public()))
		}
		st := r.TPM(aik, pubArea, attest, leaf, ca)
		if stmt != nil {
			stmt(st)
		}
		return r, r.Object("tpm", st)
	}
	for _, c := range []struct {
		name            string
		credAlg, aikAlg cose.Algorithm
	}{
		{"tpm-rsa-rs256", cose.RS256, cose.RS256},
		{"tpm-rsa-ps256", cose.PS256, cose.RS256},
		{"tpm-ecc-es256", cose.ES256, cose.RS256},
		{"tpm-ecc-es384-aik-es256", cose.ES384, cose.ES256},
	} {
		r, obj := build(c.name, c.credAlg, c.aikAlg, nil, nil, nil)
		v := g.regVector("tpm", c.name, "tpm", srcForge+"; tpm attestation (§8.3) with an AIK certificate (§8.3.1) chained to "+anchor, r, obj)
		v.TrustAnchors = []string{anchor}
		v.Expect.AttestationType = "attca"
		g.add(v)
	}
	neg := func(name, reason string, attest func(*forge.TPMAttest), pub func([]byte) []byte, stmt func(forge.Stmt)) {
		r, obj := build(name, cose.ES256, cose.RS256, attest, pub, stmt)
		v := g.regVector("tpm", name, "tpm", srcNeg+reason, r, obj)
		v.TrustAnchors = []string{anchor}
		g.add(fail(v, excNotSupported, reason))
	}
	neg("neg-tpm-bad-magic", "certInfo magic is not TPM_GENERATED_VALUE", func(a *forge.TPMAttest) { a.Magic = 0xff544348 }, nil, nil)
	neg("neg-tpm-extradata-mismatch", "certInfo extraData is not the hash of authData || clientDataHash", func(a *forge.TPMAttest) {
		a.ExtraData = f.Bytes("other-extra", 32)
	}, nil, nil)
	neg("neg-tpm-name-mismatch", "certInfo attested name is not the name of pubArea", func(a *forge.TPMAttest) {
		a.Name = append([]byte{0x00, 0x0b}, f.Bytes("other-name", 32)...)
	}, nil, nil)
	neg("neg-tpm-bad-sig", "tpm sig does not verify with the AIK", nil, nil, func(s forge.Stmt) {
		sig := append([]byte{}, s["sig"].([]byte)...)
		sig[len(sig)/2] ^= 0x01
		s["sig"] = sig
	})
	neg("neg-tpm-ver-1", `tpm ver is "1.2", not "2.0"`, nil, nil, func(s forge.Stmt) { s["ver"] = "1.2" })
	neg("neg-tpm-pubarea-other-key", "pubArea is not the credential public key", nil, func([]byte) []byte {
		return forge.TPMPublic(f.Key("other-tpm-key", cose.ES256).Public())
	}, nil)
}

// androidKey (§8.4): the credential key certified by a leaf with a hardware
// key description, chained to the generated Android root.
func (g *generator) androidKey() {
	f := g.f
	root := f.Root("Gen Android Root", cose.ES256)
	ca := f.Intermediate("Gen Android CA", cose.ES256, root)
	anchor := g.root("gen-android-root", root)
	build := func(name string, alg cose.Algorithm, kd func(*forge.AndroidKeyDescription), signer func(*forge.Key) *forge.Key) (*forge.Registration, []byte) {
		r := f.Registration(name, f.Key(name, alg))
		d := forge.HardwareKeyDescription(r.ClientDataHash())
		if kd != nil {
			kd(d)
		}
		att := r.Cred
		if signer != nil {
			att = signer(r.Cred)
		}
		leaf := f.Issue("android/"+name, forge.AndroidKeyLeafSpec(d), att, ca)
		return r, r.Object("android-key", r.AndroidKey(att, leaf, ca))
	}
	for _, alg := range []cose.Algorithm{cose.ES256, cose.RS256} {
		name := "android-key-" + algName(alg)
		r, obj := build(name, alg, nil, nil)
		v := g.regVector("android-key", name, "android-key", srcForge+"; android-key attestation (§8.4) chained to "+anchor, r, obj)
		v.TrustAnchors = []string{anchor}
		v.Expect.AttestationType = "basic"
		g.add(v)
	}
	neg := func(name, reason string, kd func(*forge.AndroidKeyDescription), signer func(*forge.Key) *forge.Key) {
		r, obj := build(name, cose.ES256, kd, signer)
		v := g.regVector("android-key", name, "android-key", srcNeg+reason, r, obj)
		v.TrustAnchors = []string{anchor}
		g.add(fail(v, excNotSupported, reason))
	}
	neg("neg-android-key-challenge-mismatch", "attestationChallenge is not the clientDataHash", func(d *forge.AndroidKeyDescription) {
		d.Challenge = f.Bytes("other-challenge", 32)
	}, nil)
	neg("neg-android-key-all-applications", "authorization list has allApplications", func(d *forge.AndroidKeyDescription) {
		d.TeeEnforced.AllApplications = true
	}, nil)
	neg("neg-android-key-software-only", "origin and purpose enforced only in software", func(d *forge.AndroidKeyDescription) {
		d.SoftwareEnforced, d.TeeEnforced = d.TeeEnforced, forge.AndroidAuthList{}
	}, nil)
	neg("neg-android-key-imported", "key origin is KM_ORIGIN_IMPORTED, not generated", func(d *forge.AndroidKeyDescription) {
		d.TeeEnforced.Origin = forge.KMOriginImported
	}, nil)
	neg("neg-android-key-other-key", "leaf certifies and signs with a key that is not the credential key", nil, func(*forge.Key) *forge.Key {
		return f.Key("android-other", cose.ES256)
	})
}

// safetyNet (§8.5): a JWS signed by attest.android.com's leaf, timestampMs
// at verifyAt, chained to the generated SafetyNet root.
func (g *generator) safetyNet() {
	f := g.f
	root := f.Root("Gen SafetyNet Root", cose.RS256)
	anchor := g.root("gen-safetynet-root", root)
	build := func(name, host string, edit func(r *forge.Registration, att *forge.Key, leaf *forge.Cert) []byte) (*forge.Registration, []byte) {
		r := f.Registration(name, f.Key(name, cose.ES256))
		att := f.Key("sn/"+name, cose.RS256)
		spec := forge.SafetyNetLeafSpec(host)
		spec.KeyUsage = x509.KeyUsageDigitalSignature
		leaf := f.Issue("sn/"+name, spec, att, root)
		var st forge.Stmt
		if edit == nil {
			st = r.SafetyNet(att, forge.Now, leaf)
		} else {
			st = forge.Stmt{"ver": "14366018", "response": edit(r, att, leaf)}
		}
		return r, r.Object("android-safetynet", st)
	}
	{
		name := "android-safetynet-es256"
		r, obj := build(name, "attest.android.com", nil)
		v := g.regVector("android-safetynet", name, "android-safetynet", srcForge+"; android-safetynet attestation (§8.5), timestampMs at verifyAt, chained to "+anchor, r, obj)
		v.TrustAnchors = []string{anchor}
		v.Expect.AttestationType = "basic"
		g.add(v)
	}
	neg := func(name, host, reason string, edit func(r *forge.Registration, att *forge.Key, leaf *forge.Cert) []byte) {
		r, obj := build(name, host, edit)
		v := g.regVector("android-safetynet", name, "android-safetynet", srcNeg+reason, r, obj)
		v.TrustAnchors = []string{anchor}
		g.add(fail(v, excNotSupported, reason))
	}
	jws := func(nonce func(ad, cdh []byte) string, ts, cts bool) func(r *forge.Registration, att *forge.Key, leaf *forge.Cert) []byte {
		return func(r *forge.Registration, att *forge.Key, leaf *forge.Cert) []byte {
			ad, cdh := r.SignedData()
			t := forge.Now
			if ts {
				t = t.Add(-24 * time.Hour)
			}
			return forge.SafetyNetJWS(att, forge.SafetyNetHeader("RS256", leaf), forge.SafetyNetPayload(nonce(ad, cdh), t, cts))
		}
	}
	neg("neg-android-safetynet-wrong-host", "evil.example.com", "leaf is not issued to attest.android.com", nil)
	neg("neg-android-safetynet-nonce-mismatch", "attest.android.com", "nonce is not base64(SHA-256(authData || clientDataHash))", jws(func(ad, cdh []byte) string {
		return forge.SafetyNetNonce(ad, f.Bytes("other-cdh", 32))
	}, false, true))
	neg("neg-android-safetynet-cts-false", "attest.android.com", "ctsProfileMatch is false", jws(forge.SafetyNetNonce, false, false))
	neg("neg-android-safetynet-stale", "attest.android.com", "timestampMs is a day before verifyAt", jws(forge.SafetyNetNonce, true, true))
	neg("neg-android-safetynet-bad-sig", "attest.android.com", "JWS signature does not verify", func(r *forge.Registration, att *forge.Key, leaf *forge.Cert) []byte {
		b := r.SafetyNet(att, forge.Now, leaf)["response"].([]byte)
		b = append([]byte{}, b...)
		i := len(b) - 10
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return b
	})
}
