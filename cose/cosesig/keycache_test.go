package cosesig

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"sync"
	"testing"

	"github.com/passkeykit/webauthn/cose"
)

func es256Key(t testing.TB) (*ecdsa.PrivateKey, *cose.Key) {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	b, err := priv.PublicKey.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return priv, mustKey(t, map[int]any{1: 2, 3: -7, -1: 1, -2: b[1:33], -3: b[33:]})
}

// TestKeyCacheBound inserts MaxCachedKeys+1 distinct keys: the cache never
// holds more than MaxCachedKeys, and a key converted again still verifies.
func TestKeyCacheBound(t *testing.T) {
	var c KeyCache
	var first *cose.Key
	var firstPriv *ecdsa.PrivateKey
	for i := 0; i < MaxCachedKeys+1; i++ {
		priv, k := es256Key(t)
		if i == 0 {
			first, firstPriv = k, priv
		}
		if _, err := c.ecdsaKey(k); err != nil {
			t.Fatal(err)
		}
	}
	if n := c.Len(); n != MaxCachedKeys {
		t.Fatalf("cache holds %d keys, want %d", c.Len(), MaxCachedKeys)
	}
	h := sha256.Sum256([]byte("message"))
	sig, _ := ecdsa.SignASN1(rand.Reader, firstPriv, h[:])
	if err := c.Verify(cose.ES256, first, sig, []byte("mess"), []byte("age")); err != nil {
		t.Fatalf("possibly evicted key: %v", err)
	}
	c.Reset()
	if c.Len() != 0 {
		t.Fatalf("Len after Reset = %d", c.Len())
	}
	// A bound of its own.
	small := KeyCache{Max: 2}
	for range 3 {
		_, k := es256Key(t)
		small.ecdsaKey(k)
	}
	if small.Len() != 2 {
		t.Fatalf("Max 2 cache holds %d", small.Len())
	}
}

// TestKeyCacheConcurrent verifies with shared and distinct keys from many
// goroutines (run under -race); a wrong signature never passes because its
// key was cached.
func TestKeyCacheConcurrent(t *testing.T) {
	priv, k := es256Key(t)
	h := sha256.Sum256([]byte("data"))
	sig, _ := ecdsa.SignASN1(rand.Reader, priv, h[:])
	_, other := es256Key(t)
	var c KeyCache
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				if err := c.Verify(cose.ES256, k, sig, []byte("data")); err != nil {
					t.Error(err)
					return
				}
				if c.Verify(cose.ES256, other, sig, []byte("data")) == nil {
					t.Error("signature verified under another (cached) key")
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestCachedVerifyAllocations(t *testing.T) {
	priv, k := es256Key(t)
	h := sha256.Sum256([]byte("data"))
	sig, _ := ecdsa.SignASN1(rand.Reader, priv, h[:])
	var c KeyCache
	c.Verify(cose.ES256, k, sig, []byte("data"))
	// What is left is crypto/ecdsa's own VerifyASN1 (10 allocations in Go 1.26).
	if n := testing.AllocsPerRun(20, func() { c.Verify(cose.ES256, k, sig, []byte("data")) }); n > 10 {
		t.Fatalf("%v allocations, want at most crypto/ecdsa's 10", n)
	}
}

// TestKeyCacheMismatchedRaw: a cose.Key whose Raw is another key's bytes (not
// made by cose.ParseKey) neither reuses nor overwrites that key's entry.
func TestKeyCacheMismatchedRaw(t *testing.T) {
	priv, k := es256Key(t)
	_, other := es256Key(t)
	h := sha256.Sum256([]byte("data"))
	sig, _ := ecdsa.SignASN1(rand.Reader, priv, h[:])
	var c KeyCache
	if err := c.Verify(cose.ES256, k, sig, []byte("data")); err != nil {
		t.Fatal(err)
	}
	forged := *other
	forged.Raw = k.Raw // claims to be k, holds other's point
	if c.Verify(cose.ES256, &forged, sig, []byte("data")) == nil {
		t.Fatal("verified under the cached key of another key's Raw")
	}
	if err := c.Verify(cose.ES256, k, sig, []byte("data")); err != nil {
		t.Fatalf("real key after the forged lookup: %v", err)
	}
}
