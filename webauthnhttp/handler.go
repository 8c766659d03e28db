package webauthnhttp

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/ceremony"
	"github.com/passkeykit/webauthn/mds"
)

// maxRequestBody is the largest request body Handler reads: a response JSON
// of webauthn.MaxResponseSize plus the small envelope around it.
const maxRequestBody = webauthn.MaxResponseSize + 4<<10

// maxUserNameSize is the longest user name a begin request may carry, in
// bytes: §6.4.1 lets authenticators truncate user.name at 64 bytes; 256
// leaves room for e-mail addresses while bounding what a store keeps.
const maxUserNameSize = 256

// sessionIDSize is the number of random bytes in a session cookie: as many as
// a challenge, so a session ID cannot be guessed either (§13.4.3).
const sessionIDSize = 32

// userHandleSize is the size of the user handles Handler makes: §14.6.1
// asks for 64 random bytes at most and no personal data; 32 is plenty.
const userHandleSize = 32

// maxStateRetries bounds how often a sign-in re-reads a credential whose
// state a concurrent sign-in changed before it can write its own (§7.2 step
// 24): each retry means another sign-in succeeded, so a handful suffices.
const maxStateRetries = 8

// DefaultSessionCookie is the cookie Handler identifies clients by when
// HandlerOptions.CookieName is empty.
const DefaultSessionCookie = "webauthn_session"

// maxPooledBody is the largest answer buffer route keeps for reuse: an
// AssertionSummary whose signal lists MaxCredentialsPerUser credentials
// fits; a rare larger one is left to the garbage collector.
const maxPooledBody = 8 << 10

// bodyBuffers holds the buffers 200 answers are encoded into.
var bodyBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// stepHandler is the Step of errors about a request itself rather than a
// step of §7.1 or §7.2.
const stepHandler = "Handler"

// HandlerOptions configures a Handler. The zero value serves a sign-up and
// sign-in with in-memory stores, "none" attestation and the user
// verification the RelyingParty requires.
type HandlerOptions struct {
	// Store keeps issued challenges (ceremony.Lifecycle.Store); nil means a
	// new ceremony.MemStore.
	Store ceremony.ChallengeStore
	// Users keeps accounts and their credential records; nil means a new
	// MemUsers. Records imported from a U2F-era relying party (the key
	// converted with cose.FromU2FPublicKey, Credential.AppID set) sign in
	// when the RelyingParty has the AppID they were registered under (its
	// sign-in options then carry the appid extension, WebAuthn L3 §10.1.1).
	Users UserStore
	// Prefix is the path the four endpoints live under; "" means "/webauthn".
	Prefix string
	// RPName is rp.name in the creation options; "" means the RPID.
	RPName string
	// Timeout is both the challenge lifetime and the options' timeout; 0
	// means ceremony.DefaultChallengeTimeout.
	Timeout time.Duration
	// Attestation is the attestation conveyance preference (§5.4.7) used
	// when the begin request names none; unset means "none". What is
	// accepted is RelyingParty.Attestation's decision, not this preference.
	Attestation ceremony.Conveyance
	// UserVerification is the operator's userVerification (§5.8.6): a floor
	// a begin request may raise ("required" over "preferred") and never
	// lower. Unset means "required" when the RelyingParty requires user
	// verification and "preferred" otherwise.
	UserVerification ceremony.UserVerification
	// ResidentKey is the residentKey preference (§5.4.6) used when the begin
	// request names none; unset means "required" (a passkey), as in
	// ceremony.
	ResidentKey ceremony.ResidentKey
	// CookieName is the session cookie identifying the client; "" means
	// DefaultSessionCookie. The cookie is HttpOnly, SameSite=Strict, and
	// Secure when the request came over TLS or when every one of the
	// RelyingParty's Origins is https: behind a TLS-terminating proxy the
	// request reaches the handler in plain HTTP while the browser speaks
	// https. A relying party with an http origin (a demo on
	// http://localhost) gets a cookie without Secure over plain HTTP.
	CookieName string
	// Secret keys the user handles of names that have no account yet and
	// the fictitious allowCredentials of unknown names (at least 32 bytes);
	// nil means 32 random bytes drawn when the Handler is made. Set it when
	// several processes serve the same users, so that they answer alike.
	Secret []byte
	// CanRegister decides, when the request happens, whether it may add a
	// passkey to the account called name that exists already (the caller
	// must be signed in to it). It is asked at register/begin and again at
	// register/finish, since the account may have changed in between. Nil
	// refuses with NotAuthorizedException, so that the handler is a sign-up
	// and never lets anyone add a key to someone else's account.
	CanRegister func(r *http.Request, name string) bool
	// OnRegistered runs after a registration is stored, before the answer
	// is written: an application sets its own session here. An error it
	// returns is answered instead of the summary.
	OnRegistered func(w http.ResponseWriter, r *http.Request, account *Account, reg *webauthn.Registration) error
	// OnSignedIn runs after a sign-in succeeded and the credential's state
	// was stored, before the answer is written.
	OnSignedIn func(w http.ResponseWriter, r *http.Request, account *Account, as *webauthn.Assertion) error
	// Logger receives the cause of every failure answered (never sent to
	// the client); nil means slog.Default().
	Logger *slog.Logger
	// Providers names the passkey provider of a registration by its AAGUID
	// in RegistrationSummary.Provider (a FIDO Convenience Metadata Service
	// BLOB, mds.LoadConvenience); nil names none. Display data only.
	Providers *mds.Convenience
}

