// Package cose parses COSE_Key credential public keys (RFC 9052 §7, RFC 9053,
// RFC 8230, RFC 9864, draft-ietf-cose-dilithium) as WebAuthn L3 §5.8.5 and
// §6.5.1.1 carry them in attestedCredentialData, without allocating.
//
// The package is the parse side only: it imports neither fmt, reflect,
// encoding/json nor any crypto package that pulls them in (crypto/ecdsa,
// crypto/rsa and crypto/ed25519 all reach fmt through math/big). Signature
// verification, which needs those packages, lives in the sub-package
// github.com/passkeykit/webauthn/cose/cosesig.
//
// Errors are sentinels. They fall into two classes that callers map to
// different outcomes: a malformed key (broken CBOR, missing or duplicate
// labels, wrong lengths or types, a point not on its curve, an EdDSA key of
// small order or with a non-canonical y, an RSA key that is not a valid RSA
// key) and a well-formed key that this library does not
// support (unknown key type, algorithm or curve, an RSA size outside policy).
// IsUnsupported tells them apart.
package cose

import "errors"

// Algorithm is a COSE algorithm identifier (IANA "COSE Algorithms" registry).
type Algorithm int64

// The signature algorithms a WebAuthn credential or attestation statement may
// name. Values are from the IANA COSE Algorithms registry.
const (
	ES256   Algorithm = -7     // ECDSA w/ SHA-256, polymorphic (RFC 9053 §2.1)
	ES384   Algorithm = -35    // ECDSA w/ SHA-384, polymorphic (RFC 9053 §2.1)
	ES512   Algorithm = -36    // ECDSA w/ SHA-512, polymorphic (RFC 9053 §2.1)
	ESP256  Algorithm = -9     // ECDSA w/ SHA-256 on P-256 (RFC 9864 §2.1)
	ESP384  Algorithm = -51    // ECDSA w/ SHA-384 on P-384 (RFC 9864 §2.1)
	ESP512  Algorithm = -52    // ECDSA w/ SHA-512 on P-521 (RFC 9864 §2.1)
	EdDSA   Algorithm = -8     // EdDSA, polymorphic, deprecated (RFC 9053 §2.2, RFC 9864 §4.2)
	Ed25519 Algorithm = -19    // EdDSA with Ed25519 (RFC 9864 §2.2)
	Ed448   Algorithm = -53    // EdDSA with Ed448 (RFC 9864 §2.2)
	RS256   Algorithm = -257   // RSASSA-PKCS1-v1_5 w/ SHA-256 (RFC 8812 §2)
	RS384   Algorithm = -258   // RSASSA-PKCS1-v1_5 w/ SHA-384 (RFC 8812 §2)
	RS512   Algorithm = -259   // RSASSA-PKCS1-v1_5 w/ SHA-512 (RFC 8812 §2)
	PS256   Algorithm = -37    // RSASSA-PSS w/ SHA-256 (RFC 8230 §2)
	PS384   Algorithm = -38    // RSASSA-PSS w/ SHA-384 (RFC 8230 §2)
	PS512   Algorithm = -39    // RSASSA-PSS w/ SHA-512 (RFC 8230 §2)
	RS1     Algorithm = -65535 // RSASSA-PKCS1-v1_5 w/ SHA-1, deprecated (RFC 8812 §2); TPM attestation only
	MLDSA44 Algorithm = -48    // ML-DSA-44 (draft-ietf-cose-dilithium)
	MLDSA65 Algorithm = -49    // ML-DSA-65 (draft-ietf-cose-dilithium)
	MLDSA87 Algorithm = -50    // ML-DSA-87 (draft-ietf-cose-dilithium)
)

// String returns the registry name of a, or "Algorithm(" + decimal + ")".
func (a Algorithm) String() string {
	switch a {
	case ES256:
		return "ES256"
	case ES384:
		return "ES384"
	case ES512:
		return "ES512"
	case ESP256:
		return "ESP256"
	case ESP384:
		return "ESP384"
	case ESP512:
		return "ESP512"
	case EdDSA:
		return "EdDSA"
	case Ed25519:
		return "Ed25519"
	case Ed448:
		return "Ed448"
	case RS256:
		return "RS256"
	case RS384:
		return "RS384"
	case RS512:
		return "RS512"
	case PS256:
		return "PS256"
	case PS384:
		return "PS384"
	case PS512:
		return "PS512"
	case RS1:
		return "RS1"
	case MLDSA44:
		return "ML-DSA-44"
	case MLDSA65:
		return "ML-DSA-65"
	case MLDSA87:
		return "ML-DSA-87"
	}
	return "Algorithm(" + itoa(int64(a)) + ")"
}

// KeyType is a COSE key type (IANA "COSE Key Types" registry).
type KeyType int64

// Key types with a credential public key representation.
const (
	OKP KeyType = 1 // Octet Key Pair (RFC 9053 §7.2)
	EC2 KeyType = 2 // Elliptic curve with x and y (RFC 9053 §7.1)
	RSA KeyType = 3 // RSA (RFC 8230 §4)
	AKP KeyType = 7 // Algorithm Key Pair (draft-ietf-cose-dilithium)
)

// String returns the registry name of t, or "KeyType(" + decimal + ")".
func (t KeyType) String() string {
	switch t {
	case OKP:
		return "OKP"
	case EC2:
		return "EC2"
	case RSA:
		return "RSA"
	case AKP:
		return "AKP"
	}
	return "KeyType(" + itoa(int64(t)) + ")"
}

