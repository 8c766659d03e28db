package cose

import (
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"math/big"
	"sync"
	"testing"

	circled448 "github.com/cloudflare/circl/sign/ed448"
	fxcbor "github.com/fxamacker/cbor/v2"
)

// enc builds a CBOR map from label/value pairs in the given order (duplicates
// allowed), each encoded with fxamacker/cbor; a []byte value of type rawItem
// is inserted as is.
type rawItem []byte

func enc(t testing.TB, pairs ...any) []byte {
	t.Helper()
	n := len(pairs) / 2
	var out []byte
	if n < 24 {
		out = []byte{0xa0 | byte(n)}
	} else {
		out = []byte{0xb8, byte(n)}
	}
	for _, v := range pairs {
		if r, ok := v.(rawItem); ok {
			out = append(out, r...)
			continue
		}
		b, err := fxcbor.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b...)
	}
	return out
}

func ecPoint(t testing.TB, c ecdh.Curve) (x, y []byte) {
	k, err := c.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pt := k.PublicKey().Bytes()
	s := (len(pt) - 1) / 2
	return pt[1 : 1+s], pt[1+s:]
}

var (
	rsaOnce sync.Once
	rsaKey  *rsa.PrivateKey
)

func testRSA(t testing.TB) (n, e []byte) {
	rsaOnce.Do(func() {
		var err error
		if rsaKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			t.Fatal(err)
		}
	})
	return rsaKey.N.Bytes(), big.NewInt(int64(rsaKey.E)).Bytes()
}

func bitsN(bits int) []byte {
	n := new(big.Int).Lsh(big.NewInt(1), uint(bits-1))
	n.Add(n, big.NewInt(1))
	return n.Bytes()
}

