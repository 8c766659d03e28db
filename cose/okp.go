package cose

import "bytes"

// This file refuses OKP signature keys (RFC 8032 encodings) that no honest
// authenticator emits and that weaken EdDSA: a y coordinate ≥ p, and the
// points of small order. For a small-order public key A, [k]A takes at most
// 8 values whatever the message, so a fixed signature verifies a large share
// of messages (for the identity, R = identity and S = 0 verifies every one),
// and crypto/ed25519 and circl do not refuse such keys. The checks are byte
// comparisons against constants: no allocation and no field arithmetic.

// Ed25519 encodings (RFC 8032 §5.1.2): y little-endian in bits 0-254, the
// sign of x in bit 255. p = 2^255 − 19.
var (
	ed25519P = [32]byte{
		0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}

	// ed25519SmallOrder holds the canonical y of the 8 torsion points of
	// edwards25519 (sign bit clear): y = 1 (the identity, order 1), p − 1
	// (order 2), 0 (order 4, x = ±√−1) and the two y of the four points of
	// order 8. Non-canonical encodings (y + p for y = 0, 1) are refused as
	// y ≥ p before this list is consulted.
	ed25519SmallOrder = [...][32]byte{
		{0x01},
		{0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
		{},
		{0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0,
			0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05},
		{0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f,
			0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a},
	}
)

// Ed448 encodings (RFC 8032 §5.2.2): y little-endian in bits 0-447, bits
// 448-454 zero, the sign of x in bit 455. p = 2^448 − 2^224 − 1.
var (
	ed448P = func() (p [57]byte) {
		for i := range 56 {
			p[i] = 0xff
		}
		p[28] = 0xfe
		return p
	}()

	// ed448SmallOrder holds the canonical y of the 4 torsion points of
	// edwards448: y = 1 (identity), p − 1 (order 2) and 0 (order 4, x = ±1).
	ed448SmallOrder = func() (s [3][57]byte) {
		s[0][0] = 1
		s[1] = ed448P
		s[1][0] = 0xfe
		return s
	}()
)

// checkEdwardsKey checks the encoded public key x (len(x) == len(p)): its y
// (x with the sign bit, the top bit of the last byte, cleared) must be below
// p (else ErrNonCanonicalPoint) and must not be the y of a small-order point
// (ErrSmallOrder); clearing the sign bit covers both x and −x, and the "−0"
// encodings of x = 0 that RFC 8032 decoding refuses but lax decoders accept.
func checkEdwardsKey(x, p []byte, small [][]byte) error {
	var buf [57]byte
	y := buf[:len(x)]
	copy(y, x)
	y[len(y)-1] &^= 0x80
	if !lessLE(y, p) {
		return ErrNonCanonicalPoint
	}
	for _, s := range small {
		if bytes.Equal(y, s) {
			return ErrSmallOrder
		}
	}
	return nil
}

// lessLE reports whether the little-endian integer a is below b (same length).
func lessLE(a, b []byte) bool {
	for i := len(a) - 1; i >= 0; i-- {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

// smallOrder25519 and smallOrder448 are the small-order lists as slices.
var (
	smallOrder25519 = slices25519()
	smallOrder448   = [][]byte{ed448SmallOrder[0][:], ed448SmallOrder[1][:], ed448SmallOrder[2][:]}
)

func slices25519() [][]byte {
	s := make([][]byte, len(ed25519SmallOrder))
	for i := range ed25519SmallOrder {
		s[i] = ed25519SmallOrder[i][:]
	}
	return s
}

// checkOKPPoint applies checkEdwardsKey with the constants of curve c.
func checkOKPPoint(c Curve, x []byte) error {
	switch c {
	case CurveEd25519:
		return checkEdwardsKey(x, ed25519P[:], smallOrder25519)
	case CurveEd448:
		return checkEdwardsKey(x, ed448P[:], smallOrder448)
	}
	return nil
}
