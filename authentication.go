package webauthn

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"sync"

	"github.com/passkeykit/webauthn/authdata"
	"github.com/passkeykit/webauthn/clientdata"
	"github.com/passkeykit/webauthn/cose"
)

// Credential is the stored credential record an assertion is verified
// against (§4 "credential record", §7.1 step 27): what the relying party kept
// from the Registration.
type Credential struct {
	// ID is the credential ID (Registration.CredentialID).
	ID []byte
	// PublicKey is the exact COSE_Key bytes (Registration.PublicKey).
	PublicKey []byte
	// SignCount is the stored signature counter (Registration.SignCount, then
	// Assertion.SignCount after each sign-in).
	SignCount uint32
	// BackupEligible is the BE flag from registration
	// (Registration.BackupEligible); an assertion whose BE differs is
	// rejected (§7.2 step 19).
	BackupEligible bool
	// BackupEligibleUnknown says the record does not know BackupEligible
	// (it predates storing it): the BE comparison of §7.2 step 19, which
	// applies only when the relying party keeps the backup state, is
	// skipped. Store Assertion.BackupEligible to leave this state.
	BackupEligibleUnknown bool
	// UserHandle is the user.id the credential was created for. When
	// non-empty, an assertion carrying a different userHandle is rejected
	// (§7.2 step 6). The ceremony layer requires it: it is how a credential
	// record shows which account owns it.
	UserHandle []byte
	// Transports are the transports from registration
	// (Registration.Transports), kept for allowCredentials hints; they are
	// not checked.
	Transports Transports
	// BackupState is the BS flag of the last ceremony (§7.2 step 24,
	// Assertion.BackupState): the relying party's record of whether the
	// credential is backed up. It is not checked.
	BackupState bool
	// AppID marks a credential registered under RelyingParty.AppID with the
	// FIDO U2F JavaScript API, before WebAuthn (a U2F-era record; its
	// PublicKey is cose.FromU2FPublicKey of the stored U2F key): only such a
	// record may sign in with the appid extension (§10.1.1), and the
	// authenticator of any other cannot sign over the AppID's hash.
	// Registration.Record never sets it.
	AppID bool
}

// Assertion is the outcome of a successful authentication ceremony. Its byte
// slices are views into one buffer the Assertion owns; a later
// VerifyAuthentication into the same *Assertion reuses and overwrites it.
type Assertion struct {
	// CredentialID is the credential that signed (rawId).
	CredentialID []byte
	// UserHandle is the response's userHandle, or nil when absent or null.
	UserHandle []byte
	// SignCount is the authenticator's new signature counter: store it in
	// Credential.SignCount (§7.2 step 24).
	SignCount uint32
	// CloneSuspected reports that the counter did not increase while one of
	// the counters is non-zero (§7.2 step 22, §6.1.1): a signal that the
	// authenticator may be cloned.
	CloneSuspected bool
	// Flags are the authenticator data flags; UserVerified, BackupEligible
	// and BackupState repeat UV, BE and BS (BS may change between
	// assertions, §6.1.3).
	Flags          authdata.Flags
	UserVerified   bool
	BackupEligible bool
	BackupState    bool
	// Attachment is the response's authenticatorAttachment (§5.4.5).
	Attachment Attachment
	// AppIDUsed reports that the client used the appid extension
	// (clientExtensionResults.appid true, §10.1.1) and rpIdHash was
	// SHA-256(RelyingParty.AppID): a U2F-era credential signed in. An
	// application may offer the user to register a credential under the RP
	// ID instead.
	AppIDUsed bool
	// ClientExtensionResults is the raw clientExtensionResults object, or nil.
	ClientExtensionResults []byte
	// Extensions is the raw CBOR map of authenticator extension outputs, or nil.
	Extensions []byte
	// ExtensionOutputs are the known client and authenticator extension
	// outputs of both, typed (§7.2 step 23).
	ExtensionOutputs ExtensionOutputs
	// AuthData and ClientDataJSON are the decoded signed members.
	AuthData       []byte
	ClientDataJSON []byte

	buf []byte
}

