package webauthnhttp

import (
	"context"
	"slices"
	"testing"

	"github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/cose"
)

// TestSignInSignals: a sign-in returns the account's credential list for
// signalAllAcceptedCredentials; after the passkey is deleted, a sign-in with
// it fails with the signalUnknownCredential payload for that credential.
func TestSignInSignals(t *testing.T) {
	x := newHandlerFlow(t, nil)
	wantException(t, "register", x.register("alice"), "")
	acct, err := x.h.Users().Lookup(context.Background(), "alice")
	if err != nil {
		t.Fatal(err)
	}
	id := acct.Credentials[0].ID
	var sum AssertionSummary
	_, e := x.login("", acct.Handle, &sum)
	wantException(t, "login", e, "")
	if s := sum.Signal; s == nil || s.RPID != "example.org" || s.UserID != b64url(acct.Handle) || !slices.Equal(s.AllAcceptedCredentialIDs, []string{b64url(id)}) {
		t.Fatalf("accepted credentials signal %+v", sum.Signal)
	}

	if err := x.h.Users().(*MemUsers).DeleteCredential(context.Background(), acct.Handle, id); err != nil {
		t.Fatal(err)
	}
	_, e = x.login("", acct.Handle, &sum)
	wantException(t, "login with a deleted passkey", e, webauthn.ExceptionNotAuthorized)
	if e.Signal == nil || e.Signal.RPID != "example.org" || e.Signal.CredentialID != b64url(id) {
		t.Fatalf("unknown credential signal %+v", e.Signal)
	}
}

// TestNoSignalForOtherFailures: a failure other than an unknown credential
// carries no signal, so that the page never hides a passkey the relying
// party still accepts.
func TestNoSignalForOtherFailures(t *testing.T) {
	x := newHandlerFlow(t, nil)
	wantException(t, "register", x.register("alice"), "")
	acct, err := x.h.Users().Lookup(context.Background(), "alice")
	if err != nil {
		t.Fatal(err)
	}
	var sum AssertionSummary
	// A username-less assertion without a userHandle names no record.
	_, e := x.login("", nil, &sum)
	wantException(t, "no userHandle", e, webauthn.ExceptionNotAuthorized)
	if e.Signal != nil {
		t.Fatalf("signal without a userHandle: %+v", e.Signal)
	}
	// A signature by another key for alice's credential ID: the record
	// exists, the assertion is wrong.
	key := x.key
	x.key = x.f.Key("another key", cose.ES256)
	_, e = x.login("", acct.Handle, &sum)
	wantException(t, "bad signature", e, webauthn.ExceptionNotAuthorized)
	if e.Signal != nil || e.Step != "§7.2 step 21" {
		t.Fatalf("bad signature: %+v", e)
	}
	x.key = key
	// A stale challenge after a good sign-in: the credential is known.
	body, e := x.login("alice", nil, &sum)
	wantException(t, "login", e, "")
	if e := x.do("/webauthn/login/finish", body, &sum); e == nil || e.Signal != nil {
		t.Fatalf("replay: %+v", e)
	}
	// An unknown name: nothing of the fictitious credential is signalled.
	_, e = x.login("mallory", acct.Handle, &sum)
	wantException(t, "unknown name", e, webauthn.ExceptionNotAuthorized)
	if e.Signal != nil {
		t.Fatalf("signal for an unknown name: %+v", e.Signal)
	}
}
