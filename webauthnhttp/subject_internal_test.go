package webauthnhttp

import (
	"crypto/x509"
	"testing"

	"github.com/passkeykit/webauthn/internal/testenv"
)

// TestSubjectString: the summary's trust path spells every vector
// certificate's subject as crypto/x509's Subject.String does, without
// parsing the certificate with crypto/x509.
func TestSubjectString(t *testing.T) {
	certs := testenv.Certificates(t)
	if len(certs) == 0 {
		t.Fatal("no certificates")
	}
	n := 0
	for i, der := range certs {
		std, err := x509.ParseCertificate(der)
		if err != nil {
			continue
		}
		if got, want := subjectString(der), std.Subject.String(); got != want {
			t.Errorf("certificate %d: subject %q, crypto/x509 %q", i, got, want)
		}
		n++
	}
	if n == 0 {
		t.Fatal("no certificate parsed")
	}
	if got := subjectString([]byte{0x30, 0x00}); got != "" {
		t.Errorf("not a certificate: %q", got)
	}
}
