package webauthn

import "github.com/passkeykit/webauthn/clientdata"

// ResponseKeys are the members of a response that a ceremony layer reads
// before it can verify it: the challenge to look up (§7.1 step 8, §7.2 step
// 11), and for an assertion the credential and user to find the credential
// record by (§7.2 steps 5-6). Its byte slices are views into one buffer it
// owns; a later Peek into the same ResponseKeys overwrites them.
type ResponseKeys struct {
	// Challenge is clientData.challenge, decoded from base64url.
	Challenge []byte
	// CredentialID is rawId, decoded (authentication only).
	CredentialID []byte
	// UserHandle is response.userHandle, decoded; nil when absent or null
	// (authentication only).
	UserHandle []byte

	buf []byte
}

// PeekRegistration reads the challenge of a RegistrationResponseJSON into
// *out after checking, as VerifyRegistration will, that rp can run a
// ceremony (RelyingParty.Check), that the response is well-formed (§7.1 step
// 3, InvalidParameterException) and that its clientDataJSON parses (§7.1
// steps 5-6, InvalidParameterException). It verifies nothing else: the
// challenge it returns is only a key to find what was issued.
func (rp *RelyingParty) PeekRegistration(response []byte, out *ResponseKeys) error {
	return rp.peek(response, ceremonyRegistration, out)
}

// PeekAuthentication is PeekRegistration for an AuthenticationResponseJSON
// (§7.2 steps 3, 7-9); it also reads rawId and userHandle.
func (rp *RelyingParty) PeekAuthentication(response []byte, out *ResponseKeys) error {
	return rp.peek(response, ceremonyAuthentication, out)
}

func (rp *RelyingParty) peek(response []byte, dict int, out *ResponseKeys) error {
	buf := out.buf[:0]
	*out = ResponseKeys{}
	steps := &regDecodeSteps
	if dict == ceremonyAuthentication {
		steps = &authDecodeSteps
	}
	var d decoded
	rest, err := rp.decode(response, dict, decodeKeys, &buf, &d)
	if err == nil {
		var cd clientdata.ClientData
		if err = parseClientData(d.clientDataJSON, steps, &cd); err == nil {
			// A challenge that is not base64url was not issued here: nil.
			out.Challenge, _ = decodeB64(&rest, &jstr{raw: cd.Challenge, esc: cd.ChallengeEscaped, present: true})
		}
	}
	out.buf = buf
	out.CredentialID, out.UserHandle = d.rawID, d.userHandle
	return err
}
