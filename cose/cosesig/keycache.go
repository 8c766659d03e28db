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

// keyCache maps the exact COSE_Key bytes of a credential public key to the
// crypto/ecdsa or crypto/rsa key converted from them. The bytes are the key,
// so a cached value is exactly what converting them again would give; a
// returning user's assertion (§7.2) skips re-encoding and re-validating the
// point (7 allocations for P-256) or rebuilding the modulus.
var keyCache = struct {
	sync.RWMutex
	m map[string]cachedKey
}{m: make(map[string]cachedKey)}

// cachedKey is a converted key with copies of the fields it was converted
// from: a hit must match them too, so a cose.Key whose Raw disagrees with its
// fields (one not made by cose.ParseKey) can neither poison nor misuse the cache.
type cachedKey struct {
	a, b []byte // EC2: x, y; RSA: n, e
	pub  any
}

func (c *cachedKey) matches(a, b []byte) bool { return bytes.Equal(c.a, a) && bytes.Equal(c.b, b) }

// cachedECDSA returns the *ecdsa.PublicKey for k, converting it once.
func cachedECDSA(k *cose.Key) (*ecdsa.PublicKey, error) {
	keyCache.RLock()
	c, ok := keyCache.m[string(k.Raw)]
	keyCache.RUnlock()
	if pub, isEC := c.pub.(*ecdsa.PublicKey); ok && isEC && c.matches(k.X, k.Y) {
		return pub, nil
	}
	pub, err := ecdsaKey(k)
	if err != nil {
		return nil, err
	}
	storeKey(k.Raw, cachedKey{bytes.Clone(k.X), bytes.Clone(k.Y), pub})
	return pub, nil
}

// cachedRSA returns the *rsa.PublicKey for k, converting it once.
func cachedRSA(k *cose.Key) *rsa.PublicKey {
	keyCache.RLock()
	c, ok := keyCache.m[string(k.Raw)]
	keyCache.RUnlock()
	if pub, isRSA := c.pub.(*rsa.PublicKey); ok && isRSA && c.matches(k.N, k.E) {
		return pub
	}
	pub := rsaKey(k)
	storeKey(k.Raw, cachedKey{bytes.Clone(k.N), bytes.Clone(k.E), pub})
	return pub
}

func storeKey(raw []byte, c cachedKey) {
	keyCache.Lock()
	defer keyCache.Unlock()
	if len(keyCache.m) >= MaxCachedKeys {
		for k := range keyCache.m { // map order is random: random eviction
			delete(keyCache.m, k)
			break
		}
	}
	keyCache.m[string(raw)] = c
}
