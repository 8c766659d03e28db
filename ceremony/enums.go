package ceremony

import "errors"

// ErrUnknownToken is the cause of an option value outside its enumeration:
// an unknown text given to UnmarshalText, or a value that is not one of the
// constants given to Start (InvalidParameterException). Such a value is
// never passed to the page.
var ErrUnknownToken = errors.New("ceremony: value is not one of the enumeration's tokens")

// UserVerification is UserVerificationRequirement (WebAuthn L3 §5.8.6). The
// zero value is "not set": Start then asks for UserVerificationRequired when
// the RelyingParty requires user verification, else
// UserVerificationPreferred.
type UserVerification uint8

// The UserVerificationRequirement tokens.
const (
	UserVerificationRequired UserVerification = iota + 1
	UserVerificationPreferred
	UserVerificationDiscouraged
)

// ResidentKey is ResidentKeyRequirement (§5.4.6). The zero value is "not
// set": Start asks for ResidentKeyRequired (a passkey).
type ResidentKey uint8

// The ResidentKeyRequirement tokens.
const (
	ResidentKeyRequired ResidentKey = iota + 1
	ResidentKeyPreferred
	ResidentKeyDiscouraged
)

// Conveyance is AttestationConveyancePreference (§5.4.7). The zero value is
// "not set": Start asks for ConveyanceNone. What is accepted is the
// RelyingParty's attestation policy, never this preference.
type Conveyance uint8

// The AttestationConveyancePreference tokens.
const (
	ConveyanceNone Conveyance = iota + 1
	ConveyanceIndirect
	ConveyanceDirect
	ConveyanceEnterprise
)

// Attachment is AuthenticatorAttachment (§5.4.5) as an option. The zero
// value is "not set": any attachment.
type Attachment uint8

// The AuthenticatorAttachment tokens.
const (
	AttachmentPlatform Attachment = iota + 1
	AttachmentCrossPlatform
)

// Hint is PublicKeyCredentialHint (§5.8.7).
type Hint uint8

// The PublicKeyCredentialHint tokens.
const (
	HintSecurityKey Hint = iota + 1
	HintClientDevice
	HintHybrid
)

var (
	userVerificationTokens = [...]string{"", "required", "preferred", "discouraged"}
	residentKeyTokens      = [...]string{"", "required", "preferred", "discouraged"}
	conveyanceTokens       = [...]string{"", "none", "indirect", "direct", "enterprise"}
	attachmentTokens       = [...]string{"", "platform", "cross-platform"}
	hintTokens             = [...]string{"", "security-key", "client-device", "hybrid"}
)

// token returns tokens[v], or "" for a value outside the enumeration.
func token(tokens []string, v uint8) string {
	if int(v) < len(tokens) {
		return tokens[v]
	}
	return ""
}

// parseToken returns the index of text in tokens (never 0, the unset
// value), or ErrUnknownToken.
func parseToken(tokens []string, text []byte) (uint8, error) {
	for i := 1; i < len(tokens); i++ {
		if string(text) == tokens[i] {
			return uint8(i), nil
		}
	}
	return 0, ErrUnknownToken
}

// valid reports whether v is unset or one of the enumeration's values.
func valid(tokens []string, v uint8) bool { return int(v) < len(tokens) }

// String returns the token, e.g. "required", or "" when unset or invalid.
func (v UserVerification) String() string { return token(userVerificationTokens[:], uint8(v)) }

// MarshalText returns the token; an invalid value is an error.
func (v UserVerification) MarshalText() ([]byte, error) {
	return marshal(userVerificationTokens[:], uint8(v))
}

// UnmarshalText reads a token; any other text is ErrUnknownToken.
func (v *UserVerification) UnmarshalText(b []byte) error {
	t, err := parseToken(userVerificationTokens[:], b)
	*v = UserVerification(t)
	return err
}

// String returns the token, e.g. "preferred", or "" when unset or invalid.
func (v ResidentKey) String() string { return token(residentKeyTokens[:], uint8(v)) }

// MarshalText returns the token; an invalid value is an error.
func (v ResidentKey) MarshalText() ([]byte, error) { return marshal(residentKeyTokens[:], uint8(v)) }

// UnmarshalText reads a token; any other text is ErrUnknownToken.
func (v *ResidentKey) UnmarshalText(b []byte) error {
	t, err := parseToken(residentKeyTokens[:], b)
	*v = ResidentKey(t)
	return err
}

// String returns the token, e.g. "direct", or "" when unset or invalid.
func (v Conveyance) String() string { return token(conveyanceTokens[:], uint8(v)) }

// MarshalText returns the token; an invalid value is an error.
func (v Conveyance) MarshalText() ([]byte, error) { return marshal(conveyanceTokens[:], uint8(v)) }

// UnmarshalText reads a token; any other text is ErrUnknownToken.
func (v *Conveyance) UnmarshalText(b []byte) error {
	t, err := parseToken(conveyanceTokens[:], b)
	*v = Conveyance(t)
	return err
}

// String returns the token, e.g. "platform", or "" when unset or invalid.
func (v Attachment) String() string { return token(attachmentTokens[:], uint8(v)) }

// MarshalText returns the token; an invalid value is an error.
func (v Attachment) MarshalText() ([]byte, error) { return marshal(attachmentTokens[:], uint8(v)) }

// UnmarshalText reads a token; any other text is ErrUnknownToken.
func (v *Attachment) UnmarshalText(b []byte) error {
	t, err := parseToken(attachmentTokens[:], b)
	*v = Attachment(t)
	return err
}

// String returns the token, e.g. "security-key", or "" when invalid.
func (v Hint) String() string { return token(hintTokens[:], uint8(v)) }

// MarshalText returns the token; an invalid or unset value is an error.
func (v Hint) MarshalText() ([]byte, error) {
	if v == 0 {
		return nil, ErrUnknownToken
	}
	return marshal(hintTokens[:], uint8(v))
}

// UnmarshalText reads a token; any other text is ErrUnknownToken.
func (v *Hint) UnmarshalText(b []byte) error {
	t, err := parseToken(hintTokens[:], b)
	*v = Hint(t)
	return err
}

func marshal(tokens []string, v uint8) ([]byte, error) {
	if !valid(tokens, v) {
		return nil, ErrUnknownToken
	}
	return []byte(tokens[v]), nil
}
