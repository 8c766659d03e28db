package webauthn_test

import (
	"crypto/sha256"
	"testing"

	webauthn "github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/internal/errtest"
	"github.com/passkeykit/webauthn/internal/forge"
)

// regWithExtensions is c's registration response with clientExtensionResults
// ext (raw JSON) instead of the default.
func regWithExtensions(c *regCase, ext string) []byte {
	r := forge.RegistrationJSON(c.reg, c.attObj())
	r.ClientDataJSON, r.Extensions = c.clientDataJSON(), ext
	return r.JSON()
}

// authWithExtensions is a's assertion with clientExtensionResults ext.
func authWithExtensions(a *authCase, ext string) []byte {
	ad := a.authData.Bytes()
	cdj := a.clientData.JSON()
	h := sha256.Sum256(cdj)
	r := forge.AssertionJSON(a.credID, cdj, ad, a.key.Sign(ad, h[:]))
	r.Extensions = ext
	return r.JSON()
}

// credProtect3 is the authenticator extension outputs map {"credProtect": 3}.
var credProtect3 = []byte{0xa1, 0x6b, 'c', 'r', 'e', 'd', 'P', 'r', 'o', 't', 'e', 'c', 't', 0x03}

func TestRegistrationExtensionOutputs(t *testing.T) {
	tests := []struct {
		name    string
		ext     string
		authExt []byte
		want    webauthn.ExtensionOutputs
		exc     string
	}{
		{
			name:    "every known output",
			ext:     `{"credProps":{"rk":true},"prf":{"enabled":true},"largeBlob":{"supported":true},"unknownExt":{"x":1}}`,
			authExt: credProtect3,
			want: webauthn.ExtensionOutputs{
				CredProps:   webauthn.CredPropsOutput{HasRK: true, RK: true},
				PRF:         webauthn.PRFOutput{Present: true, HasEnabled: true, Enabled: true},
				LargeBlob:   webauthn.LargeBlobOutput{Present: true, HasSupported: true, Supported: true},
				CredProtect: webauthn.CredProtectUVRequired,
			},
		},
		{
			name: "malformed outputs are ignored",
			ext:  `{"credProps":{"rk":"yes"},"prf":{"enabled":1},"largeBlob":[]}`,
			want: webauthn.ExtensionOutputs{PRF: webauthn.PRFOutput{Present: true}},
		},
		{
			name:    "credProtect outside 1-3 is ignored",
			ext:     `{}`,
			authExt: []byte{0xa1, 0x6b, 'c', 'r', 'e', 'd', 'P', 'r', 'o', 't', 'e', 'c', 't', 0x04},
		},
		// The response JSON stays strict: a duplicate name inside an
		// extension output is a malformed response, not an ignored output.
		{name: "duplicate member in an output", ext: `{"prf":{"enabled":true,"enabled":false}}`, exc: invalid},
		{name: "extension results not an object", ext: `[]`, exc: invalid},
		// The authenticator extension outputs are signed authenticator data:
		// a map that is not well-formed CBOR fails step 13.
		{name: "malformed authenticator extensions", ext: `{}`, authExt: []byte{0xa1, 0x6b, 'c', 'r', 'e', 'd'}, exc: invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newRegCase(cose.ES256)
			c.reg.AuthData.Extensions = tt.authExt
			var out webauthn.Registration
			errtest.WantException(t, newRP().VerifyRegistration(regWithExtensions(c, tt.ext), c.challenge(), &out), tt.exc)
			if out.ExtensionOutputs != tt.want {
				t.Errorf("ExtensionOutputs %+v, want %+v", out.ExtensionOutputs, tt.want)
			}
			if out.HasCredProps != tt.want.CredProps.HasRK || out.CredPropsRK != tt.want.CredProps.RK {
				t.Errorf("HasCredProps/CredPropsRK %v %v disagree with ExtensionOutputs", out.HasCredProps, out.CredPropsRK)
			}
			if tt.exc == "" && string(out.ClientExtensionResults) != tt.ext {
				t.Errorf("ClientExtensionResults %s", out.ClientExtensionResults)
			}
		})
	}
}

func TestAssertionExtensionOutputs(t *testing.T) {
	tests := []struct {
		name string
		ext  string
		want webauthn.ExtensionOutputs
		exc  string
	}{
		{
			name: "prf results and a large blob read",
			ext:  `{"prf":{"results":{"first":"xBcumC6Ql8OabAy3IMs3W5Lj_K0VSmPkOpPxCWseGXM"}},"largeBlob":{"blob":"AQID"}}`,
			want: webauthn.ExtensionOutputs{
				PRF:       webauthn.PRFOutput{Present: true, Results: true},
				LargeBlob: webauthn.LargeBlobOutput{Present: true, Blob: true},
			},
		},
		{
			name: "large blob written",
			ext:  `{"largeBlob":{"written":true},"appid":false}`,
			want: webauthn.ExtensionOutputs{LargeBlob: webauthn.LargeBlobOutput{Present: true, HasWritten: true, Written: true}},
		},
		{name: "no outputs", ext: `{}`},
		{name: "malformed JSON in an output", ext: `{"prf":{"results":{"first":"A}}}`, exc: invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, cred := newAuthCase()
			a.authData.Extensions = credProtect3
			a.authData.Flags |= forge.FlagED
			var out webauthn.Assertion
			errtest.WantException(t, newRP().VerifyAuthentication(authWithExtensions(a, tt.ext), a.clientData.Challenge, cred, &out), tt.exc)
			want := tt.want
			if tt.exc == "" {
				want.CredProtect = webauthn.CredProtectUVRequired
			}
			if out.ExtensionOutputs != want {
				t.Errorf("ExtensionOutputs %+v, want %+v", out.ExtensionOutputs, want)
			}
		})
	}
}

// TestRegistrationExtensionsAllocs: reading every known extension output
// adds nothing to a registration that reuses its Registration.
func TestRegistrationExtensionsAllocs(t *testing.T) {
	c := newRegCase(cose.ES256)
	c.reg.AuthData.Extensions = credProtect3
	resp := regWithExtensions(c, `{"credProps":{"rk":true},"prf":{"enabled":true,"results":{"first":"AAAA"}},"largeBlob":{"supported":true}}`)
	rp, chal := newRP(), c.challenge()
	var out webauthn.Registration
	n := testing.AllocsPerRun(50, func() {
		if err := rp.VerifyRegistration(resp, chal, &out); err != nil {
			t.Fatal(err)
		}
	})
	if n != 0 || !out.ExtensionOutputs.PRF.Results || out.ExtensionOutputs.CredProtect != webauthn.CredProtectUVRequired {
		t.Fatalf("%v allocs (want 0), outputs %+v", n, out.ExtensionOutputs)
	}
}
