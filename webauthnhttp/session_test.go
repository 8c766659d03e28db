package webauthnhttp

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/passkeykit/webauthn"
)

// TestSessionCookieSecure: the session cookie is Secure when the request
// came over TLS, and also over plain HTTP when every origin of the relying
// party is https (a TLS-terminating proxy in front); a relying party with
// an http origin (the demo on localhost) gets a cookie its browser keeps.
func TestSessionCookieSecure(t *testing.T) {
	tests := []struct {
		name    string
		origins []string
		tls     bool
		secure  bool
	}{
		{"http origin, plain request", []string{"http://localhost:8080"}, false, false},
		{"http origin, TLS request", []string{"http://localhost:8080"}, true, true},
		{"https origin behind a proxy", []string{"https://example.org"}, false, true},
		{"https origins behind a proxy", []string{"https://example.org", "https://login.example.org"}, false, true},
		{"https origin, TLS request", []string{"https://example.org"}, true, true},
		{"one http origin among https", []string{"https://example.org", "http://localhost:8080"}, false, false},
		{"an origin that only starts like https", []string{"https:example.org"}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := NewHandler(&webauthn.RelyingParty{RPID: "example.org", Origins: tt.origins}, nil)
			req := httptest.NewRequest("POST", "/webauthn/login/begin", strings.NewReader(`{}`))
			if tt.tls {
				req.TLS = &tls.ConnectionState{}
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			res := w.Result()
			cookies := res.Cookies()
			if res.StatusCode != 200 || len(cookies) != 1 || cookies[0].Name != DefaultSessionCookie {
				t.Fatalf("status %d, cookies %+v", res.StatusCode, cookies)
			}
			if c := cookies[0]; c.Secure != tt.secure || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
				t.Fatalf("cookie %+v, want Secure=%v", c, tt.secure)
			}
		})
	}
}

// TestUserMessageBothCeremonies: an exception either ceremony can answer
// with gets a sentence that is true for both, a refused register/begin
// (NotAuthorizedException for a name with an account) as much as a failed
// sign-in.
func TestUserMessageBothCeremonies(t *testing.T) {
	h := testHandler(nil)
	if err := h.Users().Create(context.Background(), "bob", []byte("bob"), &webauthn.Credential{ID: []byte("cred-1"), PublicKey: []byte{0xa0}, UserHandle: []byte("bob")}); err != nil {
		t.Fatal(err)
	}
	res := post(t, h, "/webauthn/register/begin", `{"username":"bob"}`, nil)
	refused := errorBody(t, res)
	if res.StatusCode != 401 || refused.Exception != webauthn.ExceptionNotAuthorized {
		t.Fatalf("register/begin of a taken name: %d %+v", res.StatusCode, refused)
	}
	if refused.Message != UserMessage(webauthn.NewError(webauthn.ErrNotAuthorized, "", "", nil)) {
		t.Fatalf("message %q is not UserMessage's", refused.Message)
	}
	// Words that would tell a person registering that they were signing in,
	// or one signing in that they were registering.
	oneCeremony := []string{"sign you in", "sign-in attempt", "signing in", "registration", "register"}
	for _, fault := range []error{
		webauthn.ErrMalformed, webauthn.ErrChallengeNotFound, webauthn.ErrClientMismatch, webauthn.ErrOriginNotAllowed,
		webauthn.ErrRPIDMismatch, webauthn.ErrNotAuthorized, webauthn.ErrNotEnabled, webauthn.ErrConfigurationMissing,
		webauthn.ErrTooManyRequests, webauthn.ErrInternal,
	} {
		msg := UserMessage(webauthn.NewError(fault, "", "", nil))
		for _, w := range oneCeremony {
			if strings.Contains(strings.ToLower(msg), w) {
				t.Errorf("%v: %q speaks of one ceremony (%q)", fault, msg, w)
			}
		}
	}
}
