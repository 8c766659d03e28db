package cognito

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/passkeykit/webauthn/internal/errtest"
)

// fakeClock is the tests' clock, moved by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Test pools: one per documented fault that is a pool setting.
const (
	mainPool    = "us-east-1_Main1"
	mainClient  = "mainclient"
	otherClient = "otherclient" // a second client of the main pool
	testRPID    = "localhost"
	testOrigin  = "http://localhost:3000"
	testBaseURL = "http://cognito.test"
	testMaxKeys = 3
)

func testConfig() *Config {
	on := func(uv string) WebAuthnConfig {
		return WebAuthnConfig{Enabled: true, RPID: testRPID, Origins: []string{testOrigin}, UserVerification: uv, MaxPasskeysPerUser: testMaxKeys}
	}
	off := on("")
	off.Enabled = false
	norp := on("")
	norp.RPID = ""
	return &Config{Pools: []PoolConfig{
		{ID: mainPool, ClientIDs: []string{mainClient, otherClient}, WebAuthn: on("preferred")},
		{ID: "us-east-1_Off1", ClientIDs: []string{"offclient"}, WebAuthn: off},
		{ID: "us-east-1_NoRP1", ClientIDs: []string{"norpclient"}, WebAuthn: norp},
		{ID: "us-east-1_Replica1", ClientIDs: []string{"replicaclient"}, WebAuthn: on(""), Replica: true},
		{ID: "us-east-1_Waf1", ClientIDs: []string{"wafclient"}, WebAuthn: on(""), WAF: WAFConfig{BlockUserAgents: []string{"BadBot"}}},
		{ID: "us-east-1_Slow1", ClientIDs: []string{"slowclient"}, WebAuthn: on(""), RateLimit: RateLimitConfig{PerSecond: 1, Burst: 3}},
		{ID: "us-east-1_UV1", ClientIDs: []string{"uvclient"}, WebAuthn: on("required")},
	}}
}

// poolOfClient returns the pool ID of a test client.
func poolOfClient(client string) string {
	for _, p := range testConfig().Pools {
		for _, c := range p.ClientIDs {
			if c == client {
				return p.ID
			}
		}
	}
	panic("unknown test client " + client)
}

type harness struct {
	t     testing.TB
	srv   *Server
	store Store
	clock *fakeClock
}

// newHarness serves testConfig from an in-memory store; wrap, when not nil,
// replaces the store the server uses (fault injection).
func newHarness(t testing.TB, wrap func(Store) Store) *harness {
	t.Helper()
	return newHarnessWith(t, wrap, nil)
}

