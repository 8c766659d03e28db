package trust

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
)

// checkSHA1Signature verifies a certificate signature made with SHA-1
// (sha1WithRSAEncryption or ecdsa-with-SHA1), which crypto/x509 refuses to
// check at all: the crypto/x509 side of the differential test
// (chain_diff_test.go). The issuer constraints (name, CA, keyUsage) are checked by the
// caller; this is only the signature.
func checkSHA1Signature(child, issuer *x509.Certificate) bool {
	switch child.SignatureAlgorithm {
	case x509.SHA1WithRSA:
		pub, ok := issuer.PublicKey.(*rsa.PublicKey)
		if !ok {
			return false
		}
		h := sha1.Sum(child.RawTBSCertificate)
		return rsa.VerifyPKCS1v15(pub, crypto.SHA1, h[:], child.Signature) == nil
	case x509.ECDSAWithSHA1:
		pub, ok := issuer.PublicKey.(*ecdsa.PublicKey)
		if !ok {
			return false
		}
		h := sha1.Sum(child.RawTBSCertificate)
		return ecdsa.VerifyASN1(pub, h[:], child.Signature)
	}
	return false
}
