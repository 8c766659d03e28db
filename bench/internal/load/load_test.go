package load

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/webauthnhttp"
)

var errBroken = errors.New("test store: broken")

func startServer(t *testing.T, kind string, o ServerOptions) string {
	t.Helper()
	s, err := NewServer(kind, o)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(func() { ts.Close(); s.Close() })
	return ts.URL
}

// TestInvariants drives each server kind with 1, 16 and 64 concurrent
// clients through real begin/finish round trips and requires every
// invariant of issue 21 to hold: every registration listed, no counter
// backwards, no 5xx, no valid ceremony refused. The contending run signs in
// the same credentials from several clients at once.
func TestInvariants(t *testing.T) {
	kinds := []string{OursMem, GoWebauthn, HTTPFloor}
	var redisAddr string
	if r, err := StartRedis(); err != nil {
		t.Logf("ours-redis not run: %v", err)
	} else {
		t.Cleanup(r.Stop)
		redisAddr = r.Addr
		kinds = append(kinds, OursRedis)
	}
	for _, kind := range kinds {
		url := startServer(t, kind, ServerOptions{RedisAddr: redisAddr})
		for _, tc := range []struct {
			clients, users, signIns int
			contend                 bool
		}{
			{1, 8, 16, false},
			{16, 32, 64, false},
			{64, 64, 128, false},
			{16, 4, 64, true},
		} {
			name := kind + "/C=" + strconv.Itoa(tc.clients)
			if tc.contend {
				name += "/contend"
			}
			t.Run(name, func(t *testing.T) {
				res, err := Run(Config{BaseURL: url, NamePrefix: strings.ReplaceAll(name, "/", "-") + "-",
					Users: tc.users, Clients: tc.clients, SignIns: tc.signIns, Contend: tc.contend})
				if err != nil {
					t.Fatal(err)
				}
				for _, v := range res.Violations {
					t.Error(v)
				}
				if res.Register.OK != tc.users || res.SignIn.OK != tc.signIns {
					t.Errorf("%d registrations and %d sign-ins succeeded, want %d and %d", res.Register.OK, res.SignIn.OK, tc.users, tc.signIns)
				}
				if !tc.contend && res.CloneFlags != 0 {
					t.Errorf("%d sign-ins flagged as clones without contention", res.CloneFlags)
				}
				t.Logf("%d sign-ins in %v, %d clone flags, p50 %v p99 %v", res.SignIn.OK, res.SignIn.Wall.Round(time.Millisecond), res.CloneFlags, res.SignIn.Percentile(0.5), res.SignIn.Percentile(0.99))
			})
		}
	}
}

// lossyUsers drops every credential state update while reporting it
// written: the stored counter stays behind what was accepted.
type lossyUsers struct{ webauthnhttp.MemUsers }

func (l *lossyUsers) UpdateCredential(_ context.Context, _, _ []byte, _, next webauthnhttp.CredentialState) (webauthnhttp.CredentialState, bool, error) {
	return next, true, nil
}

// failingUsers answers every credential lookup of one user with an error
// (the handler's 500).
type failingUsers struct {
	webauthnhttp.MemUsers
	bad string
}

func (f *failingUsers) Credential(ctx context.Context, handle, id []byte) (*webauthn.Credential, string, error) {
	c, name, err := f.MemUsers.Credential(ctx, handle, id)
	if name == f.bad {
		return nil, "", errBroken
	}
	return c, name, err
}

// TestInvariantsCatch shows the checks can fail: a store that loses
// counter updates and one that fails sign-ins of a user are caught.
func TestInvariantsCatch(t *testing.T) {
	t.Run("lost update", func(t *testing.T) {
		url := startServer(t, OursMem, ServerOptions{Users: &lossyUsers{}})
		res, err := Run(Config{BaseURL: url, Users: 4, Clients: 2, SignIns: 16})
		if err != nil {
			t.Fatal(err)
		}
		if !hasViolation(res, "went backwards") {
			t.Fatalf("a store losing counter updates passed: %v", res.Violations)
		}
	})
	t.Run("5xx", func(t *testing.T) {
		url := startServer(t, OursMem, ServerOptions{Users: &failingUsers{bad: "user1"}})
		res, err := Run(Config{BaseURL: url, Users: 4, Clients: 2, SignIns: 16})
		if err != nil {
			t.Fatal(err)
		}
		if res.Status[http.StatusInternalServerError] == 0 || !hasViolation(res, "status 500") || !hasViolation(res, "refused") {
			t.Fatalf("500 answers passed: status %v, %v", res.Status, res.Violations)
		}
	})
}

func hasViolation(r *Result, s string) bool {
	for _, v := range r.Violations {
		if strings.Contains(v, s) {
			return true
		}
	}
	return false
}
