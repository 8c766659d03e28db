package main

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/internal/forge"
	"github.com/passkeykit/webauthn/internal/testenv"
)

// testSigner is the subject CN of the forged BLOB's signing certificate,
// as the FIDO conformance tool's test BLOBs name theirs.
const testSigner = "FAKE Metadata 3 BLOB Signer"

// writeBLOB writes a forged MDS3 BLOB, signed by a leaf issued to
// testSigner under a forged root, and the root's PEM; it returns their paths.
func writeBLOB(t *testing.T) (blob, root string) {
	t.Helper()
	f := forge.New("cmd mds")
	ca := f.Root("MDS test root", cose.ES256)
	key := f.Key("mds signer", cose.ES256)
	leaf := f.Issue("mds signer", &forge.CertSpec{Subject: pkix.Name{CommonName: testSigner}, KeyUsage: x509.KeyUsageDigitalSignature}, key, ca)
	payload := []byte(`{"legalHeader":"test","no":7,"nextUpdate":"2026-02-01","entries":[]}`)
	jws := forge.SafetyNetJWS(key, forge.SafetyNetHeader("ES256", leaf), payload)
	dir := t.TempDir()
	blob, root = filepath.Join(dir, "blob.jwt"), filepath.Join(dir, "root.pem")
	if err := os.WriteFile(blob, jws, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(root, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.DER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return blob, root
}

// TestMDSSigner: `webauthn mds` and `webauthn inspect -mds` accept a BLOB
// only from the signer named by -mds-signer, mds.fidoalliance.org when
// the flag is absent.
func TestMDSSigner(t *testing.T) {
	blob, root := writeBLOB(t)
	at := forge.Now.Format(time.RFC3339)
	tests := []struct {
		name   string
		signer []string
		code   int
		want   string
	}{
		{"default signer refuses the test BLOB", nil, 1, "signature: INVALID:"},
		{"production name refuses it", []string{"-mds-signer", "mds.fidoalliance.org"}, 1, "signature: INVALID:"},
		{"another name refuses it", []string{"-mds-signer", "FAKE Metadata 3 BLOB Signer 2"}, 1, "signature: INVALID:"},
		{"its signer's name accepts it", []string{"-mds-signer", testSigner}, 0, "signature: verified ES256 by " + testSigner},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"-mds-root", root, "-at", at}, tt.signer...)
			var out bytes.Buffer
			if code := mdsSummary(append(args, blob), &out); code != tt.code || !strings.Contains(out.String(), tt.want) {
				t.Fatalf("webauthn mds %v: exit %d, want %d with %q:\n%s", tt.signer, code, tt.code, tt.want, &out)
			}
			if tt.code == 0 && !strings.Contains(out.String(), "no: 7") {
				t.Fatalf("summary:\n%s", &out)
			}
			// inspect loads the BLOB through the same flags before it reads
			// its input, and prints nothing when it refuses the BLOB.
			out.Reset()
			vector := filepath.Join(testenv.TestdataDir(), "vectors", "none", "none-ed25519.json")
			code := inspect(append(append([]string{"-mds", blob}, args...), vector), nil, &out)
			if accepted := code == 0 && strings.Contains(out.String(), "vector none-ed25519"); accepted != (tt.code == 0) || code != 0 && out.Len() != 0 {
				t.Fatalf("webauthn inspect -mds %v: exit %d:\n%s", tt.signer, code, &out)
			}
		})
	}
}
