package trust

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"sync"
	"testing"
	"time"
)

// TestCacheKeys checks the key table: byte-equal SubjectPublicKeyInfo finds
// the one stored key (through a copy the cache keeps), other bytes under the
// same digest or the same shard never find it, and Reset empties the table.
func TestCacheKeys(t *testing.T) {
	a, b := mk(t, "A", false, nil), mk(t, "B", false, nil)
	spkiA := a.cert.RawSubjectPublicKeyInfo
	sumA := sha256.Sum256(spkiA)
	// other: a SubjectPublicKeyInfo whose digest selects sumA's shard.
	other := b.cert.RawSubjectPublicKeyInfo
	for sha256.Sum256(other)[0]%cacheShards != sumA[0]%cacheShards {
		other = mk(t, "B", false, nil).cert.RawSubjectPublicKeyInfo
	}
	c := NewCache(0)
	input := bytes.Clone(spkiA)
	c.putKey(sumA, input, a.cert.PublicKey)
	clear(input) // the cache must have kept its own copy
	for _, tc := range []struct {
		name string
		sum  [32]byte
		spki []byte
		want bool
	}{
		{"same bytes", sumA, spkiA, true},
		{"equal copy", sumA, bytes.Clone(spkiA), true},
		{"same digest, other bytes", sumA, other, false},
		{"same shard, other digest", sha256.Sum256(other), other, false},
		{"one byte more", sumA, append(bytes.Clone(spkiA), 0), false},
	} {
		got := c.key(tc.sum, tc.spki)
		if (got == a.cert.PublicKey) != tc.want || !tc.want && got != nil {
			t.Errorf("%s: key found = %v (stored one: %v), want the stored one: %v", tc.name, got != nil, got == a.cert.PublicKey, tc.want)
		}
	}
	// A second key in the same shard keeps its own entry.
	c.putKey(sha256.Sum256(other), other, b.cert.PublicKey)
	if c.key(sha256.Sum256(other), other) != b.cert.PublicKey || c.key(sumA, spkiA) != a.cert.PublicKey {
		t.Error("two keys of one shard mixed")
	}
	if links, keys := c.len(); links != 0 || keys != 2 {
		t.Fatalf("len = %d links, %d keys; want 0, 2", links, keys)
	}
	c.Reset()
	if links, keys := c.len(); links != 0 || keys != 0 || c.key(sumA, spkiA) != nil {
		t.Fatalf("after Reset: %d links, %d keys", links, keys)
	}
	var nilCache *Cache
	nilCache.Reset()
}

// TestCacheBound inserts 10x the capacity and checks the tables stay within it.
func TestCacheBound(t *testing.T) {
	const n = 64
	c := NewCache(n)
	root := mk(t, "Root", true, nil)
	for i := 0; i < 10*n; i++ {
		leaf := mk(t, "Leaf", false, root)
		c.putLink(linkKey{child: sha256.Sum256(leaf.cert.Raw)}, window(leaf.cert.NotBefore, leaf.cert.NotAfter, root.cert.NotBefore, root.cert.NotAfter))
		spki := leaf.cert.RawSubjectPublicKeyInfo
		c.putKey(sha256.Sum256(spki), spki, leaf.cert.PublicKey)
	}
	links, keys := c.len()
	if links > n || keys > n || links == 0 || keys == 0 {
		t.Fatalf("after %d inserts: %d links, %d keys; cap %d", 10*n, links, keys, n)
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
				var ch Chain
				if err := ch.Append(ders[(g*7+i)%len(ders)]); err != nil {
					t.Error(err)
					return
				}
				if err := ch.Append(inter.cert.Raw); err != nil {
					t.Error(err)
					return
				}
				if _, err := v.VerifyChain(&ch, pool, t0, nil); err != nil {
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
	if l, k := v.Cache.len(); l > 16 || k > 16 {
		t.Fatalf("cache grew to %d links, %d keys", l, k)
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

// TestCacheResetFlag: Reset empties a cache that holds entries, even one
// used as a zero Cache (maps made on first insertion), and a Reset with
// nothing inserted since the last one touches no shard.
func TestCacheResetFlag(t *testing.T) {
	c := &Cache{} // the zero value: every insertion evicts first, but works
	k := linkKey{child: [32]byte{1}}
	w := linkWindow{t0.Add(-time.Hour), t0.Add(time.Hour)}
	c.putLink(k, w)
	if !c.linkOK(k, t0) {
		t.Fatal("link not cached in a zero Cache")
	}
	c.Reset()
	if c.linkOK(k, t0) {
		t.Fatal("Reset kept the link")
	}
	if c.dirty.Load() {
		t.Fatal("Reset left the cache marked dirty")
	}
	c.putLink(k, w)
	c.Reset()
	c.Reset()
	if links, keys := c.len(); links != 0 || keys != 0 {
		t.Fatalf("after Reset: %d links, %d keys", links, keys)
	}
	if n := testing.AllocsPerRun(100, c.Reset); n != 0 {
		t.Fatalf("Reset of an empty cache: %v allocations", n)
	}
}
