package e2e

import (
	"testing"

	cdpwebauthn "github.com/chromedp/cdproto/webauthn"
)

// TestSmoke registers and signs in once with a platform authenticator.
func TestSmoke(t *testing.T) {
	s := newSite(t, nil)
	a := newTab(t, s.URL, cdpwebauthn.VirtualAuthenticatorOptions{
		Protocol: cdpwebauthn.AuthenticatorProtocolCtap2, Transport: cdpwebauthn.AuthenticatorTransportInternal,
		HasResidentKey: true, HasUserVerification: true, IsUserVerified: true,
	})
	r := a.register(t, `{username: "alice", attestation: "direct"}`)
	t.Logf("%v", r)
	r = a.login(t, `{username: "alice"}`)
	t.Logf("%v", r)
}
