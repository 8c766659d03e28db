package cose

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"errors"
	"slices"
	"testing"

	fxcbor "github.com/fxamacker/cbor/v2"
)

// u2fPoints returns the P-256 points of the shared vectors' credential keys
// as U2F public keys, 0x04 ‖ x ‖ y.
func u2fPoints(tb testing.TB) [][]byte {
	tb.Helper()
	var out [][]byte
	for _, vk := range vectorKeys(tb) {
		var k Key
		if ParseKey(vk.key, &k) != nil || k.Type != EC2 || k.Curve != P256 {
			continue
		}
		p := append(append([]byte{4}, k.X...), k.Y...)
		if !slices.ContainsFunc(out, func(q []byte) bool { return bytes.Equal(p, q) }) {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		tb.Fatal("no P-256 key in the vectors")
	}
	return out
}

// TestFromU2FPublicKey converts the vectors' P-256 points and checks the
// COSE_Key against ParseKey, fxamacker/cbor and crypto/ecdsa.
func TestFromU2FPublicKey(t *testing.T) {
	for _, raw := range u2fPoints(t) {
		b, err := FromU2FPublicKey(raw)
		if err != nil {
			t.Fatalf("%x: %v", raw, err)
		}
		if len(b) != U2FCOSEKeySize || cap(b) != U2FCOSEKeySize {
			t.Fatalf("COSE_Key of %d bytes (cap %d), want %d", len(b), cap(b), U2FCOSEKeySize)
		}
		var k Key
		if err := ParseKey(b, &k); err != nil {
			t.Fatalf("ParseKey: %v", err)
		}
		if k.Type != EC2 || k.Alg != ES256 || k.Curve != P256 || !bytes.Equal(k.X, raw[1:33]) || !bytes.Equal(k.Y, raw[33:]) {
			t.Fatalf("parsed %+v from %x", k, raw)
		}
		// The oracle: a CTAP2-canonical encoding of the same map.
		want, err := fxcbor.CTAP2EncOptions().EncMode()
		if err != nil {
			t.Fatal(err)
		}
		enc, err := want.Marshal(map[int]any{1: 2, 3: -7, -1: 1, -2: raw[1:33], -3: raw[33:]})
		if err != nil || !bytes.Equal(enc, b) {
			t.Fatalf("COSE_Key %x, fxamacker/cbor canonical %x (%v)", b, enc, err)
		}
		if _, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), raw); err != nil {
			t.Fatalf("crypto/ecdsa refuses the point: %v", err)
		}
	}
}

func TestFromU2FPublicKeyRejects(t *testing.T) {
	good := u2fPoints(t)[0]
	offCurve := bytes.Clone(good)
	offCurve[64] ^= 1
	xIsP := bytes.Clone(good) // x = p: not a field element
	copy(xIsP[1:33], []byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	compressed := append([]byte{2 + good[64]&1}, good[1:33]...)
	hybrid := bytes.Clone(good)
	hybrid[0] = 6 + good[64]&1 // SEC 1 hybrid form, refused like any other prefix
	tests := []struct {
		name string
		raw  []byte
		want error
	}{
		{"empty", nil, ErrU2FKeySize},
		{"compressed", compressed, ErrU2FCompressed},
		{"compressed 0x03", append([]byte{3}, good[1:33]...), ErrU2FCompressed},
		{"COSE_Key instead of the point", mustFromU2F(t, good), ErrU2FKeySize},
		{"x and y without 0x04", good[1:], ErrU2FKeySize},
		{"trailing byte", append(bytes.Clone(good), 0), ErrU2FKeySize},
		{"hybrid form", hybrid, ErrU2FPointFormat},
		{"prefix 0x00", append([]byte{0}, good[1:]...), ErrU2FPointFormat},
		{"prefix 0x02, 65 bytes", append([]byte{2}, good[1:]...), ErrU2FPointFormat},
		{"off the curve", offCurve, ErrNotOnCurve},
		{"x = p", xIsP, ErrNotOnCurve},
		{"all zero", append([]byte{4}, make([]byte, 64)...), ErrNotOnCurve},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := FromU2FPublicKey(tt.raw)
			if !errors.Is(err, tt.want) || b != nil {
				t.Fatalf("FromU2FPublicKey = %x, %v; want nil, %v", b, err, tt.want)
			}
			dst := []byte{9}
			if got, err := AppendU2FPublicKey(dst, tt.raw); !errors.Is(err, tt.want) || !bytes.Equal(got, dst) {
				t.Fatalf("AppendU2FPublicKey = %x, %v; want dst unchanged and %v", got, err, tt.want)
			}
			if _, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), tt.raw); err == nil {
				t.Fatal("crypto/ecdsa accepts what FromU2FPublicKey refuses")
			}
		})
	}
}

func mustFromU2F(t *testing.T, raw []byte) []byte {
	t.Helper()
	b, err := FromU2FPublicKey(raw)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestFromU2FPublicKeyPrefixes: every strict prefix of a U2F key fails.
func TestFromU2FPublicKeyPrefixes(t *testing.T) {
	good := u2fPoints(t)[0]
	for n := range len(good) {
		if b, err := FromU2FPublicKey(good[:n]); err == nil || b != nil {
			t.Fatalf("the %d-byte prefix was accepted", n)
		}
	}
}

// TestAppendU2FPublicKeyAllocs: with room in dst, the conversion allocates nothing.
func TestAppendU2FPublicKeyAllocs(t *testing.T) {
	good := u2fPoints(t)[0]
	buf := make([]byte, 0, U2FCOSEKeySize)
	if a := testing.AllocsPerRun(100, func() {
		if _, err := AppendU2FPublicKey(buf[:0], good); err != nil {
			t.Fatal(err)
		}
	}); a != 0 {
		t.Fatalf("AppendU2FPublicKey allocates %v times", a)
	}
}

// FuzzFromU2FPublicKey holds the conversion against crypto/ecdsa: a key is
// accepted exactly when ecdsa.ParseUncompressedPublicKey accepts it, and
// the COSE_Key then parses to the same point.
func FuzzFromU2FPublicKey(f *testing.F) {
	for _, raw := range u2fPoints(f) {
		f.Add(raw)
		f.Add(append([]byte{2}, raw[1:33]...))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		b, err := FromU2FPublicKey(raw)
		_, oracle := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), raw)
		if (err == nil) != (oracle == nil) {
			t.Fatalf("%x: FromU2FPublicKey %v, crypto/ecdsa %v", raw, err, oracle)
		}
		if err != nil {
			switch err {
			case ErrU2FKeySize, ErrU2FCompressed, ErrU2FPointFormat, ErrNotOnCurve:
			default:
				t.Fatalf("%x: untyped error %v", raw, err)
			}
			return
		}
		var k Key
		if ParseKey(b, &k) != nil || k.Alg != ES256 || !bytes.Equal(k.X, raw[1:33]) || !bytes.Equal(k.Y, raw[33:]) {
			t.Fatalf("%x: COSE_Key %x does not parse back to the point", raw, b)
		}
	})
}
