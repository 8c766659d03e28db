package forge

import "encoding/base64"

// ResponseJSON is a RegistrationResponseJSON or AuthenticationResponseJSON
// (WebAuthn L3 §5.1, §5.2.1, §5.2.2) to be written as the client would send
// it: binary members base64url-encoded, without padding. It is the tests'
// one builder of response JSON; Inner and Top let a test add (or break)
// members.
type ResponseJSON struct {
	// ID is the id text; RawID is the rawId text, ID when empty. Both are
	// written as given, so a test can make them disagree or malformed.
	ID, RawID string
	// ClientDataJSON is response.clientDataJSON.
	ClientDataJSON []byte
	// AttestationObject, when not nil, is response.attestationObject (a
	// registration); Transports are response.transports (omitted when nil).
	AttestationObject []byte
	Transports        []string
	// AuthenticatorData and Signature, when not nil, are an assertion's;
	// UserHandle is response.userHandle (omitted when nil).
	AuthenticatorData, Signature, UserHandle []byte
	// Attachment is authenticatorAttachment (omitted when empty).
	Attachment string
	// Extensions is the raw clientExtensionResults object, {} when empty;
	// NoExtensions omits the member.
	Extensions   string
	NoExtensions bool
	// Inner is raw text (members with a leading comma) appended inside
	// "response"; Top is appended at the top level.
	Inner, Top string
}

// JSON returns the response's JSON text.
func (r *ResponseJSON) JSON() []byte {
	b64 := base64.RawURLEncoding.EncodeToString
	raw := r.RawID
	if raw == "" {
		raw = r.ID
	}
	s := `{"id":"` + r.ID + `","rawId":"` + raw + `","type":"public-key","response":{"clientDataJSON":"` + b64(r.ClientDataJSON) + `"`
	if r.AttestationObject != nil {
		s += `,"attestationObject":"` + b64(r.AttestationObject) + `"`
	}
	if r.AuthenticatorData != nil {
		s += `,"authenticatorData":"` + b64(r.AuthenticatorData) + `"`
	}
	if r.Signature != nil {
		s += `,"signature":"` + b64(r.Signature) + `"`
	}
	if r.UserHandle != nil {
		s += `,"userHandle":"` + b64(r.UserHandle) + `"`
	}
	if r.Transports != nil {
		s += `,"transports":[`
		for i, t := range r.Transports {
			if i > 0 {
				s += ","
			}
			s += `"` + t + `"`
		}
		s += "]"
	}
	s += r.Inner + "}"
	if r.Attachment != "" {
		s += `,"authenticatorAttachment":"` + r.Attachment + `"`
	}
	if !r.NoExtensions {
		ext := r.Extensions
		if ext == "" {
			ext = "{}"
		}
		s += `,"clientExtensionResults":` + ext
	}
	return []byte(s + r.Top + "}")
}

// RegistrationJSON is the RegistrationResponseJSON of reg with attestation
// object obj and the given transports: id and rawId its credential ID,
// clientExtensionResults {}.
func RegistrationJSON(reg *Registration, obj []byte, transports ...string) *ResponseJSON {
	return &ResponseJSON{
		ID:                base64.RawURLEncoding.EncodeToString(reg.AuthData.CredentialID),
		ClientDataJSON:    reg.ClientDataJSON(),
		AttestationObject: obj,
		Transports:        transports,
	}
}

// AssertionJSON is the AuthenticationResponseJSON of credential id with
// clientDataJSON cdj, authenticatorData ad and signature sig,
// clientExtensionResults {}.
func AssertionJSON(id, cdj, ad, sig []byte) *ResponseJSON {
	return &ResponseJSON{
		ID:                base64.RawURLEncoding.EncodeToString(id),
		ClientDataJSON:    cdj,
		AuthenticatorData: ad,
		Signature:         sig,
	}
}
