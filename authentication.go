package webauthn

import (
	"bytes"
	"crypto/sha256"
	"sync"

	"github.com/passkeykit/webauthn/authdata"
	"github.com/passkeykit/webauthn/clientdata"
	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/cose/cosesig"
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
	// rejected (§7.2 step 20).
	BackupEligible bool
	// BackupEligibleUnknown says the record does not know BackupEligible
	// (it predates storing it): the BE comparison of §7.2 step 20, which
	// applies only when the relying party keeps the backup state, is
	// skipped. Store Assertion.BackupEligible to leave this state.
	BackupEligibleUnknown bool
	// UserHandle is the user.id the credential was created for. When
	// non-empty, an assertion carrying a different userHandle is rejected
	// (§7.2 step 6). Leave it empty only when the user was identified
	// before the ceremony and the handle is not stored.
	UserHandle []byte
	// Transports are the transports from registration
	// (Registration.Transports), kept for allowCredentials hints; they are
	// not checked.
	Transports Transports
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
	// Credential.SignCount (§7.2 step 26).
	SignCount uint32
	// CloneSuspected reports that the counter did not increase while one of
	// the counters is non-zero (§7.2 step 24, §6.1.1): a signal that the
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
	// ClientExtensionResults is the raw clientExtensionResults object, or nil.
	ClientExtensionResults []byte
	// Extensions is the raw CBOR map of authenticator extension outputs, or nil.
	Extensions []byte
	// AuthData and ClientDataJSON are the decoded signed members.
	AuthData       []byte
	ClientDataJSON []byte

	buf []byte
}

// §7.2 step names.
var authClientDataSteps = [5]string{"§7.2 step 11", "§7.2 step 12", "§7.2 step 13", "§7.2 step 14", "§7.2 step 15"}

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
//   - steps 9-10, clientDataJSON malformed; step 11, its type not
//     "webauthn.get" (InvalidParameterException);
//   - step 12, the challenge (WebAuthnChallengeNotFoundException);
//   - steps 13-15, origin, crossOrigin, topOrigin (WebAuthnOriginNotAllowedException);
//   - authenticator data malformed, BS without BE (step 19)
//     (InvalidParameterException);
//   - step 16, rpIdHash (WebAuthnRelyingPartyMismatchException);
//   - step 17, UP clear; step 18, UV clear when required; step 20, BE
//     differing from cred.BackupEligible; step 23, a signature that does not
//     verify with cred.PublicKey; step 24, a counter that did not increase
//     when RejectSignCountRegression (NotAuthorizedException).
//
// A cred.PublicKey that cose.ParseKey rejects is InvalidParameterException.
// On error *out is reset (its buffer is kept for reuse). A panic inside is
// returned as InternalErrorException.
func (rp *RelyingParty) VerifyAuthentication(response, challenge []byte, cred *Credential, out *Assertion) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = NewError(ErrInternal, "§7.2", "internal error", panicError(p))
		}
		if err != nil {
			*out = Assertion{buf: out.buf[:0]}
		}
	}()
	return rp.verifyAuthentication(response, challenge, cred, out)
}

// authState is the working memory of one assertion that the signature
// verifier takes by pointer; pooled like regState.
type authState struct {
	hash [sha256.Size]byte
	ad   authdata.AuthData
	key  cose.Key
}

var authStates = sync.Pool{New: func() any { return new(authState) }}

