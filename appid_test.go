package webauthn_test

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"errors"
	"strings"
	"testing"

	webauthn "github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/internal/errtest"
	"github.com/passkeykit/webauthn/internal/forge"
)

// testAppID is the AppID the U2F-era credentials of these tests were
// registered under.
const testAppID = "https://example.org/app-id.json"

func appIDHash(appID string) []byte {
	h := sha256.Sum256([]byte(appID))
	return h[:]
}

// newU2FCase is a sign-in by a credential registered with the FIDO U2F
// JavaScript API under testAppID, through a browser that used the appid
// extension: the stored key is the raw U2F point, converted with
// cose.FromU2FPublicKey; the authenticator data carries rpIdHash
// SHA-256(AppID), UP only and the U2F counter; a U2F key has no user
// handle; clientExtensionResults says appid true.
func newU2FCase(t *testing.T) (*authCase, *webauthn.Credential) {
	t.Helper()
	f := forge.New("u2f-era")
	key := f.Key("u2f", cose.ES256)
	x, y := forge.ECPoint(key.Public().(*ecdsa.PublicKey))
	pub, err := cose.FromU2FPublicKey(append(append([]byte{4}, x...), y...))
	if err != nil {
		t.Fatal(err)
	}
	a := &authCase{
		key:        key,
		credID:     f.Bytes("key handle", 64),
		authData:   forge.AuthData{RPIDHash: appIDHash(testAppID), Flags: forge.FlagUP, SignCount: 1042},
		clientData: forge.ClientData{Type: "webauthn.get", Challenge: f.Bytes("get", 32), Origin: "https://example.org"},
		ext:        `{"appid":true}`,
	}
	cred := &webauthn.Credential{ID: a.credID, PublicKey: pub, SignCount: 1041, AppID: true, UserHandle: []byte("user-1")}
	return a, cred
}

func appIDRP() *webauthn.RelyingParty {
	rp := newRP()
	rp.AppID = testAppID
	return rp
}

// TestU2FCredentialSignsIn: a U2F-era credential signs in through the
// stateless verifier with the AppID configured, and the assertion says so.
func TestU2FCredentialSignsIn(t *testing.T) {
	a, cred := newU2FCase(t)
	var out webauthn.Assertion
	for _, verify := range []func() error{
		func() error { return appIDRP().VerifyAuthentication(a.json(), a.clientData.Challenge, cred, &out) },
		func() error {
			p := webauthn.AuthenticationParams{Challenge: a.clientData.Challenge, AppID: true}
			return appIDRP().VerifyAuthenticationParams(a.json(), &p, cred, &out)
		},
	} {
		out = webauthn.Assertion{}
		errtest.WantException(t, verify(), "")
		if !out.AppIDUsed || out.SignCount != 1042 || out.CloneSuspected || out.UserHandle != nil || out.UserVerified {
			t.Fatalf("assertion %+v", out)
		}
	}
	// The same record signing over the RP ID (a U2F key registered again
	// through WebAuthn would) is an ordinary assertion.
	a.ext, a.authData.RPIDHash = `{"appid":false}`, nil
	a.authData.RPID = "example.org"
	errtest.WantException(t, appIDRP().VerifyAuthentication(a.json(), a.clientData.Challenge, cred, &out), "")
	if out.AppIDUsed {
		t.Fatal("AppIDUsed for an rpIdHash of the RP ID")
	}
}

