package ceremony_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/ceremony"
	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/internal/errtest"
	"github.com/passkeykit/webauthn/internal/forge"
)

// stateKey returns a Stateless key derived from label.
func stateKey(label string) []byte {
	k := sha256.Sum256([]byte("state key " + label))
	return k[:]
}

// newStateless is a Stateless over the fixture's RelyingParty and clock.
func newStateless(t *testing.T, keys ...[]byte) (*lcFixture, *ceremony.Stateless) {
	t.Helper()
	x := newLifecycle(t)
	if len(keys) == 0 {
		keys = [][]byte{stateKey("k1")}
	}
	return x, &ceremony.Stateless{Lifecycle: ceremony.Lifecycle{RP: x.lc.RP, RPName: "Example"}, Keys: keys}
}

// startReg starts a registration of alice for clientID and forges its
// response with flags.
func startReg(t *testing.T, x *lcFixture, s *ceremony.Stateless, clientID string, opts *ceremony.RegistrationOptions, flags byte) (state, resp []byte) {
	t.Helper()
	o, state, err := s.StartRegistration(context.Background(), alice, clientID, opts)
	if err != nil {
		t.Fatal(err)
	}
	return state, x.regResponse(t, o, "cred", flags)
}

func TestStatelessRegistration(t *testing.T) {
	ctx := context.Background()
	x, s := newStateless(t)
	o, state, err := s.StartRegistration(ctx, alice, "client-a", nil)
	if err != nil {
		t.Fatal(err)
	}
	chal, _ := b64u.DecodeString(o.Challenge)
	if o.RP.Name != "Example" || o.User.ID != b64u.EncodeToString(alice.ID) || len(chal) != 32 {
		t.Fatalf("options %+v", o)
	}
	// Confidential: neither the challenge nor the user handle shows.
	if bytes.Contains(state, chal) || bytes.Contains(state, alice.ID) || bytes.Contains(state, []byte("client-a")) {
		t.Fatal("the state shows what it seals")
	}
	resp := x.regResponse(t, o, "cred", forge.FlagUP|forge.FlagUV)
	var reg webauthn.Registration
	if err := s.CompleteRegistration(ctx, state, alice.ID, "client-a", resp, &reg); err != nil {
		t.Fatal(err)
	}
	if reg.CredentialID == nil || reg.Algorithm != cose.ES256 {
		t.Fatalf("registration %+v", reg)
	}
	// Without Spent, a state completes again until it expires: the
	// documented replay window.
	if err := s.CompleteRegistration(ctx, state, alice.ID, "client-a", resp, &reg); err != nil {
		t.Fatalf("replay without Spent: %v", err)
	}
	// A state without its options' challenge in the response is refused.
	_, other := startReg(t, x, s, "client-a", nil, forge.FlagUP)
	errtest.WantFault(t, s.CompleteRegistration(ctx, state, alice.ID, "client-a", other, &reg), webauthn.ErrChallengeNotFound)
}

func TestStatelessAuthentication(t *testing.T) {
	ctx := context.Background()
	x, s := newStateless(t)
	key, stored, lookup := x.credential()
	o, state, err := s.StartAuthentication(ctx, alice.ID, "client-a", &ceremony.AuthenticationOptions{AllowCredentials: []webauthn.Credential{*stored}})
	if err != nil {
		t.Fatal(err)
	}
	var as webauthn.Assertion
	resp := authResponse(t, o, key, stored.ID, nil, forge.FlagUP|forge.FlagUV, false)
	if err := s.CompleteAuthentication(ctx, state, alice.ID, "client-a", resp, lookup, &as); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(as.CredentialID, stored.ID) || as.SignCount != 7 {
		t.Fatalf("assertion %+v", as)
	}
	// allowCredentials is carried in the state (§7.2 step 5).
	o, state, _ = s.StartAuthentication(ctx, alice.ID, "client-a", &ceremony.AuthenticationOptions{AllowCredentials: []webauthn.Credential{{ID: []byte("another credential")}}})
	resp = authResponse(t, o, key, stored.ID, nil, forge.FlagUP|forge.FlagUV, false)
	errtest.WantFault(t, s.CompleteAuthentication(ctx, state, alice.ID, "client-a", resp, lookup, &as), webauthn.ErrNotAuthorized)
	// A bad signature fails as in the stateful path.
	o, state, _ = s.StartAuthentication(ctx, alice.ID, "client-a", nil)
	resp = authResponse(t, o, key, stored.ID, nil, forge.FlagUP|forge.FlagUV, true)
	errtest.WantFault(t, s.CompleteAuthentication(ctx, state, alice.ID, "client-a", resp, lookup, &as), webauthn.ErrNotAuthorized)
	// Username-less: no user at either end, the userHandle identifies.
	o, state, _ = s.StartAuthentication(ctx, nil, "client-a", nil)
	resp = authResponse(t, o, key, stored.ID, alice.ID, forge.FlagUP|forge.FlagUV, false)
	errtest.WantFault(t, s.CompleteAuthentication(ctx, state, alice.ID, "client-a", resp, lookup, &as), webauthn.ErrChallengeNotFound)
	if err := s.CompleteAuthentication(ctx, state, nil, "client-a", resp, lookup, &as); err != nil {
		t.Fatal(err)
	}
}

