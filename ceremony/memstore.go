package ceremony

import (
	"container/heap"
	"context"
	"sync"
	"time"
)

// DefaultMaxChallenges is the most challenges a MemStore holds when
// MaxChallenges is 0. A challenge costs a few hundred bytes, so the bound keeps
// the store under about 100 MB however fast Start is called; beyond it the
// earliest-expiring challenge makes room.
const DefaultMaxChallenges = 100_000

// DefaultMaxPerClient is the most outstanding (issued, unexpired,
// unconsumed) challenges one client may hold when MaxPerClient is 0. A
// browser has one or two ceremonies open at a time (a few tabs); beyond the
// bound the client's own earliest-expiring challenge makes room, so one
// client can neither fill the store nor spend anyone else's quota. A client
// ID the caller mints for every new visitor (a session cookie) costs an
// attacker nothing, though: many fresh clients together can still push
// other clients' challenges out of a full store (earliest-expiring first),
// which only a per-IP or per-network rate limit in front of the server
// stops.
const DefaultMaxPerClient = 16

// MemStore is the in-memory ChallengeStore: single process, bounded, expiry by
// the time given to Put and Consume (no goroutines, no clock of its own).
// Expired challenges leave in expiry order from a heap as later Puts pass
// them, so a Put costs O(log n) at any fill. Its zero value is ready to use
// with the default limits; set the fields before the first Put. It is safe
// for concurrent use.
type MemStore struct {
	// MaxChallenges bounds the challenges held; 0 means DefaultMaxChallenges.
	MaxChallenges int
	// MaxPerClient bounds the outstanding challenges per client ID; 0 means
	// DefaultMaxPerClient.
	MaxPerClient int

	mu      sync.Mutex
	m       map[memKey]*memEntry
	byTime  memHeap
	clients map[string][]*memEntry // client ID → its live challenges
}

// memKey is the lookup key: one entry per (ceremony, user, challenge).
type memKey struct {
	ceremony  Ceremony
	user      string
	challenge string
}

type memEntry struct {
	key   memKey
	c     *Challenge
	index int // in byTime
}

var _ ChallengeStore = (*MemStore)(nil)

func (s *MemStore) maxChallenges() int {
	if s.MaxChallenges > 0 {
		return s.MaxChallenges
	}
	return DefaultMaxChallenges
}

func (s *MemStore) maxPerClient() int {
	if s.MaxPerClient > 0 {
		return s.MaxPerClient
	}
	return DefaultMaxPerClient
}

// Put records a copy of c (see ChallengeStore). It returns
// ErrInvalidChallenge for a challenge Validate refuses, ErrDuplicate for one
// already held, and ctx's error when ctx is done.
func (s *MemStore) Put(ctx context.Context, c *Challenge, now time.Time) error {
	return s.put(ctx, c, now, false)
}

// put is Put; owned says the caller hands c over (Lifecycle.issue, which
// built c itself and only reads it afterwards), so no copy is made.
func (s *MemStore) put(ctx context.Context, c *Challenge, now time.Time, owned bool) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if !owned {
		c = c.Clone()
	}
	e := &memEntry{key: memKey{c.Ceremony, string(c.UserHandle), string(c.Value)}, c: c}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = make(map[memKey]*memEntry)
		s.clients = make(map[string][]*memEntry)
	}
	s.expire(now)
	if _, dup := s.m[e.key]; dup {
		return ErrDuplicate
	}
	if own := s.clients[c.ClientID]; len(own) >= s.maxPerClient() {
		earliest := own[0]
		for _, o := range own[1:] {
			if o.c.Expires.Before(earliest.c.Expires) {
				earliest = o
			}
		}
		s.remove(earliest)
	}
	if len(s.m) >= s.maxChallenges() {
		s.remove(s.byTime[0])
	}
	s.m[e.key] = e
	heap.Push(&s.byTime, e)
	s.clients[c.ClientID] = append(s.clients[c.ClientID], e)
	return nil
}

// Consume removes and returns the challenge with key k (see ChallengeStore).
// A challenge issued to another client is left in place (ErrOtherClient); an
// expired one is removed (ErrNotFound). It returns ctx's error when ctx is
// done, consuming nothing.
func (s *MemStore) Consume(ctx context.Context, k Key, now time.Time) (*Challenge, error) {
	if !k.Possible() {
		return nil, ErrNotFound
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.m[memKey{k.Ceremony, string(k.User), string(k.Challenge)}]
	if !ok {
		return nil, ErrNotFound
	}
	if e.c.Expired(now) {
		s.remove(e)
		return nil, ErrNotFound
	}
	if e.c.ClientID != k.ClientID {
		return nil, ErrOtherClient
	}
	s.remove(e)
	return e.c, nil
}

// Len returns the number of challenges held, expired ones included until a
// later Put passes their expiry.
func (s *MemStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

// expire removes the challenges expired at now, earliest first: each is
// removed once, so the cost is O(log n) per challenge ever put. s.mu is held.
func (s *MemStore) expire(now time.Time) {
	for len(s.byTime) > 0 && s.byTime[0].c.Expired(now) {
		s.remove(s.byTime[0])
	}
}

// remove deletes e from the map, the heap and its client's list (at most
// MaxPerClient long). s.mu is held.
func (s *MemStore) remove(e *memEntry) {
	delete(s.m, e.key)
	heap.Remove(&s.byTime, e.index)
	own := s.clients[e.c.ClientID]
	for i, o := range own {
		if o == e {
			own[i] = own[len(own)-1]
			own[len(own)-1] = nil
			own = own[:len(own)-1]
			break
		}
	}
	if len(own) == 0 {
		delete(s.clients, e.c.ClientID)
	} else {
		s.clients[e.c.ClientID] = own
	}
}

// memHeap orders entries by expiry, earliest first (container/heap).
type memHeap []*memEntry

func (h memHeap) Len() int           { return len(h) }
func (h memHeap) Less(i, j int) bool { return h[i].c.Expires.Before(h[j].c.Expires) }
func (h memHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *memHeap) Push(x any) {
	e := x.(*memEntry)
	e.index = len(*h)
	*h = append(*h, e)
}
func (h *memHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return e
}
