package redis

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/passkeykit/webauthn/ceremony"
	"github.com/passkeykit/webauthn/internal/storetest"
	goredis "github.com/redis/go-redis/v9"
)

// TestCluster runs the conformance suite on a Redis Cluster node that
// serves only the slot of the test prefixes' hash tag and refuses a script
// that touches a key of any other slot, declared in KEYS or not: the
// eviction's DEL of challenge keys named by set members (not in KEYS) must
// hash to the slot of the declared keys. The first case checks that the
// node does refuse an undeclared key of another slot.
func TestCluster(t *testing.T) {
	needServer(t)
	srv, err := startCluster(t.TempDir(), testTag)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.stop()
	client := func(t *testing.T) *goredis.ClusterClient {
		c := goredis.NewClusterClient(&goredis.ClusterOptions{Addrs: []string{srv.addr()}, MaxRetries: -1})
		t.Cleanup(func() { c.Close() })
		return c
	}
	ctx := context.Background()
	now := storetest.Epoch

	// An undeclared key of another slot: a store-set member whose eviction
	// would delete a key outside the tag.
	c := client(t)
	p := newPrefix()
	if err = c.ZAdd(ctx, p+"all", goredis.Z{Score: float64(now.UnixMilli()), Member: "other:{elsewhere}:x"}).Err(); err != nil {
		t.Fatal(err)
	}
	s := New(c, Options{Prefix: p, MaxChallenges: 1})
	err = s.Put(ctx, storetest.NewChallenge(t, ceremony.Registration, "alice", "client-a", now), now)
	if err == nil || !strings.Contains(err.Error(), "non local key") {
		t.Fatalf("Put evicting a key of another slot: err = %v, want the cluster's refusal", err)
	}

	storetest.Run(t, func(t *testing.T, lim storetest.Limits) ceremony.ChallengeStore {
		return New(client(t), Options{Prefix: newPrefix(), MaxChallenges: lim.MaxChallenges, MaxPerClient: lim.MaxPerClient})
	})
}

// TestStaleMember checks the documented effect of a store-wide eviction on
// the evicted challenge's client: its set keeps a stale member, which its
// own bound pops first, so it loses no live challenge.
func TestStaleMember(t *testing.T) {
	needServer(t)
	c := mainServer.client(t)
	p := newPrefix()
	s := New(c, Options{Prefix: p, MaxChallenges: 3, MaxPerClient: 2})
	ctx := context.Background()
	clk := storetest.NewFakeClock(storetest.Epoch)
	put := func(client string) *ceremony.Challenge {
		t.Helper()
		ch := storetest.NewChallenge(t, ceremony.Authentication, "", client, clk.Now())
		if err := s.Put(ctx, ch, clk.Now()); err != nil {
			t.Fatal(err)
		}
		clk.Advance(10 * time.Millisecond)
		return ch
	}
	consume := func(ch *ceremony.Challenge) error {
		_, err := s.Consume(ctx, storetest.KeyOf(ch, ch.ClientID), clk.Now())
		return err
	}
	xSet := s.keys(0, nil, nil, "x")[1]
	x1, x2, y1 := put("x"), put("x"), put("y")
	z1 := put("z") // the store is full: x1, the earliest, is dropped
	storetest.WantErr(t, consume(x1), ceremony.ErrNotFound)
	if n, err := c.ZCard(ctx, xSet).Result(); err != nil || n != 2 {
		t.Fatalf("x's set holds %d members (%v), want 2: x2 and the stale x1", n, err)
	}
	for _, ch := range []*ceremony.Challenge{y1, z1} {
		if err := consume(ch); err != nil {
			t.Fatal(err)
		}
	}
	// x at its bound: the stale member goes, x2 stays.
	x3 := put("x")
	for _, ch := range []*ceremony.Challenge{x2, x3} {
		if err := consume(ch); err != nil {
			t.Fatalf("x lost a live challenge to the stale member: %v", err)
		}
	}
	if n, err := c.Exists(ctx, xSet).Result(); err != nil || n != 0 {
		t.Fatalf("x's set still exists (%d, %v) with nothing outstanding", n, err)
	}
}

