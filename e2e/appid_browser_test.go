package e2e

import (
	"testing"

	cdpwebauthn "github.com/chromedp/cdproto/webauthn"

	"github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/webauthnhttp"
)

// TestAppIDBrowser runs the demo with an AppID in Chromium. Chromium
// authorizes an AppID only for an https page on the AppID's site, and
// refuses the appid extension on http://localhost with a SecurityError that
// fails the whole get(): so a sign-in by name (whose options list
// credentials and carry extensions.appid) fails in the browser, which shows
// that the options carried it through the handler and
// parseRequestOptionsFromJSON, while a first registration and a
// username-less sign-in, whose options list no credential and so carry no
// AppID extension (ceremony's appIDFor), are unaffected. A U2F-era sign-in
// in a browser needs an https site; it is checked without one in
// TestAppIDAgainstGoWebAuthn.
func TestAppIDBrowser(t *testing.T) {
	s := newSite(t, func(rp *webauthn.RelyingParty, _ *webauthnhttp.HandlerOptions) {
		rp.AppID = "https://localhost/app-id.json"
	})
	a := newTab(t, s.URL, cdpwebauthn.VirtualAuthenticatorOptions{Protocol: ctap2, Transport: internal,
		HasResidentKey: true, HasUserVerification: true, IsUserVerified: true})
	mustOK(t, a.register(t, `{username: "alice", residentKey: "required", userVerification: "required", algorithms: [-7]}`), "registration")
	r := a.login(t, `{username: ""}`)
	mustOK(t, r, "authentication")
	if r.Body.AppIDUsed {
		t.Fatalf("AppID used by a passkey: %v", r)
	}
	r = a.login(t, `{username: "alice"}`)
	mustFail(t, r, "SecurityError")
	if r.Stage != "the browser" {
		t.Fatalf("failed at %q, want the browser", r.Stage)
	}
}
