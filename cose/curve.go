package cose

import "math/bits"

// This file checks that an EC2 point lies on its NIST curve without
// allocating: crypto/ecdh and crypto/ecdsa parse points through math/big or
// heap-allocated field elements. It is a small, variable-time Montgomery
// arithmetic over little-endian uint64 limbs, enough to evaluate
// y² = x³ − 3x + b mod p (SEC 1 v2 §3.2.2.1, FIPS 186-5 / SP 800-186 §3.2.1).
// Public keys are public, so variable time is fine.

// maxLimbs is the number of 64-bit limbs of the largest field, P-521 (521 bits).
const maxLimbs = 9

type limbs [maxLimbs]uint64

// field is a prime field with the curve constant b of y² = x³ − 3x + b.
type field struct {
	n    int    // limbs in use
	size int    // coordinate length in bytes (SEC 1 field element encoding)
	p    limbs  // modulus
	n0   uint64 // −p⁻¹ mod 2⁶⁴
	rr   limbs  // R² mod p, R = 2^(64n)
	bM   limbs  // b in Montgomery form
	// For onCurve4, which works on plain (not Montgomery) inputs:
	three limbs // 3·R⁻¹ mod p
	bR2   limbs // b·R⁻² mod p
}

var (
	p256 = newField(4, 32,
		limbs{0xffffffffffffffff, 0x00000000ffffffff, 0x0000000000000000, 0xffffffff00000001},
		limbs{0x3bce3c3e27d2604b, 0x651d06b0cc53b0f6, 0xb3ebbd55769886bc, 0x5ac635d8aa3a93e7})
	p384 = newField(6, 48,
		limbs{0x00000000ffffffff, 0xffffffff00000000, 0xfffffffffffffffe, 0xffffffffffffffff,
			0xffffffffffffffff, 0xffffffffffffffff},
		limbs{0x2a85c8edd3ec2aef, 0xc656398d8a2ed19d, 0x0314088f5013875a, 0x181d9c6efe814112,
			0x988e056be3f82d19, 0xb3312fa7e23ee7e4})
	p521 = newField(9, 66,
		limbs{0xffffffffffffffff, 0xffffffffffffffff, 0xffffffffffffffff, 0xffffffffffffffff,
			0xffffffffffffffff, 0xffffffffffffffff, 0xffffffffffffffff, 0xffffffffffffffff,
			0x00000000000001ff},
		limbs{0xef451fd46b503f00, 0x3573df883d2c34f1, 0x1652c0bd3bb1bf07, 0x56193951ec7e937b,
			0xb8b489918ef109e1, 0xa2da725b99b315f3, 0x929a21a0b68540ee, 0x953eb9618e1c9a1f,
			0x0000000000000051})
)

func newField(n, size int, p, b limbs) *field {
	f := &field{n: n, size: size, p: p}
	// Newton iteration for p⁻¹ mod 2⁶⁴: each step doubles the correct bits.
	inv := p[0]
	for i := 0; i < 6; i++ {
		inv *= 2 - p[0]*inv
	}
	f.n0 = -inv
	// R² mod p by doubling 1 modulo p, 2·64·n times.
	var x limbs
	x[0] = 1
	for i := 0; i < 128*n; i++ {
		f.add(&x, &x, &x)
	}
	f.rr = x
	f.mul(&f.bM, &b, &f.rr)
	var one, three limbs
	one[0], three[0] = 1, 3
	f.mul(&f.three, &three, &one)
	f.mul(&f.bR2, &b, &one)
	f.mul(&f.bR2, &f.bR2, &one)
	return f
}

// curveField returns the field of a NIST curve, or nil.
func curveField(c Curve) *field {
	switch c {
	case P256:
		return p256
	case P384:
		return p384
	case P521:
		return p521
	}
	return nil
}

// setBytes decodes a big-endian field element of exactly f.size bytes and
// reports whether it is below p (SEC 1 v2 §2.3.6 rejects values ≥ p).
func (f *field) setBytes(z *limbs, b []byte) bool {
	if len(b) != f.size {
		return false
	}
	*z = limbs{}
	for i := 0; i < len(b); i++ {
		j := len(b) - 1 - i // byte i from the least significant end
		z[i/8] |= uint64(b[j]) << (8 * (i % 8))
	}
	return f.less(z, &f.p)
}

// less reports whether a < b over f.n limbs.
func (f *field) less(a, b *limbs) bool {
	var borrow uint64
	for i := 0; i < f.n; i++ {
		_, borrow = bits.Sub64(a[i], b[i], borrow)
	}
	return borrow == 1
}

// reduceOnce sets z = t − p when t ≥ p, where t = z + carry·2^(64n) < 2p.
func (f *field) reduceOnce(z *limbs, carry uint64) {
	var d limbs
	var borrow uint64
	for i := 0; i < f.n; i++ {
		d[i], borrow = bits.Sub64(z[i], f.p[i], borrow)
	}
	if carry == 1 || borrow == 0 {
		*z = d
	}
}

