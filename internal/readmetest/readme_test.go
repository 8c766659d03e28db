package readmetest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/passkeykit/webauthn/internal/testenv"
)

// quickstartHeading is the README section whose Go block is the quickstart.
const quickstartHeading = "## Add passkeys to your app"

// quickstart returns the one ```go block of the README section under
// heading, or why there is not exactly one.
func quickstart(readme []byte, heading string) (string, string) {
	s := string(readme)
	i := strings.Index(s, "\n"+heading+"\n")
	if i < 0 {
		return "", "no section " + heading
	}
	s = s[i+1+len(heading):] // from the newline ending the heading
	if j := strings.Index(s, "\n## "); j >= 0 {
		s = s[:j+1]
	}
	parts := strings.Split(s, "\n```go\n")
	if len(parts) != 2 {
		return "", "the section holds " + itoa(len(parts)-1) + " go blocks, want 1"
	}
	end := strings.Index(parts[1], "\n```\n")
	if end < 0 {
		return "", "the go block is not closed"
	}
	return parts[1][:end+1], ""
}

func itoa(n int) string {
	if n >= 0 && n < 10 {
		return string(rune('0' + n))
	}
	return "many"
}

func TestQuickstartExtraction(t *testing.T) {
	tests := []struct {
		name, readme, want, problem string
	}{
		{"one block", "# x\n" + quickstartHeading + "\ntext\n```go\npackage main\n```\n## Next\n```go\nother\n```\n", "package main\n", ""},
		{"no section", "# x\n## Other\n```go\npackage main\n```\n", "", "no section " + quickstartHeading},
		{"no block", "# x\n" + quickstartHeading + "\n```js\nx\n```\n## Next\n", "", "the section holds 0 go blocks, want 1"},
		{"two blocks", "# x\n" + quickstartHeading + "\n```go\na\n```\n```go\nb\n```\n", "", "the section holds 2 go blocks, want 1"},
		{"unclosed", "# x\n" + quickstartHeading + "\n```go\npackage main\n", "", "the go block is not closed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, problem := quickstart([]byte(tt.readme), quickstartHeading)
			if got != tt.want || problem != tt.problem {
				t.Fatalf("quickstart = %q, %q; want %q, %q", got, problem, tt.want, tt.problem)
			}
		})
	}
}

// TestQuickstartBuilds writes the README quickstart into a module of its
// own that requires this one (replaced by the checkout), and runs go vet
// and go build on it.
func TestQuickstartBuilds(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program; skipped with -short")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found")
	}
	root := testenv.RepoRoot()
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	src, problem := quickstart(readme, quickstartHeading)
	if problem != "" {
		t.Fatalf("README.md: %s", problem)
	}
	if !strings.HasPrefix(src, "package main\n") || !strings.Contains(src, "\nfunc main() {") {
		t.Fatalf("README.md: the quickstart is not a whole program:\n%s", src)
	}
	dir := t.TempDir()
	gomod := "module example.com/quickstart\n\ngo 1.26.0\n\n" +
		"require github.com/passkeykit/webauthn v0.0.0\n\n" +
		"replace github.com/passkeykit/webauthn => " + root + "\n"
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"go.mod": []byte(gomod), "go.sum": sum, "main.go": []byte(src)} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command(goBin, args...)
		cmd.Dir = dir
		// -mod=mod lets go add the module's own requirements to go.mod.
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			t.Fatalf("go %s: %v\n%s\nthe program:\n%s", strings.Join(args, " "), err, out.Bytes(), src)
		}
	}
	run("vet", ".")
	run("build", "-o", filepath.Join(dir, "quickstart"), ".")
	if _, err := os.Stat(filepath.Join(dir, "quickstart")); err != nil {
		t.Fatalf("no binary: %v", err)
	}
}
