package cognito

import (
	"strings"
	"testing"
	"time"

	"github.com/passkeykit/webauthn"
)

func TestPasskeySignInFailures(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.user(mainClient, "alice")
	a := h.registerPasskey(tok)
	h.user(mainClient, "bob")
	b := h.registerPasskey(h.login(mainClient, "bob").AccessToken)

	for _, tc := range []struct {
		name string
		// answer returns the RespondToAuthChallenge input for a fresh
		// WEB_AUTHN challenge of alice.
		answer func(ch tokensOut, opts string) map[string]any
		want   string
		msg    string
	}{
		{"origin not allowed", func(ch tokensOut, opts string) map[string]any {
			return respondWebAuthn(mainClient, "alice", ch.Session, a.assert(t, opts, ceremonyParams{origin: "https://evil.example"}, 1))
		}, webauthn.ExceptionNotAuthorized, webauthn.ExceptionOriginNotAllowed},
		{"rp id mismatch", func(ch tokensOut, opts string) map[string]any {
			return respondWebAuthn(mainClient, "alice", ch.Session, a.assert(t, opts, ceremonyParams{origin: testOrigin, rpID: "evil.example"}, 1))
		}, webauthn.ExceptionNotAuthorized, webauthn.ExceptionRelyingPartyMismatch},
		{"another user's passkey", func(ch tokensOut, opts string) map[string]any {
			return respondWebAuthn(mainClient, "alice", ch.Session, b.assert(t, opts, ceremonyParams{origin: testOrigin}, 1))
		}, webauthn.ExceptionNotAuthorized, "allowCredentials"},
		{"challenge not issued", func(ch tokensOut, opts string) map[string]any {
			return respondWebAuthn(mainClient, "alice", ch.Session, a.assert(t, opts, ceremonyParams{origin: testOrigin, challenge: b64u(make([]byte, 32))}, 1))
		}, webauthn.ExceptionNotAuthorized, webauthn.ExceptionChallengeNotFound},
		{"user presence clear", func(ch tokensOut, opts string) map[string]any {
			return respondWebAuthn(mainClient, "alice", ch.Session, a.assert(t, opts, ceremonyParams{origin: testOrigin, flags: flagUV}, 1))
		}, webauthn.ExceptionNotAuthorized, "(UP)"},
		{"malformed credential", func(ch tokensOut, opts string) map[string]any {
			return respondWebAuthn(mainClient, "alice", ch.Session, `{"id":1}`)
		}, webauthn.ExceptionInvalidParameter, ""},
		{"no credential", func(ch tokensOut, opts string) map[string]any {
			return respondWebAuthn(mainClient, "alice", ch.Session, "")
		}, webauthn.ExceptionInvalidParameter, "CREDENTIAL"},
		{"no username", func(ch tokensOut, opts string) map[string]any {
			return respondWebAuthn(mainClient, "", ch.Session, a.assert(t, opts, ceremonyParams{origin: testOrigin}, 1))
		}, webauthn.ExceptionInvalidParameter, "USERNAME"},
		{"session of another user", func(ch tokensOut, opts string) map[string]any {
			return respondWebAuthn(mainClient, "bob", ch.Session, b.assert(t, opts, ceremonyParams{origin: testOrigin}, 1))
		}, webauthn.ExceptionNotAuthorized, "Invalid session"},
		{"session of another client", func(ch tokensOut, opts string) map[string]any {
			return respondWebAuthn(otherClient, "alice", ch.Session, a.assert(t, opts, ceremonyParams{origin: testOrigin}, 1))
		}, webauthn.ExceptionNotAuthorized, "Invalid session"},
		{"session for another challenge", func(ch tokensOut, opts string) map[string]any {
			in := respondWebAuthn(mainClient, "alice", ch.Session, a.assert(t, opts, ceremonyParams{origin: testOrigin}, 1))
			in["ChallengeName"] = "NEW_PASSWORD_REQUIRED"
			return in
		}, webauthn.ExceptionNotAuthorized, "Invalid session"},
		{"tampered session", func(ch tokensOut, opts string) map[string]any {
			return respondWebAuthn(mainClient, "alice", flip(ch.Session), a.assert(t, opts, ceremonyParams{origin: testOrigin}, 1))
		}, webauthn.ExceptionNotAuthorized, "Invalid session"},
		{"no session", func(ch tokensOut, opts string) map[string]any {
			return respondWebAuthn(mainClient, "alice", "", a.assert(t, opts, ceremonyParams{origin: testOrigin}, 1))
		}, webauthn.ExceptionInvalidParameter, ""},
		{"unsupported challenge", func(ch tokensOut, opts string) map[string]any {
			in := respondWebAuthn(mainClient, "alice", ch.Session, "")
			in["ChallengeName"] = "SMS_MFA"
			return in
		}, webauthn.ExceptionNotAuthorized, "Invalid session"},
		{"expired session", func(ch tokensOut, opts string) map[string]any {
			in := respondWebAuthn(mainClient, "alice", ch.Session, a.assert(t, opts, ceremonyParams{origin: testOrigin}, 1))
			h.clock.Advance(DefaultAuthSessionValidity)
			return in
		}, webauthn.ExceptionNotAuthorized, "expired"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := h.with(t)
			ch := h.passkeyChallenge(mainClient, "alice")
			msg := h.fails("RespondToAuthChallenge", tc.answer(ch, ch.ChallengeParameters["CREDENTIAL_REQUEST_OPTIONS"]), tc.want)
			if !strings.Contains(msg, tc.msg) {
				t.Errorf("message %q does not name %q", msg, tc.msg)
			}
		})
	}
	// After all that, the genuine authenticator still signs in.
	ch := h.passkeyChallenge(mainClient, "alice")
	h.ok("RespondToAuthChallenge", respondWebAuthn(mainClient, "alice", ch.Session, a.assert(t, ch.ChallengeParameters["CREDENTIAL_REQUEST_OPTIONS"], ceremonyParams{origin: testOrigin}, 1)), nil)
	// A used challenge cannot sign in twice.
	cred := a.assert(t, ch.ChallengeParameters["CREDENTIAL_REQUEST_OPTIONS"], ceremonyParams{origin: testOrigin}, 1)
	h.fails("RespondToAuthChallenge", respondWebAuthn(mainClient, "alice", ch.Session, cred), webauthn.ExceptionNotAuthorized)
}

