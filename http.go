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

	"github.com/passkeykit/webauthn/clientdata"
	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/internal/b64"
	"github.com/passkeykit/webauthn/internal/jsonx"
)

// DefaultCeremonyTimeout is the lifetime of a challenge issued by Handler and
// the timeout its options carry when HandlerOptions.Timeout is 0: WebAuthn L3
// §15.1 recommends 5 minutes when user verification may be needed.
const DefaultCeremonyTimeout = 5 * time.Minute

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
	// Store keeps issued challenges; nil means a new MemStore.
	Store ChallengeStore
	// Users keeps users and their credential records; nil means a new MemUsers.
	Users UserStore
	// Prefix is the path the four endpoints live under; "" means "/webauthn".
	Prefix string
	// RPName is rp.name in the creation options; "" means the RPID.
	RPName string
	// Timeout is both the challenge lifetime and the options' timeout; 0
	// means DefaultCeremonyTimeout.
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
// The options feed PublicKeyCredential.parseCreationOptionsFromJSON and
// parseRequestOptionsFromJSON; the credential is what toJSON() returns. A
// begin request may also name "displayName", "attestation",
// "userVerification", "residentKey", "authenticatorAttachment" and
// "algorithms" (COSE identifiers): they shape the options only, never the
// verification, which is the RelyingParty's policy plus "required" user
// verification when the options asked for it. An empty username at
// login/begin starts a username-less (discoverable credential) sign-in.
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
	opts  HandlerOptions
	store ChallengeStore
	users UserStore
	mux   *http.ServeMux
}

// NewHandler returns a Handler verifying with rp. opts may be nil.
func NewHandler(rp *RelyingParty, opts *HandlerOptions) *Handler {
	h := &Handler{rp: rp}
	if opts != nil {
		h.opts = *opts
	}
	h.store = h.opts.Store
	if h.store == nil {
		h.store = &MemStore{}
	}
	h.users = h.opts.Users
	if h.users == nil {
		h.users = &MemUsers{}
	}
	p := strings.TrimSuffix(h.opts.Prefix, "/")
	if p == "" {
		p = "/webauthn"
	}
	h.mux = http.NewServeMux()
	h.mux.HandleFunc("POST "+p+"/register/begin", h.registerBegin)
	h.mux.HandleFunc("POST "+p+"/register/finish", h.registerFinish)
	h.mux.HandleFunc("POST "+p+"/login/begin", h.loginBegin)
	h.mux.HandleFunc("POST "+p+"/login/finish", h.loginFinish)
	return h
}

// Users returns the UserStore the handler records credentials in.
func (h *Handler) Users() UserStore { return h.users }

// ServeHTTP dispatches to the four endpoints; anything else is 404 or 405.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

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

func (h *Handler) timeout() time.Duration {
	if h.opts.Timeout > 0 {
		return h.opts.Timeout
	}
	return DefaultCeremonyTimeout
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

// readBody reads the request body, at most maxRequestBody bytes.
func readBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
	if err != nil {
		return nil, malformed("handler", "cannot read the request body", err)
	}
	if len(b) > maxRequestBody {
		return nil, malformed("handler", "request body too large", ErrResponseTooLarge)
	}
	return b, nil
}

// newChallenge returns a fresh random challenge of 32 bytes (§13.4.3).
func newChallenge() ([]byte, error) {
	c := make([]byte, 32)
	if _, err := rand.Read(c); err != nil {
		return nil, NewError(ErrInternal, "handler", "no randomness", err)
	}
	return c, nil
}

