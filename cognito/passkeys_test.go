package cognito

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/ceremony"
)

func TestPasskeyFlow(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.user(mainClient, "alice")
	var me getUserOutput
	h.ok("GetUser", map[string]string{"AccessToken": tok}, &me)
	sub := me.UserAttributes[0].Value

	// Without a passkey, USER_AUTH offers the password only, even when
	// WEB_AUTHN is preferred.
	var sel tokensOut
	h.ok("InitiateAuth", map[string]any{"ClientId": mainClient, "AuthFlow": "USER_AUTH",
		"AuthParameters": map[string]string{"USERNAME": "alice", "PREFERRED_CHALLENGE": "WEB_AUTHN"}}, &sel)
	if sel.ChallengeName != "SELECT_CHALLENGE" || len(sel.AvailableChallenges) != 1 || sel.AvailableChallenges[0] != "PASSWORD" {
		t.Fatalf("USER_AUTH without passkeys: %+v", sel)
	}

	opts := h.startRegistration(tok)
	var o map[string]any
	json.Unmarshal(opts, &o)
	want := `{"authenticatorSelection":{"requireResidentKey":true,"residentKey":"required","userVerification":"preferred"},` +
		`"excludeCredentials":[],"extensions":{"credProps":true},"pubKeyCredParams":[{"alg":-7,"type":"public-key"},{"alg":-257,"type":"public-key"}],` +
		`"rp":{"id":"localhost","name":"localhost"},"timeout":300000,"user":{"displayName":"alice","id":"` + b64u([]byte(sub)) + `","name":"alice"}}`
	delete(o, "challenge")
	if got, _ := json.Marshal(o); string(got) != want {
		t.Fatalf("creation options\n got %s\nwant %s", got, want)
	}
	a := newAuthenticator(t)
	a.aaguid = [16]byte{0xea, 0x9b, 0x8d, 0x66, 0x4d, 0x01, 0x1d, 0x21, 0x3c, 0xe4, 0xb6, 0xb4, 0x8c, 0xb5, 0x75, 0xd4}
	a.counter = 5
	h.ok("CompleteWebAuthnRegistration", map[string]any{"AccessToken": tok, "Credential": a.register(t, opts, ceremonyParams{origin: testOrigin})}, nil)

	var list listOutput
	code, body := h.send("ListWebAuthnCredentials", map[string]any{"AccessToken": tok})
	if code != 200 {
		t.Fatalf("List: %d %s", code, body)
	}
	var raw struct{ Credentials []map[string]any }
	json.Unmarshal(body, &raw)
	if len(raw.Credentials) != 1 {
		t.Fatalf("List: %s", body)
	}
	c := raw.Credentials[0]
	if c["CredentialId"] != b64u(a.id) || c["FriendlyCredentialName"] != "Google Password Manager" || c["RelyingPartyId"] != testRPID ||
		c["AuthenticatorAttachment"] != "platform" || c["CreatedAt"] != float64(h.clock.Now().Unix()) {
		t.Fatalf("List: %s", body)
	}
	if tr, _ := c["AuthenticatorTransports"].([]any); len(tr) != 2 || tr[0] != "hybrid" || tr[1] != "internal" {
		t.Fatalf("transports: %s", body)
	}
	if _, ok := raw.Credentials[0]["NextToken"]; ok {
		t.Fatal("NextToken with one credential")
	}
	_ = list

	// A second registration excludes the first passkey.
	var o2 struct {
		ExcludeCredentials []map[string]any `json:"excludeCredentials"`
	}
	json.Unmarshal(h.startRegistration(tok), &o2)
	if len(o2.ExcludeCredentials) != 1 || o2.ExcludeCredentials[0]["id"] != b64u(a.id) || o2.ExcludeCredentials[0]["type"] != "public-key" {
		t.Fatalf("excludeCredentials: %+v", o2)
	}

	// Sign in: USER_AUTH with PREFERRED_CHALLENGE WEB_AUTHN.
	ch := h.passkeyChallenge(mainClient, "alice")
	var ro struct {
		Challenge        string           `json:"challenge"`
		RPID             string           `json:"rpId"`
		UserVerification string           `json:"userVerification"`
		AllowCredentials []map[string]any `json:"allowCredentials"`
		Timeout          int64            `json:"timeout"`
	}
	json.Unmarshal([]byte(ch.ChallengeParameters["CREDENTIAL_REQUEST_OPTIONS"]), &ro)
	if ro.RPID != testRPID || ro.UserVerification != "preferred" || len(ro.AllowCredentials) != 1 || ro.AllowCredentials[0]["id"] != b64u(a.id) || ro.Timeout != 300000 || len(ro.Challenge) != 43 {
		t.Fatalf("request options: %s", ch.ChallengeParameters["CREDENTIAL_REQUEST_OPTIONS"])
	}
	var done tokensOut
	h.ok("RespondToAuthChallenge", respondWebAuthn(mainClient, "alice", ch.Session, a.assert(t, ch.ChallengeParameters["CREDENTIAL_REQUEST_OPTIONS"], ceremonyParams{origin: testOrigin}, 1)), &done)
	if done.AuthenticationResult == nil || done.AuthenticationResult.RefreshToken == "" {
		t.Fatalf("passkey sign-in: %+v", done)
	}
	h.ok("GetUser", map[string]string{"AccessToken": done.AuthenticationResult.AccessToken}, nil)
	rec, err := h.store.Credential(context.Background(), mainPool, a.id)
	if err != nil || rec.State.SignCount != 6 {
		t.Fatalf("stored counter: %+v %v", rec, err)
	}

	// Sign in: SELECT_CHALLENGE, then WEB_AUTHN.
	h.ok("InitiateAuth", map[string]any{"ClientId": mainClient, "AuthFlow": "USER_AUTH", "AuthParameters": map[string]string{"USERNAME": "alice"}}, &sel)
	if sel.ChallengeName != "SELECT_CHALLENGE" || len(sel.AvailableChallenges) != 2 || sel.AvailableChallenges[1] != "WEB_AUTHN" {
		t.Fatalf("SELECT_CHALLENGE: %+v", sel)
	}
	var wa tokensOut
	h.ok("RespondToAuthChallenge", map[string]any{"ClientId": mainClient, "ChallengeName": "SELECT_CHALLENGE", "Session": sel.Session,
		"ChallengeResponses": map[string]string{"USERNAME": "alice", "ANSWER": "WEB_AUTHN"}}, &wa)
	if wa.ChallengeName != "WEB_AUTHN" {
		t.Fatalf("ANSWER WEB_AUTHN: %+v", wa)
	}
	h.ok("RespondToAuthChallenge", respondWebAuthn(mainClient, "alice", wa.Session, a.assert(t, wa.ChallengeParameters["CREDENTIAL_REQUEST_OPTIONS"], ceremonyParams{origin: testOrigin}, 1)), &done)
	// SELECT_CHALLENGE answered with the password.
	h.ok("RespondToAuthChallenge", map[string]any{"ClientId": mainClient, "ChallengeName": "SELECT_CHALLENGE", "Session": sel.Session,
		"ChallengeResponses": map[string]string{"USERNAME": "alice", "ANSWER": "PASSWORD", "PASSWORD": testPassword}}, &done)
	if done.AuthenticationResult == nil {
		t.Fatalf("ANSWER PASSWORD: %+v", done)
	}
	// USER_AUTH with PREFERRED_CHALLENGE PASSWORD.
	h.ok("InitiateAuth", map[string]any{"ClientId": mainClient, "AuthFlow": "USER_AUTH",
		"AuthParameters": map[string]string{"USERNAME": "alice", "PREFERRED_CHALLENGE": "PASSWORD", "PASSWORD": testPassword}}, &done)
	if done.AuthenticationResult == nil {
		t.Fatalf("PREFERRED_CHALLENGE PASSWORD: %+v", done)
	}

	// Delete.
	h.fails("DeleteWebAuthnCredential", map[string]string{"AccessToken": tok, "CredentialId": b64u([]byte("nope"))}, ExceptionResourceNotFound)
	h.fails("DeleteWebAuthnCredential", map[string]string{"AccessToken": tok, "CredentialId": "!!"}, ExceptionResourceNotFound)
	h.fails("DeleteWebAuthnCredential", map[string]string{"AccessToken": tok}, webauthn.ExceptionInvalidParameter)
	h.ok("DeleteWebAuthnCredential", map[string]string{"AccessToken": tok, "CredentialId": b64u(a.id)}, nil)
	h.fails("DeleteWebAuthnCredential", map[string]string{"AccessToken": tok, "CredentialId": b64u(a.id)}, ExceptionResourceNotFound)
	code, body = h.send("ListWebAuthnCredentials", map[string]any{"AccessToken": tok})
	if code != 200 || string(body) != `{"Credentials":[]}` {
		t.Fatalf("List after delete: %d %s", code, body)
	}
}

