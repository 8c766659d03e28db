package ceremony

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"io"
	"time"

	"github.com/passkeykit/webauthn"
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

// Steps named by the errors of Start: issuing the options of §5.4 and §5.5.
const (
	stepStartRegistration   = "§5.4"
	stepStartAuthentication = "§5.5"
)

// Lifecycle issues challenges and completes ceremonies with them, as Amazon
// Cognito's StartWebAuthnRegistration / CompleteWebAuthnRegistration pair
// does: Start returns the options for navigator.credentials.create() or
// get() (their JSON form, WebAuthn L3 §5.4, §5.5) and records the challenge,
// with what the options asked for, in Store; Complete takes the response
// JSON, finds and consumes the challenge it carries (one lookup by
// ceremony, user, challenge and client), and verifies the response with RP
// against what was asked for.
//
// The clientID of every call identifies who the ceremony is run with: in a
// web server, an opaque per-browser session ID that the server set (a
// cookie) and the user never chooses; in a Cognito-style API, the app client.
// A challenge is completed only by the client it was issued to, and the
// store bounds the challenges one client holds.
//
// A challenge is consumed before the response is verified: a response that
// fails verification spends it, as in Cognito, so a failed attempt must start
// again. A response whose JSON or clientDataJSON cannot be read consumes
// nothing (InvalidParameterException), nor does one sent by another client
// (WebAuthnClientMismatchException).
//
// The zero Lifecycle fails every call with
// WebAuthnConfigurationMissingException. Configure the fields before first
// use; a Lifecycle is then safe for concurrent use.
type Lifecycle struct {
	// RP is the policy the responses are verified with; RP.RPID is rp.id,
	// and RP.Algorithms that a credential may use (never RS1) are the
	// default pubKeyCredParams. Required.
	RP *webauthn.RelyingParty
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

// CredentialLookup returns the credential record with ID credentialID of
// the account whose user handle is user (§7.2 step 6): the user identified
// before the ceremony, or for a username-less ceremony the response's
// userHandle. It returns nil and no error when that account has no such
// credential. An error it returns is passed on when it is a *webauthn.Error
// and becomes InternalErrorException otherwise.
type CredentialLookup func(ctx context.Context, user, credentialID []byte) (*webauthn.Credential, error)

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

// offered returns the algorithms of pubKeyCredParams (§5.4, §5.3): the
// first of asked, RP.Algorithms and offeredAlgorithms that keeps an
// algorithm once those that are not offerable or that RP does not accept
// are dropped.
func (l *Lifecycle) offered(asked []cose.Algorithm) []cose.Algorithm {
	var algs []cose.Algorithm
	for _, list := range [...][]cose.Algorithm{asked, l.RP.Algorithms, offeredAlgorithms[:]} {
		for _, a := range list {
			if offerable(a) && l.RP.AcceptsAlgorithm(a) {
				algs = append(algs, a)
			}
		}
		if len(algs) > 0 {
			break
		}
	}
	return algs
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

// userVerification returns what the options ask for: asked, raised to
// required when RP requires user verification (a floor nothing lowers).
func (l *Lifecycle) userVerification(asked UserVerification) UserVerification {
	switch {
	case l.RP.RequireUserVerification:
		return UserVerificationRequired
	case asked == 0:
		return UserVerificationPreferred
	}
	return asked
}

// check is where every call starts: RP can run a ceremony, and clientID
// identifies a client.
func (l *Lifecycle) check(step, clientID string) error {
	if err := l.RP.Check(); err != nil {
		return err
	}
	if clientID == "" || len(clientID) > MaxClientIDSize {
		return webauthn.NewError(webauthn.ErrMalformed, step, "the client ID must be 1 to 128 bytes", nil)
	}
	return nil
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
		return webauthn.NewError(webauthn.ErrInternal, step, "reading a random challenge failed", err)
	}
	now := l.RP.Now()
	c.Expires = now.Add(l.timeout())
	var err error
	if m, ok := l.store().(*MemStore); ok {
		err = m.put(ctx, c, now, true) // c was built for this call alone
	} else {
		err = l.store().Put(ctx, c, now)
	}
	if err != nil {
		return storeError(step, err)
	}
	return nil
}

// storeError maps a ChallengeStore error to its exception.
func storeError(step string, err error) error {
	switch {
	case errors.Is(err, ErrNotFound):
		return webauthn.NewError(webauthn.ErrChallengeNotFound, step, "challenge not issued, expired or already used", nil)
	case errors.Is(err, ErrOtherClient):
		return webauthn.NewError(webauthn.ErrClientMismatch, step, "challenge was issued to another client", nil)
	case errors.Is(err, ErrStoreFull):
		return webauthn.NewError(webauthn.ErrTooManyRequests, step, "challenge store is full", nil)
	}
	return webauthn.NewError(webauthn.ErrInternal, step, "challenge store failed", err)
}

// appIDFor returns the input of the appid (request) or appidExclude
// (creation) extension: the AppID when there is one and the options list n
// credentials (allowCredentials, excludeCredentials), else "". The client
// acts on the extensions only for the listed credentials (§10.1.1 step 4,
// §10.1.2: it retries a listed credential under the AppID), so with none
// they can do nothing, and a browser that refuses the AppID (it must be
// same-site with the page, which must be https: Chromium refuses any AppID
// on http://localhost) fails the whole ceremony: username-less sign-ins
// and first registrations do not carry them. With a list they are sent
// whether or not a listed credential is U2F-era (Credential.AppID): options
// that asked only then would tell whoever starts a sign-in for a name which
// accounts hold U2F security keys (the HTTP layer answers unknown names
// with a fictitious credential, and its options must look like any
// other's); the browser uses the AppID only for a U2F authenticator that
// does not know a credential under the RP ID, so asking costs the others
// nothing; and what the extension admits is bounded by the record, not the
// options: the verifier accepts an assertion made with the AppID only for
// a record marked webauthn.Credential.AppID.
func appIDFor(appID string, n int) string {
	if n == 0 {
		return ""
	}
	return appID
}

func descriptors(creds []webauthn.Credential) []CredentialDescriptor {
	d := make([]CredentialDescriptor, len(creds))
	for i := range creds {
		d[i] = CredentialDescriptor{
			ID:         base64.RawURLEncoding.EncodeToString(creds[i].ID),
			Type:       "public-key",
			Transports: creds[i].Transports.Strings(),
		}
	}
	return d
}

func validHints(hints []Hint) bool {
	for _, h := range hints {
		if h == 0 || !valid(hintTokens[:], uint8(h)) {
			return false
		}
	}
	return true
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// StartRegistration issues a registration challenge for user, bound to
// clientID, and returns the creation options (WebAuthn L3 §5.4), like
// Cognito's StartWebAuthnRegistration. When RP.AppID is set and
// opts.Credentials is not empty, the options carry extensions.appidExclude
// with it (§10.1.2), so that a U2F key that holds one of opts.Credentials
// under the AppID is not registered again (see appIDFor). It fails with
// WebAuthnConfigurationMissingException or WebAuthnNotEnabledException as RP
// says (RelyingParty.Check), and WebAuthnConfigurationMissingException too
// when RP accepts no algorithm that can be offered; InvalidParameterException
// for a user ID that is empty or over 64 bytes, an empty client ID, or an
// option outside its enumeration; LimitExceededException when
// opts.Credentials holds MaxCredentials or more; InternalErrorException when
// the random source or the store fails.
func (l *Lifecycle) StartRegistration(ctx context.Context, user User, clientID string, opts *RegistrationOptions) (*CreationOptionsJSON, error) {
	const step = stepStartRegistration
	if err := l.check(step, clientID); err != nil {
		return nil, err
	}
	if opts == nil {
		opts = &RegistrationOptions{}
	}
	if len(user.ID) == 0 || len(user.ID) > MaxUserHandleSize {
		return nil, webauthn.NewError(webauthn.ErrMalformed, step, "user.id must be 1 to 64 bytes", nil)
	}
	if !valid(userVerificationTokens[:], uint8(opts.UserVerification)) || !valid(residentKeyTokens[:], uint8(opts.ResidentKey)) ||
		!valid(attachmentTokens[:], uint8(opts.AuthenticatorAttachment)) || !valid(conveyanceTokens[:], uint8(opts.Attestation)) ||
		!validHints(opts.Hints) {
		return nil, webauthn.NewError(webauthn.ErrMalformed, step, "an option is not one of its enumeration's values", ErrUnknownToken)
	}
	var formats []string
	for _, f := range opts.AttestationFormats {
		if !l.RP.Attestation.AcceptsFormat(f) {
			return nil, webauthn.NewError(webauthn.ErrMalformed, step, "attestationFormats names "+f.String()+", a format the attestation policy does not accept", nil)
		}
		formats = append(formats, f.String())
	}
	maxCreds := l.MaxCredentials
	if maxCreds <= 0 {
		maxCreds = DefaultMaxCredentials
	}
	if len(opts.Credentials) >= maxCreds {
		return nil, webauthn.NewError(webauthn.ErrLimitExceeded, step, "the user has the maximum number of credentials", nil)
	}
	algs := l.offered(opts.Algorithms)
	if len(algs) == 0 {
		return nil, webauthn.NewError(webauthn.ErrConfigurationMissing, step, "RelyingParty.Algorithms names no algorithm a credential can be asked for", nil)
	}
	c := &Challenge{
		Ceremony:         Registration,
		UserHandle:       bytes.Clone(user.ID),
		ClientID:         clientID,
		UserVerification: l.userVerification(opts.UserVerification),
		Algorithms:       algs,
		Conditional:      opts.Conditional,
	}
	if err := l.issue(ctx, step, c); err != nil {
		return nil, err
	}
	rk := opts.ResidentKey
	if rk == 0 {
		rk = ResidentKeyRequired
	}
	att := opts.Attestation
	if att == 0 {
		att = ConveyanceNone
	}
	params := make([]CredentialParameters, len(algs))
	for i, a := range algs {
		params[i] = CredentialParameters{Type: "public-key", Alg: a}
	}
	return &CreationOptionsJSON{
		RP:                 RPEntity{ID: l.RP.RPID, Name: orDefault(l.RPName, l.RP.RPID)},
		User:               UserEntityJSON{ID: base64.RawURLEncoding.EncodeToString(user.ID), Name: user.Name, DisplayName: orDefault(user.DisplayName, user.Name)},
		Challenge:          base64.RawURLEncoding.EncodeToString(c.Value),
		PubKeyCredParams:   params,
		Timeout:            l.timeout().Milliseconds(),
		ExcludeCredentials: descriptors(opts.Credentials),
		AuthenticatorSelection: &AuthenticatorSelection{
			AuthenticatorAttachment: opts.AuthenticatorAttachment,
			ResidentKey:             rk,
			RequireResidentKey:      rk == ResidentKeyRequired,
			UserVerification:        c.UserVerification,
		},
		Hints:              opts.Hints,
		Attestation:        att,
		AttestationFormats: formats,
		Extensions:         &ExtensionsJSON{CredProps: true, AppIDExclude: appIDFor(l.RP.AppID, len(opts.Credentials))},
	}, nil
}

// CompleteRegistration finishes the registration StartRegistration began for
// the user handle user, like Cognito's CompleteWebAuthnRegistration: it reads
// the challenge from the RegistrationResponseJSON response's clientDataJSON,
// consumes it from the store (WebAuthnChallengeNotFoundException when it was
// not issued for this user and ceremony, expired or was used;
// WebAuthnClientMismatchException, without consuming it, when it was issued
// to another client), then verifies the response with
// RP.VerifyRegistrationParams against what the options asked for: user
// verification when they asked for "required" (§7.1 step 16), an algorithm
// they offered (step 20), and UP unless they were for conditional mediation
// (step 15). Storing the credential, and refusing a credential ID already
// registered (§7.1 step 26), are the caller's; so is deciding again, now,
// that this client may add a credential to this account.
func (l *Lifecycle) CompleteRegistration(ctx context.Context, user []byte, clientID string, response []byte, out *webauthn.Registration) error {
	var keys webauthn.ResponseKeys
	c, err := l.consume(ctx, Registration, user, clientID, response, &keys)
	if err != nil {
		return err
	}
	p := webauthn.RegistrationParams{
		Challenge:        c.Value,
		UserVerification: c.UserVerification == UserVerificationRequired,
		Algorithms:       c.Algorithms,
		Conditional:      c.Conditional,
	}
	return l.RP.VerifyRegistrationParams(response, &p, out)
}

// StartAuthentication issues an authentication challenge bound to clientID
// and returns the request options (WebAuthn L3 §5.5). user is the user handle
// of the user signing in, or nil for a username-less ceremony with
// discoverable credentials. Errors as StartRegistration, without
// LimitExceededException.
//
// When RP.AppID is set and opts.AllowCredentials is not empty, the options
// carry extensions.appid with it (§10.1.1) and the challenge remembers that
// they asked (Challenge.AppID); see appIDFor for why not only when an
// allowed credential is a U2F-era one.
func (l *Lifecycle) StartAuthentication(ctx context.Context, user []byte, clientID string, opts *AuthenticationOptions) (*RequestOptionsJSON, error) {
	const step = stepStartAuthentication
	if err := l.check(step, clientID); err != nil {
		return nil, err
	}
	if opts == nil {
		opts = &AuthenticationOptions{}
	}
	if len(user) > MaxUserHandleSize {
		return nil, webauthn.NewError(webauthn.ErrMalformed, step, "user handle longer than 64 bytes", nil)
	}
	if !valid(userVerificationTokens[:], uint8(opts.UserVerification)) || !validHints(opts.Hints) {
		return nil, webauthn.NewError(webauthn.ErrMalformed, step, "an option is not one of its enumeration's values", ErrUnknownToken)
	}
	c := &Challenge{
		Ceremony:         Authentication,
		UserHandle:       bytes.Clone(user),
		ClientID:         clientID,
		UserVerification: l.userVerification(opts.UserVerification),
		AppID:            appIDFor(l.RP.AppID, len(opts.AllowCredentials)) != "",
	}
	for i := range opts.AllowCredentials {
		c.AllowCredentials = append(c.AllowCredentials, bytes.Clone(opts.AllowCredentials[i].ID))
	}
	if err := l.issue(ctx, step, c); err != nil {
		return nil, err
	}
	o := &RequestOptionsJSON{
		Challenge:        base64.RawURLEncoding.EncodeToString(c.Value),
		Timeout:          l.timeout().Milliseconds(),
		RPID:             l.RP.RPID,
		AllowCredentials: descriptors(opts.AllowCredentials),
		UserVerification: c.UserVerification,
		Hints:            opts.Hints,
	}
	if c.AppID {
		o.Extensions = &ExtensionsJSON{AppID: l.RP.AppID}
	}
	return o, nil
}

// CompleteAuthentication finishes the authentication StartAuthentication
// began for user (nil for username-less): it reads the challenge from the
// AuthenticationResponseJSON response, consumes it as CompleteRegistration
// does, finds the credential record with lookup, and verifies the assertion
// with RP.VerifyAuthenticationParams. It fails with NotAuthorizedException
// when the credential is not among the challenge's allowCredentials (§7.2
// step 5); when a username-less response has no userHandle, or the
// response's userHandle is not the user identified at Start (§7.2 step 6);
// when lookup finds no record, or one that does not show it belongs to the
// account (a record without a user handle, or another account's: a lookup
// that ignores its user argument cannot make one user's passkey sign in
// another); and when Start asked for userVerification "required" and the
// UV flag is clear (§7.2 step 17). It fails with
// WebAuthnRelyingPartyMismatchException for an assertion whose
// clientExtensionResults.appid is true when Start did not ask for the
// extension (Challenge.AppID) or the record is not marked AppID (§7.2 step
// 15, §10.1.1). Updating the stored record from out (§7.2 step 24) is the
// caller's.
func (l *Lifecycle) CompleteAuthentication(ctx context.Context, user []byte, clientID string, response []byte, lookup CredentialLookup, out *webauthn.Assertion) error {
	var keys webauthn.ResponseKeys
	c, err := l.consume(ctx, Authentication, user, clientID, response, &keys)
	if err != nil {
		return err
	}
	if len(c.AllowCredentials) > 0 {
		allowed := false
		for _, id := range c.AllowCredentials {
			allowed = allowed || bytes.Equal(id, keys.CredentialID)
		}
		if !allowed {
			return webauthn.NewError(webauthn.ErrNotAuthorized, "§7.2 step 5", "credential is not in allowCredentials", nil)
		}
	}
	owner := user
	switch {
	case len(user) == 0 && len(keys.UserHandle) == 0:
		return webauthn.NewError(webauthn.ErrNotAuthorized, "§7.2 step 6", "username-less assertion without a userHandle", nil)
	case len(user) == 0:
		owner = keys.UserHandle
	case len(keys.UserHandle) > 0 && !bytes.Equal(keys.UserHandle, user):
		return webauthn.NewError(webauthn.ErrNotAuthorized, "§7.2 step 6", "userHandle is not the user being authenticated", nil)
	}
	cred, err := lookup(ctx, owner, keys.CredentialID)
	if err != nil {
		if e := (*webauthn.Error)(nil); errors.As(err, &e) {
			return err
		}
		return webauthn.NewError(webauthn.ErrInternal, "§7.2 step 6", "credential lookup failed", err)
	}
	switch {
	case cred == nil:
		return webauthn.NewError(webauthn.ErrNotAuthorized, "§7.2 step 6", "credential is not registered to the user", nil)
	case len(cred.UserHandle) == 0:
		return webauthn.NewError(webauthn.ErrNotAuthorized, "§7.2 step 6", "credential record has no user handle: its owner cannot be shown", nil)
	case !bytes.Equal(cred.UserHandle, owner):
		return webauthn.NewError(webauthn.ErrNotAuthorized, "§7.2 step 6", "credential belongs to another user", nil)
	}
	p := webauthn.AuthenticationParams{
		Challenge:        c.Value,
		UserVerification: c.UserVerification == UserVerificationRequired,
		AppID:            c.AppID,
	}
	return l.RP.VerifyAuthenticationParams(response, &p, cred, out)
}

// consume checks l, reads the response's keys (RelyingParty.Peek…) and
// consumes the challenge they name for (ceremony, user, clientID).
func (l *Lifecycle) consume(ctx context.Context, ceremony Ceremony, user []byte, clientID string, response []byte, keys *webauthn.ResponseKeys) (*Challenge, error) {
	step := "§7.1 step 8"
	if ceremony == Authentication {
		step = "§7.2 step 11"
	}
	if err := l.check(step, clientID); err != nil {
		return nil, err
	}
	var err error
	if ceremony == Authentication {
		err = l.RP.PeekAuthentication(response, keys)
	} else {
		err = l.RP.PeekRegistration(response, keys)
	}
	if err != nil {
		return nil, err
	}
	c, err := l.store().Consume(ctx, Key{Ceremony: ceremony, User: user, Challenge: keys.Challenge, ClientID: clientID}, l.RP.Now())
	if err != nil {
		return nil, storeError(step, err)
	}
	return c, nil
}
