package webauthnhttp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/ceremony"
	"github.com/passkeykit/webauthn/cose"
)

// Where this library's verdict differs from the Conformance Tools' (server
// test list of conformance-test-tools-resources, docs/FIDO2/Server): RS1
// credentials (Resp-4 P-8) are refused at §7.1 step 20 because
// ceremony.Lifecycle never offers RS1; secp256k1 (Resp-4 P-1, optional in
// the tools) is not supported; the authenticationAlgorithms of a metadata
// statement are not checked (Resp-5 F-8); an x5c that includes its root is
// accepted when the chain verifies (Resp-5 F-10); fido-u2f with a non-zero
// AAGUID is accepted, as §8.6 does not check it (Resp-8 F-1); tokenBinding
// is ignored, as Level 3 requires (Resp-2 F-15..F-17 of both ceremonies);
// an assertion with UP clear is refused at §7.2 step 16 (assertion Resp-3
// P-2, P-4, P-6, P-7).

// MaxConformanceSessions bounds the sessions whose pending ceremony a
// ConformanceHandler remembers (one username per session and ceremony): the
// tools run one session at a time, and a new session beyond the bound
// forgets the oldest, whose next result then fails as a spent challenge does.
const MaxConformanceSessions = 10_000

// conformanceAlgorithms are the pubKeyCredParams a ConformanceHandler offers,
// every credential algorithm the Conformance Tools' algorithm tests
// (Server-ServerAuthenticatorAttestationResponse-Resp-4) use that package
// cose verifies. ceremony.Lifecycle drops those the RelyingParty does not
// accept and RS1, which it never offers.
var conformanceAlgorithms = []cose.Algorithm{
	cose.ES256, cose.ES384, cose.ES512, cose.EdDSA, cose.Ed25519,
	cose.PS256, cose.PS384, cose.PS512, cose.RS256, cose.RS384, cose.RS512, cose.RS1,
}

// ConformanceOptions configures a ConformanceHandler. The zero value serves
// the four endpoints with in-memory stores and no metadata.
type ConformanceOptions struct {
	// Metadata is the FIDO metadata registrations are judged by after they
	// verified (ConformanceMetadata.CheckRegistration). When it is not nil,
	// the RelyingParty's Attestation.Anchors must be this same value, so
	// that chains are judged by it during verification too;
	// NewConformanceHandler refuses anything else.
	Metadata *ConformanceMetadata
	// Users keeps the accounts and credentials; nil means a new MemUsers.
	Users *MemUsers
	// Store keeps the challenges; nil means a new ceremony.MemStore.
	Store ceremony.ChallengeStore
	// RPName is rp.name; "" means the RPID.
	RPName string
	// Timeout is the challenge lifetime and the options' timeout; 0 means
	// ceremony.DefaultChallengeTimeout.
	Timeout time.Duration
	// CookieName is the session cookie; "" means DefaultSessionCookie.
	CookieName string
	// Logger receives every failure answered with its cause; nil means
	// slog.Default().
	Logger *slog.Logger
}

// ConformanceHandler serves the REST binding the FIDO Alliance
// Certification Conformance Tools test FIDO2 servers through ("FIDO2:
// Conformance testing server API", fido-alliance/conformance-test-tools-resources,
// docs/FIDO2/Server/Conformance-Test-API.md), all POST with JSON bodies:
//
//	/attestation/options  ServerPublicKeyCredentialCreationOptionsRequest → options + ServerResponse
//	/attestation/result   ServerPublicKeyCredential (attestation)          → ServerResponse
//	/assertion/options    ServerPublicKeyCredentialGetOptionsRequest       → options + ServerResponse
//	/assertion/result     ServerPublicKeyCredential (assertion)            → ServerResponse
//
// A success is {"status": "ok", "errorMessage": ""}, with the options
// (ceremony.CreationOptionsJSON or RequestOptionsJSON) merged in for the
// options endpoints; the request's authenticatorSelection, attestation,
// userVerification and extensions are what the options ask for, and the
// extensions object is echoed (with credProps added for registration). A
// failure is a 4xx (5xx for a server fault, HTTPStatus) {"status":
// "failed", "errorMessage": "<Exception>: <spec step>: <reason>[: <cause>]"}.
//
// It is a test server, not a sign-up path to deploy: anyone may register
// any username, and a passkey is added to an existing account without
// asking a CanRegister as Handler does. It is a thin binding over what
// users deploy: the ceremonies are a
// ceremony.Lifecycle (Start/Complete, the same one NewHandler uses) with
// the RelyingParty as given, the session cookie of Handler as client ID (the
// tools keep cookies between options and result), the user records a
// MemUsers, and sign-ins store counters as Handler does (compare-and-set,
// judged by RelyingParty.JudgeSignCount). The only reshaping is of the
// credential JSON the tools send (normalizeCredential: a missing rawId is
// id; getClientExtensionResults is clientExtensionResults), and the only
// check added is ConformanceMetadata.CheckRegistration when Metadata is set.
//
// It is a test server, not an account system: any session may register a
// passkey for any username (the tools register repeatedly under fresh
// names), and /assertion/options says whether a username exists. Never put
// it in front of real accounts; serve Handler there.
type ConformanceHandler struct {
	base  *Handler
	users *MemUsers
	meta  *ConformanceMetadata
	mux   *http.ServeMux

	mu      sync.Mutex
	pending map[string]*conformancePending
	order   []string // session IDs of pending, oldest first
}

