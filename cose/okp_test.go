package cose

import (
	"crypto/ed25519"
	"crypto/rand"
	"math/big"
	"testing"

	"github.com/cloudflare/circl/sign/ed448"
)

// edCurve is a twisted Edwards curve a·x² + y² = 1 + d·x²·y² over GF(p),
// computed with math/big as an oracle independent of okp.go.
type edCurve struct {
	p, a, d *big.Int
	size    int // encoding length in bytes (RFC 8032 §5.1.2, §5.2.2)
}

func (c *edCurve) mod(v *big.Int) *big.Int { return v.Mod(v, c.p) }

func (c *edCurve) inv(v *big.Int) *big.Int { return new(big.Int).ModInverse(v, c.p) }

// add is the complete Edwards addition law.
func (c *edCurve) add(x1, y1, x2, y2 *big.Int) (*big.Int, *big.Int) {
	x1x2 := c.mod(new(big.Int).Mul(x1, x2))
	y1y2 := c.mod(new(big.Int).Mul(y1, y2))
	t := c.mod(new(big.Int).Mul(c.d, new(big.Int).Mul(x1x2, y1y2)))
	xn := c.mod(new(big.Int).Add(new(big.Int).Mul(x1, y2), new(big.Int).Mul(y1, x2)))
	yn := c.mod(new(big.Int).Sub(y1y2, new(big.Int).Mul(c.a, x1x2)))
	xd := c.mod(new(big.Int).Add(big.NewInt(1), t))
	yd := c.mod(new(big.Int).Sub(big.NewInt(1), t))
	return c.mod(xn.Mul(xn, c.inv(xd))), c.mod(yn.Mul(yn, c.inv(yd)))
}

func (c *edCurve) mul(k, x, y *big.Int) (*big.Int, *big.Int) {
	rx, ry := big.NewInt(0), big.NewInt(1)
	for i := k.BitLen() - 1; i >= 0; i-- {
		rx, ry = c.add(rx, ry, rx, ry)
		if k.Bit(i) == 1 {
			rx, ry = c.add(rx, ry, x, y)
		}
	}
	return rx, ry
}

// xFor returns an x with (x, y) on the curve, or nil.
func (c *edCurve) xFor(y *big.Int) *big.Int {
	y2 := c.mod(new(big.Int).Mul(y, y))
	num := c.mod(new(big.Int).Sub(y2, big.NewInt(1)))
	den := c.mod(new(big.Int).Sub(new(big.Int).Mul(c.d, y2), c.a))
	x2 := c.mod(num.Mul(num, c.inv(den)))
	return new(big.Int).ModSqrt(x2, c.p)
}

// encode is the RFC 8032 encoding of y (any value below 2^(8·size−1)) with
// the sign bit set to sign.
func (c *edCurve) encode(y *big.Int, sign uint) []byte {
	b := y.FillBytes(make([]byte, c.size))
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	b[c.size-1] |= byte(sign << 7)
	return b
}

// torsion returns the points of order dividing h: [ℓ]Q for random Q, until h
// distinct points are found.
func (c *edCurve) torsion(t *testing.T, l *big.Int, h int) [][2]*big.Int {
	t.Helper()
	var pts [][2]*big.Int
	seen := map[string]bool{}
	for tries := 0; len(pts) < h && tries < 64; tries++ {
		y, _ := rand.Int(rand.Reader, c.p)
		x := c.xFor(y)
		if x == nil {
			continue
		}
		tx, ty := c.mul(l, x, y)
		// Every multiple of a torsion point is one too.
		px, py := big.NewInt(0), big.NewInt(1)
		for i := 0; i < h; i++ {
			if k := px.String() + "," + py.String(); !seen[k] {
				seen[k] = true
				pts = append(pts, [2]*big.Int{px, py})
			}
			px, py = c.add(px, py, tx, ty)
		}
	}
	if len(pts) != h {
		t.Fatalf("found %d torsion points, want %d", len(pts), h)
	}
	for _, pt := range pts {
		if x, y := c.mul(big.NewInt(int64(h)), pt[0], pt[1]); x.Sign() != 0 || y.Cmp(big.NewInt(1)) != 0 {
			t.Fatalf("(%x, %x) has order above %d", pt[0], pt[1], h)
		}
	}
	return pts
}

var (
	curve25519 = func() *edCurve {
		p := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))
		d := new(big.Int).Mul(big.NewInt(-121665), new(big.Int).ModInverse(big.NewInt(121666), p))
		return &edCurve{p: p, a: big.NewInt(-1), d: d.Mod(d, p), size: 32}
	}()
	// ℓ, the prime order of the Ed25519 base point (RFC 8032 §5.1).
	l25519, _ = new(big.Int).SetString("7237005577332262213973186563042994240857116359379907606001950938285454250989", 10)

	curve448 = func() *edCurve {
		p := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 448), new(big.Int).Lsh(big.NewInt(1), 224))
		p.Sub(p, big.NewInt(1))
		d := new(big.Int).Mod(big.NewInt(-39081), p)
		return &edCurve{p: p, a: big.NewInt(1), d: d, size: 57}
	}()
	l448, _ = new(big.Int).SetString("181709681073901722637330951972001133588410340171829515070372549795146003961539585716195755291692375963310293709091662304773755859649779", 10)
)