// Handler serves a passkey sign-up and sign-in for browsers as four JSON
// endpoints under a prefix ("/webauthn" by default), all POST:
//
//	register/begin   {"username": …}            → ceremony.CreationOptionsJSON (§5.4)
//	register/finish  {"username": …, "credential": RegistrationResponseJSON}
//	login/begin      {"username": …} or {}      → ceremony.RequestOptionsJSON (§5.5)
//	login/finish     {"username": …, "credential": AuthenticationResponseJSON}
//
// It is an HTTP layer over a ceremony.Lifecycle, with the session cookie as
// the client ID. A begin request may also name "displayName",
// "attestation", "userVerification", "residentKey",
// "authenticatorAttachment" and "algorithms" (COSE identifiers): they shape
// the options only, never lower what the operator configured. A
// register/begin may name "conditional": true to start a registration for
// conditional mediation (ceremony.RegistrationOptions.Conditional: its
// response may have UP clear, §7.1 step 15); login/begin refuses it.
//
// Account safety: an account is made only when its first registration
// succeeds (register/finish), never at begin; a name that has an account
// takes a passkey only from a request CanRegister allows, at begin and
// again at finish. A sign-in for a name reveals nothing about whether the
// account exists: an unknown name gets one stable fictitious credential
// descriptor derived from Secret, the shape of an account with one passkey,
// and its finish fails as a wrong passkey does. An empty username starts a
// username-less (discoverable credential) sign-in. A sign-in writes the
// credential's new counter and backup state only if no concurrent sign-in
// changed them since it was judged; otherwise it is judged again against
// the fresh state (§7.2 step 22).
//
// Request bodies are read strictly (exact-case names, no duplicates, no
// unknown members). A finish answers 200 with a JSON summary. Every failure
// answers ErrorBody {"exception", "step", "message"} — the Cognito
// exception name, the spec step, and the fixed message of UserMessage —
// with the HTTP status of HTTPStatus; the reason and the cause go to
// Logger only.
type Handler struct {
	rp     *webauthn.RelyingParty
	lc     ceremony.Lifecycle
	opts   HandlerOptions
	users  UserStore
	secret []byte
	decoy  []byte // COSE_Key of the fictitious credentials (fictitious.go)
	log    *slog.Logger
	mux    *http.ServeMux
}

