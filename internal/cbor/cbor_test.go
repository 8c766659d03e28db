package cbor

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"

	fxcbor "github.com/fxamacker/cbor/v2"
	"github.com/passkeykit/webauthn/internal/testenv"
	"github.com/passkeykit/webauthn/internal/vectors"
)

// strict is fxamacker/cbor configured as the differential oracle: duplicate
// keys, indefinite lengths and tags rejected, the same limits as this package.
var strict = func() fxcbor.DecMode {
	m, err := fxcbor.DecOptions{
		DupMapKey:        fxcbor.DupMapKeyEnforcedAPF,
		IndefLength:      fxcbor.IndefLengthForbidden,
		TagsMd:           fxcbor.TagsForbidden,
		MaxNestedLevels:  MaxDepth,
		MaxMapPairs:      MaxMapPairs,
		MaxArrayElements: 1 << 20,
		UTF8:             fxcbor.UTF8RejectInvalid,
	}.DecMode()
	if err != nil {
		panic(err)
	}
	return m
}()

// vectorItems returns every CBOR item of the vectors: attestationObjects and
// authentication vectors' stored credential public keys.
func vectorItems(t testing.TB) []testenv.Item {
	t.Helper()
	return testenv.Items(t, "CBOR", func(v *vectors.Vector) [][]byte {
		return [][]byte{v.AttestationObject(), vectors.B64(v.CredentialPublicKey)}
	})
}

func attestationObjects(t testing.TB) [][]byte {
	var out [][]byte
	for _, it := range vectorItems(t) {
		out = append(out, it.B)
	}
	return out
}

// TestVectorsValid compares SkipItem with the strict oracle in both
// directions on every CBOR item of the vectors, and checks that the items of
// vectors expected to verify are well-formed and consumed in full.
func TestVectorsValid(t *testing.T) {
	n := 0
	for _, it := range vectorItems(t) {
		agree(t, it.B)
		var raw []byte
		r := Reader(it.B)
		ok := r.SkipItem(&raw) && r.Empty() && bytes.Equal(raw, it.B)
		if it.V.Expect.OK && !ok {
			t.Errorf("%s: expected ok, but its CBOR is not one well-formed item", it.V.Name)
		}
		if ok {
			n++
		}
	}
	if n == 0 {
		t.Fatal("no well-formed CBOR item in the vectors")
	}
	t.Logf("%d well-formed CBOR items from the vectors, every one agreeing with the oracle", n)
}

func TestEveryPrefixFails(t *testing.T) {
	n := 0
	for _, b := range attestationObjects(t) {
		if !Valid(b) {
			continue
		}
		n++
		for i := 0; i < len(b); i++ {
			if Valid(b[:i]) {
				t.Fatalf("prefix of %d/%d bytes accepted", i, len(b))
			}
		}
		if Valid(append(append([]byte{}, b...), 0)) {
			t.Fatal("trailing byte accepted")
		}
	}
	if n == 0 {
		t.Fatal("no valid CBOR item to cut")
	}
}

func TestAllocations(t *testing.T) {
	for _, b := range attestationObjects(t) {
		n := testing.AllocsPerRun(50, func() {
			Valid(b)
			LookupText(b, "attStmt")
			LookupInt(b, 3)
		})
		if n != 0 {
			t.Fatalf("%v allocs", n)
		}
	}
}