// AuthenticationParams are what the relying party asked for in one
// authentication ceremony's options (§7.2 step 1, §5.5) that §7.2 checks.
type AuthenticationParams struct {
	// Challenge is the challenge issued in the options (§7.2 step 11).
	Challenge []byte
	// UserVerification requires the UV flag (§7.2 step 17) when the options
	// asked for userVerification "required"; RelyingParty.
	// RequireUserVerification requires it whatever this says.
	UserVerification bool
	// AppID says the options asked for the appid extension
	// (extensions.appid = RelyingParty.AppID, §10.1.1): only then is an
	// assertion whose clientExtensionResults.appid is true accepted (§7.2
	// step 15). VerifyAuthentication sets it when RelyingParty.AppID is
	// set; the ceremony layer sets it from the challenge it issued.
	AppID bool
}

// §7.2 step names.
var authClientDataSteps = [5]string{"§7.2 step 10", "§7.2 step 11", "§7.2 step 12", "§7.2 step 13", "§7.2 step 14"}

// VerifyAuthentication verifies an authentication assertion (W3C WebAuthn L3
// §7.2) against the challenge issued for it, the stored credential record and
// the policy, and fills *out. response is the AuthenticationResponseJSON
// exactly as PublicKeyCredential.toJSON() produces it (§5.1).
//
// The steps run in the order of §7.2; the first that fails decides the
// *Error:
//
//   - the policy: Disabled (WebAuthnNotEnabledException), no RPID
//     (WebAuthnConfigurationMissingException);
//   - step 3, the response JSON malformed, a binary member not base64url,
//     id differing from rawId, type other than "public-key"
//     (InvalidParameterException);
//   - steps 5-7, rawId differing from cred.ID (InvalidParameterException), a
//     userHandle differing from cred.UserHandle (NotAuthorizedException);
//   - steps 8-9, clientDataJSON malformed; step 10, its type not
//     "webauthn.get" (InvalidParameterException);
//   - step 11, the challenge (WebAuthnChallengeNotFoundException);
//   - steps 12-14, origin, crossOrigin, topOrigin (WebAuthnOriginNotAllowedException);
//   - authenticator data malformed (step 7), BS without BE (step 18)
//     (InvalidParameterException);
//   - step 15, rpIdHash (WebAuthnRelyingPartyMismatchException): SHA-256 of
//     the RP ID, or, when clientExtensionResults.appid is true (§10.1.1),
//     of RelyingParty.AppID; appid true without an AppID configured or for
//     a record not marked Credential.AppID, and the AppID's hash without
//     appid true, are refused too; an appid that is not a boolean is
//     InvalidParameterException;
//   - step 16, UP clear; step 17, UV clear when required; step 19, BE
//     differing from cred.BackupEligible; step 21, a signature that does not
//     verify with cred.PublicKey; step 22, a counter that did not increase
//     when RejectSignCountRegression (NotAuthorizedException).
//
// A cred.PublicKey that cose.ParseKey rejects is InvalidParameterException.
// On error *out is reset (its buffer is kept for reuse). A panic inside is
// returned as InternalErrorException.
//
// Without the options at hand, VerifyAuthentication takes it that they
// asked for the appid extension whenever RelyingParty.AppID is set, as the
// ceremony layer's do (AuthenticationParams.AppID).
func (rp *RelyingParty) VerifyAuthentication(response, challenge []byte, cred *Credential, out *Assertion) error {
	p := AuthenticationParams{Challenge: challenge, AppID: rp.AppID != ""}
	return rp.VerifyAuthenticationParams(response, &p, cred, out)
}