// smallOrderEncodings returns every encoding of a small-order point that some
// decoder accepts: canonical, with the sign bit flipped (for x = 0 that is
// "-0", which RFC 8032 decoding refuses but lax decoders take), and with y + p
// when that still fits (non-canonical y). canonical tells which are which.
func smallOrderEncodings(t *testing.T, c *edCurve, l *big.Int, h int) (enc [][]byte, canonical []bool) {
	limit := new(big.Int).Lsh(big.NewInt(1), uint(8*c.size-1))
	if c.size == 57 {
		limit.Lsh(big.NewInt(1), 448) // bits 448-454 of Ed448 must be clear
	}
	seen := map[string]bool{}
	for _, pt := range c.torsion(t, l, h) {
		for _, y := range []*big.Int{pt[1], new(big.Int).Add(pt[1], c.p)} {
			if y.Cmp(limit) >= 0 {
				continue
			}
			for sign := uint(0); sign < 2; sign++ {
				e := c.encode(y, sign)
				if seen[string(e)] { // ±x share y
					continue
				}
				seen[string(e)] = true
				enc = append(enc, e)
				canonical = append(canonical, y.Cmp(c.p) < 0)
			}
		}
	}
	return enc, canonical
}

// TestSmallOrderEd25519Rejected: a credential key that is a small-order
// point registers, and then one fixed signature (R = identity, S = 0) verifies
// every assertion for the identity key. ParseKey rejects every encoding of
// the 8 torsion points of edwards25519 (ErrSmallOrder) and every y ≥ p
// (ErrNonCanonicalPoint), both in the malformed class.
func TestSmallOrderEd25519Rejected(t *testing.T) {
	identity := make([]byte, 32)
	identity[0] = 1
	// The threat: crypto/ed25519 does not refuse the identity as a public key.
	fixed := append(append([]byte(nil), identity...), make([]byte, 32)...) // R = identity, S = 0
	for _, msg := range []string{"assertion 1", "assertion 2", ""} {
		if !ed25519.Verify(identity, []byte(msg), fixed) {
			t.Fatalf("ed25519.Verify(identity key, %q, R=identity S=0) = false; the test's premise is wrong", msg)
		}
	}

	encs, canonical := smallOrderEncodings(t, curve25519, l25519, 8)
	// y ∈ {1, p−1, 0, two order-8 values} × 2 signs, and y ∈ {p, p+1} × 2 signs.
	if len(encs) != 5*2+2*2 {
		t.Fatalf("%d small-order encodings", len(encs))
	}
	for i := 0; i < 19; i++ { // every y in [p, 2^255)
		y := new(big.Int).Add(curve25519.p, big.NewInt(int64(i)))
		encs = append(encs, curve25519.encode(y, 0), curve25519.encode(y, 1))
		canonical = append(canonical, false, false)
	}
	checkOKPRejections(t, "Ed25519", []Algorithm{EdDSA, Ed25519}, CurveEd25519, encs, canonical)

	// Real keys, and the largest canonical y that is a valid point, parse.
	for i := 0; i < 64; i++ {
		pub, _, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		var k Key
		if err := ParseKey(enc(t, 1, 1, 3, -8, -1, 6, -2, []byte(pub)), &k); err != nil {
			t.Fatalf("ParseKey(generated key %x) = %v", []byte(pub), err)
		}
	}
	for y := new(big.Int).Sub(curve25519.p, big.NewInt(2)); ; y.Sub(y, big.NewInt(1)) {
		if curve25519.xFor(y) != nil {
			var k Key
			if err := ParseKey(enc(t, 1, 1, 3, -19, -1, 6, -2, curve25519.encode(y, 1)), &k); err != nil {
				t.Fatalf("ParseKey(y = p-%s) = %v", new(big.Int).Sub(curve25519.p, y), err)
			}
			break
		}
	}
}

// TestSmallOrderEd448Rejected: the same for the 4 torsion points of edwards448.
func TestSmallOrderEd448Rejected(t *testing.T) {
	encs, canonical := smallOrderEncodings(t, curve448, l448, 4)
	if len(encs) != 3*2+2*2 { // y ∈ {1, p−1, 0} and {p, p+1}, × 2 signs
		t.Fatalf("%d small-order encodings", len(encs))
	}
	// y ≥ p, and bits 448-454 (the unused bits of the last byte) set.
	for _, y := range []*big.Int{curve448.p, new(big.Int).Add(curve448.p, big.NewInt(2)), new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 448), big.NewInt(1))} {
		encs = append(encs, curve448.encode(y, 0), curve448.encode(y, 1))
		canonical = append(canonical, false, false)
	}
	pub, _, err := ed448.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for bit := 0; bit < 7; bit++ {
		b := append([]byte(nil), pub...)
		b[56] |= 1 << bit
		encs = append(encs, b)
		canonical = append(canonical, false)
	}
	checkOKPRejections(t, "Ed448", []Algorithm{EdDSA, Ed448}, CurveEd448, encs, canonical)

	var k Key
	if err := ParseKey(enc(t, 1, 1, 3, -53, -1, 7, -2, []byte(pub)), &k); err != nil {
		t.Fatalf("ParseKey(generated Ed448 key) = %v", err)
	}
}

func checkOKPRejections(t *testing.T, name string, algs []Algorithm, crv Curve, encs [][]byte, canonical []bool) {
	t.Helper()
	for i, x := range encs {
		want := ErrSmallOrder
		if !canonical[i] {
			want = ErrNonCanonicalPoint
		}
		for _, alg := range algs {
			key := enc(t, 1, 1, 3, int64(alg), -1, int64(crv), -2, x)
			k := Key{Type: RSA}
			err := ParseKey(key, &k)
			if err != want {
				t.Errorf("%s %s: ParseKey(x = %x) = %v, want %v", name, alg, x, err, want)
				continue
			}
			if IsUnsupported(err) || !isZero(&k) {
				t.Errorf("%s: %v is in the unsupported class or left a partial result", name, err)
			}
			if a := testing.AllocsPerRun(20, func() { ParseKey(key, &k) }); a != 0 {
				t.Errorf("%s: rejecting x = %x allocates %v times", name, x, a)
			}
		}
	}
}
