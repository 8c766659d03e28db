package webauthnhttp

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/cose"
	"github.com/passkeykit/webauthn/internal/forge"
)

// The tests named TestServer_<group> replay, through ConformanceHandler, the
// server test cases of the FIDO Conformance Tools whose inputs the project's
// forge can produce offline; each subtest is named after the tool's test ID
// within the group (P-n: the tool expects success, F-n: an error) and
// expects the tool's verdict. The IDs and their descriptions are the tools'
// published list (fido-alliance/conformance-test-tools-resources
// docs/FIDO2/Server/README.md at commit 6c4d97a, "Test Items"; later commits
// removed the detail). A failure must also carry the exception or step the
// case aims at, so that a case cannot pass by failing for another reason.

// confTool drives a ConformanceHandler as the tools do: options for a fresh
// username, then a credential built with forge over the server's challenge,
// for RP ID localhost at origin http://localhost:3000, at forge.Now.
type confTool struct {
	t *testing.T
	c *confClient
	f *forge.Forge
	n int
	// authCred is the credential of the assertion case being built.
	authCred *confCred
}

func confRP(meta *ConformanceMetadata) *webauthn.RelyingParty {
	rp := &webauthn.RelyingParty{
		RPID: confRPID, Origins: []string{confOrigin}, RejectSignCountRegression: true,
		Clock: func() time.Time { return forge.Now },
	}
	if meta != nil {
		meta.Clock = rp.Now
		rp.Attestation.Anchors = meta
	}
	return rp
}

func newConfTool(t *testing.T, meta *ConformanceMetadata) *confTool {
	t.Helper()
	h := newConfHandler(t, confRP(meta), &ConformanceOptions{Metadata: meta})
	return &confTool{t: t, c: &confClient{t: t, h: h}, f: forge.New("conformance tools")}
}

