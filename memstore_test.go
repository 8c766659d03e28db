package webauthn_test

import (
	"context"
	"testing"
	"time"

	"github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/internal/storetest"
)

func TestMemStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T, lim storetest.Limits) webauthn.ChallengeStore {
		return &webauthn.MemStore{MaxChallenges: lim.MaxChallenges, MaxPerUser: lim.MaxPerUser}
	})
}

// TestMemStoreDefaultLimits fills a zero-value MemStore to DefaultMaxChallenges
// and one user to DefaultMaxPerUser, and checks limit+1 is refused.
func TestMemStoreDefaultLimits(t *testing.T) {
	var s webauthn.MemStore
	ctx := context.Background()
	now := storetest.Epoch
	for i := range webauthn.DefaultMaxPerUser {
		if err := s.Put(ctx, storetest.NewChallenge(t, webauthn.CeremonyRegistration, "alice", "c", now), now); err != nil {
			t.Fatalf("Put %d for one user: %v", i, err)
		}
	}
	err := s.Put(ctx, storetest.NewChallenge(t, webauthn.CeremonyRegistration, "alice", "c", now), now)
	storetest.WantErr(t, err, webauthn.ErrTooManyRequests)

	for i := webauthn.DefaultMaxPerUser; i < webauthn.DefaultMaxChallenges; i++ {
		if err := s.Put(ctx, storetest.NewChallenge(t, webauthn.CeremonyAuthentication, "", "c", now), now); err != nil {
			t.Fatalf("Put %d: %v", i, err)
		}
	}
	if n := s.Len(); n != webauthn.DefaultMaxChallenges {
		t.Fatalf("Len = %d, want %d", n, webauthn.DefaultMaxChallenges)
	}
	err = s.Put(ctx, storetest.NewChallenge(t, webauthn.CeremonyAuthentication, "", "c", now), now)
	storetest.WantErr(t, err, webauthn.ErrTooManyRequests)
	// Once they expire, the next Put sweeps them all.
	later := now.Add(storetest.TTL + time.Nanosecond)
	if err := s.Put(ctx, storetest.NewChallenge(t, webauthn.CeremonyAuthentication, "", "c", later), later); err != nil {
		t.Fatalf("Put after expiry: %v", err)
	}
	if n := s.Len(); n != 1 {
		t.Fatalf("Len after sweep = %d, want 1", n)
	}
}

// TestMemStoreSweep checks expired challenges do not pile up in a store that
// is never full.
func TestMemStoreSweep(t *testing.T) {
	var s webauthn.MemStore
	ctx := context.Background()
	clk := storetest.NewFakeClock(storetest.Epoch)
	for range 10 * 1024 {
		if err := s.Put(ctx, storetest.NewChallenge(t, webauthn.CeremonyAuthentication, "", "c", clk.Now()), clk.Now()); err != nil {
			t.Fatal(err)
		}
		clk.Advance(time.Second)
	}
	// Challenges live storetest.TTL (300 s, one per second): with a sweep
	// every 1024 Puts at most 300+1024 are held.
	if n := s.Len(); n > 300+1024 {
		t.Fatalf("Len = %d, expired challenges are not swept", n)
	}
}

func BenchmarkMemStorePutConsume(b *testing.B) {
	var s webauthn.MemStore
	ctx := context.Background()
	c := storetest.NewChallenge(b, webauthn.CeremonyAuthentication, "alice", "client-a", storetest.Epoch)
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Put(ctx, c, storetest.Epoch); err != nil {
			b.Fatal(err)
		}
		if _, err := s.Consume(ctx, c.Ceremony, c.UserHandle, c.Value, c.ClientID, storetest.Epoch); err != nil {
			b.Fatal(err)
		}
	}
}
