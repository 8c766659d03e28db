// Package storetest is the conformance suite every ceremony.ChallengeStore
// passes: the in-memory store of package ceremony and the Redis store in the
// store/redis module run the same tests through Run.
package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/passkeykit/webauthn/ceremony"
	"github.com/passkeykit/webauthn/cose"
)

// Limits are the bounds Run asks a store under test to enforce. They are
// small so that "full" is reached in a few round trips.
type Limits struct {
	MaxChallenges int
	MaxPerClient  int
}

// NewStore returns an empty store enforcing lim. It is called once per
// subtest; stores that need cleanup register it with t.Cleanup.
type NewStore func(t *testing.T, lim Limits) ceremony.ChallengeStore

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
var roomy = Limits{MaxChallenges: 1000, MaxPerClient: 100}

// NewChallenge returns a challenge of ceremony cer for user and clientID with 32
// random bytes, expiring TTL after now.
func NewChallenge(tb testing.TB, cer ceremony.Ceremony, user, clientID string, now time.Time) *ceremony.Challenge {
	tb.Helper()
	v := make([]byte, 32)
	rand.Read(v)
	var uh []byte
	if user != "" {
		uh = []byte(user)
	}
	return &ceremony.Challenge{
		Ceremony:         cer,
		Value:            v,
		UserHandle:       uh,
		ClientID:         clientID,
		Expires:          now.Add(TTL),
		UserVerification: ceremony.UserVerificationRequired,
		Algorithms:       []cose.Algorithm{cose.ES256, cose.RS256},
		Conditional:      cer == ceremony.Registration,
		AllowCredentials: [][]byte{{1, 2, 3}, {4, 5}},
		AppID:            cer == ceremony.Authentication,
	}
}

// WantErr fails t unless errors.Is(err, want).
func WantErr(tb testing.TB, err, want error) {
	tb.Helper()
	if !errors.Is(err, want) {
		tb.Fatalf("err = %v, want %v", err, want)
	}
}

func put(tb testing.TB, s ceremony.ChallengeStore, c *ceremony.Challenge, now time.Time) {
	tb.Helper()
	if err := s.Put(context.Background(), c, now); err != nil {
		tb.Fatalf("Put: %v", err)
	}
}

// KeyOf returns the key that consumes c when presented by clientID.
func KeyOf(c *ceremony.Challenge, clientID string) ceremony.Key {
	return ceremony.Key{Ceremony: c.Ceremony, User: c.UserHandle, Challenge: c.Value, ClientID: clientID}
}

func consume(s ceremony.ChallengeStore, c *ceremony.Challenge, clientID string, now time.Time) (*ceremony.Challenge, error) {
	return s.Consume(context.Background(), KeyOf(c, clientID), now)
}

func consumeKey(s ceremony.ChallengeStore, k ceremony.Key, now time.Time) error {
	_, err := s.Consume(context.Background(), k, now)
	return err
}

func mustConsume(tb testing.TB, s ceremony.ChallengeStore, c *ceremony.Challenge, now time.Time) *ceremony.Challenge {
	tb.Helper()
	got, err := consume(s, c, c.ClientID, now)
	if err != nil {
		tb.Fatalf("Consume: %v", err)
	}
	return got
}

