package webauthnhttp

import (
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"testing"

	"github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/internal/forge"
)

// The tools' "GetAssertion Request" and "GetAssertion Response" test cases
// (see conformance_tools_test.go for how they are named and sourced).

// confCred is a credential registered through the handler.
type confCred struct {
	key        *forge.Key
	id, handle []byte
	user       string
}

// registerCred registers a fresh user with a packed self ES256 credential.
func (x *confTool) registerCred() *confCred {
	x.t.Helper()
	ch, o := x.regOptions("")
	r := x.reg(ch, "assertion", cose.ES256)
	status, got := x.send("/attestation/result", credentialOf(r, packedSelf(r)))
	wantVerdict(x.t, "", status, got)
	u := o["user"].(map[string]any)
	handle, err := base64.RawURLEncoding.DecodeString(u["id"].(string))
	if err != nil {
		x.t.Fatal(err)
	}
	return &confCred{key: r.Cred, id: r.AuthData.CredentialID, handle: handle, user: u["name"].(string)}
}

// getOptions asks for get options for c's user with userVerification uv
// ("" leaves it out) and the tools' example extension; it returns the
// challenge and the options.
func (x *confTool) getOptions(c *confCred, uv string) ([]byte, map[string]any) {
	x.t.Helper()
	body := `{"username":` + strconv.Quote(c.user) + `,"extensions":{"example.extension":"In a hole in the ground there lived a hobbit"}`
	if uv != "" {
		body += `,"userVerification":` + strconv.Quote(uv)
	}
	status, o := x.c.post("/assertion/options", []byte(body+"}"))
	if status != 200 {
		x.t.Fatalf("get options: HTTP %d %v", status, o)
	}
	ch, err := base64.RawURLEncoding.DecodeString(o["challenge"].(string))
	if err != nil {
		x.t.Fatal(err)
	}
	return ch, o
}

// assertionSpec describes an assertion by a registered credential.
type assertionSpec struct {
	flags     byte
	signCount uint32
	ext       []byte // authenticator extension outputs (ED)
	trailing  []byte // bytes after the authenticator data
	rpIDHash  []byte
	// clientData is the clientDataJSON members (cd); nil: a valid one.
	clientData func(ch string) string
	// signedHash replaces SHA-256(clientDataJSON) in the signed data.
	signedHash []byte
}

// assertion is the ServerPublicKeyCredential of an assertion by c over the
// challenge ch as s describes it.
func assertion(c *confCred, ch []byte, s *assertionSpec) map[string]any {
	ad := (&forge.AuthData{RPID: confRPID, RPIDHash: s.rpIDHash, Flags: s.flags, SignCount: s.signCount, Extensions: s.ext}).Bytes()
	ad = append(ad, s.trailing...)
	cdj := (&forge.ClientData{Type: "webauthn.get", Challenge: ch, Origin: confOrigin}).JSON()
	if s.clientData != nil {
		cdj = []byte("{" + s.clientData(b64u(ch)) + "}")
	}
	h := sha256.Sum256(cdj)
	signed := h[:]
	if s.signedHash != nil {
		signed = s.signedHash
	}
	return map[string]any{
		"id":   b64u(c.id),
		"type": "public-key",
		"response": map[string]any{
			"clientDataJSON":    b64u(cdj),
			"authenticatorData": b64u(ad),
			"signature":         b64u(c.key.Sign(ad, signed)),
			"userHandle":        b64u(c.handle),
		},
		"getClientExtensionResults": map[string]any{},
	}
}

// authCase is an assertion test case: after get options with
// userVerification uv, build returns the credential sent.
type authCase struct {
	id, want, uv string
	build        func(x *confTool, c *confCred, ch []byte) any
}

func (x *confTool) runAuth(t *testing.T, cases []authCase) {
	for _, tc := range cases {
		t.Run(tc.id, func(t *testing.T) {
			x.t = t
			c := x.registerCred()
			ch, _ := x.getOptions(c, tc.uv)
			status, got := x.send("/assertion/result", tc.build(x, c, ch))
			wantVerdict(t, tc.want, status, got)
		})
	}
}

