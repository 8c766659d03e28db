package redis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/ceremony"
	"github.com/passkeykit/webauthn/internal/storetest"
)

var prefixes atomic.Int64

// testTag is the hash tag of every test prefix.
const testTag = "wa"

// newPrefix returns a key prefix no other test uses, with a hash tag.
func newPrefix() string {
	return "t" + strconv.FormatInt(prefixes.Add(1), 10) + ":{" + testTag + "}:"
}

func TestStore(t *testing.T) {
	needServer(t)
	storetest.Run(t, func(t *testing.T, lim storetest.Limits) ceremony.ChallengeStore {
		return New(mainServer.client(t), Options{Prefix: newPrefix(), MaxChallenges: lim.MaxChallenges, MaxPerClient: lim.MaxPerClient})
	})
}

// TestConcurrentTwoStores has two Stores on two clients (two processes'
// worth) race many goroutines to consume the same challenge.
func TestConcurrentTwoStores(t *testing.T) {
	needServer(t)
	p := newPrefix()
	a := New(mainServer.client(t), Options{Prefix: p})
	b := New(mainServer.client(t), Options{Prefix: p})
	storetest.ConcurrentConsume(t, a, []ceremony.ChallengeStore{a, b}, 64)
}

// TestKeyExpiry checks the PX expiry: Redis drops a challenge nobody
// consumes, and MaxTTL caps it.
func TestKeyExpiry(t *testing.T) {
	needServer(t)
	c := mainServer.client(t)
	s := New(c, Options{Prefix: newPrefix(), MaxTTL: 50 * time.Millisecond})
	ctx := context.Background()
	ch := storetest.NewChallenge(t, ceremony.Registration, "alice", "client-a", storetest.Epoch)
	if err := s.Put(ctx, ch, storetest.Epoch); err != nil {
		t.Fatal(err)
	}
	k := s.keys(ch.Ceremony, ch.UserHandle, ch.Value, ch.ClientID)
	ttl, err := c.PTTL(ctx, k[0]).Result()
	if err != nil || ttl <= 0 || ttl > 50*time.Millisecond {
		t.Fatalf("PTTL = %v, %v; want in (0, 50ms]", ttl, err)
	}
	time.Sleep(120 * time.Millisecond)
	_, err = s.Consume(ctx, storetest.KeyOf(ch, ch.ClientID), storetest.Epoch)
	storetest.WantErr(t, err, ceremony.ErrNotFound)
	if n, _ := c.Exists(ctx, k...).Result(); n != 0 {
		t.Fatalf("%d keys left after expiry", n)
	}

	// Without MaxTTL the PX is the time to Expires, rounded up.
	s = New(c, Options{Prefix: newPrefix()})
	ch = storetest.NewChallenge(t, ceremony.Registration, "alice", "client-a", storetest.Epoch)
	if err := s.Put(ctx, ch, storetest.Epoch.Add(time.Nanosecond)); err != nil {
		t.Fatal(err)
	}
	ttl, err = c.PTTL(ctx, s.keys(ch.Ceremony, ch.UserHandle, ch.Value, ch.ClientID)[0]).Result()
	if err != nil || ttl < storetest.TTL-time.Second || ttl > storetest.TTL {
		t.Fatalf("PTTL = %v, %v; want about %v", ttl, err, storetest.TTL)
	}
}

// wantStoreFailure fails tb unless err is a store failure: an error naming
// the store that wraps cause and is none of the ceremony sentinels (which
// the Lifecycle would map to a client-facing exception) nor a
// *webauthn.Error (the Lifecycle, not the store, maps a failure to
// InternalErrorException).
func wantStoreFailure(tb testing.TB, err error, cause error) {
	tb.Helper()
	if err := storeFailure(err); err != nil {
		tb.Fatal(err)
	}
	if !errors.Is(err, cause) {
		tb.Fatalf("err = %v, want %v as its cause", err, cause)
	}
}

