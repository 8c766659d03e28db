package fido_test

// Advisory regressions: signatures (psychic ECDSA, lax PKCS #1 v1.5). The
// class list and helpers are in advisories_test.go.

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/asn1"
	"math/big"
	"testing"

	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/internal/forge"
)

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
