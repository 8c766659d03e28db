package main

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"sync"

	"github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/webauthnhttp"
)

// demoSessionCookie is the demo application's own session cookie: who is
// signed in, set by the webauthnhttp hooks after a sign-up or a sign-in.
const demoSessionCookie = "demo_signed_in"

// maxDemoSessions bounds the demo's sign-in sessions; beyond it the table
// is emptied (a demo on localhost, not a session store).
const maxDemoSessions = 10_000

// demoSessions is the demo's stand-in for an application's sessions: a
// passkey sign-up or sign-in signs the browser in (OnRegistered,
// OnSignedIn), and a signed-in browser may add passkeys to its own account
// (CanRegister), never to another.
type demoSessions struct {
	mu sync.Mutex
	m  map[string]string // session ID → account name
}

// options returns the HandlerOptions hooks that keep the sessions.
func (s *demoSessions) options(o *webauthnhttp.HandlerOptions) {
	o.OnRegistered = func(w http.ResponseWriter, r *http.Request, a *webauthnhttp.Account, _ *webauthn.Registration) error {
		return s.signIn(w, r, a.Name)
	}
	o.OnSignedIn = func(w http.ResponseWriter, r *http.Request, a *webauthnhttp.Account, _ *webauthn.Assertion) error {
		return s.signIn(w, r, a.Name)
	}
	o.CanRegister = func(r *http.Request, name string) bool { return s.signedIn(r) == name }
}

// signIn starts a session for the account name.
func (s *demoSessions) signIn(w http.ResponseWriter, r *http.Request, name string) error {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return webauthn.NewError(webauthn.ErrInternal, "Handler", "no randomness", err)
	}
	id := base64.RawURLEncoding.EncodeToString(b[:])
	s.mu.Lock()
	if s.m == nil || len(s.m) >= maxDemoSessions {
		s.m = make(map[string]string)
	}
	s.m[id] = name
	s.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: demoSessionCookie, Value: id, Path: "/", HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	return nil
}

// signedIn returns the account the request's session is signed in to, or "".
func (s *demoSessions) signedIn(r *http.Request) string {
	c, err := r.Cookie(demoSessionCookie)
	if err != nil {
		return ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[c.Value]
}
