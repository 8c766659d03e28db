package webauthnhttp

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/ceremony"
	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/internal/forge"
)

// Regression tests for the account-safety defects of the HTTP layer
// (issue 13), each named for its item.

// flowOn is a client of h with its own session and authenticator.
func flowOn(t *testing.T, h *Handler, label string) *handlerFlow {
	f := forge.New(label)
	return &handlerFlow{t: t, h: h, f: f, key: f.Key("handler", cose.ES256)}
}

// TestPreHijackThroughSignUp (item 1): an attacker begins a registration
// for a name that has no account yet, the owner signs up, and the
// attacker's finish must not add the attacker's passkey to the owner's
// account: the decision is made again at finish.
func TestPreHijackThroughSignUp(t *testing.T) {
	h := newHandlerFlow(t, nil).h
	attacker, owner := flowOn(t, h, "attacker"), flowOn(t, h, "owner")

	var o ceremony.CreationOptionsJSON
	wantException(t, "attacker begins", attacker.do("/webauthn/register/begin", `{"username":"victim"}`, &o), "")
	wantException(t, "owner signs up", owner.register("victim"), "")
	// The attacker answers its challenge with its own authenticator.
	reg := attacker.f.Registration("handler", attacker.key)
	reg.ClientData.Challenge, _ = base64.RawURLEncoding.DecodeString(o.Challenge)
	cred := string(forge.RegistrationJSON(reg, reg.Object("none", forge.Stmt{})).JSON())
	var sum RegistrationSummary
	wantException(t, "attacker finishes", attacker.do("/webauthn/register/finish", `{"username":"victim","credential":`+cred+`}`, &sum), webauthn.ExceptionNotAuthorized)

	a, err := h.Users().Lookup(context.Background(), "victim")
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Credentials) != 1 || bytes.Equal(a.Credentials[0].ID, reg.AuthData.CredentialID) {
		t.Fatalf("the owner's account holds %d credentials (the attacker's: %v)", len(a.Credentials), len(a.Credentials) > 0 && bytes.Equal(a.Credentials[0].ID, reg.AuthData.CredentialID))
	}
	// The attacker cannot sign in as the owner.
	var as AssertionSummary
	_, e := attacker.login("victim", nil, &as)
	wantException(t, "attacker signs in", e, webauthn.ExceptionNotAuthorized)
	_, e = owner.login("victim", nil, &as)
	wantException(t, "owner signs in", e, "")
}

// TestRegisterBeginCreatesNoUser (item 6): register/begin makes no account
// (an anonymous client could otherwise fill the user table); only a
// successful finish does.
func TestRegisterBeginCreatesNoUser(t *testing.T) {
	x := newHandlerFlow(t, &HandlerOptions{Users: &MemUsers{MaxUsers: 1}})
	var o ceremony.CreationOptionsJSON
	for _, name := range []string{"a", "b", "c", "d"} {
		wantException(t, "begin "+name, x.do("/webauthn/register/begin", `{"username":"`+name+`"}`, &o), "")
		if _, err := x.h.Users().Lookup(context.Background(), name); !errors.Is(err, ErrUserNotFound) {
			t.Fatalf("register/begin made an account for %s: %v", name, err)
		}
	}
	wantException(t, "first sign-up", x.register("alice"), "")
}

// TestSessionChallengeBound (item 6): one session issuing many challenges,
// username-less or not, holds at most ceremony.DefaultMaxPerClient of them,
// its own earliest dropped: the store is not filled by one client.
func TestSessionChallengeBound(t *testing.T) {
	store := &ceremony.MemStore{}
	x := newHandlerFlow(t, &HandlerOptions{Store: store})
	var o ceremony.RequestOptionsJSON
	for range 4 * ceremony.DefaultMaxPerClient {
		wantException(t, "begin", x.do("/webauthn/login/begin", `{}`, &o), "")
	}
	if n := store.Len(); n != ceremony.DefaultMaxPerClient {
		t.Fatalf("one session holds %d challenges, want %d", n, ceremony.DefaultMaxPerClient)
	}
}

// TestTargetedLockout (item 5): anonymous begins naming a user, from other
// sessions, do not make that user's own sign-in fail.
func TestTargetedLockout(t *testing.T) {
	h := newHandlerFlow(t, nil).h
	alice := flowOn(t, h, "alice")
	wantException(t, "register", alice.register("alice"), "")
	var o ceremony.RequestOptionsJSON
	for i := range 4 * ceremony.DefaultMaxPerClient {
		mallory := flowOn(t, h, "mallory")
		wantException(t, "anonymous begin "+string(rune('a'+i%26)), mallory.do("/webauthn/login/begin", `{"username":"alice"}`, &o), "")
	}
	var sum AssertionSummary
	_, e := alice.login("alice", nil, &sum)
	wantException(t, "alice signs in", e, "")
	wantException(t, "alice registers again (needs CanRegister)", alice.register("alice"), webauthn.ExceptionNotAuthorized)
}

