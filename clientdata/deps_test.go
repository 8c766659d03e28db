package clientdata

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/passkeykit/webauthn/internal/testenv"
)

// TestDeps keeps the parsers free of encoding/json, reflect, fmt and the root
// package (docs/DESIGN.md).
func TestDeps(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found")
	}
	cmd := exec.Command(goBin, "list", "-deps", "./clientdata", "./internal/jsonx", "./internal/b64")
	cmd.Dir = testenv.RepoRoot()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	forbidden := map[string]bool{"encoding/json": true, "reflect": true, "fmt": true, "github.com/passkeykit/webauthn": true}
	n := 0
	for _, pkg := range strings.Fields(string(out)) {
		n++
		if forbidden[pkg] {
			t.Errorf("forbidden dependency %s", pkg)
		}
	}
	if n < 3 {
		t.Fatalf("go list returned only %q", out)
	}
}
