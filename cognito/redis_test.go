package cognito

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	redisstore "github.com/passkeykit/webauthn/store/redis"
	goredis "github.com/redis/go-redis/v9"
)

// startRedis starts a redis-server on a free loopback port for the test;
// without the binary it skips loudly, or fails under CI.
func startRedis(t *testing.T) string {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("redis-server is not installed (scripts/deps.sh installs it)")
		}
		t.Skip("SKIPPING the Redis challenge store test: redis-server is not installed")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	rc := goredis.NewClient(&goredis.Options{Addr: addr})
	defer rc.Close()
	for i := 0; ; i++ {
		if rc.Ping(context.Background()).Err() == nil {
			return addr
		}
		if i == 100 {
			t.Fatal("redis-server did not start")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRedisChallenges runs a passkey registration and sign-in with the
// challenges in Redis (what cognito-local -redis does): the challenge is
// consumed there, and a replayed answer finds none.
func TestRedisChallenges(t *testing.T) {
	rc := goredis.NewClient(&goredis.Options{Addr: startRedis(t)})
	t.Cleanup(func() { rc.Close() })
	store := redisstore.New(rc, redisstore.Options{})
	h := newHarnessWith(t, nil, func(o *Options) { o.Challenges = store })
	tok := h.user(mainClient, "alice")
	a := h.registerPasskey(tok)
	ch := h.passkeyChallenge(mainClient, "alice")
	if n, err := rc.DBSize(context.Background()).Result(); err != nil || n == 0 {
		t.Fatalf("Redis holds %d keys (%v) with a challenge outstanding", n, err)
	}
	in := respondWebAuthn(mainClient, "alice", ch.Session, a.assert(t, ch.ChallengeParameters["CREDENTIAL_REQUEST_OPTIONS"], ceremonyParams{origin: testOrigin}, 1))
	var out tokensOut
	h.ok("RespondToAuthChallenge", in, &out)
	if out.AuthenticationResult == nil || out.AuthenticationResult.AccessToken == "" {
		b, _ := json.Marshal(out)
		t.Fatalf("sign-in: %s", b)
	}
	// Spent: the same answer again finds no challenge.
	h.fails("RespondToAuthChallenge", in, "NotAuthorizedException")
}