// conformancePending is what a session's latest options request was for:
// the result request carries no username.
type conformancePending struct {
	regName            string
	regHandle          []byte
	authName           string
	authHandle         []byte
	hasReg, hasAuthReq bool
}

// NewConformanceHandler returns a ConformanceHandler verifying with rp; opts
// may be nil. For the verdicts the tools expect, rp should refuse counter
// regressions (RejectSignCountRegression) and, when opts.Metadata is set,
// take it as Attestation.Anchors; NewConformanceHandler fails when
// opts.Metadata is set and rp.Attestation.Anchors is not that value.
func NewConformanceHandler(rp *webauthn.RelyingParty, opts *ConformanceOptions) (*ConformanceHandler, error) {
	var o ConformanceOptions
	if opts != nil {
		o = *opts
	}
	if o.Metadata != nil && (rp == nil || rp.Attestation.Anchors != o.Metadata) {
		return nil, errors.New("webauthnhttp: ConformanceOptions.Metadata is set but is not the RelyingParty's Attestation.Anchors")
	}
	if o.Users == nil {
		o.Users = &MemUsers{}
	}
	h := &ConformanceHandler{
		base: NewHandler(rp, &HandlerOptions{
			Store: o.Store, Users: o.Users, RPName: o.RPName, Timeout: o.Timeout,
			CookieName: o.CookieName, Logger: o.Logger,
		}),
		users:   o.Users,
		meta:    o.Metadata,
		mux:     http.NewServeMux(),
		pending: map[string]*conformancePending{},
	}
	h.route("/attestation/options", h.attestationOptions)
	h.route("/attestation/result", h.attestationResult)
	h.route("/assertion/options", h.assertionOptions)
	h.route("/assertion/result", h.assertionResult)
	return h, nil
}

// Users returns the MemUsers the handler records credentials in.
func (h *ConformanceHandler) Users() *MemUsers { return h.users }

// ServeHTTP dispatches to the four endpoints; anything else is 404 or 405.
func (h *ConformanceHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mux.ServeHTTP(w, r)
}

// ServerResponse is the Conformance Test API's ServerResponse: status "ok"
// or "failed", and errorMessage, empty on success.
type ServerResponse struct {
	Status       string `json:"status"`
	ErrorMessage string `json:"errorMessage"`
}

var serverOK = ServerResponse{Status: "ok"}

// creationOptionsResponse is ServerPublicKeyCredentialCreationOptionsResponse:
// the options with the ServerResponse members; Extensions, at depth 0,
// takes the place of the options' own.
type creationOptionsResponse struct {
	ServerResponse
	*ceremony.CreationOptionsJSON
	Extensions json.RawMessage `json:"extensions,omitempty"`
}

// getOptionsResponse is ServerPublicKeyCredentialGetOptionsResponse.
type getOptionsResponse struct {
	ServerResponse
	*ceremony.RequestOptionsJSON
	Extensions json.RawMessage `json:"extensions,omitempty"`
}

func (h *ConformanceHandler) route(path string, f func(http.ResponseWriter, *http.Request) (any, error)) {
	h.mux.HandleFunc("POST "+path, func(w http.ResponseWriter, r *http.Request) {
		var v any
		err := h.base.rp.Check()
		if err == nil {
			v, err = f(w, r)
		}
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, v)
	})
}

