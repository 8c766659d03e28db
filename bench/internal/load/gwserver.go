package load

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"sync"

	gw "github.com/go-webauthn/webauthn/webauthn"

	"github.com/go-webauthn/webauthn/protocol"
)

// gwServer is a go-webauthn v0.18.2 server for the same four endpoints as
// webauthnhttp.Handler, written the way its documentation shows:
// BeginRegistration/CreateCredential and BeginLogin/ValidateLogin, the
// SessionData kept server-side under a session cookie, users and their
// credentials in memory. It does what the comparison needs of it and no
// more: no account-safety rules beyond refusing a taken name, and the
// stored counter is raised to the assertion's (never lowered) under one
// lock.
type gwServer struct {
	wa  *gw.WebAuthn
	mux *http.ServeMux

	mu       sync.Mutex
	users    map[string]*gwUser
	sessions map[gwSessionKey]*gwSession
}

type gwSessionKey struct{ cookie, ceremony, name string }

type gwSession struct {
	data gw.SessionData
	user *gwUser // registration: the account being made
}

type gwUser struct {
	id    []byte
	name  string
	creds []gw.Credential
}

func (u *gwUser) WebAuthnID() []byte                   { return u.id }
func (u *gwUser) WebAuthnName() string                 { return u.name }
func (u *gwUser) WebAuthnDisplayName() string          { return u.name }
func (u *gwUser) WebAuthnCredentials() []gw.Credential { return u.creds }

const gwCookie = "gw_session"

// maxGWSessions bounds the pending ceremonies the go-webauthn server keeps,
// as MemStore's DefaultMaxChallenges does for ours.
const maxGWSessions = 100_000

func newGWServer() (*gwServer, error) {
	wa, err := gw.New(&gw.Config{RPID: RPID, RPDisplayName: RPID, RPOrigins: []string{Origin}})
	if err != nil {
		return nil, err
	}
	g := &gwServer{wa: wa, mux: http.NewServeMux(), users: map[string]*gwUser{}, sessions: map[gwSessionKey]*gwSession{}}
	g.mux.HandleFunc("POST /webauthn/register/begin", g.registerBegin)
	g.mux.HandleFunc("POST /webauthn/register/finish", g.registerFinish)
	g.mux.HandleFunc("POST /webauthn/login/begin", g.loginBegin)
	g.mux.HandleFunc("POST /webauthn/login/finish", g.loginFinish)
	return g, nil
}

func (g *gwServer) ServeHTTP(w http.ResponseWriter, r *http.Request) { g.mux.ServeHTTP(w, r) }

type gwRequest struct {
	Username   string          `json:"username"`
	Credential json.RawMessage `json:"credential"`
}

func readGW(r *http.Request) (gwRequest, bool) {
	var req gwRequest
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	return req, err == nil && json.Unmarshal(b, &req) == nil && req.Username != ""
}

// cookie returns the session cookie, setting a new one when w is not nil.
func cookie(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(gwCookie); err == nil && c.Value != "" {
		return c.Value
	}
	if w == nil {
		return ""
	}
	var b [32]byte
	rand.Read(b[:])
	v := base64.RawURLEncoding.EncodeToString(b[:])
	http.SetCookie(w, &http.Cookie{Name: gwCookie, Value: v, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
	return v
}

func (g *gwServer) putSession(k gwSessionKey, s *gwSession) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.sessions) >= maxGWSessions {
		return false
	}
	g.sessions[k] = s
	return true
}

func (g *gwServer) takeSession(k gwSessionKey) *gwSession {
	g.mu.Lock()
	defer g.mu.Unlock()
	s := g.sessions[k]
	delete(g.sessions, k)
	return s
}

// user returns a snapshot of the account called name, or nil.
func (g *gwServer) user(name string) *gwUser {
	g.mu.Lock()
	defer g.mu.Unlock()
	u := g.users[name]
	if u == nil {
		return nil
	}
	return &gwUser{id: u.id, name: u.name, creds: append([]gw.Credential(nil), u.creds...)}
}

func fail(w http.ResponseWriter, status int, msg string) { http.Error(w, msg, status) }

