package trust

import (
	"bytes"
	"crypto/x509"
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