// add sets z = x + y mod p for x, y < p.
func (f *field) add(z, x, y *limbs) {
	var carry uint64
	for i := 0; i < f.n; i++ {
		z[i], carry = bits.Add64(x[i], y[i], carry)
	}
	f.reduceOnce(z, carry)
}

// sub sets z = x − y mod p for x, y < p.
func (f *field) sub(z, x, y *limbs) {
	var borrow uint64
	for i := 0; i < f.n; i++ {
		z[i], borrow = bits.Sub64(x[i], y[i], borrow)
	}
	if borrow == 1 {
		var carry uint64
		for i := 0; i < f.n; i++ {
			z[i], carry = bits.Add64(z[i], f.p[i], carry)
		}
	}
}

// mul sets z = x·y·R⁻¹ mod p (CIOS Montgomery multiplication) for x, y < p.
func (f *field) mul(z, x, y *limbs) {
	n := f.n
	var t [maxLimbs + 2]uint64
	for i := 0; i < n; i++ {
		var c uint64
		for j := 0; j < n; j++ {
			hi, lo := bits.Mul64(x[j], y[i])
			var cc uint64
			lo, cc = bits.Add64(lo, t[j], 0)
			hi += cc
			lo, cc = bits.Add64(lo, c, 0)
			hi += cc
			t[j], c = lo, hi
		}
		var cc uint64
		t[n], cc = bits.Add64(t[n], c, 0)
		t[n+1] = cc

		m := t[0] * f.n0
		hi, lo := bits.Mul64(m, f.p[0])
		_, cc = bits.Add64(lo, t[0], 0)
		c = hi + cc
		for j := 1; j < n; j++ {
			hi, lo = bits.Mul64(m, f.p[j])
			lo, cc = bits.Add64(lo, t[j], 0)
			hi += cc
			lo, cc = bits.Add64(lo, c, 0)
			hi += cc
			t[j-1], c = lo, hi
		}
		t[n-1], cc = bits.Add64(t[n], c, 0)
		t[n] = t[n+1] + cc
	}
	var r limbs
	copy(r[:n], t[:n])
	f.reduceOnce(&r, t[n])
	*z = r
}

// onCurve reports whether the big-endian coordinates (x, y) are each exactly
// f.size bytes, below p, and satisfy y² = x³ − 3x + b. The point at infinity
// has no affine encoding, so a point that passes is never the identity.
func (f *field) onCurve(xb, yb []byte) bool {
	if f == p256 {
		return f.onCurve4(xb, yb)
	}
	return f.onCurveN(xb, yb)
}

// onCurveN is onCurve for any limb count, in Montgomery form.
func (f *field) onCurveN(xb, yb []byte) bool {
	var x, y limbs
	if !f.setBytes(&x, xb) || !f.setBytes(&y, yb) {
		return false
	}
	f.mul(&x, &x, &f.rr) // to Montgomery form
	f.mul(&y, &y, &f.rr)
	var lhs, rhs, t limbs
	f.mul(&lhs, &y, &y)
	f.mul(&rhs, &x, &x)
	f.mul(&rhs, &rhs, &x)
	f.add(&t, &x, &x)
	f.add(&t, &t, &x)
	f.sub(&rhs, &rhs, &t)
	f.add(&rhs, &rhs, &f.bM)
	var diff uint64
	for i := 0; i < f.n; i++ {
		diff |= lhs[i] ^ rhs[i]
	}
	return diff == 0
}

// fe4 is an element of a 4-limb field (P-256), little-endian limbs.
type fe4 [4]uint64

// onCurve4 is onCurve for P-256 (the one 4-limb field), with the limb count fixed so that
// the loops carry no bounds checks, and without converting to Montgomery
// form: with mul(a, b) = a·b·R⁻¹ on plain x, y it compares
// mul(mul(y, y), 1) = y²·R⁻² with mul(mul(x, x) − 3·R⁻¹, x) + b·R⁻²
// = (x³ − 3x + b)·R⁻², both fully reduced, four multiplications in all.
func (f *field) onCurve4(xb, yb []byte) bool {
	if len(xb) != 32 || len(yb) != 32 {
		return false
	}
	p := (*fe4)(f.p[:4])
	x, y := fe4from(xb), fe4from(yb)
	if !fe4less(&x, p) || !fe4less(&y, p) {
		return false
	}
	var lhs, rhs, t fe4
	one := fe4{1}
	mul4(&t, &y, &y, p)
	mul4(&lhs, &t, &one, p)
	mul4(&t, &x, &x, p)
	sub4(&t, &t, (*fe4)(f.three[:4]), p)
	mul4(&rhs, &t, &x, p)
	add4(&rhs, &rhs, (*fe4)(f.bR2[:4]), p)
	return (lhs[0]^rhs[0])|(lhs[1]^rhs[1])|(lhs[2]^rhs[2])|(lhs[3]^rhs[3]) == 0
}