func TestDeleteOtherUsersPasskey(t *testing.T) {
	h := newHarness(t, nil)
	alice := h.user(mainClient, "alice")
	bob := h.user(mainClient, "bob")
	a := h.registerPasskey(alice)
	h.fails("DeleteWebAuthnCredential", map[string]string{"AccessToken": bob, "CredentialId": b64u(a.id)}, ExceptionResourceNotFound)
	var l listOutput
	h.ok("ListWebAuthnCredentials", map[string]any{"AccessToken": alice}, &l)
	if len(l.Credentials) != 1 {
		t.Fatal("bob deleted alice's passkey")
	}
	// Replica pools refuse deletion.
	r := h.user("replicaclient", "carol")
	h.fails("DeleteWebAuthnCredential", map[string]string{"AccessToken": r, "CredentialId": b64u(a.id)}, ExceptionOperationNotEnabled)
}

func TestListPaging(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.user(mainClient, "alice")
	var ids []string
	for range testMaxKeys {
		ids = append(ids, b64u(h.registerPasskey(tok).id))
		h.clock.Advance(time.Second)
	}
	var got []string
	next := ""
	for page := 0; ; page++ {
		in := map[string]any{"AccessToken": tok, "MaxResults": 1}
		if next != "" {
			in["NextToken"] = next
		}
		var l listOutput
		h.ok("ListWebAuthnCredentials", in, &l)
		if len(l.Credentials) != 1 {
			t.Fatalf("page %d: %+v", page, l)
		}
		got = append(got, l.Credentials[0].CredentialId)
		if next = l.NextToken; next == "" {
			break
		}
	}
	if len(got) != 3 || got[0] != ids[0] || got[1] != ids[1] || got[2] != ids[2] {
		t.Fatalf("pages %v, want %v", got, ids)
	}
	for _, n := range []int{0, MaxPasskeysPerUser} {
		var l listOutput
		h.ok("ListWebAuthnCredentials", map[string]any{"AccessToken": tok, "MaxResults": n}, &l)
		if len(l.Credentials) != 3 || l.NextToken != "" {
			t.Fatalf("MaxResults %d: %+v", n, l)
		}
	}
	h.fails("ListWebAuthnCredentials", map[string]any{"AccessToken": tok, "MaxResults": MaxPasskeysPerUser + 1}, webauthn.ExceptionInvalidParameter)
	h.fails("ListWebAuthnCredentials", map[string]any{"AccessToken": tok, "MaxResults": -1}, webauthn.ExceptionInvalidParameter)
	h.fails("ListWebAuthnCredentials", map[string]any{"AccessToken": tok, "NextToken": "not a token"}, webauthn.ExceptionInvalidParameter)
	h.fails("ListWebAuthnCredentials", map[string]any{"AccessToken": tok, "NextToken": b64u([]byte("short"))}, webauthn.ExceptionInvalidParameter)
	h.fails("ListWebAuthnCredentials", map[string]any{"AccessToken": "x"}, webauthn.ExceptionNotAuthorized)
}

