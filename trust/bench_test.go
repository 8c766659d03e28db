package trust

import (
	"crypto/x509"
	"testing"
)

// benchChain is leaf <- intermediate <- root, ECDSA P-256, root as anchor.
func benchChain(b *testing.B) (ders [][]byte, pool *Pool) {
	root := mk(b, "Root", true, nil)
	inter := mk(b, "Inter", true, root)
	leaf := mk(b, "Leaf", false, inter)
	return [][]byte{leaf.cert.Raw, inter.cert.Raw}, NewPool(root.cert)
}

// BenchmarkVerifyChain measures reading a 2-certificate x5c into a Chain and
// verifying it against a root anchor: with no cache, with a cache reset every
// iteration (cold), and with a warm cache (repeated batch attestation chain).
func BenchmarkVerifyChain(b *testing.B) {
	ders, pool := benchChain(b)
	run := func(b *testing.B, v *Verifier, reset bool) {
		b.ReportAllocs()
		for b.Loop() {
			if reset {
				v.Cache.Reset()
			}
			var ch Chain
			for _, d := range ders {
				if err := ch.Append(d); err != nil {
					b.Fatal(err)
				}
			}
			if _, err := v.VerifyChain(&ch, pool, t0, nil); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("nocache", func(b *testing.B) { run(b, &Verifier{}, false) })
	b.Run("cold", func(b *testing.B) { run(b, &Verifier{Cache: NewCache(0)}, true) })
	b.Run("warm", func(b *testing.B) { run(b, &Verifier{Cache: NewCache(0)}, false) })
}

// BenchmarkVerifyParsed measures Verify on already-parsed certificates (the
// []*x509.Certificate entry point, which reads their DER into a Chain).
func BenchmarkVerifyParsed(b *testing.B) {
	ders, pool := benchChain(b)
	chain := make([]*x509.Certificate, len(ders))
	for i, d := range ders {
		c, err := ParseCertificate(d)
		if err != nil {
			b.Fatal(err)
		}
		chain[i] = c
	}
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

// BenchmarkStdlib reports, on their own, the crypto/x509 costs the Chain
// reader and the link cache avoid.
func BenchmarkStdlib(b *testing.B) {
	ders, pool := benchChain(b)
	root := pool.Certificates()[0]
	inter, err := ParseCertificate(ders[1])
	if err != nil {
		b.Fatal(err)
	}
	b.Run("ParseCertificate", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ParseCertificate(ders[0]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("CheckSignatureFrom", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := inter.CheckSignatureFrom(root); err != nil {
				b.Fatal(err)
			}
		}
	})
}
