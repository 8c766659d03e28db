package ceremony_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/ceremony"
	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/internal/errtest"
	"github.com/passkeykit/webauthn/internal/forge"
	"github.com/passkeykit/webauthn/internal/storetest"
)

var b64u = base64.RawURLEncoding

// lcFixture is a Lifecycle over a MemStore with a clock the test moves.
type lcFixture struct {
	clk *storetest.FakeClock
	lc  *ceremony.Lifecycle
	f   *forge.Forge
}

func newLifecycle(t *testing.T) *lcFixture {
	t.Helper()
	clk := storetest.NewFakeClock(forge.Epoch.AddDate(1, 0, 0))
	rp := &webauthn.RelyingParty{
		RPID:       "example.org",
		Origins:    []string{"https://example.org"},
		Algorithms: []cose.Algorithm{cose.ES256, cose.RS256},
		Clock:      clk.Now,
	}
	return &lcFixture{clk: clk, lc: &ceremony.Lifecycle{RP: rp, RPName: "Example"}, f: forge.New("lifecycle")}
}

var alice = ceremony.User{ID: []byte("user-alice-0001"), Name: "alice@example.org", DisplayName: "Alice"}

// regResponse forges a "none" RegistrationResponseJSON answering the
// challenge in opts, with the authenticator flags given.
func (x *lcFixture) regResponse(t *testing.T, opts *ceremony.CreationOptionsJSON, label string, flags byte) []byte {
	t.Helper()
	chal, err := b64u.DecodeString(opts.Challenge)
	if err != nil {
		t.Fatal(err)
	}
	reg := x.f.Registration(label, x.f.Key(label, cose.ES256))
	reg.ClientData.Challenge = chal
	reg.AuthData.Flags = flags
	r := forge.RegistrationJSON(reg, reg.Object("none", forge.Stmt{}), "internal")
	r.Extensions = `{"credProps":{"rk":true}}`
	return r.JSON()
}

// startRegistration starts a registration for alice by clientID and forges
// the response to it, with UP and UV.
func (x *lcFixture) startRegistration(t *testing.T, clientID string) (*ceremony.CreationOptionsJSON, []byte) {
	t.Helper()
	opts, err := x.lc.StartRegistration(context.Background(), alice, clientID, nil)
	if err != nil {
		t.Fatal(err)
	}
	return opts, x.regResponse(t, opts, "cred", forge.FlagUP|forge.FlagUV)
}

// credential returns alice's stored ES256 credential, its key, and a lookup
// that finds it by its ID and alice's user handle.
func (x *lcFixture) credential() (*forge.Key, *webauthn.Credential, ceremony.CredentialLookup) {
	key := x.f.Key("auth", cose.ES256)
	stored := &webauthn.Credential{ID: x.f.Bytes("credid/auth", 16), PublicKey: key.COSE(), UserHandle: alice.ID}
	return key, stored, func(_ context.Context, user, id []byte) (*webauthn.Credential, error) {
		if bytes.Equal(id, stored.ID) && bytes.Equal(user, alice.ID) {
			return stored, nil
		}
		return nil, nil
	}
}

// authResponse forges an AuthenticationResponseJSON by key for credential id
// answering the challenge in opts; userHandle nil leaves it out.
func authResponse(t *testing.T, opts *ceremony.RequestOptionsJSON, key *forge.Key, id, userHandle []byte, flags byte, badSig bool) []byte {
	t.Helper()
	chal, err := b64u.DecodeString(opts.Challenge)
	if err != nil {
		t.Fatal(err)
	}
	ad := (&forge.AuthData{RPID: "example.org", Flags: flags, SignCount: 7}).Bytes()
	cd := forge.ClientData{Type: "webauthn.get", Challenge: chal, Origin: "https://example.org"}
	cdj := cd.JSON()
	h := sha256.Sum256(cdj)
	sig := key.Sign(ad, h[:])
	if badSig {
		sig[len(sig)-1] ^= 1
	}
	r := forge.AssertionJSON(id, cdj, ad, sig)
	r.UserHandle = userHandle
	return r.JSON()
}

