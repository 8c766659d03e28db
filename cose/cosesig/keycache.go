package cosesig

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rsa"
	"sync"

	"github.com/passkeykit/webauthn/cose"
)

// MaxCachedKeys bounds the cache of converted credential public keys: enough
// for the credentials of every user signing in within a few minutes on one
// server, while a flood of distinct keys costs at most this many entries.
const MaxCachedKeys = 4096

// KeyCache holds credential public keys converted from their exact COSE_Key
// bytes to crypto/ecdsa or crypto/rsa keys, so that a returning user's
// assertion (§7.2 step 21) skips re-encoding and re-validating the point (7
// allocations for P-256) or rebuilding the modulus. The bytes are the key,
// so a cached value is exactly what converting them again would give.
//
// A KeyCache is owned by its caller (a webauthn.RelyingParty keeps one):
// there is no process-wide cache. The zero value is ready to use, bounded
// by MaxCachedKeys; it is safe for concurrent use.
type KeyCache struct {
	// Max bounds the keys held; 0 means MaxCachedKeys. Beyond it a random
	// entry is evicted.
	Max int

	mu sync.RWMutex
	m  map[string]cachedKey
}

// Reset empties the cache.
func (c *KeyCache) Reset() {
	c.mu.Lock()
	clear(c.m)
	c.mu.Unlock()
}

// Len returns the number of keys held.
func (c *KeyCache) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}

// Verify is the package's Verify with k converted through the cache.
func (c *KeyCache) Verify(alg cose.Algorithm, k *cose.Key, sig []byte, data ...[]byte) error {
	return verifyKey(c, alg, k, sig, data, false)
}

// VerifyAllowingRS1 is the package's VerifyAllowingRS1 with k converted
// through the cache.
func (c *KeyCache) VerifyAllowingRS1(alg cose.Algorithm, k *cose.Key, sig []byte, data ...[]byte) error {
	return verifyKey(c, alg, k, sig, data, true)
}

func (c *KeyCache) lookup(raw []byte) (cachedKey, bool) {
	if c == nil {
		return cachedKey{}, false
	}
	c.mu.RLock()
	v, ok := c.m[string(raw)]
	c.mu.RUnlock()
	return v, ok
}

// cachedKey is a converted key with copies of the fields it was converted
// from: a hit must match them too, so a cose.Key whose Raw disagrees with its
// fields (one not made by cose.ParseKey) can neither poison nor misuse the cache.
type cachedKey struct {
	a, b []byte // EC2: x, y; RSA: n, e
	pub  any
}

func (c *cachedKey) matches(a, b []byte) bool { return bytes.Equal(c.a, a) && bytes.Equal(c.b, b) }

// ecdsaKey returns the *ecdsa.PublicKey for k, converting it once when c is
// not nil.
func (c *KeyCache) ecdsaKey(k *cose.Key) (*ecdsa.PublicKey, error) {
	if v, ok := c.lookup(k.Raw); ok {
		if pub, isEC := v.pub.(*ecdsa.PublicKey); isEC && v.matches(k.X, k.Y) {
			return pub, nil
		}
	}
	pub, err := ecdsaKey(k)
	if err != nil {
		return nil, err
	}
	c.store(k.Raw, cachedKey{bytes.Clone(k.X), bytes.Clone(k.Y), pub})
	return pub, nil
}

// rsaKey returns the *rsa.PublicKey for k, converting it once when c is not
// nil.
func (c *KeyCache) rsaKey(k *cose.Key) *rsa.PublicKey {
	if v, ok := c.lookup(k.Raw); ok {
		if pub, isRSA := v.pub.(*rsa.PublicKey); isRSA && v.matches(k.N, k.E) {
			return pub
		}
	}
	pub := rsaKey(k)
	c.store(k.Raw, cachedKey{bytes.Clone(k.N), bytes.Clone(k.E), pub})
	return pub
}

func (c *KeyCache) store(raw []byte, v cachedKey) {
	if c == nil {
		return
	}
	max := c.Max
	if max <= 0 {
		max = MaxCachedKeys
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string]cachedKey)
	}
	if len(c.m) >= max {
		for k := range c.m { // map order is random: random eviction
			delete(c.m, k)
			break
		}
	}
	c.m[string(raw)] = v
}
