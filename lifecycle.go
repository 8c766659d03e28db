package webauthn

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"io"
	"time"

	"github.com/passkeykit/webauthn/clientdata"
	"github.com/passkeykit/webauthn/cose"
)

// DefaultChallengeTimeout is how long a challenge issued by a Lifecycle lives
// when Timeout is 0, and the timeout its options carry: WebAuthn L3 §15.1
// recommends 5 minutes when user verification may be asked for.
const DefaultChallengeTimeout = 5 * time.Minute

// DefaultMaxCredentials is the most credentials one user may register when
// Lifecycle.MaxCredentials is 0: Amazon Cognito's passkeys-per-user quota
// (20), which also bounds the excludeCredentials list.
const DefaultMaxCredentials = 20

// challengeSize is how many random bytes a Lifecycle challenge has: twice
// MinChallengeSize, as Cognito and the browsers' examples use.
const challengeSize = 32

// Lifecycle issues challenges and completes ceremonies with them, as Amazon
// Cognito's StartWebAuthnRegistration / CompleteWebAuthnRegistration pair
// does: Start returns the options for navigator.credentials.create() or
// get() (their JSON form, WebAuthn L3 §5.4, §5.5, parseCreationOptionsFromJSON)
// and records the challenge in Store; Complete takes the response JSON, finds
// and consumes the challenge it carries (one lookup by ceremony, user and
// challenge), and verifies the response with RP against it.
//
// A challenge is consumed before the response is verified: a response that
// fails verification spends it, as in Cognito, so a failed attempt must start
// again. A response whose JSON or clientDataJSON cannot be read consumes
// nothing (InvalidParameterException or WebAuthnChallengeNotFoundException),
// nor does one sent by another client (WebAuthnClientMismatchException).
//
// Configure the fields before first use; a Lifecycle is then safe for
// concurrent use.
type Lifecycle struct {
	// RP is the policy the responses are verified with; RP.RPID is rp.id,
	// and RP.Algorithms that a credential may use (never RS1) are the
	// default pubKeyCredParams. Required.
	RP *RelyingParty
	// RPName is rp.name (§5.4.1); empty means RP.RPID.
	RPName string
	// Store keeps the challenges; nil means a MemStore created on first use
	// (single process only).
	Store ChallengeStore
	// Timeout is the challenges' lifetime and the options' timeout; 0 means
	// DefaultChallengeTimeout.
	Timeout time.Duration
	// MaxCredentials is the most credentials a user may have registered;
	// StartRegistration for a user with that many fails with
	// LimitExceededException. 0 means DefaultMaxCredentials.
	MaxCredentials int
	// Rand is the source of challenges; nil means crypto/rand.Reader.
	// Replace it only in tests.
	Rand io.Reader

	mem MemStore
}

// User is the account a registration is for (§5.4.3).
type User struct {
	// ID is the user handle: 1 to 64 bytes, random, with no personal data
	// (§14.6.1).
	ID []byte
	// Name is user.name, e.g. an e-mail address or account name.
	Name string
	// DisplayName is user.displayName; empty means Name.
	DisplayName string
}

// RegistrationOptions are the per-call choices of StartRegistration; nil
// means the defaults.
type RegistrationOptions struct {
	// Credentials are the user's registered credentials: they become
	// excludeCredentials, and their number is checked against MaxCredentials.
	Credentials []Credential
	// UserVerification is "required", "preferred" or "discouraged"; empty
	// means "required" when RP.RequireUserVerification, else "preferred".
	// "required" is enforced at Complete whatever RP says.
	UserVerification string
	// ResidentKey is "required", "preferred" or "discouraged"; empty means
	// "required" (a passkey).
	ResidentKey string
	// AuthenticatorAttachment is "platform", "cross-platform" or empty (any).
	AuthenticatorAttachment string
	// Attestation is "none", "indirect", "direct" or "enterprise"; empty
	// means "none".
	Attestation string
	// Algorithms are the pubKeyCredParams to offer, most preferred first.
	// Those that are not credential signature algorithms (RS1, unknown
	// identifiers) or that RP does not accept are left out; when none
	// remains, RP.Algorithms are offered, else the defaults. What is
	// accepted at Complete is RP's decision, not this list's.
	Algorithms []cose.Algorithm
	// Hints are the §5.8.7 hints ("security-key", "client-device", "hybrid").
	Hints []string
}