func TestStartRegistrationOptions(t *testing.T) {
	x := newLifecycle(t)
	existing := []webauthn.Credential{{ID: []byte{1, 2, 3}}}
	opts, err := x.lc.StartRegistration(context.Background(), alice, "client-a", &ceremony.RegistrationOptions{Credentials: existing})
	if err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(opts)
	if err != nil {
		t.Fatal(err)
	}
	// The JSON form browsers' parseCreationOptionsFromJSON reads.
	var got struct {
		RP   struct{ ID, Name string }
		User struct {
			ID          string `json:"id"`
			Name        string `json:"name"`
			DisplayName string `json:"displayName"`
		}
		Challenge        string
		PubKeyCredParams []struct {
			Type string
			Alg  int64
		}
		Timeout                int64
		ExcludeCredentials     []struct{ ID, Type string }
		AuthenticatorSelection struct {
			ResidentKey        string
			RequireResidentKey bool
			UserVerification   string
		}
		Attestation string
		Extensions  struct{ CredProps bool }
	}
	if err := json.Unmarshal(js, &got); err != nil {
		t.Fatal(err)
	}
	chal, err := b64u.DecodeString(got.Challenge)
	if err != nil || len(chal) < ceremony.MinChallengeSize {
		t.Fatalf("challenge %q: %v", got.Challenge, err)
	}
	uid, _ := b64u.DecodeString(got.User.ID)
	if got.RP.ID != "example.org" || got.RP.Name != "Example" || !bytes.Equal(uid, alice.ID) ||
		got.User.Name != alice.Name || got.User.DisplayName != "Alice" ||
		len(got.PubKeyCredParams) != 2 || got.PubKeyCredParams[0].Alg != -7 || got.PubKeyCredParams[1].Alg != -257 ||
		got.PubKeyCredParams[0].Type != "public-key" || got.Timeout != 300000 ||
		len(got.ExcludeCredentials) != 1 || got.ExcludeCredentials[0].ID != "AQID" ||
		got.AuthenticatorSelection.ResidentKey != "required" || !got.AuthenticatorSelection.RequireResidentKey ||
		got.AuthenticatorSelection.UserVerification != "preferred" || got.Attestation != "none" || !got.Extensions.CredProps {
		t.Fatalf("options JSON %s", js)
	}
}