// TestAppIDFailsClosed: every way the appid extension could widen what is
// accepted is WebAuthnRelyingPartyMismatchException at §7.2 step 15.
func TestAppIDFailsClosed(t *testing.T) {
	const step15 = `Verify that the rpIdHash in authData`
	tests := []struct {
		name   string
		edit   func(a *authCase, cred *webauthn.Credential, rp *webauthn.RelyingParty, p *webauthn.AuthenticationParams)
		want   string
		reason string
	}{
		{name: "appid true, no AppID configured", edit: func(_ *authCase, _ *webauthn.Credential, rp *webauthn.RelyingParty, _ *webauthn.AuthenticationParams) {
			rp.AppID = ""
		}, want: rpid, reason: "AppID is not configured"},
		{name: "appid true, the options did not ask", edit: func(_ *authCase, _ *webauthn.Credential, _ *webauthn.RelyingParty, p *webauthn.AuthenticationParams) {
			p.AppID = false
		}, want: rpid, reason: "did not ask"},
		{name: "appid true, record not registered under the AppID", edit: func(_ *authCase, cred *webauthn.Credential, _ *webauthn.RelyingParty, _ *webauthn.AuthenticationParams) {
			cred.AppID = false
		}, want: rpid, reason: "Credential.AppID"},
		{name: "appid true, rpIdHash of the RP ID", edit: func(a *authCase, _ *webauthn.Credential, _ *webauthn.RelyingParty, _ *webauthn.AuthenticationParams) {
			a.authData.RPIDHash, a.authData.RPID = nil, "example.org"
		}, want: rpid, reason: "not SHA-256 of the AppID"},
		{name: "appid true, rpIdHash of another AppID", edit: func(a *authCase, _ *webauthn.Credential, _ *webauthn.RelyingParty, _ *webauthn.AuthenticationParams) {
			a.authData.RPIDHash = appIDHash("https://example.org")
		}, want: rpid, reason: "not SHA-256 of the AppID"},
		{name: "AppID hash, appid absent", edit: func(a *authCase, _ *webauthn.Credential, _ *webauthn.RelyingParty, _ *webauthn.AuthenticationParams) {
			a.ext = `{}`
		}, want: rpid, reason: "appid is not true"},
		{name: "AppID hash, appid false", edit: func(a *authCase, _ *webauthn.Credential, _ *webauthn.RelyingParty, _ *webauthn.AuthenticationParams) {
			a.ext = `{"appid":false}`
		}, want: rpid, reason: "appid is not true"},
		{name: "AppID hash, no clientExtensionResults", edit: func(a *authCase, _ *webauthn.Credential, _ *webauthn.RelyingParty, _ *webauthn.AuthenticationParams) {
			a.ext = "-"
		}, want: rpid, reason: "appid is not true"},
		{name: "appid true, clientExtensionResults null", edit: func(a *authCase, _ *webauthn.Credential, _ *webauthn.RelyingParty, _ *webauthn.AuthenticationParams) {
			a.ext = `null`
		}, want: invalid},
		{name: "AppID hash, appid true inside another extension", edit: func(a *authCase, _ *webauthn.Credential, _ *webauthn.RelyingParty, _ *webauthn.AuthenticationParams) {
			a.ext = `{"other":{"appid":true}}`
		}, want: rpid, reason: "appid is not true"},
		{name: "appid a string", edit: func(a *authCase, _ *webauthn.Credential, _ *webauthn.RelyingParty, _ *webauthn.AuthenticationParams) {
			a.ext = `{"appid":"true"}`
		}, want: invalid, reason: "not a boolean"},
		{name: "appid a number", edit: func(a *authCase, _ *webauthn.Credential, _ *webauthn.RelyingParty, _ *webauthn.AuthenticationParams) {
			a.ext = `{"appid":1}`
		}, want: invalid, reason: "not a boolean"},
		{name: "appid differently cased", edit: func(a *authCase, _ *webauthn.Credential, _ *webauthn.RelyingParty, _ *webauthn.AuthenticationParams) {
			a.ext = `{"appId":true}`
		}, want: rpid, reason: "appid is not true"},
		{name: "appid true, escaped name", edit: func(a *authCase, _ *webauthn.Credential, _ *webauthn.RelyingParty, _ *webauthn.AuthenticationParams) {
			a.ext = `{"app\u0069d":true}`
		}, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, cred := newU2FCase(t)
			rp := appIDRP()
			p := webauthn.AuthenticationParams{Challenge: a.clientData.Challenge, AppID: true}
			tt.edit(a, cred, rp, &p)
			var out webauthn.Assertion
			err := rp.VerifyAuthenticationParams(a.json(), &p, cred, &out)
			errtest.WantException(t, err, tt.want)
			if tt.reason == "" {
				return
			}
			checkStep(t, err, "§7.2", step15)
			var e *webauthn.Error
			if errors.As(err, &e); !strings.Contains(e.Reason, tt.reason) {
				t.Fatalf("reason %q, want it to say %q", e.Reason, tt.reason)
			}
			if out.AppIDUsed || out.CredentialID != nil {
				t.Fatalf("partial result %+v", out)
			}
		})
	}
}

