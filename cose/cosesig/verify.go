// Package cosesig verifies WebAuthn signatures (W3C WebAuthn L3 §6.3.3,
// §7.1 step 22, §7.2 step 21, §8) with a COSE algorithm: over a credential
// public key parsed by cose.ParseKey, or over a key taken from an attestation
// certificate.
//
// It is apart from package cose because the crypto packages it needs
// (crypto/ecdsa, crypto/rsa, crypto/ed25519, circl) import fmt and reflect
// through math/big, and the parse side must not.
//
// Signature formats: ECDSA signatures are ASN.1 DER Ecdsa-Sig-Value as WebAuthn
// sends them (§6.5.5), verified with crypto/ecdsa.VerifyASN1, which rejects
// BER, non-minimal integers and trailing bytes. RS256/384/512 and RS1 are
// RSASSA-PKCS1-v1_5 (RFC 8017 §8.2, RFC 8812) with the DigestInfo NULL
// parameter required. PS256/384/512 are RSASSA-PSS with MGF1 of the same hash
// and a salt length equal to the hash length exactly, as RFC 8230 §2
// specifies; PSSSaltLengthAuto is not accepted. EdDSA, Ed25519 and Ed448 are
// pure EdDSA (RFC 8032) with an empty context; ML-DSA-44/65/87 are pure
// ML-DSA (FIPS 204 §5.3) with an empty context.
package cosesig

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"math/big"

	"github.com/passkeykit/webauthn/cose"
)

var (
	// ErrSignature is returned when a signature does not verify.
	ErrSignature = errors.New("cosesig: signature verification failed")
	// ErrAlgorithmMismatch is returned when the algorithm does not fit the key.
	ErrAlgorithmMismatch = errors.New("cosesig: algorithm does not match the key")
	// ErrUnsupportedAlgorithm is returned for an algorithm this package does not verify.
	ErrUnsupportedAlgorithm = errors.New("cosesig: unsupported algorithm")
	// ErrRS1 is returned when RS1 (SHA-1) is used outside the functions that allow it.
	ErrRS1 = errors.New("cosesig: RS1 (SHA-1) is allowed only for TPM attestation")
	// ErrInvalidKey is returned for a key that cose.ParseKey did not produce or
	// that crypto refuses.
	ErrInvalidKey = errors.New("cosesig: invalid public key")
)

// MaxStackMessage is the largest message that pure EdDSA and ML-DSA
// verification assemble in a stack buffer; larger ones cost one allocation.
// An assertion's signed data (authenticatorData of 37 bytes plus extensions,
// and the 32-byte clientDataHash) fits easily; registration authData with an
// RSA or ML-DSA credential key may not.
const MaxStackMessage = 1024

// Verify checks sig over the concatenation of data with the credential public
// key k (W3C WebAuthn L3 §7.2 step 21: data is authenticatorData and the
// clientDataHash; §8.2 self attestation). The pieces are hashed in order,
// never concatenated, for ECDSA and RSA.
//
// alg must equal k.Alg, except that a polymorphic identifier and its
// fully-specified counterpart (RFC 9864) are interchangeable for a key whose
// curve cose.ParseKey has already bound: ES256 ⇔ ESP256, ES384 ⇔ ESP384 and
// ES512 ⇔ ESP512 on EC2 keys, EdDSA ⇔ Ed25519 on Ed25519 keys and EdDSA ⇔
// Ed448 on Ed448 keys. Each pair names one and the same operation on that
// key. Callers that must compare identifiers literally (packed self
// attestation, §8.2 step "alg matches") do so themselves.
//
// Verify rejects RS1 (ErrRS1): use VerifyAllowingRS1 for TPM attestation.
// It converts k on every call; KeyCache.Verify converts each key once.
func Verify(alg cose.Algorithm, k *cose.Key, sig []byte, data ...[]byte) error {
	return verifyKey(nil, alg, k, sig, data, false)
}

