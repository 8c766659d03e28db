package webauthn

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/internal/jsonx"
)

// maxRequestBody is the largest request body Handler reads: a response JSON
// of MaxResponseSize plus the small envelope around it.
const maxRequestBody = MaxResponseSize + 4<<10

// maxUserNameSize is the longest user name a begin request may carry, in
// bytes: §6.4.1 lets authenticators truncate user.name at 64 bytes; 256
// leaves room for e-mail addresses while bounding what MemUsers keeps.
const maxUserNameSize = 256

// sessionIDSize is the number of random bytes in a session cookie: as many as
// a challenge, so a session ID cannot be guessed either (§13.4.3).
const sessionIDSize = 32

// DefaultSessionCookie is the cookie Handler identifies clients by when
// HandlerOptions.CookieName is empty.
const DefaultSessionCookie = "webauthn_session"

// HandlerOptions configures a Handler. The zero value serves a sign-up and
// sign-in with in-memory stores, "none" attestation and the user
// verification the RelyingParty requires.
type HandlerOptions struct {
	// Store keeps issued challenges (Lifecycle.Store); nil means a new
	// MemStore.
	Store ChallengeStore
	// Users keeps users and their credential records; nil means a new MemUsers.
	Users UserStore
	// Prefix is the path the four endpoints live under; "" means "/webauthn".
	Prefix string
	// RPName is rp.name in the creation options; "" means the RPID.
	RPName string
	// Timeout is both the challenge lifetime and the options' timeout
	// (Lifecycle.Timeout); 0 means DefaultChallengeTimeout.
	Timeout time.Duration
	// Attestation is the attestation conveyance preference (§5.4.7) used
	// when the begin request names none; "" means "none". What is accepted
	// is RelyingParty.Attestation's decision, not this preference's.
	Attestation string
	// UserVerification is the userVerification (§5.8.6) used when the begin
	// request names none; "" means "required" when the RelyingParty
	// requires user verification and "preferred" otherwise.
	UserVerification string
	// ResidentKey is the residentKey preference (§5.4.6) used when the begin
	// request names none; "" means "preferred".
	ResidentKey string
	// CookieName is the session cookie identifying the client; "" means
	// DefaultSessionCookie. The cookie is HttpOnly, SameSite=Strict, and
	// Secure when the request came over TLS.
	CookieName string
	// CanRegister decides whether a request may add a passkey to a user who
	// already has one (an account the caller must be signed in to). Nil
	// refuses with NotAuthorizedException, so that the handler is a sign-up
	// and never lets anyone add a key to someone else's account.
	CanRegister func(r *http.Request, name string) bool
}

// Handler serves a passkey sign-up and sign-in for browsers as four JSON
// endpoints under a prefix ("/webauthn" by default), all POST:
//
//	register/begin   {"username": …}            → PublicKeyCredentialCreationOptionsJSON (§5.4)
//	register/finish  {"username": …, "credential": RegistrationResponseJSON}
//	login/begin      {"username": …} or {}      → PublicKeyCredentialRequestOptionsJSON (§5.5)
//	login/finish     {"username": …, "credential": AuthenticationResponseJSON}
//
// It is an HTTP layer over a Lifecycle: begin is Lifecycle.StartRegistration
// or StartAuthentication, finish CompleteRegistration or
// CompleteAuthentication, with the session cookie as the client ID and the
// user handle from the UserStore. The options feed
// PublicKeyCredential.parseCreationOptionsFromJSON and
// parseRequestOptionsFromJSON; the credential is what toJSON() returns. A
// begin request may also name "displayName", "attestation",
// "userVerification", "residentKey", "authenticatorAttachment" and
// "algorithms" (COSE identifiers, see RegistrationOptions.Algorithms): they
// shape the options only, never the verification, which is the
// RelyingParty's policy plus "required" user verification when the options
// asked for it. An empty username at login/begin starts a username-less
// (discoverable credential) sign-in; so does an unknown one, so that
// sign-in does not tell which names exist.
//
// The client is identified by a session cookie set on begin; each challenge is
// bound to that session, the user and the ceremony, single use, and expires
// after Timeout on the RelyingParty's Clock. Request bodies are read strictly
// (exact-case names, no duplicates, no unknown members).
//
// A finish answers 200 with a JSON summary of the credential or assertion
// (see RegistrationSummary, AssertionSummary). Every failure answers with
// {"exception", "step", "reason"} — the Cognito exception name, the spec step
// and the reason of the *Error — and the HTTP status of HTTPStatus.
type Handler struct {
	rp    *RelyingParty
	lc    Lifecycle
	opts  HandlerOptions
	users UserStore
	mux   *http.ServeMux
}

