package bench

import (
	"github.com/go-webauthn/webauthn/metadata"
	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/protocol/webauthncose"
)

// The go-webauthn side: github.com/go-webauthn/webauthn v0.18.2's own parse
// (ParseCredentialCreationResponseBytes, ParseCredentialRequestResponseBytes)
// and Verify, given the same policy as ours: the vector's RP ID, origins,
// cross-origin and top-origin settings, UV requirement and algorithms, no
// metadata service, default (strict) AttestationPolicy and SignaturePolicy.
//
// What go-webauthn cannot be given: the verification time (it judges
// certificates at time.Now()) and the trust anchors (it judges only
// android-key and apple chains, against its own built-in roots). So it does
// less chain work than ours on vectors with anchors, and rejects vectors whose
// certificates have expired by today or whose chains end at the W3C test CA.
// The benchmarks run it only where it accepts; gwRejects records why not.

// allAlgorithms is the credParams given when a vector lists no algorithms:
// every COSE algorithm a credential key can have.
var allAlgorithms = []webauthncose.COSEAlgorithmIdentifier{
	-7, -8, -19, -35, -36, -37, -38, -39, -53, -257, -258, -259, -9, -51, -52, -48, -49, -50,
}

// gwParams returns the pubKeyCredParams go-webauthn checks the credential's
// algorithm against.
func gwParams(v *vector) []protocol.CredentialParameter {
	var out []protocol.CredentialParameter
	add := func(a webauthncose.COSEAlgorithmIdentifier) {
		out = append(out, protocol.CredentialParameter{Type: protocol.PublicKeyCredentialType, Algorithm: a})
	}
	if len(v.Algorithms) == 0 {
		for _, a := range allAlgorithms {
			add(a)
		}
	}
	for _, a := range v.Algorithms {
		add(webauthncose.COSEAlgorithmIdentifier(a))
	}
	return out
}

// gwTopMode is the top-origin mode matching the vector's policy: the
// explicit list when it has one (topOrigin must be in it), otherwise the
// RP origins.
func gwTopMode(v *vector) protocol.TopOriginVerificationMode {
	if len(v.TopOrigins) > 0 {
		return protocol.TopOriginExplicitVerificationMode
	}
	return protocol.TopOriginImplicitVerificationMode
}

// gwRegister is one full go-webauthn registration from the response JSON.
func gwRegister(v *vector, params []protocol.CredentialParameter) error {
	p, err := protocol.ParseCredentialCreationResponseBytes(v.Response)
	if err != nil {
		return err
	}
	_, err = p.Verify(v.Challenge, v.RPID, v.Origins, nil, v.TopOrigins, gwTopMode(v),
		v.AllowCrossOrigin, v.RequireUserVerification, true, nil, params,
		protocol.AttestationPolicy{}, protocol.SignaturePolicy{})
	return err
}

// gwAuthenticate is one full go-webauthn authentication from the response JSON.
func gwAuthenticate(v *vector) error {
	p, err := protocol.ParseCredentialRequestResponseBytes(v.Response)
	if err != nil {
		return err
	}
	return p.Verify(v.Challenge, v.RPID, "", v.Origins, nil, v.TopOrigins, gwTopMode(v),
		v.AllowCrossOrigin, v.RequireUserVerification, true, v.credKey, protocol.SignaturePolicy{})
}

// gwSetup makes go-webauthn judge a vector's certificates at its verifyAt
// (TPM) and against its anchors (apple, android-key), as ours does. It is
// process-global: the benchmarks run one vector at a time.
func gwSetup(v *vector) {
	at := v.verifyTime()
	protocol.RegisterAttestationFormat(protocol.AttestationFormatTPM,
		func(att protocol.AttestationObject, cdh []byte, _ metadata.Provider, _ protocol.AttestationPolicy, sig protocol.SignaturePolicy) (string, []any, error) {
			return gwTPMAt(att, cdh, sig, at)
		})
	for _, a := range v.anchors {
		gwAppleRoots.AddCert(a)
		gwAndroidKeyRoots.AddCert(a)
	}
}
