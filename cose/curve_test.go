package cose

import (
	"crypto/ecdh"
	"crypto/elliptic"
	"crypto/rand"
	"math/big"
	"testing"
)

func TestCurveConstants(t *testing.T) {
	for _, tc := range []struct {
		f *field
		c elliptic.Curve
	}{{p256, elliptic.P256()}, {p384, elliptic.P384()}, {p521, elliptic.P521()}} {
		params := tc.c.Params()
		if got := toBig(tc.f, &tc.f.p); got.Cmp(params.P) != 0 {
			t.Errorf("%s: p = %x", params.Name, got)
		}
		var b limbs
		var one limbs
		one[0] = 1
		tc.f.mul(&b, &tc.f.bM, &one) // out of Montgomery form
		if got := toBig(tc.f, &b); got.Cmp(params.B) != 0 {
			t.Errorf("%s: b = %x", params.Name, got)
		}
		// onCurve4's constants: 3·R⁻¹ and b·R⁻².
		r := new(big.Int).Lsh(big.NewInt(1), uint(64*tc.f.n))
		rInv := new(big.Int).ModInverse(r, params.P)
		three := new(big.Int).Mul(big.NewInt(3), rInv)
		if got := toBig(tc.f, &tc.f.three); got.Cmp(three.Mod(three, params.P)) != 0 {
			t.Errorf("%s: 3·R⁻¹ wrong", params.Name)
		}
		bR2 := new(big.Int).Mul(params.B, new(big.Int).Mul(rInv, rInv))
		if got := toBig(tc.f, &tc.f.bR2); got.Cmp(bR2.Mod(bR2, params.P)) != 0 {
			t.Errorf("%s: b·R⁻² wrong", params.Name)
		}
		if tc.f.size != (params.BitSize+7)/8 {
			t.Errorf("%s: size %d", params.Name, tc.f.size)
		}
		rr := new(big.Int).Mod(new(big.Int).Mul(r, r), params.P)
		if got := toBig(tc.f, &tc.f.rr); got.Cmp(rr) != 0 {
			t.Errorf("%s: R² mod p wrong", params.Name)
		}
	}
}

func toBig(f *field, z *limbs) *big.Int {
	v := new(big.Int)
	for i := f.n - 1; i >= 0; i-- {
		v.Lsh(v, 64)
		v.Or(v, new(big.Int).SetUint64(z[i]))
	}
	return v
}

// TestMulDifferential checks the Montgomery multiplication against math/big.
func TestMulDifferential(t *testing.T) {
	for _, f := range []*field{p256, p384, p521} {
		p := toBig(f, &f.p)
		rInv := new(big.Int).ModInverse(new(big.Int).Lsh(big.NewInt(1), uint(64*f.n)), p)
		for i := 0; i < 2000; i++ {
			a, _ := rand.Int(rand.Reader, p)
			b, _ := rand.Int(rand.Reader, p)
			if i == 0 {
				a.Sub(p, big.NewInt(1))
				b.Sub(p, big.NewInt(1))
			}
			var x, y, z limbs
			f.setBytes(&x, a.FillBytes(make([]byte, f.size)))
			f.setBytes(&y, b.FillBytes(make([]byte, f.size)))
			f.mul(&z, &x, &y)
			want := new(big.Int).Mul(a, b)
			want.Mul(want, rInv).Mod(want, p)
			if toBig(f, &z).Cmp(want) != 0 {
				t.Fatalf("n=%d: mul(%x, %x) = %x, want %x", f.n, a, b, toBig(f, &z), want)
			}
			if f == p256 {
				fp, fx, fy := (*fe4)(f.p[:4]), (*fe4)(x[:4]), (*fe4)(y[:4])
				var z4 fe4
				mul4(&z4, fx, fy, fp)
				if z4 != *(*fe4)(z[:4]) {
					t.Fatalf("mul4(%x, %x) = %x, mul %x", a, b, z4, z[:4])
				}
				add4(&z4, fx, fy, fp)
				if want := new(big.Int).Add(a, b); toBig(f, (*limbs)(append(z4[:], 0, 0, 0, 0, 0))).Cmp(want.Mod(want, p)) != 0 {
					t.Fatal("add4")
				}
				sub4(&z4, fx, fy, fp)
				if want := new(big.Int).Sub(a, b); toBig(f, (*limbs)(append(z4[:], 0, 0, 0, 0, 0))).Cmp(want.Mod(want, p)) != 0 {
					t.Fatal("sub4")
				}
			}
			f.add(&z, &x, &y)
			if want := new(big.Int).Add(a, b); toBig(f, &z).Cmp(want.Mod(want, p)) != 0 {
				t.Fatal("add")
			}
			f.sub(&z, &x, &y)
			if want := new(big.Int).Sub(a, b); toBig(f, &z).Cmp(want.Mod(want, p)) != 0 {
				t.Fatal("sub")
			}
		}
	}
}

