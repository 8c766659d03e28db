// Package webauthn verifies WebAuthn (passkey) registration and authentication
// responses to the letter of W3C Web Authentication Level 3 (§7.1, §7.2), with
// errors that name the Amazon Cognito exception the same fault gets.
//
// It is the stateless verifier only. A [RelyingParty] is the policy (its zero
// value verifies nothing): the RP ID, the allowed origins, algorithms,
// attestation formats and trust anchors, user-verification and sign-count
// rules, and the clock certificates are judged at.
// [RelyingParty.VerifyRegistration] checks a registration response against the
// challenge the caller issued and fills a [Registration], whose
// [Registration.Record] is the [Credential] to store;
// [RelyingParty.VerifyAuthentication] checks an assertion against that stored
// Credential and fills an [Assertion]. The …Params forms take what the
// ceremony's options asked for (user verification, the algorithms offered,
// conditional mediation), and [RelyingParty.PeekRegistration] and
// [RelyingParty.PeekAuthentication] read the challenge, rawId and userHandle
// of a response before the caller looks them up.
//
// Every failure is an [*Error]: the Cognito exception, the spec step, a
// reason and the cause, matched with errors.Is against the fault sentinels
// (ErrOriginNotAllowed, …) and the parsers' own errors.
//
// What needs state is the caller's, or another package's: issuing, keeping
// and consuming each challenge once, binding it to a user and a client,
// refusing a credential ID registered already (§7.1 step 26) and writing
// back the counter and backup state (§7.2 step 24). Package ceremony does
// the challenge lifecycle, and package webauthnhttp serves it over HTTP with
// a user store. This package imports neither net/http nor encoding/json.
//
// The parsers it stands on (clientdata, authdata, cose, attestation) are
// allocation-free views into the input; trust and mds judge attestation
// certificate chains and metadata.
package webauthn