// TestStatelessOptionsCarried: what the options asked for reaches Complete.
func TestStatelessOptionsCarried(t *testing.T) {
	ctx := context.Background()
	x, s := newStateless(t)
	var reg webauthn.Registration
	for _, tc := range []struct {
		name  string
		opts  *ceremony.RegistrationOptions
		flags byte
		want  error
	}{
		{"conditional, UP clear", &ceremony.RegistrationOptions{Conditional: true}, forge.FlagUV, nil},
		{"modal, UP clear (§7.1 step 15)", nil, forge.FlagUV, webauthn.ErrCredentialNotSupported},
		{"UV required, UV clear (§7.1 step 16)", &ceremony.RegistrationOptions{UserVerification: ceremony.UserVerificationRequired}, forge.FlagUP, webauthn.ErrCredentialNotSupported},
		{"UV preferred, UV clear", nil, forge.FlagUP, nil},
		{"ES256 not offered (§7.1 step 20)", &ceremony.RegistrationOptions{Algorithms: []cose.Algorithm{cose.RS256}}, forge.FlagUP | forge.FlagUV, webauthn.ErrCredentialNotSupported},
		{"ES256 offered", &ceremony.RegistrationOptions{Algorithms: []cose.Algorithm{cose.ES256}}, forge.FlagUP | forge.FlagUV, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			state, resp := startReg(t, x, s, "c", tc.opts, tc.flags)
			err := s.CompleteRegistration(ctx, state, alice.ID, "c", resp, &reg)
			if tc.want == nil && err != nil {
				t.Fatal(err)
			}
			if tc.want != nil {
				errtest.WantFault(t, err, tc.want)
			}
		})
	}
}

// TestStatelessTamper: a state altered in any byte, cut short or extended
// does not open; the untouched state then does.
func TestStatelessTamper(t *testing.T) {
	ctx := context.Background()
	x, s := newStateless(t)
	state, resp := startReg(t, x, s, "c", nil, forge.FlagUP|forge.FlagUV)
	var reg webauthn.Registration
	bad := bytes.Clone(state)
	for i := range bad {
		for _, mask := range []byte{0x01, 0x80, 0xff} {
			bad[i] ^= mask
			errtest.WantFault(t, s.CompleteRegistration(ctx, bad, alice.ID, "c", resp, &reg), webauthn.ErrChallengeNotFound)
			bad[i] ^= mask
		}
	}
	for n := range len(state) {
		errtest.WantFault(t, s.CompleteRegistration(ctx, state[:n], alice.ID, "c", resp, &reg), webauthn.ErrChallengeNotFound)
	}
	errtest.WantFault(t, s.CompleteRegistration(ctx, append(bytes.Clone(state), 0), alice.ID, "c", resp, &reg), webauthn.ErrChallengeNotFound)
	if err := s.CompleteRegistration(ctx, state, alice.ID, "c", resp, &reg); err != nil {
		t.Fatal(err)
	}
}