// AuthenticationOptions are the per-call choices of StartAuthentication; nil
// means the defaults.
type AuthenticationOptions struct {
	// AllowCredentials restricts the ceremony to these credentials
	// (allowCredentials); Complete rejects an assertion by any other. Empty
	// lets the authenticator choose (discoverable credentials).
	AllowCredentials []Credential
	// UserVerification as in RegistrationOptions.
	UserVerification string
	// Hints as in RegistrationOptions.
	Hints []string
}

// PublicKeyCredentialCreationOptionsJSON is the JSON form of the options of
// navigator.credentials.create() (WebAuthn L3 §5.4, §5.1.9
// parseCreationOptionsFromJSON): binary members are base64url without
// padding. Marshal it with encoding/json and hand it to the browser.
type PublicKeyCredentialCreationOptionsJSON struct {
	RP                     RPEntity                            `json:"rp"`
	User                   UserEntityJSON                      `json:"user"`
	Challenge              string                              `json:"challenge"`
	PubKeyCredParams       []CredentialParameters              `json:"pubKeyCredParams"`
	Timeout                int64                               `json:"timeout,omitempty"`
	ExcludeCredentials     []CredentialDescriptorJSON          `json:"excludeCredentials"`
	AuthenticatorSelection *AuthenticatorSelection             `json:"authenticatorSelection,omitempty"`
	Hints                  []string                            `json:"hints,omitempty"`
	Attestation            string                              `json:"attestation,omitempty"`
	Extensions             *AuthenticationExtensionsClientJSON `json:"extensions,omitempty"`
}

// PublicKeyCredentialRequestOptionsJSON is the JSON form of the options of
// navigator.credentials.get() (WebAuthn L3 §5.5, §5.1.10
// parseRequestOptionsFromJSON).
type PublicKeyCredentialRequestOptionsJSON struct {
	Challenge        string                              `json:"challenge"`
	Timeout          int64                               `json:"timeout,omitempty"`
	RPID             string                              `json:"rpId,omitempty"`
	AllowCredentials []CredentialDescriptorJSON          `json:"allowCredentials"`
	UserVerification string                              `json:"userVerification,omitempty"`
	Hints            []string                            `json:"hints,omitempty"`
	Extensions       *AuthenticationExtensionsClientJSON `json:"extensions,omitempty"`
}

// RPEntity is PublicKeyCredentialRpEntity (§5.4.2).
type RPEntity struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// UserEntityJSON is PublicKeyCredentialUserEntityJSON (§5.4.3): id is
// base64url.
type UserEntityJSON struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	DisplayName string `json:"displayName"`
}

// CredentialParameters is PublicKeyCredentialParameters (§5.3).
type CredentialParameters struct {
	Type string         `json:"type"`
	Alg  cose.Algorithm `json:"alg"`
}

// CredentialDescriptorJSON is PublicKeyCredentialDescriptorJSON (§5.8.3):
// id is base64url.
type CredentialDescriptorJSON struct {
	ID         string   `json:"id"`
	Type       string   `json:"type"`
	Transports []string `json:"transports,omitempty"`
}

// AuthenticatorSelection is AuthenticatorSelectionCriteria (§5.4.4).
type AuthenticatorSelection struct {
	AuthenticatorAttachment string `json:"authenticatorAttachment,omitempty"`
	ResidentKey             string `json:"residentKey,omitempty"`
	RequireResidentKey      bool   `json:"requireResidentKey"`
	UserVerification        string `json:"userVerification,omitempty"`
}

// AuthenticationExtensionsClientJSON is the extensions the options ask for
// (§5.7.1, §10.1.3 credProps).
type AuthenticationExtensionsClientJSON struct {
	CredProps bool `json:"credProps,omitempty"`
}

