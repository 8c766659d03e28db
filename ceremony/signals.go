package ceremony

import (
	"bytes"
	"encoding/base64"

	"github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/authdata"
)

// stepSignals is the Step of a signal payload that cannot be made.
const stepSignals = "§5.1.10"

// maxSignalCredentials bounds the credential IDs of one
// AllAcceptedCredentials signal: far more than an account holds, and a
// payload a page can send without thinking twice.
const maxSignalCredentials = 1000

// UnknownCredentialSignal is UnknownCredentialOptions (W3C WebAuthn L3
// §5.1.10.2), the argument of PublicKeyCredential.signalUnknownCredential:
// the relying party does not know the credential, so the authenticator may
// remove or hide it. Marshal it with encoding/json and pass the object to
// the page as it is.
type UnknownCredentialSignal struct {
	RPID         string `json:"rpId"`
	CredentialID string `json:"credentialId"` // base64url, unpadded
}

// AllAcceptedCredentialsSignal is AllAcceptedCredentialsOptions
// (§5.1.10.3), the argument of
// PublicKeyCredential.signalAllAcceptedCredentials: every credential the
// relying party accepts for the user; authenticators may remove or hide the
// user's other credentials for the RP ID, and show hidden ones again.
type AllAcceptedCredentialsSignal struct {
	RPID                     string   `json:"rpId"`
	UserID                   string   `json:"userId"`                   // base64url user handle
	AllAcceptedCredentialIDs []string `json:"allAcceptedCredentialIds"` // base64url, never null
}

// CurrentUserDetailsSignal is CurrentUserDetailsOptions (§5.1.10.4), the
// argument of PublicKeyCredential.signalCurrentUserDetails: the user's
// current name and display name, for the authenticator's account chooser.
type CurrentUserDetailsSignal struct {
	RPID        string `json:"rpId"`
	UserID      string `json:"userId"` // base64url user handle
	Name        string `json:"name"`
	DisplayName string `json:"displayName"`
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// checkSignal checks what every signal carries: an RP ID and, when
// userHandle is not nil, a user handle of 1 to MaxUserHandleSize bytes
// (§5.4.3).
func checkSignal(rpID string, userHandle []byte, needUser bool) error {
	if rpID == "" {
		return webauthn.NewError(webauthn.ErrConfigurationMissing, stepSignals, "a signal needs the RP ID", nil)
	}
	if needUser && (len(userHandle) == 0 || len(userHandle) > MaxUserHandleSize) {
		return webauthn.NewError(webauthn.ErrMalformed, stepSignals, "user handle must be 1 to 64 bytes", nil)
	}
	return nil
}

// checkCredentialID refuses an empty credential ID or one longer than
// §7.1 step 25 lets a relying party register.
func checkCredentialID(id []byte) error {
	if len(id) == 0 || len(id) > authdata.MaxCredentialIDLen {
		return webauthn.NewError(webauthn.ErrMalformed, stepSignals, "credential ID must be 1 to 1023 bytes", nil)
	}
	return nil
}

// UnknownCredential returns the signalUnknownCredential payload (§5.1.10.2)
// for a credential ID the relying party does not know, e.g. one an
// assertion came with after its record was deleted. It is safe to send to
// the client that presented the ID, signed in or not: it reveals nothing
// the client did not send. It fails with WebAuthnConfigurationMissingException
// for an empty RP ID and InvalidParameterException for a credential ID that
// is empty or longer than 1023 bytes.
func UnknownCredential(rpID string, credentialID []byte) (*UnknownCredentialSignal, error) {
	if err := checkSignal(rpID, nil, false); err != nil {
		return nil, err
	}
	if err := checkCredentialID(credentialID); err != nil {
		return nil, err
	}
	return &UnknownCredentialSignal{RPID: rpID, CredentialID: b64(credentialID)}, nil
}

// AllAcceptedCredentials returns the signalAllAcceptedCredentials payload
// (§5.1.10.3) for the user with handle userHandle, whose credential records
// are creds: all of them, since an authenticator may remove any credential
// of the user that is not listed. Send it only to a client signed in as
// the user (§14.6.3: it lists the user's credential IDs). Duplicate IDs are
// listed once. It fails, rather than risk hiding a valid credential, with
// InvalidParameterException when a record has an empty or over-long ID or
// names another user (its UserHandle differs from userHandle), when
// userHandle is empty or longer than 64 bytes, or when there are more than
// 1000 records; and with WebAuthnConfigurationMissingException for an empty
// RP ID. An empty creds is a valid signal: the user has no credential left.
func AllAcceptedCredentials(rpID string, userHandle []byte, creds []webauthn.Credential) (*AllAcceptedCredentialsSignal, error) {
	if err := checkSignal(rpID, userHandle, true); err != nil {
		return nil, err
	}
	if len(creds) > maxSignalCredentials {
		return nil, webauthn.NewError(webauthn.ErrMalformed, stepSignals, "too many credentials for one signal", nil)
	}
	s := &AllAcceptedCredentialsSignal{RPID: rpID, UserID: b64(userHandle), AllAcceptedCredentialIDs: make([]string, 0, len(creds))}
	for i := range creds {
		c := &creds[i]
		if err := checkCredentialID(c.ID); err != nil {
			return nil, err
		}
		if len(c.UserHandle) != 0 && !bytes.Equal(c.UserHandle, userHandle) {
			return nil, webauthn.NewError(webauthn.ErrMalformed, stepSignals, "a credential record belongs to another user", nil)
		}
		id := b64(c.ID)
		if !containsString(s.AllAcceptedCredentialIDs, id) {
			s.AllAcceptedCredentialIDs = append(s.AllAcceptedCredentialIDs, id)
		}
	}
	return s, nil
}

// CurrentUserDetails returns the signalCurrentUserDetails payload
// (§5.1.10.4) for the user with handle userHandle: the user.name and
// user.displayName the account has now (§5.4.3). Send it only to a client
// signed in as the user. An empty displayName means name, as in
// StartRegistration. It fails with InvalidParameterException when
// userHandle is empty or longer than 64 bytes or name is empty, and with
// WebAuthnConfigurationMissingException for an empty RP ID.
func CurrentUserDetails(rpID string, userHandle []byte, name, displayName string) (*CurrentUserDetailsSignal, error) {
	if err := checkSignal(rpID, userHandle, true); err != nil {
		return nil, err
	}
	if name == "" {
		return nil, webauthn.NewError(webauthn.ErrMalformed, stepSignals, "user name is empty", nil)
	}
	if displayName == "" {
		displayName = name
	}
	return &CurrentUserDetailsSignal{RPID: rpID, UserID: b64(userHandle), Name: name, DisplayName: displayName}, nil
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
