package cognito

// This file is the one place that uses package ceremony (Lifecycle, its
// options JSON, ChallengeStore, MemStore).

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"crypto/sha256"

	"github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/ceremony"
	"github.com/passkeykit/webauthn/cose"
)

// ChallengeStore keeps WebAuthn challenges between Start and Complete: the
// ceremony package's challenge store interface (ceremony.MemStore in memory,
// or the Redis store of module store/redis).
type ChallengeStore = ceremony.ChallengeStore

func newMemChallenges() ChallengeStore { return &ceremony.MemStore{} }

// ceremonyClient is the client ID a ceremony is bound to: the app client,
// the user and, for a sign-in, the auth session (the JTI of the Session
// token InitiateAuth returns), hashed (ceremony.MaxClientIDSize bounds it).
// A challenge is then completed only through the app client and session it
// was issued to (WebAuthnClientMismatchException), and the challenge
// store's per-client bound is per session: anonymous InitiateAuth calls
// naming a user cannot evict that user's own sign-in challenge.
// Registrations, which need the user's access token, pass session "".
func ceremonyClient(appClient, sub, session string) string {
	h := sha256.Sum256([]byte(appClient + "\x00" + sub + "\x00" + session))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// maxCASAttempts bounds the compare-and-set rounds of one sign-in's state
// update. A round fails only when another sign-in of the same credential
// wrote in between (which raised the counter, or changed BS on a
// zero-counter passkey), so 64 rounds means 64 concurrent sign-ins of one
// credential won: the sign-in is then refused with TooManyRequestsException
// rather than retried without end.
const maxCASAttempts = 64

// passkeys is a pool's passkey configuration as library objects.
type passkeys struct {
	cfg *WebAuthnConfig
	rp  *webauthn.RelyingParty
	lc  *ceremony.Lifecycle
}

func newPasskeys(cfg *WebAuthnConfig, store ChallengeStore, clock func() time.Time) *passkeys {
	rp := &webauthn.RelyingParty{
		RPID:    cfg.RPID,
		Origins: cfg.Origins,
		// Cognito's pubKeyCredParams: ES256 and RS256.
		Algorithms:                []cose.Algorithm{cose.ES256, cose.RS256},
		RequireUserVerification:   cfg.UserVerification == "required",
		Disabled:                  !cfg.Enabled,
		RejectSignCountRegression: true,
		Clock:                     clock,
	}
	return &passkeys{cfg: cfg, rp: rp, lc: &ceremony.Lifecycle{
		RP:             rp,
		RPName:         cfg.RPName,
		Store:          store,
		Timeout:        time.Duration(cfg.ChallengeLifetime),
		MaxCredentials: maxPasskeys(cfg),
	}}
}

func maxPasskeys(cfg *WebAuthnConfig) int {
	if cfg.MaxPasskeysPerUser > 0 {
		return cfg.MaxPasskeysPerUser
	}
	return MaxPasskeysPerUser
}

func (pk *passkeys) userVerification() ceremony.UserVerification {
	if pk.cfg.UserVerification == "required" {
		return ceremony.UserVerificationRequired
	}
	return ceremony.UserVerificationPreferred
}

// libCredentials converts stored credentials to the library's records.
func libCredentials(recs []CredentialRecord) []webauthn.Credential {
	out := make([]webauthn.Credential, len(recs))
	for i := range recs {
		out[i] = libCredential(&recs[i])
	}
	return out
}

func libCredential(r *CredentialRecord) webauthn.Credential {
	return webauthn.Credential{
		ID:             r.ID,
		PublicKey:      r.PublicKey,
		SignCount:      r.State.SignCount,
		BackupEligible: r.BackupEligible,
		UserHandle:     []byte(r.Sub),
		Transports:     transportsOf(r.Transports),
	}
}

func transportsOf(names []string) webauthn.Transports {
	var t webauthn.Transports
	for _, n := range names {
		switch n {
		case "usb":
			t |= webauthn.TransportUSB
		case "nfc":
			t |= webauthn.TransportNFC
		case "ble":
			t |= webauthn.TransportBLE
		case "smart-card":
			t |= webauthn.TransportSmartCard
		case "hybrid":
			t |= webauthn.TransportHybrid
		case "internal":
			t |= webauthn.TransportInternal
		}
	}
	return t
}

// allCredentials returns every passkey of u (at most MaxPasskeysPerUser+1
// are read: more than that is never stored).
func (s *Server) allCredentials(ctx context.Context, p *pool, u *UserRecord) ([]CredentialRecord, error) {
	recs, err := s.store.Credentials(ctx, p.cfg.ID, u.Sub, nil, MaxPasskeysPerUser+1)
	if err != nil {
		return nil, internalErr("reading the passkeys", err)
	}
	return recs, nil
}

// creationOptions is CredentialCreationOptions as Cognito returns it
// (WebAuthn L3 §5.4 in its JSON form): no attestation member (so "none"),
// no hints.
type creationOptions struct {
	RP                     ceremony.RPEntity                `json:"rp"`
	User                   ceremony.UserEntityJSON          `json:"user"`
	Challenge              string                           `json:"challenge"`
	PubKeyCredParams       []ceremony.CredentialParameters  `json:"pubKeyCredParams"`
	Timeout                int64                            `json:"timeout"`
	ExcludeCredentials     []ceremony.CredentialDescriptor  `json:"excludeCredentials"`
	AuthenticatorSelection *ceremony.AuthenticatorSelection `json:"authenticatorSelection"`
	Extensions             *ceremony.ExtensionsJSON         `json:"extensions,omitempty"`
}

// replicaRefusal is OperationNotEnabledException on a replica pool.
func replicaRefusal(p *pool, op string) error {
	if p.cfg.Replica {
		return apiErr(ExceptionOperationNotEnabled, op+" is not available in a secondary replica of the user pool.")
	}
	return nil
}

// startWebAuthnRegistration is StartWebAuthnRegistration (WebAuthn L3
// §5.4): creation options with the user's passkeys as excludeCredentials,
// residentKey required, userVerification from the pool.
func (s *Server) startWebAuthnRegistration(ctx context.Context, r *http.Request, body []byte) (any, error) {
	var in accessTokenInput
	if err := decodeInput(body, accessTokenMembers, &in); err != nil {
		return nil, err
	}
	p, c, u, err := s.authorize(ctx, r, "StartWebAuthnRegistration", in.AccessToken)
	if err != nil {
		return nil, err
	}
	if err := replicaRefusal(p, "StartWebAuthnRegistration"); err != nil {
		return nil, err
	}
	recs, err := s.allCredentials(ctx, p, u)
	if err != nil {
		return nil, err
	}
	o, err := p.pk.lc.StartRegistration(ctx, ceremony.User{ID: []byte(u.Sub), Name: u.Username, DisplayName: u.Username}, ceremonyClient(c.ClientID, u.Sub, ""),
		&ceremony.RegistrationOptions{Credentials: libCredentials(recs), UserVerification: p.pk.userVerification(), ResidentKey: ceremony.ResidentKeyRequired})
	if err != nil {
		return nil, err
	}
	return struct{ CredentialCreationOptions creationOptions }{creationOptions{
		RP: o.RP, User: o.User, Challenge: o.Challenge, PubKeyCredParams: o.PubKeyCredParams, Timeout: o.Timeout,
		ExcludeCredentials: o.ExcludeCredentials, AuthenticatorSelection: o.AuthenticatorSelection, Extensions: o.Extensions,
	}}, nil
}

type completeInput struct {
	AccessToken string
	Credential  json.RawMessage
}

var completeMembers = []string{"AccessToken", "Credential"}

// completeWebAuthnRegistration is CompleteWebAuthnRegistration: the
// Lifecycle consumes the challenge and verifies the response (WebAuthn L3
// §7.1), then the credential is stored if the user still has room
// (LimitExceededException) and its ID is new (InvalidParameterException,
// §7.1 step 26).
func (s *Server) completeWebAuthnRegistration(ctx context.Context, r *http.Request, body []byte) (any, error) {
	var in completeInput
	if err := decodeInput(body, completeMembers, &in); err != nil {
		return nil, err
	}
	p, c, u, err := s.authorize(ctx, r, "CompleteWebAuthnRegistration", in.AccessToken)
	if err != nil {
		return nil, err
	}
	if err := replicaRefusal(p, "CompleteWebAuthnRegistration"); err != nil {
		return nil, err
	}
	if len(in.Credential) == 0 || bytes.Equal(in.Credential, []byte("null")) {
		return nil, missing("credential")
	}
	var reg webauthn.Registration
	if err := p.pk.lc.CompleteRegistration(ctx, []byte(u.Sub), ceremonyClient(c.ClientID, u.Sub, ""), in.Credential, &reg); err != nil {
		return nil, err
	}
	now := s.now()
	rec := &CredentialRecord{
		Pool:           p.cfg.ID,
		ID:             bytes.Clone(reg.CredentialID),
		Sub:            u.Sub,
		PublicKey:      bytes.Clone(reg.PublicKey),
		Algorithm:      int64(reg.Algorithm),
		BackupEligible: reg.BackupEligible,
		State:          CredentialState{SignCount: reg.SignCount, BackupState: reg.BackupState},
		Transports:     reg.Transports.Strings(),
		Attachment:     reg.Attachment.String(),
		AAGUID:         bytes.Clone(reg.AAGUID[:]),
		FriendlyName:   providerName(reg.AAGUID),
		RPID:           p.cfg.WebAuthn.RPID,
		Created:        now,
		LastUsed:       now,
	}
	if rec.Attachment == "unknown" {
		rec.Attachment = ""
	}
	switch err := s.store.AddCredential(ctx, rec, maxPasskeys(&p.cfg.WebAuthn)); {
	case errors.Is(err, ErrLimit):
		return nil, apiErr(webauthn.ExceptionLimitExceeded, "The user has the maximum number of passkeys.")
	case errors.Is(err, ErrExists):
		return nil, apiErr(webauthn.ExceptionInvalidParameter, "§7.1 step 26: the credential ID is already registered")
	case errors.Is(err, ErrNotFound):
		return nil, apiErr(webauthn.ExceptionNotAuthorized, "User does not exist.")
	case err != nil:
		return nil, internalErr("storing the passkey", err)
	}
	return struct{}{}, nil
}

type listInput struct {
	AccessToken string
	NextToken   string
	MaxResults  *int
}

var listMembers = []string{"AccessToken", "NextToken", "MaxResults"}

// credentialDescription is WebAuthnCredentialDescription.
type credentialDescription struct {
	CredentialId            string
	FriendlyCredentialName  string
	RelyingPartyId          string
	AuthenticatorAttachment string `json:",omitempty"`
	AuthenticatorTransports []string
	CreatedAt               epochSeconds
}

type listOutput struct {
	Credentials []credentialDescription
	NextToken   string `json:",omitempty"`
}

// encodeCursor and decodeCursor give NextToken: base64url of the last
// credential's creation time (8 bytes, Unix ms) and ID.
func encodeCursor(c *CredentialRecord) string {
	b := binary.BigEndian.AppendUint64(nil, uint64(c.Created.UnixMilli()))
	return base64.RawURLEncoding.EncodeToString(append(b, c.ID...))
}

func decodeCursor(tok string) (*Cursor, bool) {
	b, err := b64.DecodeString(tok)
	if err != nil || len(b) <= 8 || len(b) > 8+1023 {
		return nil, false
	}
	return &Cursor{Created: time.UnixMilli(int64(binary.BigEndian.Uint64(b))), ID: b[8:]}, true
}

// listWebAuthnCredentials is ListWebAuthnCredentials: the user's passkeys
// by creation, MaxResults (at most MaxPasskeysPerUser, default that) at a
// time, NextToken when more remain.
func (s *Server) listWebAuthnCredentials(ctx context.Context, r *http.Request, body []byte) (any, error) {
	var in listInput
	if err := decodeInput(body, listMembers, &in); err != nil {
		return nil, err
	}
	p, _, u, err := s.authorize(ctx, r, "ListWebAuthnCredentials", in.AccessToken)
	if err != nil {
		return nil, err
	}
	limit := MaxPasskeysPerUser
	if in.MaxResults != nil {
		if *in.MaxResults < 0 || *in.MaxResults > MaxPasskeysPerUser {
			return nil, apiErr(webauthn.ExceptionInvalidParameter, "1 validation error detected: Value at 'maxResults' failed to satisfy constraint: Member must have value between 0 and 20")
		}
		if *in.MaxResults > 0 {
			limit = *in.MaxResults
		}
	}
	var after *Cursor
	if in.NextToken != "" {
		var ok bool
		if after, ok = decodeCursor(in.NextToken); !ok {
			return nil, apiErr(webauthn.ExceptionInvalidParameter, "Invalid NextToken")
		}
	}
	recs, err := s.store.Credentials(ctx, p.cfg.ID, u.Sub, after, limit+1)
	if err != nil {
		return nil, internalErr("reading the passkeys", err)
	}
	out := &listOutput{Credentials: []credentialDescription{}}
	if len(recs) > limit {
		recs = recs[:limit]
		out.NextToken = encodeCursor(&recs[limit-1])
	}
	for i := range recs {
		c := &recs[i]
		tr := c.Transports
		if tr == nil {
			tr = []string{}
		}
		out.Credentials = append(out.Credentials, credentialDescription{
			CredentialId: base64.RawURLEncoding.EncodeToString(c.ID), FriendlyCredentialName: c.FriendlyName, RelyingPartyId: c.RPID,
			AuthenticatorAttachment: c.Attachment, AuthenticatorTransports: tr, CreatedAt: epochSeconds(c.Created),
		})
	}
	return out, nil
}

type deleteInput struct {
	AccessToken  string
	CredentialId string
}

var deleteMembers = []string{"AccessToken", "CredentialId"}

// deleteWebAuthnCredential is DeleteWebAuthnCredential: one of the user's
// own passkeys, ResourceNotFoundException otherwise.
func (s *Server) deleteWebAuthnCredential(ctx context.Context, r *http.Request, body []byte) (any, error) {
	var in deleteInput
	if err := decodeInput(body, deleteMembers, &in); err != nil {
		return nil, err
	}
	p, _, u, err := s.authorize(ctx, r, "DeleteWebAuthnCredential", in.AccessToken)
	if err != nil {
		return nil, err
	}
	if err := replicaRefusal(p, "DeleteWebAuthnCredential"); err != nil {
		return nil, err
	}
	if in.CredentialId == "" {
		return nil, missing("credentialId")
	}
	notFound := apiErr(ExceptionResourceNotFound, "Credential not found.")
	id, err := b64.DecodeString(in.CredentialId)
	if err != nil {
		return nil, notFound
	}
	if err := s.store.DeleteCredential(ctx, p.cfg.ID, u.Sub, id); errors.Is(err, ErrNotFound) {
		return nil, notFound
	} else if err != nil {
		return nil, internalErr("deleting the passkey", err)
	}
	return struct{}{}, nil
}

// requestOptions is CREDENTIAL_REQUEST_OPTIONS (WebAuthn L3 §5.5, JSON).
type requestOptions struct {
	Challenge        string                          `json:"challenge"`
	Timeout          int64                           `json:"timeout"`
	RPID             string                          `json:"rpId"`
	AllowCredentials []ceremony.CredentialDescriptor `json:"allowCredentials"`
	UserVerification ceremony.UserVerification       `json:"userVerification"`
}

// startPasskeySignIn answers the WEB_AUTHN challenge: request options
// allowing u's passkeys.
func (s *Server) startPasskeySignIn(ctx context.Context, p *pool, u *UserRecord, clientID string) (any, error) {
	recs, err := s.allCredentials(ctx, p, u)
	if err != nil {
		return nil, err
	}
	jti := newUUID() // the Session token's, minted first: the challenge is bound to it
	o, err := p.pk.lc.StartAuthentication(ctx, []byte(u.Sub), ceremonyClient(clientID, u.Sub, jti),
		&ceremony.AuthenticationOptions{AllowCredentials: libCredentials(recs), UserVerification: p.pk.userVerification()})
	if err != nil {
		return nil, signInError(err)
	}
	b, err := json.Marshal(requestOptions{Challenge: o.Challenge, Timeout: o.Timeout, RPID: o.RPID, AllowCredentials: o.AllowCredentials, UserVerification: o.UserVerification})
	if err != nil {
		return nil, internalErr("encoding the request options", err)
	}
	return s.challengeSession(p, u, clientID, challengeWebAuthn, map[string]string{"CREDENTIAL_REQUEST_OPTIONS": string(b)}, nil, jti)
}

// signInError maps a ceremony failure in a sign-in to the exceptions
// InitiateAuth and RespondToAuthChallenge have: InvalidParameterException,
// TooManyRequestsException and InternalErrorException as they are, every
// other fault (challenge, origin, RP ID, signature, counter, flags)
// NotAuthorizedException, naming the fault in the message.
func signInError(err error) error {
	if err == nil {
		return nil
	}
	e := toAPIError(err)
	switch e.Exception {
	case webauthn.ExceptionInvalidParameter, webauthn.ExceptionTooManyRequests, webauthn.ExceptionInternalError, webauthn.ExceptionNotAuthorized:
		return e
	}
	return &APIError{Exception: webauthn.ExceptionNotAuthorized, Message: e.Exception + ": " + e.Message, Err: e.Err}
}

// finishPasskeySignIn verifies the CREDENTIAL of a WEB_AUTHN challenge
// (WebAuthn L3 §7.2) against u's stored passkey and records the new
// counter and backup state atomically (recordSignIn). session is the JTI
// of the verified Session token the challenge was issued with.
func (s *Server) finishPasskeySignIn(ctx context.Context, p *pool, u *UserRecord, clientID, session string, credential []byte) error {
	var rec *CredentialRecord
	lookup := func(ctx context.Context, user, id []byte) (*webauthn.Credential, error) {
		r, err := s.store.Credential(ctx, p.cfg.ID, id)
		if errors.Is(err, ErrNotFound) || err == nil && r.Sub != string(user) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		rec = r
		c := libCredential(r)
		return &c, nil
	}
	var as webauthn.Assertion
	if err := p.pk.lc.CompleteAuthentication(ctx, []byte(u.Sub), ceremonyClient(clientID, u.Sub, session), credential, lookup, &as); err != nil {
		return signInError(err)
	}
	return signInError(recordSignIn(ctx, s.store, p.cfg.ID, rec.ID, rec.State,
		CredentialState{SignCount: as.SignCount, BackupState: as.BackupState}, s.now()))
}

// counterAdvances reports whether an assertion's counter next is acceptable
// after the stored counter (WebAuthn L3 §7.2 step 22): greater, or both 0
// (an authenticator without a counter, such as a synced passkey).
func counterAdvances(stored, next uint32) bool {
	return next > stored || next == 0 && stored == 0
}

// recordSignIn writes the state an assertion verified against judged left
// (WebAuthn L3 §7.2 step 24), by compare-and-set: when another sign-in of
// the same credential wrote first, the assertion is judged again against
// the fresh state, and a counter that no longer advances is refused as the
// regression it is (NotAuthorizedException, §7.2 step 22), so the stored
// counter never goes back and a clone racing the genuine authenticator is
// detected. A credential deleted meanwhile is not recreated
// (NotAuthorizedException).
func recordSignIn(ctx context.Context, st Store, pool string, id []byte, judged, next CredentialState, now time.Time) error {
	old := judged
	for range maxCASAttempts {
		ok, err := st.UpdateCredentialState(ctx, pool, id, old, next, now)
		if err != nil {
			return internalErr("updating the passkey", err)
		}
		if ok {
			return nil
		}
		fresh, err := st.Credential(ctx, pool, id)
		if errors.Is(err, ErrNotFound) {
			return webauthn.NewError(webauthn.ErrNotAuthorized, "§7.2 step 24", "the credential was deleted during the sign-in", nil)
		}
		if err != nil {
			return internalErr("reading the passkey", err)
		}
		if !counterAdvances(fresh.State.SignCount, next.SignCount) {
			return webauthn.NewError(webauthn.ErrNotAuthorized, "§7.2 step 22",
				"signature counter did not increase past the stored counter (a concurrent sign-in stored a higher one): the authenticator may be cloned", nil)
		}
		old = fresh.State
	}
	return webauthn.NewError(webauthn.ErrTooManyRequests, "§7.2 step 24", "too many concurrent sign-ins with this credential", nil)
}

// providerName is FriendlyCredentialName: the passkey provider an AAGUID
// names (from the community list passkeydeveloper/passkey-authenticator-aaguids),
// or "Passkey".
func providerName(aaguid [16]byte) string {
	switch hexUUID(aaguid) {
	case "ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4":
		return "Google Password Manager"
	case "adce0002-35bc-c60a-648b-0b25f1f05503":
		return "Chrome on Mac"
	case "08987058-cadc-4b81-b6e1-30de50dcbe96", "9ddd1817-af5a-4672-a2b9-3e3dd95000a9":
		return "Windows Hello"
	case "fbfc3007-154e-4ecc-8c0b-6e020557d7bd":
		return "iCloud Keychain"
	case "bada5566-a7aa-401f-bd96-45619a55120d":
		return "1Password"
	case "d548826e-79b4-db40-a3d8-11116f7e8349":
		return "Bitwarden"
	case "531126d6-e717-415c-9320-3d9aa6981239":
		return "Dashlane"
	}
	return "Passkey"
}

func hexUUID(b [16]byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 36)
	for i, v := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, digits[v>>4], digits[v&15])
	}
	return string(out)
}
