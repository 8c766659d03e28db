package trust

import (
	"testing"
)

// benchChain is leaf <- intermediate <- root, ECDSA P-256, root as anchor.
func benchChain(b *testing.B) (ders [][]byte, pool *Pool) {
	root := mk(b, "Root", true, nil)
	inter := mk(b, "Inter", true, root)
	leaf := mk(b, "Leaf", false, inter)
	return [][]byte{leaf.cert.Raw, inter.cert.Raw}, NewPool(root.cert)
}

func parseChain(b *testing.B, c *Cache, ders [][]byte, out []*tcert) []*tcert {
	out = out[:0]
	for _, d := range ders {
		x, err := c.ParseCertificate(d)
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, &tcert{cert: x})
	}
	return out
}

// BenchmarkVerify measures parse + verify of a 2-certificate x5c against a
// root anchor: with no cache, with a cache reset every iteration (cold), and
// with a warm cache (repeated batch attestation chain).
func BenchmarkVerify(b *testing.B) {
	ders, pool := benchChain(b)
	run := func(b *testing.B, v *Verifier, reset bool) {
		var tc []*tcert
		b.ReportAllocs()
		for b.Loop() {
			if reset {
				v.Cache.Reset()
			}
			tc = parseChain(b, v.Cache, ders, tc)
			if _, err := v.Verify(certs(tc...), pool, t0, nil); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("nocache", func(b *testing.B) { run(b, &Verifier{}, false) })
	b.Run("cold", func(b *testing.B) { run(b, &Verifier{Cache: NewCache(0)}, true) })
	b.Run("warm", func(b *testing.B) { run(b, &Verifier{Cache: NewCache(0)}, false) })
}

// BenchmarkVerifyParsed measures Verify alone on already-parsed certificates.
func BenchmarkVerifyParsed(b *testing.B) {
	ders, pool := benchChain(b)
	tc := parseChain(b, nil, ders, nil)
	chain := certs(tc...)
	b.Run("nocache", func(b *testing.B) {
		var v Verifier
		b.ReportAllocs()
		for b.Loop() {
			if _, err := v.Verify(chain, pool, t0, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("warm", func(b *testing.B) {
		v := Verifier{Cache: NewCache(0)}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := v.Verify(chain, pool, t0, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkStdlib reports the crypto/x509 costs the cache avoids, on their own.
func BenchmarkStdlib(b *testing.B) {
	ders, pool := benchChain(b)
	tc := parseChain(b, nil, ders, nil)
	root := pool.Certificates()[0]
	b.Run("ParseCertificate", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := (*Cache)(nil).ParseCertificate(ders[0]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("CheckSignatureFrom", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := tc[1].cert.CheckSignatureFrom(root); err != nil {
				b.Fatal(err)
			}
		}
	})
}