// storeFailure is wantStoreFailure without the cause, as an error.
func storeFailure(err error) error {
	var we *webauthn.Error
	for _, sentinel := range []error{ceremony.ErrNotFound, ceremony.ErrOtherClient, ceremony.ErrStoreFull, ceremony.ErrInvalidChallenge, ceremony.ErrDuplicate} {
		if errors.Is(err, sentinel) {
			return fmt.Errorf("err = %v, want a store failure, not %v", err, sentinel)
		}
	}
	switch {
	case err == nil:
		return errors.New("err = nil, want a store failure")
	case errors.As(err, &we):
		return fmt.Errorf("err = %v is a *webauthn.Error; the store must return its plain cause", err)
	case !strings.HasPrefix(err.Error(), "store/redis: "):
		return fmt.Errorf("err = %v, want it to name the store", err)
	}
	return nil
}

// TestServerDown checks a Redis outage: a plain error wrapping the cause,
// nothing reported consumed that was not deleted, and recovery on restart.
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

	ch := storetest.NewChallenge(t, ceremony.Registration, "alice", "client-a", now)
	if err := s.Put(ctx, ch, now); err != nil {
		t.Fatal(err)
	}
	srv.kill()
	_, err = s.Consume(ctx, storetest.KeyOf(ch, ch.ClientID), now)
	wantStoreFailure(t, err, syscall.ECONNREFUSED)
	t.Logf("server down: %v", err)
	wantStoreFailure(t, s.Put(ctx, storetest.NewChallenge(t, ceremony.Registration, "bob", "client-a", now), now), syscall.ECONNREFUSED)
	dl, cancel := context.WithTimeout(ctx, time.Nanosecond)
	<-dl.Done()
	_, err = s.Consume(dl, storetest.KeyOf(ch, ch.ClientID), now)
	cancel()
	wantStoreFailure(t, err, context.DeadlineExceeded)

	if err := srv.start(); err != nil {
		t.Fatal(err)
	}
	// The failed consumes consumed nothing: it is still there, once.
	got, err := s.Consume(ctx, storetest.KeyOf(ch, ch.ClientID), now)
	if err != nil || string(got.Value) != string(ch.Value) {
		t.Fatalf("after restart: %v", err)
	}
	_, err = s.Consume(ctx, storetest.KeyOf(ch, ch.ClientID), now)
	storetest.WantErr(t, err, ceremony.ErrNotFound)
}

// TestCrashMidRun kills Redis while goroutines on two Stores consume many
// challenges, restarts it, and checks that no challenge was ever consumed
// twice and that the outage surfaced as store failures only (see
// wantStoreFailure).
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
	chs := make([]*ceremony.Challenge, n)
	for i := range chs {
		chs[i] = storetest.NewChallenge(t, ceremony.Authentication, "", "client-"+strconv.Itoa(i), now)
		if err := stores[0].Put(ctx, chs[i], now); err != nil {
			t.Fatal(err)
		}
	}
	var (
		wins     = make([]atomic.Int32, n)
		progress atomic.Int32
		failed   atomic.Int32
		wg       sync.WaitGroup
		bad      = make(chan error, workers)
	)
	for w := range workers {
		wg.Go(func() {
			s := stores[w%2]
			for i, ch := range chs {
				for {
					_, err := s.Consume(ctx, storetest.KeyOf(ch, ch.ClientID), now)
					if err == nil {
						wins[i].Add(1)
						break
					}
					if errors.Is(err, ceremony.ErrNotFound) {
						break
					}
					if err := storeFailure(err); err != nil {
						bad <- err
						return
					}
					failed.Add(1)
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
	if failed.Load() == 0 {
		t.Fatal("the crash produced no store failure")
	}
	if lost > workers {
		t.Fatalf("%d challenges lost, want at most one per in-flight consume (%d)", lost, workers)
	}
	t.Logf("%d store failures during the outage, %d challenges lost in flight, none consumed twice", failed.Load(), lost)
}

// BenchmarkPutConsume measures one Put and one Consume: two round trips to a
// loopback Redis.
func BenchmarkPutConsume(b *testing.B) {
	needServer(b)
	s := New(mainServer.client(b), Options{Prefix: newPrefix()})
	ctx := context.Background()
	ch := storetest.NewChallenge(b, ceremony.Authentication, "alice", "client-a", storetest.Epoch)
	k := storetest.KeyOf(ch, ch.ClientID)
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Put(ctx, ch, storetest.Epoch); err != nil {
			b.Fatal(err)
		}
		if _, err := s.Consume(ctx, k, storetest.Epoch); err != nil {
			b.Fatal(err)
		}
	}
}
