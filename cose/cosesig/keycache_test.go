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
	keyCache.Lock()
	clear(keyCache.m)
	keyCache.Unlock()
	var first *cose.Key
	var firstPriv *ecdsa.PrivateKey
	for i := 0; i < MaxCachedKeys+1; i++ {
		priv, k := es256Key(t)
		if i == 0 {
			first, firstPriv = k, priv
		}
		if _, err := cachedECDSA(k); err != nil {
			t.Fatal(err)
		}
	}
	keyCache.RLock()
	n := len(keyCache.m)
	keyCache.RUnlock()
	if n != MaxCachedKeys {
		t.Fatalf("cache holds %d keys, want %d", n, MaxCachedKeys)
	}
	h := sha256.Sum256([]byte("message"))
	sig, _ := ecdsa.SignASN1(rand.Reader, firstPriv, h[:])
	if err := Verify(cose.ES256, first, sig, []byte("mess"), []byte("age")); err != nil {
		t.Fatalf("possibly evicted key: %v", err)
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
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				if err := Verify(cose.ES256, k, sig, []byte("data")); err != nil {
					t.Error(err)
					return
				}
				if Verify(cose.ES256, other, sig, []byte("data")) == nil {
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
	Verify(cose.ES256, k, sig, []byte("data"))
	// What is left is crypto/ecdsa's own VerifyASN1 (10 allocations in Go 1.26).
	if n := testing.AllocsPerRun(20, func() { Verify(cose.ES256, k, sig, []byte("data")) }); n > 10 {
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
	if err := Verify(cose.ES256, k, sig, []byte("data")); err != nil {
		t.Fatal(err)
	}
	forged := *other
	forged.Raw = k.Raw // claims to be k, holds other's point
	if Verify(cose.ES256, &forged, sig, []byte("data")) == nil {
		t.Fatal("verified under the cached key of another key's Raw")
	}
	if err := Verify(cose.ES256, k, sig, []byte("data")); err != nil {
		t.Fatalf("real key after the forged lookup: %v", err)
	}
}
