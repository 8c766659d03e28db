package b64

import (
	"bytes"
	"encoding/base64"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/passkeykit/webauthn/internal/testenv"
)

// oracle decodes s with encoding/base64 under the package contract: unpadded
// text with RawURLEncoding.Strict, padded text with URLEncoding.Strict. Both
// silently drop '\r' and '\n', which the contract rejects.
func oracle(s string) ([]byte, bool) {
	if strings.ContainsAny(s, "\r\n") {
		return nil, false
	}
	enc := base64.RawURLEncoding.Strict()
	if strings.HasSuffix(s, "=") {
		enc = base64.URLEncoding.Strict()
	}
	b, err := enc.DecodeString(s)
	return b, err == nil
}

func check(t *testing.T, s string) {
	t.Helper()
	want, wantOK := oracle(s)
	n, lenOK := DecodedLen([]byte(s))
	// Room past the decoded size, marked: Decode writes only dst[:n].
	room := make([]byte, n+8)
	for i := range room {
		room[i] = 0xa5
	}
	dst := room[:n]
	got, ok := Decode(room, []byte(s))
	if ok != wantOK {
		t.Fatalf("Decode(%q) ok=%v, encoding/base64 ok=%v", s, ok, wantOK)
	}
	if ok && !bytes.Equal(room[n:], bytes.Repeat([]byte{0xa5}, 8)) {
		t.Fatalf("Decode(%q) wrote past the decoded size: %x", s, room[n:])
	}
	if !ok {
		if wantOK && EqualDecoded([]byte(s), want) {
			t.Fatalf("EqualDecoded(%q) accepted rejected text", s)
		}
		return
	}
	if !lenOK || got != n || !bytes.Equal(dst[:got], want) {
		t.Fatalf("Decode(%q) = %x (len ok %v, n %d), want %x", s, dst[:got], lenOK, n, want)
	}
	if !EqualDecoded([]byte(s), want) {
		t.Fatalf("EqualDecoded(%q, %x) = false", s, want)
	}
	if len(want) > 0 {
		// A one-bit difference in every byte position (bit i%8 of byte
		// i): flipping only the last byte missed a grouping bug that let
		// a byte's difference hide behind the next one.
		for i := range want {
			other := bytes.Clone(want)
			other[i] ^= 1 << (i % 8)
			if EqualDecoded([]byte(s), other) {
				t.Fatalf("EqualDecoded(%q) equal to a value differing in byte %d", s, i)
			}
		}
		if EqualDecoded([]byte(s), want[:len(want)-1]) {
			t.Fatalf("EqualDecoded(%q) equal to a shorter value", s)
		}
	}
	if EqualDecoded([]byte(s), append(bytes.Clone(want), 0)) {
		t.Fatalf("EqualDecoded(%q) equal to a longer value", s)
	}
	if enc := string(AppendEncode(nil, want)); enc != strings.TrimRight(s, "=") {
		t.Fatalf("AppendEncode(%x) = %q, want %q", want, enc, strings.TrimRight(s, "="))
	}
	if short := n - 1; short >= 0 {
		if _, ok := Decode(make([]byte, short), []byte(s)); ok {
			t.Fatalf("Decode(%q) into a short buffer succeeded", s)
		}
	}
}

func TestRandomAgainstStdlib(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 200; n++ {
		for k := 0; k < 20; k++ {
			b := make([]byte, n)
			for i := range b {
				b[i] = byte(r.Uint32())
			}
			raw := base64.RawURLEncoding.EncodeToString(b)
			check(t, raw)
			check(t, base64.URLEncoding.EncodeToString(b))
			if got := string(AppendEncode(nil, b)); got != raw {
				t.Fatalf("AppendEncode(%x) = %q, want %q", b, got, raw)
			}
			// Mutate one character to anything: both sides must agree.
			if len(raw) > 0 {
				m := []byte(raw)
				m[r.IntN(len(m))] = byte(r.Uint32())
				check(t, string(m))
			}
		}
	}
}

// TestExhaustiveShort checks every text of up to 3 characters over an alphabet
// that holds every rejection class, and every 4-character text over a smaller one.
func TestExhaustiveShort(t *testing.T) {
	const chars = "AQgw_-+/= \n\r\t.\x00\xff"
	var rec func(prefix string, left int)
	rec = func(prefix string, left int) {
		check(t, prefix)
		if left == 0 {
			return
		}
		for i := 0; i < len(chars); i++ {
			rec(prefix+chars[i:i+1], left-1)
		}
	}
	rec("", 4)
}

func TestRejections(t *testing.T) {
	for _, tc := range []struct{ name, s string }{
		{"standard alphabet plus", "a+8"},
		{"standard alphabet slash", "a/8"},
		{"space", "YW Jj"},
		{"newline", "YWJj\n"},
		{"carriage return", "YW\rJj"},
		{"tab", "\tYWJj"},
		{"one char group", "YWJjZ"},
		{"unused bits 2-char", "YR"},
		{"unused bits 3-char", "YWJ"},
		{"wrong padding amount one", "YQ="},
		{"wrong padding amount three", "YQ==="},
		{"padding on full group", "YWJj="},
		{"padding on 3-char group too much", "YWI=="},
		{"padding only", "=="},
		{"padding only four", "===="},
		{"padding in the middle", "YQ==YWJj"},
		{"non-ascii", "YW\xc3\xa9"},
		{"nul", "YW\x00j"},
		{"dot", "YW.j"},
	} {
		if n, ok := Decode(make([]byte, 16), []byte(tc.s)); ok {
			t.Errorf("%s: Decode(%q) accepted (%d bytes)", tc.name, tc.s, n)
		}
		if _, ok := oracle(tc.s); ok {
			t.Errorf("%s: oracle accepts %q; the case is not a rejection", tc.name, tc.s)
		}
		for _, want := range [][]byte{nil, []byte("a"), []byte("ab"), []byte("abc"), []byte("abcd")} {
			if EqualDecoded([]byte(tc.s), want) {
				t.Errorf("%s: EqualDecoded(%q, %q) = true", tc.name, tc.s, want)
			}
		}
	}
	for _, tc := range []struct{ s, want string }{
		{"", ""}, {"YQ", "a"}, {"YQ==", "a"}, {"YWI", "ab"}, {"YWI=", "ab"}, {"YWJj", "abc"}, {"_-8", "\xff\xef"},
	} {
		dst := make([]byte, 8)
		n, ok := Decode(dst, []byte(tc.s))
		if !ok || string(dst[:n]) != tc.want || !EqualDecoded([]byte(tc.s), []byte(tc.want)) {
			t.Errorf("Decode(%q) = %q, %v; want %q", tc.s, dst[:n], ok, tc.want)
		}
	}
}