// VerifyAllowingRS1 is Verify that also accepts RS1 (RSASSA-PKCS1-v1_5 with
// SHA-1). Use it only for TPM attestation statements (W3C WebAuthn L3 §8.3),
// where TPM 1.2-era platforms still sign with SHA-1.
func VerifyAllowingRS1(alg cose.Algorithm, k *cose.Key, sig []byte, data ...[]byte) error {
	return verifyKey(nil, alg, k, sig, data, true)
}

// VerifyPublicKey checks sig over the concatenation of data with a key from a
// certificate (the x5c leaf of packed, tpm, android-key, apple...): an
// *ecdsa.PublicKey on the curve alg names, an *rsa.PublicKey of
// cose.MinRSABits to cose.MaxRSABits bits, an ed25519.PublicKey or
// ed448.PublicKey, or an ML-DSA *mldsaNN.PublicKey. Anything else is
// ErrAlgorithmMismatch. RS1 is rejected (ErrRS1).
func VerifyPublicKey(alg cose.Algorithm, pub crypto.PublicKey, sig []byte, data ...[]byte) error {
	return verifyPub(alg, pub, sig, data, false)
}

// VerifyPublicKeyAllowingRS1 is VerifyPublicKey that also accepts RS1, for
// the TPM attestation statement's aikCert signature (W3C WebAuthn L3 §8.3) only.
func VerifyPublicKeyAllowingRS1(alg cose.Algorithm, pub crypto.PublicKey, sig []byte, data ...[]byte) error {
	return verifyPub(alg, pub, sig, data, true)
}

// sameAlg reports whether alg may verify with a key whose algorithm is keyAlg
// on curve c (see Verify).
func sameAlg(alg, keyAlg cose.Algorithm, c cose.Curve) bool {
	if alg == keyAlg {
		return true
	}
	switch {
	case alg == cose.ES256 && keyAlg == cose.ESP256, alg == cose.ESP256 && keyAlg == cose.ES256,
		alg == cose.ES384 && keyAlg == cose.ESP384, alg == cose.ESP384 && keyAlg == cose.ES384,
		alg == cose.ES512 && keyAlg == cose.ESP512, alg == cose.ESP512 && keyAlg == cose.ES512:
		return true
	case alg == cose.EdDSA && keyAlg == cose.Ed25519, alg == cose.Ed25519 && keyAlg == cose.EdDSA:
		return c == cose.CurveEd25519
	case alg == cose.EdDSA && keyAlg == cose.Ed448, alg == cose.Ed448 && keyAlg == cose.EdDSA:
		return c == cose.CurveEd448
	}
	return false
}

// verifyKey verifies with k, converted through c when c is not nil.
func verifyKey(c *KeyCache, alg cose.Algorithm, k *cose.Key, sig []byte, data [][]byte, allowRS1 bool) error {
	if alg == cose.RS1 && !allowRS1 {
		return ErrRS1
	}
	if k == nil || k.Raw == nil {
		return ErrInvalidKey
	}
	if !sameAlg(alg, k.Alg, k.Curve) {
		return ErrAlgorithmMismatch
	}
	switch k.Type {
	case cose.EC2:
		pub, err := c.ecdsaKey(k)
		if err != nil {
			return err
		}
		return verifyECDSA(alg, pub, sig, data)
	case cose.RSA:
		return verifyRSA(alg, c.rsaKey(k), sig, data)
	case cose.OKP:
		if k.Curve == cose.CurveEd25519 {
			return verifyEd25519(ed25519.PublicKey(k.X), sig, data)
		}
		return verifyEd448Key(k, sig, data)
	case cose.AKP:
		return verifyMLDSAKey(alg, k, sig, data)
	}
	return ErrInvalidKey
}