func wantSame(tb testing.TB, got, want *ceremony.Challenge) {
	tb.Helper()
	same := got.Ceremony == want.Ceremony && bytes.Equal(got.Value, want.Value) &&
		bytes.Equal(got.UserHandle, want.UserHandle) &&
		got.ClientID == want.ClientID && got.Expires.Equal(want.Expires) &&
		got.UserVerification == want.UserVerification && got.Conditional == want.Conditional &&
		got.AppID == want.AppID &&
		slices.Equal(got.Algorithms, want.Algorithms) &&
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
		for _, cer := range []ceremony.Ceremony{ceremony.Registration, ceremony.Authentication} {
			c := NewChallenge(t, cer, "alice", "client-a", Epoch)
			put(t, s, c, Epoch)
			wantSame(t, mustConsume(t, s, c, Epoch.Add(time.Second)), c)
		}
		// Username-less authentication: no user handle.
		c := NewChallenge(t, ceremony.Authentication, "", "client-a", Epoch)
		put(t, s, c, Epoch)
		wantSame(t, mustConsume(t, s, c, Epoch), c)
	})

	t.Run("PutKeepsCopy", func(t *testing.T) {
		s := newStore(t, roomy)
		c := NewChallenge(t, ceremony.Registration, "alice", "client-a", Epoch)
		orig := c.Clone()
		put(t, s, c, Epoch)
		c.ClientID = "mallory"
		c.Algorithms[0] = cose.RS1
		c.AllowCredentials[0][0] = 9
		wantSame(t, mustConsume(t, s, orig, Epoch), orig)
	})

	t.Run("Expiry", func(t *testing.T) {
		s := newStore(t, roomy)
		clk := NewFakeClock(Epoch)
		c := NewChallenge(t, ceremony.Registration, "alice", "client-a", clk.Now())
		put(t, s, c, clk.Now())
		clk.Advance(TTL) // exactly Expires: still valid (inclusive)
		mustConsume(t, s, c, clk.Now())

		clk = NewFakeClock(Epoch)
		c = NewChallenge(t, ceremony.Registration, "alice", "client-a", clk.Now())
		put(t, s, c, clk.Now())
		clk.Advance(TTL + time.Nanosecond)
		_, err := consume(s, c, c.ClientID, clk.Now())
		WantErr(t, err, ceremony.ErrNotFound)
		// Seen expired, it is gone even for a clock that runs behind.
		_, err = consume(s, c, c.ClientID, Epoch)
		WantErr(t, err, ceremony.ErrNotFound)
	})

	t.Run("ExpiredOtherClient", func(t *testing.T) {
		s := newStore(t, roomy)
		c := NewChallenge(t, ceremony.Registration, "alice", "client-a", Epoch)
		put(t, s, c, Epoch)
		_, err := consume(s, c, "client-b", c.Expires.Add(time.Nanosecond))
		WantErr(t, err, ceremony.ErrNotFound)
	})

	t.Run("Replay", func(t *testing.T) {
		s := newStore(t, roomy)
		c := NewChallenge(t, ceremony.Authentication, "alice", "client-a", Epoch)
		put(t, s, c, Epoch)
		mustConsume(t, s, c, Epoch)
		_, err := consume(s, c, c.ClientID, Epoch)
		WantErr(t, err, ceremony.ErrNotFound)
	})

	t.Run("Unknown", func(t *testing.T) {
		s := newStore(t, roomy)
		c := NewChallenge(t, ceremony.Authentication, "alice", "client-a", Epoch)
		_, err := consume(s, c, c.ClientID, Epoch)
		WantErr(t, err, ceremony.ErrNotFound)
		for _, n := range []int{0, ceremony.MinChallengeSize - 1, ceremony.MaxChallengeSize + 1} {
			k := KeyOf(c, c.ClientID)
			k.Challenge = make([]byte, n)
			WantErr(t, consumeKey(s, k, Epoch), ceremony.ErrNotFound)
		}
		k := KeyOf(c, c.ClientID)
		k.Ceremony = 0
		WantErr(t, consumeKey(s, k, Epoch), ceremony.ErrNotFound)
		k = KeyOf(c, c.ClientID)
		k.User = make([]byte, ceremony.MaxUserHandleSize+1)
		WantErr(t, consumeKey(s, k, Epoch), ceremony.ErrNotFound)
		k = KeyOf(c, strings.Repeat("c", ceremony.MaxClientIDSize+1))
		WantErr(t, consumeKey(s, k, Epoch), ceremony.ErrNotFound)
	})

	t.Run("OtherClient", func(t *testing.T) {
		s := newStore(t, roomy)
		c := NewChallenge(t, ceremony.Registration, "alice", "client-a", Epoch)
		put(t, s, c, Epoch)
		for range 2 { // not consumed by the mismatch
			_, err := consume(s, c, "client-b", Epoch)
			WantErr(t, err, ceremony.ErrOtherClient)
		}
		_, err := consume(s, c, "", Epoch)
		WantErr(t, err, ceremony.ErrOtherClient)
		wantSame(t, mustConsume(t, s, c, Epoch), c)
		_, err = consume(s, c, "client-b", Epoch)
		WantErr(t, err, ceremony.ErrNotFound)
	})

	t.Run("OtherUser", func(t *testing.T) {
		s := newStore(t, roomy)
		c := NewChallenge(t, ceremony.Authentication, "alice", "client-a", Epoch)
		put(t, s, c, Epoch)
		for _, u := range [][]byte{[]byte("bob"), nil, []byte("alicE")} {
			k := KeyOf(c, c.ClientID)
			k.User = u
			WantErr(t, consumeKey(s, k, Epoch), ceremony.ErrNotFound)
		}
		mustConsume(t, s, c, Epoch)
	})

	t.Run("OtherCeremony", func(t *testing.T) {
		s := newStore(t, roomy)
		c := NewChallenge(t, ceremony.Registration, "alice", "client-a", Epoch)
		put(t, s, c, Epoch)
		k := KeyOf(c, c.ClientID)
		k.Ceremony = ceremony.Authentication
		WantErr(t, consumeKey(s, k, Epoch), ceremony.ErrNotFound)
		mustConsume(t, s, c, Epoch)
	})

	t.Run("InvalidPut", func(t *testing.T) {
		s := newStore(t, roomy)
		bad := []func(c *ceremony.Challenge){
			func(c *ceremony.Challenge) { c.Ceremony = 0 },
			func(c *ceremony.Challenge) { c.Value = c.Value[:ceremony.MinChallengeSize-1] },
			func(c *ceremony.Challenge) { c.Value = make([]byte, ceremony.MaxChallengeSize+1) },
			func(c *ceremony.Challenge) { c.UserHandle = make([]byte, ceremony.MaxUserHandleSize+1) },
			func(c *ceremony.Challenge) { c.Expires = time.Time{} },
			func(c *ceremony.Challenge) { c.ClientID = "" },
			func(c *ceremony.Challenge) { c.ClientID = strings.Repeat("c", ceremony.MaxClientIDSize+1) },
		}
		for i, f := range bad {
			c := NewChallenge(t, ceremony.Registration, "alice", "client-a", Epoch)
			f(c)
			err := s.Put(context.Background(), c, Epoch)
			if err == nil {
				t.Fatalf("case %d: Put accepted an invalid challenge", i)
			}
			WantErr(t, err, ceremony.ErrInvalidChallenge)
		}
		// At the size limits it is accepted.
		c := NewChallenge(t, ceremony.Registration, "alice", "client-a", Epoch)
		c.Value = c.Value[:ceremony.MinChallengeSize]
		put(t, s, c, Epoch)
		mustConsume(t, s, c, Epoch)
		c = NewChallenge(t, ceremony.Registration, string(bytes.Repeat([]byte{0xff}, ceremony.MaxUserHandleSize)), "client-a", Epoch)
		c.Value = make([]byte, ceremony.MaxChallengeSize)
		rand.Read(c.Value)
		put(t, s, c, Epoch)
		mustConsume(t, s, c, Epoch)
		c = NewChallenge(t, ceremony.Registration, "alice", strings.Repeat("c", ceremony.MaxClientIDSize), Epoch)
		put(t, s, c, Epoch)
		mustConsume(t, s, c, Epoch)
	})

	t.Run("Full", func(t *testing.T) {
		// A full store makes room by dropping its earliest-expiring
		// challenge: Put never fails for lack of room, and the newest
		// challenges of other clients survive.
		lim := Limits{MaxChallenges: 8, MaxPerClient: 100}
		s := newStore(t, lim)
		clk := NewFakeClock(Epoch)
		var cs []*ceremony.Challenge
		for i := range lim.MaxChallenges {
			c := NewChallenge(t, ceremony.Registration, "user"+string(rune('a'+i)), "client-"+string(rune('a'+i)), clk.Now())
			put(t, s, c, clk.Now())
			cs = append(cs, c)
			clk.Advance(time.Millisecond * 10)
		}
		for i := range 3 {
			put(t, s, NewChallenge(t, ceremony.Authentication, "", "flood", clk.Now()), clk.Now())
			_, err := consume(s, cs[i], cs[i].ClientID, clk.Now())
			WantErr(t, err, ceremony.ErrNotFound)
		}
		for _, c := range cs[3:] {
			mustConsume(t, s, c, clk.Now())
		}
	})

	t.Run("PerClient", func(t *testing.T) {
		// Targeted lockout: other clients naming alice, or one client
		// issuing many challenges, never spend alice's own session's quota.
		lim := Limits{MaxChallenges: 100, MaxPerClient: 3}
		s := newStore(t, lim)
		clk := NewFakeClock(Epoch)
		own := NewChallenge(t, ceremony.Authentication, "alice", "alice-session", clk.Now())
		put(t, s, own, clk.Now())
		for i := range 4 * lim.MaxPerClient {
			clk.Advance(time.Millisecond * 10)
			c := NewChallenge(t, ceremony.Authentication, "alice", "attacker-"+string(rune('a'+i)), clk.Now())
			put(t, s, c, clk.Now())
		}
		var mine []*ceremony.Challenge
		for range 2 * lim.MaxPerClient {
			clk.Advance(time.Millisecond * 10)
			c := NewChallenge(t, ceremony.Registration, "alice", "attacker", clk.Now())
			put(t, s, c, clk.Now())
			mine = append(mine, c)
		}
		mustConsume(t, s, own, clk.Now())
		// The client that went over its bound lost its own earliest ones.
		for i, c := range mine {
			_, err := consume(s, c, c.ClientID, clk.Now())
			if i < len(mine)-lim.MaxPerClient {
				WantErr(t, err, ceremony.ErrNotFound)
			} else if err != nil {
				t.Fatalf("challenge %d of the client: %v", i, err)
			}
		}
		// A mismatched consume does not count as the client's.
		c := NewChallenge(t, ceremony.Registration, "bob", "client-b", clk.Now())
		put(t, s, c, clk.Now())
		_, err := consume(s, c, "client-c", clk.Now())
		WantErr(t, err, ceremony.ErrOtherClient)
		mustConsume(t, s, c, clk.Now())
	})

	t.Run("CanceledContext", func(t *testing.T) {
		s := newStore(t, roomy)
		c := NewChallenge(t, ceremony.Registration, "alice", "client-a", Epoch)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		WantErr(t, s.Put(ctx, c, Epoch), context.Canceled)
		put(t, s, c, Epoch)
		_, err := s.Consume(ctx, KeyOf(c, c.ClientID), Epoch)
		WantErr(t, err, context.Canceled)
		// The failed Consume did not consume it.
		mustConsume(t, s, c, Epoch)
	})

	t.Run("Concurrent", func(t *testing.T) {
		s := newStore(t, roomy)
		ConcurrentConsume(t, s, []ceremony.ChallengeStore{s}, 64)
	})
}

// ConcurrentConsume puts one challenge with put and has n goroutines, spread
// over consumers, consume it at once; half of them claim another client
// first. Exactly one consume must succeed; every other right-client consume
// gets ErrChallengeNotFound, every wrong-client one ErrClientMismatch or
// ErrChallengeNotFound.
func ConcurrentConsume(t *testing.T, put ceremony.ChallengeStore, consumers []ceremony.ChallengeStore, n int) {
	t.Helper()
	for round := range 5 {
		c := NewChallenge(t, ceremony.Authentication, "alice", "client-a", Epoch)
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
					if err == nil || (!errors.Is(err, ceremony.ErrOtherClient) && !errors.Is(err, ceremony.ErrNotFound)) {
						errs[i] = errors.Join(errors.New("wrong client"), err)
						return
					}
				}
				got, err := consume(s, c, c.ClientID, Epoch)
				if err == nil {
					wins[i] = bytes.Equal(got.Value, c.Value)
					return
				}
				if !errors.Is(err, ceremony.ErrNotFound) {
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
