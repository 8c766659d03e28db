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
	*out = ResponseKeys{buf: buf}
	if err := rp.Check(); err != nil {
		return err
	}
	step, cdStep, name := "§7.1 step 3", "§7.1 step 6", "a RegistrationResponseJSON"
	if dict == ceremonyAuthentication {
		step, cdStep, name = "§7.2 step 3", "§7.2 step 9", "an AuthenticationResponseJSON"
	}
	if len(response) > rp.maxResponseSize() {
		return malformed(step, "response JSON too large", ErrResponseTooLarge)
	}
	var js responseJSON
	if err := parseResponse(response, dict, &js); err != nil {
		return malformed(step, "response JSON is not "+name, err)
	}
	// One buffer for clientDataJSON, the challenge (its text is part of
	// clientDataJSON; an escaped one needs scratch space as long as its text),
	// rawId and userHandle.
	n, ok := decodedSize(&js.clientDataJSON)
	if !ok {
		return malformed(step, "response.clientDataJSON is not base64url", ErrResponseBase64)
	}
	n = 3*n + 3
	if dict == ceremonyAuthentication {
		for _, s := range [...]*jstr{&js.rawID, &js.userHandle} {
			m, ok := decodedSize(s)
			if !ok {
				return malformed(step, "rawId or response.userHandle is not base64url", ErrResponseBase64)
			}
			n += m
		}
	}
	rest := grow(&buf, n)
	out.buf = buf
	cdj, ok := decodeB64(&rest, &js.clientDataJSON)
	if !ok {
		return malformed(step, "response.clientDataJSON is not base64url", ErrResponseBase64)
	}
	var cd clientdata.ClientData
	if err := clientdata.Parse(cdj, &cd); err != nil {
		return malformed(cdStep, "clientDataJSON is malformed", err)
	}
	if out.Challenge, ok = decodeB64(&rest, &jstr{raw: cd.Challenge, esc: cd.ChallengeEscaped, present: true}); !ok {
		// Nothing this relying party issued has that encoding.
		out.Challenge = nil
	}
	if dict == ceremonyAuthentication {
		if out.CredentialID, ok = decodeB64(&rest, &js.rawID); !ok {
			return malformed(step, "rawId is not base64url", ErrResponseBase64)
		}
		if js.userHandle.present {
			if out.UserHandle, ok = decodeB64(&rest, &js.userHandle); !ok {
				return malformed("§7.2 step 6", "response.userHandle is not base64url", ErrResponseBase64)
			}
		}
	}
	return nil
}