// VerifyAuthenticationParams is VerifyAuthentication for a ceremony whose
// options asked for more than the RelyingParty requires (user verification,
// §7.2 step 17), or did or did not ask for the appid extension (step 15).
// A ceremony layer that kept the options calls it.
func (rp *RelyingParty) VerifyAuthenticationParams(response []byte, p *AuthenticationParams, cred *Credential, out *Assertion) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = NewError(ErrInternal, "§7.2", "internal error", panicError(r))
		}
		if err != nil {
			*out = Assertion{buf: out.buf[:0]}
		}
	}()
	return rp.verifyAuthentication(response, p, cred, out)
}

// authState is the working memory of one assertion that the signature
// verifier takes by pointer; pooled like regState.
type authState struct {
	d    decoded
	hash [sha256.Size]byte
	ad   authdata.AuthData
	key  cose.Key
}

var authStates = sync.Pool{New: func() any { return new(authState) }}

// verifyAuthentication is §7.2, one call or check per step; steps 1-2 (the
// options and get()) and 24 (updating the record) are the caller's.
func (rp *RelyingParty) verifyAuthentication(response []byte, p *AuthenticationParams, cred *Credential, out *Assertion) error {
	st := authStates.Get().(*authState)
	defer func() {
		*st = authState{}
		authStates.Put(st)
	}()
	buf := out.buf[:0]
	*out = Assertion{}

	// Steps 3-4 and 7: the response and its members (decode).
	d := &st.d
	_, err := rp.decode(response, ceremonyAuthentication, decodeAll, &buf, d)
	out.buf = buf
	if err != nil {
		return err
	}
	// Steps 5-6: the credential is the stored record's, of the same user.
	if err := checkCredential(d, cred); err != nil {
		return err
	}
	// Steps 8-9: clientDataJSON.
	var cd clientdata.ClientData
	if err := parseClientData(d.clientDataJSON, &authDecodeSteps, &cd); err != nil {
		return err
	}
	// Steps 10-14: type, challenge, origin, crossOrigin, topOrigin.
	if err := rp.verifyClientData(&cd, "webauthn.get", p.Challenge, &authClientDataSteps); err != nil {
		return err
	}
	// Step 15: rpIdHash (the authenticator data of step 7 parsed first,
	// which rejects BS without BE, step 18).
	ad := &st.ad
	if err := authdata.Parse(d.authenticatorData, ad); err != nil {
		if errors.Is(err, authdata.ErrBackupStateWithoutBE) {
			return malformed("§7.2 step 18", "BS flag set while BE is clear", err)
		}
		return malformed("§7.2 step 7", "authenticatorData is malformed", err)
	}
	appIDUsed, err := rp.checkAssertionRPIDHash(ad.RPIDHash, d.extensions, p, cred)
	if err != nil {
		return err
	}
	// Step 16: UP.
	if !ad.Flags.UserPresent() {
		return NewError(ErrNotAuthorized, "§7.2 step 16", "user presence (UP) flag is clear", nil)
	}
	// Step 17: UV when required.
	if (rp.RequireUserVerification || p.UserVerification) && !ad.Flags.UserVerified() {
		return NewError(ErrNotAuthorized, "§7.2 step 17", "user verification is required and the UV flag is clear", nil)
	}
	// Step 19: BE must not change; BS may.
	if !cred.BackupEligibleUnknown && ad.Flags.BackupEligible() != cred.BackupEligible {
		return NewError(ErrNotAuthorized, "§7.2 step 19", "backup eligibility (BE) differs from the stored credential's", nil)
	}
	// Step 20: hash.
	st.hash = sha256.Sum256(d.clientDataJSON)
	// Step 21: the signature over authData ‖ hash.
	if err := rp.verifySignature(st, cred, d.signature); err != nil {
		return err
	}
	// Step 22: the signature counter.
	clone, err := rp.JudgeSignCount(cred.SignCount, ad.SignCount)
	if err != nil {
		return err
	}
	// Step 23: extension outputs are reported, not judged (appid was step
	// 15's).
	out.fill(d, ad, clone)
	out.AppIDUsed = appIDUsed
	return nil
}

