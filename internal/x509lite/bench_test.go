package x509lite_test

import (
	"crypto/x509"
	"testing"

	"github.com/passkeykit/webauthn/internal/x509lite"
	"github.com/passkeykit/webauthn/internal/x509lite/x509sig"
	"github.com/passkeykit/webauthn/trust"
)

// benchCerts picks one certificate per kind from the seeds: an ECDSA leaf with
// the FIDO AAGUID extension (packed), an RSA TPM AIK (critical SAN), an Apple
// leaf (nonce) and an Android key leaf (key description).
func benchCerts(tb testing.TB) []struct {
	name string
	der  []byte
} {
	var out []struct {
		name string
		der  []byte
	}
	picked := map[string]bool{}
	for _, der := range accepted(tb) {
		var c x509lite.Certificate
		if x509lite.Parse(der, &c) != nil {
			continue
		}
		name := ""
		switch {
		case c.FIDOAAGUID != nil && c.PublicKeyAlgorithm == x509lite.ECDSAP256:
			name = "packed-es256-leaf"
		case c.SubjectAltNameCritical && c.PublicKeyAlgorithm == x509lite.RSA:
			name = "tpm-aik-rsa"
		case c.AppleNonce != nil:
			name = "apple-leaf"
		case c.AndroidKeyDescription != nil:
			name = "android-key-leaf"
		}
		if name != "" && !picked[name] {
			picked[name] = true
			out = append(out, struct {
				name string
				der  []byte
			}{name, der})
		}
	}
	return out
}

// BenchmarkParse compares the reader with crypto/x509 and trust.ParseCertificate
// (the parser the verifiers use today); "x509lite+key" adds PublicKey, the
// stdlib key parse, reported on its own line.
func BenchmarkParse(b *testing.B) {
	for _, bc := range benchCerts(b) {
		b.Run(bc.name+"/x509lite", func(b *testing.B) {
			b.ReportAllocs()
			var c x509lite.Certificate
			for b.Loop() {
				if x509lite.Parse(bc.der, &c) != nil {
					b.Fatal("refused")
				}
			}
		})
		b.Run(bc.name+"/x509lite+key", func(b *testing.B) {
			b.ReportAllocs()
			var c x509lite.Certificate
			for b.Loop() {
				if x509lite.Parse(bc.der, &c) != nil {
					b.Fatal("refused")
				}
				if _, err := x509sig.PublicKey(&c); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(bc.name+"/crypto-x509", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := x509.ParseCertificate(bc.der); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(bc.name+"/trust.ParseCertificate", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := trust.ParseCertificate(bc.der); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLink is one chain link from scratch, as a cold registration does
// it: parse child and issuer, parse the issuer's key, check the signature —
// with x509lite, and with crypto/x509 (ParseCertificate twice plus
// CheckSignatureFrom, the floor's work). The signature verification itself
// is common to both.
func BenchmarkLink(b *testing.B) {
	picked := map[string]bool{}
	for _, l := range links(b) {
		var c, i x509lite.Certificate
		_ = x509lite.Parse(l.child, &c)
		_ = x509lite.Parse(l.issuer, &i)
		key, _ := x509sig.PublicKey(&i)
		if x509sig.CheckSignatureFrom(&c, &i, key) != nil {
			continue
		}
		name := ""
		switch {
		case c.FIDOAAGUID != nil && c.SignatureAlgorithm == x509lite.ECDSAWithSHA256:
			name = "packed-leaf-ecdsa"
		case c.SubjectAltNameCritical && c.SignatureAlgorithm == x509lite.SHA256WithRSA && i.PublicKeyAlgorithm == x509lite.RSA:
			name = "tpm-aik-rsa"
		}
		if name == "" || picked[name] {
			continue
		}
		picked[name] = true
		b.Run(name+"/x509lite", func(b *testing.B) {
			b.ReportAllocs()
			var c, i x509lite.Certificate
			for b.Loop() {
				if x509lite.Parse(l.child, &c) != nil || x509lite.Parse(l.issuer, &i) != nil {
					b.Fatal("refused")
				}
				key, err := x509sig.PublicKey(&i)
				if err != nil || x509sig.CheckSignatureFrom(&c, &i, key) != nil {
					b.Fatal("link fails")
				}
			}
		})
		b.Run(name+"/crypto-x509", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c, err1 := x509.ParseCertificate(l.child)
				i, err2 := x509.ParseCertificate(l.issuer)
				if err1 != nil || err2 != nil || c.CheckSignatureFrom(i) != nil {
					b.Fatal("link fails")
				}
			}
		})
	}
}