// writeError answers err as a failed ServerResponse whose errorMessage is
// "<Exception>: <Step>: <Reason>", followed by ": <cause>" when the error
// has one (a test server tells the operator running the tools why; Handler
// never sends the cause), with the HTTP status of HTTPStatus.
func (h *ConformanceHandler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var e *webauthn.Error
	if !errors.As(err, &e) {
		e = webauthn.NewError(webauthn.ErrInternal, stepHandler, "internal error", err)
	}
	status := HTTPStatus(e)
	h.base.log.Log(r.Context(), slogLevel(status), "conformance request failed", "path", r.URL.Path, "status", status,
		"exception", e.Exception(), "step", e.Step, "reason", e.Reason, "cause", e.Err)
	msg := e.Exception() + ": " + e.Step + ": " + e.Reason
	if e.Err != nil {
		msg += ": " + strings.ReplaceAll(e.Err.Error(), "\n", "; ")
	}
	writeJSON(w, status, ServerResponse{Status: "failed", ErrorMessage: msg})
}

// remember records what the session's latest options request was for,
// forgetting the oldest session when MaxConformanceSessions are held.
func (h *ConformanceHandler) remember(sid string, set func(*conformancePending)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	p := h.pending[sid]
	if p == nil {
		if len(h.pending) >= MaxConformanceSessions {
			delete(h.pending, h.order[0])
			h.order = h.order[1:]
		}
		p = &conformancePending{}
		h.pending[sid] = p
		h.order = append(h.order, sid)
	}
	set(p)
}

// recall returns a copy of what the session's latest options request was
// for.
func (h *ConformanceHandler) recall(sid string) (conformancePending, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if p := h.pending[sid]; p != nil {
		return *p, true
	}
	return conformancePending{}, false
}

// readCredential reads a result body, at most maxRequestBody bytes, and
// normalises it (normalizeCredential).
func readCredential(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
	if err != nil {
		return nil, webauthn.NewError(webauthn.ErrMalformed, stepHandler, "cannot read the request body", err)
	}
	if len(b) > maxRequestBody {
		return nil, webauthn.NewError(webauthn.ErrMalformed, stepHandler, "request body too large", webauthn.ErrResponseTooLarge)
	}
	return normalizeCredential(b), nil
}

