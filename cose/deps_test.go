package cose

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDeps keeps the parse side free of fmt, reflect, encoding/json and the
// root package (STYLE.md rule 1).
func TestDeps(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/passkeykit/webauthn/cose").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		switch dep {
		case "fmt", "reflect", "encoding/json", "github.com/passkeykit/webauthn":
			t.Errorf("cose depends on %s", dep)
		}
		if strings.HasPrefix(dep, "crypto/") || strings.HasPrefix(dep, "math/big") {
			t.Errorf("cose depends on %s (crypto belongs in cose/cosesig)", dep)
		}
	}
}
