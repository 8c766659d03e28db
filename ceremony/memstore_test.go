package ceremony_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/passkeykit/webauthn/ceremony"
	"github.com/passkeykit/webauthn/internal/storetest"
)

func TestMemStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T, lim storetest.Limits) ceremony.ChallengeStore {
		return &ceremony.MemStore{MaxChallenges: lim.MaxChallenges, MaxPerClient: lim.MaxPerClient}
	})
}

// TestMemStoreDefaultLimits fills a zero-value MemStore to
// DefaultMaxPerClient for one client and DefaultMaxChallenges in all, and
// checks that limit+1 makes room by dropping the earliest-expiring
// challenge of the client, then of the store.
func TestMemStoreDefaultLimits(t *testing.T) {
	var s ceremony.MemStore
	ctx := context.Background()
	clk := storetest.NewFakeClock(storetest.Epoch)
	var first *ceremony.Challenge
	for i := range ceremony.DefaultMaxPerClient + 1 {
		c := storetest.NewChallenge(t, ceremony.Registration, "alice", "c", clk.Now())
		if i == 0 {
			first = c
		}
		if err := s.Put(ctx, c, clk.Now()); err != nil {
			t.Fatalf("Put %d for one client: %v", i, err)
		}
		clk.Advance(time.Millisecond)
	}
	if n := s.Len(); n != ceremony.DefaultMaxPerClient {
		t.Fatalf("Len = %d, want the client's bound %d", n, ceremony.DefaultMaxPerClient)
	}
	_, err := s.Consume(ctx, storetest.KeyOf(first, "c"), clk.Now())
	storetest.WantErr(t, err, ceremony.ErrNotFound)

	var oldest *ceremony.Challenge
	for i := s.Len(); i <= ceremony.DefaultMaxChallenges; i++ {
		c := storetest.NewChallenge(t, ceremony.Authentication, "", "client-"+strconv.Itoa(i), clk.Now())
		if oldest == nil {
			oldest = c
		}
		if err := s.Put(ctx, c, clk.Now()); err != nil {
			t.Fatalf("Put %d: %v", i, err)
		}
	}
	if n := s.Len(); n != ceremony.DefaultMaxChallenges {
		t.Fatalf("Len = %d, want %d", n, ceremony.DefaultMaxChallenges)
	}
	// The client challenges issued first expire first and made room.
	if _, err := s.Consume(ctx, storetest.KeyOf(oldest, oldest.ClientID), clk.Now()); err != nil {
		t.Fatalf("a challenge issued after the earliest ones was dropped: %v", err)
	}
	// Once they expire, the next Put removes them all.
	later := clk.Now().Add(storetest.TTL + time.Nanosecond)
	if err := s.Put(ctx, storetest.NewChallenge(t, ceremony.Authentication, "", "c", later), later); err != nil {
		t.Fatalf("Put after expiry: %v", err)
	}
	if n := s.Len(); n != 1 {
		t.Fatalf("Len after expiry = %d, want 1", n)
	}
}

// TestMemStoreExpiry checks expired challenges do not pile up in a store
// that is never full.
func TestMemStoreExpiry(t *testing.T) {
	var s ceremony.MemStore
	ctx := context.Background()
	clk := storetest.NewFakeClock(storetest.Epoch)
	for i := range 2000 {
		if err := s.Put(ctx, storetest.NewChallenge(t, ceremony.Authentication, "", "c"+strconv.Itoa(i), clk.Now()), clk.Now()); err != nil {
			t.Fatal(err)
		}
		clk.Advance(time.Second)
	}
	// Challenges live storetest.TTL (300 s, one put per second).
	if n := s.Len(); n != 301 {
		t.Fatalf("Len = %d, want 301: expired challenges are not removed", n)
	}
}

func BenchmarkMemStorePutConsume(b *testing.B) {
	var s ceremony.MemStore
	ctx := context.Background()
	c := storetest.NewChallenge(b, ceremony.Authentication, "alice", "client-a", storetest.Epoch)
	k := storetest.KeyOf(c, c.ClientID)
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Put(ctx, c, storetest.Epoch); err != nil {
			b.Fatal(err)
		}
		if _, err := s.Consume(ctx, k, storetest.Epoch); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMemStorePutFull measures Put into a store held at its bound by
// distinct clients, each Put making room: the cost must not grow with the
// store's size (it was a sweep of every entry under the lock).
func BenchmarkMemStorePutFull(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		b.Run("size="+strconv.Itoa(n), func(b *testing.B) {
			s := ceremony.MemStore{MaxChallenges: n}
			ctx := context.Background()
			now := storetest.Epoch
			for i := range n {
				if err := s.Put(ctx, storetest.NewChallenge(b, ceremony.Authentication, "", "fill-"+strconv.Itoa(i), now), now); err != nil {
					b.Fatal(err)
				}
			}
			cs := make([]*ceremony.Challenge, 1024)
			for i := range cs {
				cs[i] = storetest.NewChallenge(b, ceremony.Authentication, "", "new-"+strconv.Itoa(i), now)
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				c := cs[i%len(cs)].Clone()
				c.Value[0], c.Value[1], c.Value[2] = byte(i), byte(i>>8), byte(i>>16)
				if err := s.Put(ctx, c, now); err != nil {
					b.Fatal(err)
				}
				i++
			}
			if s.Len() != n {
				b.Fatalf("Len = %d, want %d", s.Len(), n)
			}
		})
	}
}