func TestLifecycleRandom(t *testing.T) {
	x := newLifecycle(t)
	x.lc.Rand = bytes.NewReader(bytes.Repeat([]byte{0xab}, 32))
	opts, err := x.lc.StartRegistration(context.Background(), alice, "c", nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := b64u.EncodeToString(bytes.Repeat([]byte{0xab}, 32)); opts.Challenge != want {
		t.Fatalf("challenge %s, want %s from Rand", opts.Challenge, want)
	}
	// Rand exhausted: InternalErrorException.
	_, err = x.lc.StartRegistration(context.Background(), alice, "c", nil)
	errtest.WantFault(t, err, webauthn.ErrInternal)
}

func TestRegistrationLifecycle(t *testing.T) {
	ctx := context.Background()
	x := newLifecycle(t)
	_, resp := x.startRegistration(t, "client-a")
	var reg webauthn.Registration

	// Malformed responses consume nothing.
	err := x.lc.CompleteRegistration(ctx, alice.ID, "client-a", resp[:len(resp)-1], &reg)
	errtest.WantFault(t, err, webauthn.ErrMalformed)
	// Another client cannot use (or burn) it; another user cannot find it.
	err = x.lc.CompleteRegistration(ctx, alice.ID, "client-b", resp, &reg)
	errtest.WantFault(t, err, webauthn.ErrClientMismatch)
	err = x.lc.CompleteRegistration(ctx, []byte("user-bob"), "client-a", resp, &reg)
	errtest.WantFault(t, err, webauthn.ErrChallengeNotFound)

	if err := x.lc.CompleteRegistration(ctx, alice.ID, "client-a", resp, &reg); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(reg.CredentialID, x.f.Bytes("credid/cred", 16)) || reg.Algorithm != cose.ES256 {
		t.Fatalf("registration %+v", reg)
	}
	// Replay.
	err = x.lc.CompleteRegistration(ctx, alice.ID, "client-a", resp, &reg)
	errtest.WantFault(t, err, webauthn.ErrChallengeNotFound)

	// A registration response sent to the authentication Complete.
	_, resp = x.startRegistration(t, "client-a")
	var as webauthn.Assertion
	err = x.lc.CompleteAuthentication(ctx, alice.ID, "client-a", resp, nil, &as)
	errtest.WantFault(t, err, webauthn.ErrMalformed)

	// Expiry: valid at the timeout, gone 1ns later.
	x.clk.Advance(ceremony.DefaultChallengeTimeout)
	if err := x.lc.CompleteRegistration(ctx, alice.ID, "client-a", resp, &reg); err != nil {
		t.Fatalf("at the timeout: %v", err)
	}
	_, resp = x.startRegistration(t, "client-a")
	x.clk.Advance(ceremony.DefaultChallengeTimeout + time.Nanosecond)
	err = x.lc.CompleteRegistration(ctx, alice.ID, "client-a", resp, &reg)
	errtest.WantFault(t, err, webauthn.ErrChallengeNotFound)

	// A challenge the RP never issued.
	err = x.lc.CompleteRegistration(ctx, alice.ID, "client-a", x.regResponse(t, &ceremony.CreationOptionsJSON{Challenge: b64u.EncodeToString(make([]byte, 32))}, "cred", forge.FlagUP), &reg)
	errtest.WantFault(t, err, webauthn.ErrChallengeNotFound)
	err = x.lc.CompleteRegistration(ctx, alice.ID, "client-a", x.regResponse(t, &ceremony.CreationOptionsJSON{Challenge: "AAAA"}, "cred", forge.FlagUP), &reg)
	errtest.WantFault(t, err, webauthn.ErrChallengeNotFound)
}

func TestRegistrationLifecycleUserVerification(t *testing.T) {
	ctx := context.Background()
	x := newLifecycle(t)
	opts, _ := x.lc.StartRegistration(ctx, alice, "c", &ceremony.RegistrationOptions{UserVerification: ceremony.UserVerificationRequired})
	var reg webauthn.Registration
	err := x.lc.CompleteRegistration(ctx, alice.ID, "c", x.regResponse(t, opts, "cred", forge.FlagUP), &reg)
	errtest.WantFault(t, err, webauthn.ErrCredentialNotSupported)
	if reg.CredentialID != nil {
		t.Fatal("partial result on error")
	}
	// Spent by the failed attempt.
	err = x.lc.CompleteRegistration(ctx, alice.ID, "c", x.regResponse(t, opts, "cred", forge.FlagUP|forge.FlagUV), &reg)
	errtest.WantFault(t, err, webauthn.ErrChallengeNotFound)
	// "preferred" accepts UV clear.
	opts, _ = x.lc.StartRegistration(ctx, alice, "c", nil)
	if err := x.lc.CompleteRegistration(ctx, alice.ID, "c", x.regResponse(t, opts, "cred", forge.FlagUP), &reg); err != nil {
		t.Fatal(err)
	}
}

func TestStartRegistrationLimits(t *testing.T) {
	ctx := context.Background()
	x := newLifecycle(t)
	creds := make([]webauthn.Credential, ceremony.DefaultMaxCredentials)
	_, err := x.lc.StartRegistration(ctx, alice, "c", &ceremony.RegistrationOptions{Credentials: creds})
	errtest.WantFault(t, err, webauthn.ErrLimitExceeded)
	if _, err := x.lc.StartRegistration(ctx, alice, "c", &ceremony.RegistrationOptions{Credentials: creds[:ceremony.DefaultMaxCredentials-1]}); err != nil {
		t.Fatal(err)
	}
	x.lc.MaxCredentials = 1
	_, err = x.lc.StartRegistration(ctx, alice, "c", &ceremony.RegistrationOptions{Credentials: creds[:1]})
	errtest.WantFault(t, err, webauthn.ErrLimitExceeded)

	// An empty client ID identifies no one.
	_, err = x.lc.StartRegistration(ctx, alice, "", nil)
	errtest.WantFault(t, err, webauthn.ErrMalformed)
	_, err = x.lc.StartAuthentication(ctx, alice.ID, "", nil)
	errtest.WantFault(t, err, webauthn.ErrMalformed)

	for _, id := range [][]byte{nil, make([]byte, 65)} {
		_, err = x.lc.StartRegistration(ctx, ceremony.User{ID: id, Name: "x"}, "c", nil)
		errtest.WantFault(t, err, webauthn.ErrMalformed)
	}
	var zero ceremony.Lifecycle
	_, err = zero.StartRegistration(ctx, alice, "c", nil)
	errtest.WantFault(t, err, webauthn.ErrConfigurationMissing)
	_, err = zero.StartAuthentication(ctx, nil, "c", nil)
	errtest.WantFault(t, err, webauthn.ErrConfigurationMissing)
	var reg webauthn.Registration
	errtest.WantFault(t, zero.CompleteRegistration(ctx, alice.ID, "c", []byte("{}"), &reg), webauthn.ErrConfigurationMissing)
	var as webauthn.Assertion
	errtest.WantFault(t, zero.CompleteAuthentication(ctx, nil, "c", []byte("{}"), nil, &as), webauthn.ErrConfigurationMissing)
	zero.RP = &webauthn.RelyingParty{}
	_, err = zero.StartRegistration(ctx, alice, "c", nil)
	errtest.WantFault(t, err, webauthn.ErrConfigurationMissing)
}

func TestAuthenticationLifecycle(t *testing.T) {
	ctx := context.Background()
	x := newLifecycle(t)
	key := x.f.Key("auth", cose.ES256)
	credID := x.f.Bytes("credid/auth", 16)
	stored := &webauthn.Credential{ID: credID, PublicKey: key.COSE(), SignCount: 1, UserHandle: alice.ID}
	lookups := 0
	lookup := func(_ context.Context, _, id []byte) (*webauthn.Credential, error) {
		lookups++
		if bytes.Equal(id, credID) {
			return stored, nil
		}
		return nil, nil
	}
	opts, err := x.lc.StartAuthentication(ctx, alice.ID, "client-a", &ceremony.AuthenticationOptions{AllowCredentials: []webauthn.Credential{*stored}})
	if err != nil {
		t.Fatal(err)
	}
	if opts.RPID != "example.org" || len(opts.AllowCredentials) != 1 || opts.AllowCredentials[0].ID != b64u.EncodeToString(credID) || opts.UserVerification != ceremony.UserVerificationPreferred {
		t.Fatalf("options %+v", opts)
	}
	resp := authResponse(t, opts, key, credID, nil, forge.FlagUP|forge.FlagUV, false)
	var as webauthn.Assertion
	err = x.lc.CompleteAuthentication(ctx, alice.ID, "client-b", resp, lookup, &as)
	errtest.WantFault(t, err, webauthn.ErrClientMismatch)
	err = x.lc.CompleteAuthentication(ctx, nil, "client-a", resp, lookup, &as)
	errtest.WantFault(t, err, webauthn.ErrChallengeNotFound)
	if err := x.lc.CompleteAuthentication(ctx, alice.ID, "client-a", resp, lookup, &as); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(as.CredentialID, credID) || as.SignCount != 7 {
		t.Fatalf("assertion %+v", as)
	}
	err = x.lc.CompleteAuthentication(ctx, alice.ID, "client-a", resp, lookup, &as)
	errtest.WantFault(t, err, webauthn.ErrChallengeNotFound)

	// A credential outside allowCredentials.
	other := x.f.Key("other", cose.ES256)
	otherID := x.f.Bytes("credid/other", 16)
	opts, _ = x.lc.StartAuthentication(ctx, alice.ID, "client-a", &ceremony.AuthenticationOptions{AllowCredentials: []webauthn.Credential{*stored}})
	err = x.lc.CompleteAuthentication(ctx, alice.ID, "client-a", authResponse(t, opts, other, otherID, nil, forge.FlagUP, false), lookup, &as)
	errtest.WantFault(t, err, webauthn.ErrNotAuthorized)

	// Unknown credential; a credential of another user.
	opts, _ = x.lc.StartAuthentication(ctx, alice.ID, "client-a", nil)
	err = x.lc.CompleteAuthentication(ctx, alice.ID, "client-a", authResponse(t, opts, other, otherID, nil, forge.FlagUP, false), lookup, &as)
	errtest.WantFault(t, err, webauthn.ErrNotAuthorized)
	bob := []byte("user-bob")
	opts, _ = x.lc.StartAuthentication(ctx, bob, "client-a", nil)
	err = x.lc.CompleteAuthentication(ctx, bob, "client-a", authResponse(t, opts, key, credID, nil, forge.FlagUP, false), lookup, &as)
	errtest.WantFault(t, err, webauthn.ErrNotAuthorized)

	// A bad signature spends the challenge.
	opts, _ = x.lc.StartAuthentication(ctx, alice.ID, "client-a", nil)
	err = x.lc.CompleteAuthentication(ctx, alice.ID, "client-a", authResponse(t, opts, key, credID, nil, forge.FlagUP, true), lookup, &as)
	errtest.WantFault(t, err, webauthn.ErrNotAuthorized)
	err = x.lc.CompleteAuthentication(ctx, alice.ID, "client-a", authResponse(t, opts, key, credID, nil, forge.FlagUP, false), lookup, &as)
	errtest.WantFault(t, err, webauthn.ErrChallengeNotFound)

	// userVerification "required" enforced at Complete.
	opts, _ = x.lc.StartAuthentication(ctx, alice.ID, "client-a", &ceremony.AuthenticationOptions{UserVerification: ceremony.UserVerificationRequired})
	err = x.lc.CompleteAuthentication(ctx, alice.ID, "client-a", authResponse(t, opts, key, credID, nil, forge.FlagUP, false), lookup, &as)
	errtest.WantFault(t, err, webauthn.ErrNotAuthorized)

	// Lookup failures.
	opts, _ = x.lc.StartAuthentication(ctx, alice.ID, "client-a", nil)
	boom := errors.New("db down")
	err = x.lc.CompleteAuthentication(ctx, alice.ID, "client-a", authResponse(t, opts, key, credID, nil, forge.FlagUP, false),
		func(context.Context, []byte, []byte) (*webauthn.Credential, error) { return nil, boom }, &as)
	errtest.WantFault(t, err, webauthn.ErrInternal)
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the lookup's error as cause", err)
	}
}

