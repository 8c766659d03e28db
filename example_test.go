package webauthn_test

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"

	"github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/ceremony"
	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/webauthntest"
)

// Example uses the stateless verifier: the caller issues each challenge,
// keeps it (in its own session store) until the response comes back, and
// makes sure it is used once. A webauthntest.Authenticator plays the
// browser; a real page posts the same JSON, PublicKeyCredential.toJSON().
func Example() {
	rp := &webauthn.RelyingParty{
		RPID:    "example.org",
		Origins: []string{"https://example.org"},
	}
	browser := webauthntest.NewFromSeed("https://example.org", []byte("example"))
	b64 := base64.RawURLEncoding.EncodeToString
	userHandle := []byte("a random handle") // one per account, no personal data

	// Registration (§7.1): a fresh random challenge, kept with the session.
	challenge := make([]byte, 32)
	rand.Read(challenge)
	response, err := browser.Create(&ceremony.CreationOptionsJSON{
		RP:               ceremony.RPEntity{ID: "example.org", Name: "Example"},
		User:             ceremony.UserEntityJSON{ID: b64(userHandle), Name: "alice", DisplayName: "Alice"},
		Challenge:        b64(challenge),
		PubKeyCredParams: []ceremony.CredentialParameters{{Type: "public-key", Alg: cose.ES256}},
		AuthenticatorSelection: &ceremony.AuthenticatorSelection{
			ResidentKey:        ceremony.ResidentKeyRequired, // a passkey
			RequireResidentKey: true,
			UserVerification:   ceremony.UserVerificationPreferred,
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	var reg webauthn.Registration
	if err := rp.VerifyRegistration(response, challenge, &reg); err != nil {
		fmt.Println(webauthn.ExceptionName(err), err)
		return
	}
	cred := reg.Record(userHandle) // store it; refuse an ID already stored (§7.1 step 26)
	fmt.Printf("registered %x: %v, %v attestation\n", cred.ID, reg.Algorithm, reg.Format)

	// Authentication (§7.2): another fresh challenge.
	challenge = make([]byte, 32)
	rand.Read(challenge)
	response, err = browser.Get(&ceremony.RequestOptionsJSON{
		Challenge:        b64(challenge),
		RPID:             "example.org",
		AllowCredentials: []ceremony.CredentialDescriptor{{ID: b64(cred.ID), Type: "public-key"}},
	}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	var as webauthn.Assertion
	if err := rp.VerifyAuthentication(response, challenge, &cred, &as); err != nil {
		fmt.Println(webauthn.ExceptionName(err), err)
		return
	}
	cred.SignCount, cred.BackupState = as.SignCount, as.BackupState // write back (§7.2 step 24)
	fmt.Printf("signed in: user %q, sign count %d\n", as.UserHandle, as.SignCount)

	// The same response against the next challenge: refused.
	next := make([]byte, 32)
	rand.Read(next)
	err = rp.VerifyAuthentication(response, next, &cred, &as)
	fmt.Println(webauthn.ExceptionName(err))

	// Output:
	// registered afa15abd49ec81c20c849868f1fef29b: ES256, none attestation
	// signed in: user "a random handle", sign count 1
	// WebAuthnChallengeNotFoundException
}
