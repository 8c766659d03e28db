package trust

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"math/big"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// ParseCertificate parses one DER certificate like x509.ParseCertificate, and
// also accepts a negative serial number, which RFC 5280 §4.1.2.2 forbids but
// attestation certificates in the field carry (FIDO conformance TPM AIKs among
// them) and which crypto/x509 rejects unless the main program sets
// GODEBUG=x509negativeserial=1 — a library cannot. The certificate is parsed
// from a copy whose serial is made positive without changing any length, then
// Raw, RawTBSCertificate and SerialNumber are restored from the original, so
// signatures are checked over the bytes the issuer signed.
func ParseCertificate(der []byte) (*x509.Certificate, error) {
	if fixed, ok := fixYubicoUnusedBits(der); ok {
		return x509.ParseCertificate(fixed)
	}
	c, err := x509.ParseCertificate(der)
	if err == nil {
		return c, nil
	}
	off, n, ok := negativeSerialOffset(der)
	if !ok {
		return nil, err
	}
	patched := append([]byte(nil), der...)
	patched[off] = 0x7f // positive, and still a minimal INTEGER whatever follows
	c, err2 := x509.ParseCertificate(patched)
	if err2 != nil {
		return nil, err
	}
	// Re-point every Raw field into the caller's bytes (same offsets, same
	// lengths); give up with the original error if the parser did not hand back
	// views of its input.
	bad := false
	rebase := func(b []byte) []byte {
		if len(b) == 0 {
			return b
		}
		start := cap(patched) - cap(b)
		if start < 0 || start+len(b) > len(der) || !bytes.Equal(b, patched[start:start+len(b)]) {
			bad = true
			return b
		}
		return der[start : start+len(b) : start+len(b)]
	}
	c.Raw = rebase(c.Raw)
	c.RawTBSCertificate = rebase(c.RawTBSCertificate)
	c.RawSubjectPublicKeyInfo = rebase(c.RawSubjectPublicKeyInfo)
	c.RawSubject = rebase(c.RawSubject)
	c.RawIssuer = rebase(c.RawIssuer)
	if bad || len(c.Raw) != len(der) {
		return nil, err
	}
	c.SerialNumber = negativeSerial(der[off : off+n])
	return c, nil
}

// negativeSerialOffset returns the offset and length of the content of the
// serialNumber INTEGER when that INTEGER is negative.
func negativeSerialOffset(der []byte) (off, n int, ok bool) {
	s := cryptobyte.String(der)
	var cert, tbs cryptobyte.String
	if !s.ReadASN1(&cert, asn1.SEQUENCE) || !cert.ReadASN1(&tbs, asn1.SEQUENCE) {
		return 0, 0, false
	}
	if !tbs.SkipOptionalASN1(asn1.Tag(0).Constructed().ContextSpecific()) {
		return 0, 0, false
	}
	var serial cryptobyte.String
	if !tbs.ReadASN1(&serial, asn1.INTEGER) || len(serial) == 0 || serial[0]&0x80 == 0 {
		return 0, 0, false
	}
	return cap(der) - cap(serial), len(serial), true
}

// negativeSerial decodes a two's-complement INTEGER content.
func negativeSerial(b []byte) *big.Int {
	v := new(big.Int).SetBytes(b)
	return v.Sub(v, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
}

// unusedBitsFix lists the SHA-256 of the early Yubico U2F attestation
// certificates ("Yubico U2F EE Serial 776137165" and five others) whose
// signature BIT STRING declares non-zero unused bits although the RSA-2048
// signature fills every bit: read as written, the signature is shifted and
// never verifies (or the certificate does not parse). The list and the fix —
// zero the unused-bits byte, 257 bytes from the end — are the ones Yubico's
// java-webauthn-server (CertificateParser) and py-fido (constants.py,
// INVALID_YUBICO_CERT_SHASUMS) apply.
var unusedBitsFix = [...][sha256.Size]byte{
	hexSum("349bca1031f8c82c4ceca38b9cebf1a69df9fb3b94eed99eb3fb9aa3822d26e8"),
	hexSum("dd574527df608e47ae45fbba75a2afdd5c20fd94a02419381813cd55a2a3398f"),
	hexSum("1d8764f0f7cd1352df6150045c8f638e517270e8b5dda1c63ade9c2280240cae"),
	hexSum("d0edc9a91a1677435a953390865d208c55b3183c6759c9b5a7ff494c322558eb"),
	hexSum("6073c436dcd064a48127ddbf6032ac1a66fd59a0c24434f070d4e564c124c897"),
	hexSum("ca993121846c464d666096d35f13bf44c1b05af205f9b4a1e00cf6cc10c5e511"),
}

// fixYubicoUnusedBits returns a corrected copy of der when it is one of the
// certificates in unusedBitsFix.
func fixYubicoUnusedBits(der []byte) ([]byte, bool) {
	const fromEnd = 257 // unused-bits byte before a 256-byte signature
	if len(der) <= fromEnd || der[len(der)-fromEnd] == 0 {
		return nil, false
	}
	sum := sha256.Sum256(der)
	for i := range unusedBitsFix {
		if sum == unusedBitsFix[i] {
			fixed := append([]byte(nil), der...)
			fixed[len(fixed)-fromEnd] = 0
			return fixed, true
		}
	}
	return nil, false
}

func hexSum(s string) (out [sha256.Size]byte) {
	if _, err := hex.Decode(out[:], []byte(s)); err != nil {
		panic(err)
	}
	return out
}
