package webauthn

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	fxcbor "github.com/fxamacker/cbor/v2"
	"github.com/passkeykit/webauthn/internal/cbor"
	"github.com/passkeykit/webauthn/internal/jsonx"
)

// extensionCase is one file of testdata/extensions: raw client extension
// outputs, the authenticator extension outputs map in hex, and the
// ExtensionOutputs expected.
type extensionCase struct {
	name        string
	Description string          `json:"description"`
	Client      json.RawMessage `json:"clientExtensionResults"`
	AuthHex     string          `json:"authenticatorExtensions"`
	Expect      json.RawMessage `json:"expect"`
	auth        []byte
	want        ExtensionOutputs
}

func loadExtensionCases(t testing.TB) []*extensionCase {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "extensions", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no extension vectors: %v", err)
	}
	var out []*extensionCase
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		c := &extensionCase{name: strings.TrimSuffix(filepath.Base(f), ".json")}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(c); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if c.auth, err = hex.DecodeString(c.AuthHex); err != nil {
			t.Fatalf("%s: authenticatorExtensions: %v", f, err)
		}
		if c.AuthHex == "" {
			c.auth = nil
		}
		dec = json.NewDecoder(bytes.NewReader(c.Expect))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c.want); err != nil {
			t.Fatalf("%s: expect: %v", f, err)
		}
		out = append(out, c)
	}
	return out
}

func TestExtensionVectors(t *testing.T) {
	for _, c := range loadExtensionCases(t) {
		t.Run(c.name, func(t *testing.T) {
			var got ExtensionOutputs
			readExtensions(c.Client, c.auth, &got)
			if got != c.want {
				t.Errorf("%s\ngot  %+v\nwant %+v", c.Description, got, c.want)
			}
			if c.Client != nil || c.auth != nil {
				if o := oracleExtensions(t, c.Client, c.auth); o != got {
					t.Errorf("oracle %+v, reader %+v", o, got)
				}
			}
		})
	}
}

// TestExtensionOutputsReset: a second read leaves nothing of the first.
func TestExtensionOutputsReset(t *testing.T) {
	out := ExtensionOutputs{CredProtect: CredProtectUVRequired, PRF: PRFOutput{Present: true}}
	readExtensions(nil, nil, &out)
	if out != (ExtensionOutputs{}) {
		t.Fatalf("stale outputs %+v", out)
	}
	// A client output that is not an object (parseResponse excludes it)
	// reads as nothing rather than as what came before the fault.
	readExtensions([]byte(`{"prf":{"enabled":true},"credProps":{"rk":tru}}`), nil, &out)
	if out != (ExtensionOutputs{}) {
		t.Fatalf("partial outputs from malformed JSON: %+v", out)
	}
}

func TestExtensionOutputsAllocs(t *testing.T) {
	var all *extensionCase
	for _, c := range loadExtensionCases(t) {
		if c.name == "all" {
			all = c
		}
	}
	if all == nil {
		t.Fatal("no all.json vector")
	}
	var out ExtensionOutputs
	n := testing.AllocsPerRun(100, func() { readExtensions(all.Client, all.auth, &out) })
	if n != 0 {
		t.Fatalf("readExtensions allocates %v times, want 0", n)
	}
}

func TestCredProtectString(t *testing.T) {
	for p, want := range map[CredProtect]string{
		CredProtectAbsent:                         "",
		CredProtectUVOptional:                     "userVerificationOptional",
		CredProtectUVOptionalWithCredentialIDList: "userVerificationOptionalWithCredentialIDList",
		CredProtectUVRequired:                     "userVerificationRequired",
		4:                                         "",
	} {
		if got := p.String(); got != want {
			t.Errorf("CredProtect(%d) = %q, want %q", p, got, want)
		}
	}
}

// validAtDepth2 reports whether b is one JSON value jsonx accepts where
// clientExtensionResults stands in a response (depth 2).
func validAtDepth2(b []byte) bool {
	r := jsonx.Reader(b)
	var raw []byte
	return r.Peek() == jsonx.KindObject && r.SkipNested(2, &raw) && r.End()
}

// oracleExtensions computes ExtensionOutputs with encoding/json and
// fxamacker/cbor, for inputs the strict readers accept.
func oracleExtensions(t testing.TB, client, auth []byte) ExtensionOutputs {
	var out ExtensionOutputs
	var m map[string]any
	if client != nil {
		dec := json.NewDecoder(bytes.NewReader(client))
		dec.UseNumber() // 1e999 is valid JSON, not a float64
		if err := dec.Decode(&m); err != nil {
			t.Fatalf("encoding/json rejects %q: %v", client, err)
		}
	}
	obj := func(m map[string]any, k string) (map[string]any, bool) {
		v, ok := m[k].(map[string]any)
		return v, ok
	}
	boolean := func(m map[string]any, k string, v, has *bool) {
		if b, ok := m[k].(bool); ok {
			*v, *has = b, true
		}
	}
	str := func(m map[string]any, k string) bool { _, ok := m[k].(string); return ok }
	if cp, ok := obj(m, "credProps"); ok {
		boolean(cp, "rk", &out.CredProps.RK, &out.CredProps.HasRK)
	}
	if prf, ok := obj(m, "prf"); ok {
		out.PRF.Present = true
		boolean(prf, "enabled", &out.PRF.Enabled, &out.PRF.HasEnabled)
		if res, ok := obj(prf, "results"); ok && str(res, "first") {
			out.PRF.Results = true
			out.PRF.Second = str(res, "second")
		}
	}
	if lb, ok := obj(m, "largeBlob"); ok {
		out.LargeBlob.Present = true
		boolean(lb, "supported", &out.LargeBlob.Supported, &out.LargeBlob.HasSupported)
		boolean(lb, "written", &out.LargeBlob.Written, &out.LargeBlob.HasWritten)
		out.LargeBlob.Blob = str(lb, "blob")
	}
	if auth != nil {
		var am map[any]any
		if err := fxcbor.Unmarshal(auth, &am); err == nil {
			if n, ok := am["credProtect"].(uint64); ok && n >= 1 && n <= 3 {
				out.CredProtect = CredProtect(n)
			}
		}
	}
	return out
}

// FuzzExtensionOutputs checks the allocation-free readers against
// encoding/json and fxamacker/cbor on every input the strict readers
// accept, and that nothing panics on the rest.
func FuzzExtensionOutputs(f *testing.F) {
	for _, c := range loadExtensionCases(f) {
		f.Add([]byte(c.Client), c.auth)
	}
	f.Fuzz(func(t *testing.T, client, auth []byte) {
		var got ExtensionOutputs
		readExtensions(client, auth, &got)
		if !validAtDepth2(client) {
			client = nil
		}
		if !cbor.Valid(auth) {
			auth = nil
		}
		readExtensions(client, auth, &got)
		if want := oracleExtensions(t, client, auth); got != want {
			t.Fatalf("client %q auth %x: reader %+v, oracle %+v", client, auth, got, want)
		}
	})
}
