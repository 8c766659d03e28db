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
	mul4(&t, &y, &y, p)
	redc4(&lhs, &[8]uint64{t[0], t[1], t[2], t[3]}, p) // mul(t, 1)
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

// reduce4 sets z = t − p when t ≥ p, where t = z + carry·2²⁵⁶ < 2p. It
// selects with a mask, not a branch: the outcome is a coin toss on field
// elements, which a branch predictor cannot learn.
func reduce4(z *fe4, carry uint64, p *fe4) {
	var d0, d1, d2, d3, borrow uint64
	d0, borrow = bits.Sub64(z[0], p[0], 0)
	d1, borrow = bits.Sub64(z[1], p[1], borrow)
	d2, borrow = bits.Sub64(z[2], p[2], borrow)
	d3, borrow = bits.Sub64(z[3], p[3], borrow)
	keep := -(borrow &^ carry) // all ones: t < p, keep z
	z[0] = z[0]&keep | d0&^keep
	z[1] = z[1]&keep | d1&^keep
	z[2] = z[2]&keep | d2&^keep
	z[3] = z[3]&keep | d3&^keep
}

// add4 sets z = x + y mod p for x, y < p.
func add4(z, x, y, p *fe4) {
	var carry uint64
	for i := range z {
		z[i], carry = bits.Add64(x[i], y[i], carry)
	}
	reduce4(z, carry, p)
}

// sub4 sets z = x − y mod p for x, y < p, adding p back under a mask (see
// reduce4).
func sub4(z, x, y, p *fe4) {
	var borrow, carry uint64
	z[0], borrow = bits.Sub64(x[0], y[0], 0)
	z[1], borrow = bits.Sub64(x[1], y[1], borrow)
	z[2], borrow = bits.Sub64(x[2], y[2], borrow)
	z[3], borrow = bits.Sub64(x[3], y[3], borrow)
	m := -borrow
	z[0], carry = bits.Add64(z[0], p[0]&m, 0)
	z[1], carry = bits.Add64(z[1], p[1]&m, carry)
	z[2], carry = bits.Add64(z[2], p[2]&m, carry)
	z[3], _ = bits.Add64(z[3], p[3]&m, carry)
}

// p256p3 is the top limb of the P-256 modulus
// p = 2²⁵⁶ − 2²²⁴ + 2¹⁹² + 2⁹⁶ − 1, the one redc4 multiplies by.
const p256p3 = 0xffffffff00000001

// mul4 is field.mul for P-256: z = x·y·R⁻¹ mod p for x, y < p. It forms
// the 512-bit product and reduces it with redc4. p must be p256's modulus
// (TestMulDifferential).
func mul4(z, x, y, p *fe4) {
	var t0, t1, t2, t3, t4, t5, t6, t7, c uint64
	x0, x1, x2, x3 := x[0], x[1], x[2], x[3]
	y0 := y[0]
	c, t0 = bits.Mul64(x0, y0)
	c, t1 = mac(0, x1, y0, c)
	c, t2 = mac(0, x2, y0, c)
	t4, t3 = mac(0, x3, y0, c)
	y1 := y[1]
	c, t1 = mac(t1, x0, y1, 0)
	c, t2 = mac(t2, x1, y1, c)
	c, t3 = mac(t3, x2, y1, c)
	t5, t4 = mac(t4, x3, y1, c)
	y2 := y[2]
	c, t2 = mac(t2, x0, y2, 0)
	c, t3 = mac(t3, x1, y2, c)
	c, t4 = mac(t4, x2, y2, c)
	t6, t5 = mac(t5, x3, y2, c)
	y3 := y[3]
	c, t3 = mac(t3, x0, y3, 0)
	c, t4 = mac(t4, x1, y3, c)
	c, t5 = mac(t5, x2, y3, c)
	t7, t6 = mac(t6, x3, y3, c)
	redc4(z, &[8]uint64{t0, t1, t2, t3, t4, t5, t6, t7}, p)
}

// mac returns t + x·y + c as (hi, lo); it cannot overflow 128 bits.
func mac(t, x, y, c uint64) (hi, lo uint64) {
	hi, lo = bits.Mul64(x, y)
	var cc uint64
	lo, cc = bits.Add64(lo, t, 0)
	hi += cc
	lo, cc = bits.Add64(lo, c, 0)
	return hi + cc, lo
}

// redc4 sets z = t·R⁻¹ mod p (Montgomery reduction, R = 2²⁵⁶) for
// t < p·R, p being p256's modulus. As −p⁻¹ ≡ 1 mod 2⁶⁴, each step's
// multiplier m is the lowest limb, and since
// m·(p + 1) = m·2⁹⁶ + m·p₃·2¹⁹² (p = 2²⁵⁶ − 2²²⁴ + 2¹⁹² + 2⁹⁶ − 1,
// p₃ = 2⁶⁴ − 2³² + 1 its top limb), adding m·p clears that limb and adds
// m·2³² one limb up and m·p₃ three limbs up: one multiplication per limb.
// The result, below 2p, is reduced once.
func redc4(z *fe4, t *[8]uint64, p *fe4) {
	t0, t1, t2, t3, t4, t5, t6, t7 := t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7]
	var hi, lo, c, top uint64
	hi, lo = bits.Mul64(t0, p256p3)
	t1, c = bits.Add64(t1, t0<<32, 0)
	t2, c = bits.Add64(t2, t0>>32, c)
	t3, c = bits.Add64(t3, lo, c)
	t4, c = bits.Add64(t4, hi, c)
	t5, c = bits.Add64(t5, 0, c)
	t6, c = bits.Add64(t6, 0, c)
	t7, c = bits.Add64(t7, 0, c)
	top = c
	hi, lo = bits.Mul64(t1, p256p3)
	t2, c = bits.Add64(t2, t1<<32, 0)
	t3, c = bits.Add64(t3, t1>>32, c)
	t4, c = bits.Add64(t4, lo, c)
	t5, c = bits.Add64(t5, hi, c)
	t6, c = bits.Add64(t6, 0, c)
	t7, c = bits.Add64(t7, 0, c)
	top += c
	hi, lo = bits.Mul64(t2, p256p3)
	t3, c = bits.Add64(t3, t2<<32, 0)
	t4, c = bits.Add64(t4, t2>>32, c)
	t5, c = bits.Add64(t5, lo, c)
	t6, c = bits.Add64(t6, hi, c)
	t7, c = bits.Add64(t7, 0, c)
	top += c
	hi, lo = bits.Mul64(t3, p256p3)
	t4, c = bits.Add64(t4, t3<<32, 0)
	t5, c = bits.Add64(t5, t3>>32, c)
	t6, c = bits.Add64(t6, lo, c)
	t7, c = bits.Add64(t7, hi, c)
	top += c
	r := fe4{t4, t5, t6, t7}
	reduce4(&r, top, p)
	*z = r
}
