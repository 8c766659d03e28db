package ceremony_test

import (
	"bytes"
	"context"
	"fmt"

	"github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/ceremony"
	"github.com/passkeykit/webauthn/webauthntest"
)

// exampleTable is an application's credential table (a SQL table in
// production): one row per credential, each naming its account.
type exampleTable []webauthn.Credential

// lookup is the ceremony.CredentialLookup over the table: the record with
// that ID of that account, or nil.
func (t exampleTable) lookup(_ context.Context, user, id []byte) (*webauthn.Credential, error) {
	for i := range t {
		if bytes.Equal(t[i].ID, id) && bytes.Equal(t[i].UserHandle, user) {
			return &t[i], nil
		}
	}
	return nil, nil
}

// Example registers a passkey for a user and signs in with it by username.
// The client ID is the browser's session: an opaque random ID the server
// put in a cookie, so that a challenge is completed only by the browser it
// was issued to.
func Example() {
	ctx := context.Background()
	lc := &ceremony.Lifecycle{
		RP: &webauthn.RelyingParty{
			RPID:    "example.org",
			Origins: []string{"https://example.org"},
		},
		RPName: "Example",
	}
	var table exampleTable
	alice := ceremony.User{ID: []byte("alice's random handle"), Name: "alice@example.org", DisplayName: "Alice"}
	const session = "7Jx0cO3Q0c2l1Zq4sS5hZg" // the browser's session cookie
	browser := webauthntest.NewFromSeed("https://example.org", []byte("alice's phone"))

	// Registration: the options go to the page as JSON, the page calls
	// navigator.credentials.create() and posts credential.toJSON().
	opts, err := lc.StartRegistration(ctx, alice, session, &ceremony.RegistrationOptions{
		Credentials: table, // excludeCredentials: the user's existing passkeys
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	response, _ := browser.Create(opts)
	var reg webauthn.Registration
	if err := lc.CompleteRegistration(ctx, alice.ID, session, response, &reg); err != nil {
		fmt.Println(err)
		return
	}
	table = append(table, reg.Record(alice.ID))
	fmt.Printf("registered %x for %s\n", reg.CredentialID, alice.Name)

	// Sign-in by username: the user's credentials become allowCredentials.
	req, err := lc.StartAuthentication(ctx, alice.ID, session, &ceremony.AuthenticationOptions{
		AllowCredentials: table,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	response, _ = browser.Get(req, nil)
	var as webauthn.Assertion
	if err := lc.CompleteAuthentication(ctx, alice.ID, session, response, table.lookup, &as); err != nil {
		fmt.Println(err)
		return
	}
	// Write back what a sign-in changes (§7.2 step 24).
	c, _ := table.lookup(ctx, alice.ID, as.CredentialID)
	c.SignCount, c.BackupState = as.SignCount, as.BackupState
	fmt.Printf("signed in %s, sign count %d\n", alice.Name, c.SignCount)

	// The same response again: its challenge was spent.
	err = lc.CompleteAuthentication(ctx, alice.ID, session, response, table.lookup, &as)
	fmt.Println(webauthn.ExceptionName(err))

	// Output:
	// registered c66565262c4aa6ae0768cbc82d6ccc9f for alice@example.org
	// signed in alice@example.org, sign count 1
	// WebAuthnChallengeNotFoundException
}

// ExampleLifecycle_StartAuthentication_usernameless signs in without a
// username: the options list no credentials, the passkey the person picks
// names its account (the response's userHandle), and the lookup is asked
// for the credential of that account. A response posted from another
// browser session does not complete the ceremony.
func ExampleLifecycle_StartAuthentication_usernameless() {
	ctx := context.Background()
	lc := &ceremony.Lifecycle{RP: &webauthn.RelyingParty{
		RPID:    "example.org",
		Origins: []string{"https://example.org"},
	}}
	browser := webauthntest.NewFromSeed("https://example.org", []byte("bob's laptop"))
	bob := ceremony.User{ID: []byte("bob's random handle"), Name: "bob@example.org"}

	// Bob registered a passkey earlier (ResidentKey defaults to required:
	// the credential is discoverable).
	opts, _ := lc.StartRegistration(ctx, bob, "session-1", nil)
	response, _ := browser.Create(opts)
	var reg webauthn.Registration
	if err := lc.CompleteRegistration(ctx, bob.ID, "session-1", response, &reg); err != nil {
		fmt.Println(err)
		return
	}
	table := exampleTable{reg.Record(bob.ID)}

	// Later, in a new browser session, nobody typed a name.
	req, _ := lc.StartAuthentication(ctx, nil, "session-2", nil)
	response, _ = browser.Get(req, nil)

	var as webauthn.Assertion
	err := lc.CompleteAuthentication(ctx, nil, "session-3", response, table.lookup, &as)
	fmt.Println("from another session:", webauthn.ExceptionName(err))

	if err := lc.CompleteAuthentication(ctx, nil, "session-2", response, table.lookup, &as); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("signed in as the account with handle %q\n", as.UserHandle)

	// Output:
	// from another session: WebAuthnClientMismatchException
	// signed in as the account with handle "bob's random handle"
}
