package cosesig

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"path/filepath"
	"testing"

	fxcbor "github.com/fxamacker/cbor/v2"

	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/internal/testenv"
	"github.com/passkeykit/webauthn/internal/vectors"
)

func mustKey(t testing.TB, m map[int]any) *cose.Key {
	t.Helper()
	b, err := fxcbor.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	k := new(cose.Key)
	if err := cose.ParseKey(b, k); err != nil {
		t.Fatal(err)
	}
	return k
}

// assertion is one authentication vector: key, signature and signed pieces.
type assertion struct {
	name           string
	key            cose.Key
	sig            []byte
	authData, hash []byte
}

func assertions(tb testing.TB) []assertion {
	var out []assertion
	for _, v := range testenv.Vectors(tb) {
		if v.Ceremony != "authentication" || !v.Expect.OK {
			continue
		}
		a := assertion{name: filepath.Base(v.Path), sig: v.Signature(), authData: v.AuthenticatorData()}
		h := sha256.Sum256(v.ClientDataJSON())
		a.hash = h[:]
		if err := cose.ParseKey(vectors.B64(v.CredentialPublicKey), &a.key); err != nil {
			tb.Fatalf("%s: %v", a.name, err)
		}
		out = append(out, a)
	}
	if len(out) == 0 {
		tb.Fatal("no authentication vectors")
	}
	return out
}

// TestVectorAssertions verifies every successful authentication vector's
// signature over authenticatorData ‖ SHA-256(clientDataJSON) (§7.2 step 21).
func TestVectorAssertions(t *testing.T) {
	for _, a := range assertions(t) {
		if err := Verify(a.key.Alg, &a.key, a.sig, a.authData, a.hash); err != nil {
			t.Errorf("%s (%v): %v", a.name, a.key.Alg, err)
		}
		bad := append([]byte(nil), a.authData...)
		bad[len(bad)-1] ^= 1
		if err := Verify(a.key.Alg, &a.key, a.sig, bad, a.hash); err != ErrSignature {
			t.Errorf("%s: tampered authData: %v", a.name, err)
		}
		pub, err := PublicKey(&a.key)
		if err != nil {
			t.Fatal(err)
		}
		if err := VerifyPublicKey(a.key.Alg, pub, a.sig, a.authData, a.hash); err != nil {
			t.Errorf("%s: VerifyPublicKey: %v", a.name, err)
		}
		if !Equal(&a.key, pub) {
			t.Errorf("%s: key not Equal to its own PublicKey", a.name)
		}
	}
}

func TestAlgorithmPairs(t *testing.T) {
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pt, _ := priv.PublicKey.Bytes()
	msg := []byte("data")
	h := sha256.Sum256(msg)
	sig, _ := ecdsa.SignASN1(rand.Reader, priv, h[:])
	for _, keyAlg := range []cose.Algorithm{cose.ES256, cose.ESP256} {
		k := mustKey(t, map[int]any{1: 2, 3: int(keyAlg), -1: 1, -2: pt[1:33], -3: pt[33:]})
		for _, alg := range []cose.Algorithm{cose.ES256, cose.ESP256} {
			if err := Verify(alg, k, sig, msg); err != nil {
				t.Errorf("key %v, alg %v: %v", keyAlg, alg, err)
			}
		}
		for _, alg := range []cose.Algorithm{cose.ES384, cose.ESP384, cose.ES512, cose.EdDSA, cose.RS256, cose.PS256} {
			if err := Verify(alg, k, sig, msg); err != ErrAlgorithmMismatch {
				t.Errorf("key %v, alg %v: %v", keyAlg, alg, err)
			}
		}
		if !Equal(k, &priv.PublicKey) || Equal(k, priv.Public().(*ecdsa.PublicKey).Curve) {
			t.Error("Equal")
		}
	}
	if err := VerifyPublicKey(cose.ES384, &priv.PublicKey, sig, msg); err != ErrAlgorithmMismatch {
		t.Errorf("P-256 key as ES384: %v", err)
	}

	edPub, edPriv, _ := ed25519.GenerateKey(rand.Reader)
	edSig := ed25519.Sign(edPriv, msg)
	for _, keyAlg := range []cose.Algorithm{cose.EdDSA, cose.Ed25519} {
		k := mustKey(t, map[int]any{1: 1, 3: int(keyAlg), -1: 6, -2: []byte(edPub)})
		for _, alg := range []cose.Algorithm{cose.EdDSA, cose.Ed25519} {
			if err := Verify(alg, k, edSig, msg); err != nil {
				t.Errorf("key %v, alg %v: %v", keyAlg, alg, err)
			}
		}
		if err := Verify(cose.Ed448, k, edSig, msg); err != ErrAlgorithmMismatch {
			t.Errorf("Ed448 on Ed25519 key: %v", err)
		}
		if !Equal(k, edPub) {
			t.Error("Equal ed25519")
		}
	}
	if err := VerifyPublicKey(cose.Ed448, edPub, edSig, msg); err != ErrAlgorithmMismatch {
		t.Errorf("Ed448 with ed25519 key: %v", err)
	}
}

