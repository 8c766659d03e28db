package trust

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"testing"
	"time"
)

// TestKeyID checks KeyID against encoding/asn1's reading of the
// SubjectPublicKeyInfo, and that it allocates nothing.
func TestKeyID(t *testing.T) {
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "k"}, NotBefore: time.Unix(0, 0), NotAfter: time.Unix(1<<31, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	var spki struct {
		Algo asn1.RawValue
		Key  asn1.BitString
	}
	if _, err := asn1.Unmarshal(c.RawSubjectPublicKeyInfo, &spki); err != nil {
		t.Fatal(err)
	}
	var got [sha1.Size]byte
	if !KeyID(c, &got) || got != sha1.Sum(spki.Key.Bytes) {
		t.Fatalf("KeyID = %x, want %x", got, sha1.Sum(spki.Key.Bytes))
	}
	if n := testing.AllocsPerRun(10, func() { KeyID(c, &got) }); n != 0 {
		t.Fatalf("KeyID allocates %v", n)
	}
	bad := *c
	bad.RawSubjectPublicKeyInfo = c.RawSubjectPublicKeyInfo[:len(c.RawSubjectPublicKeyInfo)-1]
	if KeyID(&bad, &got) {
		t.Fatal("KeyID of a truncated SubjectPublicKeyInfo")
	}
}
