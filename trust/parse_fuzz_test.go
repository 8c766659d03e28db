package trust

import (
	"bytes"
	"crypto/x509"
	"math/big"
	"slices"
	"testing"

	"github.com/passkeykit/webauthn/internal/testenv"
	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// certificateSeeds returns the DER of every certificate the vectors hold: the
// x5c of each attestation statement (shared and generated vectors), their
// trust anchors, and the embedded roots; plus one with a negative serial.
func certificateSeeds(tb testing.TB) [][]byte {
	tb.Helper()
	out := testenv.Certificates(tb)
	// A negative serial: crypto/x509 refuses it, ParseCertificate does not.
	neg := bytes.Clone(mk(tb, "negative serial", false, nil, func(c *x509.Certificate) { c.SerialNumber = big.NewInt(0x0102) }).cert.Raw)
	off, _, _, ok := serialContent(neg)
	if !ok {
		tb.Fatal("no serial in a generated certificate")
	}
	neg[off] |= 0x80
	if _, err := x509.ParseCertificate(neg); err == nil {
		tb.Fatal("crypto/x509 accepts the negative-serial seed: it does not reach the negative path")
	}
	if _, err := ParseCertificate(neg); err != nil {
		tb.Fatalf("negative-serial seed: %v", err)
	}
	out = append(out, neg)
	if len(out) < 20 {
		tb.Fatalf("only %d certificates in the vectors", len(out))
	}
	return out
}

// serialContent returns the offset and length of the serialNumber INTEGER's
// content and its value (two's complement, as cryptobyte reads it; nil when
// the INTEGER is not minimally encoded).
func serialContent(der []byte) (off, n int, v *big.Int, ok bool) {
	s := cryptobyte.String(der)
	var cert, tbs, elem, content cryptobyte.String
	if !s.ReadASN1(&cert, asn1.SEQUENCE) || !cert.ReadASN1(&tbs, asn1.SEQUENCE) ||
		!tbs.SkipOptionalASN1(asn1.Tag(0).Constructed().ContextSpecific()) || !tbs.ReadASN1Element(&elem, asn1.INTEGER) {
		return 0, 0, nil, false
	}
	e := elem
	if !e.ReadASN1(&content, asn1.INTEGER) {
		return 0, 0, nil, false
	}
	v = new(big.Int)
	if e = elem; !e.ReadASN1Integer(v) {
		v = nil
	}
	return cap(der) - cap(content), len(content), v, true
}

// sameCertificate reports the first field where got, from ParseCertificate,
// differs from want, from crypto/x509, or "" when they agree. The raw fields
// are compared by content; serial by value.
func sameCertificate(got, want *x509.Certificate) string {
	switch {
	case !bytes.Equal(got.Raw, want.Raw):
		return "Raw"
	case !bytes.Equal(got.RawTBSCertificate, want.RawTBSCertificate):
		return "RawTBSCertificate"
	case !bytes.Equal(got.RawSubjectPublicKeyInfo, want.RawSubjectPublicKeyInfo):
		return "RawSubjectPublicKeyInfo"
	case !bytes.Equal(got.RawSubject, want.RawSubject):
		return "RawSubject"
	case !bytes.Equal(got.RawIssuer, want.RawIssuer):
		return "RawIssuer"
	case got.SerialNumber.Cmp(want.SerialNumber) != 0:
		return "SerialNumber"
	case !got.NotBefore.Equal(want.NotBefore) || !got.NotAfter.Equal(want.NotAfter):
		return "validity"
	case got.Version != want.Version:
		return "Version"
	case got.PublicKeyAlgorithm != want.PublicKeyAlgorithm:
		return "PublicKeyAlgorithm"
	case got.SignatureAlgorithm != want.SignatureAlgorithm:
		return "SignatureAlgorithm"
	case !bytes.Equal(got.Signature, want.Signature):
		return "Signature"
	case got.KeyUsage != want.KeyUsage || !slices.Equal(got.ExtKeyUsage, want.ExtKeyUsage):
		return "key usage"
	case got.BasicConstraintsValid != want.BasicConstraintsValid || got.IsCA != want.IsCA ||
		got.MaxPathLen != want.MaxPathLen || got.MaxPathLenZero != want.MaxPathLenZero:
		return "basic constraints"
	case !bytes.Equal(got.SubjectKeyId, want.SubjectKeyId) || !bytes.Equal(got.AuthorityKeyId, want.AuthorityKeyId):
		return "key identifiers"
	case len(got.Extensions) != len(want.Extensions) || !slices.Equal(got.DNSNames, want.DNSNames):
		return "extensions"
	case got.Subject.String() != want.Subject.String() || got.Issuer.String() != want.Issuer.String():
		return "names"
	}
	return ""
}

// FuzzParseCertificate compares ParseCertificate with crypto/x509:
//   - whatever crypto/x509 accepts, ParseCertificate accepts with the same
//     fields (for the six Yubico certificates it repairs, the same fields
//     apart from Raw and the signature, which are the repaired ones);
//   - whatever else it accepts has a negative serial: the result is
//     crypto/x509's parse of the copy made positive, with Raw and
//     RawTBSCertificate the caller's bytes and the serial the negative value
//     cryptobyte reads;
//   - the raw fields of a negative-serial result alias the input.
func FuzzParseCertificate(f *testing.F) {
	for _, der := range certificateSeeds(f) {
		f.Add(der)
	}
	f.Fuzz(func(t *testing.T, der []byte) {
		in := bytes.Clone(der)
		got, err := ParseCertificate(der)
		if !bytes.Equal(der, in) {
			t.Fatal("ParseCertificate modified its input")
		}
		want, werr := x509.ParseCertificate(bytes.Clone(der))
		if werr == nil {
			if err != nil {
				t.Fatalf("crypto/x509 accepts, ParseCertificate: %v", err)
			}
			if _, repaired := fixYubicoUnusedBits(der); repaired {
				got.Raw, got.RawTBSCertificate, got.Signature = want.Raw, want.RawTBSCertificate, want.Signature
			}
			if d := sameCertificate(got, want); d != "" {
				t.Fatalf("%s differs from crypto/x509", d)
			}
			return
		}
		if err != nil {
			return
		}
		// Accepted where crypto/x509 is not: only for a negative serial.
		off, _, serial, ok := serialContent(der)
		if !ok || der[off]&0x80 == 0 || serial == nil || serial.Sign() >= 0 {
			t.Fatalf("accepted what crypto/x509 rejects (%v) without a negative serial", werr)
		}
		positive := bytes.Clone(der)
		positive[off] = 0x7f
		p, perr := x509.ParseCertificate(positive)
		if perr != nil {
			t.Fatalf("crypto/x509 rejects the positive copy too (%v), ParseCertificate accepts", perr)
		}
		tbs := cap(positive) - cap(p.RawTBSCertificate)
		p.Raw, p.RawTBSCertificate, p.SerialNumber = der, der[tbs:tbs+len(p.RawTBSCertificate)], serial
		if d := sameCertificate(got, p); d != "" {
			t.Fatalf("negative serial: %s differs from crypto/x509's parse of the positive copy", d)
		}
		if &got.Raw[0] != &der[0] || &got.RawTBSCertificate[0] != &der[tbs] {
			t.Fatal("negative serial: Raw and RawTBSCertificate are not views of the input")
		}
	})
}