// CredentialLookup returns the stored credential with the given ID
// (§7.2 step 5-6). userHandle is the response's userHandle (nil when
// absent). It returns nil and no error for an unknown credential; an error
// it returns is passed on when it is an *Error, and becomes
// InternalErrorException otherwise.
type CredentialLookup func(ctx context.Context, id, userHandle []byte) (*Credential, error)

// offeredAlgorithms are the pubKeyCredParams when RP.Algorithms is empty: the
// algorithms authenticators use, strongest-supported first as browsers
// expect, ES256 first since every authenticator has it. RS1 is accepted but
// never asked for.
var offeredAlgorithms = [...]cose.Algorithm{cose.ES256, cose.Ed25519, cose.EdDSA, cose.ES384, cose.ES512, cose.PS256, cose.RS256}

// offerable reports whether a is a credential signature algorithm of the
// COSE registry that package cose knows: RS1 (TPM attestation only) and
// unknown identifiers are never offered.
func offerable(a cose.Algorithm) bool {
	switch a {
	case cose.ES256, cose.ES384, cose.ES512, cose.ESP256, cose.ESP384, cose.ESP512,
		cose.EdDSA, cose.Ed25519, cose.Ed448, cose.RS256, cose.RS384, cose.RS512,
		cose.PS256, cose.PS384, cose.PS512, cose.MLDSA44, cose.MLDSA65, cose.MLDSA87:
		return true
	}
	return false
}

// offered returns pubKeyCredParams (§5.4, §5.3): the first of asked,
// RP.Algorithms and offeredAlgorithms that keeps an algorithm once those
// that are not offerable or that RP does not accept are dropped.
func (l *Lifecycle) offered(asked []cose.Algorithm) []CredentialParameters {
	var params []CredentialParameters
	for _, algs := range [...][]cose.Algorithm{asked, l.RP.Algorithms, offeredAlgorithms[:]} {
		for _, a := range algs {
			if offerable(a) && l.RP.algorithmAllowed(a) {
				params = append(params, CredentialParameters{Type: "public-key", Alg: a})
			}
		}
		if len(params) > 0 {
			break
		}
	}
	return params
}

func (l *Lifecycle) store() ChallengeStore {
	if l.Store != nil {
		return l.Store
	}
	return &l.mem
}

func (l *Lifecycle) timeout() time.Duration {
	if l.Timeout > 0 {
		return l.Timeout
	}
	return DefaultChallengeTimeout
}

