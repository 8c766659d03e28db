package tpm

import (
	"crypto/x509"
	"encoding/asn1"
	"path/filepath"
	"testing"

	"github.com/fxamacker/cbor/v2"

	"github.com/passkeykit/webauthn/internal/testenv"
	"github.com/passkeykit/webauthn/internal/vectors"
)

// tpmStatement is one tpm attestation statement from the shared vectors.
type tpmStatement struct {
	name     string
	certInfo []byte
	pubArea  []byte
	x5c      [][]byte
	san      []byte // subjectAltName extnValue of x5c[0], nil when absent
}

// loadStatements extracts certInfo, pubArea and x5c from every shared vector
// with "fmt": "tpm" (fxamacker/cbor is a test-only dependency).
func loadStatements(tb testing.TB) []tpmStatement {
	tb.Helper()
	dir := testenv.VectorsDir(tb)
	var out []tpmStatement
	for _, p := range testenv.Files(tb, dir) {
		v, err := vectors.Load(p, dir)
		if err != nil {
			tb.Fatal(err)
		}
		if v.Fmt != "tpm" || v.Ceremony != "registration" {
			continue
		}
		var obj struct {
			Fmt     string `cbor:"fmt"`
			AttStmt struct {
				CertInfo []byte   `cbor:"certInfo"`
				PubArea  []byte   `cbor:"pubArea"`
				X5c      [][]byte `cbor:"x5c"`
			} `cbor:"attStmt"`
		}
		if err := cbor.Unmarshal(v.AttestationObject(), &obj); err != nil {
			tb.Fatalf("%s: %v", p, err)
		}
		s := tpmStatement{
			name:     filepath.Base(p),
			certInfo: obj.AttStmt.CertInfo,
			pubArea:  obj.AttStmt.PubArea,
			x5c:      obj.AttStmt.X5c,
		}
		if len(s.x5c) > 0 {
			c, err := x509.ParseCertificate(s.x5c[0])
			if err != nil {
				tb.Fatalf("%s: %v", p, err)
			}
			for _, e := range c.Extensions {
				if e.Id.Equal(asn1.ObjectIdentifier{2, 5, 29, 17}) {
					s.san = e.Value
				}
			}
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		tb.Fatal("no tpm registration vectors")
	}
	return out
}
