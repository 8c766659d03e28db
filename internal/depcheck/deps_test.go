package depcheck

import (
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/passkeykit/webauthn/internal/testenv"
)

const module = "github.com/passkeykit/webauthn"

// policyAndReflection are what no parser may depend on, directly or not:
// formatting and reflection (fmt, reflect; encoding/binary and
// encoding/json bring reflect in), HTTP, and the root package, which holds
// the ceremony policy.
var policyAndReflection = []string{"fmt", "reflect", "encoding/json", "encoding/binary", "net/http", module}

// parsers lists every parser package, and the verifier and ceremony
// packages, with the packages each may not import.
// attestation is not listed: its statement verifiers need crypto/x509 and
// crypto/ecdsa, which import fmt and reflect through math/big; its object
// parser (ParseObject) is built from internal/cbor, which is.
var parsers = []struct {
	pkg       string
	forbidden []string
}{
	{"clientdata", policyAndReflection},
	{"authdata", policyAndReflection},
	{"cose", policyAndReflection},
	{"internal/cbor", policyAndReflection},
	{"internal/jsonx", policyAndReflection},
	{"internal/b64", policyAndReflection},
	{"internal/tpm", policyAndReflection},
	{"internal/androidkey", policyAndReflection},
	// The stateless verifier (the root package) and the ceremony layer are
	// not parsers, but they link no HTTP stack or JSON encoder for their
	// users (issue 12): those are webauthnhttp's.
	{"", []string{"net/http", "encoding/json", "crypto/tls"}},
	{"ceremony", []string{"net/http", "crypto/tls"}},
}

// path is the import path of a table entry ("" is the root package).
func path(pkg string) string {
	if pkg == "" {
		return module
	}
	return module + "/" + pkg
}

// TestParserDeps runs go list once for every parser package and fails for
// each forbidden package found among its transitive dependencies.
func TestParserDeps(t *testing.T) {
	args := []string{"list", "-f", `{{.ImportPath}} {{join .Deps " "}}`}
	for _, p := range parsers {
		args = append(args, path(p.pkg))
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = testenv.RepoRoot()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		deps[f[0]] = f[1:]
	}
	for _, p := range parsers {
		d, ok := deps[path(p.pkg)]
		if !ok {
			t.Errorf("%s: not listed by go list", p.pkg)
			continue
		}
		for _, bad := range p.forbidden {
			if slices.Contains(d, bad) {
				t.Errorf("%s depends on %s", p.pkg, bad)
			}
		}
	}
}