func b64u(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// regOptions asks for creation options for a fresh username, as the tools'
// getMakeCredentialsChallenge does (attestation "direct" and the tools'
// example extension unless body says otherwise), and returns the challenge
// and the options.
func (x *confTool) regOptions(body string) ([]byte, map[string]any) {
	x.t.Helper()
	x.n++
	if body == "" {
		body = `{"username":"user` + strconv.Itoa(x.n) + `","displayName":"User ` + strconv.Itoa(x.n) +
			`","attestation":"direct","extensions":{"example.extension":"In a hole in the ground there lived a hobbit"}}`
	}
	status, o := x.c.post("/attestation/options", []byte(body))
	if status != 200 {
		x.t.Fatalf("options: HTTP %d %v", status, o)
	}
	ch, err := base64.RawURLEncoding.DecodeString(o["challenge"].(string))
	if err != nil {
		x.t.Fatal(err)
	}
	return ch, o
}

// reg is a forge registration of a credential with algorithm alg over the
// server's challenge ch; its key and credential ID are new for every
// options request.
func (x *confTool) reg(ch []byte, label string, alg cose.Algorithm) *forge.Registration {
	label += "/" + strconv.Itoa(x.n)
	r := x.f.Registration(label, x.f.Key(label, alg))
	r.AuthData.RPID = confRPID
	r.ClientData = forge.ClientData{Type: "webauthn.create", Challenge: ch, Origin: confOrigin}
	return r
}

// regCredential is the ServerPublicKeyCredential the tools send: no rawId,
// getClientExtensionResults.
func regCredential(id, clientDataJSON, attestationObject []byte) map[string]any {
	return map[string]any{
		"id":   b64u(id),
		"type": "public-key",
		"response": map[string]any{
			"clientDataJSON":    b64u(clientDataJSON),
			"attestationObject": b64u(attestationObject),
		},
		"getClientExtensionResults": map[string]any{},
	}
}

// credentialOf is regCredential of r with attestationObject obj.
func credentialOf(r *forge.Registration, obj []byte) map[string]any {
	return regCredential(r.AuthData.CredentialID, r.ClientDataJSON(), obj)
}

// packedSelf is a valid packed self attestation of r.
func packedSelf(r *forge.Registration) []byte { return r.Object("packed", r.PackedSelf()) }

// send posts cred to path and returns the answer.
func (x *confTool) send(path string, cred any) (int, map[string]any) {
	x.t.Helper()
	b, err := json.Marshal(cred)
	if err != nil {
		x.t.Fatal(err)
	}
	return x.c.post(path, b)
}

// wantVerdict requires the tool's verdict: success for want "" (a P case),
// else a failed 4xx ServerResponse whose errorMessage contains want.
func wantVerdict(t *testing.T, want string, status int, got map[string]any) {
	t.Helper()
	if want == "" {
		if status != 200 || got["status"] != "ok" || got["errorMessage"] != "" {
			t.Fatalf("HTTP %d %v, want the tool's P verdict (ok)", status, got)
		}
		return
	}
	msg, _ := got["errorMessage"].(string)
	if status < 400 || status > 499 || got["status"] != "failed" || !strings.Contains(msg, want) {
		t.Fatalf("HTTP %d %v, want the tool's F verdict: a 4xx failure naming %q", status, got, want)
	}
}

// regCase is a registration test case: build returns the credential sent
// for the challenge ch.
type regCase struct {
	id, want string
	build    func(x *confTool, ch []byte) any
}

func (x *confTool) runReg(t *testing.T, cases []regCase) {
	for _, c := range cases {
		t.Run(c.id, func(t *testing.T) {
			x.t = t
			ch, _ := x.regOptions("")
			status, got := x.send("/attestation/result", c.build(x, ch))
			wantVerdict(t, c.want, status, got)
		})
	}
}

// selfWith is a packed self registration of an ES256 credential, with
// edit applied to the credential JSON.
func selfWith(edit func(m map[string]any, resp map[string]any)) func(x *confTool, ch []byte) any {
	return func(x *confTool, ch []byte) any {
		r := x.reg(ch, "self", cose.ES256)
		m := credentialOf(r, packedSelf(r))
		if edit != nil {
			edit(m, m["response"].(map[string]any))
		}
		return m
	}
}

func TestServer_ServerPublicKeyCredentialCreationOptions_Req_1(t *testing.T) {
	x := newConfTool(t, nil)
	t.Run("P-1", func(t *testing.T) {
		x.t = t
		_, o := x.regOptions("")
		if o["status"] != "ok" || o["errorMessage"] != "" {
			t.Errorf("status %v errorMessage %q", o["status"], o["errorMessage"])
		}
		user, _ := o["user"].(map[string]any)
		id, err := base64.RawURLEncoding.DecodeString(user["id"].(string))
		if _, ok := user["name"].(string); !ok || err != nil || len(id) == 0 || len(id) > 64 {
			t.Errorf("user %v", user)
		}
		if _, ok := user["displayName"].(string); !ok {
			t.Errorf("user.displayName %v", user)
		}
		rp, _ := o["rp"].(map[string]any)
		if _, ok := rp["name"].(string); !ok || rp["id"] != confRPID {
			t.Errorf("rp %v", rp)
		}
		wantChallenge(t, o["challenge"])
		if !slicesContainAlg(o["pubKeyCredParams"], float64(cose.ES256)) {
			t.Errorf("pubKeyCredParams %v", o["pubKeyCredParams"])
		}
		for _, p := range o["pubKeyCredParams"].([]any) {
			m := p.(map[string]any)
			if _, ok := m["alg"].(float64); !ok || m["type"] != "public-key" {
				t.Errorf("pubKeyCredParams member %v", m)
			}
		}
		if to, ok := o["timeout"].(float64); !ok || to <= 0 {
			t.Errorf("timeout %v", o["timeout"])
		}
		if ext, _ := o["extensions"].(map[string]any); ext["example.extension"] != "In a hole in the ground there lived a hobbit" {
			t.Errorf("extensions %v", o["extensions"])
		}
	})
	t.Run("P-2", func(t *testing.T) {
		x.t = t
		_, o := x.regOptions(`{"username":"none-user","displayName":"None","attestation":"none"}`)
		if o["attestation"] != "none" {
			t.Errorf("attestation %v, want none", o["attestation"])
		}
	})
	t.Run("P-3", func(t *testing.T) {
		x.t = t
		_, a := x.regOptions("")
		_, b := x.regOptions("")
		if a["challenge"] == b["challenge"] {
			t.Errorf("two options have the challenge %v", a["challenge"])
		}
	})
}

func TestServer_ServerAuthenticatorAttestationResponse_Resp_1(t *testing.T) {
	x := newConfTool(t, nil)
	t.Run("P-1", func(t *testing.T) {
		x.t = t
		body := `{"username":"again","displayName":"Again","attestation":"direct"}`
		ch, _ := x.regOptions(body)
		r := x.reg(ch, "resp-1-p-1", cose.ES256)
		status, got := x.send("/attestation/result", credentialOf(r, packedSelf(r)))
		wantVerdict(t, "", status, got)
		_, o := x.regOptions(body)
		ex, _ := o["excludeCredentials"].([]any)
		if len(ex) != 1 || ex[0].(map[string]any)["type"] != "public-key" || ex[0].(map[string]any)["id"] != b64u(r.AuthData.CredentialID) {
			t.Fatalf("excludeCredentials %v, want the credential registered", o["excludeCredentials"])
		}
	})
	const inv = webauthn.ExceptionInvalidParameter
	x.runReg(t, []regCase{
		{"F-1", inv, selfWith(func(m, _ map[string]any) { delete(m, "id") })},
		{"F-2", inv, selfWith(func(m, _ map[string]any) { m["id"] = 12345 })},
		{"F-3", inv, selfWith(func(m, _ map[string]any) { m["id"] = "not*base64url" })},
		{"F-4", inv, selfWith(func(m, _ map[string]any) { delete(m, "type") })},
		{"F-5", inv, selfWith(func(m, _ map[string]any) { m["type"] = 1 })},
		{"F-6", inv, selfWith(func(m, _ map[string]any) { m["type"] = "private-key" })},
		{"F-7", inv, selfWith(func(m, _ map[string]any) { delete(m, "response") })},
		{"F-8", inv, selfWith(func(m, _ map[string]any) { m["response"] = "response" })},
		{"F-9", inv, selfWith(func(_, r map[string]any) { delete(r, "clientDataJSON") })},
		{"F-10", inv, selfWith(func(_, r map[string]any) { r["clientDataJSON"] = true })},
		{"F-11", inv, selfWith(func(_, r map[string]any) { r["clientDataJSON"] = "" })},
		{"F-12", inv, selfWith(func(_, r map[string]any) { delete(r, "attestationObject") })},
		{"F-13", inv, selfWith(func(_, r map[string]any) { r["attestationObject"] = map[string]any{} })},
		{"F-14", inv, selfWith(func(_, r map[string]any) { r["attestationObject"] = "" })},
	})
}

// clientDataCase builds a packed self registration whose clientDataJSON is
// the members given (ch is the challenge in base64url), signed over that
// clientDataJSON as an authenticator would.
func clientDataCase(members func(ch string) string) func(x *confTool, ch []byte) any {
	return func(x *confTool, ch []byte) any {
		r := x.reg(ch, "client-data", cose.ES256)
		cdj := []byte("{" + members(b64u(ch)) + "}")
		h := sha256.Sum256(cdj)
		ad := r.AuthDataBytes()
		obj := r.Object("packed", forge.Stmt{"alg": int64(cose.ES256), "sig": r.Cred.Sign(ad, h[:])})
		return regCredential(r.AuthData.CredentialID, cdj, obj)
	}
}

// cd joins the clientDataJSON members: type t, challenge c, origin o (each
// a JSON member text, or "" to leave it out), and more.
func cd(t, c, o string, more ...string) string {
	var parts []string
	for _, p := range append([]string{t, c, o}, more...) {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ",")
}

// clientDataCases are the CollectClientData cases of both ceremonies
// (Resp-2 of each): typ is the ceremony's type, other the other one.
func clientDataCases(typ, other string, build func(members func(ch string) string) func(x *confTool, ch []byte) any, challengeStep, originStep string) []regCase {
	t := func(v string) string { return `"type":` + v }
	c := func(v string) string { return `"challenge":` + v }
	o := func(v string) string { return `"origin":` + v }
	ok := func(ch string) (string, string, string) {
		return t(strconv.Quote(typ)), c(strconv.Quote(ch)), o(strconv.Quote(confOrigin))
	}
	const inv = webauthn.ExceptionInvalidParameter
	with := func(f func(ch string) string) func(x *confTool, ch []byte) any { return build(f) }
	return []regCase{
		{"F-1", inv, with(func(ch string) string { _, cc, oo := ok(ch); return cd("", cc, oo) })},
		{"F-2", inv, with(func(ch string) string { _, cc, oo := ok(ch); return cd(t("1"), cc, oo) })},
		{"F-3", inv, with(func(ch string) string { _, cc, oo := ok(ch); return cd(t(`""`), cc, oo) })},
		{"F-4", inv, with(func(ch string) string { _, cc, oo := ok(ch); return cd(t(`"webauthn.other"`), cc, oo) })},
		{"F-5", inv, with(func(ch string) string { _, cc, oo := ok(ch); return cd(t(strconv.Quote(other)), cc, oo) })},
		{"F-6", inv, with(func(ch string) string { tt, _, oo := ok(ch); return cd(tt, "", oo) })},
		{"F-7", inv, with(func(ch string) string { tt, _, oo := ok(ch); return cd(tt, c("42"), oo) })},
		{"F-8", challengeStep, with(func(ch string) string { tt, _, oo := ok(ch); return cd(tt, c(`""`), oo) })},
		{"F-9", challengeStep, with(func(ch string) string { tt, _, oo := ok(ch); return cd(tt, c(strconv.Quote(ch[:10]+"+/"+ch[12:])), oo) })},
		{"F-10", challengeStep, with(func(ch string) string {
			tt, _, oo := ok(ch)
			return cd(tt, c(strconv.Quote(b64u([]byte("a challenge the server never issued")))), oo)
		})},
		{"F-11", inv, with(func(ch string) string { tt, cc, _ := ok(ch); return cd(tt, cc, "") })},
		{"F-12", inv, with(func(ch string) string { tt, cc, _ := ok(ch); return cd(tt, cc, o("3000")) })},
		{"F-13", originStep, with(func(ch string) string { tt, cc, _ := ok(ch); return cd(tt, cc, o(`""`)) })},
		{"F-14", originStep, with(func(ch string) string { tt, cc, _ := ok(ch); return cd(tt, cc, o(`"https://evil.localhost:3000"`)) })},
	}
}

func TestServer_ServerAuthenticatorAttestationResponse_Resp_2(t *testing.T) {
	x := newConfTool(t, nil)
	x.runReg(t, clientDataCases("webauthn.create", "webauthn.get", clientDataCase, webauthn.ExceptionChallengeNotFound, "§7.1 step 9"))
}

// objectCase builds a registration whose attestationObject is obj(r).
func objectCase(obj func(x *confTool, r *forge.Registration) []byte) func(x *confTool, ch []byte) any {
	return func(x *confTool, ch []byte) any {
		r := x.reg(ch, "object", cose.ES256)
		return credentialOf(r, obj(x, r))
	}
}

// selfStmtObject is a packed attestation object over r's data whose
// statement edit changed.
func selfStmtObject(edit func(s forge.Stmt)) func(x *confTool, r *forge.Registration) []byte {
	return func(_ *confTool, r *forge.Registration) []byte {
		s := r.PackedSelf()
		edit(s)
		return r.Object("packed", s)
	}
}

func TestServer_ServerAuthenticatorAttestationResponse_Resp_3(t *testing.T) {
	x := newConfTool(t, nil)
	const inv, unsup = webauthn.ExceptionInvalidParameter, webauthn.ExceptionCredentialNotSupported
	m := func(v map[string]any) []byte { return forge.Marshal(v) }
	authDataWith := func(edit func(a *forge.AuthData)) func(x *confTool, r *forge.Registration) []byte {
		return func(_ *confTool, r *forge.Registration) []byte {
			edit(&r.AuthData)
			return packedSelf(r)
		}
	}
	x.runReg(t, []regCase{
		{"P-1", "", objectCase(authDataWith(func(a *forge.AuthData) {
			a.Extensions = forge.Marshal(map[string]any{"credProtect": 1})
		}))},
		{"F-1", inv, func(x *confTool, ch []byte) any {
			r := x.reg(ch, "object", cose.ES256)
			cred := credentialOf(r, packedSelf(r))
			resp := cred["response"].(map[string]any)
			resp["attestationObject"] = "QmlsYm8gQmFnZ2lucw" + resp["attestationObject"].(string)
			return cred
		}},
		{"F-2", inv, objectCase(func(_ *confTool, r *forge.Registration) []byte {
			return m(map[string]any{"attStmt": map[string]any(r.PackedSelf()), "authData": r.AuthDataBytes()})
		})},
		{"F-3", inv, objectCase(func(_ *confTool, r *forge.Registration) []byte {
			return m(map[string]any{"fmt": 1, "attStmt": map[string]any(r.PackedSelf()), "authData": r.AuthDataBytes()})
		})},
		{"F-4", inv, objectCase(func(_ *confTool, r *forge.Registration) []byte {
			return m(map[string]any{"fmt": "packed", "authData": r.AuthDataBytes()})
		})},
		{"F-5", inv, objectCase(func(_ *confTool, r *forge.Registration) []byte {
			return m(map[string]any{"fmt": "packed", "attStmt": "attStmt", "authData": r.AuthDataBytes()})
		})},
		{"F-6", inv, objectCase(func(_ *confTool, r *forge.Registration) []byte {
			return m(map[string]any{"fmt": "packed", "attStmt": map[string]any(r.PackedSelf())})
		})},
		{"F-7", inv, objectCase(func(_ *confTool, r *forge.Registration) []byte {
			return m(map[string]any{"fmt": "packed", "attStmt": map[string]any(r.PackedSelf()), "authData": b64u(r.AuthDataBytes())})
		})},
		{"F-8", inv, objectCase(func(_ *confTool, r *forge.Registration) []byte {
			return m(map[string]any{"fmt": "packed", "attStmt": map[string]any(r.PackedSelf()), "authData": []byte{}})
		})},
		{"F-9", inv, objectCase(authDataWith(func(a *forge.AuthData) { a.ExactFlags, a.Flags = true, forge.FlagUP|forge.FlagUV }))},
		{"F-10", inv, objectCase(authDataWith(func(a *forge.AuthData) { a.CredentialKey = nil }))},
		{"F-11", inv, objectCase(authDataWith(func(a *forge.AuthData) {
			a.CredentialKey, a.ExactFlags, a.Flags = nil, true, forge.FlagUP|forge.FlagUV|forge.FlagAT
		}))},
		{"F-12", inv, objectCase(func(_ *confTool, r *forge.Registration) []byte {
			ad := append(r.AuthDataBytes(), 0x00, 0x01, 0x02)
			h := r.ClientDataHash()
			return forge.Object("packed", forge.Stmt{"alg": int64(cose.ES256), "sig": r.Cred.Sign(ad, h)}, ad)
		})},
		{"F-13", unsup, objectCase(selfStmtObject(func(s forge.Stmt) { delete(s, "alg"); delete(s, "sig") }))},
		{"F-14", unsup, objectCase(selfStmtObject(func(s forge.Stmt) { delete(s, "alg") }))},
		{"F-15", unsup, objectCase(selfStmtObject(func(s forge.Stmt) { s["alg"] = "ES256" }))},
		{"F-16", unsup, objectCase(selfStmtObject(func(s forge.Stmt) { s["alg"] = int64(cose.RS256) }))},
		{"F-17", unsup, objectCase(selfStmtObject(func(s forge.Stmt) { delete(s, "sig") }))},
		{"F-18", unsup, objectCase(selfStmtObject(func(s forge.Stmt) { s["sig"] = "signature" }))},
		{"F-19", unsup, objectCase(selfStmtObject(func(s forge.Stmt) { s["sig"] = []byte{} }))},
	})
}