// TestStatelessExpiry: a state completes up to and including its expiry,
// Lifecycle.Timeout after Start, and never after.
func TestStatelessExpiry(t *testing.T) {
	ctx := context.Background()
	x, s := newStateless(t)
	s.Lifecycle.Timeout = time.Minute
	var reg webauthn.Registration
	state, resp := startReg(t, x, s, "c", nil, forge.FlagUP|forge.FlagUV)
	x.clk.Advance(time.Minute)
	if err := s.CompleteRegistration(ctx, state, alice.ID, "c", resp, &reg); err != nil {
		t.Fatalf("at the expiry: %v", err)
	}
	state, resp = startReg(t, x, s, "c", nil, forge.FlagUP|forge.FlagUV)
	x.clk.Advance(time.Minute + time.Nanosecond)
	errtest.WantFault(t, s.CompleteRegistration(ctx, state, alice.ID, "c", resp, &reg), webauthn.ErrChallengeNotFound)
}

// TestStatelessBinding: a state completes only for its client, user,
// ceremony and RP ID.
func TestStatelessBinding(t *testing.T) {
	ctx := context.Background()
	x, s := newStateless(t)
	s.Spent = &ceremony.MemSpent{}
	var reg webauthn.Registration
	var as webauthn.Assertion
	key, stored, lookup := x.credential()

	state, resp := startReg(t, x, s, "client-a", nil, forge.FlagUP|forge.FlagUV)
	errtest.WantFault(t, s.CompleteRegistration(ctx, state, alice.ID, "client-b", resp, &reg), webauthn.ErrClientMismatch)
	errtest.WantFault(t, s.CompleteRegistration(ctx, state, []byte("user-bob"), "client-a", resp, &reg), webauthn.ErrChallengeNotFound)
	// A registration state handed to CompleteAuthentication (with a
	// response carrying its challenge) is not found.
	chal := challengeOf(t, resp)
	authResp := authResponse(t, &ceremony.RequestOptionsJSON{Challenge: b64u.EncodeToString(chal)}, key, stored.ID, nil, forge.FlagUP|forge.FlagUV, false)
	errtest.WantFault(t, s.CompleteAuthentication(ctx, state, alice.ID, "client-a", authResp, lookup, &as), webauthn.ErrChallengeNotFound)
	// Same key, another RP ID.
	rp2 := &webauthn.RelyingParty{RPID: "example.com", Origins: []string{"https://example.org"}, Clock: x.clk.Now}
	s2 := &ceremony.Stateless{Lifecycle: ceremony.Lifecycle{RP: rp2}, Keys: s.Keys}
	errtest.WantFault(t, s2.CompleteRegistration(ctx, state, alice.ID, "client-a", resp, &reg), webauthn.ErrChallengeNotFound)
	// None of the refusals spent it.
	if err := s.CompleteRegistration(ctx, state, alice.ID, "client-a", resp, &reg); err != nil {
		t.Fatal(err)
	}

	o, astate, _ := s.StartAuthentication(ctx, alice.ID, "client-a", nil)
	authResp = authResponse(t, o, key, stored.ID, nil, forge.FlagUP|forge.FlagUV, false)
	regResp := x.regResponse(t, &ceremony.CreationOptionsJSON{Challenge: o.Challenge}, "cred", forge.FlagUP|forge.FlagUV)
	errtest.WantFault(t, s.CompleteRegistration(ctx, astate, alice.ID, "client-a", regResp, &reg), webauthn.ErrChallengeNotFound)
	errtest.WantFault(t, s.CompleteAuthentication(ctx, astate, alice.ID, "client-b", authResp, lookup, &as), webauthn.ErrClientMismatch)
	errtest.WantFault(t, s.CompleteAuthentication(ctx, astate, nil, "client-a", authResp, lookup, &as), webauthn.ErrChallengeNotFound)
	if err := s.CompleteAuthentication(ctx, astate, alice.ID, "client-a", authResp, lookup, &as); err != nil {
		t.Fatal(err)
	}
}

// challengeOf returns the challenge of a RegistrationResponseJSON.
func challengeOf(t *testing.T, resp []byte) []byte {
	t.Helper()
	var keys webauthn.ResponseKeys
	if err := (&webauthn.RelyingParty{RPID: "example.org", Origins: []string{"https://example.org"}}).PeekRegistration(resp, &keys); err != nil {
		t.Fatal(err)
	}
	return keys.Challenge
}