func TestUserAuthErrors(t *testing.T) {
	h := newHarness(t, nil)
	h.signUp(mainClient, "alice")
	userAuth := func(params map[string]string) map[string]any {
		return map[string]any{"ClientId": mainClient, "AuthFlow": "USER_AUTH", "AuthParameters": params}
	}
	h.fails("InitiateAuth", userAuth(map[string]string{"PREFERRED_CHALLENGE": "WEB_AUTHN"}), webauthn.ExceptionInvalidParameter)
	h.fails("InitiateAuth", userAuth(map[string]string{"USERNAME": "alice", "PREFERRED_CHALLENGE": "SMS_OTP"}), webauthn.ExceptionInvalidParameter)
	h.fails("InitiateAuth", userAuth(map[string]string{"USERNAME": "nobody", "PREFERRED_CHALLENGE": "WEB_AUTHN"}), webauthn.ExceptionNotAuthorized)
	h.fails("InitiateAuth", userAuth(map[string]string{"USERNAME": "alice", "PREFERRED_CHALLENGE": "PASSWORD", "PASSWORD": "Wrong-Horse-1"}), webauthn.ExceptionNotAuthorized)
	h.ok("SignUp", map[string]any{"ClientId": mainClient, "Username": "unconfirmed", "Password": testPassword}, nil)
	h.fails("InitiateAuth", userAuth(map[string]string{"USERNAME": "unconfirmed"}), ExceptionUserNotConfirmed)

	var sel tokensOut
	h.ok("InitiateAuth", userAuth(map[string]string{"USERNAME": "alice"}), &sel)
	answer := func(a string) map[string]any {
		return map[string]any{"ClientId": mainClient, "ChallengeName": "SELECT_CHALLENGE", "Session": sel.Session,
			"ChallengeResponses": map[string]string{"USERNAME": "alice", "ANSWER": a}}
	}
	h.fails("RespondToAuthChallenge", answer("WEB_AUTHN"), webauthn.ExceptionInvalidParameter) // no passkey
	h.fails("RespondToAuthChallenge", answer(""), webauthn.ExceptionInvalidParameter)
	h.fails("RespondToAuthChallenge", answer("PASSWORD"), webauthn.ExceptionInvalidParameter) // no PASSWORD
	h.clock.Advance(DefaultAuthSessionValidity - time.Second)
	in := answer("PASSWORD")
	in["ChallengeResponses"].(map[string]string)["PASSWORD"] = testPassword
	h.ok("RespondToAuthChallenge", in, nil)
	h.clock.Advance(time.Second)
	h.fails("RespondToAuthChallenge", in, webauthn.ExceptionNotAuthorized)
}

// TestCounterRegression: an assertion whose counter is not above the stored
// one is refused (WebAuthn L3 §7.2 step 24), and counters that stay 0
// (synced passkeys) keep working.
func TestCounterRegression(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.user(mainClient, "alice")
	a := h.registerPasskey(tok) // counter 0
	signIn := func(step uint32) (int, []byte) {
		ch := h.passkeyChallenge(mainClient, "alice")
		return h.send("RespondToAuthChallenge", respondWebAuthn(mainClient, "alice", ch.Session,
			a.assert(t, ch.ChallengeParameters["CREDENTIAL_REQUEST_OPTIONS"], ceremonyParams{origin: testOrigin}, step)))
	}
	for i := range 2 {
		if code, body := signIn(0); code != 200 {
			t.Fatalf("zero counter sign-in %d: %d %s", i, code, body)
		}
	}
	if code, body := signIn(7); code != 200 {
		t.Fatalf("counter 7: %d %s", code, body)
	}
	for _, step := range []uint32{0, ^uint32(0) - 2} { // 7 again, then 4 (wrapping)
		code, body := signIn(step)
		if msg := h.checkError("RespondToAuthChallenge", code, body, webauthn.ExceptionNotAuthorized); !strings.Contains(msg, "counter did not increase") {
			t.Errorf("regression message %q", msg)
		}
	}
	a.counter = 7
	if code, body := signIn(1); code != 200 {
		t.Fatalf("counter 8: %d %s", code, body)
	}
}

// TestSignInNotEvictedByOthers (security review F4): anonymous InitiateAuth
// calls naming a user, more than the challenge store's per-client bound,
// do not evict that user's own sign-in challenge: each sign-in is bound to
// its own auth session.
func TestSignInNotEvictedByOthers(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.user(mainClient, "alice")
	a := h.registerPasskey(tok)
	mine := h.passkeyChallenge(mainClient, "alice")
	for range 40 {
		h.passkeyChallenge(mainClient, "alice") // the attacker's, with nothing but the name
	}
	opts := mine.ChallengeParameters["CREDENTIAL_REQUEST_OPTIONS"]
	var out tokensOut
	h.ok("RespondToAuthChallenge", respondWebAuthn(mainClient, "alice", mine.Session, a.assert(t, opts, ceremonyParams{origin: testOrigin}, 1)), &out)
	if out.AuthenticationResult == nil {
		t.Fatalf("sign-in after anonymous InitiateAuth calls: %+v", out)
	}
}
