package cognito

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/passkeykit/webauthn"
)

func TestProtocolErrors(t *testing.T) {
	h := newHarness(t, nil)
	big := append([]byte(`{"ClientId":"`), bytes.Repeat([]byte("a"), maxRequestSize)...)
	big = append(big, `"}`...)
	for _, tc := range []struct {
		name, op string
		body     string
		header   []string
		want     string
	}{
		{"no target", "", `{}`, []string{"X-Amz-Target", ""}, ExceptionUnknownOperation},
		{"other service", "", `{}`, []string{"X-Amz-Target", "DynamoDB_20120810.GetItem"}, ExceptionUnknownOperation},
		{"unknown operation", "DescribeUserPool", `{}`, nil, ExceptionUnknownOperation},
		{"wrong content type", "GetUser", `{}`, []string{"Content-Type", "application/json"}, ExceptionSerialization},
		{"json 1.0 content type", "GetUser", `{}`, []string{"Content-Type", "application/x-amz-json-1.0"}, ExceptionSerialization},
		{"not an object", "GetUser", `[]`, nil, ExceptionSerialization},
		{"not json", "GetUser", `{"AccessToken":`, nil, ExceptionSerialization},
		{"unknown member", "GetUser", `{"AccessToken":"a","Extra":1}`, nil, ExceptionSerialization},
		{"wrong-case member", "GetUser", `{"accessToken":"a"}`, nil, ExceptionSerialization},
		{"duplicate member", "GetUser", `{"AccessToken":"a","AccessToken":"b"}`, nil, ExceptionSerialization},
		{"trailing data", "GetUser", `{"AccessToken":"a"} {}`, nil, ExceptionSerialization},
		{"wrong type", "GetUser", `{"AccessToken":5}`, nil, ExceptionSerialization},
		{"missing required member", "GetUser", `{}`, nil, webauthn.ExceptionInvalidParameter},
		{"body over maxRequestSize", "SignUp", string(big), nil, webauthn.ExceptionInvalidParameter},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := h.raw(tc.op, []byte(tc.body), tc.header...)
			h.with(t).checkError(tc.op, code, body, tc.want)
		})
	}
}