// echoExtensions returns the extensions object of the options: the
// request's, verbatim but for credProps added when own asks for it and the
// request does not name it; own alone when the request has none.
func echoExtensions(req []byte, own *ceremony.ExtensionsJSON) (json.RawMessage, error) {
	if req == nil {
		if own == nil {
			return nil, nil
		}
		return json.Marshal(own)
	}
	if own == nil || !own.CredProps {
		return bytes.Clone(req), nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(req, &m); err != nil {
		return nil, webauthn.NewError(webauthn.ErrMalformed, stepHandler, "extensions is not a JSON object", err)
	}
	if _, ok := m["credProps"]; !ok {
		m["credProps"] = json.RawMessage("true")
	}
	return json.Marshal(m)
}

func (h *ConformanceHandler) lookup(ctx context.Context, name string) (*Account, error) {
	return h.base.lookup(ctx, name)
}

func (h *ConformanceHandler) attestationOptions(w http.ResponseWriter, r *http.Request) (any, error) {
	var req creationOptionsRequest
	if err := decode(r, parseCreationOptionsRequest, &req); err != nil {
		return nil, err
	}
	sid, err := h.base.session(w, r, true)
	if err != nil {
		return nil, err
	}
	a, err := h.lookup(r.Context(), req.username)
	if err != nil {
		return nil, err
	}
	handle := h.base.pendingHandle(sid, req.username)
	var creds []webauthn.Credential
	if a != nil {
		handle, creds = a.Handle, a.Credentials
	}
	o, err := h.base.lc.StartRegistration(r.Context(), ceremony.User{ID: handle, Name: req.username, DisplayName: req.displayName}, sid, &ceremony.RegistrationOptions{
		Credentials:             creds,
		UserVerification:        req.userVerification,
		ResidentKey:             req.residentKeyAsked(),
		AuthenticatorAttachment: req.attachment,
		Attestation:             req.attestation,
		Algorithms:              conformanceAlgorithms,
	})
	if err != nil {
		return nil, err
	}
	ext, err := echoExtensions(req.extensions, o.Extensions)
	if err != nil {
		return nil, err
	}
	h.remember(sid, func(p *conformancePending) {
		p.regName, p.regHandle, p.hasReg = req.username, handle, true
	})
	return &creationOptionsResponse{ServerResponse: serverOK, CreationOptionsJSON: o, Extensions: ext}, nil
}

// readResult reads a result request: the credential, the client's session
// (set by the options request) and what that session's options request
// left pending, if anything.
func (h *ConformanceHandler) readResult(r *http.Request) (body []byte, sid string, p conformancePending, ok bool, err error) {
	if body, err = readCredential(r); err != nil {
		return nil, "", p, false, err
	}
	if sid, err = h.base.session(nil, r, false); err != nil {
		return nil, "", p, false, err
	}
	p, ok = h.recall(sid)
	return body, sid, p, ok, nil
}

func (h *ConformanceHandler) attestationResult(w http.ResponseWriter, r *http.Request) (any, error) {
	body, sid, p, ok, err := h.readResult(r)
	if err != nil {
		return nil, err
	}
	if !ok || !p.hasReg {
		return nil, webauthn.NewError(webauthn.ErrChallengeNotFound, "§7.1 step 8", "this session started no registration", nil)
	}
	var reg webauthn.Registration
	if err := h.base.lc.CompleteRegistration(r.Context(), p.regHandle, sid, body, &reg); err != nil {
		return nil, err
	}
	if err := h.meta.CheckRegistration(&reg, h.base.rp.Now()); err != nil {
		return nil, err
	}
	cred := reg.Record(p.regHandle)
	a, err := h.lookup(r.Context(), p.regName)
	switch {
	case err != nil:
	case a != nil:
		err = h.users.AddCredential(r.Context(), p.regHandle, &cred)
	default:
		err = h.users.Create(r.Context(), p.regName, p.regHandle, &cred)
	}
	if err != nil {
		return nil, storeError("§7.1 step 26", err)
	}
	return serverOK, nil
}

func (h *ConformanceHandler) assertionOptions(w http.ResponseWriter, r *http.Request) (any, error) {
	var req getOptionsRequest
	if err := decode(r, parseGetOptionsRequest, &req); err != nil {
		return nil, err
	}
	sid, err := h.base.session(w, r, true)
	if err != nil {
		return nil, err
	}
	a, err := h.lookup(r.Context(), req.username)
	if err != nil {
		return nil, err
	}
	if a == nil {
		return nil, webauthn.NewError(webauthn.ErrNotAuthorized, "§5.5", "the user does not exist", nil)
	}
	o, err := h.base.lc.StartAuthentication(r.Context(), a.Handle, sid, &ceremony.AuthenticationOptions{
		AllowCredentials: a.Credentials,
		UserVerification: req.userVerification,
	})
	if err != nil {
		return nil, err
	}
	ext, err := echoExtensions(req.extensions, o.Extensions)
	if err != nil {
		return nil, err
	}
	h.remember(sid, func(p *conformancePending) {
		p.authName, p.authHandle, p.hasAuthReq = a.Name, a.Handle, true
	})
	return &getOptionsResponse{ServerResponse: serverOK, RequestOptionsJSON: o, Extensions: ext}, nil
}

func (h *ConformanceHandler) assertionResult(w http.ResponseWriter, r *http.Request) (any, error) {
	body, sid, p, ok, err := h.readResult(r)
	if err != nil {
		return nil, err
	}
	if !ok || !p.hasAuthReq {
		return nil, webauthn.NewError(webauthn.ErrChallengeNotFound, "§7.2 step 11", "this session started no authentication", nil)
	}
	var stored webauthn.Credential
	lookup := func(ctx context.Context, user, id []byte) (*webauthn.Credential, error) {
		c, _, err := h.users.Credential(ctx, user, id)
		if errors.Is(err, ErrUserNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		stored = *c
		return c, nil
	}
	var as webauthn.Assertion
	if err := h.base.lc.CompleteAuthentication(r.Context(), p.authHandle, sid, body, lookup, &as); err != nil {
		return nil, err
	}
	if err := h.base.storeState(r.Context(), p.authHandle, &stored, &as); err != nil {
		return nil, err
	}
	return serverOK, nil
}