// asserting is an authCase build of the assertion s describes, with edit
// applied to the credential JSON.
func asserting(s assertionSpec, edit func(m, resp map[string]any)) func(x *confTool, c *confCred, ch []byte) any {
	return func(_ *confTool, c *confCred, ch []byte) any {
		m := assertion(c, ch, &s)
		if edit != nil {
			edit(m, m["response"].(map[string]any))
		}
		return m
	}
}

var upuv = assertionSpec{flags: forge.FlagUP | forge.FlagUV, signCount: 1}

func TestServer_ServerPublicKeyCredentialGetOptionsResponse_Req_1(t *testing.T) {
	x := newConfTool(t, nil)
	c := x.registerCred()
	t.Run("P-1", func(t *testing.T) {
		x.t = t
		_, o := x.getOptions(c, "required")
		if o["status"] != "ok" || o["errorMessage"] != "" {
			t.Errorf("status %v errorMessage %q", o["status"], o["errorMessage"])
		}
		wantChallenge(t, o["challenge"])
		if ext, _ := o["extensions"].(map[string]any); ext["example.extension"] != "In a hole in the ground there lived a hobbit" {
			t.Errorf("extensions %v", o["extensions"])
		}
		if to, ok := o["timeout"].(float64); !ok || to <= 0 {
			t.Errorf("timeout %v", o["timeout"])
		}
		if o["rpId"] != confRPID {
			t.Errorf("rpId %v", o["rpId"])
		}
		ac, _ := o["allowCredentials"].([]any)
		if len(ac) != 1 || ac[0].(map[string]any)["type"] != "public-key" || ac[0].(map[string]any)["id"] != b64u(c.id) {
			t.Errorf("allowCredentials %v, want exactly the registered %s", o["allowCredentials"], b64u(c.id))
		}
		if o["userVerification"] != "required" {
			t.Errorf("userVerification %v, want the requested required", o["userVerification"])
		}
	})
	t.Run("P-2", func(t *testing.T) {
		x.t = t
		_, a := x.getOptions(c, "")
		_, b := x.getOptions(c, "")
		if a["challenge"] == b["challenge"] {
			t.Errorf("two options have the challenge %v", a["challenge"])
		}
	})
}

func TestServer_ServerAuthenticatorAssertionResponse_Resp_1(t *testing.T) {
	x := newConfTool(t, nil)
	const inv = webauthn.ExceptionInvalidParameter
	e := func(edit func(m, resp map[string]any)) func(x *confTool, c *confCred, ch []byte) any {
		return asserting(upuv, edit)
	}
	x.runAuth(t, []authCase{
		{"P-1", "", "", e(nil)},
		{"F-1", inv, "", e(func(m, _ map[string]any) { delete(m, "id") })},
		{"F-2", inv, "", e(func(m, _ map[string]any) { m["id"] = 12345 })},
		{"F-3", inv, "", e(func(m, _ map[string]any) { m["id"] = "not*base64url" })},
		{"F-4", inv, "", e(func(m, _ map[string]any) { delete(m, "type") })},
		{"F-5", inv, "", e(func(m, _ map[string]any) { m["type"] = 1 })},
		{"F-6", inv, "", e(func(m, _ map[string]any) { m["type"] = "private-key" })},
		{"F-7", inv, "", e(func(m, _ map[string]any) { delete(m, "response") })},
		{"F-8", inv, "", e(func(m, _ map[string]any) { m["response"] = "response" })},
		{"F-9", inv, "", e(func(_, r map[string]any) { delete(r, "clientDataJSON") })},
		{"F-10", inv, "", e(func(_, r map[string]any) { r["clientDataJSON"] = true })},
		{"F-11", inv, "", e(func(_, r map[string]any) { r["clientDataJSON"] = "" })},
		{"F-12", inv, "", e(func(_, r map[string]any) { delete(r, "authenticatorData") })},
		{"F-13", inv, "", e(func(_, r map[string]any) { r["authenticatorData"] = 1 })},
		{"F-14", inv, "", e(func(_, r map[string]any) { r["authenticatorData"] = "not*base64url" })},
		{"F-15", inv, "", e(func(_, r map[string]any) { r["authenticatorData"] = "" })},
		{"F-16", inv, "", e(func(_, r map[string]any) { delete(r, "signature") })},
		{"F-17", inv, "", e(func(_, r map[string]any) { r["signature"] = map[string]any{} })},
		{"F-18", inv, "", e(func(_, r map[string]any) { r["signature"] = "not*base64url" })},
		{"F-19", "§7.2 step 21", "", e(func(_, r map[string]any) { r["signature"] = "" })},
		{"F-20", "§7.2 step 21", "", func(x *confTool, c *confCred, ch []byte) any {
			s := upuv
			s.signedHash = x.f.Bytes("not the signed data", 32)
			m := assertion(c, ch, &s)
			r := m["response"].(map[string]any)
			sig, _ := base64.RawURLEncoding.DecodeString(r["signature"].(string))
			sig[len(sig)-2] ^= 0x01
			r["signature"] = b64u(sig)
			return m
		}},
		{"F-21", inv, "", e(func(_, r map[string]any) { r["userHandle"] = 42 })},
	})
}