// TestUVDowngrade (item 3): a begin request asking for less user
// verification than the operator configured gets the operator's.
func TestUVDowngrade(t *testing.T) {
	x := newHandlerFlow(t, &HandlerOptions{UserVerification: ceremony.UserVerificationRequired})
	var o ceremony.RequestOptionsJSON
	wantException(t, "begin", x.do("/webauthn/login/begin", `{"userVerification":"discouraged"}`, &o), "")
	if o.UserVerification != ceremony.UserVerificationRequired {
		t.Fatalf("login options ask for %v, want required", o.UserVerification)
	}
	var c ceremony.CreationOptionsJSON
	wantException(t, "begin", x.do("/webauthn/register/begin", `{"username":"u","userVerification":"discouraged"}`, &c), "")
	if c.AuthenticatorSelection.UserVerification != ceremony.UserVerificationRequired {
		t.Fatalf("creation options ask for %v, want required", c.AuthenticatorSelection.UserVerification)
	}
	// And it is enforced: an authenticator without UV cannot register.
	reg := x.f.Registration("handler", x.key)
	reg.AuthData.Flags = forge.FlagUP
	reg.ClientData.Challenge, _ = base64.RawURLEncoding.DecodeString(c.Challenge)
	cred := string(forge.RegistrationJSON(reg, reg.Object("none", forge.Stmt{})).JSON())
	var sum RegistrationSummary
	wantException(t, "finish without UV", x.do("/webauthn/register/finish", `{"username":"u","credential":`+cred+`}`, &sum), webauthn.ExceptionCredentialNotSupported)
	// With the operator's setting unset the floor is "preferred": a client
	// cannot lower it to "discouraged".
	x = newHandlerFlow(t, nil)
	wantException(t, "begin", x.do("/webauthn/login/begin", `{"userVerification":"discouraged"}`, &o), "")
	if o.UserVerification != ceremony.UserVerificationPreferred {
		t.Fatalf("login options ask for %v, want preferred", o.UserVerification)
	}
	// A client may ask for more than the operator.
	x = newHandlerFlow(t, &HandlerOptions{UserVerification: ceremony.UserVerificationDiscouraged})
	wantException(t, "begin", x.do("/webauthn/login/begin", `{"userVerification":"required"}`, &o), "")
	if o.UserVerification != ceremony.UserVerificationRequired {
		t.Fatalf("login options ask for %v, want required", o.UserVerification)
	}
}

// failingUsers is a UserStore whose every call fails with a cause that
// must not reach the client.
type failingUsers struct{ MemUsers }

var errDial = errors.New("dial tcp 10.1.2.3:6379: connect: connection refused")

func (*failingUsers) Lookup(context.Context, string) (*Account, error) { return nil, errDial }

// TestInternalErrorNotLeaked (item 8): a failing store's error text goes to
// the log, never to the client.
func TestInternalErrorNotLeaked(t *testing.T) {
	var logged bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logged, nil))
	x := newHandlerFlow(t, &HandlerOptions{Users: &failingUsers{}, Logger: log})
	res := post(t, x.h, "/webauthn/register/begin", `{"username":"alice"}`, nil)
	var body bytes.Buffer
	body.ReadFrom(res.Body)
	if res.StatusCode != http.StatusInternalServerError || strings.Contains(body.String(), "10.1.2.3") || strings.Contains(body.String(), "dial") {
		t.Fatalf("status %d body %s", res.StatusCode, body.String())
	}
	if !strings.Contains(body.String(), webauthn.ExceptionInternalError) {
		t.Fatalf("body %s lacks the exception", body.String())
	}
	if !strings.Contains(logged.String(), "10.1.2.3") {
		t.Fatalf("the cause was not logged: %s", logged.String())
	}
}

// TestConcurrentSignIns (issue 21): sign-ins of one credential with
// counters n+1..n+k sent at once leave the largest counter stored, and a
// later sign-in with a counter below it is flagged as a clone, never
// accepted as normal.
func TestConcurrentSignIns(t *testing.T) {
	h := newHandlerFlow(t, nil).h
	owner := flowOn(t, h, "owner")
	wantException(t, "register", owner.register("owner"), "")
	const k = 16
	bodies := make([]string, k)
	clients := make([]*handlerFlow, k)
	for i := range k {
		c := flowOn(t, h, "owner") // the same authenticator, another session
		var o ceremony.RequestOptionsJSON
		wantException(t, "begin", c.do("/webauthn/login/begin", `{"username":"owner"}`, &o), "")
		c.count = uint32(i) // assertion() counts up by one first
		bodies[i] = c.assertion(&o, "owner", nil)
		clients[i] = c
	}
	var wg sync.WaitGroup
	for i := range k {
		wg.Go(func() {
			var sum AssertionSummary
			if e := clients[i].do("/webauthn/login/finish", bodies[i], &sum); e != nil {
				t.Errorf("sign-in %d: %+v", i, e)
			}
		})
	}
	wg.Wait()
	a, err := h.Users().Lookup(context.Background(), "owner")
	if err != nil {
		t.Fatal(err)
	}
	if got := a.Credentials[0].SignCount; got != k {
		t.Fatalf("stored counter %d after counters 1..%d, want %d", got, k, k)
	}
	late := flowOn(t, h, "owner")
	late.count = k / 2
	var sum AssertionSummary
	if _, e := late.login("owner", nil, &sum); e != nil {
		t.Fatal(e)
	}
	if !sum.CloneSuspected {
		t.Fatalf("a counter of %d after %d was not flagged: %+v", k/2+1, k, sum)
	}
}
