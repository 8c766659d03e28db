package gen

import (
	"crypto/sha256"

	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/internal/forge"
)

// assertion is an authentication ceremony under construction (§7.2).
type assertion struct {
	cred       *forge.Key
	id         []byte
	authData   forge.AuthData
	clientData forge.ClientData
	signer     *forge.Key // signs; cred when nil
}

func (g *generator) assertion(label string, alg cose.Algorithm) *assertion {
	return &assertion{
		cred:     g.f.Key(label, alg),
		id:       g.f.Bytes("credid/"+label, 16),
		authData: forge.AuthData{RPID: rpID, Flags: forge.FlagUP | forge.FlagUV, SignCount: 7},
		clientData: forge.ClientData{
			Type:      "webauthn.get",
			Challenge: g.f.Bytes("challenge/"+label, 32),
			Origin:    origin,
		},
	}
}

// vector signs the assertion (§7.2 step 21: authenticatorData ‖ SHA-256(clientDataJSON)).
func (a *assertion) vector(name, source string) *vector {
	ad := a.authData.Bytes()
	cdj := a.clientData.JSON()
	h := sha256.Sum256(cdj)
	signer := a.signer
	if signer == nil {
		signer = a.cred
	}
	id := b64(a.id)
	alg := int64(a.cred.Alg)
	sc := a.authData.SignCount
	return &vector{
		Name:      name,
		Source:    source,
		Ceremony:  "authentication",
		RPID:      rpID,
		Origins:   []string{origin},
		Challenge: b64(a.clientData.Challenge),
		Response: &authResponse{
			ID: id, RawID: id, Type: "public-key",
			Response: authInner{
				ClientDataJSON:    b64(cdj),
				AuthenticatorData: b64(ad),
				Signature:         b64(signer.Sign(ad, h[:])),
			},
		},
		CredentialPublicKey: b64(a.cred.COSE()),
		Expect:              expect{OK: true, CredentialID: id, Alg: &alg, SignCount: &sc},
		dir:                 "authentication",
	}
}

// authentications writes an assertion for every credential algorithm and the
// negative assertion variants.
func (g *generator) authentications() {
	for _, alg := range credentialAlgs {
		name := "auth-" + algName(alg)
		g.add(g.assertion(name, alg).vector(name, srcForge+"; authentication (§7.2) with a "+alg.String()+" credential"))
	}
	neg := func(name string, alg cose.Algorithm, exc, reason string, edit func(*assertion), post func(*vector)) {
		a := g.assertion(name, alg)
		if edit != nil {
			edit(a)
		}
		v := a.vector(name, srcNeg+reason)
		if post != nil {
			post(v)
		}
		g.add(fail(v, exc, reason))
	}
	for _, alg := range []cose.Algorithm{cose.ES256, cose.RS256, cose.EdDSA} {
		neg("neg-auth-bad-signature-"+algName(alg), alg, excNotAuth, "assertion signature does not verify", nil, func(v *vector) {
			r := v.Response.(*authResponse)
			sig := []byte(r.Response.Signature)
			// Change a middle character: still base64url, different bytes.
			i := len(sig) / 2
			if sig[i] == 'A' {
				sig[i] = 'B'
			} else {
				sig[i] = 'A'
			}
			r.Response.Signature = string(sig)
		})
	}
	neg("neg-auth-signed-by-other-key", cose.ES256, excNotAuth, "assertion signed by a key other than the stored credential key", func(a *assertion) {
		a.signer = g.f.Key("other-signer", cose.ES256)
	}, nil)
	neg("neg-auth-up-clear", cose.ES256, excNotAuth, "UP flag clear in the assertion", func(a *assertion) {
		a.authData.Flags = forge.FlagUV
	}, nil)
	neg("neg-auth-uv-required-clear", cose.ES256, excNotAuth, "user verification required and the UV flag is clear", func(a *assertion) {
		a.authData.Flags = forge.FlagUP
	}, func(v *vector) { v.RequireUserVerification = true })
	neg("neg-auth-challenge-mismatch", cose.ES256, excChallenge, "clientData challenge is not the challenge issued", nil, func(v *vector) {
		v.Challenge = b64(g.f.Bytes("other-challenge", 32))
	})
	neg("neg-auth-origin-mismatch", cose.ES256, excOrigin, "clientData origin https://evil.example is not allowed", func(a *assertion) {
		a.clientData.Origin = "https://evil.example"
	}, nil)
	neg("neg-auth-rpidhash-mismatch", cose.ES256, excRPMismatch, "rpIdHash is SHA-256 of example.com, not of the RP ID", func(a *assertion) {
		a.authData.RPID = "example.com"
	}, nil)
	neg("neg-auth-clientdata-type-create", cose.ES256, excInvalid, "clientData type is webauthn.create in an authentication", func(a *assertion) {
		a.clientData.Type = "webauthn.create"
	}, nil)
	neg("neg-auth-bs-without-be", cose.ES256, excInvalid, "BS flag set without BE", func(a *assertion) {
		a.authData.Flags |= forge.FlagBS
	}, nil)
	neg("neg-auth-id-rawid-mismatch", cose.ES256, excInvalid, "id is not rawId", nil, func(v *vector) {
		v.Response.(*authResponse).ID = b64(g.f.Bytes("other-id", 16))
	})
}