func verifyPub(alg cose.Algorithm, pub crypto.PublicKey, sig []byte, data [][]byte, allowRS1 bool) error {
	if alg == cose.RS1 && !allowRS1 {
		return ErrRS1
	}
	switch alg {
	case cose.ES256, cose.ES384, cose.ES512, cose.ESP256, cose.ESP384, cose.ESP512:
		p, ok := pub.(*ecdsa.PublicKey)
		if !ok || p.Curve != curveOf(alg) {
			return ErrAlgorithmMismatch
		}
		return verifyECDSA(alg, p, sig, data)
	case cose.RS256, cose.RS384, cose.RS512, cose.PS256, cose.PS384, cose.PS512, cose.RS1:
		p, ok := pub.(*rsa.PublicKey)
		if !ok || p.N == nil {
			return ErrAlgorithmMismatch
		}
		if b := p.N.BitLen(); b < cose.MinRSABits || b > cose.MaxRSABits {
			return cose.ErrRSAKeySize
		}
		return verifyRSA(alg, p, sig, data)
	case cose.EdDSA, cose.Ed25519:
		if p, ok := pub.(ed25519.PublicKey); ok && len(p) == ed25519.PublicKeySize {
			return verifyEd25519(p, sig, data)
		}
		if alg == cose.EdDSA {
			return verifyPubCircl(alg, pub, sig, data)
		}
		return ErrAlgorithmMismatch
	case cose.Ed448, cose.MLDSA44, cose.MLDSA65, cose.MLDSA87:
		switch pub.(type) {
		case ed25519.PublicKey, *ecdsa.PublicKey, *rsa.PublicKey:
			return ErrAlgorithmMismatch
		}
		return verifyPubCircl(alg, pub, sig, data)
	}
	return ErrUnsupportedAlgorithm
}

// curveOf returns the curve an ECDSA algorithm is bound to.
func curveOf(alg cose.Algorithm) elliptic.Curve {
	switch alg {
	case cose.ES256, cose.ESP256:
		return elliptic.P256()
	case cose.ES384, cose.ESP384:
		return elliptic.P384()
	}
	return elliptic.P521()
}

// Hash returns the hash function an ECDSA or RSA COSE algorithm signs with
// (RFC 9053 §2.1, RFC 8230 §2, the fully-specified ESP* of RFC 9864, RS1 for
// TPM), or 0 for algorithms that sign the message itself (EdDSA, Ed25519,
// Ed448, ML-DSA) and for unknown ones.
func Hash(alg cose.Algorithm) crypto.Hash {
	switch alg {
	case cose.ES256, cose.ESP256, cose.RS256, cose.PS256:
		return crypto.SHA256
	case cose.ES384, cose.ESP384, cose.RS384, cose.PS384:
		return crypto.SHA384
	case cose.ES512, cose.ESP512, cose.RS512, cose.PS512:
		return crypto.SHA512
	case cose.RS1:
		return crypto.SHA1
	}
	return 0
}

// digest hashes the pieces of data in order into out. It concatenates them
// (on the stack up to MaxStackMessage) and uses the one-shot Sum functions:
// streaming through a hash.Hash would allocate the hasher and, because Write
// is an interface call, make every caller's data escape to the heap.
func digest(h crypto.Hash, out *[sha512.Size]byte, data [][]byte) []byte {
	var buf [MaxStackMessage]byte
	m := message(&buf, data)
	switch h {
	case crypto.SHA256:
		*(*[sha256.Size]byte)(out[:sha256.Size]) = sha256.Sum256(m)
		return out[:sha256.Size]
	case crypto.SHA384:
		*(*[sha512.Size384]byte)(out[:sha512.Size384]) = sha512.Sum384(m)
		return out[:sha512.Size384]
	case crypto.SHA512:
		*out = sha512.Sum512(m)
		return out[:]
	}
	*(*[sha1.Size]byte)(out[:sha1.Size]) = sha1.Sum(m)
	return out[:sha1.Size]
}