// TestStatelessKeyRotation: Keys[0] seals, every key opens; a state sealed
// under a key no longer held does not open.
func TestStatelessKeyRotation(t *testing.T) {
	ctx := context.Background()
	k1, k2 := stateKey("k1"), stateKey("k2")
	x, old := newStateless(t, k1)
	rotated := &ceremony.Stateless{Lifecycle: ceremony.Lifecycle{RP: old.Lifecycle.RP}, Keys: [][]byte{k2, k1}}
	retired := &ceremony.Stateless{Lifecycle: ceremony.Lifecycle{RP: old.Lifecycle.RP}, Keys: [][]byte{k2}}
	var reg webauthn.Registration
	for _, tc := range []struct {
		name       string
		seal, open *ceremony.Stateless
		ok         bool
	}{
		{"old key, rotated", old, rotated, true},
		{"old key, retired", old, retired, false},
		{"rotated, new key only", rotated, retired, true},
		{"rotated, old key only", rotated, old, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			state, resp := startReg(t, x, tc.seal, "c", nil, forge.FlagUP|forge.FlagUV)
			err := tc.open.CompleteRegistration(ctx, state, alice.ID, "c", resp, &reg)
			if tc.ok && err != nil {
				t.Fatal(err)
			}
			if !tc.ok {
				errtest.WantFault(t, err, webauthn.ErrChallengeNotFound)
			}
		})
	}
}

// TestStatelessSpent: with Spent, a state completes once. A failed
// verification spends nothing (unlike the stateful path, whose store
// consumes the challenge first): junk completions cannot fill Spent, and a
// failed response fails again on replay.
func TestStatelessSpent(t *testing.T) {
	ctx := context.Background()
	x, s := newStateless(t)
	s.Spent = &ceremony.MemSpent{}
	var reg webauthn.Registration
	state, resp := startReg(t, x, s, "c", nil, forge.FlagUP|forge.FlagUV)
	if err := s.CompleteRegistration(ctx, state, alice.ID, "c", resp, &reg); err != nil {
		t.Fatal(err)
	}
	errtest.WantFault(t, s.CompleteRegistration(ctx, state, alice.ID, "c", resp, &reg), webauthn.ErrChallengeNotFound)

	o, state, _ := s.StartRegistration(ctx, alice, "c", &ceremony.RegistrationOptions{UserVerification: ceremony.UserVerificationRequired})
	errtest.WantFault(t, s.CompleteRegistration(ctx, state, alice.ID, "c", x.regResponse(t, o, "cred", forge.FlagUP), &reg), webauthn.ErrCredentialNotSupported)
	good := x.regResponse(t, o, "cred", forge.FlagUP|forge.FlagUV)
	if err := s.CompleteRegistration(ctx, state, alice.ID, "c", good, &reg); err != nil {
		t.Fatalf("a verified response after a failed one: %v", err)
	}
	errtest.WantFault(t, s.CompleteRegistration(ctx, state, alice.ID, "c", good, &reg), webauthn.ErrChallengeNotFound)

	// Of concurrent completions of one state, exactly one succeeds.
	state, resp = startReg(t, x, s, "c", nil, forge.FlagUP|forge.FlagUV)
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			var reg webauthn.Registration
			switch err := s.CompleteRegistration(ctx, state, alice.ID, "c", resp, &reg); {
			case err == nil:
				wins.Add(1)
			case !errors.Is(err, webauthn.ErrChallengeNotFound):
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d completions of one state", wins.Load())
	}

	// What a failing Spent answers.
	for _, tc := range []struct {
		err  error
		want error
	}{
		{ceremony.ErrStoreFull, webauthn.ErrTooManyRequests},
		{ceremony.ErrNotFound, webauthn.ErrChallengeNotFound},
		{errors.New("redis is down"), webauthn.ErrInternal},
	} {
		s.Spent = spentFunc(func(context.Context, []byte, time.Time, time.Time) error { return tc.err })
		state, resp := startReg(t, x, s, "c", nil, forge.FlagUP|forge.FlagUV)
		errtest.WantFault(t, s.CompleteRegistration(ctx, state, alice.ID, "c", resp, &reg), tc.want)
	}
}

