package ceremony_test

import (
	"context"
	"crypto/rand"
	"fmt"

	"github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/ceremony"
	"github.com/passkeykit/webauthn/webauthntest"
)

// ExampleStateless runs a registration with no challenge store: the
// sealed state goes into the application's own (server-side) session
// between Start and Complete, as go-webauthn's SessionData does, and is
// deleted from it before Complete so that it is used once.
func ExampleStateless() {
	ctx := context.Background()
	key := make([]byte, ceremony.StateKeySize) // in production: from the secret store, the same on every server
	rand.Read(key)
	s := &ceremony.Stateless{
		Lifecycle: ceremony.Lifecycle{
			RP: &webauthn.RelyingParty{RPID: "example.org", Origins: []string{"https://example.org"}},
		},
		Keys:  [][]byte{key},
		Spent: &ceremony.MemSpent{}, // refuses a state completed already
	}
	alice := ceremony.User{ID: []byte("alice's random handle"), Name: "alice@example.org"}
	const sessionID = "7Jx0cO3Q0c2l1Zq4sS5hZg"
	session := map[string][]byte{} // the application's session store

	opts, state, err := s.StartRegistration(ctx, alice, sessionID, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	session["webauthn"] = state

	response, _ := webauthntest.New("https://example.org").Create(opts)
	state = session["webauthn"]
	delete(session, "webauthn")
	var reg webauthn.Registration
	if err := s.CompleteRegistration(ctx, state, alice.ID, sessionID, response, &reg); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("registered:", reg.Algorithm)
	// A second completion of the same state is refused.
	err = s.CompleteRegistration(ctx, state, alice.ID, sessionID, response, &reg)
	fmt.Println(webauthn.ExceptionName(err))
	// Output:
	// registered: ES256
	// WebAuthnChallengeNotFoundException
}