// fe4from decodes 32 big-endian bytes.
func fe4from(b []byte) fe4 {
	_ = b[31]
	return fe4{be64(b[24:]), be64(b[16:]), be64(b[8:]), be64(b)}
}

// be64 decodes 8 big-endian bytes (encoding/binary would bring in reflect,
// which TestDeps keeps out of this package).
func be64(b []byte) uint64 {
	_ = b[7]
	return uint64(b[0])<<56 | uint64(b[1])<<48 | uint64(b[2])<<40 | uint64(b[3])<<32 |
		uint64(b[4])<<24 | uint64(b[5])<<16 | uint64(b[6])<<8 | uint64(b[7])
}

// fe4less reports whether a < b.
func fe4less(a, b *fe4) bool {
	var borrow uint64
	for i := range a {
		_, borrow = bits.Sub64(a[i], b[i], borrow)
	}
	return borrow == 1
}

// reduce4 sets z = t − p when t ≥ p, where t = z + carry·2²⁵⁶ < 2p.
func reduce4(z *fe4, carry uint64, p *fe4) {
	var d fe4
	var borrow uint64
	for i := range d {
		d[i], borrow = bits.Sub64(z[i], p[i], borrow)
	}
	if carry == 1 || borrow == 0 {
		*z = d
	}
}

// add4 sets z = x + y mod p for x, y < p.
func add4(z, x, y, p *fe4) {
	var carry uint64
	for i := range z {
		z[i], carry = bits.Add64(x[i], y[i], carry)
	}
	reduce4(z, carry, p)
}

// sub4 sets z = x − y mod p for x, y < p.
func sub4(z, x, y, p *fe4) {
	var borrow uint64
	for i := range z {
		z[i], borrow = bits.Sub64(x[i], y[i], borrow)
	}
	if borrow == 1 {
		var carry uint64
		for i := range z {
			z[i], carry = bits.Add64(z[i], p[i], carry)
		}
	}
}

// The P-256 modulus p = 2²⁵⁶ − 2²²⁴ + 2¹⁹² + 2⁹⁶ − 1 as limbs, for mul4,
// whose reduction uses −p⁻¹ mod 2⁶⁴ = 1 (p ≡ −1 mod 2⁶⁴).
const (
	p256p0 = 0xffffffffffffffff
	p256p1 = 0x00000000ffffffff
	p256p2 = 0
	p256p3 = 0xffffffff00000001
)

// mul4 is field.mul for P-256: z = x·y·R⁻¹ mod p (CIOS), x, y < p, with
// the modulus as constants. p must be p256's modulus (TestMulDifferential).
func mul4(z, x, y, p *fe4) {
	var t0, t1, t2, t3, t4 uint64
	for i := range y {
		yi := y[i]
		var c, cc, hi, lo uint64
		hi, lo = bits.Mul64(x[0], yi)
		t0, cc = bits.Add64(lo, t0, 0)
		c = hi + cc
		hi, lo = bits.Mul64(x[1], yi)
		lo, cc = bits.Add64(lo, t1, 0)
		hi += cc
		t1, cc = bits.Add64(lo, c, 0)
		c = hi + cc
		hi, lo = bits.Mul64(x[2], yi)
		lo, cc = bits.Add64(lo, t2, 0)
		hi += cc
		t2, cc = bits.Add64(lo, c, 0)
		c = hi + cc
		hi, lo = bits.Mul64(x[3], yi)
		lo, cc = bits.Add64(lo, t3, 0)
		hi += cc
		t3, cc = bits.Add64(lo, c, 0)
		c = hi + cc
		var t5 uint64
		t4, t5 = bits.Add64(t4, c, 0)

		m := t0 // · −p⁻¹ mod 2⁶⁴, which is 1
		hi, lo = bits.Mul64(m, p256p0)
		_, cc = bits.Add64(lo, t0, 0)
		c = hi + cc
		hi, lo = bits.Mul64(m, p256p1)
		lo, cc = bits.Add64(lo, t1, 0)
		hi += cc
		t0, cc = bits.Add64(lo, c, 0)
		c = hi + cc
		hi, lo = bits.Mul64(m, p256p2)
		lo, cc = bits.Add64(lo, t2, 0)
		hi += cc
		t1, cc = bits.Add64(lo, c, 0)
		c = hi + cc
		hi, lo = bits.Mul64(m, p256p3)
		lo, cc = bits.Add64(lo, t3, 0)
		hi += cc
		t2, cc = bits.Add64(lo, c, 0)
		c = hi + cc
		t3, cc = bits.Add64(t4, c, 0)
		t4 = t5 + cc
	}
	r := fe4{t0, t1, t2, t3}
	reduce4(&r, t4, p)
	*z = r
}