func b64url(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// Options JSON (§5.4, §5.5, as parseCreationOptionsFromJSON reads them).
type (
	rpEntityJSON struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	userEntityJSON struct {
		ID          string `json:"id"`
		Name        string `json:"name"`
		DisplayName string `json:"displayName"`
	}
	credParamJSON struct {
		Type string `json:"type"`
		Alg  int64  `json:"alg"`
	}
	credDescriptorJSON struct {
		Type       string   `json:"type"`
		ID         string   `json:"id"`
		Transports []string `json:"transports,omitempty"`
	}
	selectionJSON struct {
		AuthenticatorAttachment string `json:"authenticatorAttachment,omitempty"`
		ResidentKey             string `json:"residentKey"`
		RequireResidentKey      bool   `json:"requireResidentKey"`
		UserVerification        string `json:"userVerification"`
	}
	creationOptionsJSON struct {
		RP                     rpEntityJSON         `json:"rp"`
		User                   userEntityJSON       `json:"user"`
		Challenge              string               `json:"challenge"`
		PubKeyCredParams       []credParamJSON      `json:"pubKeyCredParams"`
		Timeout                int64                `json:"timeout"`
		ExcludeCredentials     []credDescriptorJSON `json:"excludeCredentials"`
		AuthenticatorSelection selectionJSON        `json:"authenticatorSelection"`
		Attestation            string               `json:"attestation"`
		Extensions             map[string]bool      `json:"extensions"`
	}
	requestOptionsJSON struct {
		Challenge        string               `json:"challenge"`
		Timeout          int64                `json:"timeout"`
		RPID             string               `json:"rpId"`
		AllowCredentials []credDescriptorJSON `json:"allowCredentials"`
		UserVerification string               `json:"userVerification"`
	}
)

// defaultAlgorithms are offered when neither the begin request nor the
// RelyingParty names algorithms: the three §5.4 recommends, strongest first.
var defaultAlgorithms = []cose.Algorithm{cose.EdDSA, cose.ES256, cose.RS256}

// offered returns the pubKeyCredParams: the request's algorithms that are
// offerable and that the RelyingParty accepts, else the RelyingParty's, else
// defaultAlgorithms.
func (h *Handler) offered(asked []int64) []credParamJSON {
	var out []credParamJSON
	for _, a := range asked {
		if offerable(cose.Algorithm(a)) && h.rp.algorithmAllowed(cose.Algorithm(a)) {
			out = append(out, credParamJSON{"public-key", a})
		}
	}
	if len(out) > 0 {
		return out
	}
	algs := h.rp.Algorithms
	if len(algs) == 0 {
		algs = defaultAlgorithms
	}
	for _, a := range algs {
		out = append(out, credParamJSON{"public-key", int64(a)})
	}
	return out
}

func (h *Handler) userVerification(asked string) string {
	switch {
	case asked != "":
		return asked
	case h.opts.UserVerification != "":
		return h.opts.UserVerification
	case h.rp.RequireUserVerification:
		return "required"
	}
	return "preferred"
}

func descriptors(creds []StoredCredential) []credDescriptorJSON {
	out := make([]credDescriptorJSON, 0, len(creds))
	for i := range creds {
		out = append(out, credDescriptorJSON{Type: "public-key", ID: b64url(creds[i].ID), Transports: creds[i].Transports.Strings()})
	}
	return out
}

func (h *Handler) registerBegin(w http.ResponseWriter, r *http.Request) {
	if err := h.doRegisterBegin(w, r); err != nil {
		writeError(w, err)
	}
}

func (h *Handler) doRegisterBegin(w http.ResponseWriter, r *http.Request) error {
	if err := h.rp.check("§5.4"); err != nil {
		return err
	}
	body, err := readBody(r)
	if err != nil {
		return err
	}
	var req beginRequest
	if err := parseBeginRequest(body, &req); err != nil {
		return err
	}
	if req.username == "" {
		return malformed("§5.4.3", "username is required to register", nil)
	}
	sid, err := h.session(w, r, true)
	if err != nil {
		return err
	}
	ctx := r.Context()
	handle, creds, err := h.users.User(ctx, req.username, true)
	if err != nil {
		return err
	}
	if len(creds) > 0 && (h.opts.CanRegister == nil || !h.opts.CanRegister(r, req.username)) {
		return NewError(ErrNotAuthorized, "§5.4.3", "the user already has a passkey; adding another needs a signed-in session", nil)
	}
	chal, err := newChallenge()
	if err != nil {
		return err
	}
	uv := h.userVerification(req.userVerification)
	now := h.rp.now()
	c := &Challenge{
		Ceremony:         CeremonyRegistration,
		Value:            chal,
		UserHandle:       handle,
		UserName:         req.username,
		ClientID:         sid,
		Expires:          now.Add(h.timeout()),
		UserVerification: uv,
	}
	if err := h.store.Put(ctx, c, now); err != nil {
		return err
	}
	rk := orDefault(req.residentKey, orDefault(h.opts.ResidentKey, "preferred"))
	opts := creationOptionsJSON{
		RP:                 rpEntityJSON{ID: h.rp.RPID, Name: orDefault(h.opts.RPName, h.rp.RPID)},
		User:               userEntityJSON{ID: b64url(handle), Name: req.username, DisplayName: orDefault(req.displayName, req.username)},
		Challenge:          b64url(chal),
		PubKeyCredParams:   h.offered(req.algorithms),
		Timeout:            h.timeout().Milliseconds(),
		ExcludeCredentials: descriptors(creds),
		AuthenticatorSelection: selectionJSON{
			AuthenticatorAttachment: req.attachment,
			ResidentKey:             rk,
			RequireResidentKey:      rk == "required",
			UserVerification:        uv,
		},
		Attestation: orDefault(req.attestation, orDefault(h.opts.Attestation, "none")),
		Extensions:  map[string]bool{"credProps": true},
	}
	writeJSON(w, http.StatusOK, &opts)
	return nil
}

func (h *Handler) loginBegin(w http.ResponseWriter, r *http.Request) {
	if err := h.doLoginBegin(w, r); err != nil {
		writeError(w, err)
	}
}

func (h *Handler) doLoginBegin(w http.ResponseWriter, r *http.Request) error {
	if err := h.rp.check("§5.5"); err != nil {
		return err
	}
	body, err := readBody(r)
	if err != nil {
		return err
	}
	var req beginRequest
	if err := parseBeginRequest(body, &req); err != nil {
		return err
	}
	sid, err := h.session(w, r, true)
	if err != nil {
		return err
	}
	ctx := r.Context()
	var handle []byte
	var creds []StoredCredential
	if req.username != "" {
		// An unknown user gets options with no credentials rather than an
		// error, so that sign-in does not tell which names exist.
		if handle, creds, err = h.users.User(ctx, req.username, false); err != nil && !errors.Is(err, ErrUserNotFound) {
			return err
		}
	}
	chal, err := newChallenge()
	if err != nil {
		return err
	}
	uv := h.userVerification(req.userVerification)
	now := h.rp.now()
	c := &Challenge{
		Ceremony:         CeremonyAuthentication,
		Value:            chal,
		UserHandle:       handle,
		UserName:         req.username,
		ClientID:         sid,
		Expires:          now.Add(h.timeout()),
		UserVerification: uv,
	}
	for i := range creds {
		c.AllowCredentials = append(c.AllowCredentials, creds[i].ID)
	}
	if err := h.store.Put(ctx, c, now); err != nil {
		return err
	}
	opts := requestOptionsJSON{
		Challenge:        b64url(chal),
		Timeout:          h.timeout().Milliseconds(),
		RPID:             h.rp.RPID,
		AllowCredentials: descriptors(creds),
		UserVerification: uv,
	}
	writeJSON(w, http.StatusOK, &opts)
	return nil
}

// consume reads a finish request and consumes the challenge its
// clientDataJSON names. When the response is too malformed to name a
// challenge, verify (the ceremony's verifier, run with no challenge) reports
// the precise fault.
func (h *Handler) consume(w http.ResponseWriter, r *http.Request, ceremony Ceremony, req *finishRequest, verify func(cred []byte) error) (*Challenge, error) {
	if err := h.rp.check("§7"); err != nil {
		return nil, err
	}
	body, err := readBody(r)
	if err != nil {
		return nil, err
	}
	if err := parseFinishRequest(body, req); err != nil {
		return nil, err
	}
	sid, err := h.session(w, r, false)
	if err != nil {
		return nil, err
	}
	chal, ok := responseChallenge(req.credential)
	if !ok {
		if err := verify(req.credential); err != nil {
			return nil, err
		}
		return nil, malformed("§5.8.1", "clientDataJSON names no challenge", nil)
	}
	var handle []byte
	if req.username != "" {
		if handle, _, err = h.users.User(r.Context(), req.username, false); err != nil && !errors.Is(err, ErrUserNotFound) {
			return nil, err
		}
	}
	return h.store.Consume(r.Context(), ceremony, handle, chal, sid, h.rp.now())
}

func (h *Handler) registerFinish(w http.ResponseWriter, r *http.Request) {
	var req finishRequest
	var reg Registration
	c, err := h.consume(w, r, CeremonyRegistration, &req, func(cred []byte) error {
		return h.rp.VerifyRegistration(cred, nil, &reg)
	})
	if err == nil {
		err = h.finishRegistration(r.Context(), c, req.credential, &reg)
	}
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, summarizeRegistration(c.UserName, &reg))
}