// NewHandler returns a Handler verifying with rp. opts may be nil.
func NewHandler(rp *RelyingParty, opts *HandlerOptions) *Handler {
	h := &Handler{rp: rp}
	if opts != nil {
		h.opts = *opts
	}
	h.lc.RP = rp
	h.lc.RPName = h.opts.RPName
	h.lc.Store = h.opts.Store
	h.lc.Timeout = h.opts.Timeout
	h.users = h.opts.Users
	if h.users == nil {
		h.users = &MemUsers{}
	}
	p := strings.TrimSuffix(h.opts.Prefix, "/")
	if p == "" {
		p = "/webauthn"
	}
	h.mux = http.NewServeMux()
	h.route(p+"/register/begin", "§5.4", h.registerBegin)
	h.route(p+"/register/finish", "§7.1", h.registerFinish)
	h.route(p+"/login/begin", "§5.5", h.loginBegin)
	h.route(p+"/login/finish", "§7.2", h.loginFinish)
	return h
}

// Users returns the UserStore the handler records credentials in.
func (h *Handler) Users() UserStore { return h.users }

// ServeHTTP dispatches to the four endpoints; anything else is 404 or 405.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// route serves POST path with f, which returns the 200 JSON body or the
// error to answer with. A relying party that is disabled or has no RPID
// answers every endpoint before f runs, so register/begin creates no user.
func (h *Handler) route(path, step string, f func(http.ResponseWriter, *http.Request) (any, error)) {
	h.mux.HandleFunc("POST "+path, func(w http.ResponseWriter, r *http.Request) {
		var v any
		err := h.rp.check(step)
		if err == nil {
			v, err = f(w, r)
		}
		if err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, v)
	})
}