func TestServer_ServerAuthenticatorAssertionResponse_Resp_2(t *testing.T) {
	x := newConfTool(t, nil)
	build := func(members func(ch string) string) func(x *confTool, ch []byte) any {
		return func(x *confTool, ch []byte) any {
			s := upuv
			s.clientData = members
			return assertion(x.authCred, ch, &s)
		}
	}
	var cases []authCase
	for _, c := range clientDataCases("webauthn.get", "webauthn.create", build, webauthn.ExceptionChallengeNotFound, "§7.2 step 12") {
		cases = append(cases, authCase{id: c.id, want: c.want, build: func(x *confTool, cred *confCred, ch []byte) any {
			x.authCred = cred
			return c.build(x, ch)
		}})
	}
	x.runAuth(t, cases)
}

func TestServer_ServerAuthenticatorAssertionResponse_Resp_3(t *testing.T) {
	x := newConfTool(t, nil)
	spec := func(flags byte, edit func(*assertionSpec)) assertionSpec {
		s := assertionSpec{flags: flags, signCount: 1}
		if edit != nil {
			edit(&s)
		}
		return s
	}
	const up, uv = forge.FlagUP, forge.FlagUV
	// P-2 and P-6 (UV without UP), P-4 and P-7 (neither) are refused at
	// §7.2 step 16, which requires UP: see the report of issue 22.
	x.runAuth(t, []authCase{
		{"P-3", "", "required", asserting(spec(up|uv, nil), nil)},
		{"P-5", "", "discouraged", asserting(spec(up, nil), nil)},
		{"P-8", "", "", asserting(spec(up|uv, func(s *assertionSpec) { s.ext = forge.Marshal(map[string]any{"example.extension": true}) }), nil)},
		{"F-1", webauthn.ExceptionInvalidParameter, "", asserting(spec(up|uv, func(s *assertionSpec) { s.trailing = []byte{0x00, 0x01} }), nil)},
		{"F-2", webauthn.ExceptionRelyingPartyMismatch, "", asserting(spec(up|uv, func(s *assertionSpec) {
			h := sha256.Sum256([]byte("example.com"))
			s.rpIDHash = h[:]
		}), nil)},
		{"F-3", "§7.2 step 21", "", func(x *confTool, c *confCred, ch []byte) any {
			s := spec(up|uv, nil)
			s.signedHash = x.f.Bytes("an invalid clientDataHash", 32)
			return assertion(c, ch, &s)
		}},
		{"F-5", "§7.2 step 17", "required", asserting(spec(up, nil), nil)},
	})
	// P-1: an authenticator without a counter (always 0) signs in twice.
	// F-4: an authenticator with a counter repeats it.
	for _, tc := range []struct {
		id, want string
		first    uint32
	}{{"P-1", "", 0}, {"F-4", webauthn.ExceptionNotAuthorized + ": §7.2 step 22", 5}} {
		t.Run(tc.id, func(t *testing.T) {
			x.t = t
			c := x.registerCred()
			for i, want := range []string{"", tc.want} {
				ch, _ := x.getOptions(c, "")
				status, got := x.send("/assertion/result", assertion(c, ch, &assertionSpec{flags: up | uv, signCount: tc.first}))
				if t.Run("assertion "+strconv.Itoa(i+1), func(t *testing.T) { wantVerdict(t, want, status, got) }) == false {
					return
				}
			}
		})
	}
}