func TestProtocolResponseHeaders(t *testing.T) {
	h := newHarness(t, nil)
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"AccessToken":"x"}`))
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("X-Amz-Target", targetPrefix+"GetUser")
	// What the SDKs add: a SigV4 signature, accepted and ignored.
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260301/us-east-1/cognito-idp/aws4_request, SignedHeaders=host, Signature=00")
	req.Header.Set("X-Amz-Date", "20260301T120000Z")
	rec := httptest.NewRecorder()
	h.srv.ServeHTTP(rec, req)
	if rec.Code != 400 || rec.Header().Get("Content-Type") != contentType || rec.Header().Get("x-amzn-RequestId") == "" ||
		rec.Header().Get("x-amzn-ErrorType") != webauthn.ExceptionNotAuthorized {
		t.Fatalf("headers %v status %d", rec.Header(), rec.Code)
	}
	var e map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || len(e) != 2 || e["__type"] != webauthn.ExceptionNotAuthorized || e["message"] != "Invalid Access Token" {
		t.Fatalf("error body %s", rec.Body.Bytes())
	}
	for _, tc := range []struct {
		method, path string
		want         int
	}{
		{http.MethodGet, "/", 404},
		{http.MethodPut, "/", 405},
		{http.MethodPost, "/other", 404},
		{http.MethodGet, "/us-east-1_Nope1/.well-known/jwks.json", 404},
	} {
		rec := httptest.NewRecorder()
		h.srv.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
		if rec.Code != tc.want {
			t.Errorf("%s %s: %d, want %d", tc.method, tc.path, rec.Code, tc.want)
		}
	}
}

func TestStatusOf(t *testing.T) {
	if StatusOf(webauthn.ExceptionInternalError) != 500 || StatusOf(webauthn.ExceptionNotAuthorized) != 400 || StatusOf(ExceptionForbidden) != 400 {
		t.Fatal("StatusOf")
	}
}

func TestSignUpAndConfirm(t *testing.T) {
	h := newHarness(t, nil)
	var out struct {
		UserConfirmed bool
		UserSub       string
	}
	h.ok("SignUp", map[string]any{"ClientId": mainClient, "Username": "alice", "Password": testPassword}, &out)
	if out.UserConfirmed || len(out.UserSub) != 36 {
		t.Fatalf("SignUp: %+v", out)
	}
	long := strings.Repeat("u", maxUsernameLength)
	h.ok("SignUp", map[string]any{"ClientId": mainClient, "Username": long, "Password": testPassword}, nil)
	for _, tc := range []struct {
		name string
		in   map[string]any
		want string
	}{
		{"unknown client", map[string]any{"ClientId": "nosuchclient", "Username": "bob", "Password": testPassword}, ExceptionResourceNotFound},
		{"no client", map[string]any{"Username": "bob", "Password": testPassword}, webauthn.ExceptionInvalidParameter},
		{"no username", map[string]any{"ClientId": mainClient, "Password": testPassword}, webauthn.ExceptionInvalidParameter},
		{"username over 128", map[string]any{"ClientId": mainClient, "Username": long + "u", "Password": testPassword}, webauthn.ExceptionInvalidParameter},
		{"no password", map[string]any{"ClientId": mainClient, "Username": "bob"}, webauthn.ExceptionInvalidParameter},
		{"short password", map[string]any{"ClientId": mainClient, "Username": "bob", "Password": "short"}, ExceptionInvalidPassword},
		{"password over 256", map[string]any{"ClientId": mainClient, "Username": "bob", "Password": strings.Repeat("p", maxPasswordLength+1)}, ExceptionInvalidPassword},
		{"password with space", map[string]any{"ClientId": mainClient, "Username": "bob", "Password": "correct horse"}, ExceptionInvalidPassword},
		{"sub attribute", map[string]any{"ClientId": mainClient, "Username": "bob", "Password": testPassword, "UserAttributes": []Attribute{{Name: "sub", Value: "x"}}}, webauthn.ExceptionInvalidParameter},
		{"duplicate attribute", map[string]any{"ClientId": mainClient, "Username": "bob", "Password": testPassword, "UserAttributes": []Attribute{{Name: "email", Value: "x"}, {Name: "email", Value: "y"}}}, webauthn.ExceptionInvalidParameter},
		{"secret hash", map[string]any{"ClientId": mainClient, "Username": "bob", "Password": testPassword, "SecretHash": "abc"}, webauthn.ExceptionNotAuthorized},
		{"existing username", map[string]any{"ClientId": mainClient, "Username": "alice", "Password": testPassword}, ExceptionUsernameExists},
	} {
		t.Run(tc.name, func(t *testing.T) { h.with(t).fails("SignUp", tc.in, tc.want) })
	}
	// The same username in another pool is another user.
	h.ok("SignUp", map[string]any{"ClientId": "offclient", "Username": "alice", "Password": testPassword}, nil)

	h.fails("InitiateAuth", passwordAuth(mainClient, "alice", testPassword), ExceptionUserNotConfirmed)
	h.fails("AdminConfirmSignUp", map[string]any{"UserPoolId": "us-east-1_Nope1", "Username": "alice"}, ExceptionResourceNotFound)
	h.fails("AdminConfirmSignUp", map[string]any{"UserPoolId": mainPool, "Username": "nobody"}, ExceptionUserNotFound)
	h.fails("AdminConfirmSignUp", map[string]any{"UserPoolId": mainPool}, webauthn.ExceptionInvalidParameter)
	h.ok("AdminConfirmSignUp", map[string]any{"UserPoolId": mainPool, "Username": "alice"}, nil)
	msg := h.fails("AdminConfirmSignUp", map[string]any{"UserPoolId": mainPool, "Username": "alice"}, webauthn.ExceptionNotAuthorized)
	if !contain(msg, "CONFIRMED") {
		t.Errorf("second confirmation: %q", msg)
	}
	h.login(mainClient, "alice")
}

func passwordAuth(client, user, password string) map[string]any {
	return map[string]any{"ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": map[string]string{"USERNAME": user, "PASSWORD": password}}
}

func TestPasswordSignIn(t *testing.T) {
	h := newHarness(t, nil)
	h.signUp(mainClient, "alice")
	for _, tc := range []struct {
		name string
		in   map[string]any
		want string
	}{
		{"wrong password", passwordAuth(mainClient, "alice", "Wrong-Horse-1"), webauthn.ExceptionNotAuthorized},
		{"unknown user", passwordAuth(mainClient, "nobody", testPassword), webauthn.ExceptionNotAuthorized},
		{"user of another pool", passwordAuth("offclient", "alice", testPassword), webauthn.ExceptionNotAuthorized},
		{"unknown client", passwordAuth("nosuchclient", "alice", testPassword), ExceptionResourceNotFound},
		{"no username", map[string]any{"ClientId": mainClient, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": map[string]string{"PASSWORD": testPassword}}, webauthn.ExceptionInvalidParameter},
		{"no password", map[string]any{"ClientId": mainClient, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": map[string]string{"USERNAME": "alice"}}, webauthn.ExceptionInvalidParameter},
		{"no flow", map[string]any{"ClientId": mainClient, "AuthParameters": map[string]string{"USERNAME": "alice"}}, webauthn.ExceptionInvalidParameter},
		{"SRP flow", map[string]any{"ClientId": mainClient, "AuthFlow": "USER_SRP_AUTH", "AuthParameters": map[string]string{"USERNAME": "alice", "SRP_A": "00"}}, webauthn.ExceptionInvalidParameter},
		{"secret hash", map[string]any{"ClientId": mainClient, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": map[string]string{"USERNAME": "alice", "PASSWORD": testPassword, "SECRET_HASH": "x"}}, webauthn.ExceptionNotAuthorized},
	} {
		t.Run(tc.name, func(t *testing.T) { h.with(t).fails("InitiateAuth", tc.in, tc.want) })
	}
	res := h.login(mainClient, "alice")
	if res.TokenType != "Bearer" || res.ExpiresIn != 3600 || res.IdToken == "" || res.RefreshToken == "" {
		t.Fatalf("tokens: %+v", res)
	}
	// AdminResetUserPassword: sign-in and tokens answer PasswordResetRequiredException.
	h.ok("AdminResetUserPassword", map[string]any{"UserPoolId": mainPool, "Username": "alice"}, nil)
	h.fails("InitiateAuth", passwordAuth(mainClient, "alice", testPassword), ExceptionPasswordResetRequired)
	h.fails("GetUser", map[string]string{"AccessToken": res.AccessToken}, ExceptionPasswordResetRequired)
	h.fails("InitiateAuth", map[string]any{"ClientId": mainClient, "AuthFlow": "REFRESH_TOKEN_AUTH", "AuthParameters": map[string]string{"REFRESH_TOKEN": res.RefreshToken}}, ExceptionPasswordResetRequired)
	h.fails("AdminResetUserPassword", map[string]any{"UserPoolId": mainPool, "Username": "nobody"}, ExceptionUserNotFound)
	// AdminSetUserPassword (permanent) ends it.
	h.fails("AdminSetUserPassword", map[string]any{"UserPoolId": mainPool, "Username": "alice", "Password": "x", "Permanent": true}, ExceptionInvalidPassword)
	h.fails("AdminSetUserPassword", map[string]any{"UserPoolId": mainPool, "Username": "alice", "Permanent": true}, webauthn.ExceptionInvalidParameter)
	h.fails("AdminSetUserPassword", map[string]any{"UserPoolId": mainPool, "Username": "nobody", "Password": testPassword, "Permanent": true}, ExceptionUserNotFound)
	h.ok("AdminSetUserPassword", map[string]any{"UserPoolId": mainPool, "Username": "alice", "Password": testPassword, "Permanent": true}, nil)
	h.ok("GetUser", map[string]string{"AccessToken": res.AccessToken}, nil)
}

func TestAdminCreateUserNewPassword(t *testing.T) {
	h := newHarness(t, nil)
	var out struct{ User userType }
	code, body := h.send("AdminCreateUser", map[string]any{"UserPoolId": mainPool, "Username": "carol", "TemporaryPassword": "Temp-Pass-1", "MessageAction": "SUPPRESS",
		"UserAttributes": []Attribute{{Name: "email", Value: "carol@example.com"}}})
	if code != 200 {
		t.Fatalf("AdminCreateUser: %d %s", code, body)
	}
	var m map[string]map[string]any
	json.Unmarshal(body, &m)
	if m["User"]["UserStatus"] != StatusForceChangePassword || m["User"]["Enabled"] != true || m["User"]["Username"] != "carol" {
		t.Fatalf("AdminCreateUser: %s", body)
	}
	if _, ok := m["User"]["UserCreateDate"].(float64); !ok {
		t.Fatalf("UserCreateDate is not epoch seconds: %s", body)
	}
	_ = out
	h.fails("AdminCreateUser", map[string]any{"UserPoolId": mainPool, "Username": "carol", "TemporaryPassword": "Temp-Pass-1"}, ExceptionUsernameExists)
	h.fails("AdminCreateUser", map[string]any{"UserPoolId": mainPool, "Username": "dave", "MessageAction": "RESEND"}, webauthn.ExceptionInvalidParameter)
	h.fails("AdminCreateUser", map[string]any{"UserPoolId": mainPool, "Username": "dave", "TemporaryPassword": "x"}, ExceptionInvalidPassword)

	var ch tokensOut
	h.ok("InitiateAuth", passwordAuth(mainClient, "carol", "Temp-Pass-1"), &ch)
	if ch.ChallengeName != "NEW_PASSWORD_REQUIRED" || ch.Session == "" || ch.AuthenticationResult != nil {
		t.Fatalf("first sign-in: %+v", ch)
	}
	newPW := func(session, user, pw string) map[string]any {
		return map[string]any{"ClientId": mainClient, "ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": session,
			"ChallengeResponses": map[string]string{"USERNAME": user, "NEW_PASSWORD": pw}}
	}
	h.fails("RespondToAuthChallenge", newPW(ch.Session, "carol", "short"), ExceptionInvalidPassword)
	h.fails("RespondToAuthChallenge", newPW(ch.Session, "carol", ""), webauthn.ExceptionInvalidParameter)
	h.fails("RespondToAuthChallenge", newPW(ch.Session+"x", "carol", testPassword), webauthn.ExceptionNotAuthorized)
	var done tokensOut
	h.ok("RespondToAuthChallenge", newPW(ch.Session, "carol", testPassword), &done)
	if done.AuthenticationResult == nil {
		t.Fatalf("new password: %+v", done)
	}
	// The session was for FORCE_CHANGE_PASSWORD: it cannot set a password twice.
	h.fails("RespondToAuthChallenge", newPW(ch.Session, "carol", "Another-Pass-2"), webauthn.ExceptionNotAuthorized)
	h.login(mainClient, "carol")

	// AdminSetUserPassword, permanent: signs in directly.
	h.ok("AdminCreateUser", map[string]any{"UserPoolId": mainPool, "Username": "erin"}, nil)
	h.ok("AdminSetUserPassword", map[string]any{"UserPoolId": mainPool, "Username": "erin", "Password": testPassword, "Permanent": true}, nil)
	h.login(mainClient, "erin")
}

func TestGetUser(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.user(mainClient, "alice")
	var out getUserOutput
	h.ok("GetUser", map[string]string{"AccessToken": tok}, &out)
	if out.Username != "alice" || len(out.UserAttributes) != 2 || out.UserAttributes[0].Name != "sub" || out.UserAttributes[1].Value != "alice@example.com" {
		t.Fatalf("GetUser: %+v", out)
	}
}

// decodeClaims reads a token's payload.
func decodeClaims(t *testing.T, tok string) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestTokenClaimsAndJWKS(t *testing.T) {
	h := newHarness(t, nil)
	h.signUp(mainClient, "alice")
	res := h.login(mainClient, "alice")
	now := float64(h.clock.Now().Unix())
	a := decodeClaims(t, res.AccessToken)
	for k, v := range map[string]any{"iss": testBaseURL + "/" + mainPool, "token_use": "access", "client_id": mainClient, "username": "alice",
		"scope": ScopeUserAdmin, "iat": now, "auth_time": now, "exp": now + 3600} {
		if a[k] != v {
			t.Errorf("access token %s = %v, want %v", k, a[k], v)
		}
	}
	for _, k := range []string{"sub", "jti", "origin_jti", "event_id"} {
		if s, _ := a[k].(string); s == "" {
			t.Errorf("access token has no %s", k)
		}
	}
	id := decodeClaims(t, res.IdToken)
	if id["token_use"] != "id" || id["aud"] != mainClient || id["cognito:username"] != "alice" || id["sub"] != a["sub"] || id["email"] != "alice@example.com" {
		t.Errorf("ID token claims %v", id)
	}

	// The JWKS verifies the token with nothing but the standard library.
	rec := httptest.NewRecorder()
	h.srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/"+mainPool+"/.well-known/jwks.json", nil))
	var set struct{ Keys []jwk }
	if err := json.Unmarshal(rec.Body.Bytes(), &set); err != nil || len(set.Keys) != 1 {
		t.Fatalf("JWKS %s", rec.Body.Bytes())
	}
	k := set.Keys[0]
	x, _ := base64.RawURLEncoding.DecodeString(k.X)
	y, _ := base64.RawURLEncoding.DecodeString(k.Y)
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
	if err != nil {
		t.Fatalf("JWKS key: %v", err)
	}
	parts := strings.Split(res.AccessToken, ".")
	hdr, _ := base64.RawURLEncoding.DecodeString(parts[0])
	var hd map[string]string
	json.Unmarshal(hdr, &hd)
	if hd["alg"] != "ES256" || hd["kid"] != k.Kid || k.Kty != "EC" || k.Crv != "P-256" {
		t.Fatalf("header %v key %+v", hd, k)
	}
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if !ecdsa.Verify(pub, sum[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		t.Fatal("the JWKS key does not verify the access token")
	}
}

// resign returns tok with its payload edited by edit and signed again with
// the pool's own key (a token the server could have issued).
func resign(t *testing.T, h *harness, tok string, edit func(*claims)) string {
	t.Helper()
	parts, c, ok := tokenParts(tok)
	if !ok {
		t.Fatal("tokenParts")
	}
	_ = parts
	edit(c)
	p := h.srv.issuers[c.Iss]
	if p == nil {
		p = h.srv.pools[mainPool]
	}
	s, err := p.signer.sign(c)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAccessTokenChecks(t *testing.T) {
	h := newHarness(t, nil)
	h.signUp(mainClient, "alice")
	res := h.login(mainClient, "alice")
	tok := res.AccessToken
	parts := strings.Split(tok, ".")
	otherKey, err := generateSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	other, _ := newSigner(otherKey)
	_, c, _ := tokenParts(tok)
	forgedByOther, _ := other.sign(c)
	noneHeader := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none"}`))
	for _, tc := range []struct {
		name, token, msg string
	}{
		{"garbage", "not-a-token", "Invalid Access Token"},
		{"two parts", parts[0] + "." + parts[1], "Invalid Access Token"},
		{"flipped signature", parts[0] + "." + parts[1] + "." + flip(parts[2]), "Invalid Access Token"},
		{"edited payload", parts[0] + "." + base64.RawURLEncoding.EncodeToString(bytes.Replace(mustB64(t, parts[1]), []byte("alice"), []byte("alicf"), 1)) + "." + parts[2], "Invalid Access Token"},
		{"alg none", noneHeader + "." + parts[1] + ".", "Invalid Access Token"},
		{"signed by another key", forgedByOther, "Invalid Access Token"},
		{"ID token", res.IdToken, "Invalid Access Token"},
		{"refresh token", res.RefreshToken, "Invalid Access Token"},
		{"unknown issuer", resign(t, h, tok, func(c *claims) { c.Iss = testBaseURL + "/us-east-1_Nope1" }), "Invalid Access Token"},
		{"another pool's issuer", resign(t, h, tok, func(c *claims) { c.Iss = testBaseURL + "/us-east-1_Off1" }), "Invalid Access Token"},
		{"unknown client", resign(t, h, tok, func(c *claims) { c.ClientID = "nosuchclient" }), "Invalid Access Token"},
		{"no admin scope", resign(t, h, tok, func(c *claims) { c.Scope = "openid email" }), "Access Token does not have required scopes"},
		{"scope prefix only", resign(t, h, tok, func(c *claims) { c.Scope = ScopeUserAdmin + "x" }), "Access Token does not have required scopes"},
		{"unknown user", resign(t, h, tok, func(c *claims) { c.Sub = newUUID() }), "User does not exist."},
		{"username of another user", resign(t, h, tok, func(c *claims) { c.Username = "mallory" }), "Invalid Access Token"},
		{"expired", resign(t, h, tok, func(c *claims) { c.Exp = h.clock.Now().Unix() }), "Access Token has expired"},
		{"oversized", tok + strings.Repeat("A", maxTokenSize), "Invalid Access Token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg := h.with(t).fails("GetUser", map[string]string{"AccessToken": tc.token}, webauthn.ExceptionNotAuthorized)
			if msg != tc.msg {
				t.Errorf("message %q, want %q", msg, tc.msg)
			}
		})
	}
	h.ok("GetUser", map[string]string{"AccessToken": tok}, nil)
	h.clock.Advance(time.Hour - time.Second)
	h.ok("GetUser", map[string]string{"AccessToken": tok}, nil)
	h.clock.Advance(time.Second)
	if msg := h.fails("GetUser", map[string]string{"AccessToken": tok}, webauthn.ExceptionNotAuthorized); msg != "Access Token has expired" {
		t.Errorf("expired: %q", msg)
	}
}

