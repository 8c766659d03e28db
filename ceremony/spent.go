package ceremony

import (
	"container/heap"
	"context"
	"sync"
	"time"
)

// DefaultMaxSpent is the most states a MemSpent records when Max is 0: as
// many as a MemStore holds challenges, about 100 bytes each. A server
// completing more than Max ceremonies within one Lifecycle.Timeout needs a
// larger bound.
const DefaultMaxSpent = DefaultMaxChallenges

// SpentStates records the states a Stateless completed, so that none
// completes twice (WebAuthn L3 §13.4.3: a challenge is used once). A state
// is named by its challenge (random, unique to the state) and recorded
// until it expires; after that, Stateless refuses it as expired anyway.
//
// Spend records the challenge of a state expiring at expires as spent at
// now. It returns ErrNotFound when the challenge was recorded already, or
// when now is past expires (WebAuthnChallengeNotFoundException: a state
// consumed in time whose verification ran past its expiry is refused, which
// is what lets an implementation forget a challenge once it expires without
// letting a late completion spend it again), ErrStoreFull when it cannot record
// it (TooManyRequestsException: the state is refused, never let through
// unrecorded), or its own error (InternalErrorException). Spend is atomic:
// of any number of concurrent calls for one challenge, at most one returns
// nil. Implementations are safe for concurrent use; one shared by several
// servers (e.g. Redis SET NX with an expiry a little past expires, for
// clock skew) serves them all.
type SpentStates interface {
	Spend(ctx context.Context, challenge []byte, expires, now time.Time) error
}

// MemSpent is the in-memory SpentStates: single process, bounded, expiry
// by the time given to Spend. A full MemSpent refuses new states
// (ErrStoreFull) rather than forget a state before it expires, which would
// let it be replayed. Its zero value is ready to use; set Max before the
// first Spend. It is safe for concurrent use.
type MemSpent struct {
	// Max bounds the states recorded; 0 means DefaultMaxSpent.
	Max int

	mu     sync.Mutex
	m      map[string]struct{}
	byTime spentHeap
}

var _ SpentStates = (*MemSpent)(nil)

// Spend records challenge as spent until expires (see SpentStates): a
// challenge spent after expires is refused. It returns ctx's error when
// ctx is done, recording nothing.
func (s *MemSpent) Spend(ctx context.Context, challenge []byte, expires, now time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	limit := s.Max
	if limit <= 0 {
		limit = DefaultMaxSpent
	}
	if now.After(expires) {
		return ErrNotFound // expired: see SpentStates
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[string(challenge)]; ok {
		return ErrNotFound
	}
	// Only entries expired before now, so never this challenge's: it is
	// spent at now <= expires.
	for len(s.byTime) > 0 && now.After(s.byTime[0].expires) {
		delete(s.m, heap.Pop(&s.byTime).(spentEntry).challenge)
	}
	if len(s.m) >= limit {
		return ErrStoreFull
	}
	if s.m == nil {
		s.m = make(map[string]struct{})
	}
	e := spentEntry{challenge: string(challenge), expires: expires}
	s.m[e.challenge] = struct{}{}
	heap.Push(&s.byTime, e)
	return nil
}

// Len returns the number of states recorded, expired ones included until
// a later Spend passes their expiry.
func (s *MemSpent) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

type spentEntry struct {
	challenge string
	expires   time.Time
}

// spentHeap orders entries by expiry, earliest first (container/heap).
type spentHeap []spentEntry

func (h spentHeap) Len() int           { return len(h) }
func (h spentHeap) Less(i, j int) bool { return h[i].expires.Before(h[j].expires) }
func (h spentHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *spentHeap) Push(x any)        { *h = append(*h, x.(spentEntry)) }
func (h *spentHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}