// TestAppIDNeverRegisters: a registration whose rpIdHash is the AppID's is
// refused at §7.1 step 14, whatever its attestation (§10.1.2: the AppID only
// excludes credentials).
func TestAppIDNeverRegisters(t *testing.T) {
	for _, format := range []string{"none", "fido-u2f"} {
		t.Run(format, func(t *testing.T) {
			c := newRegCase(cose.ES256)
			c.reg.AuthData.RPIDHash = appIDHash(testAppID)
			c.reg.AuthData.AAGUID = [16]byte{}
			c.format = format
			if format == "fido-u2f" {
				att := c.f.Key("att", cose.ES256)
				c.stmt = c.reg.FIDOU2F(att, c.f.U2FLeaf("att", att, c.f.Root("root", cose.ES256)))
			}
			var out webauthn.Registration
			err := appIDRP().VerifyRegistration(c.json(), c.challenge(), &out)
			errtest.WantException(t, err, rpid)
			checkStep(t, err, "§7.1", `Verify that the rpIdHash in authData`)
			if e := (*webauthn.Error)(nil); !errors.As(err, &e) || !strings.Contains(e.Reason, "AppID") {
				t.Fatalf("reason of %v does not name the AppID", err)
			}
			// With the RP ID's hash the same registration is accepted.
			c.reg.AuthData.RPIDHash = nil
			if format == "fido-u2f" {
				att := c.f.Key("att", cose.ES256)
				c.stmt = c.reg.FIDOU2F(att, c.f.U2FLeaf("att", att, c.f.Root("root", cose.ES256)))
			}
			errtest.WantException(t, appIDRP().VerifyRegistration(c.json(), c.challenge(), &out), "")
			if rec := out.Record([]byte("user-1")); rec.AppID {
				t.Fatal("Registration.Record marks a WebAuthn registration AppID")
			}
		})
	}
}

// TestAppIDCheck: Check accepts https URLs as AppIDs and refuses anything
// else with WebAuthnConfigurationMissingException, before any step runs.
func TestAppIDCheck(t *testing.T) {
	for _, tt := range []struct {
		appID string
		ok    bool
	}{
		{"", true},
		{"https://example.org", true},
		{"https://example.org/", true},
		{"https://example.org/app-id.json", true},
		{"https://login.example.org:8443/u2f/app-id.json?v=1", true},
		{"http://example.org", false},
		{"HTTPS://example.org", false},
		{"https:example.org", false},
		{"https://", false},
		{"https:///app-id.json", false},
		{"https://user@example.org", false},
		{"https://example.org/#frag", false},
		{"https://example.org/ app-id.json", false},
		{"https://exämple.org", false},
		{"https://example.org\n", false},
		{"https://[::1", false},
		{"example.org", false},
		{"android:apk-key-hash:abc", false},
	} {
		a, cred := newU2FCase(t)
		rp := appIDRP()
		rp.AppID = tt.appID
		err := rp.Check()
		if tt.ok {
			errtest.WantException(t, err, "")
			continue
		}
		errtest.WantException(t, err, webauthn.ExceptionConfigurationMissing)
		if e := (*webauthn.Error)(nil); errors.As(err, &e) && e.Step != "RelyingParty" {
			t.Fatalf("%q: step %q", tt.appID, e.Step)
		}
		var out webauthn.Assertion
		errtest.WantException(t, rp.VerifyAuthentication(a.json(), a.clientData.Challenge, cred, &out), webauthn.ExceptionConfigurationMissing)
	}
}
