// Package storetest is the conformance suite every webauthn.ChallengeStore
// passes: the in-memory store in the root package and the Redis store in the
// store/redis module run the same tests through Run.
package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/passkeykit/webauthn"
)

// Limits are the bounds Run asks a store under test to enforce. They are
// small so that "full" is reached in a few round trips.
type Limits struct {
	MaxChallenges int
	MaxPerUser    int
}

// NewStore returns an empty store enforcing lim. It is called once per
// subtest; stores that need cleanup register it with t.Cleanup.
type NewStore func(t *testing.T, lim Limits) webauthn.ChallengeStore

// FakeClock is a clock the test moves by hand.
type FakeClock struct {
	mu sync.Mutex
	t  time.Time
}

// NewFakeClock returns a clock reading t.
func NewFakeClock(t time.Time) *FakeClock { return &FakeClock{t: t} }

// Now returns the clock's time.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock by d.
func (c *FakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Epoch is the time a suite clock starts at.
var Epoch = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// TTL is the lifetime of the challenges the suite puts.
const TTL = 5 * time.Minute

// ReleaseDelay is how long after a challenge expires a store may still count
// it against its limits: stores that keep expiries as millisecond scores
// (Redis sorted sets hold doubles) free the slot at the next millisecond.
// Consume's expiry is exact to the nanosecond in every store.
const ReleaseDelay = time.Millisecond

// Default limits for subtests that do not test the limits themselves.
var roomy = Limits{MaxChallenges: 1000, MaxPerUser: 100}

// NewChallenge returns a challenge of ceremony for user and clientID with 32
// random bytes, expiring TTL after now.
func NewChallenge(tb testing.TB, ceremony webauthn.Ceremony, user, clientID string, now time.Time) *webauthn.Challenge {
	tb.Helper()
	v := make([]byte, 32)
	rand.Read(v)
	var uh []byte
	if user != "" {
		uh = []byte(user)
	}
	return &webauthn.Challenge{
		Ceremony:         ceremony,
		Value:            v,
		UserHandle:       uh,
		UserName:         "name-" + user,
		ClientID:         clientID,
		Expires:          now.Add(TTL),
		UserVerification: "required",
		AllowCredentials: [][]byte{{1, 2, 3}, {4, 5}},
	}
}

// WantErr fails t unless err is an *webauthn.Error whose fault is fault.
func WantErr(tb testing.TB, err, fault error) {
	tb.Helper()
	if err == nil {
		tb.Fatalf("err = nil, want %v", fault)
	}
	var e *webauthn.Error
	if !errors.As(err, &e) {
		tb.Fatalf("err = %v (%T), want a *webauthn.Error", err, err)
	}
	if !errors.Is(err, fault) || e.Exception() != webauthn.ExceptionOf(fault) {
		tb.Fatalf("err = %v (exception %s), want fault %v (%s)", err, e.Exception(), fault, webauthn.ExceptionOf(fault))
	}
}

func put(tb testing.TB, s webauthn.ChallengeStore, c *webauthn.Challenge, now time.Time) {
	tb.Helper()
	if err := s.Put(context.Background(), c, now); err != nil {
		tb.Fatalf("Put: %v", err)
	}
}

func consume(s webauthn.ChallengeStore, c *webauthn.Challenge, clientID string, now time.Time) (*webauthn.Challenge, error) {
	return s.Consume(context.Background(), c.Ceremony, c.UserHandle, c.Value, clientID, now)
}

func mustConsume(tb testing.TB, s webauthn.ChallengeStore, c *webauthn.Challenge, now time.Time) *webauthn.Challenge {
	tb.Helper()
	got, err := consume(s, c, c.ClientID, now)
	if err != nil {
		tb.Fatalf("Consume: %v", err)
	}
	return got
}

func wantSame(tb testing.TB, got, want *webauthn.Challenge) {
	tb.Helper()
	same := got.Ceremony == want.Ceremony && bytes.Equal(got.Value, want.Value) &&
		bytes.Equal(got.UserHandle, want.UserHandle) && got.UserName == want.UserName &&
		got.ClientID == want.ClientID && got.Expires.Equal(want.Expires) &&
		got.UserVerification == want.UserVerification &&
		len(got.AllowCredentials) == len(want.AllowCredentials)
	for i := 0; same && i < len(want.AllowCredentials); i++ {
		same = bytes.Equal(got.AllowCredentials[i], want.AllowCredentials[i])
	}
	if !same {
		tb.Fatalf("consumed %+v, want %+v", got, want)
	}
}

// Run runs the conformance suite against stores made by newStore.
func Run(t *testing.T, newStore NewStore) {
	t.Run("PutConsume", func(t *testing.T) {
		s := newStore(t, roomy)
		for _, cer := range []webauthn.Ceremony{webauthn.CeremonyRegistration, webauthn.CeremonyAuthentication} {
			c := NewChallenge(t, cer, "alice", "client-a", Epoch)
			put(t, s, c, Epoch)
			wantSame(t, mustConsume(t, s, c, Epoch.Add(time.Second)), c)
		}
		// Username-less authentication: no user handle.
		c := NewChallenge(t, webauthn.CeremonyAuthentication, "", "client-a", Epoch)
		put(t, s, c, Epoch)
		wantSame(t, mustConsume(t, s, c, Epoch), c)
	})

	t.Run("PutKeepsCopy", func(t *testing.T) {
		s := newStore(t, roomy)
		c := NewChallenge(t, webauthn.CeremonyRegistration, "alice", "client-a", Epoch)
		orig := c.Clone()
		put(t, s, c, Epoch)
		c.UserName = "mallory"
		c.AllowCredentials[0][0] = 9
		wantSame(t, mustConsume(t, s, orig, Epoch), orig)
	})

	t.Run("Expiry", func(t *testing.T) {
		s := newStore(t, roomy)
		clk := NewFakeClock(Epoch)
		c := NewChallenge(t, webauthn.CeremonyRegistration, "alice", "client-a", clk.Now())
		put(t, s, c, clk.Now())
		clk.Advance(TTL) // exactly Expires: still valid (inclusive)
		mustConsume(t, s, c, clk.Now())

		clk = NewFakeClock(Epoch)
		c = NewChallenge(t, webauthn.CeremonyRegistration, "alice", "client-a", clk.Now())
		put(t, s, c, clk.Now())
		clk.Advance(TTL + time.Nanosecond)
		_, err := consume(s, c, c.ClientID, clk.Now())
		WantErr(t, err, webauthn.ErrChallengeNotFound)
		// Seen expired, it is gone even for a clock that runs behind.
		_, err = consume(s, c, c.ClientID, Epoch)
		WantErr(t, err, webauthn.ErrChallengeNotFound)
	})

	t.Run("ExpiredOtherClient", func(t *testing.T) {
		s := newStore(t, roomy)
		c := NewChallenge(t, webauthn.CeremonyRegistration, "alice", "client-a", Epoch)
		put(t, s, c, Epoch)
		_, err := consume(s, c, "client-b", c.Expires.Add(time.Nanosecond))
		WantErr(t, err, webauthn.ErrChallengeNotFound)
	})

	t.Run("Replay", func(t *testing.T) {
		s := newStore(t, roomy)
		c := NewChallenge(t, webauthn.CeremonyAuthentication, "alice", "client-a", Epoch)
		put(t, s, c, Epoch)
		mustConsume(t, s, c, Epoch)
		_, err := consume(s, c, c.ClientID, Epoch)
		WantErr(t, err, webauthn.ErrChallengeNotFound)
	})

	t.Run("Unknown", func(t *testing.T) {
		s := newStore(t, roomy)
		c := NewChallenge(t, webauthn.CeremonyAuthentication, "alice", "client-a", Epoch)
		_, err := consume(s, c, c.ClientID, Epoch)
		WantErr(t, err, webauthn.ErrChallengeNotFound)
		for _, n := range []int{0, webauthn.MinChallengeSize - 1, webauthn.MaxChallengeSize + 1} {
			_, err = s.Consume(context.Background(), c.Ceremony, c.UserHandle, make([]byte, n), c.ClientID, Epoch)
			WantErr(t, err, webauthn.ErrChallengeNotFound)
		}
		_, err = s.Consume(context.Background(), 0, c.UserHandle, c.Value, c.ClientID, Epoch)
		WantErr(t, err, webauthn.ErrChallengeNotFound)
		_, err = s.Consume(context.Background(), c.Ceremony, make([]byte, webauthn.MaxUserHandleSize+1), c.Value, c.ClientID, Epoch)
		WantErr(t, err, webauthn.ErrChallengeNotFound)
	})

	t.Run("OtherClient", func(t *testing.T) {
		s := newStore(t, roomy)
		c := NewChallenge(t, webauthn.CeremonyRegistration, "alice", "client-a", Epoch)
		put(t, s, c, Epoch)
		for range 2 { // not consumed by the mismatch
			_, err := consume(s, c, "client-b", Epoch)
			WantErr(t, err, webauthn.ErrClientMismatch)
		}
		_, err := consume(s, c, "", Epoch)
		WantErr(t, err, webauthn.ErrClientMismatch)
		wantSame(t, mustConsume(t, s, c, Epoch), c)
		_, err = consume(s, c, "client-b", Epoch)
		WantErr(t, err, webauthn.ErrChallengeNotFound)
	})

	t.Run("OtherUser", func(t *testing.T) {
		s := newStore(t, roomy)
		c := NewChallenge(t, webauthn.CeremonyAuthentication, "alice", "client-a", Epoch)
		put(t, s, c, Epoch)
		for _, u := range [][]byte{[]byte("bob"), nil, []byte("alicE")} {
			_, err := s.Consume(context.Background(), c.Ceremony, u, c.Value, c.ClientID, Epoch)
			WantErr(t, err, webauthn.ErrChallengeNotFound)
		}
		mustConsume(t, s, c, Epoch)
	})

	t.Run("OtherCeremony", func(t *testing.T) {
		s := newStore(t, roomy)
		c := NewChallenge(t, webauthn.CeremonyRegistration, "alice", "client-a", Epoch)
		put(t, s, c, Epoch)
		_, err := s.Consume(context.Background(), webauthn.CeremonyAuthentication, c.UserHandle, c.Value, c.ClientID, Epoch)
		WantErr(t, err, webauthn.ErrChallengeNotFound)
		mustConsume(t, s, c, Epoch)
	})

	t.Run("InvalidPut", func(t *testing.T) {
		s := newStore(t, roomy)
		bad := []func(c *webauthn.Challenge){
			func(c *webauthn.Challenge) { c.Ceremony = 0 },
			func(c *webauthn.Challenge) { c.Value = c.Value[:webauthn.MinChallengeSize-1] },
			func(c *webauthn.Challenge) { c.Value = make([]byte, webauthn.MaxChallengeSize+1) },
			func(c *webauthn.Challenge) { c.UserHandle = make([]byte, webauthn.MaxUserHandleSize+1) },
			func(c *webauthn.Challenge) { c.Expires = time.Time{} },
		}
		for i, f := range bad {
			c := NewChallenge(t, webauthn.CeremonyRegistration, "alice", "client-a", Epoch)
			f(c)
			err := s.Put(context.Background(), c, Epoch)
			if err == nil {
				t.Fatalf("case %d: Put accepted an invalid challenge", i)
			}
			WantErr(t, err, webauthn.ErrInternal)
		}
		// At the size limits it is accepted.
		c := NewChallenge(t, webauthn.CeremonyRegistration, "alice", "client-a", Epoch)
		c.Value = c.Value[:webauthn.MinChallengeSize]
		put(t, s, c, Epoch)
		mustConsume(t, s, c, Epoch)
		c = NewChallenge(t, webauthn.CeremonyRegistration, string(bytes.Repeat([]byte{0xff}, webauthn.MaxUserHandleSize)), "client-a", Epoch)
		c.Value = make([]byte, webauthn.MaxChallengeSize)
		rand.Read(c.Value)
		put(t, s, c, Epoch)
		mustConsume(t, s, c, Epoch)
	})

	t.Run("Full", func(t *testing.T) {
		lim := Limits{MaxChallenges: 8, MaxPerUser: 100}
		s := newStore(t, lim)
		clk := NewFakeClock(Epoch)
		var cs []*webauthn.Challenge
		for i := range lim.MaxChallenges {
			c := NewChallenge(t, webauthn.CeremonyRegistration, "user"+string(rune('a'+i)), "client-a", clk.Now())
			put(t, s, c, clk.Now())
			cs = append(cs, c)
		}
		extra := NewChallenge(t, webauthn.CeremonyRegistration, "zed", "client-a", clk.Now())
		err := s.Put(context.Background(), extra, clk.Now())
		WantErr(t, err, webauthn.ErrTooManyRequests)
		anon := NewChallenge(t, webauthn.CeremonyAuthentication, "", "client-a", clk.Now())
		WantErr(t, s.Put(context.Background(), anon, clk.Now()), webauthn.ErrTooManyRequests)
		// The rejected challenge was not recorded.
		_, err = consume(s, extra, extra.ClientID, clk.Now())
		WantErr(t, err, webauthn.ErrChallengeNotFound)
		// Consuming one makes room for one.
		mustConsume(t, s, cs[0], clk.Now())
		put(t, s, extra, clk.Now())
		WantErr(t, s.Put(context.Background(), anon, clk.Now()), webauthn.ErrTooManyRequests)
		// Expiry makes room for all (within ReleaseDelay).
		clk.Advance(TTL + ReleaseDelay)
		for i := range lim.MaxChallenges {
			c := NewChallenge(t, webauthn.CeremonyAuthentication, "", "client-a", clk.Now())
			if err := s.Put(context.Background(), c, clk.Now()); err != nil {
				t.Fatalf("Put %d after expiry: %v", i, err)
			}
		}
		WantErr(t, s.Put(context.Background(), anon, clk.Now()), webauthn.ErrTooManyRequests)
	})

	t.Run("PerUser", func(t *testing.T) {
		lim := Limits{MaxChallenges: 100, MaxPerUser: 3}
		s := newStore(t, lim)
		clk := NewFakeClock(Epoch)
		var cs []*webauthn.Challenge
		for i := range lim.MaxPerUser {
			cer := webauthn.CeremonyRegistration
			if i%2 == 1 { // the cap counts both ceremonies
				cer = webauthn.CeremonyAuthentication
			}
			c := NewChallenge(t, cer, "alice", "client-a", clk.Now())
			put(t, s, c, clk.Now())
			cs = append(cs, c)
		}
		extra := NewChallenge(t, webauthn.CeremonyRegistration, "alice", "client-b", clk.Now())
		WantErr(t, s.Put(context.Background(), extra, clk.Now()), webauthn.ErrTooManyRequests)
		_, err := consume(s, extra, extra.ClientID, clk.Now())
		WantErr(t, err, webauthn.ErrChallengeNotFound)
		// Other users are unaffected.
		bob := NewChallenge(t, webauthn.CeremonyRegistration, "bob", "client-a", clk.Now())
		put(t, s, bob, clk.Now())
		// A mismatched consume does not free a slot; a real one does.
		_, err = consume(s, cs[1], "client-b", clk.Now())
		WantErr(t, err, webauthn.ErrClientMismatch)
		WantErr(t, s.Put(context.Background(), extra, clk.Now()), webauthn.ErrTooManyRequests)
		mustConsume(t, s, cs[1], clk.Now())
		put(t, s, extra, clk.Now())
		WantErr(t, s.Put(context.Background(), NewChallenge(t, webauthn.CeremonyRegistration, "alice", "client-a", clk.Now()), clk.Now()), webauthn.ErrTooManyRequests)
		// Expiry frees the user's slots (within ReleaseDelay).
		clk.Advance(TTL + ReleaseDelay)
		for range lim.MaxPerUser {
			put(t, s, NewChallenge(t, webauthn.CeremonyRegistration, "alice", "client-a", clk.Now()), clk.Now())
		}
	})

	t.Run("CanceledContext", func(t *testing.T) {
		s := newStore(t, roomy)
		c := NewChallenge(t, webauthn.CeremonyRegistration, "alice", "client-a", Epoch)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		WantErr(t, s.Put(ctx, c, Epoch), webauthn.ErrInternal)
		put(t, s, c, Epoch)
		_, err := s.Consume(ctx, c.Ceremony, c.UserHandle, c.Value, c.ClientID, Epoch)
		WantErr(t, err, webauthn.ErrInternal)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want it to wrap context.Canceled", err)
		}
		// The failed Consume did not consume it.
		mustConsume(t, s, c, Epoch)
	})

	t.Run("Concurrent", func(t *testing.T) {
		s := newStore(t, roomy)
		ConcurrentConsume(t, s, []webauthn.ChallengeStore{s}, 64)
	})
}

