package trust

import (
	"bytes"
	"crypto"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultCacheSize is the capacity NewCache uses for n <= 0: a few thousand
// distinct batch attestation keys, intermediates and links cover the whole
// FIDO MDS, at a few hundred bytes per entry (a parsed key and a copy of its
// SubjectPublicKeyInfo; a link is two digests and a time window).
const DefaultCacheSize = 4096

// cacheShards is the number of independently locked shards; a power of two so
// that the first byte of the SHA-256 key selects one.
const cacheShards = 16

// Cache is a bounded, concurrency-safe cache of parsed subject public keys
// and verified chain links, keyed by SHA-256 digests (certificates themselves
// are read per call by Chain, without copies). Each of the two tables holds
// at most the capacity given to NewCache (rounded up to a multiple of 16);
// past that, inserting evicts a random entry of the same shard. A nil *Cache
// caches nothing. Entries are only a speed-up: the checks that do not depend
// on the signature (names, CA bit, keyUsage, validity, path length, name
// constraints) run on every call.
type Cache struct {
	perShard int
	links    [cacheShards]linkShard
	keys     [cacheShards]keyShard
	// dirty is set after every insertion, so that Reset of a cache holding
	// nothing costs one atomic swap (cold benchmarks reset on every call).
	dirty atomic.Bool
}

// keyEntry is a parsed subject public key and the SubjectPublicKeyInfo it
// was parsed from, compared on lookup so that equal digests of different
// bytes never share a key.
type keyEntry struct {
	spki []byte
	key  crypto.PublicKey
}

type keyShard struct {
	mu sync.Mutex
	m  map[[32]byte]keyEntry
}

// linkKey names a verified signature: the SHA-256 of the child's DER and of
// the issuer's subjectPublicKeyInfo. The signature's validity depends on
// nothing else.
type linkKey struct {
	child, issuerKey [32]byte
}

type linkWindow struct {
	notBefore, notAfter time.Time
}

type linkShard struct {
	mu sync.Mutex
	m  map[linkKey]linkWindow
}

// NewCache returns a cache holding at most about n parsed public keys and n
// verified links (n <= 0 means DefaultCacheSize).
func NewCache(n int) *Cache {
	if n <= 0 {
		n = DefaultCacheSize
	}
	return &Cache{perShard: (n + cacheShards - 1) / cacheShards}
}

// Reset empties the cache (for cold benchmarks, or after rotating anchors).
// Entries inserted by calls running concurrently with Reset may survive it.
func (c *Cache) Reset() {
	if c == nil || !c.dirty.Swap(false) {
		return
	}
	for i := range c.links {
		s := &c.links[i]
		s.mu.Lock()
		clear(s.m)
		s.mu.Unlock()
	}
	for i := range c.keys {
		s := &c.keys[i]
		s.mu.Lock()
		clear(s.m)
		s.mu.Unlock()
	}
}

// key returns the cached public key parsed from spki (whose SHA-256 is sum),
// or nil.
func (c *Cache) key(sum [32]byte, spki []byte) crypto.PublicKey {
	s := &c.keys[sum[0]%cacheShards]
	s.mu.Lock()
	e, ok := s.m[sum]
	s.mu.Unlock()
	if ok && bytes.Equal(e.spki, spki) {
		return e.key
	}
	return nil
}

// putKey caches k, parsed from spki (whose SHA-256 is sum); the cache keeps
// a copy of spki.
func (c *Cache) putKey(sum [32]byte, spki []byte, k crypto.PublicKey) {
	s := &c.keys[sum[0]%cacheShards]
	s.mu.Lock()
	if s.m == nil {
		s.m = make(map[[32]byte]keyEntry)
	}
	if _, ok := s.m[sum]; !ok {
		if len(s.m) >= c.perShard {
			evictOne(s.m)
		}
		s.m[sum] = keyEntry{spki: bytes.Clone(spki), key: k}
	}
	s.mu.Unlock()
	c.dirty.Store(true) // after the insertion: a Reset that swaps it off clears it
}

func (c *Cache) linkOK(k linkKey, at time.Time) bool {
	s := &c.links[k.child[0]%cacheShards]
	s.mu.Lock()
	w, ok := s.m[k]
	s.mu.Unlock()
	return ok && !at.Before(w.notBefore) && !at.After(w.notAfter)
}

func (c *Cache) putLink(k linkKey, w linkWindow) {
	s := &c.links[k.child[0]%cacheShards]
	s.mu.Lock()
	if s.m == nil {
		s.m = make(map[linkKey]linkWindow)
	}
	if _, ok := s.m[k]; !ok && len(s.m) >= c.perShard {
		evictOne(s.m)
	}
	s.m[k] = w
	s.mu.Unlock()
	c.dirty.Store(true) // after the insertion: a Reset that swaps it off clears it
}

// len returns the number of cached links and keys.
func (c *Cache) len() (links, keys int) {
	for i := range c.links {
		c.links[i].mu.Lock()
		links += len(c.links[i].m)
		c.links[i].mu.Unlock()
		c.keys[i].mu.Lock()
		keys += len(c.keys[i].m)
		c.keys[i].mu.Unlock()
	}
	return links, keys
}

// evictOne deletes one entry; Go's randomized map iteration order makes it a
// random eviction.
func evictOne[K comparable, V any](m map[K]V) {
	for k := range m {
		delete(m, k)
		return
	}
}