func (h *Handler) finishRegistration(ctx context.Context, c *Challenge, cred []byte, reg *Registration) error {
	if err := h.rp.VerifyRegistration(cred, c.Value, reg); err != nil {
		return err
	}
	if c.UserVerification == "required" && !reg.UserVerified {
		return NewError(ErrCredentialNotSupported, "§7.1 step 16", "the options required user verification and the UV flag is clear", nil)
	}
	rec := StoredCredential{
		Credential: Credential{
			ID:             bytes.Clone(reg.CredentialID),
			PublicKey:      bytes.Clone(reg.PublicKey),
			SignCount:      reg.SignCount,
			BackupEligible: reg.BackupEligible,
			UserHandle:     bytes.Clone(c.UserHandle),
		},
		Transports: reg.Transports,
	}
	return h.users.AddCredential(ctx, c.UserHandle, &rec)
}

func (h *Handler) loginFinish(w http.ResponseWriter, r *http.Request) {
	var req finishRequest
	var as Assertion
	c, err := h.consume(w, r, CeremonyAuthentication, &req, func(cred []byte) error {
		return h.rp.VerifyAuthentication(cred, nil, &Credential{}, &as)
	})
	var sum *AssertionSummary
	if err == nil {
		sum, err = h.finishAuthentication(r.Context(), c, req.credential, &as)
	}
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, sum)
}