// ConcurrentConsume puts one challenge with put and has n goroutines, spread
// over consumers, consume it at once; half of them claim another client
// first. Exactly one consume must succeed; every other right-client consume
// gets ErrChallengeNotFound, every wrong-client one ErrClientMismatch or
// ErrChallengeNotFound.
func ConcurrentConsume(t *testing.T, put webauthn.ChallengeStore, consumers []webauthn.ChallengeStore, n int) {
	t.Helper()
	for round := range 5 {
		c := NewChallenge(t, webauthn.CeremonyAuthentication, "alice", "client-a", Epoch)
		if err := put.Put(context.Background(), c, Epoch); err != nil {
			t.Fatalf("Put: %v", err)
		}
		var (
			wg    sync.WaitGroup
			start = make(chan struct{})
			errs  = make([]error, n)
			wins  = make([]bool, n)
		)
		for i := range n {
			wg.Go(func() {
				s := consumers[i%len(consumers)]
				<-start
				if i%2 == 1 {
					_, err := consume(s, c, "client-b", Epoch)
					if err == nil || (!errors.Is(err, webauthn.ErrClientMismatch) && !errors.Is(err, webauthn.ErrChallengeNotFound)) {
						errs[i] = errors.Join(errors.New("wrong client"), err)
						return
					}
				}
				got, err := consume(s, c, c.ClientID, Epoch)
				if err == nil {
					wins[i] = bytes.Equal(got.Value, c.Value)
					return
				}
				if !errors.Is(err, webauthn.ErrChallengeNotFound) {
					errs[i] = err
				}
			})
		}
		close(start)
		wg.Wait()
		won := 0
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("round %d goroutine %d: %v", round, i, errs[i])
			}
			if wins[i] {
				won++
			}
		}
		if won != 1 {
			t.Fatalf("round %d: %d consumes succeeded, want exactly 1", round, won)
		}
	}
}
