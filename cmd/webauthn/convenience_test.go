package main

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/internal/forge"
	"github.com/passkeykit/webauthn/mds"
)

// TestInspectConvenience: inspect -convenience names the provider of an
// attestation object's AAGUID from a BLOB signed by the given root, and
// refuses a BLOB that does not chain to it.
func TestInspectConvenience(t *testing.T) {
	f := forge.New("inspect convenience")
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	root := f.Root("Test MDS Root", cose.ES256)
	signer := f.Issue(mds.DefaultSigner, &forge.CertSpec{KeyUsage: x509.KeyUsageDigitalSignature}, f.Key("signer", cose.ES256), root)
	reg := f.Registration("cred", f.Key("cred", cose.ES256))
	payload, _ := json.Marshal(map[string]any{"no": 1, "nextUpdate": "2026-12-31",
		reg.AuthData.AAGUID.String(): map[string]any{"friendlyNames": map[string]string{"en-US": "Test Keychain"}}})
	blob := write("convenience.jwt", forge.JWS(payload, signer))
	rootPEM := write("root.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: root.DER}))
	obj := write("attestation.cbor", reg.Object("none", forge.Stmt{}))
	at := "-at=" + forge.Epoch.AddDate(1, 0, 0).Format("2006-01-02T15:04:05Z")

	var out bytes.Buffer
	if code := inspect([]string{"-convenience", blob, "-mds-root", rootPEM, at, obj}, nil, &out); code != 0 {
		t.Fatalf("inspect: %d\n%s", code, out.String())
	}
	if !strings.Contains(out.String(), `provider "Test Keychain" (convenience metadata no 1)`) {
		t.Fatalf("no provider in\n%s", out.String())
	}

	other := f.Root("Another Root", cose.ES256)
	otherPEM := write("other.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: other.DER}))
	out.Reset()
	if code := inspect([]string{"-convenience", blob, "-mds-root", otherPEM, at, obj}, nil, &out); code != 1 {
		t.Fatalf("inspect with the wrong root: %d\n%s", code, out.String())
	}
}