func (rp *RelyingParty) verifyAuthentication(response, challenge []byte, cred *Credential, out *Assertion) error {
	if err := rp.check("§7.2"); err != nil {
		return err
	}
	st := authStates.Get().(*authState)
	defer func() {
		*st = authState{}
		authStates.Put(st)
	}()
	if cred == nil {
		return malformed("§7.2 step 7", "no stored credential record", nil)
	}
	buf := out.buf[:0]
	*out = Assertion{buf: buf}

	// Step 3: the response is an AuthenticatorAssertionResponse.
	if len(response) > rp.maxResponseSize() {
		return malformed("§7.2 step 3", "response JSON too large", ErrResponseTooLarge)
	}
	var js responseJSON
	if err := parseResponse(response, ceremonyAuthentication, &js); err != nil {
		return malformed("§7.2 step 3", "response JSON is not an AuthenticationResponseJSON", err)
	}
	n := len(js.extensions)
	for _, s := range [...]*jstr{&js.clientDataJSON, &js.authenticatorData, &js.signature, &js.rawID, &js.id, &js.userHandle} {
		if !s.present {
			continue
		}
		m, ok := decodedSize(s)
		if !ok {
			return malformed("§7.2 step 3", "a binary member is not base64url", ErrResponseBase64)
		}
		n += m
	}
	rest := grow(&buf, n)
	out.buf = buf
	var cdj, adRaw, sig, rawID, id, userHandle []byte
	var ok bool
	if cdj, ok = decodeB64(&rest, &js.clientDataJSON); !ok {
		return malformed("§7.2 step 8", "response.clientDataJSON is not base64url", ErrResponseBase64)
	}
	if adRaw, ok = decodeB64(&rest, &js.authenticatorData); !ok {
		return malformed("§7.2 step 8", "response.authenticatorData is not base64url", ErrResponseBase64)
	}
	if sig, ok = decodeB64(&rest, &js.signature); !ok {
		return malformed("§7.2 step 8", "response.signature is not base64url", ErrResponseBase64)
	}
	if rawID, ok = decodeB64(&rest, &js.rawID); !ok {
		return malformed("§7.2 step 3", "rawId is not base64url", ErrResponseBase64)
	}
	if id, ok = decodeB64(&rest, &js.id); !ok {
		return malformed("§7.2 step 3", "id is not base64url", ErrResponseBase64)
	}
	if js.userHandle.present {
		if userHandle, ok = decodeB64(&rest, &js.userHandle); !ok {
			return malformed("§7.2 step 6", "response.userHandle is not base64url", ErrResponseBase64)
		}
	}
	if !bytes.Equal(id, rawID) {
		return NewError(ErrIDMismatch, "§7.2 step 3", "id is not the base64url encoding of rawId", nil)
	}
	if !js.typ.is("public-key") {
		return NewError(ErrCredentialType, "§7.2 step 3", `credential type is not "public-key"`, nil)
	}
	if js.extensions != nil {
		out.ClientExtensionResults = rest[:len(js.extensions):len(js.extensions)]
		copy(out.ClientExtensionResults, js.extensions)
	}
	out.Attachment = parseAttachment(&js.attachment)

	// Steps 5-7: the credential is the stored one, of the same user. An
	// empty userHandle is sent by some clients for "absent".
	if !bytes.Equal(rawID, cred.ID) {
		return NewError(ErrIDMismatch, "§7.2 step 6", "rawId is not the stored credential's ID", nil)
	}
	if len(userHandle) != 0 && len(cred.UserHandle) != 0 && !bytes.Equal(userHandle, cred.UserHandle) {
		return NewError(ErrNotAuthorized, "§7.2 step 6", "userHandle is not the stored credential's user handle", nil)
	}

	// Steps 9-10: parse clientDataJSON.
	var cd clientdata.ClientData
	if err := clientdata.Parse(cdj, &cd); err != nil {
		return malformed("§7.2 step 10", "clientDataJSON is malformed", err)
	}
	// Steps 11-15: type, challenge, origin, crossOrigin, topOrigin.
	if err := rp.verifyClientData(&cd, "webauthn.get", challenge, &authClientDataSteps); err != nil {
		return err
	}

	// Step 16: rpIdHash (the authenticator data parsed first).
	ad := &st.ad
	if err := authdata.Parse(adRaw, ad); err != nil {
		return malformed("§7.2 step 16", "authenticatorData is malformed", err)
	}
	if !rpIDHashIs(ad.RPIDHash, rp.RPID) {
		return NewError(ErrRPIDMismatch, "§7.2 step 16", "rpIdHash is not SHA-256 of the RP ID", nil)
	}
	// Steps 17-18: UP, UV.
	if !ad.Flags.UserPresent() {
		return NewError(ErrNotAuthorized, "§7.2 step 17", "user presence (UP) flag is clear", nil)
	}
	if rp.RequireUserVerification && !ad.Flags.UserVerified() {
		return NewError(ErrNotAuthorized, "§7.2 step 18", "user verification is required and the UV flag is clear", nil)
	}
	// Step 19 (BS without BE) was rejected by authdata.Parse. Step 20: BE
	// must not change; BS may.
	if !cred.BackupEligibleUnknown && ad.Flags.BackupEligible() != cred.BackupEligible {
		return NewError(ErrNotAuthorized, "§7.2 step 20", "backup eligibility (BE) differs from the stored credential's", nil)
	}
	// Step 21: extension outputs are reported, not judged.

	// Steps 22-23: the signature over authData ‖ SHA-256(clientDataJSON).
	st.hash = sha256.Sum256(cdj)
	key := &st.key
	if err := cose.ParseKey(cred.PublicKey, key); err != nil {
		return malformed("§7.2 step 23", "the stored credential public key is not a supported COSE_Key", err)
	}
	// Direct calls, not a func value: through one, the variadic data slice
	// escapes (one allocation per assertion).
	var err error
	if key.Alg == cose.RS1 && rp.algorithmAllowed(cose.RS1) {
		// A credential the policy registered with RS1 (TPM platforms) is
		// verified with it too.
		err = cosesig.VerifyAllowingRS1(key.Alg, key, sig, ad.Raw, st.hash[:])
	} else {
		err = cosesig.Verify(key.Alg, key, sig, ad.Raw, st.hash[:])
	}
	if err != nil {
		return NewError(ErrNotAuthorized, "§7.2 step 23", "signature does not verify with the stored credential public key", err)
	}
	// Step 24: the signature counter.
	if (ad.SignCount != 0 || cred.SignCount != 0) && ad.SignCount <= cred.SignCount {
		if rp.RejectSignCountRegression {
			return NewError(ErrNotAuthorized, "§7.2 step 24", "signature counter did not increase: the authenticator may be cloned", nil)
		}
		out.CloneSuspected = true
	}

	out.CredentialID = rawID
	out.UserHandle = userHandle
	out.SignCount = ad.SignCount
	out.Flags = ad.Flags
	out.UserVerified = ad.Flags.UserVerified()
	out.BackupEligible = ad.Flags.BackupEligible()
	out.BackupState = ad.Flags.BackedUp()
	out.Extensions = ad.Extensions
	out.AuthData = ad.Raw
	out.ClientDataJSON = cdj
	return nil
}
