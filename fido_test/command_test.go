package fido_test

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/passkeykit/webauthn/internal/testenv"
)

// TestCommandConformance builds cmd/webauthn and checks that
// `webauthn conformance testdata/vectors` reports every file passed.
func TestCommandConformance(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command")
	}
	bin := filepath.Join(t.TempDir(), "webauthn")
	build := exec.Command("go", "build", "-o", bin, "./cmd/webauthn")
	build.Dir = testenv.RepoRoot()
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/webauthn: %v\n%s", err, out)
	}
	dir := generatedDir()
	want := len(testenv.Files(t, dir))
	cmd := exec.Command(bin, "conformance", dir)
	out, err := cmd.Output()
	m := regexp.MustCompile(`(?m)^(\d+) passed, (\d+) failed$`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("no \"N passed, N failed\" line (err %v):\n%s", err, out)
	}
	passed, _ := strconv.Atoi(string(m[1]))
	failed, _ := strconv.Atoi(string(m[2]))
	t.Logf("webauthn conformance %s: %s", dir, m[0])
	if passed != want || failed != 0 {
		t.Errorf("got %d passed, %d failed; want %d passed, 0 failed (one per file)\n%s", passed, failed, want, out)
	}
	if err != nil {
		t.Errorf("exit status: %v", err)
	}
}
