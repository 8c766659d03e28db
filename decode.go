package webauthn

import (
	"bytes"

	"github.com/passkeykit/webauthn/clientdata"
)

// decoded is a response JSON read and its binary members decoded (§7.1 step
// 3, §7.2 steps 3 and 7): views into one buffer the caller owns.
type decoded struct {
	js                responseJSON
	clientDataJSON    []byte
	attestationObject []byte // registration
	authenticatorData []byte // authentication
	signature         []byte // authentication
	rawID             []byte
	id                []byte // id, decoded: equal to rawID
	userHandle        []byte // authentication; nil when absent or null
	extensions        []byte // clientExtensionResults, copied; nil when absent
}

// What decode decodes: the whole response, or only what a ceremony layer
// needs to find the challenge and the credential record (Peek…).
const (
	decodeAll = iota
	decodeKeys
)

// steps names the steps of one ceremony that the decode step can fail.
type decodeSteps struct {
	sec, response, clientData, binary string
	name                              string // "a RegistrationResponseJSON"
}

var (
	regDecodeSteps  = decodeSteps{"§7.1", "§7.1 step 3", "§7.1 step 6", "§7.1 step 13", "a RegistrationResponseJSON"}
	authDecodeSteps = decodeSteps{"§7.2", "§7.2 step 3", "§7.2 step 9", "§7.2 step 7", "an AuthenticationResponseJSON"}
)

// decode is the first step of both ceremonies: rp can run one, the response
// is a well-formed RegistrationResponseJSON (dict ceremonyRegistration) or
// AuthenticationResponseJSON of at most MaxResponseSize bytes, each binary
// member base64url, id equal to rawId, type "public-key". It decodes the
// members of the ceremony (with decodeKeys only clientDataJSON, rawId and
// userHandle, leaving room to decode the challenge) into *buf, grown as
// needed, fills *out, and returns the spare bytes.
func (rp *RelyingParty) decode(response []byte, dict, what int, buf *[]byte, out *decoded) ([]byte, error) {
	s := &regDecodeSteps
	if dict == ceremonyAuthentication {
		s = &authDecodeSteps
	}
	if err := rp.Check(); err != nil {
		return nil, err
	}
	if len(response) > rp.maxResponseSize() {
		return nil, malformed(s.response, "response JSON too large", ErrResponseTooLarge)
	}
	js := &out.js
	if err := parseResponse(response, dict, js); err != nil {
		return nil, malformed(s.response, "response JSON is not "+s.name, err)
	}
	// The members to decode: the keys (clientDataJSON, rawId, an
	// assertion's userHandle), then with decodeAll id and the rest of the
	// ceremony's members.
	auth := dict == ceremonyAuthentication
	all := what == decodeAll
	n := 0
	switch what {
	case decodeAll:
		n += len(js.extensions)
	case decodeKeys:
		// Spare room to decode the challenge, whose text is inside
		// clientDataJSON; escaped, it needs scratch as long as its text.
		n += 2*len(js.clientDataJSON.raw) + 3
	}
	ok := addSize(&n, &js.clientDataJSON, true) && addSize(&n, &js.rawID, true) &&
		addSize(&n, &js.userHandle, auth) && addSize(&n, &js.id, all) &&
		addSize(&n, &js.attestationObject, all && !auth) &&
		addSize(&n, &js.authenticatorData, all && auth) && addSize(&n, &js.signature, all && auth)
	if !ok {
		return nil, malformed(s.response, "a binary member is not base64url", ErrResponseBase64)
	}
	rest := grow(buf, n)
	switch {
	case !take(&rest, &js.clientDataJSON, &out.clientDataJSON, true):
		return nil, malformed(s.response, "response.clientDataJSON is not base64url", ErrResponseBase64)
	case !take(&rest, &js.rawID, &out.rawID, true):
		return nil, malformed(s.response, "rawId is not base64url", ErrResponseBase64)
	case !take(&rest, &js.userHandle, &out.userHandle, auth):
		return nil, malformed("§7.2 step 6", "response.userHandle is not base64url", ErrResponseBase64)
	case !takeID(&rest, js, out, all):
		return nil, malformed(s.response, "id is not base64url", ErrResponseBase64)
	case !take(&rest, &js.attestationObject, &out.attestationObject, all && !auth):
		return nil, malformed(s.binary, "response.attestationObject is not base64url", ErrResponseBase64)
	case !take(&rest, &js.authenticatorData, &out.authenticatorData, all && auth):
		return nil, malformed(s.binary, "response.authenticatorData is not base64url", ErrResponseBase64)
	case !take(&rest, &js.signature, &out.signature, all && auth):
		return nil, malformed(s.binary, "response.signature is not base64url", ErrResponseBase64)
	}
	if what == decodeKeys {
		return rest, nil
	}
	if !bytes.Equal(out.id, out.rawID) {
		return nil, NewError(ErrIDMismatch, s.response, "id is not the base64url encoding of rawId", nil)
	}
	if !js.typ.is("public-key") {
		return nil, NewError(ErrCredentialType, s.response, `credential type is not "public-key"`, nil)
	}
	if js.extensions != nil {
		out.extensions = rest[:len(js.extensions):len(js.extensions)]
		copy(out.extensions, js.extensions)
		rest = rest[len(js.extensions):]
	}
	return rest, nil
}

// addSize adds to *n the size member s decodes to when use is set and s is
// present, and reports whether s can be base64url.
func addSize(n *int, s *jstr, use bool) bool {
	if !use || !s.present {
		return true
	}
	k, ok := decodedSize(s)
	*n += k
	return ok
}

// takeID is take for id, which is most often spelt exactly as rawId (decoded
// before it): then it is those bytes, without decoding it again.
func takeID(rest *[]byte, js *responseJSON, out *decoded, use bool) bool {
	id, raw := &js.id, &js.rawID
	if use && id.present && raw.present && !id.esc && !raw.esc && bytes.Equal(id.raw, raw.raw) {
		out.id = out.rawID
		return true
	}
	return take(rest, id, &out.id, use)
}

// take decodes member s into the front of *rest and sets *dst to it, when
// use is set and s is present; it reports whether s was base64url.
func take(rest *[]byte, s *jstr, dst *[]byte, use bool) bool {
	if !use || !s.present {
		return true
	}
	v, ok := decodeB64(rest, s)
	*dst = v
	return ok
}

// parseClientData is §7.1 steps 5-6 and §7.2 steps 8-9: clientDataJSON is
// UTF-8 JSON with the members of CollectedClientData (§5.8.1).
func parseClientData(cdj []byte, s *decodeSteps, out *clientdata.ClientData) error {
	if err := clientdata.Parse(cdj, out); err != nil {
		return malformed(s.clientData, "clientDataJSON is malformed", err)
	}
	return nil
}
