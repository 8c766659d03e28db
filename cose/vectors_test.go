package cose

import (
	"path/filepath"
	"testing"

	fxcbor "github.com/fxamacker/cbor/v2"

	"github.com/passkeykit/webauthn/internal/cbor"
	"github.com/passkeykit/webauthn/internal/testenv"
	"github.com/passkeykit/webauthn/internal/vectors"
)

// vectorKey is one credential public key found in the shared vectors.
type vectorKey struct {
	name string
	key  []byte
	ok   bool // the vector's verdict is ok, so the key must parse
}

// vectorKeys returns the credentialPublicKey of every authentication vector and
// the COSE key inside the authData of every registration vector that has one.
func vectorKeys(tb testing.TB) []vectorKey {
	tb.Helper()
	var out []vectorKey
	for _, v := range testenv.Vectors(tb) {
		name, _ := filepath.Rel(v.Dir, v.Path)
		if v.CredentialPublicKey != "" {
			k := vectors.B64(v.CredentialPublicKey)
			if k == nil {
				tb.Fatalf("%s: credentialPublicKey is not base64url", name)
			}
			out = append(out, vectorKey{name, k, v.Expect.OK})
			continue
		}
		if k := registrationKey(v.AttestationObject()); k != nil {
			out = append(out, vectorKey{name + "#authData", k, v.Expect.OK})
		}
	}
	if len(out) == 0 {
		tb.Fatal("no credential keys found in the vectors")
	}
	return out
}

// registrationKey slices the credentialPublicKey out of an attestationObject's
// authData (W3C WebAuthn L3 §6.1, §6.5.1), or returns nil.
func registrationKey(attObj []byte) []byte {
	if attObj == nil {
		return nil
	}
	var o struct {
		AuthData []byte `cbor:"authData"`
	}
	if fxcbor.Unmarshal(attObj, &o) != nil {
		return nil
	}
	ad := o.AuthData
	if len(ad) < 37+18 || ad[32]&0x40 == 0 {
		return nil
	}
	l := int(ad[37+16])<<8 | int(ad[37+17])
	rest := ad[37+18:]
	if len(rest) < l {
		return nil
	}
	rest = rest[l:]
	r := cbor.Reader(rest)
	var key []byte
	if !r.SkipItem(&key) {
		return nil
	}
	return key
}

func TestVectorKeys(t *testing.T) {
	counts := map[string]int{}
	for _, vk := range vectorKeys(t) {
		var k Key
		err := ParseKey(vk.key, &k)
		if vk.ok && err != nil {
			t.Errorf("%s: ParseKey: %v", vk.name, err)
			continue
		}
		if err != nil {
			counts["rejected: "+err.Error()]++
			continue
		}
		counts[k.Alg.String()]++
		if &k.Raw[0] != &vk.key[0] || len(k.Raw) != len(vk.key) {
			t.Errorf("%s: Raw is not the input", vk.name)
		}
	}
	t.Logf("credential keys by algorithm: %v", counts)
}

// minAllocKeys is the fewest vector keys TestParseKeyAllocations must
// measure: the shared set holds 93 that parse, 89 of them in vectors
// expected to verify.
const minAllocKeys = 50

// TestParseKeyAllocations measures ParseKey on every vector key that parses:
// at least minAllocKeys of them, every key of a vector expected to verify,
// and each key type (EC2, OKP, RSA) at least once.
func TestParseKeyAllocations(t *testing.T) {
	n, ok := 0, 0
	types := map[KeyType]int{}
	for _, vk := range vectorKeys(t) {
		if vk.ok {
			ok++
		}
		var k Key
		if ParseKey(vk.key, &k) != nil {
			continue
		}
		n++
		types[k.Type]++
		allocs := testing.AllocsPerRun(100, func() {
			if err := ParseKey(vk.key, &k); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%s: ParseKey allocates %v times", vk.name, allocs)
		}
	}
	if n < minAllocKeys || n < ok {
		t.Fatalf("measured %d keys, want at least %d and every one of the %d keys of vectors expected to verify", n, minAllocKeys, ok)
	}
	for _, kt := range []KeyType{EC2, OKP, RSA} {
		if types[kt] == 0 {
			t.Errorf("no %v key among the vector keys measured", kt)
		}
	}
	t.Logf("%d vector keys parsed with 0 allocations (by key type: %v)", n, types)
}

func TestEveryPrefixFails(t *testing.T) {
	for _, vk := range vectorKeys(t) {
		var k Key
		if ParseKey(vk.key, &k) != nil {
			continue
		}
		for i := 0; i < len(vk.key); i++ {
			k = Key{Type: EC2, Raw: vk.key}
			if err := ParseKey(vk.key[:i], &k); err == nil {
				t.Fatalf("%s: prefix of %d/%d bytes parsed", vk.name, i, len(vk.key))
			}
			if !isZero(&k) {
				t.Fatalf("%s: prefix %d: partial result on error", vk.name, i)
			}
		}
		// One trailing byte must fail too.
		long := append(append([]byte(nil), vk.key...), 0)
		if err := ParseKey(long, &k); err != ErrTrailingData {
			t.Fatalf("%s: trailing byte: %v", vk.name, err)
		}
	}
}

func isZero(k *Key) bool {
	return k.Raw == nil && k.Type == 0 && k.Alg == 0 && k.Curve == 0 &&
		k.X == nil && k.Y == nil && k.N == nil && k.E == nil && k.Pub == nil
}

func FuzzParseKey(f *testing.F) {
	for _, vk := range vectorKeys(f) {
		f.Add(vk.key)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		k := Key{Type: RSA, X: b}
		err := ParseKey(b, &k)
		if err != nil {
			if !isZero(&k) {
				t.Fatalf("partial result on error %v", err)
			}
			return
		}
		if len(k.Raw) != len(b) || !cbor.Valid(b) {
			t.Fatalf("accepted %x, which is not exactly one well-formed item", b)
		}
		var k2 Key
		if ParseKey(k.Raw, &k2) != nil || k2.Alg != k.Alg || k2.Type != k.Type {
			t.Fatal("reparse differs")
		}
		if algKeyType(k.Alg) != k.Type {
			t.Fatalf("alg %v on key type %v", k.Alg, k.Type)
		}
		if k.Type == EC2 && !curveField(k.Curve).onCurve(k.X, k.Y) {
			t.Fatal("accepted an off-curve point")
		}
	})
}

func BenchmarkParseKey(b *testing.B) {
	seen := map[Algorithm]bool{}
	for _, vk := range vectorKeys(b) {
		var k Key
		if ParseKey(vk.key, &k) != nil || seen[k.Alg] {
			continue
		}
		seen[k.Alg] = true
		b.Run(k.Alg.String(), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(vk.key)))
			for b.Loop() {
				if err := ParseKey(vk.key, &k); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