func (l *Lifecycle) uv(asked string) string {
	if asked != "" {
		return asked
	}
	if l.RP.RequireUserVerification {
		return "required"
	}
	return "preferred"
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// issue gives c, filled in but for Value and Expires, a fresh challenge from
// l.Rand and l's timeout on RP's clock, and puts it in the store, which may
// keep c: it is read, never modified, afterwards.
func (l *Lifecycle) issue(ctx context.Context, step string, c *Challenge) error {
	r := l.Rand
	if r == nil {
		r = rand.Reader
	}
	c.Value = make([]byte, challengeSize)
	if _, err := io.ReadFull(r, c.Value); err != nil {
		return NewError(ErrInternal, step, "reading random challenge", err)
	}
	now := l.RP.now()
	c.Expires = now.Add(l.timeout())
	return l.store().Put(ctx, c, now)
}

func lcDescriptors(creds []Credential) []CredentialDescriptorJSON {
	d := make([]CredentialDescriptorJSON, len(creds))
	for i := range creds {
		d[i] = CredentialDescriptorJSON{
			ID:         base64.RawURLEncoding.EncodeToString(creds[i].ID),
			Type:       "public-key",
			Transports: creds[i].Transports.Strings(),
		}
	}
	return d
}

// StartRegistration issues a registration challenge for user, bound to
// clientID, and returns the creation options (WebAuthn L3 §5.4), like
// Cognito's StartWebAuthnRegistration. It fails with
// WebAuthnConfigurationMissingException or WebAuthnNotEnabledException as RP
// says, and WebAuthnConfigurationMissingException too when RP accepts no
// algorithm that can be offered; InvalidParameterException for a user ID
// that is empty or over 64 bytes, LimitExceededException when
// opts.Credentials holds MaxCredentials or more, TooManyRequestsException
// when the store is full or the user has too many challenges outstanding,
// and InternalErrorException when the random source or the store fails.
func (l *Lifecycle) StartRegistration(ctx context.Context, user User, clientID string, opts *RegistrationOptions) (*PublicKeyCredentialCreationOptionsJSON, error) {
	const step = "§5.4 StartRegistration"
	if err := l.RP.check("§7.1"); err != nil {
		return nil, err
	}
	if opts == nil {
		opts = &RegistrationOptions{}
	}
	if len(user.ID) == 0 || len(user.ID) > MaxUserHandleSize {
		return nil, NewError(ErrMalformed, step, "user.id must be 1 to 64 bytes", nil)
	}
	maxCreds := l.MaxCredentials
	if maxCreds <= 0 {
		maxCreds = DefaultMaxCredentials
	}
	if len(opts.Credentials) >= maxCreds {
		return nil, NewError(ErrLimitExceeded, step, "the user has the maximum number of credentials", nil)
	}
	params := l.offered(opts.Algorithms)
	if len(params) == 0 {
		return nil, NewError(ErrConfigurationMissing, step, "RelyingParty.Algorithms names no algorithm a credential can be asked for", nil)
	}
	c := &Challenge{
		Ceremony:         CeremonyRegistration,
		UserHandle:       bytes.Clone(user.ID),
		UserName:         user.Name,
		ClientID:         clientID,
		UserVerification: l.uv(opts.UserVerification),
	}
	if err := l.issue(ctx, step, c); err != nil {
		return nil, err
	}
	rk := orDefault(opts.ResidentKey, "required")
	return &PublicKeyCredentialCreationOptionsJSON{
		RP:                 RPEntity{ID: l.RP.RPID, Name: orDefault(l.RPName, l.RP.RPID)},
		User:               UserEntityJSON{ID: base64.RawURLEncoding.EncodeToString(user.ID), Name: user.Name, DisplayName: orDefault(user.DisplayName, user.Name)},
		Challenge:          base64.RawURLEncoding.EncodeToString(c.Value),
		PubKeyCredParams:   params,
		Timeout:            l.timeout().Milliseconds(),
		ExcludeCredentials: lcDescriptors(opts.Credentials),
		AuthenticatorSelection: &AuthenticatorSelection{
			AuthenticatorAttachment: opts.AuthenticatorAttachment,
			ResidentKey:             rk,
			RequireResidentKey:      rk == "required",
			UserVerification:        c.UserVerification,
		},
		Hints:       opts.Hints,
		Attestation: orDefault(opts.Attestation, "none"),
		Extensions:  &AuthenticationExtensionsClientJSON{CredProps: true},
	}, nil
}

// CompleteRegistration finishes the registration StartRegistration began for
// the user handle user, like Cognito's CompleteWebAuthnRegistration: it reads
// the challenge from the RegistrationResponseJSON response's clientDataJSON,
// consumes it from the store (WebAuthnChallengeNotFoundException when it was
// not issued for this user and ceremony, expired or was used;
// WebAuthnClientMismatchException, without consuming it, when it was issued
// to another client), then verifies the response with RP.VerifyRegistration
// against it and, when Start asked for userVerification "required", requires
// the UV flag (WebAuthnCredentialNotSupportedException). Storing the
// credential, and refusing a credential ID already registered (§7.1 step 26),
// are the caller's.
func (l *Lifecycle) CompleteRegistration(ctx context.Context, user []byte, clientID string, response []byte, out *Registration) error {
	var ext lcExtracted
	c, err := l.consume(ctx, CeremonyRegistration, user, clientID, response, &ext)
	if err != nil {
		return err
	}
	if err := l.RP.VerifyRegistration(response, c.Value, out); err != nil {
		return err
	}
	if c.UserVerification == "required" && !out.UserVerified {
		*out = Registration{buf: out.buf[:0]}
		return NewError(ErrCredentialNotSupported, "§7.1 step 16", "user verification was required but the UV flag is clear", nil)
	}
	return nil
}

// StartAuthentication issues an authentication challenge bound to clientID
// and returns the request options (WebAuthn L3 §5.5). user is the user handle
// of the user signing in, or nil for a username-less ceremony with
// discoverable credentials. Errors as StartRegistration, without
// LimitExceededException.
func (l *Lifecycle) StartAuthentication(ctx context.Context, user []byte, clientID string, opts *AuthenticationOptions) (*PublicKeyCredentialRequestOptionsJSON, error) {
	const step = "§5.5 StartAuthentication"
	if err := l.RP.check("§7.2"); err != nil {
		return nil, err
	}
	if opts == nil {
		opts = &AuthenticationOptions{}
	}
	if len(user) > MaxUserHandleSize {
		return nil, NewError(ErrMalformed, step, "user handle longer than 64 bytes", nil)
	}
	c := &Challenge{
		Ceremony:         CeremonyAuthentication,
		UserHandle:       bytes.Clone(user),
		ClientID:         clientID,
		UserVerification: l.uv(opts.UserVerification),
	}
	for i := range opts.AllowCredentials {
		c.AllowCredentials = append(c.AllowCredentials, bytes.Clone(opts.AllowCredentials[i].ID))
	}
	if err := l.issue(ctx, step, c); err != nil {
		return nil, err
	}
	return &PublicKeyCredentialRequestOptionsJSON{
		Challenge:        base64.RawURLEncoding.EncodeToString(c.Value),
		Timeout:          l.timeout().Milliseconds(),
		RPID:             l.RP.RPID,
		AllowCredentials: lcDescriptors(opts.AllowCredentials),
		UserVerification: c.UserVerification,
		Hints:            opts.Hints,
	}, nil
}

// CompleteAuthentication finishes the authentication StartAuthentication
// began for user (nil for username-less): it reads the challenge from the
// AuthenticationResponseJSON response, consumes it as CompleteRegistration
// does, finds the credential with lookup, and verifies the assertion with
// RP.VerifyAuthentication. It fails with NotAuthorizedException when the
// credential is not among the challenge's allowCredentials (§7.2 step 5), is
// unknown, belongs to another user than the one identified at Start (§7.2
// step 6), when a username-less response has no userHandle (§7.2 step 6), or
// when Start asked for userVerification "required" and the UV flag is clear.
// Updating the stored sign count and backup state from out is the caller's.
func (l *Lifecycle) CompleteAuthentication(ctx context.Context, user []byte, clientID string, response []byte, lookup CredentialLookup, out *Assertion) error {
	var ext lcExtracted
	c, err := l.consume(ctx, CeremonyAuthentication, user, clientID, response, &ext)
	if err != nil {
		return err
	}
	if len(c.AllowCredentials) > 0 {
		allowed := false
		for _, id := range c.AllowCredentials {
			allowed = allowed || bytes.Equal(id, ext.rawID)
		}
		if !allowed {
			return NewError(ErrNotAuthorized, "§7.2 step 5", "credential is not in allowCredentials", nil)
		}
	}
	if len(user) == 0 && len(ext.userHandle) == 0 {
		return NewError(ErrNotAuthorized, "§7.2 step 6", "username-less assertion without a userHandle", nil)
	}
	cred, err := lookup(ctx, ext.rawID, ext.userHandle)
	if err != nil {
		if e := (*Error)(nil); errors.As(err, &e) {
			return err
		}
		return NewError(ErrInternal, "§7.2 step 6", "credential lookup failed", err)
	}
	if cred == nil {
		return NewError(ErrNotAuthorized, "§7.2 step 6", "credential is not registered", nil)
	}
	if len(user) > 0 && len(cred.UserHandle) > 0 && !bytes.Equal(user, cred.UserHandle) {
		return NewError(ErrNotAuthorized, "§7.2 step 6", "credential belongs to another user", nil)
	}
	if err := l.RP.VerifyAuthentication(response, c.Value, cred, out); err != nil {
		return err
	}
	if c.UserVerification == "required" && !out.UserVerified {
		*out = Assertion{buf: out.buf[:0]}
		return NewError(ErrNotAuthorized, "§7.2 step 18", "user verification was required but the UV flag is clear", nil)
	}
	return nil
}

// consume checks RP, reads the challenge the response carries into *ext
// (lcExtract) and consumes it from the store for (ceremony, user, clientID).
func (l *Lifecycle) consume(ctx context.Context, ceremony Ceremony, user []byte, clientID string, response []byte, ext *lcExtracted) (*Challenge, error) {
	sec := "§7.1"
	if ceremony == CeremonyAuthentication {
		sec = "§7.2"
	}
	if err := l.RP.check(sec); err != nil {
		return nil, err
	}
	if err := lcExtract(response, ceremony, l.RP.maxResponseSize(), ext); err != nil {
		return nil, err
	}
	return l.store().Consume(ctx, ceremony, user, ext.challenge, clientID, l.RP.now())
}

// lcExtracted is what Complete reads from a response before the lookup: views
// into one buffer.
type lcExtracted struct {
	challenge  []byte
	rawID      []byte
	userHandle []byte
}

// lcExtract reads just enough of a response to find its challenge: the
// response JSON with parseResponse (strictly, as the verifier will),
// clientDataJSON, and the challenge member, plus rawId and userHandle of an
// assertion, all decoded into one buffer. A malformed response or
// clientDataJSON is InvalidParameterException; a challenge that is not
// base64url of MinChallengeSize to MaxChallengeSize bytes cannot have been
// issued (WebAuthnChallengeNotFoundException).
func lcExtract(response []byte, ceremony Ceremony, maxSize int, out *lcExtracted) error {
	dict, step, name := ceremonyRegistration, "§7.1 step 3", "a RegistrationResponseJSON"
	if ceremony == CeremonyAuthentication {
		dict, step, name = ceremonyAuthentication, "§7.2 step 3", "an AuthenticationResponseJSON"
	}
	if len(response) > maxSize {
		return malformed(step, "response JSON too large", ErrResponseTooLarge)
	}
	var js responseJSON
	if err := parseResponse(response, dict, &js); err != nil {
		return malformed(step, "response JSON is not "+name, err)
	}
	// One buffer for clientDataJSON, the challenge (its text is part of
	// clientDataJSON, and decodedSize is at most twice a text plus 3),
	// rawId and userHandle.
	n, ok := decodedSize(&js.clientDataJSON)
	if !ok {
		return malformed(step, "response.clientDataJSON is not base64url", ErrResponseBase64)
	}
	n = 3*n + 3
	if dict == ceremonyAuthentication {
		for _, s := range [...]*jstr{&js.rawID, &js.userHandle} {
			m, ok := decodedSize(s)
			if !ok {
				return malformed(step, "rawId or response.userHandle is not base64url", ErrResponseBase64)
			}
			n += m
		}
	}
	buf := make([]byte, n)
	cdj, ok := decodeB64(&buf, &js.clientDataJSON)
	if !ok {
		return malformed(step, "response.clientDataJSON is not base64url", ErrResponseBase64)
	}
	var cd clientdata.ClientData
	if err := clientdata.Parse(cdj, &cd); err != nil {
		return malformed(step, "clientDataJSON is malformed", err)
	}
	chal, ok := decodeB64(&buf, &jstr{raw: cd.Challenge, esc: cd.ChallengeEscaped, present: true})
	if !ok || len(chal) < MinChallengeSize || len(chal) > MaxChallengeSize {
		return NewError(ErrChallengeNotFound, StepChallengeLookup, "clientData challenge is not a challenge this relying party issues", nil)
	}
	out.challenge = chal
	if dict == ceremonyAuthentication {
		if out.rawID, ok = decodeB64(&buf, &js.rawID); !ok {
			return malformed(step, "rawId is not base64url", ErrResponseBase64)
		}
		if js.userHandle.present {
			if out.userHandle, ok = decodeB64(&buf, &js.userHandle); !ok {
				return malformed("§7.2 step 6", "response.userHandle is not base64url", ErrResponseBase64)
			}
		}
	}
	return nil
}
