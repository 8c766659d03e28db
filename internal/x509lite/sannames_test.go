package x509lite_test

import (
	"crypto/x509"
	"testing"

	"github.com/passkeykit/webauthn/internal/x509lite"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// TestSANNames holds the dNSName entries SANNames yields against
// crypto/x509's DNSNames on every seed certificate with a SAN.
func TestSANNames(t *testing.T) {
	seen := 0
	for i, der := range seeds(t) {
		std, err := x509.ParseCertificate(der)
		if err != nil {
			continue
		}
		var c x509lite.Certificate
		if err := x509lite.Parse(der, &c); err != nil {
			continue
		}
		var dns []string
		names := x509lite.SANNames(c.SubjectAltName)
		var tag asn1.Tag
		var v []byte
		for names.Next(&tag, &v) {
			if tag == asn1.Tag(2).ContextSpecific() {
				dns = append(dns, string(v))
			}
		}
		if len(dns) != len(std.DNSNames) {
			t.Fatalf("seed %d: dNSNames %q, crypto/x509 %q", i, dns, std.DNSNames)
		}
		for i := range dns {
			if dns[i] != std.DNSNames[i] {
				t.Fatalf("seed %d: dNSNames %q, crypto/x509 %q", i, dns, std.DNSNames)
			}
		}
		if c.SubjectAltName != nil {
			seen++
		}
	}
	if seen == 0 {
		t.Fatal("no seed certificate has a subjectAltName")
	}
	for _, bad := range [][]byte{{0x31, 0x00}, {0x30, 0x02, 0x82}, {0x30, 0x00, 0x00}} {
		names := x509lite.SANNames(bad)
		var tag asn1.Tag
		var v []byte
		if names.Next(&tag, &v) {
			t.Errorf("SANNames(%x) yielded a name", bad)
		}
	}
}
