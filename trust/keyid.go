package trust

import (
	"crypto/sha1"
	"crypto/x509"

	"github.com/passkeykit/webauthn/internal/x509lite"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// KeyID computes the FIDO attestationCertificateKeyIdentifier of c (FIDO
// Metadata Statement §4): SHA-1 of the contents of its subjectPublicKey BIT
// STRING, without the unused-bits byte. It reports false for a
// SubjectPublicKeyInfo that is not two SEQUENCE members with a BIT STRING of
// whole bytes. It allocates nothing.
func KeyID(c *x509.Certificate, out *[sha1.Size]byte) bool {
	s := cryptobyte.String(c.RawSubjectPublicKeyInfo)
	var spki, algo, bits cryptobyte.String
	var unused uint8
	if !s.ReadASN1(&spki, asn1.SEQUENCE) || !spki.ReadASN1(&algo, asn1.SEQUENCE) ||
		!spki.ReadASN1(&bits, asn1.BIT_STRING) || !bits.ReadUint8(&unused) || unused != 0 {
		return false
	}
	*out = sha1.Sum(bits)
	return true
}

// CertificateKeyID is KeyID on a certificate's DER (such as an entry of
// Registration.TrustPath), read without crypto/x509. It reports false when
// der is not a certificate the chain reader accepts.
func CertificateKeyID(der []byte, out *[sha1.Size]byte) bool {
	var c x509lite.Certificate
	if x509lite.Parse(der, &c) != nil {
		return false
	}
	*out = sha1.Sum(c.PublicKeyBytes)
	return true
}
