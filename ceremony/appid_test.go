package ceremony_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/ceremony"
	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/internal/errtest"
	"github.com/passkeykit/webauthn/internal/forge"
)

const testAppID = "https://example.org/app-id.json"

// u2fCredential is alice's credential registered with the FIDO U2F
// JavaScript API under testAppID: its raw point converted with
// cose.FromU2FPublicKey, marked AppID, a U2F-era counter.
func (x *lcFixture) u2fCredential(t *testing.T) (*forge.Key, *webauthn.Credential, ceremony.CredentialLookup) {
	t.Helper()
	key := x.f.Key("u2f", cose.ES256)
	px, py := forge.ECPoint(key.Public().(*ecdsa.PublicKey))
	pub, err := cose.FromU2FPublicKey(append(append([]byte{4}, px...), py...))
	if err != nil {
		t.Fatal(err)
	}
	stored := &webauthn.Credential{ID: x.f.Bytes("u2f key handle", 64), PublicKey: pub, SignCount: 300, AppID: true, UserHandle: alice.ID}
	return key, stored, func(_ context.Context, user, id []byte) (*webauthn.Credential, error) {
		if bytes.Equal(id, stored.ID) && bytes.Equal(user, alice.ID) {
			return stored, nil
		}
		return nil, nil
	}
}

// u2fAssertion forges what a browser returns for a U2F key: rpIdHash hashed
// from hashed (the AppID, or the RP ID), UP only, the counter, no
// userHandle, and the clientExtensionResults ext.
func u2fAssertion(t *testing.T, opts *ceremony.RequestOptionsJSON, key *forge.Key, id []byte, hashed, ext string) []byte {
	t.Helper()
	chal, err := b64u.DecodeString(opts.Challenge)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256([]byte(hashed))
	ad := (&forge.AuthData{RPIDHash: h[:], Flags: forge.FlagUP, SignCount: 301}).Bytes()
	cd := forge.ClientData{Type: "webauthn.get", Challenge: chal, Origin: "https://example.org"}
	cdj := cd.JSON()
	ch := sha256.Sum256(cdj)
	r := forge.AssertionJSON(id, cdj, ad, key.Sign(ad, ch[:]))
	r.Attachment, r.Extensions = "cross-platform", ext
	return r.JSON()
}

// TestAppIDOptions: with an AppID, request options that list credentials
// carry appid and creation options that exclude credentials carry
// appidExclude; options that list none (where the extensions cannot act)
// and a relying party without an AppID carry neither.
func TestAppIDOptions(t *testing.T) {
	ctx := context.Background()
	for _, appID := range []string{"", testAppID} {
		x := newLifecycle(t)
		x.lc.RP.AppID = appID
		_, stored, _ := x.credential()
		for _, creds := range [][]webauthn.Credential{nil, {*stored}} {
			asked := appID != "" && len(creds) > 0
			ro, err := x.lc.StartAuthentication(ctx, nil, "c", &ceremony.AuthenticationOptions{AllowCredentials: creds})
			if err != nil {
				t.Fatal(err)
			}
			js, _ := json.Marshal(ro)
			if want := `"extensions":{"appid":"` + testAppID + `"}`; strings.Contains(string(js), want) != asked ||
				strings.Contains(string(js), `"extensions"`) != asked {
				t.Fatalf("AppID %q, %d credentials: request options %s", appID, len(creds), js)
			}
			co, err := x.lc.StartRegistration(ctx, alice, "c", &ceremony.RegistrationOptions{Credentials: creds})
			if err != nil {
				t.Fatal(err)
			}
			js, _ = json.Marshal(co.Extensions)
			want := `{"credProps":true}`
			if asked {
				want = `{"credProps":true,"appidExclude":"` + testAppID + `"}`
			}
			if string(js) != want {
				t.Fatalf("AppID %q, %d credentials: creation extensions %s, want %s", appID, len(creds), js, want)
			}
		}
	}
}

