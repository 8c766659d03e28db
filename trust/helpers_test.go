package trust

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"sync/atomic"
	"testing"
	"time"
)

// t0 is the verification time of most tests; test certificates are valid for
// a year either side of it unless a case says otherwise.
var t0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

type tcert struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

var serial atomic.Int64

// mk issues a certificate named name by parent (self-signed when parent is
// nil). CA certificates get basicConstraints cA=TRUE and keyCertSign; edit
// adjusts the template before signing.
func mk(tb testing.TB, name string, ca bool, parent *tcert, edit ...func(*x509.Certificate)) *tcert {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	var p *scert
	if parent != nil {
		p = parent.signer()
	}
	return &tcert{cert: mkSigner(tb, name, ca, key, p, edit...).cert, key: key}
}

// scert is a test certificate with a key of any type.
type scert struct {
	cert *x509.Certificate
	key  crypto.Signer
}

// mkSigner is mk for any key: it issues a certificate for key named name,
// signed by parent (self-signed when parent is nil).
func mkSigner(tb testing.TB, name string, ca bool, key crypto.Signer, parent *scert, edit ...func(*x509.Certificate)) *scert {
	tb.Helper()
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(serial.Add(1)),
		Subject:               pkix.Name{CommonName: name, Organization: []string{"passkeykit test"}},
		NotBefore:             t0.AddDate(-1, 0, 0),
		NotAfter:              t0.AddDate(1, 0, 0),
		BasicConstraintsValid: true,
		IsCA:                  ca,
		KeyUsage:              x509.KeyUsageDigitalSignature,
	}
	if ca {
		tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	}
	for _, e := range edit {
		e(tmpl)
	}
	signer, signerCert := key, tmpl
	if parent != nil {
		signer, signerCert = parent.key, parent.cert
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signerCert, key.Public(), signer)
	if err != nil {
		tb.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	return &scert{cert: c, key: key}
}

func (t *tcert) signer() *scert { return &scert{cert: t.cert, key: t.key} }

func certs(ts ...*tcert) []*x509.Certificate {
	out := make([]*x509.Certificate, len(ts))
	for i, t := range ts {
		out[i] = t.cert
	}
	return out
}

func validity(nb, na time.Time) func(*x509.Certificate) {
	return func(c *x509.Certificate) { c.NotBefore, c.NotAfter = nb, na }
}

var oidSAN = asn1.ObjectIdentifier{2, 5, 29, 17}

// tpmSAN adds a critical subjectAltName holding only a directoryName, as TPM
// AIK certificates do (TPMv2 profile §3.2.9); crypto/x509 leaves it unhandled.
func tpmSAN(tb testing.TB) func(*x509.Certificate) {
	tb.Helper()
	dn, err := asn1.Marshal(pkix.Name{CommonName: "id:FFFFF1D0"}.ToRDNSequence())
	if err != nil {
		tb.Fatal(err)
	}
	val, err := asn1.Marshal([]asn1.RawValue{{Class: asn1.ClassContextSpecific, Tag: 4, IsCompound: true, Bytes: dn}})
	if err != nil {
		tb.Fatal(err)
	}
	return func(c *x509.Certificate) {
		c.Subject = pkix.Name{}
		c.ExtraExtensions = append(c.ExtraExtensions, pkix.Extension{Id: oidSAN, Critical: true, Value: val})
	}
}