func (h *Handler) finishAuthentication(ctx context.Context, c *Challenge, cred []byte, as *Assertion) (*AssertionSummary, error) {
	id, userHandle, ok := responseCredential(cred)
	if !ok {
		// Let the verifier name the fault in the response.
		if err := h.rp.VerifyAuthentication(cred, c.Value, &Credential{}, as); err != nil {
			return nil, err
		}
		return nil, malformed("§7.2 step 3", "response names no credential", nil)
	}
	handle := c.UserHandle
	if len(handle) == 0 {
		// Username-less: the user is the response's userHandle (§7.2 step 6).
		if len(userHandle) == 0 {
			return nil, NewError(ErrNotAuthorized, "§7.2 step 6", "a discoverable-credential assertion has no userHandle", nil)
		}
		handle = userHandle
	}
	if len(c.AllowCredentials) > 0 && !containsID(c.AllowCredentials, id) {
		return nil, NewError(ErrNotAuthorized, "§7.2 step 5", "the credential is not one allowCredentials listed", nil)
	}
	rec, name, err := h.users.Credential(ctx, handle, id)
	if err != nil {
		return nil, err
	}
	if err := h.rp.VerifyAuthentication(cred, c.Value, rec, as); err != nil {
		return nil, err
	}
	if c.UserVerification == "required" && !as.UserVerified {
		return nil, NewError(ErrNotAuthorized, "§7.2 step 18", "the options required user verification and the UV flag is clear", nil)
	}
	if err := h.users.UpdateSignCount(ctx, handle, id, as.SignCount); err != nil {
		return nil, err
	}
	return summarizeAssertion(name, rec.SignCount, as), nil
}

