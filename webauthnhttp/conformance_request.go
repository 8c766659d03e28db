package webauthnhttp

import (
	"encoding"

	"github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/ceremony"
	"github.com/passkeykit/webauthn/internal/jsonx"
)

// creationOptionsRequest is a ServerPublicKeyCredentialCreationOptionsRequest
// of the FIDO Conformance Test API (its §"Registration Primary IDL").
type creationOptionsRequest struct {
	username, displayName string
	attestation           ceremony.Conveyance
	// authenticatorSelection (WebAuthn L3 §5.4.4)
	attachment       ceremony.Attachment
	residentKey      ceremony.ResidentKey
	requireRK        bool
	userVerification ceremony.UserVerification
	// extensions is the raw AuthenticationExtensionsClientInputs object, a
	// view into the body, or nil.
	extensions []byte
}

// getOptionsRequest is a ServerPublicKeyCredentialGetOptionsRequest.
type getOptionsRequest struct {
	username         string
	userVerification ceremony.UserVerification
	extensions       []byte
}

// conformanceToken reads a string member into tok (one of the ceremony
// enumerations): an unknown token is InvalidParameterException here, where
// WebAuthn §5.4 would have a browser ignore it, so that a tool's typo
// surfaces.
func conformanceToken(r *jsonx.Reader, name string, tok encoding.TextUnmarshaler) string {
	s, ok := readString(r)
	if !ok || tok.UnmarshalText([]byte(s)) != nil {
		return name + " is not one of its tokens"
	}
	return ""
}

// conformanceName reads username or displayName: a string of at most
// maxUserNameSize bytes.
func conformanceName(r *jsonx.Reader, name string, out *string) string {
	s, ok := readString(r)
	if !ok || len(s) > maxUserNameSize {
		return name + " is not a string of at most 256 bytes"
	}
	*out = s
	return ""
}

// conformanceExtensions reads the extensions member: a JSON object, kept
// raw.
func conformanceExtensions(r *jsonx.Reader, out *[]byte) string {
	if r.Peek() != jsonx.KindObject || !r.SkipNested(2, out) {
		return "extensions is not a well-formed JSON object"
	}
	return ""
}

// skipUnknown reads and ignores the value of a member the IDL does not
// define, as a WebAuthn dictionary ignores unknown members; the value must
// still be well-formed JSON without duplicate names.
func skipUnknown(r *jsonx.Reader, name string) string {
	var raw []byte
	if !r.SkipNested(2, &raw) {
		return name + " is not well-formed JSON"
	}
	return ""
}

// parseCreationOptionsRequest reads a ServerPublicKeyCredentialCreationOptionsRequest
// strictly (readRequest: well-formed, no duplicate names, nothing after the
// object): username (required, non-empty), displayName, authenticatorSelection
// {authenticatorAttachment, residentKey, requireResidentKey, userVerification},
// attestation and extensions (an object, echoed in the options). Members the
// IDL does not define are ignored.
func parseCreationOptionsRequest(b []byte, out *creationOptionsRequest) error {
	err := readRequest(b, "ServerPublicKeyCredentialCreationOptionsRequest", func(name string, r *jsonx.Reader) string {
		switch name {
		case "username":
			return conformanceName(r, name, &out.username)
		case "displayName":
			return conformanceName(r, name, &out.displayName)
		case "attestation":
			return conformanceToken(r, name, &out.attestation)
		case "extensions":
			return conformanceExtensions(r, &out.extensions)
		case "authenticatorSelection":
			return parseSelection(r, out)
		}
		return skipUnknown(r, name)
	})
	if err == nil && out.username == "" {
		err = webauthn.NewError(webauthn.ErrMalformed, "§5.4.3", "username is required", nil)
	}
	return err
}

// parseSelection reads AuthenticatorSelectionCriteria (§5.4.4).
func parseSelection(r *jsonx.Reader, out *creationOptionsRequest) string {
	const what = "authenticatorSelection"
	if !r.ReadObjectStart() {
		return what + " is not an object"
	}
	var keys jsonx.Keys
	var k []byte
	var esc bool
	m := jsonx.Members{Keys: &keys}
	for m.Next(r, &k, &esc) {
		var reason string
		switch name := string(jsonx.AppendUnescaped(nil, k)); name {
		case "authenticatorAttachment":
			reason = conformanceToken(r, what+"."+name, &out.attachment)
		case "residentKey":
			reason = conformanceToken(r, what+"."+name, &out.residentKey)
		case "userVerification":
			reason = conformanceToken(r, what+"."+name, &out.userVerification)
		case "requireResidentKey":
			if r.Peek() != jsonx.KindBool || !r.ReadBool(&out.requireRK) {
				reason = what + ".requireResidentKey is not a boolean"
			}
		default:
			var raw []byte
			if !r.SkipNested(3, &raw) {
				reason = what + "." + name + " is not well-formed JSON"
			}
		}
		if reason != "" {
			return reason
		}
	}
	switch m.Code() {
	case jsonx.CodeOK:
		return ""
	case jsonx.CodeDuplicateKey:
		return what + " has a duplicate member"
	case jsonx.CodeTooManyMembers:
		return what + " has too many members"
	}
	return what + " is not well-formed JSON"
}