func h(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

func TestRejects(t *testing.T) {
	for _, tc := range []struct{ name, hex string }{
		{"empty", ""},
		{"indefinite bytes", "5f 41 00 ff"},
		{"indefinite array", "9f 01 ff"},
		{"indefinite map", "bf 01 02 ff"},
		{"break", "ff"},
		{"reserved ai 28", "1c"},
		{"reserved ai 30", "5e"},
		{"tag", "c1 1a 51 4b 67 b0"},
		{"self-describe tag", "d9 d9 f7 01"},
		{"two-byte simple < 32", "f8 10"},
		{"duplicate int keys", "a2 01 01 01 02"},
		{"duplicate int keys, non-minimal", "a2 01 01 18 01 02"},
		{"duplicate text keys", "a2 61 61 01 61 61 02"},
		{"duplicate float keys of two widths", "a2 f9 3c00 01 fa 3f800000 02"},
		{"nested duplicate", "a1 01 a2 02 00 02 00"},
		{"duplicate negative keys, non-minimal", "a2 20 00 38 00 00"},
		{"duplicate -24, non-minimal", "a3 01 00 37 00 39 0017 00"},
		{"duplicate int key 24", "a3 18 18 00 01 00 19 0018 00"},
		{"duplicate key after small int keys", "a4 01 00 61 61 00 20 00 61 61 00"},
		// skipPairs' inline key and value paths.
		{"duplicate int keys, non-minimal first", "a2 18 01 00 01 00"},
		{"map value bytes past the end", "a1 01 45 00"},
		{"map value bytes, two-byte head past the end", "a1 01 58 20 00"},
		{"map value two-byte bytes head cut", "a1 01 58"},
		{"map value two-byte simple < 32", "a1 01 f8 10"},
		{"map pair missing its value", "a2 01 00 02"},
		{"duplicate byte key", "a2 41 00 00 41 00 00"},
		{"bytes length past end", "43 01 02"},
		{"bytes claiming 2^64-1", "5b ffffffffffffffff 00"},
		{"text claiming 2^32", "7b 0000000100000000"},
		{"array count past end", "83 01 02"},
		{"array claiming 2^64-1", "9b ffffffffffffffff"},
		{"map claiming 2^63", "bb 8000000000000000"},
		{"invalid utf-8", "62 c3 28"},
		{"truncated head", "19 01"},
		{"trailing data", "01 01"},
	} {
		if Valid(h(tc.hex)) {
			t.Errorf("%s: accepted", tc.name)
		}
	}
}

func TestAccepts(t *testing.T) {
	for _, tc := range []struct{ name, hex string }{
		{"uint", "1b ffffffffffffffff"},
		{"negint", "3b ffffffffffffffff"},
		{"float16", "f9 3c00"},
		{"float64", "fb 3ff199999999999a"},
		{"simple 32", "f8 20"},
		{"null", "f6"},
		{"distinct keys", "a3 01 01 20 02 61 61 03"},
		{"int 1 vs text 1", "a2 01 00 61 31 00"},
		{"0 vs -1", "a2 00 00 20 00"},
		{"23 vs -24", "a2 17 00 37 00"},
		{"23 vs 24", "a2 17 00 18 18 00"},
		{"int 1 vs simple 1", "a2 01 00 e1 00"},
		{"int 1 vs bytes of 1", "a2 01 00 41 01 00"},
		{"a COSE key's labels", "a5 01 02 03 26 20 01 21 41 00 22 41 00"},
		{"empty map", "a0"},
		{"nested", "a1 63 78 35 63 81 43 010203"},
	} {
		if !Valid(h(tc.hex)) {
			t.Errorf("%s: rejected", tc.name)
		}
	}
}

// nest returns n nested one-element arrays around 0.
func nest(n int, open byte) []byte {
	b := bytes.Repeat([]byte{open}, n)
	if open == 0xa1 {
		b = nil
		for i := 0; i < n; i++ {
			b = append(b, 0xa1, 0x00)
		}
	}
	return append(b, 0x00)
}

func TestMaxDepth(t *testing.T) {
	for _, open := range []byte{0x81, 0xa1} {
		if !Valid(nest(MaxDepth, open)) {
			t.Errorf("%x: depth %d rejected", open, MaxDepth)
		}
		if Valid(nest(MaxDepth+1, open)) {
			t.Errorf("%x: depth %d accepted", open, MaxDepth+1)
		}
	}
	// SkipNested counts from the depth it is given: inside d containers, an
	// item may nest MaxDepth-d more.
	for _, d := range []int{0, 1, 5, MaxDepth} {
		for _, tc := range []struct {
			n  int
			ok bool
		}{{MaxDepth - d, true}, {MaxDepth - d + 1, false}} {
			b := nest(tc.n, 0x81)
			r := Reader(b)
			var raw []byte
			if ok := r.SkipNested(d, &raw) && r.Empty(); ok != tc.ok || (ok && len(raw) != len(b)) {
				t.Errorf("SkipNested(%d) of %d levels: %v", d, tc.n, ok)
			}
		}
	}
	if r := (Reader{0x00}); r.SkipNested(-1, nil) {
		t.Error("SkipNested(-1) accepted")
	}
	// 10k-deep nesting fails fast and without allocation.
	deep := nest(10000, 0x81)
	if n := testing.AllocsPerRun(10, func() { Valid(deep) }); n != 0 || Valid(deep) {
		t.Fatalf("deep nesting: valid=%v allocs=%v", Valid(deep), n)
	}
}

func mapOf(n int) []byte {
	b := []byte{0xb9, byte(n >> 8), byte(n)}
	for i := 0; i < n; i++ {
		b = append(b, 0x19, byte(i>>8), byte(i), 0x00)
	}
	return b
}

func TestMaxMapPairs(t *testing.T) {
	if !Valid(mapOf(MaxMapPairs)) {
		t.Error("MaxMapPairs rejected")
	}
	if Valid(mapOf(MaxMapPairs + 1)) {
		t.Error("MaxMapPairs+1 accepted")
	}
	r := Reader(mapOf(MaxMapPairs + 1))
	var n int
	if r.ReadMap(&n) {
		t.Error("ReadMap accepted MaxMapPairs+1")
	}
}

func TestReaders(t *testing.T) {
	r := Reader(h("a3 01 02 03 26 20 01 "))
	var n int
	var k, v int64
	if !r.ReadMap(&n) || n != 3 || !r.ReadInt(&k) || k != 1 || !r.ReadInt(&v) || v != 2 {
		t.Fatal("map head / ints")
	}
	if !r.ReadInt(&k) || k != 3 || !r.ReadInt(&v) || v != -7 || !r.ReadInt(&k) || k != -1 || !r.ReadInt(&v) || v != 1 || !r.Empty() {
		t.Fatal("negative ints")
	}
	big := Reader(h("3b 8000000000000000"))
	if big.ReadInt(&v) {
		t.Fatal("negint below MinInt64 accepted")
	}
	var u uint64
	ur := Reader(h("1b ffffffffffffffff"))
	if !ur.ReadUint(&u) || u != 1<<64-1 {
		t.Fatal("uint64 max")
	}
	var bb []byte
	br := Reader(h("43 010203"))
	if !br.ReadBytes(&bb) || !bytes.Equal(bb, []byte{1, 2, 3}) || cap(bb) != 3 {
		t.Fatal("bytes view")
	}
	tr := Reader(h("43 010203"))
	if tr.ReadText(&bb) {
		t.Fatal("bytes read as text")
	}
	var ok bool
	bo := Reader(h("f5 f4"))
	if !bo.ReadBool(&ok) || !ok || !bo.ReadBool(&ok) || ok {
		t.Fatal("bools")
	}
	m := h("a2 63 66 6d 74 64 6e 6f 6e 65 03 26")
	if val, found := LookupText(m, "fmt"); !found || !bytes.Equal(val, h("64 6e 6f 6e 65")) {
		t.Fatal("LookupText")
	}
	if val, found := LookupInt(m, 3); !found || !bytes.Equal(val, h("26")) {
		t.Fatal("LookupInt")
	}
	if _, found := LookupText(m, "FMT"); found {
		t.Fatal("LookupText is case-insensitive")
	}
}

// agree checks SkipItem against the strict oracle on one input.
func agree(t *testing.T, b []byte) {
	ours := Valid(b)
	var v any
	err := strict.Unmarshal(b, &v)
	theirs := err == nil
	if ours == theirs {
		return
	}
	if !ours && theirs {
		t.Fatalf("oracle accepts, SkipItem rejects: %x", b)
	}
	// Two classes where the oracle, decoding into an `any`, rejects well-formed
	// CBOR that this package accepts: arrays or maps as map keys (unhashable in
	// Go), and the distinct simple values null (0xf6) and undefined (0xf7)
	// both as keys of one map (both become Go nil, a "duplicate"). A real
	// duplicate null or undefined key never gets here: SkipItem rejects it.
	if strings.Contains(err.Error(), "invalid map key") || strings.Contains(err.Error(), "duplicate map key <nil>") {
		return
	}
	t.Fatalf("SkipItem accepts, oracle rejects (%v): %x", err, b)
}

func FuzzSkipItem(f *testing.F) {
	for _, b := range attestationObjects(f) {
		f.Add(b)
	}
	for _, s := range []string{"a2 01 01 18 01 02", "9f 01 ff", "5b ffffffffffffffff 00", "a1 f9 3c00 01"} {
		f.Add(h(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		agree(t, b)
		// Readers never panic and never read past the input.
		r := Reader(b)
		var raw []byte
		if r.SkipItem(&raw) && len(raw)+len(r) != len(b) {
			t.Fatal("raw and rest do not partition the input")
		}
		LookupText(b, "fmt")
		LookupInt(b, 1)
	})
}

func BenchmarkValid(b *testing.B) {
	objs := attestationObjects(b)
	obj := objs[0]
	b.SetBytes(int64(len(obj)))
	b.ReportAllocs()
	for b.Loop() {
		Valid(obj)
	}
}

// TestNullUndefinedKeys: null and undefined are different simple values
// (RFC 8949 §3.3), so a map may hold both as keys; either one twice is a
// duplicate. (Found by the fuzz campaign as an oracle disagreement; the input
// is kept in testdata/fuzz/FuzzSkipItem.)
func TestNullUndefinedKeys(t *testing.T) {
	if !Valid(h("a3 f7 30 f6 30 30 30")) {
		t.Error("{undefined, null, -17} rejected")
	}
	for _, dup := range []string{"a2 f6 00 f6 00", "a2 f7 00 f7 00"} {
		if Valid(h(dup)) {
			t.Errorf("%s accepted", dup)
		}
	}
}