func TestParseKeyCases(t *testing.T) {
	x, y := ecPoint(t, ecdh.P256())
	x3, y3 := ecPoint(t, ecdh.P384())
	x5, y5 := ecPoint(t, ecdh.P521())
	n, e := testRSA(t)
	// Valid points: all-zero bytes would be y = 0, a small-order point.
	ed := []byte(ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)).Public().(ed25519.PublicKey))
	ed448 := []byte(circled448.NewKeyFromSeed(make([]byte, circled448.SeedSize)).Public().(circled448.PublicKey))
	badY := append([]byte(nil), y...)
	badY[31] ^= 1
	pBytes := toBig(p256, &p256.p).FillBytes(make([]byte, 32))

	tests := []struct {
		name string
		key  []byte
		want error
	}{
		{"es256", enc(t, 1, 2, 3, -7, -1, 1, -2, x, -3, y), nil},
		{"esp256", enc(t, 1, 2, 3, -9, -1, 1, -2, x, -3, y), nil},
		{"es256 any order", enc(t, -3, y, -2, x, 3, -7, -1, 1, 1, 2), nil},
		{"es384", enc(t, 1, 2, 3, -35, -1, 2, -2, x3, -3, y3), nil},
		{"esp384", enc(t, 1, 2, 3, -51, -1, 2, -2, x3, -3, y3), nil},
		{"es512", enc(t, 1, 2, 3, -36, -1, 3, -2, x5, -3, y5), nil},
		{"esp512", enc(t, 1, 2, 3, -52, -1, 3, -2, x5, -3, y5), nil},
		{"eddsa ed25519", enc(t, 1, 1, 3, -8, -1, 6, -2, ed), nil},
		{"eddsa ed448", enc(t, 1, 1, 3, -8, -1, 7, -2, ed448), nil},
		{"ed25519", enc(t, 1, 1, 3, -19, -1, 6, -2, ed), nil},
		{"ed448", enc(t, 1, 1, 3, -53, -1, 7, -2, ed448), nil},
		{"rs256", enc(t, 1, 3, 3, -257, -1, n, -2, e), nil},
		{"ps512", enc(t, 1, 3, 3, -39, -1, n, -2, e), nil},
		{"rs1", enc(t, 1, 3, 3, -65535, -1, n, -2, e), nil},
		{"mldsa44", enc(t, 1, 7, 3, -48, -1, make([]byte, 1312)), nil},
		{"mldsa65", enc(t, 1, 7, 3, -49, -1, make([]byte, 1952)), nil},
		{"mldsa87", enc(t, 1, 7, 3, -50, -1, make([]byte, 2592)), nil},
		{"unknown labels", enc(t, 1, 2, 3, -7, -1, 1, -2, x, -3, y, 2, []byte("kid"), "ext", []any{1, "a"}, -70000, map[int]int{1: 2}), nil},

		{"not a map", enc(t)[:0], ErrMalformed},
		{"array", []byte{0x80}, ErrMalformed},
		{"trailing", append(enc(t, 1, 1, 3, -8, -1, 6, -2, ed), 0x00), ErrTrailingData},
		{"indefinite map", append([]byte{0xbf}, append(enc(t, 1, 1, 3, -8, -1, 6, -2, ed)[1:], 0xff)...), ErrMalformed},
		{"bytes label", enc(t, 1, 1, 3, -8, -1, 6, -2, ed, []byte{1}, 1), ErrMalformed},
		{"bad unknown value", enc(t, 1, 1, 3, -8, -1, 6, -2, ed, 9, rawItem{0x5f}), ErrMalformed},
		{"duplicate kty", enc(t, 1, 1, 3, -8, -1, 6, -2, ed, 1, 1), ErrDuplicateLabel},
		{"duplicate non-minimal", enc(t, 1, 1, 3, -8, -1, 6, -2, ed, rawItem{0x18, 0x03}, -8), ErrDuplicateLabel},
		{"duplicate x", enc(t, 1, 1, 3, -8, -1, 6, -2, ed, -2, ed), ErrDuplicateLabel},
		{"duplicate unknown", enc(t, 1, 1, 3, -8, -1, 6, -2, ed, 99, 1, 99, 2), ErrDuplicateLabel},
		{"duplicate text", enc(t, 1, 1, 3, -8, -1, 6, -2, ed, "a", 1, "a", 2), ErrDuplicateLabel},
		// The edges of parseKey's bit set of small integer labels, [-32, 32).
		{"duplicate -32", enc(t, 1, 1, 3, -8, -1, 6, -2, ed, -32, 1, -32, 2), ErrDuplicateLabel},
		{"duplicate 31", enc(t, 1, 1, 3, -8, -1, 6, -2, ed, 31, 1, rawItem{0x18, 31}, 2), ErrDuplicateLabel},
		{"duplicate -33", enc(t, 1, 1, 3, -8, -1, 6, -2, ed, -33, 1, -33, 2), ErrDuplicateLabel},
		{"duplicate 32", enc(t, 1, 1, 3, -8, -1, 6, -2, ed, 32, 1, rawItem{0x19, 0, 32}, 2), ErrDuplicateLabel},
		{"duplicate -1, non-minimal", enc(t, 1, 1, 3, -8, -1, 6, -2, ed, rawItem{0x38, 0}, 2), ErrDuplicateLabel},
		{"duplicate empty text", enc(t, 1, 1, 3, -8, -1, 6, -2, ed, "", 1, "", 2), ErrDuplicateLabel},
		{"labels about the bit set", enc(t, 1, 1, 3, -8, -1, 6, -2, ed, -32, 1, 31, 1, -33, 1, 32, 1, "", 1, 0, 1), nil},
		{"missing alg", enc(t, 1, 2, -1, 1, -2, x, -3, y), ErrMissingLabel},
		{"missing kty", enc(t, 3, -7, -1, 1, -2, x, -3, y), ErrMissingLabel},
		{"missing crv", enc(t, 1, 2, 3, -7, -2, x, -3, y), ErrMissingLabel},
		{"missing y", enc(t, 1, 2, 3, -7, -1, 1, -2, x), ErrMissingLabel},
		{"missing n", enc(t, 1, 3, 3, -257, -2, e), ErrMissingLabel},
		{"missing pub", enc(t, 1, 7, 3, -48), ErrMissingLabel},
		{"kty bytes", enc(t, 1, []byte{2}, 3, -7, -1, 1, -2, x, -3, y), ErrMalformed},
		{"alg bytes", enc(t, 1, 2, 3, []byte{7}, -1, 1, -2, x, -3, y), ErrMalformed},
		{"x int", enc(t, 1, 2, 3, -7, -1, 1, -2, 5, -3, y), ErrMalformed},
		{"compressed y", enc(t, 1, 2, 3, -7, -1, 1, -2, x, -3, true), ErrCompressedPoint},
		{"y int", enc(t, 1, 2, 3, -7, -1, 1, -2, x, -3, 1), ErrMalformed},
		{"es256 on p384", enc(t, 1, 2, 3, -7, -1, 2, -2, x3, -3, y3), ErrAlgorithmMismatch},
		{"esp384 on p256", enc(t, 1, 2, 3, -51, -1, 1, -2, x, -3, y), ErrAlgorithmMismatch},
		{"es512 on p256", enc(t, 1, 2, 3, -36, -1, 1, -2, x, -3, y), ErrAlgorithmMismatch},
		{"es256 on okp", enc(t, 1, 1, 3, -7, -1, 6, -2, ed), ErrAlgorithmMismatch},
		{"eddsa on ec2", enc(t, 1, 2, 3, -8, -1, 1, -2, x, -3, y), ErrAlgorithmMismatch},
		{"ed25519 on ed448", enc(t, 1, 1, 3, -19, -1, 7, -2, ed448), ErrAlgorithmMismatch},
		{"ed448 on ed25519", enc(t, 1, 1, 3, -53, -1, 6, -2, ed), ErrAlgorithmMismatch},
		{"eddsa x25519", enc(t, 1, 1, 3, -8, -1, 4, -2, ed), ErrAlgorithmMismatch},
		{"rs256 on ec2", enc(t, 1, 2, 3, -257, -1, 1, -2, x, -3, y), ErrAlgorithmMismatch},
		{"es256 on rsa", enc(t, 1, 3, 3, -7, -1, n, -2, e), ErrAlgorithmMismatch},
		{"mldsa on okp", enc(t, 1, 1, 3, -48, -1, 6, -2, ed), ErrAlgorithmMismatch},
		{"mldsa44 65 size", enc(t, 1, 7, 3, -48, -1, make([]byte, 1952)), ErrKeyLength},
		{"mldsa87 short", enc(t, 1, 7, 3, -50, -1, make([]byte, 2591)), ErrKeyLength},
		{"x short", enc(t, 1, 2, 3, -7, -1, 1, -2, x[1:], -3, y), ErrKeyLength},
		{"x long", enc(t, 1, 2, 3, -7, -1, 1, -2, append([]byte{0}, x...), -3, y), ErrKeyLength},
		{"p521 short", enc(t, 1, 2, 3, -36, -1, 3, -2, x5[1:], -3, y5[1:]), ErrKeyLength},
		{"ed25519 31", enc(t, 1, 1, 3, -8, -1, 6, -2, ed[1:]), ErrKeyLength},
		{"ed448 56", enc(t, 1, 1, 3, -53, -1, 7, -2, ed448[1:]), ErrKeyLength},
		{"off curve", enc(t, 1, 2, 3, -7, -1, 1, -2, x, -3, badY), ErrNotOnCurve},
		{"zero point", enc(t, 1, 2, 3, -7, -1, 1, -2, make([]byte, 32), -3, make([]byte, 32)), ErrNotOnCurve},
		{"x = p", enc(t, 1, 2, 3, -7, -1, 1, -2, pBytes, -3, y), ErrNotOnCurve},
		{"ec2 private", enc(t, 1, 2, 3, -7, -1, 1, -2, x, -3, y, -4, x), ErrPrivateKey},
		{"okp private", enc(t, 1, 1, 3, -8, -1, 6, -2, ed, -4, ed), ErrPrivateKey},
		{"rsa private", enc(t, 1, 3, 3, -257, -1, n, -2, e, -3, n), ErrPrivateKey},
		{"rsa private qInv", enc(t, 1, 3, 3, -257, -1, n, -2, e, -8, n), ErrPrivateKey},
		{"akp private", enc(t, 1, 7, 3, -48, -1, make([]byte, 1312), -2, make([]byte, 32)), ErrPrivateKey},
		{"rsa leading zero", enc(t, 1, 3, 3, -257, -1, append([]byte{0}, n...), -2, e), ErrRSAModulus},
		{"rsa empty n", enc(t, 1, 3, 3, -257, -1, []byte{}, -2, e), ErrRSAModulus},
		{"rsa even e", enc(t, 1, 3, 3, -257, -1, n, -2, []byte{1, 0, 0}), ErrRSAExponent},
		{"rsa e 1", enc(t, 1, 3, 3, -257, -1, n, -2, []byte{1}), ErrRSAExponent},
		{"rsa e 3", enc(t, 1, 3, 3, -257, -1, n, -2, []byte{3}), nil},
		{"rsa e leading zero", enc(t, 1, 3, 3, -257, -1, n, -2, []byte{0, 1, 0, 1}), ErrRSAExponent},
		{"rsa e empty", enc(t, 1, 3, 3, -257, -1, n, -2, []byte{}), ErrRSAExponent},
		{"rsa e max", enc(t, 1, 3, 3, -257, -1, n, -2, []byte{0x7f, 0xff, 0xff, 0xff}), nil},
		{"rsa e max+2", enc(t, 1, 3, 3, -257, -1, n, -2, []byte{0x80, 0, 0, 1}), ErrRSAExponentSize},
		{"rsa e 5 bytes", enc(t, 1, 3, 3, -257, -1, n, -2, []byte{1, 0, 0, 0, 1}), ErrRSAExponentSize},
		{"rsa min bits", enc(t, 1, 3, 3, -257, -1, bitsN(MinRSABits), -2, e), nil},
		{"rsa min-1 bits", enc(t, 1, 3, 3, -257, -1, bitsN(MinRSABits-1), -2, e), ErrRSAKeySize},
		{"rsa max bits", enc(t, 1, 3, 3, -257, -1, bitsN(MaxRSABits), -2, e), nil},
		{"rsa max+1 bits", enc(t, 1, 3, 3, -257, -1, bitsN(MaxRSABits+1), -2, e), ErrRSAKeySize},
		{"unknown kty", enc(t, 1, 4, 3, -7, -1, 1, -2, x, -3, y), ErrUnsupportedKeyType},
		{"text kty", enc(t, 1, "EC2", 3, -7, -1, 1, -2, x, -3, y), ErrUnsupportedKeyType},
		{"unknown alg", enc(t, 1, 2, 3, -47, -1, 8, -2, x, -3, y), ErrUnsupportedAlgorithm},
		{"text alg", enc(t, 1, 2, 3, "ES256", -1, 1, -2, x, -3, y), ErrUnsupportedAlgorithm},
		{"unknown curve", enc(t, 1, 2, 3, -7, -1, 8, -2, x, -3, y), ErrUnsupportedCurve},
		{"text curve", enc(t, 1, 2, 3, -7, -1, "P-256", -2, x, -3, y), ErrUnsupportedCurve},
		{"unknown okp curve", enc(t, 1, 1, 3, -8, -1, 99, -2, ed), ErrUnsupportedCurve},
	}
	// MaxKeyLabels is accepted, one more is not.
	many := []any{1, 1, 3, -8, -1, 6, -2, ed}
	for i := 0; len(many)/2 < MaxKeyLabels; i++ {
		many = append(many, 100+i, 0)
	}
	tests = append(tests, struct {
		name string
		key  []byte
		want error
	}{"max labels", enc(t, many...), nil})
	tests = append(tests, struct {
		name string
		key  []byte
		want error
	}{"max+1 labels", enc(t, append(many, 99, 0)...), ErrTooManyLabels})

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k := Key{Type: RSA, N: tc.key} // garbage that must be cleared
			err := ParseKey(tc.key, &k)
			if err != tc.want {
				t.Fatalf("ParseKey = %v, want %v", err, tc.want)
			}
			if err != nil {
				if !isZero(&k) {
					t.Fatal("partial result on error")
				}
				return
			}
			if len(k.Raw) != len(tc.key) || &k.Raw[0] != &tc.key[0] {
				t.Fatal("Raw is not the input")
			}
		})
	}
}