// newHarnessWith is newHarness with the server's Options adjusted by opts.
func newHarnessWith(t testing.TB, wrap func(Store) Store, opts func(*Options)) *harness {
	t.Helper()
	st, err := OpenMemory(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h := &harness{t: t, store: st, clock: &fakeClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}}
	used := st
	if wrap != nil {
		used = wrap(st)
	}
	o := Options{Config: testConfig(), Store: used, BaseURL: testBaseURL, Clock: h.clock.Now}
	if opts != nil {
		opts(&o)
	}
	h.srv, err = NewServer(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// with returns h reporting to t (for subtests).
func (h *harness) with(t testing.TB) *harness {
	c := *h
	c.t = t
	return &c
}

// raw sends op with body and extra header pairs; it returns the status and
// body.
func (h *harness) raw(op string, body []byte, header ...string) (int, []byte) {
	req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("X-Amz-Target", targetPrefix+op)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.srv.ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes()
}

func (h *harness) send(op string, in any, header ...string) (int, []byte) {
	b, err := json.Marshal(in)
	if err != nil {
		h.t.Fatal(err)
	}
	return h.raw(op, b, header...)
}

// ok sends op and decodes the 200 answer into out (when not nil).
func (h *harness) ok(op string, in any, out any) {
	h.t.Helper()
	code, body := h.send(op, in)
	if code != http.StatusOK {
		h.t.Fatalf("%s: status %d: %s", op, code, body)
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			h.t.Fatalf("%s: %v: %s", op, err, body)
		}
	}
}

// fails sends op and checks it answers exception with its status; it
// returns the message.
func (h *harness) fails(op string, in any, exception string, header ...string) string {
	h.t.Helper()
	code, body := h.send(op, in, header...)
	return h.checkError(op, code, body, exception)
}

func (h *harness) checkError(op string, code int, body []byte, exception string) string {
	h.t.Helper()
	var e errorBody
	if err := json.Unmarshal(body, &e); err != nil {
		h.t.Fatalf("%s: error body %q: %v", op, body, err)
	}
	if errtest.Mismatch(true, e.Type, exception) != "" || code != StatusOf(exception) {
		h.t.Fatalf("%s: got %d %s (%s), want %d %s", op, code, e.Type, e.Message, StatusOf(exception), exception)
	}
	return e.Message
}

const testPassword = "Correct-Horse-1"

// signUp creates and confirms username in the pool of client.
func (h *harness) signUp(client, username string) {
	h.t.Helper()
	h.ok("SignUp", map[string]any{"ClientId": client, "Username": username, "Password": testPassword,
		"UserAttributes": []Attribute{{Name: "email", Value: username + "@example.com"}}}, nil)
	h.ok("AdminConfirmSignUp", map[string]any{"UserPoolId": poolOfClient(client), "Username": username}, nil)
}

type tokensOut struct {
	ChallengeName        string
	Session              string
	ChallengeParameters  map[string]string
	AvailableChallenges  []string
	AuthenticationResult *authResult
}

// login signs username in with its password through client.
func (h *harness) login(client, username string) *authResult {
	h.t.Helper()
	var out tokensOut
	h.ok("InitiateAuth", map[string]any{"ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH",
		"AuthParameters": map[string]string{"USERNAME": username, "PASSWORD": testPassword}}, &out)
	if out.AuthenticationResult == nil || out.AuthenticationResult.AccessToken == "" {
		h.t.Fatalf("login %s: no tokens: %+v", username, out)
	}
	return out.AuthenticationResult
}

// user signs up, confirms and signs in username; it returns the access token.
func (h *harness) user(client, username string) string {
	h.t.Helper()
	h.signUp(client, username)
	return h.login(client, username).AccessToken
}

// startRegistration returns the creation options for token's user.
func (h *harness) startRegistration(token string) json.RawMessage {
	h.t.Helper()
	var out struct{ CredentialCreationOptions json.RawMessage }
	h.ok("StartWebAuthnRegistration", map[string]string{"AccessToken": token}, &out)
	return out.CredentialCreationOptions
}

// registerPasskey registers a new passkey for token's user and returns its
// authenticator.
func (h *harness) registerPasskey(token string) *softAuthenticator {
	h.t.Helper()
	a := newAuthenticator(h.t)
	opts := h.startRegistration(token)
	h.ok("CompleteWebAuthnRegistration", map[string]any{"AccessToken": token, "Credential": a.register(h.t, opts, ceremonyParams{origin: testOrigin})}, nil)
	return a
}

// passkeyChallenge starts USER_AUTH with PREFERRED_CHALLENGE WEB_AUTHN.
func (h *harness) passkeyChallenge(client, username string) tokensOut {
	h.t.Helper()
	var out tokensOut
	h.ok("InitiateAuth", map[string]any{"ClientId": client, "AuthFlow": "USER_AUTH",
		"AuthParameters": map[string]string{"USERNAME": username, "PREFERRED_CHALLENGE": "WEB_AUTHN"}}, &out)
	if out.ChallengeName != "WEB_AUTHN" || out.ChallengeParameters["CREDENTIAL_REQUEST_OPTIONS"] == "" {
		h.t.Fatalf("USER_AUTH: %+v", out)
	}
	return out
}

func respondWebAuthn(client, username, session, credential string) map[string]any {
	return map[string]any{"ClientId": client, "ChallengeName": "WEB_AUTHN", "Session": session,
		"ChallengeResponses": map[string]string{"USERNAME": username, "CREDENTIAL": credential}}
}

func contain(s, sub string) bool { return strings.Contains(s, sub) }