// TestOnCurveDifferential compares onCurve with crypto/ecdh on random valid
// points and on corrupted ones.
func TestOnCurveDifferential(t *testing.T) {
	for _, tc := range []struct {
		f *field
		c ecdh.Curve
	}{{p256, ecdh.P256()}, {p384, ecdh.P384()}, {p521, ecdh.P521()}} {
		size := tc.f.size
		agree, reject := 0, 0
		for i := 0; i < 300; i++ {
			k, err := tc.c.GenerateKey(rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			pt := k.PublicKey().Bytes() // 04 || x || y
			check := func(what string, pt []byte) {
				_, err := tc.c.NewPublicKey(pt)
				want := err == nil
				got := tc.f.onCurve(pt[1:1+size], pt[1+size:])
				if got != want {
					t.Fatalf("%v %s %x: onCurve %v, ecdh %v", tc.c, what, pt, got, want)
				}
				if n := tc.f.onCurveN(pt[1:1+size], pt[1+size:]); n != got {
					t.Fatalf("%v %s %x: onCurve %v, onCurveN %v", tc.c, what, pt, got, n)
				}
				if got {
					agree++
				} else {
					reject++
				}
			}
			check("valid", pt)
			bad := append([]byte(nil), pt...)
			bad[1+size+i%size] ^= 1 << (i % 8) // flip a bit of y
			check("y bit", bad)
			bad = append([]byte(nil), pt...)
			bad[1+i%size] ^= 1 << (i % 8) // flip a bit of x
			check("x bit", bad)
			bad = append([]byte(nil), pt...)
			p := toBig(tc.f, &tc.f.p)
			y := new(big.Int).SetBytes(pt[1+size:])
			y.Sub(p, y) // (x, −y) is on the curve
			y.FillBytes(bad[1+size:])
			check("negated", bad)
			y.Add(y, p) // ≥ p: not canonical
			if y.BitLen() <= 8*size {
				y.FillBytes(bad[1+size:])
				check("y+p", bad)
			}
		}
		// Zero and p itself.
		zero := make([]byte, 1+2*size)
		zero[0] = 4
		if tc.f.onCurve(zero[1:1+size], zero[1+size:]) {
			t.Errorf("%v: (0,0) accepted", tc.c)
		}
		pb := toBig(tc.f, &tc.f.p).FillBytes(make([]byte, size))
		if tc.f.onCurve(pb, pb) {
			t.Errorf("%v: (p,p) accepted", tc.c)
		}
		if tc.f.onCurve(pb[1:], pb[1:]) || tc.f.onCurve(append(pb, 0), append(pb, 0)) {
			t.Errorf("%v: coordinates of the wrong length accepted", tc.c)
		}
		t.Logf("%v: %d on curve, %d rejected, all agreeing with crypto/ecdh", tc.c, agree, reject)
	}
}

func TestOnCurveAllocations(t *testing.T) {
	k, _ := ecdh.P521().GenerateKey(rand.Reader)
	pt := k.PublicKey().Bytes()
	if a := testing.AllocsPerRun(100, func() { p521.onCurve(pt[1:67], pt[67:]) }); a != 0 {
		t.Fatalf("onCurve allocates %v", a)
	}
	k2, _ := ecdh.P256().GenerateKey(rand.Reader)
	pt2 := k2.PublicKey().Bytes()
	if a := testing.AllocsPerRun(100, func() { p256.onCurve(pt2[1:33], pt2[33:]) }); a != 0 {
		t.Fatalf("onCurve (P-256) allocates %v", a)
	}
}

func BenchmarkOnCurve(b *testing.B) {
	for _, tc := range []struct {
		name string
		f    *field
		c    ecdh.Curve
	}{{"P256", p256, ecdh.P256()}, {"P384", p384, ecdh.P384()}, {"P521", p521, ecdh.P521()}} {
		k, _ := tc.c.GenerateKey(rand.Reader)
		pt := k.PublicKey().Bytes()
		s := tc.f.size
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				tc.f.onCurve(pt[1:1+s], pt[1+s:])
			}
		})
		b.Run(tc.name+"/StdlibECDHNewPublicKey", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				tc.c.NewPublicKey(pt)
			}
		})
	}
}

// TestRedc4Edges checks redc4 against math/big at the ends of its input
// range [0, p·2²⁵⁶) and on random inputs across it.
func TestRedc4Edges(t *testing.T) {
	p := toBig(p256, &p256.p)
	r := new(big.Int).Lsh(big.NewInt(1), 256)
	rInv := new(big.Int).ModInverse(r, p)
	top := new(big.Int).Mul(p, r) // exclusive bound
	ins := []*big.Int{big.NewInt(0), big.NewInt(1), new(big.Int).Sub(p, big.NewInt(1)), p,
		new(big.Int).Sub(r, big.NewInt(1)), r, new(big.Int).Sub(top, big.NewInt(1)),
		new(big.Int).Sub(top, p), new(big.Int).Mul(new(big.Int).Sub(p, big.NewInt(1)), new(big.Int).Sub(p, big.NewInt(1)))}
	for i := 0; i < 2000; i++ {
		v, _ := rand.Int(rand.Reader, top)
		ins = append(ins, v)
	}
	for _, v := range ins {
		var in [8]uint64
		b := v.FillBytes(make([]byte, 64))
		for i := range in {
			in[i] = be64(b[56-8*i:])
		}
		var z fe4
		redc4(&z, &in, (*fe4)(p256.p[:4]))
		want := new(big.Int).Mul(v, rInv)
		want.Mod(want, p)
		var got limbs
		copy(got[:4], z[:])
		if toBig(p256, &got).Cmp(want) != 0 {
			t.Fatalf("redc4(%x) = %x, want %x", v, toBig(p256, &got), want)
		}
	}
}