func (g *gwServer) registerBegin(w http.ResponseWriter, r *http.Request) {
	req, ok := readGW(r)
	if !ok {
		fail(w, http.StatusBadRequest, "bad request")
		return
	}
	if g.user(req.Username) != nil {
		fail(w, http.StatusForbidden, "name taken")
		return
	}
	u := &gwUser{id: make([]byte, 32), name: req.Username}
	rand.Read(u.id)
	creation, sd, err := g.wa.BeginRegistration(u, gw.WithResidentKeyRequirement(protocol.ResidentKeyRequirementRequired))
	if err != nil {
		fail(w, http.StatusInternalServerError, err.Error())
		return
	}
	if !g.putSession(gwSessionKey{cookie(w, r), "register", req.Username}, &gwSession{data: *sd, user: u}) {
		fail(w, http.StatusTooManyRequests, "too many sessions")
		return
	}
	writeJSON(w, creation.Response)
}

func (g *gwServer) registerFinish(w http.ResponseWriter, r *http.Request) {
	req, ok := readGW(r)
	if !ok {
		fail(w, http.StatusBadRequest, "bad request")
		return
	}
	s := g.takeSession(gwSessionKey{cookie(nil, r), "register", req.Username})
	if s == nil {
		fail(w, http.StatusBadRequest, "no session")
		return
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(req.Credential)
	if err != nil {
		fail(w, http.StatusBadRequest, err.Error())
		return
	}
	cred, err := g.wa.CreateCredential(s.user, s.data, parsed)
	if err != nil {
		fail(w, http.StatusBadRequest, err.Error())
		return
	}
	g.mu.Lock()
	if g.users[req.Username] != nil {
		g.mu.Unlock()
		fail(w, http.StatusForbidden, "name taken")
		return
	}
	s.user.creds = append(s.user.creds, *cred)
	g.users[req.Username] = s.user
	g.mu.Unlock()
	writeJSON(w, map[string]any{"user": req.Username, "signCount": cred.Authenticator.SignCount})
}

func (g *gwServer) loginBegin(w http.ResponseWriter, r *http.Request) {
	req, ok := readGW(r)
	if !ok {
		fail(w, http.StatusBadRequest, "bad request")
		return
	}
	u := g.user(req.Username)
	if u == nil {
		fail(w, http.StatusBadRequest, "no such user")
		return
	}
	assertion, sd, err := g.wa.BeginLogin(u)
	if err != nil {
		fail(w, http.StatusInternalServerError, err.Error())
		return
	}
	if !g.putSession(gwSessionKey{cookie(w, r), "login", req.Username}, &gwSession{data: *sd}) {
		fail(w, http.StatusTooManyRequests, "too many sessions")
		return
	}
	writeJSON(w, assertion.Response)
}

func (g *gwServer) loginFinish(w http.ResponseWriter, r *http.Request) {
	req, ok := readGW(r)
	if !ok {
		fail(w, http.StatusBadRequest, "bad request")
		return
	}
	s := g.takeSession(gwSessionKey{cookie(nil, r), "login", req.Username})
	u := g.user(req.Username)
	if s == nil || u == nil {
		fail(w, http.StatusBadRequest, "no session")
		return
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(req.Credential)
	if err != nil {
		fail(w, http.StatusBadRequest, err.Error())
		return
	}
	cred, err := g.wa.ValidateLogin(u, s.data, parsed)
	if err != nil {
		fail(w, http.StatusUnauthorized, err.Error())
		return
	}
	g.mu.Lock()
	var prev uint32
	if cur := g.users[req.Username]; cur != nil {
		for i := range cur.creds {
			c := &cur.creds[i]
			if bytes.Equal(c.ID, cred.ID) {
				prev = c.Authenticator.SignCount
				if cred.Authenticator.SignCount > prev {
					c.Authenticator.SignCount = cred.Authenticator.SignCount
				}
				c.Flags = cred.Flags
			}
		}
	}
	g.mu.Unlock()
	// signCount is the assertion's (UpdateCounter keeps the stored one when
	// it flags a clone).
	writeJSON(w, map[string]any{"user": req.Username, "signCount": parsed.Response.AuthenticatorData.Counter, "previousSignCount": prev, "cloneSuspected": cred.Authenticator.CloneWarning})
}

// lookup is the /_load/state view of the account called name.
func (g *gwServer) lookup(_ context.Context, name string) (Account, error) {
	u := g.user(name)
	if u == nil {
		return Account{Name: name}, nil
	}
	a := Account{Name: name, Found: true}
	for _, c := range u.creds {
		a.Credentials = append(a.Credentials, StateCredRec{ID: base64.RawURLEncoding.EncodeToString(c.ID), SignCount: c.Authenticator.SignCount})
	}
	return a, nil
}
