package redis

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/internal/storetest"
)

var prefixes atomic.Int64

// newPrefix returns a key prefix no other test uses, with a hash tag.
func newPrefix() string {
	return "t" + strconv.FormatInt(prefixes.Add(1), 10) + ":{wa}:"
}

func TestStore(t *testing.T) {
	needServer(t)
	storetest.Run(t, func(t *testing.T, lim storetest.Limits) webauthn.ChallengeStore {
		return New(mainServer.client(t), Options{Prefix: newPrefix(), MaxChallenges: lim.MaxChallenges, MaxPerUser: lim.MaxPerUser})
	})
}

// TestConcurrentTwoStores has two Stores on two clients (two processes'
// worth) race many goroutines to consume the same challenge.
func TestConcurrentTwoStores(t *testing.T) {
	needServer(t)
	p := newPrefix()
	a := New(mainServer.client(t), Options{Prefix: p})
	b := New(mainServer.client(t), Options{Prefix: p})
	storetest.ConcurrentConsume(t, a, []webauthn.ChallengeStore{a, b}, 64)
}

// TestKeyExpiry checks the PX expiry: Redis drops a challenge nobody
// consumes, and MaxTTL caps it.
func TestKeyExpiry(t *testing.T) {
	needServer(t)
	c := mainServer.client(t)
	s := New(c, Options{Prefix: newPrefix(), MaxTTL: 50 * time.Millisecond})
	ctx := context.Background()
	ch := storetest.NewChallenge(t, webauthn.CeremonyRegistration, "alice", "client-a", storetest.Epoch)
	if err := s.Put(ctx, ch, storetest.Epoch); err != nil {
		t.Fatal(err)
	}
	k := s.keys(ch.Ceremony, ch.UserHandle, ch.Value)
	ttl, err := c.PTTL(ctx, k[0]).Result()
	if err != nil || ttl <= 0 || ttl > 50*time.Millisecond {
		t.Fatalf("PTTL = %v, %v; want in (0, 50ms]", ttl, err)
	}
	time.Sleep(120 * time.Millisecond)
	_, err = s.Consume(ctx, ch.Ceremony, ch.UserHandle, ch.Value, ch.ClientID, storetest.Epoch)
	storetest.WantErr(t, err, webauthn.ErrChallengeNotFound)
	if n, _ := c.Exists(ctx, k...).Result(); n != 0 {
		t.Fatalf("%d keys left after expiry", n)
	}

	// Without MaxTTL the PX is the time to Expires, rounded up.
	s = New(c, Options{Prefix: newPrefix()})
	ch = storetest.NewChallenge(t, webauthn.CeremonyRegistration, "alice", "client-a", storetest.Epoch)
	if err := s.Put(ctx, ch, storetest.Epoch.Add(time.Nanosecond)); err != nil {
		t.Fatal(err)
	}
	ttl, err = c.PTTL(ctx, s.keys(ch.Ceremony, ch.UserHandle, ch.Value)[0]).Result()
	if err != nil || ttl < storetest.TTL-time.Second || ttl > storetest.TTL {
		t.Fatalf("PTTL = %v, %v; want about %v", ttl, err, storetest.TTL)
	}
}

// TestServerDown checks a Redis outage: typed InternalErrorException, nothing
// reported consumed that was not deleted, and recovery on restart.
func TestServerDown(t *testing.T) {
	needServer(t)
	srv, err := startServer(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer srv.stop()
	p := newPrefix()
	s := New(srv.client(t), Options{Prefix: p})
	ctx := context.Background()
	now := storetest.Epoch

	ch := storetest.NewChallenge(t, webauthn.CeremonyRegistration, "alice", "client-a", now)
	if err := s.Put(ctx, ch, now); err != nil {
		t.Fatal(err)
	}
	srv.kill()
	_, err = s.Consume(ctx, ch.Ceremony, ch.UserHandle, ch.Value, ch.ClientID, now)
	storetest.WantErr(t, err, webauthn.ErrInternal)
	if webauthn.ExceptionName(err) != webauthn.ExceptionInternalError {
		t.Fatalf("exception = %q", webauthn.ExceptionName(err))
	}
	var e *webauthn.Error
	if !errors.As(err, &e) || e.Err == nil {
		t.Fatalf("err = %v, want the Redis error as cause", err)
	}
	t.Logf("server down: %v", err)
	storetest.WantErr(t, s.Put(ctx, storetest.NewChallenge(t, webauthn.CeremonyRegistration, "bob", "client-a", now), now), webauthn.ErrInternal)
	dl, cancel := context.WithTimeout(ctx, time.Nanosecond)
	<-dl.Done()
	_, err = s.Consume(dl, ch.Ceremony, ch.UserHandle, ch.Value, ch.ClientID, now)
	cancel()
	storetest.WantErr(t, err, webauthn.ErrInternal)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded as cause", err)
	}

	if err := srv.start(); err != nil {
		t.Fatal(err)
	}
	// The failed consumes consumed nothing: it is still there, once.
	got, err := s.Consume(ctx, ch.Ceremony, ch.UserHandle, ch.Value, ch.ClientID, now)
	if err != nil || string(got.Value) != string(ch.Value) {
		t.Fatalf("after restart: %v", err)
	}
	_, err = s.Consume(ctx, ch.Ceremony, ch.UserHandle, ch.Value, ch.ClientID, now)
	storetest.WantErr(t, err, webauthn.ErrChallengeNotFound)
}