func containsID(ids [][]byte, id []byte) bool {
	for _, x := range ids {
		if bytes.Equal(x, id) {
			return true
		}
	}
	return false
}

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
	algorithms                                             []int64
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

// Tokens of a begin request's preference members (§5.4.6, §5.4.7, §5.8.6,
// §5.4.5); unknown tokens are InvalidParameterException here, where §5.4
// would have the browser ignore them, so that typos surface.
var beginTokens = map[string][]string{
	"attestation":             {"none", "indirect", "direct", "enterprise"},
	"userVerification":        {"required", "preferred", "discouraged"},
	"residentKey":             {"required", "preferred", "discouraged"},
	"authenticatorAttachment": {"platform", "cross-platform"},
}

// parseBeginRequest reads a begin body strictly: an object with only the
// members Handler documents, each at most once, names matched exactly.
func parseBeginRequest(b []byte, out *beginRequest) error {
	bad := func(reason string) error { return malformed("handler: begin request", reason, nil) }
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
		name := string(jsonx.AppendUnescaped(nil, k))
		if name == "algorithms" {
			if !r.ReadArrayStart() {
				return bad("algorithms is not an array")
			}
			for j := 0; !r.ReadArrayEnd(); j++ {
				var num []byte
				if j > 0 && !r.ReadComma() || r.Peek() != jsonx.KindNumber || !r.ReadNumber(&num) {
					return bad("algorithms is not an array of integers")
				}
				a, ok := parseInt(num)
				if !ok || j == maxAlgorithms {
					return bad("algorithms holds a non-integer or too many entries")
				}
				out.algorithms = append(out.algorithms, a)
			}
			continue
		}
		var v []byte
		if r.Peek() != jsonx.KindString || !r.ReadString(&v, &esc) {
			return bad(name + " is not a string")
		}
		s := string(jsonx.AppendUnescaped(nil, v))
		switch name {
		case "username":
			if len(s) > maxUserNameSize {
				return bad("username longer than 256 bytes")
			}
			out.username = s
		case "displayName":
			if len(s) > maxUserNameSize {
				return bad("displayName longer than 256 bytes")
			}
			out.displayName = s
		case "attestation", "userVerification", "residentKey", "authenticatorAttachment":
			ok := s == ""
			for _, t := range beginTokens[name] {
				ok = ok || s == t
			}
			if !ok {
				return bad(name + " is not one of " + strings.Join(beginTokens[name], ", "))
			}
			switch name {
			case "attestation":
				out.attestation = s
			case "userVerification":
				out.userVerification = s
			case "residentKey":
				out.residentKey = s
			default:
				out.attachment = s
			}
		default:
			return bad("unknown member " + name)
		}
	}
	if !r.End() {
		return bad("trailing data after the JSON object")
	}
	return nil
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

// parseFinishRequest reads a finish body strictly: {"username": string,
// "credential": object}, username optional.
func parseFinishRequest(b []byte, out *finishRequest) error {
	bad := func(reason string) error { return malformed("handler: finish request", reason, nil) }
	r := jsonx.Reader(b)
	if !r.ReadObjectStart() {
		return bad("body is not a JSON object")
	}
	var keys jsonx.Keys
	var k, v []byte
	var esc bool
	for i := 0; !r.ReadObjectEnd(); i++ {
		if i > 0 && !r.ReadComma() || !r.ReadKey(&k, &esc) {
			return bad("body is not well-formed JSON")
		}
		if !keys.Add(k, esc) {
			return bad("duplicate member")
		}
		switch {
		case jsonx.StringEqual(k, esc, "username"):
			if r.Peek() != jsonx.KindString || !r.ReadString(&v, &esc) || len(v) > maxUserNameSize {
				return bad("username is not a string of at most 256 bytes")
			}
			out.username = string(jsonx.AppendUnescaped(nil, v))
		case jsonx.StringEqual(k, esc, "credential"):
			if r.Peek() != jsonx.KindObject || !r.SkipNested(2, &out.credential) {
				return bad("credential is not a well-formed JSON object")
			}
		default:
			return bad("unknown member " + string(jsonx.AppendUnescaped(nil, k)))
		}
	}
	if !r.End() {
		return bad("trailing data after the JSON object")
	}
	if out.credential == nil {
		return bad("credential is missing")
	}
	return nil
}