// residentKey is what the options ask for (§5.4.4): residentKey when given,
// else "required" for requireResidentKey true and "discouraged" otherwise,
// as WebAuthn L3 defines for a selection that omits residentKey.
func (q *creationOptionsRequest) residentKeyAsked() ceremony.ResidentKey {
	switch {
	case q.residentKey != 0:
		return q.residentKey
	case q.requireRK:
		return ceremony.ResidentKeyRequired
	}
	return ceremony.ResidentKeyDiscouraged
}

// parseGetOptionsRequest reads a ServerPublicKeyCredentialGetOptionsRequest
// as parseCreationOptionsRequest does: username (required, non-empty),
// userVerification, extensions.
func parseGetOptionsRequest(b []byte, out *getOptionsRequest) error {
	err := readRequest(b, "ServerPublicKeyCredentialGetOptionsRequest", func(name string, r *jsonx.Reader) string {
		switch name {
		case "username":
			return conformanceName(r, name, &out.username)
		case "userVerification":
			return conformanceToken(r, name, &out.userVerification)
		case "extensions":
			return conformanceExtensions(r, &out.extensions)
		}
		return skipUnknown(r, name)
	})
	if err == nil && out.username == "" {
		err = webauthn.NewError(webauthn.ErrMalformed, "§5.5", "username is required", nil)
	}
	return err
}

// normalizeCredential turns a ServerPublicKeyCredential as the conformance
// tools send it into the RegistrationResponseJSON / AuthenticationResponseJSON
// shape the verifier reads (WebAuthn L3 §5.1 toJSON), changing exactly two
// things and nothing else:
//
//   - a missing rawId becomes a copy of id, when id is a JSON string: the
//     Conformance Test API defines id as the base64url credential ID and has
//     no rawId. The verifier still decodes it and requires it to be the
//     attested credential ID (§7.1 step 13) or the credential looked up and
//     allowed (§7.2 steps 5-6), so nothing is skipped;
//   - the member getClientExtensionResults is renamed clientExtensionResults
//     when the latter is absent.
//
// Every other member, including a malformed id or one that is not a
// string, is passed on byte for byte for the verifier to judge. A body that
// is not one well-formed JSON object without duplicate names is returned
// unchanged, for the verifier to reject (§7.1 step 3, §7.2 step 3).
func normalizeCredential(b []byte) []byte {
	type member struct {
		key, value []byte
		rename     bool
	}
	var (
		members        [jsonx.MaxMembers]member
		n              int
		id             []byte
		idIsString     bool
		hasRawID       bool
		hasExtResults  bool
		getExtResultsI = -1
	)
	r := jsonx.Reader(b)
	if !r.ReadObjectStart() {
		return b
	}
	var keys jsonx.Keys
	var k []byte
	var esc bool
	it := jsonx.Members{Keys: &keys}
	for it.Next(&r, &k, &esc) {
		if n == len(members) {
			return b
		}
		kind := r.Peek()
		var v []byte
		if !r.SkipNested(2, &v) {
			return b
		}
		m := &members[n]
		m.key, m.value = k, v
		switch {
		case jsonx.StringEqual(k, esc, "id"):
			id, idIsString = v, kind == jsonx.KindString
		case jsonx.StringEqual(k, esc, "rawId"):
			hasRawID = true
		case jsonx.StringEqual(k, esc, "clientExtensionResults"):
			hasExtResults = true
		case jsonx.StringEqual(k, esc, "getClientExtensionResults"):
			getExtResultsI = n
		}
		n++
	}
	if it.Code() != jsonx.CodeOK || !r.End() {
		return b
	}
	addRawID := !hasRawID && idIsString
	rename := getExtResultsI >= 0 && !hasExtResults
	if !addRawID && !rename {
		return b
	}
	if rename {
		members[getExtResultsI].rename = true
	}
	out := make([]byte, 0, len(b)+len(id)+len(`,"rawId":`))
	out = append(out, '{')
	for i := range members[:n] {
		m := &members[i]
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, '"')
		if m.rename {
			out = append(out, "clientExtensionResults"...)
		} else {
			out = append(out, m.key...)
		}
		out = append(out, `":`...)
		out = append(out, m.value...)
	}
	if addRawID {
		if n > 0 {
			out = append(out, ',')
		}
		out = append(out, `"rawId":`...)
		out = append(out, id...)
	}
	return append(out, '}')
}
