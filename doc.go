// Package webauthn verifies WebAuthn (passkey) registration and authentication
// responses to the letter of W3C Web Authentication Level 3 (§7.1, §7.2), with
// errors that name the Amazon Cognito exception the same fault gets.
//
// The parsers it stands on (clientdata, authdata, cose, attestation) are
// allocation-free views into the input; the ceremonies here add policy: which
// origins, algorithms, attestation formats and trust anchors the relying party
// accepts, the clock certificates are judged at, and the challenge lifecycle.
package webauthn