// HTTPStatus returns the HTTP status Handler answers err with: 400 for
// InvalidParameterException, 404 WebAuthnChallengeNotFoundException, 403 the
// origin, relying party and client mismatches and WebAuthnNotEnabledException,
// 422 WebAuthnCredentialNotSupportedException, 401 NotAuthorizedException,
// 429 LimitExceededException and TooManyRequestsException, 500 otherwise.
func HTTPStatus(err error) int {
	switch ExceptionName(err) {
	case ExceptionInvalidParameter:
		return http.StatusBadRequest
	case ExceptionChallengeNotFound:
		return http.StatusNotFound
	case ExceptionOriginNotAllowed, ExceptionRelyingPartyMismatch, ExceptionClientMismatch, ExceptionNotEnabled:
		return http.StatusForbidden
	case ExceptionCredentialNotSupported:
		return http.StatusUnprocessableEntity
	case ExceptionNotAuthorized:
		return http.StatusUnauthorized
	case ExceptionLimitExceeded, ExceptionTooManyRequests:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

// ErrorBody is the JSON body of a failed request.
type ErrorBody struct {
	Exception string `json:"exception"`
	Step      string `json:"step"`
	Reason    string `json:"reason"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, err error) {
	var e *Error
	if !errors.As(err, &e) {
		e = NewError(ErrInternal, "handler", "internal error", err)
	}
	body := ErrorBody{Exception: e.Exception(), Step: e.Step, Reason: e.Reason}
	if e.Err != nil {
		body.Reason += ": " + e.Err.Error()
	}
	writeJSON(w, HTTPStatus(e), body)
}

// session returns the client's session ID from its cookie, setting a new
// cookie when it has none (or a malformed one) and set is true.
func (h *Handler) session(w http.ResponseWriter, r *http.Request, set bool) (string, error) {
	name := orDefault(h.opts.CookieName, DefaultSessionCookie)
	if c, err := r.Cookie(name); err == nil && len(c.Value) == base64.RawURLEncoding.EncodedLen(sessionIDSize) {
		return c.Value, nil
	}
	if !set {
		return "", NewError(ErrChallengeNotFound, StepChallengeLookup, "no session cookie: the ceremony was not begun by this client", nil)
	}
	var b [sessionIDSize]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", NewError(ErrInternal, "handler", "no randomness", err)
	}
	id := base64.RawURLEncoding.EncodeToString(b[:])
	http.SetCookie(w, &http.Cookie{Name: name, Value: id, Path: "/", HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	return id, nil
}

// decode reads the request body, at most maxRequestBody bytes, into *out
// with parse.
func decode[T any](r *http.Request, parse func([]byte, *T) error, out *T) error {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
	if err != nil {
		return malformed("handler", "cannot read the request body", err)
	}
	if len(b) > maxRequestBody {
		return malformed("handler", "request body too large", ErrResponseTooLarge)
	}
	return parse(b, out)
}

// known returns the handle and credentials of the user called name, and
// nothing, without an error, when name is empty or unknown: a sign-in for
// such a name goes on username-less, and a finish for it finds no challenge
// (registration challenges always have a user).
func (h *Handler) known(ctx context.Context, name string) ([]byte, []Credential, error) {
	if name == "" {
		return nil, nil, nil
	}
	handle, creds, err := h.users.User(ctx, name, false)
	if errors.Is(err, ErrUserNotFound) {
		return nil, nil, nil
	}
	return handle, creds, err
}

func (h *Handler) registerBegin(w http.ResponseWriter, r *http.Request) (any, error) {
	var req beginRequest
	if err := decode(r, parseBeginRequest, &req); err != nil {
		return nil, err
	}
	if req.username == "" {
		return nil, malformed("§5.4.3", "username is required to register", nil)
	}
	sid, err := h.session(w, r, true)
	if err != nil {
		return nil, err
	}
	handle, creds, err := h.users.User(r.Context(), req.username, true)
	if err != nil {
		return nil, err
	}
	if len(creds) > 0 && (h.opts.CanRegister == nil || !h.opts.CanRegister(r, req.username)) {
		return nil, NewError(ErrNotAuthorized, "§5.4.3", "the user already has a passkey; adding another needs a signed-in session", nil)
	}
	return h.lc.StartRegistration(r.Context(), User{ID: handle, Name: req.username, DisplayName: req.displayName}, sid, &RegistrationOptions{
		Credentials:             creds,
		UserVerification:        orDefault(req.userVerification, h.opts.UserVerification),
		ResidentKey:             orDefault(req.residentKey, orDefault(h.opts.ResidentKey, "preferred")),
		AuthenticatorAttachment: req.attachment,
		Attestation:             orDefault(req.attestation, h.opts.Attestation),
		Algorithms:              req.algorithms,
	})
}

func (h *Handler) loginBegin(w http.ResponseWriter, r *http.Request) (any, error) {
	var req beginRequest
	if err := decode(r, parseBeginRequest, &req); err != nil {
		return nil, err
	}
	sid, err := h.session(w, r, true)
	if err != nil {
		return nil, err
	}
	handle, creds, err := h.known(r.Context(), req.username)
	if err != nil {
		return nil, err
	}
	return h.lc.StartAuthentication(r.Context(), handle, sid, &AuthenticationOptions{
		AllowCredentials: creds,
		UserVerification: orDefault(req.userVerification, h.opts.UserVerification),
	})
}

// finish reads a finish request and returns the client's session and the
// handle of the user it names (see known).
func (h *Handler) finish(r *http.Request, req *finishRequest) (sid string, handle []byte, err error) {
	if err = decode(r, parseFinishRequest, req); err != nil {
		return "", nil, err
	}
	if sid, err = h.session(nil, r, false); err != nil {
		return "", nil, err
	}
	handle, _, err = h.known(r.Context(), req.username)
	return sid, handle, err
}

func (h *Handler) registerFinish(_ http.ResponseWriter, r *http.Request) (any, error) {
	var req finishRequest
	sid, handle, err := h.finish(r, &req)
	if err != nil {
		return nil, err
	}
	var reg Registration
	if err := h.lc.CompleteRegistration(r.Context(), handle, sid, req.credential, &reg); err != nil {
		return nil, err
	}
	cred := Credential{
		ID:             bytes.Clone(reg.CredentialID),
		PublicKey:      bytes.Clone(reg.PublicKey),
		SignCount:      reg.SignCount,
		BackupEligible: reg.BackupEligible,
		UserHandle:     handle,
		Transports:     reg.Transports,
	}
	if err := h.users.AddCredential(r.Context(), handle, &cred); err != nil {
		return nil, err
	}
	return summarizeRegistration(req.username, &reg), nil
}

func (h *Handler) loginFinish(_ http.ResponseWriter, r *http.Request) (any, error) {
	var req finishRequest
	sid, handle, err := h.finish(r, &req)
	if err != nil {
		return nil, err
	}
	// The credential's owner: the user named, or for a username-less
	// sign-in the response's userHandle (§7.2 step 6).
	var owner []byte
	var name string
	var prev uint32
	lookup := func(ctx context.Context, id, userHandle []byte) (*Credential, error) {
		owner = handle
		if len(owner) == 0 {
			owner = userHandle
		}
		cred, n, err := h.users.Credential(ctx, owner, id)
		if err == nil && cred != nil {
			name, prev = n, cred.SignCount
		}
		return cred, err
	}
	var as Assertion
	if err := h.lc.CompleteAuthentication(r.Context(), handle, sid, req.credential, lookup, &as); err != nil {
		return nil, err
	}
	if err := h.users.UpdateSignCount(r.Context(), owner, as.CredentialID, as.SignCount); err != nil {
		return nil, err
	}
	return summarizeAssertion(name, prev, &as), nil
}

func b64url(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// FlagsSummary spells out the authenticator data flags (§6.1).
type FlagsSummary struct {
	UserPresent    bool `json:"up"`
	UserVerified   bool `json:"uv"`
	BackupEligible bool `json:"be"`
	BackupState    bool `json:"bs"`
	AttestedData   bool `json:"at"`
	Extensions     bool `json:"ed"`
	Byte           int  `json:"byte"`
}

// RegistrationSummary is the JSON body of a successful register/finish.
type RegistrationSummary struct {
	Ceremony        string       `json:"ceremony"`
	User            string       `json:"user"`
	CredentialID    string       `json:"credentialId"`
	Format          string       `json:"format"`
	AttestationType string       `json:"attestationType"`
	TrustPath       []string     `json:"trustPath"`
	AAGUID          string       `json:"aaguid"`
	Algorithm       string       `json:"algorithm"`
	AlgorithmID     int64        `json:"algorithmId"`
	SignCount       uint32       `json:"signCount"`
	Flags           FlagsSummary `json:"flags"`
	Transports      []string     `json:"transports"`
	Attachment      string       `json:"attachment"`
	ResidentKey     *bool        `json:"residentKey"`
}

// AssertionSummary is the JSON body of a successful login/finish.
type AssertionSummary struct {
	Ceremony          string       `json:"ceremony"`
	User              string       `json:"user"`
	CredentialID      string       `json:"credentialId"`
	SignCount         uint32       `json:"signCount"`
	PreviousSignCount uint32       `json:"previousSignCount"`
	CloneSuspected    bool         `json:"cloneSuspected"`
	Flags             FlagsSummary `json:"flags"`
	Attachment        string       `json:"attachment"`
	UserHandle        string       `json:"userHandle"`
}

func summarizeFlags(f byte) FlagsSummary {
	return FlagsSummary{f&0x01 != 0, f&0x04 != 0, f&0x08 != 0, f&0x10 != 0, f&0x40 != 0, f&0x80 != 0, int(f)}
}

// aaguidString formats an AAGUID as a UUID (RFC 9562 §4).
func aaguidString(a [16]byte) string {
	h := hex.EncodeToString(a[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func summarizeRegistration(name string, reg *Registration) *RegistrationSummary {
	s := &RegistrationSummary{
		Ceremony:        "registration",
		User:            name,
		CredentialID:    b64url(reg.CredentialID),
		Format:          reg.Format.String(),
		AttestationType: reg.Type.String(),
		TrustPath:       []string{},
		AAGUID:          aaguidString(reg.AAGUID),
		Algorithm:       reg.Algorithm.String(),
		AlgorithmID:     int64(reg.Algorithm),
		SignCount:       reg.SignCount,
		Flags:           summarizeFlags(byte(reg.Flags)),
		Transports:      reg.Transports.Strings(),
		Attachment:      reg.Attachment.String(),
	}
	for _, c := range reg.TrustPath {
		s.TrustPath = append(s.TrustPath, c.Subject.String())
	}
	if s.Transports == nil {
		s.Transports = []string{}
	}
	if reg.HasCredProps {
		rk := reg.CredPropsRK
		s.ResidentKey = &rk
	}
	return s
}

func summarizeAssertion(name string, prev uint32, as *Assertion) *AssertionSummary {
	return &AssertionSummary{
		Ceremony:          "authentication",
		User:              name,
		CredentialID:      b64url(as.CredentialID),
		SignCount:         as.SignCount,
		PreviousSignCount: prev,
		CloneSuspected:    as.CloneSuspected,
		Flags:             summarizeFlags(byte(as.Flags)),
		Attachment:        as.Attachment.String(),
		UserHandle:        b64url(as.UserHandle),
	}
}

// beginRequest is the body of register/begin and login/begin.
type beginRequest struct {
	username, displayName                                  string
	attestation, userVerification, residentKey, attachment string
	algorithms                                             []cose.Algorithm
}

// finishRequest is the body of register/finish and login/finish; credential
// is the raw response JSON, a view into the body.
type finishRequest struct {
	username   string
	credential []byte
}

// maxAlgorithms bounds the "algorithms" list of a begin request: the COSE
// registry has fewer than 20 signature algorithms a credential may use.
const maxAlgorithms = 16

// readRequest reads the request body b as one JSON object, strictly:
// well-formed, no duplicate member names (compared after escapes), nothing
// after it. member reads the value of each member, its name unescaped, from
// r, and returns why it is rejected, or "".
func readRequest(b []byte, what string, member func(name string, r *jsonx.Reader) string) error {
	bad := func(reason string) error { return malformed("handler: "+what, reason, nil) }
	r := jsonx.Reader(b)
	if !r.ReadObjectStart() {
		return bad("body is not a JSON object")
	}
	var keys jsonx.Keys
	var k []byte
	var esc bool
	for i := 0; !r.ReadObjectEnd(); i++ {
		if i > 0 && !r.ReadComma() || !r.ReadKey(&k, &esc) {
			return bad("body is not well-formed JSON")
		}
		if !keys.Add(k, esc) {
			return bad("duplicate member")
		}
		if reason := member(string(jsonx.AppendUnescaped(nil, k)), &r); reason != "" {
			return bad(reason)
		}
	}
	if !r.End() {
		return bad("trailing data after the JSON object")
	}
	return nil
}

// readString reads a JSON string value, unescaped.
func readString(r *jsonx.Reader) (string, bool) {
	var v []byte
	var esc bool
	if r.Peek() != jsonx.KindString || !r.ReadString(&v, &esc) {
		return "", false
	}
	return string(jsonx.AppendUnescaped(nil, v)), true
}

// oneOf reports whether s is empty or one of the tokens.
func oneOf(s string, tokens ...string) bool {
	ok := s == ""
	for _, t := range tokens {
		ok = ok || s == t
	}
	return ok
}

// parseBeginRequest reads a begin body strictly (readRequest) with only the
// members Handler documents. The preference members take the tokens of
// §5.4.7 (attestation), §5.8.6 (userVerification), §5.4.6 (residentKey) and
// §5.4.5 (authenticatorAttachment); an unknown token is
// InvalidParameterException here, where §5.4 would have the browser ignore
// it, so that typos surface.
func parseBeginRequest(b []byte, out *beginRequest) error {
	return readRequest(b, "begin request", func(name string, r *jsonx.Reader) string {
		if name == "algorithms" {
			if !r.ReadArrayStart() {
				return "algorithms is not an array"
			}
			for j := 0; !r.ReadArrayEnd(); j++ {
				var num []byte
				if j > 0 && !r.ReadComma() || r.Peek() != jsonx.KindNumber || !r.ReadNumber(&num) {
					return "algorithms is not an array of integers"
				}
				a, ok := parseInt(num)
				if !ok || j == maxAlgorithms {
					return "algorithms holds a non-integer or too many entries"
				}
				out.algorithms = append(out.algorithms, cose.Algorithm(a))
			}
			return ""
		}
		s, ok := readString(r)
		if !ok {
			return name + " is not a string"
		}
		var dst *string
		switch name {
		case "username":
			dst, ok = &out.username, len(s) <= maxUserNameSize
		case "displayName":
			dst, ok = &out.displayName, len(s) <= maxUserNameSize
		case "attestation":
			dst, ok = &out.attestation, oneOf(s, "none", "indirect", "direct", "enterprise")
		case "userVerification":
			dst, ok = &out.userVerification, oneOf(s, "required", "preferred", "discouraged")
		case "residentKey":
			dst, ok = &out.residentKey, oneOf(s, "required", "preferred", "discouraged")
		case "authenticatorAttachment":
			dst, ok = &out.attachment, oneOf(s, "platform", "cross-platform")
		default:
			return "unknown member " + name
		}
		if !ok {
			return name + " is longer than 256 bytes or not one of its tokens"
		}
		*dst = s
		return ""
	})
}

// parseFinishRequest reads a finish body strictly (readRequest):
// {"username": string, "credential": object}, username optional.
func parseFinishRequest(b []byte, out *finishRequest) error {
	err := readRequest(b, "finish request", func(name string, r *jsonx.Reader) string {
		switch name {
		case "username":
			s, ok := readString(r)
			if !ok || len(s) > maxUserNameSize {
				return "username is not a string of at most 256 bytes"
			}
			out.username = s
		case "credential":
			if r.Peek() != jsonx.KindObject || !r.SkipNested(2, &out.credential) {
				return "credential is not a well-formed JSON object"
			}
		default:
			return "unknown member " + name
		}
		return ""
	})
	if err == nil && out.credential == nil {
		err = malformed("handler: finish request", "credential is missing", nil)
	}
	return err
}

// parseInt reads a JSON integer of at most 18 digits.
func parseInt(num []byte) (int64, bool) {
	neg := len(num) > 0 && num[0] == '-'
	if neg {
		num = num[1:]
	}
	if len(num) == 0 || len(num) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range num {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}