// TestCrashMidRun kills Redis while goroutines on two Stores consume many
// challenges, restarts it, and checks that no challenge was ever consumed
// twice and that the outage surfaced as InternalErrorException only.
func TestCrashMidRun(t *testing.T) {
	needServer(t)
	srv, err := startServer(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer srv.stop()
	p := newPrefix()
	// No client retries, so the outage reaches the store instead of being
	// ridden out by go-redis's backoff.
	stores := []*Store{New(srv.clientRetries(t, -1), Options{Prefix: p}), New(srv.clientRetries(t, -1), Options{Prefix: p})}
	ctx := context.Background()
	now := storetest.Epoch

	const n, workers = 2000, 8
	chs := make([]*webauthn.Challenge, n)
	for i := range chs {
		chs[i] = storetest.NewChallenge(t, webauthn.CeremonyAuthentication, "", "client-a", now)
		if err := stores[0].Put(ctx, chs[i], now); err != nil {
			t.Fatal(err)
		}
	}
	var (
		wins     = make([]atomic.Int32, n)
		progress atomic.Int32
		internal atomic.Int32
		wg       sync.WaitGroup
		bad      = make(chan error, workers)
	)
	for w := range workers {
		wg.Go(func() {
			s := stores[w%2]
			for i, ch := range chs {
				for {
					_, err := s.Consume(ctx, ch.Ceremony, ch.UserHandle, ch.Value, ch.ClientID, now)
					if err == nil {
						wins[i].Add(1)
						break
					}
					if errors.Is(err, webauthn.ErrChallengeNotFound) {
						break
					}
					if !errors.Is(err, webauthn.ErrInternal) || webauthn.ExceptionName(err) != webauthn.ExceptionInternalError {
						bad <- err
						return
					}
					internal.Add(1)
					time.Sleep(5 * time.Millisecond)
				}
				progress.Add(1)
			}
		})
	}
	for progress.Load() < workers*n/4 {
		time.Sleep(time.Millisecond)
	}
	srv.kill()
	time.Sleep(200 * time.Millisecond)
	if err := srv.start(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(bad)
	for err := range bad {
		t.Fatalf("unexpected error: %v", err)
	}
	lost := 0
	for i := range wins {
		switch wins[i].Load() {
		case 0:
			lost++ // deleted, reply lost in the crash: fails safe
		case 1:
		default:
			t.Fatalf("challenge %d consumed %d times", i, wins[i].Load())
		}
	}
	if internal.Load() == 0 {
		t.Fatal("the crash produced no InternalErrorException")
	}
	if lost > workers {
		t.Fatalf("%d challenges lost, want at most one per in-flight consume (%d)", lost, workers)
	}
	t.Logf("%d InternalErrorExceptions during the outage, %d challenges lost in flight, none consumed twice", internal.Load(), lost)
}

// BenchmarkPutConsume measures one Put and one Consume: two round trips to a
// loopback Redis.
func BenchmarkPutConsume(b *testing.B) {
	needServer(b)
	s := New(mainServer.client(b), Options{Prefix: newPrefix()})
	ctx := context.Background()
	ch := storetest.NewChallenge(b, webauthn.CeremonyAuthentication, "alice", "client-a", storetest.Epoch)
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Put(ctx, ch, storetest.Epoch); err != nil {
			b.Fatal(err)
		}
		if _, err := s.Consume(ctx, ch.Ceremony, ch.UserHandle, ch.Value, ch.ClientID, storetest.Epoch); err != nil {
			b.Fatal(err)
		}
	}
}