func flip(s string) string {
	b := []byte(s)
	if b[3] == 'A' {
		b[3] = 'B'
	} else {
		b[3] = 'A'
	}
	return string(b)
}

func mustB64(t *testing.T, s string) []byte {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRefreshToken(t *testing.T) {
	h := newHarness(t, nil)
	h.signUp(mainClient, "alice")
	res := h.login(mainClient, "alice")
	refresh := func(client, tok string) map[string]any {
		return map[string]any{"ClientId": client, "AuthFlow": "REFRESH_TOKEN_AUTH", "AuthParameters": map[string]string{"REFRESH_TOKEN": tok}}
	}
	h.clock.Advance(2 * time.Hour)
	h.fails("GetUser", map[string]string{"AccessToken": res.AccessToken}, webauthn.ExceptionNotAuthorized)
	var out tokensOut
	h.ok("InitiateAuth", refresh(mainClient, res.RefreshToken), &out)
	if out.AuthenticationResult == nil || out.AuthenticationResult.RefreshToken != "" {
		t.Fatalf("refresh: %+v", out)
	}
	h.ok("GetUser", map[string]string{"AccessToken": out.AuthenticationResult.AccessToken}, nil)
	h.fails("InitiateAuth", refresh(otherClient, res.RefreshToken), webauthn.ExceptionNotAuthorized)
	h.fails("InitiateAuth", refresh(mainClient, res.AccessToken), webauthn.ExceptionNotAuthorized)
	h.fails("InitiateAuth", refresh(mainClient, "x.y.z"), webauthn.ExceptionNotAuthorized)
	h.fails("InitiateAuth", refresh(mainClient, ""), webauthn.ExceptionInvalidParameter)
	h.clock.Advance(DefaultRefreshTokenValidity)
	if msg := h.fails("InitiateAuth", refresh(mainClient, res.RefreshToken), webauthn.ExceptionNotAuthorized); msg != "Refresh Token has expired" {
		t.Errorf("expired refresh: %q", msg)
	}
}

func TestWAFForbidden(t *testing.T) {
	h := newHarness(t, nil)
	h.signUp("wafclient", "alice")
	tok := h.login("wafclient", "alice").AccessToken
	bot := []string{"User-Agent", "aws-sdk-js/3 BadBot/1.0"}
	h.fails("SignUp", map[string]any{"ClientId": "wafclient", "Username": "bob", "Password": testPassword}, ExceptionForbidden, bot...)
	h.fails("InitiateAuth", passwordAuth("wafclient", "alice", testPassword), ExceptionForbidden, bot...)
	h.fails("GetUser", map[string]string{"AccessToken": tok}, ExceptionForbidden, bot...)
	h.fails("CompleteWebAuthnRegistration", map[string]any{"AccessToken": tok, "Credential": map[string]any{}}, ExceptionForbidden, bot...)
	h.fails("AdminConfirmSignUp", map[string]any{"UserPoolId": "us-east-1_Waf1", "Username": "alice"}, ExceptionForbidden, bot...)
	// The rule is the pool's: the same agent reaches other pools.
	h.signUp(mainClient, "alice")
	h.ok("InitiateAuth", passwordAuth(mainClient, "alice", testPassword), nil)
	code, body := h.send("InitiateAuth", passwordAuth(mainClient, "alice", testPassword), bot...)
	if code != 200 {
		t.Fatalf("main pool with the blocked agent: %d %s", code, body)
	}
}

func TestRateLimit(t *testing.T) {
	h := newHarness(t, nil)
	in := passwordAuth("slowclient", "nobody", testPassword)
	for i := range 3 {
		if code, body := h.send("InitiateAuth", in); code != 400 || !bytes.Contains(body, []byte(webauthn.ExceptionNotAuthorized)) {
			t.Fatalf("request %d: %d %s", i, code, body)
		}
	}
	h.fails("InitiateAuth", in, webauthn.ExceptionTooManyRequests)
	// Per operation: SignUp has its own bucket.
	h.ok("SignUp", map[string]any{"ClientId": "slowclient", "Username": "bob", "Password": testPassword}, nil)
	h.clock.Advance(time.Second)
	h.fails("InitiateAuth", in, webauthn.ExceptionNotAuthorized)
	h.fails("InitiateAuth", in, webauthn.ExceptionTooManyRequests)
}

func TestConfigValidate(t *testing.T) {
	good := `{"pools":[{"id":"us-east-1_A1","client_ids":["c1"],"webauthn":{"enabled":true,"rp_id":"example.com","origins":["https://example.com"],"user_verification":"required","max_passkeys_per_user":20,"challenge_lifetime":"2m"},"rate_limit":{"per_second":1,"burst":2},"access_token_validity":"30m"}]}`
	c, err := ParseConfig([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if time.Duration(c.Pools[0].WebAuthn.ChallengeLifetime) != 2*time.Minute || c.Pools[0].WebAuthn.MaxPasskeysPerUser != 20 {
		t.Fatalf("%+v", c.Pools[0])
	}
	for _, bad := range []string{
		`{}`,
		`{"pools":[]}`,
		`{"pools":[{"id":"nounderscore","client_ids":["c1"]}]}`,
		`{"pools":[{"id":"us-east-1_A1","client_ids":[]}]}`,
		`{"pools":[{"id":"us-east-1_A1","client_ids":["bad-client"]}]}`,
		`{"pools":[{"id":"us-east-1_A1","client_ids":["c1"]},{"id":"us-east-1_A1","client_ids":["c2"]}]}`,
		`{"pools":[{"id":"us-east-1_A1","client_ids":["c1"]},{"id":"us-east-1_B1","client_ids":["c1"]}]}`,
		`{"pools":[{"id":"us-east-1_A1","client_ids":["c1"],"webauthn":{"user_verification":"discouraged"}}]}`,
		`{"pools":[{"id":"us-east-1_A1","client_ids":["c1"],"webauthn":{"max_passkeys_per_user":21}}]}`,
		`{"pools":[{"id":"us-east-1_A1","client_ids":["c1"],"webauthn":{"challenge_lifetime":"-1m"}}]}`,
		`{"pools":[{"id":"us-east-1_A1","client_ids":["c1"],"webauthn":{"challenge_lifetime":5}}]}`,
		`{"pools":[{"id":"us-east-1_A1","client_ids":["c1"],"rate_limit":{"burst":-1}}]}`,
		`{"pools":[{"id":"us-east-1_A1","client_ids":["c1"],"unknown":1}]}`,
		`{"pools":[{"id":"us-east-1_A1","client_ids":["c1"]}]} {}`,
	} {
		if _, err := ParseConfig([]byte(bad)); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}
