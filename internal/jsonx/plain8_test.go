package jsonx

import "testing"

// TestPlain8Exhaustive puts every byte value in every lane of a word whose
// other lanes are plain.
func TestPlain8Exhaustive(t *testing.T) {
	for lane := 0; lane < 8; lane++ {
		for c := 0; c < 256; c++ {
			for _, fill := range []byte{'a', 0x20, 0x7f, '!', '#', '[', ']'} {
				var b [8]byte
				for i := range b {
					b[i] = fill
				}
				b[lane] = byte(c)
				if got, want := plain8(le64(b[:])), plainASCII[c]; got != want {
					t.Fatalf("lane %d byte %#x fill %q: plain8 %v, want %v", lane, c, fill, got, want)
				}
			}
		}
	}
}

// TestPlain8Random compares plain8 with plainASCII on words with several
// lanes of every kind.
func TestPlain8Random(t *testing.T) {
	kinds := []byte{'a', '"', '\\', 0x00, 0x1f, 0x20, 0x7f, 0x80, 0xff, 0x21, 0x5b, 0x5d}
	for n := 0; n < 200000; n++ {
		var b [8]byte
		all := true
		x := uint64(n) * 0x9e3779b97f4a7c15
		for i := range b {
			b[i] = kinds[(x>>(8*i))%uint64(len(kinds))]
			all = all && plainASCII[b[i]]
		}
		if got := plain8(le64(b[:])); got != all {
			t.Fatalf("%x: plain8 %v, want %v", b, got, all)
		}
	}
}

// TestPlainBody compares plainBody with plainASCII on bodies of every length
// up to 70 (all three of its loops) holding one byte of every value at every
// position, quotes excepted (its callers cut the body at the first quote).
func TestPlainBody(t *testing.T) {
	for n := 0; n <= 70; n++ {
		b := make([]byte, n)
		for i := range b {
			b[i] = 'A' + byte(i%26)
		}
		if !plainBody(b) {
			t.Fatalf("len %d: plain body refused", n)
		}
		for pos := 0; pos < n; pos++ {
			for c := 0; c < 256; c++ {
				if c == '"' {
					continue
				}
				old := b[pos]
				b[pos] = byte(c)
				if got, want := plainBody(b), plainASCII[c]; got != want {
					t.Fatalf("len %d, byte %#x at %d: plainBody %v, want %v", n, c, pos, got, want)
				}
				b[pos] = old
			}
		}
	}
}
