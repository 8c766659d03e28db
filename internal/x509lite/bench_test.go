package x509lite_test

import (
	"crypto/x509"
	"testing"

	"github.com/passkeykit/webauthn/internal/x509lite"
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
				if _, err := c.PublicKey(); err != nil {
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
