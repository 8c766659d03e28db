package testenv

import (
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"

	fxcbor "github.com/fxamacker/cbor/v2"
)

// Certificates returns the DER of every certificate the vectors hold: the
// x5c of each attestation statement and the trust anchors of the shared and
// generated vectors, and the roots embedded in package trust. Certificate
// parser tests seed and check against them.
func Certificates(tb testing.TB) [][]byte {
	tb.Helper()
	var out [][]byte
	addPEM := func(b []byte) {
		for blk, rest := pem.Decode(b); blk != nil; blk, rest = pem.Decode(rest) {
			out = append(out, blk.Bytes)
		}
	}
	for _, dir := range []string{VectorsDir(tb), filepath.Join(TestdataDir(), "vectors")} {
		for _, v := range LoadVectors(tb, dir) {
			var obj struct {
				AttStmt fxcbor.RawMessage `cbor:"attStmt"`
			}
			var stmt struct {
				X5C [][]byte `cbor:"x5c"`
			}
			if fxcbor.Unmarshal(v.AttestationObject(), &obj) == nil && fxcbor.Unmarshal(obj.AttStmt, &stmt) == nil {
				out = append(out, stmt.X5C...)
			}
			pems, err := v.AnchorPEMs()
			if err != nil {
				tb.Fatal(err)
			}
			for _, p := range pems {
				addPEM(p)
			}
		}
	}
	roots, err := filepath.Glob(filepath.Join(RepoRoot(), "trust", "roots", "*.pem"))
	if err != nil {
		tb.Fatal(err)
	}
	for _, r := range roots {
		b, err := os.ReadFile(r)
		if err != nil {
			tb.Fatal(err)
		}
		addPEM(b)
	}
	return out
}