// TestStatelessSpentNotFilledByJunk (security review F3): completions whose
// response does not verify record nothing, so anyone issuing states and
// answering them with junk cannot fill a bounded Spent and lock out every
// other client.
func TestStatelessSpentNotFilledByJunk(t *testing.T) {
	ctx := context.Background()
	x, s := newStateless(t)
	s.Spent = &ceremony.MemSpent{Max: 4}
	var reg webauthn.Registration
	for i := range 16 {
		o, state, err := s.StartRegistration(ctx, alice, "mallory-"+string(rune('a'+i)), nil)
		if err != nil {
			t.Fatal(err)
		}
		junk := x.regResponse(t, o, "junk", forge.FlagUV) // UP clear: refused at §7.1 step 15
		errtest.WantFault(t, s.CompleteRegistration(ctx, state, alice.ID, "mallory-"+string(rune('a'+i)), junk, &reg), webauthn.ErrCredentialNotSupported)
	}
	state, resp := startReg(t, x, s, "c", nil, forge.FlagUP|forge.FlagUV)
	if err := s.CompleteRegistration(ctx, state, alice.ID, "c", resp, &reg); err != nil {
		t.Fatalf("a genuine completion after junk ones: %v", err)
	}
}

type spentFunc func(ctx context.Context, challenge []byte, expires, now time.Time) error

func (f spentFunc) Spend(ctx context.Context, challenge []byte, expires, now time.Time) error {
	return f(ctx, challenge, expires, now)
}

