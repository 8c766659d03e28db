package gen

import (
	"bytes"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/passkeykit/webauthn/internal/testenv"
	"github.com/passkeykit/webauthn/internal/vectors"
)

var update = flag.Bool("update", false, "rewrite testdata/vectors with what the generator writes")

// readTree returns every file under root by slash path relative to root.
func readTree(t *testing.T, root string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		out[filepath.ToSlash(rel)] = b
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// diffTrees reports files missing, extra or different between want and got.
func diffTrees(t *testing.T, want, got map[string][]byte, hint string) {
	t.Helper()
	var names []string
	for n := range want {
		names = append(names, n)
	}
	for n := range got {
		if _, ok := want[n]; !ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	bad := 0
	for _, n := range names {
		w, inWant := want[n]
		g, inGot := got[n]
		switch {
		case !inGot:
			t.Errorf("%s: missing", n)
		case !inWant:
			t.Errorf("%s: not generated (stale file)", n)
		case !bytes.Equal(w, g):
			t.Errorf("%s: differs", n)
		default:
			continue
		}
		bad++
	}
	if bad > 0 {
		t.Logf("%d files differ; %s", bad, hint)
	}
}

func generate(t *testing.T) (string, int) {
	t.Helper()
	dir := t.TempDir()
	n, err := Generate(dir)
	if err != nil {
		t.Fatal(err)
	}
	return dir, n
}

// TestGeneratedUpToDate keeps testdata/vectors equal to what the generator
// writes; with -update it rewrites testdata/vectors first. This is the only way
// to run the generator: it links internal/forge and its test private keys, so
// no command ships it.
func TestGeneratedUpToDate(t *testing.T) {
	committed := filepath.Join(testenv.TestdataDir(), "vectors")
	if *update {
		if err := os.RemoveAll(committed); err != nil {
			t.Fatal(err)
		}
		n, err := Generate(committed)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %d files to %s", n, committed)
	}
	dir, n := generate(t)
	got := readTree(t, dir)
	if len(got) != n {
		t.Errorf("Generate reported %d files, wrote %d", n, len(got))
	}
	diffTrees(t, got, readTree(t, committed), "run: go test ./internal/gen -run TestGeneratedUpToDate -update")
}

// TestDeterministic generates twice and compares byte for byte.
func TestDeterministic(t *testing.T) {
	a, _ := generate(t)
	b, _ := generate(t)
	diffTrees(t, readTree(t, a), readTree(t, b), "the generator is not deterministic")
}

// TestVectorsWellFormed checks every generated vector against the SCHEMA.md
// shape the loader reads, and that negative vectors name an exception.
func TestVectorsWellFormed(t *testing.T) {
	dir, _ := generate(t)
	vs := loadAll(t, dir)
	if len(vs) < 100 {
		t.Errorf("only %d vectors", len(vs))
	}
	for _, v := range vs {
		if v.Expect.OK == (v.Expect.Exception != "") {
			t.Errorf("%s: ok=%v with exception %q", v.Path, v.Expect.OK, v.Expect.Exception)
		}
		if v.Expect.OK && v.Expect.CredentialID == "" {
			t.Errorf("%s: ok without credentialId", v.Path)
		}
		if _, err := v.AnchorPEMs(); err != nil {
			t.Errorf("%s: %v", v.Path, err)
		}
	}
}

func loadAll(t *testing.T, dir string) []*vectors.Vector {
	t.Helper()
	vs, err := vectors.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return vs
}