// message returns the concatenation of data, in buf when it fits.
func message(buf *[MaxStackMessage]byte, data [][]byte) []byte {
	if len(data) == 1 {
		return data[0]
	}
	n := 0
	for _, p := range data {
		n += len(p)
	}
	var m []byte
	if n <= len(buf) {
		m = buf[:0]
	} else {
		m = make([]byte, 0, n)
	}
	for _, p := range data {
		m = append(m, p...)
	}
	return m
}

func ecdsaKey(k *cose.Key) (*ecdsa.PublicKey, error) {
	var c elliptic.Curve
	switch k.Curve {
	case cose.P256:
		c = elliptic.P256()
	case cose.P384:
		c = elliptic.P384()
	case cose.P521:
		c = elliptic.P521()
	default:
		return nil, ErrInvalidKey
	}
	var buf [1 + 2*66]byte
	buf[0] = 4 // SEC 1 v2 §2.3.3 uncompressed point
	n := 1 + copy(buf[1:], k.X)
	n += copy(buf[n:], k.Y)
	pub, err := ecdsa.ParseUncompressedPublicKey(c, buf[:n])
	if err != nil {
		return nil, ErrInvalidKey
	}
	return pub, nil
}

func rsaKey(k *cose.Key) *rsa.PublicKey {
	return &rsa.PublicKey{N: new(big.Int).SetBytes(k.N), E: int(k.RSAExponent())}
}

func verifyECDSA(alg cose.Algorithm, pub *ecdsa.PublicKey, sig []byte, data [][]byte) error {
	var buf [sha512.Size]byte
	if !ecdsa.VerifyASN1(pub, digest(Hash(alg), &buf, data), sig) {
		return ErrSignature
	}
	return nil
}

func verifyRSA(alg cose.Algorithm, pub *rsa.PublicKey, sig []byte, data [][]byte) error {
	h := Hash(alg)
	if h == 0 {
		return ErrAlgorithmMismatch
	}
	var buf [sha512.Size]byte
	d := digest(h, &buf, data)
	var err error
	switch alg {
	case cose.PS256, cose.PS384, cose.PS512:
		err = rsa.VerifyPSS(pub, h, d, sig, &rsa.PSSOptions{SaltLength: h.Size(), Hash: h})
	default:
		err = rsa.VerifyPKCS1v15(pub, h, d, sig)
	}
	if err != nil {
		return ErrSignature
	}
	return nil
}

func verifyEd25519(pub ed25519.PublicKey, sig []byte, data [][]byte) error {
	var buf [MaxStackMessage]byte
	if !ed25519.Verify(pub, message(&buf, data), sig) {
		return ErrSignature
	}
	return nil
}

// PublicKey returns k as a crypto.PublicKey: *ecdsa.PublicKey (EC2),
// ed25519.PublicKey or ed448.PublicKey (OKP, aliasing k.X), *rsa.PublicKey
// (RSA) or *mldsa44/65/87.PublicKey (AKP).
func PublicKey(k *cose.Key) (crypto.PublicKey, error) {
	if k == nil || k.Raw == nil {
		return nil, ErrInvalidKey
	}
	switch k.Type {
	case cose.EC2:
		return ecdsaKey(k)
	case cose.RSA:
		return rsaKey(k), nil
	case cose.OKP:
		if k.Curve == cose.CurveEd25519 {
			return ed25519.PublicKey(k.X), nil
		}
		return publicKeyCircl(k)
	case cose.AKP:
		return publicKeyCircl(k)
	}
	return nil, ErrInvalidKey
}

// Equal reports whether the credential public key k is the same key as pub,
// typically the subject key of an attestation certificate (W3C WebAuthn L3
// §8.4 android-key step "public key in the first certificate in x5c matches
// the credentialPublicKey", §8.8 apple). Keys of different types are not equal.
func Equal(k *cose.Key, pub crypto.PublicKey) bool {
	if pub == nil {
		return false
	}
	kp, err := PublicKey(k)
	if err != nil {
		return false
	}
	e, ok := pub.(interface{ Equal(crypto.PublicKey) bool })
	return ok && e.Equal(kp)
}