func TestStartRegistrationExceptions(t *testing.T) {
	h := newHarness(t, nil)
	start := func(tok string) map[string]string { return map[string]string{"AccessToken": tok} }
	h.fails("StartWebAuthnRegistration", start("x"), webauthn.ExceptionNotAuthorized)
	h.fails("StartWebAuthnRegistration", start(h.user("offclient", "a")), webauthn.ExceptionNotEnabled)
	h.fails("StartWebAuthnRegistration", start(h.user("norpclient", "a")), webauthn.ExceptionConfigurationMissing)
	h.fails("StartWebAuthnRegistration", start(h.user("replicaclient", "a")), ExceptionOperationNotEnabled)
	waf := h.user("wafclient", "a")
	h.fails("StartWebAuthnRegistration", start(waf), ExceptionForbidden, "User-Agent", "BadBot")
	tok := h.user(mainClient, "alice")
	for range testMaxKeys {
		h.registerPasskey(tok)
	}
	h.fails("StartWebAuthnRegistration", start(tok), webauthn.ExceptionLimitExceeded)
	// The challenge store holds at most ceremony.DefaultMaxPerClient
	// outstanding challenges per user of an app client: one more makes room
	// by dropping that user's oldest, and no other user's.
	bob := h.user(mainClient, "bob")
	carol := h.user(mainClient, "carol")
	carolOpts := h.startRegistration(carol)
	oldest := h.startRegistration(bob)
	for range ceremony.DefaultMaxPerClient {
		h.startRegistration(bob)
	}
	h.fails("CompleteWebAuthnRegistration", complete(bob, newAuthenticator(t).register(t, oldest, ceremonyParams{origin: testOrigin})), webauthn.ExceptionChallengeNotFound)
	h.ok("CompleteWebAuthnRegistration", complete(carol, newAuthenticator(t).register(t, carolOpts, ceremonyParams{origin: testOrigin})), nil)
	h.ok("AdminResetUserPassword", map[string]any{"UserPoolId": mainPool, "Username": "bob"}, nil)
	h.fails("StartWebAuthnRegistration", start(bob), ExceptionPasswordResetRequired)
}

