package trust

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// resignWithSerial re-encodes tmpl's certificate with an arbitrary (possibly
// negative) serial, signed by key, which crypto/x509 refuses to create.
func resignWithSerial(t *testing.T, der []byte, serial []byte, key *ecdsa.PrivateKey) []byte {
	t.Helper()
	s := cryptobyte.String(der)
	var cert, tbs, sigAlg cryptobyte.String
	if !s.ReadASN1(&cert, asn1.SEQUENCE) || !cert.ReadASN1Element(&tbs, asn1.SEQUENCE) || !cert.ReadASN1Element(&sigAlg, asn1.SEQUENCE) {
		t.Fatal("bad der")
	}
	in := tbs
	var body cryptobyte.String
	in.ReadASN1(&body, asn1.SEQUENCE)
	var version cryptobyte.String
	body.ReadASN1Element(&version, asn1.Tag(0).Constructed().ContextSpecific())
	var old cryptobyte.String
	body.ReadASN1(&old, asn1.INTEGER)
	var b cryptobyte.Builder
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(version)
		b.AddASN1(asn1.INTEGER, func(b *cryptobyte.Builder) { b.AddBytes(serial) })
		b.AddBytes(body)
	})
	newTBS := b.BytesOrPanic()
	h := sha256.Sum256(newTBS)
	sig, err := ecdsa.SignASN1(rand.Reader, key, h[:])
	if err != nil {
		t.Fatal(err)
	}
	var out cryptobyte.Builder
	out.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(newTBS)
		b.AddBytes(sigAlg)
		b.AddASN1BitString(sig)
	})
	return out.BytesOrPanic()
}

func TestParseCertificateNegativeSerial(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "neg"},
		NotBefore: time.Unix(0, 0), NotAfter: time.Unix(1<<31, 0),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	neg := resignWithSerial(t, der, []byte{0xd0, 0x53, 0xa4}, key)
	if _, err := x509.ParseCertificate(neg); err == nil {
		t.Skip("crypto/x509 accepts negative serials in this environment (GODEBUG)")
	}
	c, err := ParseCertificate(neg)
	if err != nil {
		t.Fatal(err)
	}
	if want := big.NewInt(0xd053a4 - 1<<24); c.SerialNumber.Cmp(want) != 0 {
		t.Fatalf("serial %v, want %v", c.SerialNumber, want)
	}
	if !bytes.Equal(c.Raw, neg) || &c.Raw[0] != &neg[0] {
		t.Fatal("Raw is not the caller's bytes")
	}
	// The signature is checked over the original TBS, which the patch never touched.
	if err := c.CheckSignatureFrom(c); err != nil {
		t.Fatalf("self-signature over the original TBS: %v", err)
	}
	// A certificate that is malformed for another reason still fails.
	bad := append([]byte(nil), neg...)
	bad[len(bad)-1] ^= 0xff
	bad = append(bad, 0)
	if _, err := ParseCertificate(bad); err == nil {
		t.Fatal("trailing data accepted")
	}
}

func TestFixYubicoUnusedBits(t *testing.T) {
	// Only the listed certificates are touched.
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "rsa"},
		NotBefore: time.Unix(0, 0), NotAfter: time.Unix(1<<31, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	if der[len(der)-257] != 0 {
		t.Fatalf("test certificate layout: %x", der[len(der)-258:len(der)-255])
	}
	broken := append([]byte(nil), der...)
	broken[len(broken)-257] = 1
	if _, ok := fixYubicoUnusedBits(broken); ok {
		t.Fatal("an unlisted certificate was rewritten")
	}
	if _, ok := fixYubicoUnusedBits(der); ok {
		t.Fatal("a correct certificate was rewritten")
	}
	for i := range unusedBitsFix {
		if unusedBitsFix[i] == ([32]byte{}) {
			t.Fatal("empty hash in the list")
		}
	}
}
