package bench

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/passkeykit/webauthn/internal/testenv"
	"github.com/passkeykit/webauthn/internal/vectors"
)

// vector is one shared vector (internal/vectors: importable from this module,
// since Go's internal rule goes by import path) with the fields the
// benchmarks read decoded once.
type vector struct {
	*vectors.Vector
	// id is the file name without .json: the <vector> of the benchmark names.
	id string
	// at is VerifyAt parsed (zero when absent).
	at time.Time
	// challenge and credKey are Challenge and CredentialPublicKey decoded.
	challenge []byte
	credKey   []byte
	// anchors are the parsed TrustAnchors.
	anchors []*x509.Certificate
	// rawID is the response's rawId as written (ourCredential decodes it).
	rawID string
	// The response's binary fields, decoded.
	clientDataJSON, attestationObject, authenticatorData, signature []byte
}

// vectorsDir returns the shared vectors directory (internal/testenv): a
// WEBAUTHN_VECTORS that names no directory fails; a missing default skips.
func vectorsDir(tb testing.TB) string {
	tb.Helper()
	return testenv.VectorsDir(tb)
}

var (
	loadOnce sync.Once
	loaded   []*vector
	loadErr  error
)

// benchVectors returns every vector the benchmarks run: all of w3c/ plus the
// Windows Hello TPM RSA vectors of peers/tpm, sorted by id. Every field must
// decode.
func benchVectors(tb testing.TB) []*vector {
	tb.Helper()
	vs := testenv.Vectors(tb)
	loadOnce.Do(func() {
		for _, v := range vs {
			rel, _ := filepath.Rel(v.Dir, v.Path)
			rel = filepath.ToSlash(rel)
			if !strings.HasPrefix(rel, "w3c/") && !strings.HasPrefix(rel, "peers/tpm/tpm-rs256-windows-hello-") {
				continue
			}
			w, err := newVector(v, true)
			if err != nil {
				loadErr = err
				return
			}
			loaded = append(loaded, w)
		}
		slices.SortFunc(loaded, func(a, b *vector) int { return strings.Compare(a.id, b.id) })
	})
	if loadErr != nil {
		tb.Fatal(loadErr)
	}
	if len(loaded) == 0 {
		tb.Fatal("no w3c or Windows Hello TPM vectors")
	}
	return loaded
}

type loadError struct {
	path string
	err  error
}

func (e *loadError) Error() string { return "bench: " + e.path + ": " + e.err.Error() }

var errBase64 = errors.New("a binary field is not base64url")

// newVector decodes v's fields. strict fails on a field that does not decode;
// otherwise such a field is left nil (negative vectors with deliberately
// malformed fields: both verifiers read only the raw response JSON). A trust
// anchor that does not load fails either way.
func newVector(v *vectors.Vector, strict bool) (*vector, error) {
	w := &vector{Vector: v, id: strings.TrimSuffix(filepath.Base(v.Path), ".json")}
	fail := func(err error) (*vector, error) { return nil, &loadError{v.Path, err} }
	if v.VerifyAt != "" {
		var err error
		if w.at, err = time.Parse(time.RFC3339, v.VerifyAt); err != nil && strict {
			return fail(err)
		}
	}
	bad := false
	dec := func(s string) []byte {
		b := vectors.B64(s)
		bad = bad || s != "" && b == nil
		return b
	}
	w.challenge = dec(v.Challenge)
	w.credKey = dec(v.CredentialPublicKey)
	if f := v.Fields(); f != nil {
		w.rawID = f.RawID
		r := &f.Response
		w.clientDataJSON = dec(r.ClientDataJSON)
		w.attestationObject = dec(r.AttestationObject)
		w.authenticatorData = dec(r.AuthenticatorData)
		w.signature = dec(r.Signature)
	} else {
		bad = true
	}
	if bad && strict {
		return fail(errBase64)
	}
	pems, err := v.AnchorPEMs()
	if err != nil {
		return fail(err)
	}
	for _, pb := range pems {
		for blk, rest := pem.Decode(pb); blk != nil; blk, rest = pem.Decode(rest) {
			c, err := x509.ParseCertificate(blk.Bytes)
			if err != nil {
				return fail(err)
			}
			w.anchors = append(w.anchors, c)
		}
	}
	return w, nil
}

// decodeB64 decodes base64url, unpadded or with trailing '=' padding.
func decodeB64(s string) ([]byte, error) {
	if b := vectors.B64(s); b != nil || s == "" {
		return b, nil
	}
	return nil, errBase64
}

// byCeremony returns the vectors of one ceremony.
func byCeremony(vs []*vector, ceremony string) []*vector {
	var out []*vector
	for _, v := range vs {
		if v.Ceremony == ceremony {
			out = append(out, v)
		}
	}
	return out
}

// verifyTime is the instant certificates are judged at for v (authentication
// vectors have none; any fixed instant works for them).
func (v *vector) verifyTime() time.Time {
	if v.at.IsZero() {
		return time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return v.at
}