func TestRS1(t *testing.T) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("certInfo")
	h := sha1.Sum(msg)
	sig, _ := rsa.SignPKCS1v15(rand.Reader, priv, crypto.SHA1, h[:])
	k := mustKey(t, map[int]any{1: 3, 3: int(cose.RS1), -1: priv.N.Bytes(), -2: []byte{1, 0, 1}})
	if err := Verify(cose.RS1, k, sig, msg); err != ErrRS1 {
		t.Errorf("Verify RS1: %v", err)
	}
	if err := VerifyPublicKey(cose.RS1, &priv.PublicKey, sig, msg); err != ErrRS1 {
		t.Errorf("VerifyPublicKey RS1: %v", err)
	}
	if err := VerifyAllowingRS1(cose.RS1, k, sig, msg[:3], msg[3:]); err != nil {
		t.Errorf("VerifyAllowingRS1: %v", err)
	}
	if err := VerifyPublicKeyAllowingRS1(cose.RS1, &priv.PublicKey, sig, msg); err != nil {
		t.Errorf("VerifyPublicKeyAllowingRS1: %v", err)
	}
	if err := VerifyAllowingRS1(cose.RS256, k, sig, msg); err != ErrAlgorithmMismatch {
		t.Errorf("RS256 on an RS1 key: %v", err)
	}
	if !Equal(k, &priv.PublicKey) || !k.EqualRSA(priv.N.Bytes(), uint32(priv.E)) {
		t.Error("Equal RSA")
	}
	// Certificate keys obey the same size policy as credential keys.
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	if err := VerifyPublicKey(cose.RS256, &small.PublicKey, sig, msg); err != cose.ErrRSAKeySize {
		t.Errorf("1024-bit certificate key: %v", err)
	}
	// PSS with a salt other than the hash length is rejected.
	h256 := sha256.Sum256(msg)
	pss, _ := rsa.SignPSS(rand.Reader, priv, crypto.SHA256, h256[:], &rsa.PSSOptions{SaltLength: 20})
	kp := mustKey(t, map[int]any{1: 3, 3: int(cose.PS256), -1: priv.N.Bytes(), -2: []byte{1, 0, 1}})
	if err := Verify(cose.PS256, kp, pss, msg); err != ErrSignature {
		t.Errorf("PSS salt 20: %v", err)
	}
	pss, _ = rsa.SignPSS(rand.Reader, priv, crypto.SHA256, h256[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	if err := Verify(cose.PS256, kp, pss, msg); err != nil {
		t.Errorf("PSS salt 32: %v", err)
	}
}

func TestInvalidInputs(t *testing.T) {
	if err := Verify(cose.ES256, &cose.Key{}, nil); err != ErrInvalidKey {
		t.Errorf("zero key: %v", err)
	}
	if err := Verify(cose.ES256, nil, nil); err != ErrInvalidKey {
		t.Errorf("nil key: %v", err)
	}
	if _, err := PublicKey(&cose.Key{}); err != ErrInvalidKey {
		t.Errorf("PublicKey zero: %v", err)
	}
	if Equal(&cose.Key{}, nil) {
		t.Error("Equal nil")
	}
	if err := VerifyPublicKey(cose.Algorithm(-47), nil, nil); err != ErrUnsupportedAlgorithm {
		t.Errorf("ES256K: %v", err)
	}
	if err := VerifyPublicKey(cose.RS256, "not a key", nil); err != ErrAlgorithmMismatch {
		t.Errorf("string key: %v", err)
	}
}

func TestVerifyEd25519Allocations(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	ad, h := make([]byte, 37), make([]byte, 32)
	sig := ed25519.Sign(priv, append(append([]byte(nil), ad...), h...))
	k := mustKey(t, map[int]any{1: 1, 3: -8, -1: 6, -2: []byte(pub)})
	if a := testing.AllocsPerRun(50, func() {
		if err := Verify(cose.EdDSA, k, sig, ad, h); err != nil {
			t.Fatal(err)
		}
	}); a != 0 {
		t.Errorf("Ed25519 Verify with a %d-byte message allocates %v times", len(ad)+len(h), a)
	}
}

func BenchmarkVerify(b *testing.B) {
	seen := map[cose.Algorithm]bool{}
	for _, a := range assertions(b) {
		if seen[a.key.Alg] {
			continue
		}
		seen[a.key.Alg] = true
		b.Run(a.key.Alg.String(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := Verify(a.key.Alg, &a.key, a.sig, a.authData, a.hash); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// The stdlib's own cost, for comparison with BenchmarkVerify.
func BenchmarkStdlibECDSAVerify(b *testing.B) {
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	h := sha256.Sum256([]byte("data"))
	sig, _ := ecdsa.SignASN1(rand.Reader, priv, h[:])
	b.ReportAllocs()
	for b.Loop() {
		ecdsa.VerifyASN1(&priv.PublicKey, h[:], sig)
	}
}

func BenchmarkStdlibECDSAParseUncompressed(b *testing.B) {
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pt, _ := priv.PublicKey.Bytes()
	b.ReportAllocs()
	for b.Loop() {
		ecdsa.ParseUncompressedPublicKey(elliptic.P256(), pt)
	}
}

func BenchmarkStdlibRSAVerifyPKCS1v15(b *testing.B) {
	priv, _ := rsa.GenerateKey(rand.Reader, 2048)
	h := sha256.Sum256([]byte("data"))
	sig, _ := rsa.SignPKCS1v15(rand.Reader, priv, crypto.SHA256, h[:])
	b.ReportAllocs()
	for b.Loop() {
		rsa.VerifyPKCS1v15(&priv.PublicKey, crypto.SHA256, h[:], sig)
	}
}

func BenchmarkStdlibEd25519Verify(b *testing.B) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	msg := make([]byte, 69)
	sig := ed25519.Sign(priv, msg)
	b.ReportAllocs()
	for b.Loop() {
		ed25519.Verify(pub, msg, sig)
	}
}
