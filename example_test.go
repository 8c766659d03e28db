package webauthn_test

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"time"

	webauthn "github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/internal/forge"
)

// Example registers a passkey and then signs in with it. The browser side is
// played by a deterministic forged authenticator; a relying party receives the
// same JSON from PublicKeyCredential.toJSON().
func Example() {
	rp := &webauthn.RelyingParty{
		RPID:       "example.org",
		Origins:    []string{"https://example.org"},
		Algorithms: []cose.Algorithm{cose.ES256, cose.RS256},
		Clock:      func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) },
	}

	// Registration: the RP issues a challenge; the browser returns
	// RegistrationResponseJSON.
	authn := forge.New("example")
	key := authn.Key("passkey", cose.ES256)
	reg := authn.Registration("passkey", key)
	challenge := reg.ClientData.Challenge
	regJSON := registrationJSON(reg)

	var r webauthn.Registration
	if err := rp.VerifyRegistration(regJSON, challenge, &r); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("registered: %v key, %v attestation, %d-byte credential ID\n", r.Algorithm, r.Type, len(r.CredentialID))

	// Store the credential record.
	cred := webauthn.Credential{
		ID:             append([]byte(nil), r.CredentialID...),
		PublicKey:      append([]byte(nil), r.PublicKey...),
		SignCount:      r.SignCount,
		BackupEligible: r.BackupEligible,
		UserHandle:     []byte("user-42"),
	}

	// Sign-in: a new challenge; the browser returns AuthenticationResponseJSON.
	challenge = []byte("a fresh challenge of 32 bytes!!!")
	authJSON := assertionJSON(key, cred.ID, challenge, 1)
	var a webauthn.Assertion
	if err := rp.VerifyAuthentication(authJSON, challenge, &cred, &a); err != nil {
		fmt.Println(err)
		return
	}
	cred.SignCount = a.SignCount
	fmt.Printf("signed in: user %s, sign count %d, clone suspected %v\n", a.UserHandle, a.SignCount, a.CloneSuspected)

	// Replaying the same assertion with a new challenge fails.
	err := rp.VerifyAuthentication(authJSON, []byte("another challenge"), &cred, &a)
	fmt.Println(webauthn.ExceptionName(err))

	// Output:
	// registered: ES256 key, none attestation, 16-byte credential ID
	// signed in: user user-42, sign count 1, clone suspected false
	// WebAuthnChallengeNotFoundException
}

func registrationJSON(reg *forge.Registration) []byte {
	enc := base64.RawURLEncoding.EncodeToString
	id := enc(reg.AuthData.CredentialID)
	return []byte(`{"id":"` + id + `","rawId":"` + id + `","type":"public-key",` +
		`"response":{"clientDataJSON":"` + enc(reg.ClientDataJSON()) +
		`","attestationObject":"` + enc(reg.Object("none", forge.Stmt{})) + `","transports":["internal"]},` +
		`"authenticatorAttachment":"platform","clientExtensionResults":{}}`)
}

func assertionJSON(key *forge.Key, credID, challenge []byte, count uint32) []byte {
	enc := base64.RawURLEncoding.EncodeToString
	ad := (&forge.AuthData{RPID: "example.org", Flags: forge.FlagUP | forge.FlagUV, SignCount: count}).Bytes()
	cdj := (&forge.ClientData{Type: "webauthn.get", Challenge: challenge, Origin: "https://example.org"}).JSON()
	h := sha256.Sum256(cdj)
	id := enc(credID)
	return []byte(`{"id":"` + id + `","rawId":"` + id + `","type":"public-key",` +
		`"response":{"clientDataJSON":"` + enc(cdj) + `","authenticatorData":"` + enc(ad) +
		`","signature":"` + enc(key.Sign(ad, h[:])) + `","userHandle":"` + enc([]byte("user-42")) + `"},` +
		`"clientExtensionResults":{}}`)
}
