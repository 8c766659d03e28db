package webauthnhttp

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/passkeykit/webauthn/ceremony"
	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/internal/forge"
	"github.com/passkeykit/webauthn/mds"
	"github.com/passkeykit/webauthn/trust"
)

// testProviders is a Convenience Metadata Service BLOB the test signs with
// its own root, naming the forge's "handler" AAGUID.
func testProviders(t *testing.T, f *forge.Forge) *mds.Convenience {
	t.Helper()
	root := f.Root("Test MDS Root", cose.ES256)
	signer := f.Issue(mds.DefaultSigner, &forge.CertSpec{KeyUsage: x509.KeyUsageDigitalSignature}, f.Key("mds signer", cose.ES256), root)
	icon := "data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString([]byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`))
	payload, err := json.Marshal(map[string]any{
		"no":                         3,
		"nextUpdate":                 "2026-12-31",
		f.AAGUID("handler").String(): map[string]any{"friendlyNames": map[string]string{"en-US": "Test Keychain"}, "icon": icon},
	})
	if err != nil {
		t.Fatal(err)
	}
	c, err := mds.LoadConvenience(forge.JWS(payload, signer), &mds.LoadOptions{Roots: trust.NewPool(root.Cert), At: forge.Epoch.AddDate(1, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// registerSummary registers user with x's authenticator and returns the
// register/finish summary.
func (x *handlerFlow) registerSummary(user string) (*RegistrationSummary, *ErrorBody) {
	x.t.Helper()
	var o ceremony.CreationOptionsJSON
	if e := x.do("/webauthn/register/begin", `{"username":"`+user+`"}`, &o); e != nil {
		return nil, e
	}
	reg := x.f.Registration("handler", x.key)
	reg.ClientData.Challenge, _ = base64.RawURLEncoding.DecodeString(o.Challenge)
	r := forge.RegistrationJSON(reg, reg.Object("none", forge.Stmt{}))
	r.Extensions = `{"credProps":{"rk":true}}`
	cred := string(r.JSON())
	var sum RegistrationSummary
	return &sum, x.do("/webauthn/register/finish", `{"username":"`+user+`","credential":`+cred+`}`, &sum)
}

func TestRegistrationProvider(t *testing.T) {
	f := forge.New("handler")
	x := newHandlerFlow(t, &HandlerOptions{Providers: testProviders(t, f)})
	sum, e := x.registerSummary("alice")
	wantException(t, "register", e, "")
	if p := sum.Provider; p == nil || p.Name != "Test Keychain" || p.Icon == "" || p.IconDark != "" {
		t.Fatalf("provider %+v", sum.Provider)
	}
	if sum.ResidentKey == nil || !*sum.ResidentKey || sum.PRFEnabled != nil || sum.CredProtect != "" {
		t.Fatalf("extension summary %v %v %q", sum.ResidentKey, sum.PRFEnabled, sum.CredProtect)
	}

	// An AAGUID the BLOB does not list, and a handler without a BLOB,
	// name no provider.
	other := newHandlerFlow(t, &HandlerOptions{Providers: testProviders(t, forge.New("other seed"))})
	sum, e = other.registerSummary("bob")
	wantException(t, "register", e, "")
	if sum.Provider != nil {
		t.Fatalf("provider for an unlisted AAGUID: %+v", sum.Provider)
	}
	sum, e = newHandlerFlow(t, nil).registerSummary("carol")
	wantException(t, "register", e, "")
	if sum.Provider != nil {
		t.Fatalf("provider without a BLOB: %+v", sum.Provider)
	}
}