// Curve is a COSE elliptic curve (IANA "COSE Elliptic Curves" registry).
type Curve int64

// Curves with a signature algorithm in this package.
const (
	P256         Curve = 1 // NIST P-256, EC2 (RFC 9053 §7.1)
	P384         Curve = 2 // NIST P-384, EC2
	P521         Curve = 3 // NIST P-521, EC2
	CurveEd25519 Curve = 6 // Ed25519, OKP (RFC 9053 §7.2)
	CurveEd448   Curve = 7 // Ed448, OKP
)

// String returns the registry name of c, or "Curve(" + decimal + ")".
func (c Curve) String() string {
	switch c {
	case P256:
		return "P-256"
	case P384:
		return "P-384"
	case P521:
		return "P-521"
	case CurveEd25519:
		return "Ed25519"
	case CurveEd448:
		return "Ed448"
	}
	return "Curve(" + itoa(int64(c)) + ")"
}

// itoa formats v in decimal without strconv's or fmt's help.
func itoa(v int64) string {
	var buf [20]byte
	i := len(buf)
	u := uint64(v)
	if v < 0 {
		u = uint64(-v)
	}
	for {
		i--
		buf[i] = byte('0' + u%10)
		u /= 10
		if u == 0 {
			break
		}
	}
	if v < 0 {
		i--
		buf[i] = '-'
	}
	return string(buf[i:])
}

// Limits.
const (
	// MaxKeyLabels bounds the parameters of one COSE_Key. The largest key type
	// (RSA with a private key, RFC 8230 §4) defines 11 parameters plus 5 common
	// ones (RFC 9052 §7.1); a credential public key uses 3-5. The bound keeps
	// the quadratic duplicate-label check tiny and stack-only.
	MaxKeyLabels = 16

	// MinRSABits is the smallest RSA modulus accepted: 2048 bits, the NIST
	// SP 800-131A floor and what every TPM and platform authenticator uses.
	MinRSABits = 2048

	// MaxRSABits is the largest RSA modulus accepted. Verification cost grows
	// with the square of the size; 8192 bits is twice the largest modulus any
	// known authenticator emits (4096) and bounds the work a hostile key can
	// cause at registration.
	MaxRSABits = 8192

	// MaxRSAExponent is the largest public exponent accepted: crypto/rsa
	// rejects exponents above 2³¹−1 so that behaviour does not depend on the
	// width of int, so a larger one could never verify.
	MaxRSAExponent = 1<<31 - 1

	// MinRSAExponent is the smallest public exponent that makes a valid RSA
	// key (RFC 8017 §3.1: 3 ≤ e, and e odd).
	MinRSAExponent = 3
)

// Public key sizes for the AKP key type (FIPS 204 Table 2: pk size).
const (
	MLDSA44PublicKeySize = 1312
	MLDSA65PublicKeySize = 1952
	MLDSA87PublicKeySize = 2592
)

// Malformed keys.
var (
	ErrMalformed         = errors.New("cose: malformed COSE_Key")
	ErrTrailingData      = errors.New("cose: trailing data after COSE_Key")
	ErrDuplicateLabel    = errors.New("cose: duplicate COSE_Key label")
	ErrTooManyLabels     = errors.New("cose: too many COSE_Key labels")
	ErrMissingLabel      = errors.New("cose: required COSE_Key label missing")
	ErrAlgorithmMismatch = errors.New("cose: algorithm does not match key type or curve")
	ErrKeyLength         = errors.New("cose: wrong key or coordinate length")
	ErrCompressedPoint   = errors.New("cose: EC2 y coordinate is not a byte string")
	ErrNotOnCurve        = errors.New("cose: point is not on the curve")
	ErrNonCanonicalPoint = errors.New("cose: OKP public key encodes y ≥ p (not canonical, RFC 8032 §5.1.3, §5.2.3)")
	ErrSmallOrder        = errors.New("cose: OKP public key is a point of small order")
	ErrPrivateKey        = errors.New("cose: credential public key carries private key material")
	ErrRSAModulus        = errors.New("cose: RSA modulus has a leading zero byte")
	ErrRSAExponent       = errors.New("cose: RSA exponent is even, below 3 or not minimally encoded")
)

// Well-formed keys this library does not support.
var (
	ErrUnsupportedKeyType   = errors.New("cose: unsupported key type")
	ErrUnsupportedAlgorithm = errors.New("cose: unsupported algorithm")
	ErrUnsupportedCurve     = errors.New("cose: unsupported curve")
	ErrRSAKeySize           = errors.New("cose: RSA modulus size outside policy")
	ErrRSAExponentSize      = errors.New("cose: RSA exponent larger than supported")
)

// IsUnsupported reports whether err says that a key is well formed but uses a
// key type, algorithm, curve or RSA size that this package does not accept
// (WebAuthn: WebAuthnCredentialNotSupportedException), as opposed to a
// malformed key (InvalidParameterException).
func IsUnsupported(err error) bool {
	switch err {
	case ErrUnsupportedKeyType, ErrUnsupportedAlgorithm, ErrUnsupportedCurve,
		ErrRSAKeySize, ErrRSAExponentSize:
		return true
	}
	return false
}
