package trust

import (
	"crypto/sha256"
	"errors"
	"sync"
	"testing"
	"time"
)

func TestCacheSamePointer(t *testing.T) {
	c := NewCache(0)
	leaf := mk(t, "Leaf", false, nil)
	a, err := c.ParseCertificate(leaf.cert.Raw)
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.ParseCertificate(append([]byte(nil), leaf.cert.Raw...))
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Fatal("repeated DER returned a different *x509.Certificate")
	}
	c.Reset()
	if d, _ := c.ParseCertificate(leaf.cert.Raw); d == a {
		t.Fatal("Reset kept the parsed certificate")
	}
	// Errors are returned, not cached; a nil cache still parses.
	if _, err := c.ParseCertificate([]byte{0x30, 0x00}); err == nil {
		t.Fatal("ParseCertificate accepted garbage")
	}
	var nilCache *Cache
	if x, err := nilCache.ParseCertificate(leaf.cert.Raw); err != nil || x == a {
		t.Fatalf("nil cache ParseCertificate = %p, %v", x, err)
	}
	nilCache.Reset()
}

// TestCacheBound inserts 10x the capacity and checks the tables stay within it.
func TestCacheBound(t *testing.T) {
	const n = 64
	c := NewCache(n)
	root := mk(t, "Root", true, nil)
	for i := 0; i < 10*n; i++ {
		leaf := mk(t, "Leaf", false, root)
		if _, err := c.ParseCertificate(leaf.cert.Raw); err != nil {
			t.Fatal(err)
		}
		c.putLink(linkKey{child: sha256.Sum256(leaf.cert.Raw)}, window(leaf.cert.NotBefore, leaf.cert.NotAfter, root.cert.NotBefore, root.cert.NotAfter))
		spki := leaf.cert.RawSubjectPublicKeyInfo
		c.putKey(sha256.Sum256(spki), spki, leaf.cert.PublicKey)
	}
	certs, links, keys := c.len()
	if certs > n || links > n || keys > n || certs == 0 || links == 0 || keys == 0 {
		t.Fatalf("after %d inserts: %d certs, %d links, %d keys; cap %d", 10*n, certs, links, keys, n)
	}
	if c.perShard*cacheShards != n {
		t.Fatalf("capacity %d, want %d", c.perShard*cacheShards, n)
	}
}

func TestLinkCacheWindow(t *testing.T) {
	c := NewCache(16)
	k := linkKey{child: [32]byte{1}, issuerKey: [32]byte{2}}
	nb, na := t0.Add(-time.Hour), t0.Add(time.Hour)
	c.putLink(k, linkWindow{nb, na})
	for _, tc := range []struct {
		at   time.Time
		want bool
	}{
		{t0, true}, {nb, true}, {na, true},
		{nb.Add(-time.Nanosecond), false}, {na.Add(time.Nanosecond), false},
	} {
		if got := c.linkOK(k, tc.at); got != tc.want {
			t.Errorf("linkOK(at=%v) = %v, want %v", tc.at, got, tc.want)
		}
	}
	if c.linkOK(linkKey{child: [32]byte{1}, issuerKey: [32]byte{3}}, t0) {
		t.Error("link reused for another issuer key")
	}
}

// TestVerifierLinkCache checks that Verify records links only within the
// intersection of the two certificates' validity, and only for chains that
// verify.
func TestVerifierLinkCache(t *testing.T) {
	root := mk(t, "Root", true, nil)
	inter := mk(t, "Inter", true, root, validity(t0.AddDate(0, -1, 0), t0.AddDate(0, 1, 0)))
	leaf := mk(t, "Leaf", false, inter)
	v := Verifier{Cache: NewCache(0)}
	k := linkKey{child: sha256.Sum256(leaf.cert.Raw), issuerKey: sha256.Sum256(inter.cert.RawSubjectPublicKeyInfo)}

	// An untrusted chain leaves no link behind.
	if _, err := v.Verify(certs(leaf, inter), NewPool(), t0, nil); !errors.Is(err, ErrUntrusted) {
		t.Fatal(err)
	}
	if v.Cache.linkOK(k, t0) {
		t.Fatal("link cached for an untrusted chain")
	}
	if _, err := v.Verify(certs(leaf, inter), NewPool(root.cert), t0, nil); err != nil {
		t.Fatal(err)
	}
	if !v.Cache.linkOK(k, t0) {
		t.Fatal("link not cached")
	}
	// The leaf outlives the intermediate: the link is not reused past it.
	late := t0.AddDate(0, 2, 0)
	if v.Cache.linkOK(k, late) {
		t.Fatal("link reused outside the intermediate's validity")
	}
	if _, err := v.Verify(certs(leaf, inter), NewPool(root.cert), late, nil); !errors.Is(err, ErrExpired) {
		t.Fatalf("Verify at %v = %v, want ErrExpired", late, err)
	}
}

func TestCacheConcurrent(t *testing.T) {
	root := mk(t, "Root", true, nil)
	inter := mk(t, "Inter", true, root)
	var ders [][]byte
	for i := 0; i < 40; i++ {
		ders = append(ders, mk(t, "Leaf", false, inter).cert.Raw)
	}
	pool := NewPool(root.cert)
	v := Verifier{Cache: NewCache(16)} // small: forces eviction under load
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				der := ders[(g*7+i)%len(ders)]
				c, err := v.Cache.ParseCertificate(der)
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := v.Verify(certs(&tcert{cert: c}, inter), pool, t0, nil); err != nil {
					t.Error(err)
					return
				}
				if i%50 == 0 && g == 0 {
					v.Cache.Reset()
				}
			}
		}()
	}
	wg.Wait()
	if c, l, k := v.Cache.len(); c > 16 || l > 16 || k > 16 {
		t.Fatalf("cache grew to %d certs, %d links, %d keys", c, l, k)
	}
}

// TestWarmVerifyAllocations: a chain whose links (including the one to the
// anchor outside x5c) are all cached verifies without allocating.
func TestWarmVerifyAllocations(t *testing.T) {
	root := mk(t, "Root", true, nil)
	inter := mk(t, "Inter", true, root)
	chain := certs(mk(t, "Leaf", false, inter), inter)
	pool := NewPool(root.cert)
	v := Verifier{Cache: NewCache(0)}
	if _, err := v.Verify(chain, pool, t0, nil); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() {
		if _, err := v.Verify(chain, pool, t0, nil); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Fatalf("warm Verify allocates %v times", n)
	}
}