func TestAuthenticationLifecycleUsernameless(t *testing.T) {
	ctx := context.Background()
	x := newLifecycle(t)
	key, stored, lookup := x.credential()
	credID := stored.ID
	var as webauthn.Assertion
	opts, err := x.lc.StartAuthentication(ctx, nil, "client-a", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(opts.AllowCredentials) != 0 {
		t.Fatalf("allowCredentials %v", opts.AllowCredentials)
	}
	// No userHandle: the user cannot be identified.
	err = x.lc.CompleteAuthentication(ctx, nil, "client-a", authResponse(t, opts, key, credID, nil, forge.FlagUP, false), lookup, &as)
	errtest.WantFault(t, err, webauthn.ErrNotAuthorized)

	opts, _ = x.lc.StartAuthentication(ctx, nil, "client-a", nil)
	if err := x.lc.CompleteAuthentication(ctx, nil, "client-a", authResponse(t, opts, key, credID, alice.ID, forge.FlagUP, false), lookup, &as); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(as.UserHandle, alice.ID) {
		t.Fatalf("userHandle %q", as.UserHandle)
	}
}

// fixedStore is a ChallengeStore that hands out the same challenge on every
// Consume, so that testing.AllocsPerRun measures Complete alone.
type fixedStore struct{ c *ceremony.Challenge }

func (s *fixedStore) Put(context.Context, *ceremony.Challenge, time.Time) error { return nil }

func (s *fixedStore) Consume(context.Context, ceremony.Key, time.Time) (*ceremony.Challenge, error) {
	return s.c, nil
}

// lcExtractAllocs is what Complete may allocate on top of the verifier:
// one buffer for the challenge, rawId and userHandle it decodes to find the
// challenge in the store and the credential.
const lcExtractAllocs = 1

// TestLifecycleCompleteAllocs measures what Complete adds to
// VerifyRegistration and VerifyAuthentication: reading the challenge (and
// an assertion's rawId and userHandle) from the response.
func TestLifecycleCompleteAllocs(t *testing.T) {
	ctx := context.Background()
	x := newLifecycle(t)
	st := &fixedStore{}
	x.lc.Store = st
	chal := bytes.Repeat([]byte{7}, 32)
	enc := b64u.EncodeToString(chal)

	resp := x.regResponse(t, &ceremony.CreationOptionsJSON{Challenge: enc}, "cred", forge.FlagUP|forge.FlagUV)
	st.c = &ceremony.Challenge{Ceremony: ceremony.Registration, Value: chal, UserHandle: alice.ID, ClientID: "c", UserVerification: ceremony.UserVerificationRequired}
	var reg webauthn.Registration
	verify := testing.AllocsPerRun(50, func() {
		if err := x.lc.RP.VerifyRegistration(resp, chal, &reg); err != nil {
			t.Fatal(err)
		}
	})
	complete := testing.AllocsPerRun(50, func() {
		if err := x.lc.CompleteRegistration(ctx, alice.ID, "c", resp, &reg); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("CompleteRegistration: %v allocs, VerifyRegistration alone %v", complete, verify)
	if complete-verify > lcExtractAllocs {
		t.Errorf("CompleteRegistration adds %v allocs to VerifyRegistration, want <= %d", complete-verify, lcExtractAllocs)
	}

	key, stored, lookup := x.credential()
	credID := stored.ID
	aresp := authResponse(t, &ceremony.RequestOptionsJSON{Challenge: enc}, key, credID, alice.ID, forge.FlagUP|forge.FlagUV, false)
	st.c = &ceremony.Challenge{Ceremony: ceremony.Authentication, Value: chal, ClientID: "c", UserVerification: ceremony.UserVerificationRequired}
	var as webauthn.Assertion
	verify = testing.AllocsPerRun(50, func() {
		if err := x.lc.RP.VerifyAuthentication(aresp, chal, stored, &as); err != nil {
			t.Fatal(err)
		}
	})
	complete = testing.AllocsPerRun(50, func() {
		if err := x.lc.CompleteAuthentication(ctx, nil, "c", aresp, lookup, &as); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("CompleteAuthentication: %v allocs, VerifyAuthentication alone %v", complete, verify)
	if complete-verify > lcExtractAllocs {
		t.Errorf("CompleteAuthentication adds %v allocs to VerifyAuthentication, want <= %d", complete-verify, lcExtractAllocs)
	}
}

// jsonEscaped writes every character of s as a \u escape: the longest JSON
// text a base64url string can have.
func jsonEscaped(s string) string {
	var b strings.Builder
	for _, c := range s {
		fmt.Fprintf(&b, `\u%04x`, c)
	}
	return b.String()
}

// TestLifecycleEscapedResponse completes ceremonies whose challenge, rawId
// and userHandle are written with JSON escapes: Complete decodes them as
// the verifier does, within its one buffer.
func TestLifecycleEscapedResponse(t *testing.T) {
	ctx := context.Background()
	x := newLifecycle(t)
	opts, resp := x.startRegistration(t, "c")
	var js struct {
		Response struct{ ClientDataJSON string }
	}
	if err := json.Unmarshal(resp, &js); err != nil {
		t.Fatal(err)
	}
	cdj, _ := b64u.DecodeString(js.Response.ClientDataJSON)
	cdj = bytes.Replace(cdj, []byte(opts.Challenge), []byte(jsonEscaped(opts.Challenge)), 1)
	resp = bytes.Replace(resp, []byte(js.Response.ClientDataJSON), []byte(b64u.EncodeToString(cdj)), 1)
	var reg webauthn.Registration
	if err := x.lc.CompleteRegistration(ctx, alice.ID, "c", resp, &reg); err != nil {
		t.Fatalf("escaped challenge: %v", err)
	}

	key, stored, lookup := x.credential()
	credID := stored.ID
	ropts, err := x.lc.StartAuthentication(ctx, nil, "c", nil)
	if err != nil {
		t.Fatal(err)
	}
	aresp := authResponse(t, ropts, key, credID, alice.ID, forge.FlagUP, false)
	for _, v := range []string{`"rawId":"`, `"userHandle":"`} {
		i := bytes.Index(aresp, []byte(v)) + len(v)
		j := i + bytes.IndexByte(aresp[i:], '"')
		aresp = slices.Concat(aresp[:i], []byte(jsonEscaped(string(aresp[i:j]))), aresp[j:])
	}
	var as webauthn.Assertion
	if err := x.lc.CompleteAuthentication(ctx, nil, "c", aresp, lookup, &as); err != nil {
		t.Fatalf("escaped rawId and userHandle: %v", err)
	}
}

// TestStartRegistrationAlgorithms: pubKeyCredParams are the asked algorithms
// RP accepts, else RP.Algorithms, else the defaults, and never RS1.
func TestStartRegistrationAlgorithms(t *testing.T) {
	ctx := context.Background()
	algs := func(p []ceremony.CredentialParameters) []cose.Algorithm {
		var out []cose.Algorithm
		for _, c := range p {
			out = append(out, c.Alg)
		}
		return out
	}
	tests := []struct {
		name      string
		rp, asked []cose.Algorithm
		want      []cose.Algorithm
	}{
		{"asked, filtered by RP", []cose.Algorithm{cose.ES256, cose.RS256}, []cose.Algorithm{cose.RS256, cose.EdDSA, cose.ES256}, []cose.Algorithm{cose.RS256, cose.ES256}},
		{"asked RS1 and unknown", nil, []cose.Algorithm{cose.RS1, -1000, cose.EdDSA}, []cose.Algorithm{cose.EdDSA}},
		{"nothing asked can be offered", []cose.Algorithm{cose.ES256, cose.RS1}, []cose.Algorithm{cose.RS1, cose.EdDSA}, []cose.Algorithm{cose.ES256}},
		{"RP's, without RS1", []cose.Algorithm{cose.RS1, cose.RS256}, nil, []cose.Algorithm{cose.RS256}},
		{"defaults", nil, nil, []cose.Algorithm{cose.ES256, cose.Ed25519, cose.EdDSA, cose.ES384, cose.ES512, cose.PS256, cose.RS256}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := newLifecycle(t)
			x.lc.RP.Algorithms = tt.rp
			opts, err := x.lc.StartRegistration(ctx, alice, "c", &ceremony.RegistrationOptions{Algorithms: tt.asked})
			if err != nil {
				t.Fatal(err)
			}
			if got := algs(opts.PubKeyCredParams); !slices.Equal(got, tt.want) {
				t.Fatalf("pubKeyCredParams %v, want %v", got, tt.want)
			}
		})
	}
	// A policy that accepts only RS1 has nothing to ask for.
	x := newLifecycle(t)
	x.lc.RP.Algorithms = []cose.Algorithm{cose.RS1}
	_, err := x.lc.StartRegistration(ctx, alice, "c", nil)
	errtest.WantFault(t, err, webauthn.ErrConfigurationMissing)
}
