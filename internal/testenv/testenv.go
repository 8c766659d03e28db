// Package testenv locates the data the tests read but the repository does not hold:
// the shared WebAuthn vectors and the Wycheproof signature vectors.
//
// Each directory comes from an environment variable (WEBAUTHN_VECTORS,
// WEBAUTHN_WYCHEPROOF) or, when the variable is unset, from a default beside the
// repository root (../shared/vectors, ../shared/wycheproof). A missing default
// skips the test with a loud message; a variable that is set but names a missing
// directory fails the test, so CI can never pass by silently skipping.
package testenv

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/passkeykit/webauthn/internal/vectors"
)

// RepoRoot returns the absolute path of the repository root.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// VectorsDir returns the shared vectors directory (WEBAUTHN_VECTORS).
func VectorsDir(tb testing.TB) string {
	tb.Helper()
	return dir(tb, "WEBAUTHN_VECTORS", filepath.Join(RepoRoot(), "..", "shared", "vectors"))
}

// WycheproofDir returns the Wycheproof vectors directory (WEBAUTHN_WYCHEPROOF).
func WycheproofDir(tb testing.TB) string {
	tb.Helper()
	return dir(tb, "WEBAUTHN_WYCHEPROOF", filepath.Join(RepoRoot(), "..", "shared", "wycheproof"))
}

// TestdataDir returns the repository's own generated testdata directory.
func TestdataDir() string {
	return filepath.Join(RepoRoot(), "testdata")
}

// LookupVectorsDir is VectorsDir for callers without a testing.TB (benchmarks in
// other modules, commands): it returns the directory and whether it exists, and
// an error text when the variable is set but the directory is missing.
func LookupVectorsDir() (dir string, ok bool, problem string) {
	return lookup("WEBAUTHN_VECTORS", filepath.Join(RepoRoot(), "..", "shared", "vectors"))
}

func lookup(env, def string) (string, bool, string) {
	if v, set := os.LookupEnv(env); set && v != "" {
		if st, err := os.Stat(v); err != nil || !st.IsDir() {
			return v, false, env + "=" + v + " is set but is not a directory"
		}
		return v, true, ""
	}
	if st, err := os.Stat(def); err != nil || !st.IsDir() {
		return def, false, ""
	}
	return def, true, ""
}

func dir(tb testing.TB, env, def string) string {
	tb.Helper()
	d, ok, problem := lookup(env, def)
	if problem != "" {
		tb.Fatalf("testenv: %s", problem)
	}
	if !ok {
		tb.Skipf("testenv: SKIPPING: %s not set and default %s is absent; these tests read data the repository does not hold", env, d)
	}
	return d
}

// Vectors loads every vector under VectorsDir with vectors.LoadDir (sorted by
// path). A vector that does not load, or a directory without vectors, fails
// the test.
func Vectors(tb testing.TB) []*vectors.Vector {
	tb.Helper()
	return LoadVectors(tb, VectorsDir(tb))
}

// LoadVectors is Vectors for the vectors under dir.
func LoadVectors(tb testing.TB, dir string) []*vectors.Vector {
	tb.Helper()
	vs, err := vectors.LoadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	if len(vs) == 0 {
		tb.Fatalf("testenv: no vectors under %s", dir)
	}
	return vs
}

// Item is one byte string taken from a vector: its attestationObject, the
// authenticator data, a credential key...
type Item struct {
	V *vectors.Vector
	B []byte
}

// Items returns the byte strings pick takes from every shared vector (nil ones
// dropped), failing the test when there are none. what names them in that
// failure.
func Items(tb testing.TB, what string, pick func(*vectors.Vector) [][]byte) []Item {
	tb.Helper()
	var out []Item
	for _, v := range Vectors(tb) {
		for _, b := range pick(v) {
			if b != nil {
				out = append(out, Item{v, b})
			}
		}
	}
	if len(out) == 0 {
		tb.Fatalf("testenv: no %s in the vectors", what)
	}
	return out
}

// OKItems returns the items of the vectors expected to verify, failing the
// test when parse rejects one of them or there are none.
func OKItems(tb testing.TB, items []Item, parse func([]byte) error) [][]byte {
	tb.Helper()
	var out [][]byte
	for _, it := range items {
		if !it.V.Expect.OK {
			continue
		}
		if err := parse(it.B); err != nil {
			tb.Fatalf("%s: expected ok, but it does not parse: %v", it.V.Name, err)
		}
		out = append(out, it.B)
	}
	if len(out) == 0 {
		tb.Fatal("testenv: no item of a vector expected to verify")
	}
	return out
}

// Files returns every *.json file under root (recursively), sorted.
func Files(tb testing.TB, root string) []string {
	tb.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && filepath.Ext(p) == ".json" {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	if len(out) == 0 {
		tb.Fatalf("testenv: no .json files under %s", root)
	}
	return out
}