// NewHandler returns a Handler verifying with rp. opts may be nil.
func NewHandler(rp *webauthn.RelyingParty, opts *HandlerOptions) *Handler {
	h := &Handler{rp: rp}
	if opts != nil {
		h.opts = *opts
	}
	h.lc = ceremony.Lifecycle{RP: rp, RPName: h.opts.RPName, Store: h.opts.Store, Timeout: h.opts.Timeout, MaxCredentials: MaxCredentialsPerUser}
	h.users = h.opts.Users
	if h.users == nil {
		h.users = &MemUsers{}
	}
	h.secret = h.opts.Secret
	if len(h.secret) == 0 {
		h.secret = make([]byte, 32)
		rand.Read(h.secret)
	}
	h.decoy = newDecoyKey()
	h.log = h.opts.Logger
	if h.log == nil {
		h.log = slog.Default()
	}
	p := strings.TrimSuffix(h.opts.Prefix, "/")
	if p == "" {
		p = "/webauthn"
	}
	h.mux = http.NewServeMux()
	h.route(p+"/register/begin", h.registerBegin)
	h.route(p+"/register/finish", h.registerFinish)
	h.route(p+"/login/begin", h.loginBegin)
	h.route(p+"/login/finish", h.loginFinish)
	return h
}

// Users returns the UserStore the handler records credentials in.
func (h *Handler) Users() UserStore { return h.users }

// ServeHTTP dispatches to the four endpoints; anything else is 404 or 405.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// route serves POST path with f, which returns the 200 JSON body or the
// error to answer with. A relying party that cannot run a ceremony answers
// every endpoint before f runs.
func (h *Handler) route(path string, f func(http.ResponseWriter, *http.Request) (any, error)) {
	h.mux.HandleFunc("POST "+path, func(w http.ResponseWriter, r *http.Request) {
		var v any
		err := h.rp.Check()
		if err == nil {
			v, err = f(w, r)
		}
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		if a, ok := v.(jsonAppender); ok {
			// The bytes writeJSON's Encoder would write, without reflection.
			buf := bodyBuffers.Get().(*[]byte)
			defer bodyBuffers.Put(buf)
			if b, err := a.AppendJSON((*buf)[:0]); err == nil {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Cache-Control", "no-store")
				w.WriteHeader(http.StatusOK)
				_, _ = w.Write(append(b, '\n'))
				if cap(b) <= maxPooledBody {
					*buf = b[:0]
				}
				return
			}
		}
		writeJSON(w, http.StatusOK, v)
	})
}

// session returns the client's session ID from its cookie, setting a new
// cookie when it has none (or a malformed one) and set is true.
func (h *Handler) session(w http.ResponseWriter, r *http.Request, set bool) (string, error) {
	name := h.opts.CookieName
	if name == "" {
		name = DefaultSessionCookie
	}
	if c, err := r.Cookie(name); err == nil && len(c.Value) == base64.RawURLEncoding.EncodedLen(sessionIDSize) {
		return c.Value, nil
	}
	if !set {
		return "", webauthn.NewError(webauthn.ErrChallengeNotFound, stepHandler, "no session cookie: the ceremony was not begun by this client", nil)
	}
	var b [sessionIDSize]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", webauthn.NewError(webauthn.ErrInternal, stepHandler, "no randomness", err)
	}
	id := base64.RawURLEncoding.EncodeToString(b[:])
	http.SetCookie(w, &http.Cookie{Name: name, Value: id, Path: "/", HttpOnly: true, Secure: r.TLS != nil || h.httpsOnly(), SameSite: http.SameSiteStrictMode})
	return id, nil
}

// httpsOnly reports whether every origin the relying party accepts is https,
// so that a browser reaches it over TLS whatever the last hop was.
func (h *Handler) httpsOnly() bool {
	if len(h.rp.Origins) == 0 {
		return false
	}
	for _, o := range h.rp.Origins {
		if !strings.HasPrefix(o, "https://") {
			return false
		}
	}
	return true
}

// derive returns HMAC-SHA256(Secret, label ‖ 0 ‖ parts…), truncated to n
// bytes: stable values no client can predict or choose.
func (h *Handler) derive(n int, label string, parts ...string) []byte {
	m := hmac.New(sha256.New, h.secret)
	m.Write([]byte(label))
	for _, p := range parts {
		m.Write([]byte{0})
		m.Write([]byte(p))
	}
	return m.Sum(nil)[:n]
}

// pendingHandle is the user handle a registration of a name without an
// account is started with by session sid: the same at begin and finish,
// different for every session, so no other session's begin can finish
// into the account the name gets.
func (h *Handler) pendingHandle(sid, name string) []byte {
	return h.derive(userHandleSize, "pending user handle", sid, name)
}