func TestIsUnsupported(t *testing.T) {
	for _, err := range []error{ErrUnsupportedKeyType, ErrUnsupportedAlgorithm, ErrUnsupportedCurve, ErrRSAKeySize, ErrRSAExponentSize} {
		if !IsUnsupported(err) {
			t.Errorf("%v not unsupported", err)
		}
	}
	for _, err := range []error{ErrMalformed, ErrTrailingData, ErrDuplicateLabel, ErrTooManyLabels, ErrMissingLabel,
		ErrAlgorithmMismatch, ErrKeyLength, ErrCompressedPoint, ErrNotOnCurve, ErrNonCanonicalPoint, ErrSmallOrder, ErrPrivateKey,
		ErrRSAModulus, ErrRSAExponent, nil, errors.New("x")} {
		if IsUnsupported(err) {
			t.Errorf("%v unsupported", err)
		}
	}
}

func TestEqualHelpers(t *testing.T) {
	x, y := ecPoint(t, ecdh.P256())
	var k Key
	if err := ParseKey(enc(t, 1, 2, 3, -7, -1, 1, -2, x, -3, y), &k); err != nil {
		t.Fatal(err)
	}
	if !k.EqualEC(P256, append([]byte{0}, x...), y) || k.EqualEC(P384, x, y) || k.EqualEC(P256, y, x) || k.EqualRSA(x, 3) {
		t.Fatal("EqualEC")
	}
	n, e := testRSA(t)
	if err := ParseKey(enc(t, 1, 3, 3, -257, -1, n, -2, e), &k); err != nil {
		t.Fatal(err)
	}
	if !k.EqualRSA(append([]byte{0}, n...), 65537) || k.EqualRSA(n, 3) || k.EqualRSA(n[1:], 65537) || k.EqualEC(P256, x, y) {
		t.Fatal("EqualRSA")
	}
	if k.RSAExponent() != 65537 {
		t.Fatal("RSAExponent")
	}
}

func TestStrings(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{ES256.String(), "ES256"}, {ESP512.String(), "ESP512"}, {MLDSA65.String(), "ML-DSA-65"},
		{RS1.String(), "RS1"}, {Algorithm(-47).String(), "Algorithm(-47)"}, {Algorithm(0).String(), "Algorithm(0)"},
		{Algorithm(-9223372036854775808).String(), "Algorithm(-9223372036854775808)"},
		{AKP.String(), "AKP"}, {KeyType(4).String(), "KeyType(4)"},
		{P521.String(), "P-521"}, {CurveEd448.String(), "Ed448"}, {Curve(8).String(), "Curve(8)"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