// failingStore fails AddCredential as a database that cannot write does.
type failingStore struct{ Store }

var errDiskIO = errors.New("disk I/O error")

func (failingStore) AddCredential(context.Context, *CredentialRecord, int) error { return errDiskIO }

// completeFault is one documented fault of CompleteWebAuthnRegistration:
// run sets it up on a fresh harness and returns the request input and any
// extra header pairs; the answer must be exception.
type completeFault struct {
	exception string
	fault     string
	run       func(t *testing.T, h *harness) (input map[string]any, header []string)
	store     func(Store) Store
}

func complete(tok string, cred json.RawMessage) map[string]any {
	return map[string]any{"AccessToken": tok, "Credential": cred}
}

// validCredential returns a valid response to a fresh challenge of tok's user.
func validCredential(t *testing.T, h *harness, tok string) json.RawMessage {
	return newAuthenticator(t).register(t, h.startRegistration(tok), ceremonyParams{origin: testOrigin})
}

// completeFaults reaches every exception the service model lists for
// CompleteWebAuthnRegistration (and WebAuthnConfigurationMissingException)
// from the fault the README's table names for it.
var completeFaults = []completeFault{
	{ExceptionForbidden, "the pool's web ACL blocks the request's User-Agent", func(t *testing.T, h *harness) (map[string]any, []string) {
		tok := h.user("wafclient", "alice")
		return complete(tok, validCredential(t, h, tok)), []string{"User-Agent", "BadBot/2"}
	}, nil},
	{webauthn.ExceptionInternalError, "the store fails writing the passkey", func(t *testing.T, h *harness) (map[string]any, []string) {
		tok := h.user(mainClient, "alice")
		return complete(tok, validCredential(t, h, tok)), nil
	}, func(s Store) Store { return failingStore{s} }},
	{webauthn.ExceptionInvalidParameter, "the credential is not a RegistrationResponseJSON", func(t *testing.T, h *harness) (map[string]any, []string) {
		tok := h.user(mainClient, "alice")
		h.startRegistration(tok)
		return complete(tok, json.RawMessage(`{"id":"AAAA","rawId":"AAAA","type":"public-key","response":{}}`)), nil
	}, nil},
	{webauthn.ExceptionInvalidParameter, "the credential is absent", func(t *testing.T, h *harness) (map[string]any, []string) {
		return map[string]any{"AccessToken": h.user(mainClient, "alice")}, nil
	}, nil},
	{webauthn.ExceptionInvalidParameter, "the credential ID is already registered (§7.1 step 26)", func(t *testing.T, h *harness) (map[string]any, []string) {
		tok := h.user(mainClient, "alice")
		a := h.registerPasskey(tok)
		return complete(tok, a.register(t, h.startRegistration(tok), ceremonyParams{origin: testOrigin})), nil
	}, nil},
	{webauthn.ExceptionLimitExceeded, "the user reached the pool's passkey limit between Start and Complete", func(t *testing.T, h *harness) (map[string]any, []string) {
		tok := h.user(mainClient, "alice")
		for range testMaxKeys - 1 {
			h.registerPasskey(tok)
		}
		pending := validCredential(t, h, tok)
		h.registerPasskey(tok)
		return complete(tok, pending), nil
	}, nil},
	{webauthn.ExceptionNotAuthorized, "the access token has expired", func(t *testing.T, h *harness) (map[string]any, []string) {
		tok := h.user(mainClient, "alice")
		cred := validCredential(t, h, tok)
		h.clock.Advance(time.Hour)
		return complete(tok, cred), nil
	}, nil},
	{webauthn.ExceptionTooManyRequests, "the pool's rate quota for the operation is spent", func(t *testing.T, h *harness) (map[string]any, []string) {
		tok := h.user("slowclient", "alice")
		for range 3 {
			h.fails("CompleteWebAuthnRegistration", complete(tok, json.RawMessage(`{}`)), webauthn.ExceptionInvalidParameter)
		}
		return complete(tok, validCredential(t, h, tok)), nil
	}, nil},
	{webauthn.ExceptionNotEnabled, "the pool has passkeys off", func(t *testing.T, h *harness) (map[string]any, []string) {
		tok := h.user("offclient", "alice")
		return complete(tok, json.RawMessage(`{}`)), nil
	}, nil},
	{webauthn.ExceptionChallengeNotFound, "the response answers a challenge never issued", func(t *testing.T, h *harness) (map[string]any, []string) {
		tok := h.user(mainClient, "alice")
		opts := h.startRegistration(tok)
		other := make([]byte, 32)
		rand.Read(other)
		return complete(tok, newAuthenticator(t).register(t, opts, ceremonyParams{origin: testOrigin, challenge: b64u(other)})), nil
	}, nil},
	{webauthn.ExceptionChallengeNotFound, "the challenge expired", func(t *testing.T, h *harness) (map[string]any, []string) {
		tok := h.user(mainClient, "alice")
		cred := validCredential(t, h, tok)
		h.clock.Advance(ceremony.DefaultChallengeTimeout + time.Second)
		return complete(tok, cred), nil
	}, nil},
	{webauthn.ExceptionChallengeNotFound, "the challenge was used already", func(t *testing.T, h *harness) (map[string]any, []string) {
		tok := h.user(mainClient, "alice")
		cred := validCredential(t, h, tok)
		h.ok("CompleteWebAuthnRegistration", complete(tok, cred), nil)
		return complete(tok, cred), nil
	}, nil},
	{webauthn.ExceptionRelyingPartyMismatch, "the authenticator signed for another RP ID", func(t *testing.T, h *harness) (map[string]any, []string) {
		tok := h.user(mainClient, "alice")
		return complete(tok, newAuthenticator(t).register(t, h.startRegistration(tok), ceremonyParams{origin: testOrigin, rpID: "evil.example"})), nil
	}, nil},
	{webauthn.ExceptionClientMismatch, "the challenge was issued to another app client", func(t *testing.T, h *harness) (map[string]any, []string) {
		tok := h.user(mainClient, "alice")
		cred := validCredential(t, h, tok)
		return complete(h.login(otherClient, "alice").AccessToken, cred), nil
	}, nil},
	{webauthn.ExceptionOriginNotAllowed, "clientDataJSON.origin is not an allowed origin", func(t *testing.T, h *harness) (map[string]any, []string) {
		tok := h.user(mainClient, "alice")
		return complete(tok, newAuthenticator(t).register(t, h.startRegistration(tok), ceremonyParams{origin: "https://evil.example"})), nil
	}, nil},
	{webauthn.ExceptionCredentialNotSupported, "the pool requires user verification and the UV flag is clear", func(t *testing.T, h *harness) (map[string]any, []string) {
		tok := h.user("uvclient", "alice")
		return complete(tok, newAuthenticator(t).register(t, h.startRegistration(tok), ceremonyParams{origin: testOrigin, flags: flagUP})), nil
	}, nil},
	{webauthn.ExceptionCredentialNotSupported, "the UP flag is clear", func(t *testing.T, h *harness) (map[string]any, []string) {
		tok := h.user(mainClient, "alice")
		return complete(tok, newAuthenticator(t).register(t, h.startRegistration(tok), ceremonyParams{origin: testOrigin, flags: flagUV})), nil
	}, nil},
	{webauthn.ExceptionConfigurationMissing, "the pool has passkeys on but no RP ID", func(t *testing.T, h *harness) (map[string]any, []string) {
		tok := h.user("norpclient", "alice")
		return complete(tok, json.RawMessage(`{}`)), nil
	}, nil},
	{ExceptionPasswordResetRequired, "an administrator reset the user's password after the token was issued", func(t *testing.T, h *harness) (map[string]any, []string) {
		tok := h.user(mainClient, "alice")
		cred := validCredential(t, h, tok)
		h.ok("AdminResetUserPassword", map[string]any{"UserPoolId": mainPool, "Username": "alice"}, nil)
		return complete(tok, cred), nil
	}, nil},
	{ExceptionOperationNotEnabled, "the pool is a secondary replica", func(t *testing.T, h *harness) (map[string]any, []string) {
		tok := h.user("replicaclient", "alice")
		return complete(tok, json.RawMessage(`{}`)), nil
	}, nil},
}

func TestCompleteRegistrationExceptions(t *testing.T) {
	for _, tc := range completeFaults {
		t.Run(tc.exception+"/"+tc.fault, func(t *testing.T) {
			h := newHarness(t, tc.store)
			in, header := tc.run(t, h)
			h.fails("CompleteWebAuthnRegistration", in, tc.exception, header...)
		})
	}
}