// decode reads the request body, at most maxRequestBody bytes, into *out
// with parse.
func decode[T any](r *http.Request, parse func([]byte, *T) error, out *T) error {
	var b []byte
	var err error
	if n := r.ContentLength; n >= 0 && n <= maxRequestBody {
		// The declared length, read in one buffer; net/http ends the body
		// there, and one byte more shows a body longer than declared.
		b = make([]byte, n+1)
		var m int
		m, err = io.ReadFull(r.Body, b)
		if err == io.ErrUnexpectedEOF || err == io.EOF {
			b, err = b[:m], nil
		}
	} else {
		b, err = io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
	}
	if err != nil {
		return webauthn.NewError(webauthn.ErrMalformed, stepHandler, "cannot read the request body", err)
	}
	if len(b) > maxRequestBody {
		return webauthn.NewError(webauthn.ErrMalformed, stepHandler, "request body too large", webauthn.ErrResponseTooLarge)
	}
	return parse(b, out)
}

// lookup returns the account called name, or nil when there is none.
func (h *Handler) lookup(ctx context.Context, name string) (*Account, error) {
	a, err := h.users.Lookup(ctx, name)
	if errors.Is(err, ErrUserNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, storeError("§7.2 step 6", err)
	}
	return a, nil
}

// mayAdd decides, when the request happens, whether it may add a passkey
// to the existing account a.
func (h *Handler) mayAdd(r *http.Request, a *Account) error {
	if h.opts.CanRegister == nil || !h.opts.CanRegister(r, a.Name) {
		return webauthn.NewError(webauthn.ErrNotAuthorized, "§5.4.3", "the user has an account; adding a passkey needs a session signed in to it", nil)
	}
	return nil
}

// userVerification returns the stricter of the operator's floor and what
// the request asked for.
func (h *Handler) userVerification(asked ceremony.UserVerification) ceremony.UserVerification {
	rank := func(v ceremony.UserVerification) int {
		switch v {
		case ceremony.UserVerificationRequired:
			return 3
		case ceremony.UserVerificationPreferred:
			return 2
		case ceremony.UserVerificationDiscouraged:
			return 1
		}
		return 0
	}
	// Unset, the operator's floor is "preferred" (RelyingParty.
	// RequireUserVerification raises it to "required" in the Lifecycle).
	floor := h.opts.UserVerification
	if floor == 0 {
		floor = ceremony.UserVerificationPreferred
	}
	if rank(asked) > rank(floor) {
		return asked
	}
	return floor
}

// readFinish reads a finish request and the client's session, which the
// begin set: without one, no challenge can be this client's.
func (h *Handler) readFinish(r *http.Request) (*finishRequest, string, error) {
	var req finishRequest
	if err := decode(r, parseFinishRequest, &req); err != nil {
		return nil, "", err
	}
	sid, err := h.session(nil, r, false)
	return &req, sid, err
}

func (h *Handler) registerBegin(w http.ResponseWriter, r *http.Request) (any, error) {
	var req beginRequest
	if err := decode(r, parseBeginRequest, &req); err != nil {
		return nil, err
	}
	if req.username == "" {
		return nil, webauthn.NewError(webauthn.ErrMalformed, "§5.4.3", "username is required to register", nil)
	}
	sid, err := h.session(w, r, true)
	if err != nil {
		return nil, err
	}
	a, err := h.lookup(r.Context(), req.username)
	if err != nil {
		return nil, err
	}
	handle := h.pendingHandle(sid, req.username)
	var creds []webauthn.Credential
	if a != nil {
		if err := h.mayAdd(r, a); err != nil {
			return nil, err
		}
		handle, creds = a.Handle, a.Credentials
	}
	att := req.attestation
	if att == 0 {
		att = h.opts.Attestation
	}
	rk := req.residentKey
	if rk == 0 {
		rk = h.opts.ResidentKey
	}
	return h.lc.StartRegistration(r.Context(), ceremony.User{ID: handle, Name: req.username, DisplayName: req.displayName}, sid, &ceremony.RegistrationOptions{
		Credentials:             creds,
		UserVerification:        h.userVerification(req.userVerification),
		ResidentKey:             rk,
		AuthenticatorAttachment: req.attachment,
		Attestation:             att,
		Algorithms:              req.algorithms,
		Conditional:             req.conditional,
	})
}

