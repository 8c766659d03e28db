package ceremony

import (
	"github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/attestation"
	"github.com/passkeykit/webauthn/cose"
)

// User is the account a registration is for (§5.4.3).
type User struct {
	// ID is the user handle: 1 to 64 bytes, random, with no personal data
	// (§14.6.1), one per account.
	ID []byte
	// Name is user.name, e.g. an e-mail address or account name.
	Name string
	// DisplayName is user.displayName; empty means Name.
	DisplayName string
}

// RegistrationOptions are the per-call choices of StartRegistration; nil
// means the defaults. A value outside its enumeration is
// InvalidParameterException.
type RegistrationOptions struct {
	// Credentials are the user's registered credentials: they become
	// excludeCredentials, and their number is checked against MaxCredentials.
	// List U2F-era ones (Credential.AppID) too: with RP.AppID set, the
	// options' appidExclude makes the browser exclude them as well.
	Credentials []webauthn.Credential
	// UserVerification is what the options ask for; unset means
	// UserVerificationRequired when RP.RequireUserVerification, else
	// UserVerificationPreferred. RP.RequireUserVerification is a floor:
	// nothing weaker is ever asked for. Required is enforced at Complete.
	UserVerification UserVerification
	// ResidentKey is what the options ask for; unset means
	// ResidentKeyRequired (a passkey).
	ResidentKey ResidentKey
	// AuthenticatorAttachment restricts the authenticators; unset means any.
	AuthenticatorAttachment Attachment
	// Attestation is the conveyance preference; unset means ConveyanceNone.
	Attestation Conveyance
	// AttestationFormats are the attestation statement formats the options
	// prefer, most preferred first (§5.4 attestationFormats): each must be a
	// format RP's attestation policy accepts, else StartRegistration fails
	// with InvalidParameterException. A preference only: what is accepted
	// at Complete is the policy's decision.
	AttestationFormats []attestation.Format
	// Algorithms are the pubKeyCredParams to offer, most preferred first.
	// Those that are not credential signature algorithms (RS1, unknown
	// identifiers) or that RP does not accept are left out; when none
	// remains, RP.Algorithms are offered, else the defaults. Complete
	// accepts only a credential whose algorithm was offered (§7.1 step 20).
	Algorithms []cose.Algorithm
	// Hints are the §5.8.7 hints, most preferred first.
	Hints []Hint
	// Conditional starts a registration for conditional mediation (an
	// automatic passkey upgrade, §5.1.3): its response may have the UP flag
	// clear (§7.1 step 15). Pass the options to
	// navigator.credentials.create({mediation: "conditional"}).
	Conditional bool
}

// AuthenticationOptions are the per-call choices of StartAuthentication; nil
// means the defaults.
type AuthenticationOptions struct {
	// AllowCredentials restricts the ceremony to these credentials
	// (allowCredentials); Complete rejects an assertion by any other (§7.2
	// step 5). Empty lets the authenticator choose (discoverable
	// credentials).
	AllowCredentials []webauthn.Credential
	// UserVerification as in RegistrationOptions.
	UserVerification UserVerification
	// Hints as in RegistrationOptions.
	Hints []Hint
}

// CreationOptionsJSON is PublicKeyCredentialCreationOptionsJSON, the JSON
// form of the options of navigator.credentials.create() (WebAuthn L3 §5.4,
// §5.1.9 parseCreationOptionsFromJSON): binary members are base64url without
// padding. Marshal it with encoding/json and hand it to the browser.
type CreationOptionsJSON struct {
	RP                     RPEntity                `json:"rp"`
	User                   UserEntityJSON          `json:"user"`
	Challenge              string                  `json:"challenge"`
	PubKeyCredParams       []CredentialParameters  `json:"pubKeyCredParams"`
	Timeout                int64                   `json:"timeout,omitempty"`
	ExcludeCredentials     []CredentialDescriptor  `json:"excludeCredentials"`
	AuthenticatorSelection *AuthenticatorSelection `json:"authenticatorSelection,omitempty"`
	Hints                  []Hint                  `json:"hints,omitempty"`
	Attestation            Conveyance              `json:"attestation,omitempty"`
	AttestationFormats     []string                `json:"attestationFormats,omitempty"`
	Extensions             *ExtensionsJSON         `json:"extensions,omitempty"`
}

// RequestOptionsJSON is PublicKeyCredentialRequestOptionsJSON, the JSON
// form of the options of navigator.credentials.get() (WebAuthn L3 §5.5,
// §5.1.10 parseRequestOptionsFromJSON).
type RequestOptionsJSON struct {
	Challenge        string                 `json:"challenge"`
	Timeout          int64                  `json:"timeout,omitempty"`
	RPID             string                 `json:"rpId,omitempty"`
	AllowCredentials []CredentialDescriptor `json:"allowCredentials"`
	UserVerification UserVerification       `json:"userVerification,omitempty"`
	Hints            []Hint                 `json:"hints,omitempty"`
	Extensions       *ExtensionsJSON        `json:"extensions,omitempty"`
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

// CredentialDescriptor is PublicKeyCredentialDescriptorJSON (§5.8.3): id
// is base64url.
type CredentialDescriptor struct {
	ID         string   `json:"id"`
	Type       string   `json:"type"`
	Transports []string `json:"transports,omitempty"`
}

// AuthenticatorSelection is AuthenticatorSelectionCriteria (§5.4.4).
type AuthenticatorSelection struct {
	AuthenticatorAttachment Attachment       `json:"authenticatorAttachment,omitempty"`
	ResidentKey             ResidentKey      `json:"residentKey,omitempty"`
	RequireResidentKey      bool             `json:"requireResidentKey"`
	UserVerification        UserVerification `json:"userVerification,omitempty"`
}

// ExtensionsJSON is AuthenticationExtensionsClientInputsJSON: the
// extensions the options ask for (§5.7.1, §10.1.3 credProps, §10.1.1 appid,
// §10.1.2 appidExclude).
type ExtensionsJSON struct {
	CredProps bool `json:"credProps,omitempty"`
	// AppID is the appid input of request options: RelyingParty.AppID, so
	// that a U2F authenticator that does not know an allowed credential
	// under the RP ID is asked under the AppID (§10.1.1).
	AppID string `json:"appid,omitempty"`
	// AppIDExclude is the appidExclude input of creation options:
	// RelyingParty.AppID, so that a U2F key holding one of
	// excludeCredentials under the AppID is excluded too (§10.1.2).
	AppIDExclude string `json:"appidExclude,omitempty"`
}
