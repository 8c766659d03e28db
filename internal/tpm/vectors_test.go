package tpm

import (
	"crypto/x509"
	"encoding/asn1"
	"path/filepath"
	"testing"

	"github.com/fxamacker/cbor/v2"

	"github.com/passkeykit/webauthn/internal/testenv"
)

// tpmStatement is one tpm attestation statement from the shared vectors.
type tpmStatement struct {
	name     string
	certInfo []byte
	pubArea  []byte
	x5c      [][]byte
	san      []byte // subjectAltName extnValue of x5c[0], nil when absent
	ok       bool   // the vector is expected to verify
}

// loadStatements extracts certInfo, pubArea and x5c from every shared vector
// with "fmt": "tpm" (fxamacker/cbor is a test-only dependency).
func loadStatements(tb testing.TB) []tpmStatement {
	tb.Helper()
	var out []tpmStatement
	for _, v := range testenv.Vectors(tb) {
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
			tb.Fatalf("%s: %v", v.Path, err)
		}
		s := tpmStatement{
			name:     filepath.Base(v.Path),
			ok:       v.Expect.OK,
			certInfo: obj.AttStmt.CertInfo,
			pubArea:  obj.AttStmt.PubArea,
			x5c:      obj.AttStmt.X5c,
		}
		if len(s.x5c) > 0 {
			c, err := x509.ParseCertificate(s.x5c[0])
			if err != nil {
				tb.Fatalf("%s: %v", v.Path, err)
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
