package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// testOnly are the packages that hold test keys or generate test material:
// the shipped command must not link them.
var testOnly = []string{
	"github.com/passkeykit/webauthn/internal/forge",
	"github.com/passkeykit/webauthn/internal/gen",
	"github.com/passkeykit/webauthn/webauthntest",
}

// TestShippedBinary builds the command as a user would and proves it carries
// no test key: it depends on no package of testOnly (go list -deps), and the
// binary contains no PEM private key ("PRIVATE KEY", as in "-----BEGIN RSA
// PRIVATE KEY-----" and "-----BEGIN PRIVATE KEY-----").
func TestShippedBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command")
	}
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 50 || !strings.Contains(string(out), "github.com/passkeykit/webauthn/attestation\n") {
		t.Fatalf("go list -deps listed %d packages, not the command's", len(deps))
	}
	for _, d := range deps {
		for _, bad := range testOnly {
			if d == bad {
				t.Errorf("cmd/webauthn depends on %s", bad)
			}
		}
	}
	bin := filepath.Join(t.TempDir(), "webauthn")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	// The marker is built at run time so that this test binary's own
	// constant does not answer for the command's.
	marker := []byte(strings.Join([]string{"PRIVATE", "KEY"}, " "))
	if i := bytes.Index(b, marker); i >= 0 {
		t.Fatalf("the webauthn binary contains %q at %d: %q", marker, i, b[max(0, i-40):min(len(b), i+40)])
	}
	if !bytes.Contains(b, []byte("webauthn conformance DIR")) {
		t.Fatal("the built file is not the command (no usage text)")
	}
}