// TestDefaultPerClient checks the zero Options' bounds, and
// DefaultMaxPerClient+1 challenges of one client: the first is dropped.
func TestDefaultPerClient(t *testing.T) {
	needServer(t)
	c := mainServer.client(t)
	s := New(c, Options{Prefix: newPrefix()})
	if s.max != ceremony.DefaultMaxChallenges || s.maxPerClient != ceremony.DefaultMaxPerClient || s.maxTTL != DefaultMaxTTL {
		t.Fatalf("defaults: %d, %d, %v", s.max, s.maxPerClient, s.maxTTL)
	}
	ctx := context.Background()
	clk := storetest.NewFakeClock(storetest.Epoch)
	var chs []*ceremony.Challenge
	for range ceremony.DefaultMaxPerClient + 1 {
		ch := storetest.NewChallenge(t, ceremony.Registration, "alice", "c", clk.Now())
		if err := s.Put(ctx, ch, clk.Now()); err != nil {
			t.Fatal(err)
		}
		chs = append(chs, ch)
		clk.Advance(time.Millisecond)
	}
	if n, err := c.ZCard(ctx, s.keys(0, nil, nil, "c")[1]).Result(); err != nil || n != ceremony.DefaultMaxPerClient {
		t.Fatalf("the client's set holds %d (%v), want %d", n, err, ceremony.DefaultMaxPerClient)
	}
	_, err := s.Consume(ctx, storetest.KeyOf(chs[0], "c"), clk.Now())
	storetest.WantErr(t, err, ceremony.ErrNotFound)
	for i, ch := range chs[1:] {
		if _, err := s.Consume(ctx, storetest.KeyOf(ch, "c"), clk.Now()); err != nil {
			t.Fatalf("challenge %d: %v", i+1, err)
		}
	}
}

// TestCorruptRecord checks that Consume fails closed on a hash it cannot
// read: never a challenge, and never one reported consumed twice.
func TestCorruptRecord(t *testing.T) {
	needServer(t)
	c := mainServer.client(t)
	s := New(c, Options{Prefix: newPrefix()})
	ctx := context.Background()
	now := storetest.Epoch
	put := func() (*ceremony.Challenge, string) {
		ch := storetest.NewChallenge(t, ceremony.Registration, "alice", "client-a", now)
		if err := s.Put(ctx, ch, now); err != nil {
			t.Fatal(err)
		}
		return ch, s.keys(ch.Ceremony, ch.UserHandle, ch.Value, ch.ClientID)[0]
	}

	// An unreadable record (an older release's JSON, or a version 1 record
	// without the AppID flag): deleted, reported a failure, then not found.
	var ch *ceremony.Challenge
	var key string
	for _, old := range []string{`{"e":"2025-06-01T12:05:00Z"}`, "\x01\x01\x00\x00\x00"} {
		ch, key = put()
		if err := c.HSet(ctx, key, "d", old).Err(); err != nil {
			t.Fatal(err)
		}
		got, err := s.Consume(ctx, storetest.KeyOf(ch, ch.ClientID), now)
		if got != nil {
			t.Fatalf("consumed %+v from a corrupt record %q", got, old)
		}
		wantStoreFailure(t, err, errCorruptRecord)
		_, err = s.Consume(ctx, storetest.KeyOf(ch, ch.ClientID), now)
		storetest.WantErr(t, err, ceremony.ErrNotFound)
	}

	// Expiry fields that are not numbers: a failure, whether the script
	// refuses them or the reply is unreadable, and never a challenge later.
	for _, field := range []string{"s", "n"} {
		ch, key = put()
		if err := c.HSet(ctx, key, field, "x").Err(); err != nil {
			t.Fatal(err)
		}
		for i := range 2 {
			got, err := s.Consume(ctx, storetest.KeyOf(ch, ch.ClientID), now)
			if got != nil {
				t.Fatalf("field %s: consumed %+v", field, got)
			}
			if i == 1 && errors.Is(err, ceremony.ErrNotFound) {
				continue
			}
			if err := storeFailure(err); err != nil {
				t.Fatalf("field %s, consume %d: %v", field, i, err)
			}
		}
	}

	// An expiry past what the reply may hold.
	ch, key = put()
	if err := c.HSet(ctx, key, "n", strconv.Itoa(int(time.Second))).Err(); err != nil {
		t.Fatal(err)
	}
	_, err := s.Consume(ctx, storetest.KeyOf(ch, ch.ClientID), now)
	wantStoreFailure(t, err, errCorruptRecord)
}
