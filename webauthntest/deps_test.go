package webauthntest_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/passkeykit/webauthn/internal/testenv"
)

// TestNotImported: the production packages never import webauthntest, so
// a software authenticator cannot end up in a relying party's binary.
func TestNotImported(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found")
	}
	cmd := exec.Command(goBin, "list", "-deps", ".", "./ceremony", "./webauthnhttp", "./attestation", "./trust", "./mds")
	cmd.Dir = testenv.RepoRoot()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	n := 0
	for _, pkg := range strings.Fields(string(out)) {
		n++
		if pkg == "github.com/passkeykit/webauthn/webauthntest" {
			t.Errorf("%s is imported by a production package", pkg)
		}
	}
	if n < 10 || !strings.Contains(string(out), "github.com/passkeykit/webauthn/ceremony\n") {
		t.Fatalf("go list returned only %q", out)
	}
}