// checkCredential is §7.2 steps 5-6 for the record the caller found: rawId
// is its ID, and a userHandle in the response is its user's. An empty
// userHandle is sent by some clients for "absent".
func checkCredential(d *decoded, cred *Credential) error {
	if cred == nil {
		return malformed("§7.2 step 6", "no stored credential record", nil)
	}
	if !bytes.Equal(d.rawID, cred.ID) {
		return NewError(ErrIDMismatch, "§7.2 step 6", "rawId is not the stored credential's ID", nil)
	}
	if len(d.userHandle) != 0 && len(cred.UserHandle) != 0 && !bytes.Equal(d.userHandle, cred.UserHandle) {
		return NewError(ErrNotAuthorized, "§7.2 step 6", "userHandle is not the stored credential's user handle", nil)
	}
	return nil
}

// verifySignature is §7.2 step 21: sig verifies over authData ‖ hash with
// the record's public key.
func (rp *RelyingParty) verifySignature(st *authState, cred *Credential, sig []byte) error {
	key := &st.key
	if err := cose.ParseKey(cred.PublicKey, key); err != nil {
		return malformed("§7.2 step 21", "the stored credential public key is not a supported COSE_Key", err)
	}
	// Direct calls, not a func value: through one, the variadic data slice
	// escapes (one allocation per assertion).
	var err error
	if key.Alg == cose.RS1 && rp.AcceptsAlgorithm(cose.RS1) {
		// A credential the policy registered with RS1 (TPM platforms) is
		// verified with it too.
		err = rp.keyCache().VerifyAllowingRS1(key.Alg, key, sig, st.ad.Raw, st.hash[:])
	} else {
		err = rp.keyCache().Verify(key.Alg, key, sig, st.ad.Raw, st.hash[:])
	}
	if err != nil {
		return NewError(ErrNotAuthorized, "§7.2 step 21", "signature does not verify with the stored credential public key", err)
	}
	return nil
}

// fill is what the assertion reports (§7.2 steps 22-23).
func (out *Assertion) fill(d *decoded, ad *authdata.AuthData, clone bool) {
	out.CredentialID = d.rawID
	out.UserHandle = d.userHandle
	out.SignCount = ad.SignCount
	out.CloneSuspected = clone
	out.Flags = ad.Flags
	out.UserVerified = ad.Flags.UserVerified()
	out.BackupEligible = ad.Flags.BackupEligible()
	out.BackupState = ad.Flags.BackedUp()
	out.Extensions = ad.Extensions
	out.AuthData = ad.Raw
	out.ClientDataJSON = d.clientDataJSON
	out.ClientExtensionResults = d.extensions
	readExtensions(d.extensions, ad.Extensions, &out.ExtensionOutputs)
	out.Attachment = parseAttachment(&d.js.attachment)
}

// errSignCountRegressed is the error of §7.2 step 22 under
// RejectSignCountRegression.
var errSignCountRegressed = NewError(ErrNotAuthorized, "§7.2 step 22", "signature counter did not increase: the authenticator may be cloned", nil)

// signCountRegressed reports whether an assertion's signature counter next
// fails the check of §7.2 step 22 against the stored counter stored: either
// is non-zero and next is not greater.
func signCountRegressed(stored, next uint32) bool {
	return (next != 0 || stored != 0) && next <= stored
}

// JudgeSignCount applies §7.2 step 22 to an assertion's counter next against
// a stored counter stored, as VerifyAuthentication does: it reports whether
// the authenticator may be cloned, or returns NotAuthorizedException when it
// may and RejectSignCountRegression is set. A ceremony layer whose store
// finds the stored counter changed since the assertion was verified (a
// concurrent sign-in) judges the assertion again with it.
func (rp *RelyingParty) JudgeSignCount(stored, next uint32) (cloneSuspected bool, err error) {
	if !signCountRegressed(stored, next) {
		return false, nil
	}
	if rp.RejectSignCountRegression {
		return true, errSignCountRegressed
	}
	return true, nil
}
