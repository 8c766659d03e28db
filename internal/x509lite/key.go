package x509lite

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/x509"
)

// PublicKey parses the subject public key: *ecdsa.PublicKey (the point must
// be on the curve), *rsa.PublicKey or ed25519.PublicKey. It allocates; the
// Ed25519 key aliases the certificate.
func (c *Certificate) PublicKey() (crypto.PublicKey, error) {
	switch c.PublicKeyAlgorithm {
	case ECDSAP256:
		return ecdsa.ParseUncompressedPublicKey(elliptic.P256(), c.PublicKeyBytes)
	case ECDSAP384:
		return ecdsa.ParseUncompressedPublicKey(elliptic.P384(), c.PublicKeyBytes)
	case ECDSAP521:
		return ecdsa.ParseUncompressedPublicKey(elliptic.P521(), c.PublicKeyBytes)
	case Ed25519:
		return ed25519.PublicKey(c.PublicKeyBytes), nil
	case RSA:
		return x509.ParsePKIXPublicKey(c.RawSPKI)
	}
	return nil, ErrUnsupported
}