// lookupString finds the string member name of the JSON object at the front
// of r, leniently: the verifier re-reads the whole response strictly.
func lookupString(obj []byte, name string) (val []byte, esc, ok bool) {
	r := jsonx.Reader(obj)
	if !r.ReadObjectStart() {
		return nil, false, false
	}
	var k, raw []byte
	var kesc bool
	for i := 0; !r.ReadObjectEnd(); i++ {
		if i > 0 && !r.ReadComma() || !r.ReadKey(&k, &kesc) {
			return nil, false, false
		}
		if jsonx.StringEqual(k, kesc, name) && r.Peek() == jsonx.KindString {
			ok = r.ReadString(&val, &esc)
			return val, esc, ok
		}
		if !r.SkipNested(2, &raw) {
			return nil, false, false
		}
	}
	return nil, false, false
}

// lookupObject finds the object member name of a JSON object.
func lookupObject(obj []byte, name string) ([]byte, bool) {
	r := jsonx.Reader(obj)
	if !r.ReadObjectStart() {
		return nil, false
	}
	var k, raw []byte
	var esc bool
	for i := 0; !r.ReadObjectEnd(); i++ {
		if i > 0 && !r.ReadComma() || !r.ReadKey(&k, &esc) || !r.SkipNested(2, &raw) {
			return nil, false
		}
		if jsonx.StringEqual(k, esc, name) && len(raw) > 0 && raw[0] == '{' {
			return raw, true
		}
	}
	return nil, false
}

// decodeB64Text decodes a base64url JSON string view, escapes included.
func decodeB64Text(raw []byte, esc bool) ([]byte, bool) {
	if esc {
		raw = jsonx.AppendUnescaped(nil, raw)
	}
	n, ok := b64.DecodedLen(raw)
	if !ok {
		return nil, false
	}
	out := make([]byte, n)
	if n, ok = b64.Decode(out, raw); !ok {
		return nil, false
	}
	return out[:n], true
}

// responseChallenge returns the challenge a response's clientDataJSON
// carries, decoded.
func responseChallenge(cred []byte) ([]byte, bool) {
	resp, ok := lookupObject(cred, "response")
	if !ok {
		return nil, false
	}
	raw, esc, ok := lookupString(resp, "clientDataJSON")
	if !ok {
		return nil, false
	}
	cdj, ok := decodeB64Text(raw, esc)
	if !ok {
		return nil, false
	}
	var cd clientdata.ClientData
	if clientdata.Parse(cdj, &cd) != nil {
		return nil, false
	}
	chal, ok := decodeB64Text(cd.Challenge, cd.ChallengeEscaped)
	if !ok || len(chal) < MinChallengeSize || len(chal) > MaxChallengeSize {
		return nil, false
	}
	return chal, true
}

// responseCredential returns an assertion's rawId and userHandle (nil when
// absent), decoded.
func responseCredential(cred []byte) (id, userHandle []byte, ok bool) {
	raw, esc, ok := lookupString(cred, "rawId")
	if !ok {
		return nil, nil, false
	}
	if id, ok = decodeB64Text(raw, esc); !ok {
		return nil, nil, false
	}
	if resp, found := lookupObject(cred, "response"); found {
		if raw, esc, found = lookupString(resp, "userHandle"); found {
			if userHandle, ok = decodeB64Text(raw, esc); !ok {
				return nil, nil, false
			}
		}
	}
	return id, userHandle, true
}
