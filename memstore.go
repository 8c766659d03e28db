package webauthn

import (
	"context"
	"sync"
	"time"
)

// DefaultMaxChallenges is the most challenges a MemStore holds when
// MaxChallenges is 0. A challenge costs a few hundred bytes, so the bound keeps
// the store under about 100 MB however fast Start is called; beyond it Put
// returns ErrTooManyRequests instead of growing.
const DefaultMaxChallenges = 100_000

// DefaultMaxPerUser is the most outstanding (issued, unexpired, unconsumed)
// challenges one user may have when MaxPerUser is 0. A user has one or two
// ceremonies open at a time (a few tabs); the bound stops one account from
// filling the store.
const DefaultMaxPerUser = 16

// sweepEvery is how many Puts pass between sweeps of expired challenges when
// the store is not full: often enough that expired entries do not pile up,
// rarely enough that the O(n) sweep costs O(1) per Put.
const sweepEvery = 1024

// MemStore is the in-memory ChallengeStore: single process, bounded, expiry by
// the time given to Put and Consume (no goroutines, no clock of its own). Its
// zero value is ready to use with the default limits; set the fields before
// the first Put. It is safe for concurrent use.
type MemStore struct {
	// MaxChallenges bounds the challenges held; 0 means DefaultMaxChallenges.
	MaxChallenges int
	// MaxPerUser bounds the outstanding challenges per user handle; 0 means
	// DefaultMaxPerUser. Challenges with an empty user handle (username-less
	// authentication) are bound by MaxChallenges only.
	MaxPerUser int

	mu       sync.Mutex
	m        map[memKey]*Challenge
	users    map[string][]memKey // user handle → keys of that user's challenges
	earliest time.Time           // no challenge expires before this
	puts     int
}

// memKey is the lookup key: one entry per (ceremony, user, challenge).
type memKey struct {
	ceremony  Ceremony
	user      string
	challenge string
}

var _ ChallengeStore = (*MemStore)(nil)

func (s *MemStore) maxChallenges() int {
	if s.MaxChallenges > 0 {
		return s.MaxChallenges
	}
	return DefaultMaxChallenges
}

func (s *MemStore) maxPerUser() int {
	if s.MaxPerUser > 0 {
		return s.MaxPerUser
	}
	return DefaultMaxPerUser
}

// Put records a copy of c. It returns ErrTooManyRequests when the store holds
// MaxChallenges unexpired challenges or c's user holds MaxPerUser, and
// ErrInternal when c is invalid (see CheckChallenge) or ctx is done.
func (s *MemStore) Put(ctx context.Context, c *Challenge, now time.Time) error {
	if err := CheckChallenge(c); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return NewError(ErrInternal, StepChallengePut, ReasonStoreFailed, err)
	}
	c = c.Clone()
	k := memKey{c.Ceremony, string(c.UserHandle), string(c.Value)}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = make(map[memKey]*Challenge)
		s.users = make(map[string][]memKey)
	}
	s.puts++
	if (len(s.m) >= s.maxChallenges() || s.puts%sweepEvery == 0) && now.After(s.earliest) {
		s.sweep(now)
	}
	if _, dup := s.m[k]; dup {
		// 16 random bytes do not repeat; a repeat is a broken random source.
		return NewError(ErrInternal, StepChallengePut, "challenge issued twice", nil)
	}
	if len(s.m) >= s.maxChallenges() {
		return NewError(ErrTooManyRequests, StepChallengePut, ReasonStoreFull, nil)
	}
	if len(c.UserHandle) > 0 {
		keys := s.pruneUser(k.user, now)
		if len(keys) >= s.maxPerUser() {
			return NewError(ErrTooManyRequests, StepChallengePut, ReasonUserBusy, nil)
		}
		s.users[k.user] = append(keys, k)
	}
	if len(s.m) == 0 || c.Expires.Before(s.earliest) {
		s.earliest = c.Expires
	}
	s.m[k] = c
	return nil
}

// Consume removes and returns the challenge for (ceremony, user, challenge)
// when it is unexpired at now and was issued to clientID. A challenge issued
// to another client is left in place (ErrClientMismatch); an expired one is
// removed (ErrChallengeNotFound).
func (s *MemStore) Consume(ctx context.Context, ceremony Ceremony, user, challenge []byte, clientID string, now time.Time) (*Challenge, error) {
	if err := CheckLookup(ceremony, user, challenge); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, NewError(ErrInternal, StepChallengeLookup, ReasonStoreFailed, err)
	}
	k := memKey{ceremony, string(user), string(challenge)}

	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.m[k]
	if !ok {
		return nil, NewError(ErrChallengeNotFound, StepChallengeLookup, ReasonChallengeNotFound, nil)
	}
	if c.Expired(now) {
		s.remove(k)
		return nil, NewError(ErrChallengeNotFound, StepChallengeLookup, ReasonChallengeNotFound, nil)
	}
	if c.ClientID != clientID {
		return nil, NewError(ErrClientMismatch, StepChallengeLookup, ReasonClientMismatch, nil)
	}
	s.remove(k)
	return c, nil
}

// Len returns the number of challenges held, expired ones included until a
// sweep removes them.
func (s *MemStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

// remove deletes k from the map and from its user's list. s.mu is held.
func (s *MemStore) remove(k memKey) {
	delete(s.m, k)
	if k.user == "" {
		return
	}
	keys := s.users[k.user]
	for i, uk := range keys {
		if uk == k {
			keys[i] = keys[len(keys)-1]
			keys = keys[:len(keys)-1]
			break
		}
	}
	if len(keys) == 0 {
		delete(s.users, k.user)
	} else {
		s.users[k.user] = keys
	}
}

// pruneUser drops the user's expired challenges and returns the rest (at most
// MaxPerUser, so this is O(1)). s.mu is held.
func (s *MemStore) pruneUser(user string, now time.Time) []memKey {
	keys := s.users[user]
	live := keys[:0]
	for _, k := range keys {
		if s.m[k].Expired(now) {
			delete(s.m, k)
			continue
		}
		live = append(live, k)
	}
	if len(live) == 0 {
		delete(s.users, user)
		return nil
	}
	s.users[user] = live
	return live
}

// sweep removes every challenge expired at now and recomputes earliest, so
// that the next sweep only runs once something has expired. s.mu is held.
func (s *MemStore) sweep(now time.Time) {
	var earliest time.Time
	for k, c := range s.m {
		if c.Expired(now) {
			s.remove(k)
			continue
		}
		if earliest.IsZero() || c.Expires.Before(earliest) {
			earliest = c.Expires
		}
	}
	s.earliest = earliest
}
