package fido_test

// Advisory regressions: certificate chains (a self-signed root in x5c, an
// expired intermediate, "none" when excluded, a mismatched AAGUID extension).

import (
	"bytes"
	"crypto/x509/pkix"
	"encoding/asn1"
	"strconv"
	"testing"
	"time"

	webauthn "github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/attestation"
	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/internal/forge"
)

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