func TestMemSpent(t *testing.T) {
	ctx := context.Background()
	now := forge.Epoch
	s := &ceremony.MemSpent{Max: 2}
	a, b, c := []byte("challenge-a"), []byte("challenge-b"), []byte("challenge-c")
	if s.Spend(ctx, a, now.Add(time.Minute), now) != nil || s.Spend(ctx, b, now.Add(2*time.Minute), now) != nil {
		t.Fatal("spending fresh states failed")
	}
	if err := s.Spend(ctx, a, now.Add(time.Minute), now); !errors.Is(err, ceremony.ErrNotFound) {
		t.Fatalf("spent twice: %v", err)
	}
	// Max+1: refused, never by forgetting a live entry.
	if err := s.Spend(ctx, c, now.Add(time.Minute), now); !errors.Is(err, ceremony.ErrStoreFull) {
		t.Fatalf("over Max: %v", err)
	}
	// At a's expiry it is still recorded; past it, it makes room.
	if err := s.Spend(ctx, c, now.Add(time.Minute), now.Add(time.Minute)); !errors.Is(err, ceremony.ErrStoreFull) {
		t.Fatalf("at the expiry: %v", err)
	}
	later := now.Add(time.Minute + time.Nanosecond)
	if err := s.Spend(ctx, c, now.Add(3*time.Minute), later); err != nil {
		t.Fatal(err)
	}
	if s.Len() != 2 {
		t.Fatalf("Len = %d", s.Len())
	}
	if err := s.Spend(ctx, b, now.Add(2*time.Minute), later); !errors.Is(err, ceremony.ErrNotFound) {
		t.Fatalf("b spent twice: %v", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := (&ceremony.MemSpent{}).Spend(cancelled, a, later, now); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

// TestMemSpentAfterExpiry: a state spent after its expiry is refused, so
// that an entry forgotten once expired can never be spent again. Before the
// fix, Spend purged expired entries before looking the challenge up: two
// completions of one state that both consumed it in time and spent it after
// its expiry (slow verification) both succeeded, a replay (review finding;
// the second spend below returned nil).
func TestMemSpentAfterExpiry(t *testing.T) {
	ctx := context.Background()
	now := forge.Epoch
	expires := now.Add(time.Minute)
	late := expires.Add(time.Nanosecond)
	s := &ceremony.MemSpent{}
	first := s.Spend(ctx, []byte("challenge"), expires, late)
	second := s.Spend(ctx, []byte("challenge"), expires, late.Add(time.Second))
	if first == nil && second == nil {
		t.Fatal("one challenge spent twice after its expiry")
	}
	for _, err := range []error{first, second} {
		if !errors.Is(err, ceremony.ErrNotFound) {
			t.Fatalf("spend after the expiry: %v, want ErrNotFound", err)
		}
	}
	// In time, then again after the expiry: the second is refused too.
	if err := s.Spend(ctx, []byte("other"), expires, expires); err != nil {
		t.Fatal(err)
	}
	if err := s.Spend(ctx, []byte("other"), expires, late); !errors.Is(err, ceremony.ErrNotFound) {
		t.Fatalf("spent again after the expiry: %v", err)
	}
}

func TestStatelessConfiguration(t *testing.T) {
	ctx := context.Background()
	k := stateKey("k")
	var reg webauthn.Registration
	for _, tc := range []struct {
		name string
		keys [][]byte
		ok   bool
	}{
		{"no key", nil, false},
		{"short key", [][]byte{k[:31]}, false},
		{"long key", [][]byte{append(bytes.Clone(k), 0)}, false},
		{"MaxStateKeys", [][]byte{k, k, k, k}, true},
		{"MaxStateKeys+1", [][]byte{k, k, k, k, k}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.keys) == 4 && ceremony.MaxStateKeys != 4 {
				t.Fatal("MaxStateKeys changed: update the table")
			}
			x, s := newStateless(t)
			s.Keys = tc.keys
			o, state, err := s.StartRegistration(ctx, alice, "c", nil)
			if !tc.ok {
				errtest.WantFault(t, err, webauthn.ErrConfigurationMissing)
				errtest.WantFault(t, s.CompleteRegistration(ctx, []byte("state"), alice.ID, "c", []byte("{}"), &reg), webauthn.ErrConfigurationMissing)
				var as webauthn.Assertion
				errtest.WantFault(t, s.CompleteAuthentication(ctx, []byte("state"), nil, "c", []byte("{}"), nil, &as), webauthn.ErrConfigurationMissing)
				_, _, err = s.StartAuthentication(ctx, nil, "c", nil)
				errtest.WantFault(t, err, webauthn.ErrConfigurationMissing)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := s.CompleteRegistration(ctx, state, alice.ID, "c", x.regResponse(t, o, "cred", forge.FlagUP), &reg); err != nil {
				t.Fatal(err)
			}
		})
	}

	// A Store of one's own is refused: the state would not be sealed.
	_, s := newStateless(t)
	s.Lifecycle.Store = &ceremony.MemStore{}
	_, _, err := s.StartRegistration(ctx, alice, "c", nil)
	errtest.WantFault(t, err, webauthn.ErrConfigurationMissing)

	// The Lifecycle called directly fails closed.
	x, s := newStateless(t)
	state, resp := startReg(t, x, s, "c", nil, forge.FlagUP)
	_, err = s.Lifecycle.StartRegistration(ctx, alice, "c", nil)
	errtest.WantFault(t, err, webauthn.ErrInternal)
	if !errors.Is(err, ceremony.ErrStatelessStore) {
		t.Fatalf("err = %v", err)
	}
	err = s.Lifecycle.CompleteRegistration(ctx, alice.ID, "c", resp, &reg)
	errtest.WantFault(t, err, webauthn.ErrInternal)
	if err := s.CompleteRegistration(ctx, state, alice.ID, "c", resp, &reg); err != nil {
		t.Fatal(err)
	}

	// The zero Stateless with keys: no RelyingParty.
	z := &ceremony.Stateless{Keys: [][]byte{k}}
	_, _, err = z.StartRegistration(ctx, alice, "c", nil)
	errtest.WantFault(t, err, webauthn.ErrConfigurationMissing)
	errtest.WantFault(t, z.CompleteRegistration(ctx, state, alice.ID, "c", resp, &reg), webauthn.ErrConfigurationMissing)
}

// TestStatelessStateSize: allowCredentials that would make the state longer
// than MaxStateSize are refused at Start.
func TestStatelessStateSize(t *testing.T) {
	ctx := context.Background()
	_, s := newStateless(t)
	creds := make([]webauthn.Credential, ceremony.MaxStateSize/1023+1)
	for i := range creds {
		creds[i].ID = bytes.Repeat([]byte{byte(i)}, 1023)
	}
	_, _, err := s.StartAuthentication(ctx, alice.ID, "c", &ceremony.AuthenticationOptions{AllowCredentials: creds})
	errtest.WantFault(t, err, webauthn.ErrLimitExceeded)
	_, state, err := s.StartAuthentication(ctx, alice.ID, "c", &ceremony.AuthenticationOptions{AllowCredentials: creds[:ceremony.DefaultMaxCredentials]})
	if err != nil {
		t.Fatal(err)
	}
	if len(state) > ceremony.MaxStateSize+ceremony.StateOverhead {
		t.Fatalf("state of %d bytes", len(state))
	}
}