func vectorTexts(t testing.TB) []string {
	var out []string
	for _, v := range testenv.Vectors(t) {
		if f := v.Fields(); f != nil && f.Response.ClientDataJSON != "" {
			out = append(out, f.Response.ClientDataJSON)
		}
	}
	if len(out) == 0 {
		t.Fatal("no clientDataJSON in the vectors")
	}
	return out
}

func TestVectors(t *testing.T) {
	for _, s := range vectorTexts(t) {
		check(t, s)
	}
}

func TestAllocations(t *testing.T) {
	for _, s := range vectorTexts(t) {
		src := []byte(s)
		want, ok := oracle(s)
		if !ok {
			t.Fatalf("vector clientDataJSON text %q rejected by the oracle", s)
		}
		dst := make([]byte, len(want))
		enc := make([]byte, 0, len(src))
		allocs := testing.AllocsPerRun(100, func() {
			n, _ := DecodedLen(src)
			if _, ok := Decode(dst[:n], src); !ok {
				t.Fatal("Decode failed")
			}
			if !EqualDecoded(src, want) {
				t.Fatal("EqualDecoded failed")
			}
			enc = AppendEncode(enc[:0], want)
		})
		if allocs != 0 {
			t.Fatalf("%d allocations for %q", int(allocs), s)
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{"", "YQ", "YQ==", "YWI=", "YWJj", "a+8", "YQ=", "YR", "_-8", "YW\nJj"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		check(t, string(b))
	})
}

func BenchmarkDecode(b *testing.B) {
	short := []byte("wRhKX934BF4T3Ef1S2H1pla2ZrWQGPFthw6SVumVIBI")
	for _, tc := range []struct {
		name string
		src  []byte
	}{{"43", short}, {"400", bytes.Repeat(short[:40], 10)}} {
		b.Run(tc.name, func(b *testing.B) {
			dst := make([]byte, len(tc.src))
			b.SetBytes(int64(len(tc.src)))
			b.ReportAllocs()
			for b.Loop() {
				Decode(dst, tc.src)
			}
		})
	}
}

func BenchmarkEqualDecoded(b *testing.B) {
	src := []byte("wRhKX934BF4T3Ef1S2H1pla2ZrWQGPFthw6SVumVIBI")
	want := make([]byte, 32)
	Decode(want, src)
	b.ReportAllocs()
	for b.Loop() {
		EqualDecoded(src, want)
	}
}

// TestEveryByteEveryPosition puts every byte value at every position of
// texts long enough for each decoding loop (eight-character groups, a
// four-character group, the tail), so every entry of the lookup tables is
// exercised in every place, against the stdlib (check).
func TestEveryByteEveryPosition(t *testing.T) {
	for _, base := range []string{"QUJDREVGR0hJSktMTU5PUA", "QUJDREVGR0hJSktM", "QUJDREVGR0g", "QUJDREVG"} {
		for pos := range len(base) {
			for c := range 256 {
				b := []byte(base)
				b[pos] = byte(c)
				check(t, string(b))
			}
		}
	}
}

// TestEqualDecodedEveryBit: EqualDecoded(encode(got), want) is exactly
// bytes.Equal(got, want) when got differs from want in any one bit, in any
// position of the groups of three and of the tail, and for the case found in
// review (want 00 01 00, text "AQEA" = 01 01 00): before the fix, the XORs
// and ORs of a group were grouped left to right, so a difference in one byte
// could be cancelled by the next expected byte's bits, and "AQEA" matched.
func TestEqualDecodedEveryBit(t *testing.T) {
	if EqualDecoded([]byte("AQEA"), []byte{0x00, 0x01, 0x00}) {
		t.Fatal(`EqualDecoded("AQEA", 00 01 00) = true; "AQEA" is 01 01 00`)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for n := 0; n <= 40; n++ {
		for round := 0; round < 8; round++ {
			want := make([]byte, n)
			for i := range want {
				want[i] = byte(rng.Uint32())
			}
			if round == 0 {
				clear(want) // zero bytes: nothing for a difference to hide behind but the logic
			}
			if !EqualDecoded(AppendEncode(nil, want), want) {
				t.Fatalf("len %d: encode(want) not equal to want", n)
			}
			got := make([]byte, n)
			for bit := 0; bit < 8*n; bit++ {
				copy(got, want)
				got[bit/8] ^= 1 << (bit % 8)
				if EqualDecoded(AppendEncode(nil, got), want) {
					t.Fatalf("len %d: a flip of bit %d is equal: got %x want %x", n, bit, got, want)
				}
			}
		}
	}
}