func (h *Handler) registerFinish(w http.ResponseWriter, r *http.Request) (any, error) {
	req, sid, err := h.readFinish(r)
	if err != nil {
		return nil, err
	}
	// The decision is made again now: the account may have been made, or
	// changed hands, since begin.
	a, err := h.lookup(r.Context(), req.username)
	if err != nil {
		return nil, err
	}
	handle := h.pendingHandle(sid, req.username)
	if a != nil {
		if err := h.mayAdd(r, a); err != nil {
			return nil, err
		}
		handle = a.Handle
	}
	var reg webauthn.Registration
	if err := h.lc.CompleteRegistration(r.Context(), handle, sid, req.credential, &reg); err != nil {
		return nil, err
	}
	cred := reg.Record(handle)
	if a != nil {
		err = h.users.AddCredential(r.Context(), handle, &cred)
	} else {
		err = h.users.Create(r.Context(), req.username, handle, &cred)
	}
	if err != nil {
		return nil, storeError("§7.1 step 26", err)
	}
	if a == nil {
		a = &Account{Name: req.username, Handle: handle}
	}
	a.Credentials = append(a.Credentials, cred)
	if h.opts.OnRegistered != nil {
		if err := h.opts.OnRegistered(w, r, a, &reg); err != nil {
			return nil, err
		}
	}
	s := summarizeRegistration(req.username, &reg)
	s.Provider = summarizeProvider(h.opts.Providers, reg.AAGUID)
	return s, nil
}

func (h *Handler) loginBegin(w http.ResponseWriter, r *http.Request) (any, error) {
	var req beginRequest
	if err := decode(r, parseBeginRequest, &req); err != nil {
		return nil, err
	}
	if req.conditional {
		return nil, webauthn.NewError(webauthn.ErrMalformed, stepHandler, "conditional is a member of register/begin only", nil)
	}
	sid, err := h.session(w, r, true)
	if err != nil {
		return nil, err
	}
	handle, creds, err := h.signInUser(r.Context(), req.username)
	if err != nil {
		return nil, err
	}
	return h.lc.StartAuthentication(r.Context(), handle, sid, &ceremony.AuthenticationOptions{
		AllowCredentials: creds,
		UserVerification: h.userVerification(req.userVerification),
	})
}

// signInUser returns the user handle and credentials a sign-in for name is
// bound to: nothing for an empty name (username-less), the account's for a
// known name, and for an unknown one a handle and one credential
// descriptor derived from Secret, stable per name, so that the answer does
// not tell whether the name has an account (§14.6.2).
func (h *Handler) signInUser(ctx context.Context, name string) ([]byte, []webauthn.Credential, error) {
	if name == "" {
		return nil, nil, nil
	}
	if m, ok := h.users.(*MemUsers); ok {
		// The records' byte slices are never written once stored: a
		// shallow copy of the list is a snapshot StartAuthentication may
		// read after the lock is released.
		var handle []byte
		var creds []webauthn.Credential
		err := m.view(name, func(hd []byte, cs []webauthn.Credential) { handle, creds = hd, slices.Clone(cs) })
		if err == nil {
			return handle, creds, nil
		}
	}
	a, err := h.lookup(ctx, name)
	if err != nil {
		return nil, nil, err
	}
	if a != nil {
		return a.Handle, a.Credentials, nil
	}
	return h.fictitiousHandle(name), h.fictitiousCredentials(name), nil
}

// handleReader is implemented by a UserStore that answers the user handle
// of an account without its credential records (MemUsers.Handle).
type handleReader interface {
	Handle(ctx context.Context, name string) ([]byte, error)
}

// signInHandle returns the user handle of signInUser alone: all a
// login/finish needs before the credential is known.
func (h *Handler) signInHandle(ctx context.Context, name string) ([]byte, error) {
	hr, ok := h.users.(handleReader)
	if name == "" || !ok {
		handle, _, err := h.signInUser(ctx, name)
		return handle, err
	}
	handle, err := hr.Handle(ctx, name)
	switch {
	case errors.Is(err, ErrUserNotFound):
		return h.fictitiousHandle(name), nil
	case err != nil:
		return nil, storeError("§7.2 step 6", err)
	}
	return handle, nil
}

