// Package fido_test runs every vector file, the shared ones
// (../shared/vectors, WEBAUTHN_VECTORS) and the project's generated ones
// (testdata/vectors), through the public API via internal/conformance, and
// checks that the webauthn command agrees.
package fido_test

import (
	"path/filepath"
	"testing"

	"github.com/passkeykit/webauthn/internal/conformance"
	"github.com/passkeykit/webauthn/internal/testenv"
	"github.com/passkeykit/webauthn/internal/vectors"
)

// generatedDir is the repository's generated vectors (internal/gen).
func generatedDir() string { return filepath.Join(testenv.TestdataDir(), "vectors") }

// runSet runs one subtest per file under root and logs "N passed, N failed".
func runSet(t *testing.T, root string) {
	passed, failed := 0, 0
	for _, v := range testenv.LoadVectors(t, root) {
		rel, _ := filepath.Rel(root, v.Path)
		ok := t.Run(filepath.ToSlash(rel), func(t *testing.T) {
			pass, exception, detail, err := conformance.Run(v)
			if err != nil {
				t.Fatalf("cannot run vector: %v", err)
			}
			if !pass {
				t.Errorf("%s (%s)\n  expected: %s\n  actual:   %s\n  detail:   %s", v.Name, v.Ceremony, expected(v), actual(exception), detail)
			}
		})
		if ok {
			passed++
		} else {
			failed++
		}
	}
	t.Logf("%s: %d passed, %d failed", root, passed, failed)
}

func expected(v *vectors.Vector) string {
	if v.Expect.OK {
		return "ok"
	}
	return v.Expect.Exception + " (" + v.Expect.Reason + ")"
}

func actual(exception string) string {
	if exception == "" {
		return "ok"
	}
	return exception
}

// TestSharedVectors runs every vector of the shared, externally sourced set.
func TestSharedVectors(t *testing.T) { runSet(t, testenv.VectorsDir(t)) }

// TestGeneratedVectors runs every vector internal/gen wrote to testdata/vectors.
func TestGeneratedVectors(t *testing.T) { runSet(t, generatedDir()) }
