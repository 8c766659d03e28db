package bench

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// vector is one file in the format of ../../shared/vectors/SCHEMA.md. The
// root module's internal/vectors cannot be imported from this module, so this
// is the few fields the benchmarks read.
type vector struct {
	Name                    string          `json:"name"`
	Ceremony                string          `json:"ceremony"`
	Fmt                     string          `json:"fmt"`
	RPID                    string          `json:"rpId"`
	Origins                 []string        `json:"origins"`
	AllowCrossOrigin        bool            `json:"allowCrossOrigin"`
	TopOrigins              []string        `json:"topOrigins"`
	Algorithms              []int64         `json:"algorithms"`
	Challenge               string          `json:"challenge"`
	VerifyAt                string          `json:"verifyAt"`
	RequireUserVerification bool            `json:"requireUserVerification"`
	TrustAnchors            []string        `json:"trustAnchors"`
	Response                json.RawMessage `json:"response"`
	CredentialPublicKey     string          `json:"credentialPublicKey"`
	Expect                  struct {
		OK bool `json:"ok"`
	} `json:"expect"`

	// id is the file name without .json: the <vector> of the benchmark names.
	id string
	// at is VerifyAt parsed (zero when absent).
	at time.Time
	// challenge and credKey are Challenge and CredentialPublicKey decoded.
	challenge []byte
	credKey   []byte
	// anchors are the parsed TrustAnchors.
	anchors []*x509.Certificate
	// resp is the response JSON decoded just enough to reach its binary fields.
	resp struct {
		RawID    string `json:"rawId"`
		Response struct {
			ClientDataJSON    string `json:"clientDataJSON"`
			AttestationObject string `json:"attestationObject"`
			AuthenticatorData string `json:"authenticatorData"`
			Signature         string `json:"signature"`
		} `json:"response"`
	}
	clientDataJSON, attestationObject, authenticatorData, signature []byte
}

// vectorsDir returns the shared vectors directory: WEBAUTHN_VECTORS, or
// ../../shared/vectors relative to this package (the repository's ../shared).
// A variable that is set but names no directory fails; a missing default
// skips loudly.
func vectorsDir(tb testing.TB) string {
	tb.Helper()
	if v, set := os.LookupEnv("WEBAUTHN_VECTORS"); set && v != "" {
		if st, err := os.Stat(v); err != nil || !st.IsDir() {
			tb.Fatalf("WEBAUTHN_VECTORS=%s is set but is not a directory", v)
		}
		return v
	}
	_, file, _, _ := runtime.Caller(0)
	def := filepath.Join(filepath.Dir(file), "..", "..", "shared", "vectors")
	if st, err := os.Stat(def); err != nil || !st.IsDir() {
		tb.Skipf("SKIPPING: shared vectors not found at %s; set WEBAUTHN_VECTORS", def)
	}
	return def
}

var (
	loadOnce   sync.Once
	loaded     []*vector
	loadErr    error
	loadedFrom string
)

// benchVectors returns every vector the benchmarks run: all of w3c/ plus the
// Windows Hello TPM RSA vectors of peers/tpm, sorted by id.
func benchVectors(tb testing.TB) []*vector {
	tb.Helper()
	dir := vectorsDir(tb)
	loadOnce.Do(func() {
		loadedFrom = dir
		loaded, loadErr = loadVectors(dir)
	})
	if loadErr != nil {
		tb.Fatal(loadErr)
	}
	if len(loaded) == 0 {
		tb.Fatalf("no vectors under %s", loadedFrom)
	}
	return loaded
}

func loadVectors(dir string) ([]*vector, error) {
	w3c, err := filepath.Glob(filepath.Join(dir, "w3c", "*.json"))
	if err != nil {
		return nil, err
	}
	tpm, err := filepath.Glob(filepath.Join(dir, "peers", "tpm", "tpm-rs256-windows-hello-*.json"))
	if err != nil {
		return nil, err
	}
	var out []*vector
	for _, p := range append(w3c, tpm...) {
		v, err := loadVector(dir, p)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b *vector) int { return strings.Compare(a.id, b.id) })
	return out, nil
}

type loadError struct {
	path string
	err  error
}

func (e *loadError) Error() string { return "bench: " + e.path + ": " + e.err.Error() }

func loadVector(dir, path string) (*vector, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	v := new(vector)
	fail := func(err error) (*vector, error) { return nil, &loadError{path, err} }
	if err := json.Unmarshal(b, v); err != nil {
		return fail(err)
	}
	v.id = strings.TrimSuffix(filepath.Base(path), ".json")
	if v.VerifyAt != "" {
		if v.at, err = time.Parse(time.RFC3339, v.VerifyAt); err != nil {
			return fail(err)
		}
	}
	if err := json.Unmarshal(v.Response, &v.resp); err != nil {
		return fail(err)
	}
	dec := func(s string) []byte {
		if err != nil || s == "" {
			return nil
		}
		var d []byte
		d, err = base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
		return d
	}
	r := &v.resp.Response
	v.challenge = dec(v.Challenge)
	v.credKey = dec(v.CredentialPublicKey)
	v.clientDataJSON = dec(r.ClientDataJSON)
	v.attestationObject = dec(r.AttestationObject)
	v.authenticatorData = dec(r.AuthenticatorData)
	v.signature = dec(r.Signature)
	if err != nil {
		return fail(err)
	}
	for _, a := range v.TrustAnchors {
		pb, err := os.ReadFile(filepath.Join(dir, a))
		if err != nil {
			return fail(err)
		}
		for {
			var blk *pem.Block
			blk, pb = pem.Decode(pb)
			if blk == nil {
				break
			}
			c, err := x509.ParseCertificate(blk.Bytes)
			if err != nil {
				return fail(err)
			}
			v.anchors = append(v.anchors, c)
		}
	}
	return v, nil
}

// decodeB64 decodes base64url, unpadded or with trailing '=' padding.
func decodeB64(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
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