func (h *Handler) loginFinish(w http.ResponseWriter, r *http.Request) (any, error) {
	req, sid, err := h.readFinish(r)
	if err != nil {
		return nil, err
	}
	handle, err := h.signInHandle(r.Context(), req.username)
	if err != nil {
		return nil, err
	}
	var (
		owner, unknown []byte
		name           string
		stored         webauthn.Credential
	)
	lookup := func(ctx context.Context, user, id []byte) (*webauthn.Credential, error) {
		c, n, err := h.users.Credential(ctx, user, id)
		if errors.Is(err, ErrUserNotFound) {
			if f := h.fictitiousCredential(req.username, user, id); f != nil {
				return f, nil // fails at §7.2 step 21, as a wrong signature does
			}
			unknown = id
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		owner, name, stored = user, n, *c
		return c, nil
	}
	var as webauthn.Assertion
	if err := h.lc.CompleteAuthentication(r.Context(), handle, sid, req.credential, lookup, &as); err != nil {
		return nil, h.withUnknownCredential(err, unknown)
	}
	if err := h.storeState(r.Context(), owner, &stored, &as); err != nil {
		return nil, err
	}
	if h.opts.OnSignedIn != nil {
		a := &Account{Name: name, Handle: owner}
		if err := h.opts.OnSignedIn(w, r, a, &as); err != nil {
			return nil, err
		}
	}
	s := summarizeAssertion(name, stored.SignCount, &as)
	s.Signal = h.acceptedCredentials(r.Context(), name, owner, as.CredentialID)
	return s, nil
}

// storeState writes the assertion's counter and backup state (§7.2 step
// 24) with a compare-and-set against the state it was judged on. When a
// concurrent sign-in changed it first, the assertion is judged again
// against the fresh state (§7.2 step 22): a counter no longer greater is a
// regression, refused or flagged as the policy says, and the stored
// counter never goes backwards. A credential deleted meanwhile is not
// written back (NotAuthorizedException).
func (h *Handler) storeState(ctx context.Context, owner []byte, stored *webauthn.Credential, as *webauthn.Assertion) error {
	prev := StateOf(stored)
	for range maxStateRetries {
		next := CredentialState{SignCount: max(as.SignCount, prev.SignCount), BackupState: as.BackupState}
		cur, ok, err := h.users.UpdateCredential(ctx, owner, as.CredentialID, prev, next)
		if errors.Is(err, ErrUserNotFound) {
			return webauthn.NewError(webauthn.ErrNotAuthorized, "§7.2 step 24", "the credential was removed during the sign-in", nil)
		}
		if err != nil {
			return storeError("§7.2 step 24", err)
		}
		if ok {
			return nil
		}
		clone, err := h.rp.JudgeSignCount(cur.SignCount, as.SignCount)
		if err != nil {
			return err
		}
		as.CloneSuspected = as.CloneSuspected || clone
		prev = cur
	}
	return webauthn.NewError(webauthn.ErrTooManyRequests, "§7.2 step 24", "the credential's state changed on every attempt to store it", nil)
}

// storeError maps a UserStore error to its exception.
func storeError(step string, err error) error {
	switch {
	case errors.Is(err, ErrUserNotFound), errors.Is(err, ErrUserExists):
		return webauthn.NewError(webauthn.ErrNotAuthorized, step, "no such account, or it cannot take this passkey", nil)
	case errors.Is(err, ErrCredentialExists):
		return webauthn.NewError(webauthn.ErrCredentialNotSupported, "§7.1 step 26", "the credential ID is registered already", nil)
	case errors.Is(err, ErrTooManyCredentials):
		return webauthn.NewError(webauthn.ErrLimitExceeded, step, "the user has the maximum number of passkeys", nil)
	case errors.Is(err, ErrFull):
		return webauthn.NewError(webauthn.ErrTooManyRequests, step, "the user store is full", nil)
	}
	if e := (*webauthn.Error)(nil); errors.As(err, &e) {
		return err
	}
	return webauthn.NewError(webauthn.ErrInternal, step, "the user store failed", err)
}
