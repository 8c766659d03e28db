package webauthntest_test

import (
	"bytes"
	"context"
	"fmt"

	"github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/ceremony"
	"github.com/passkeykit/webauthn/webauthntest"
)

// Example plays the browser in a test of a relying party: Create answers
// the creation options of StartRegistration, Get the request options of
// StartAuthentication.
func Example() {
	ctx := context.Background()
	lc := &ceremony.Lifecycle{RP: &webauthn.RelyingParty{RPID: "example.org", Origins: []string{"https://example.org"}}}
	user := ceremony.User{ID: []byte("user-0001"), Name: "alice"}
	authn := webauthntest.NewFromSeed("https://example.org", []byte("example"))

	opts, _ := lc.StartRegistration(ctx, user, "session-1", nil)
	resp, err := authn.Create(opts)
	if err != nil {
		fmt.Println(err)
		return
	}
	var reg webauthn.Registration
	if err := lc.CompleteRegistration(ctx, user.ID, "session-1", resp, &reg); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("credential %x, %v, discoverable %v\n", reg.CredentialID, reg.Algorithm, reg.CredPropsRK)

	// A username-less sign-in: the authenticator picks its discoverable
	// credential, the response names the user.
	cred := reg.Record(user.ID)
	req, _ := lc.StartAuthentication(ctx, nil, "session-1", nil)
	resp, err = authn.Get(req, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	lookup := func(_ context.Context, user, id []byte) (*webauthn.Credential, error) {
		if !bytes.Equal(user, cred.UserHandle) || !bytes.Equal(id, cred.ID) {
			return nil, nil // not this user's credential
		}
		return &cred, nil
	}
	var as webauthn.Assertion
	if err := lc.CompleteAuthentication(ctx, nil, "session-1", resp, lookup, &as); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("user %s, sign count %d\n", as.UserHandle, as.SignCount)
	// Output:
	// credential afa15abd49ec81c20c849868f1fef29b, ES256, discoverable true
	// user user-0001, sign count 1
}
