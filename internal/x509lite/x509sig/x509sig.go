// Package x509sig holds the crypto half of the x509lite reader: the subject
// public key parsed into the stdlib types, and the certificate signature
// check over the raw TBS bytes (RFC 5280 §4.1.1.3). It lives apart from the
// parser, as cose/cosesig does from cose, so the reader imports no crypto.
package x509sig

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"errors"

	"github.com/passkeykit/webauthn/internal/x509lite"
)

// Signature check errors.
var (
	// ErrNotIssuer: the issuer may not sign certificates (RFC 5280 §4.2.1.9,
	// §4.2.1.3: a v3 issuer without cA, or keyUsage without keyCertSign).
	ErrNotIssuer = errors.New("x509sig: issuer may not sign certificates")
	// ErrInsecureAlgorithm: SHA-1, which crypto/x509's CheckSignatureFrom
	// also refuses; callers that accept it check it themselves.
	ErrInsecureAlgorithm = errors.New("x509sig: SHA-1 certificate signature")
	// ErrBadSignature: the signature does not verify with the issuer's key.
	ErrBadSignature = errors.New("x509sig: bad certificate signature")
)

// PublicKey parses c's subject public key : *ecdsa.PublicKey (the point must
// be on the curve), *rsa.PublicKey or ed25519.PublicKey. It allocates (the
// stdlib key types); the Ed25519 key aliases the certificate.
func PublicKey(c *x509lite.Certificate) (crypto.PublicKey, error) {
	switch c.PublicKeyAlgorithm {
	case x509lite.ECDSAP256:
		return ecdsa.ParseUncompressedPublicKey(elliptic.P256(), c.PublicKeyBytes)
	case x509lite.ECDSAP384:
		return ecdsa.ParseUncompressedPublicKey(elliptic.P384(), c.PublicKeyBytes)
	case x509lite.ECDSAP521:
		return ecdsa.ParseUncompressedPublicKey(elliptic.P521(), c.PublicKeyBytes)
	case x509lite.Ed25519:
		return ed25519.PublicKey(c.PublicKeyBytes), nil
	case x509lite.RSA:
		return x509.ParsePKIXPublicKey(c.RawSPKI)
	}
	return nil, x509lite.ErrUnsupported
}

// CheckSignatureFrom checks that issuer, whose parsed key is issuerKey (from
// PublicKey(issuer)), signed c, as crypto/x509's Certificate.CheckSignatureFrom
// does: the issuer must be a CA when it is v3 or has basicConstraints, its
// keyUsage (if any) must include keyCertSign, SHA-1 is refused, and the key
// type must match the signature algorithm. It does not compare names.
func CheckSignatureFrom(c, issuer *x509lite.Certificate, issuerKey crypto.PublicKey) error {
	if issuer.Version == 3 && !issuer.BasicConstraintsValid || issuer.BasicConstraintsValid && !issuer.IsCA ||
		issuer.KeyUsage != 0 && issuer.KeyUsage&x509lite.KeyUsageCertSign == 0 {
		return ErrNotIssuer
	}
	return Verify(c, issuerKey, false)
}

// Verify checks c's signature over its raw TBS bytes (RFC 5280 §4.1.1.3)
// with key, which must be of the type the signature algorithm names. SHA-1
// signatures are ErrInsecureAlgorithm unless allowSHA1 (attestation PKI in the
// field still carries them). It makes no issuer checks.
func Verify(c *x509lite.Certificate, key crypto.PublicKey, allowSHA1 bool) error {
	var buf [sha512.Size]byte
	var digest []byte
	h := crypto.SHA256
	switch c.SignatureAlgorithm {
	case x509lite.SHA1WithRSA, x509lite.ECDSAWithSHA1:
		if !allowSHA1 {
			return ErrInsecureAlgorithm
		}
		s := sha1.Sum(c.RawTBS)
		copy(buf[:], s[:])
		digest, h = buf[:sha1.Size], crypto.SHA1
	case x509lite.SHA256WithRSA, x509lite.ECDSAWithSHA256:
		s := sha256.Sum256(c.RawTBS)
		copy(buf[:], s[:])
		digest = buf[:sha256.Size]
	case x509lite.SHA384WithRSA, x509lite.ECDSAWithSHA384:
		s := sha512.Sum384(c.RawTBS)
		copy(buf[:], s[:])
		digest, h = buf[:sha512.Size384], crypto.SHA384
	case x509lite.SHA512WithRSA, x509lite.ECDSAWithSHA512:
		buf = sha512.Sum512(c.RawTBS)
		digest, h = buf[:], crypto.SHA512
	}
	ok := false
	switch c.SignatureAlgorithm {
	case x509lite.ECDSAWithSHA1, x509lite.ECDSAWithSHA256, x509lite.ECDSAWithSHA384, x509lite.ECDSAWithSHA512:
		if k, isEC := key.(*ecdsa.PublicKey); isEC {
			ok = ecdsa.VerifyASN1(k, digest, c.Signature)
		}
	case x509lite.SHA1WithRSA, x509lite.SHA256WithRSA, x509lite.SHA384WithRSA, x509lite.SHA512WithRSA:
		if k, isRSA := key.(*rsa.PublicKey); isRSA {
			ok = rsa.VerifyPKCS1v15(k, h, digest, c.Signature) == nil
		}
	case x509lite.PureEd25519:
		if k, isEd := key.(ed25519.PublicKey); isEd {
			ok = ed25519.Verify(k, c.RawTBS, c.Signature)
		}
	}
	if !ok {
		return ErrBadSignature
	}
	return nil
}