// TestU2FCredentialCeremony: a U2F-era credential signs in through
// Lifecycle with the AppID configured, and each way around the extension
// fails closed.
func TestU2FCredentialCeremony(t *testing.T) {
	ctx := context.Background()
	x := newLifecycle(t)
	x.lc.RP.AppID = testAppID
	key, stored, lookup := x.u2fCredential(t)
	start := func(lc *ceremony.Lifecycle) *ceremony.RequestOptionsJSON {
		opts, err := lc.StartAuthentication(ctx, alice.ID, "c", &ceremony.AuthenticationOptions{AllowCredentials: []webauthn.Credential{*stored}})
		if err != nil {
			t.Fatal(err)
		}
		return opts
	}

	opts := start(x.lc)
	if opts.Extensions == nil || opts.Extensions.AppID != testAppID {
		t.Fatalf("request options extensions %+v", opts.Extensions)
	}
	var as webauthn.Assertion
	if err := x.lc.CompleteAuthentication(ctx, alice.ID, "c", u2fAssertion(t, opts, key, stored.ID, testAppID, `{"appid":true}`), lookup, &as); err != nil {
		t.Fatal(err)
	}
	if !as.AppIDUsed || as.SignCount != 301 || as.CloneSuspected || as.UserHandle != nil {
		t.Fatalf("assertion %+v", as)
	}

	// A challenge issued by a server without the AppID (a deployment that
	// enabled it in between) did not ask: appid true is refused.
	shared := &ceremony.MemStore{}
	x.lc.Store = shared
	old := &ceremony.Lifecycle{RP: &webauthn.RelyingParty{RPID: "example.org", Origins: []string{"https://example.org"}, Clock: x.clk.Now}, Store: shared}
	unasked := start(old)
	if unasked.Extensions != nil {
		t.Fatalf("options without an AppID carry extensions %+v", unasked.Extensions)
	}

	const step15 = "§7.2 step 15"
	for _, tt := range []struct {
		name   string
		opts   *ceremony.RequestOptionsJSON
		hashed string
		ext    string
		record func(c *webauthn.Credential)
		user   []byte
		// userHandle: the assertion carries the user handle (as no U2F key's does)
		userHandle bool
		fault      error
		step       string
		reason     string
	}{
		{name: "the options did not ask", opts: unasked, hashed: testAppID, ext: `{"appid":true}`, fault: webauthn.ErrRPIDMismatch, step: step15, reason: "did not ask"},
		{name: "record not U2F-era", hashed: testAppID, ext: `{"appid":true}`, record: func(c *webauthn.Credential) { c.AppID = false },
			fault: webauthn.ErrRPIDMismatch, step: step15, reason: "Credential.AppID"},
		{name: "AppID hash without appid", hashed: testAppID, ext: `{}`, fault: webauthn.ErrRPIDMismatch, step: step15, reason: "appid is not true"},
		{name: "appid true over the RP ID", hashed: "example.org", ext: `{"appid":true}`, fault: webauthn.ErrRPIDMismatch, step: step15, reason: "not SHA-256 of the AppID"},
		{name: "username-less: a U2F key has no user handle", user: []byte{}, hashed: testAppID, ext: `{"appid":true}`,
			fault: webauthn.ErrNotAuthorized, step: "§7.2 step 6", reason: "without a userHandle"},
		{name: "username-less options did not ask", user: []byte{}, hashed: testAppID, ext: `{"appid":true}`, userHandle: true,
			fault: webauthn.ErrRPIDMismatch, step: step15, reason: "did not ask"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.opts
			if o == nil {
				o = start(x.lc)
			}
			user := alice.ID
			if tt.user != nil {
				user = nil
				var err error
				if o, err = x.lc.StartAuthentication(ctx, nil, "c", nil); err != nil {
					t.Fatal(err)
				}
			}
			rec := *stored
			if tt.record != nil {
				tt.record(&rec)
			}
			look := func(context.Context, []byte, []byte) (*webauthn.Credential, error) { return &rec, nil }
			resp := u2fAssertion(t, o, key, stored.ID, tt.hashed, tt.ext)
			if tt.userHandle {
				resp = bytes.Replace(resp, []byte(`"},"authenticatorAttachment"`), []byte(`","userHandle":"`+b64u.EncodeToString(alice.ID)+`"},"authenticatorAttachment"`), 1)
			}
			err := x.lc.CompleteAuthentication(ctx, user, "c", resp, look, &as)
			errtest.WantFault(t, err, tt.fault)
			var e *webauthn.Error
			if errors.As(err, &e); e.Step != tt.step || !strings.Contains(e.Reason, tt.reason) {
				t.Fatalf("step %q reason %q, want %q and %q", e.Step, e.Reason, tt.step, tt.reason)
			}
		})
	}
}
