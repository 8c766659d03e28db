package webauthnhttp

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/ceremony"
	"github.com/passkeykit/webauthn/internal/jsonx"
)

func TestNormalizeCredential(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"rawId added", `{"id":"AAEC","type":"public-key"}`, `{"id":"AAEC","type":"public-key","rawId":"AAEC"}`},
		{"rawId kept", `{"id":"AAEC","rawId":"AAED"}`, `{"id":"AAEC","rawId":"AAED"}`},
		{"renamed", `{"rawId":"AA","id":"AA","getClientExtensionResults":{"a":1}}`, `{"rawId":"AA","id":"AA","clientExtensionResults":{"a":1}}`},
		{"both names kept", `{"rawId":"AA","id":"AA","getClientExtensionResults":{},"clientExtensionResults":{"b":2}}`, `{"rawId":"AA","id":"AA","getClientExtensionResults":{},"clientExtensionResults":{"b":2}}`},
		{"escaped name", `{"\u0069d":"AA"}`, `{"\u0069d":"AA","rawId":"AA"}`},
		{"rename and add", ` { "id" : "AA" , "getClientExtensionResults" : { } } `, `{"id":"AA","clientExtensionResults":{ },"rawId":"AA"}`},
		{"id not a string", `{"id":12}`, `{"id":12}`},
		{"no id", `{"type":"public-key"}`, `{"type":"public-key"}`},
		{"malformed", `{"id":"AA",}`, `{"id":"AA",}`},
		{"duplicate", `{"id":"AA","id":"AB"}`, `{"id":"AA","id":"AB"}`},
		{"trailing", `{"id":"AA"} x`, `{"id":"AA"} x`},
		{"not an object", `["id"]`, `["id"]`},
		{"empty", ``, ``},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(normalizeCredential([]byte(tc.in))); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

// FuzzNormalizeCredential: the output is the input, or a well-formed
// object with the input's members (one renamed) and at most a rawId more,
// which normalizes to itself.
func FuzzNormalizeCredential(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "conformance", "*.json"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		out := normalizeCredential(in)
		if bytes.Equal(out, in) {
			return
		}
		if !jsonx.Valid(out) {
			t.Fatalf("%q -> invalid %q", in, out)
		}
		var a, b map[string]json.RawMessage
		if json.Unmarshal(in, &a) != nil || json.Unmarshal(out, &b) != nil {
			t.Fatalf("%q -> %q", in, out)
		}
		if v, ok := a["getClientExtensionResults"]; ok && a["clientExtensionResults"] == nil {
			delete(a, "getClientExtensionResults")
			a["clientExtensionResults"] = v
		}
		if id, ok := a["id"]; ok && a["rawId"] == nil && bytes.HasPrefix(id, []byte(`"`)) {
			a["rawId"] = id
		}
		if len(a) != len(b) {
			t.Fatalf("%q -> %q", in, out)
		}
		for k, v := range a {
			if !jsonEqual(v, b[k]) {
				t.Fatalf("%q -> %q: member %s", in, out, k)
			}
		}
		if again := normalizeCredential(out); !bytes.Equal(again, out) {
			t.Fatalf("not idempotent: %q -> %q", out, again)
		}
	})
}

func jsonEqual(a, b []byte) bool {
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && reflect.DeepEqual(x, y)
}

func TestParseConformanceRequests(t *testing.T) {
	var q creationOptionsRequest
	body := `{"username":"u","displayName":"U","attestation":"enterprise","unknown":[1,{"a":2}],` +
		`"authenticatorSelection":{"authenticatorAttachment":"platform","requireResidentKey":true,"userVerification":"required","future":null},` +
		`"extensions":{"example.extension":"x"}}`
	if err := parseCreationOptionsRequest([]byte(body), &q); err != nil {
		t.Fatal(err)
	}
	if q.username != "u" || q.displayName != "U" || q.attestation != ceremony.ConveyanceEnterprise || q.attachment != ceremony.AttachmentPlatform ||
		q.residentKeyAsked() != ceremony.ResidentKeyRequired || q.userVerification != ceremony.UserVerificationRequired || string(q.extensions) != `{"example.extension":"x"}` {
		t.Fatalf("%+v", q)
	}
	for _, tc := range []struct {
		sel  string
		want ceremony.ResidentKey
	}{{`{}`, ceremony.ResidentKeyDiscouraged}, {`{"requireResidentKey":false}`, ceremony.ResidentKeyDiscouraged}, {`{"residentKey":"preferred","requireResidentKey":true}`, ceremony.ResidentKeyPreferred}} {
		var q creationOptionsRequest
		if err := parseCreationOptionsRequest([]byte(`{"username":"u","authenticatorSelection":`+tc.sel+`}`), &q); err != nil || q.residentKeyAsked() != tc.want {
			t.Errorf("%s: %v %v", tc.sel, q.residentKeyAsked(), err)
		}
	}
	for _, bad := range []string{
		`{"displayName":"no username"}`,
		`{"username":""}`,
		`{"username":"u","username":"v"}`,
		`{"username":"u","attestation":"Direct"}`,
		`{"username":"u","extensions":[]}`,
		`{"username":"u","authenticatorSelection":{"requireResidentKey":"yes"}}`,
		`{"username":"u","authenticatorSelection":{"userVerification":"always"}}`,
		`{"username":"u","authenticatorSelection":{"a":1,"a":2}}`,
		`{"username":"u","authenticatorSelection":[]}`,
		`{"username":"u","unknown":{"a":1,"a":2}}`,
		`{"username":"` + strings.Repeat("a", maxUserNameSize+1) + `"}`,
		`{"username":"u"} {}`,
	} {
		var q creationOptionsRequest
		if err := parseCreationOptionsRequest([]byte(bad), &q); webauthn.ExceptionName(err) != webauthn.ExceptionInvalidParameter {
			t.Errorf("%s: %v", bad, err)
		}
	}
	var g getOptionsRequest
	if err := parseGetOptionsRequest([]byte(`{"username":"u","userVerification":"discouraged","extensions":{},"authenticatorSelection":{}}`), &g); err != nil ||
		g.username != "u" || g.userVerification != ceremony.UserVerificationDiscouraged || string(g.extensions) != `{}` {
		t.Fatalf("%+v %v", g, err)
	}
	for _, bad := range []string{`{}`, `{"username":"u","userVerification":"sometimes"}`, `{"username":1}`} {
		var g getOptionsRequest
		if err := parseGetOptionsRequest([]byte(bad), &g); webauthn.ExceptionName(err) != webauthn.ExceptionInvalidParameter {
			t.Errorf("%s: %v", bad, err)
		}
	}
}

// TestConformanceSessionsBound: MaxConformanceSessions sessions are
// remembered; one more forgets the oldest, whose result then fails as a
// ceremony never started does.
func TestConformanceSessionsBound(t *testing.T) {
	h := newConfHandler(t, nil, nil)
	for i := range MaxConformanceSessions + 1 {
		h.remember("session "+strconv.Itoa(i), func(p *conformancePending) { p.regName, p.hasReg = strconv.Itoa(i), true })
	}
	if len(h.pending) != MaxConformanceSessions || len(h.order) != MaxConformanceSessions {
		t.Fatalf("%d sessions held, %d in order", len(h.pending), len(h.order))
	}
	if _, ok := h.recall("session 0"); ok {
		t.Error("the oldest session is still remembered")
	}
	if p, ok := h.recall("session " + strconv.Itoa(MaxConformanceSessions)); !ok || p.regName != strconv.Itoa(MaxConformanceSessions) {
		t.Errorf("the newest session: %+v %v", p, ok)
	}
	// A result in a session that started nothing fails.
	c := &confClient{t: t, h: h}
	status, got := c.post("/attestation/options", []byte(`{"username":"u"}`))
	if status != 200 {
		t.Fatal(got)
	}
	status, got = c.post("/assertion/result", confFile(t, "assertion-result.request.json"))
	wantFailure(t, "assertion-result.error.json", status, got, webauthn.ExceptionChallengeNotFound, "started no authentication")
	status, got = (&confClient{t: t, h: h}).post("/attestation/result", confFile(t, "attestation-result.request.json"))
	wantFailure(t, "attestation-result.error.json", status, got, webauthn.ExceptionChallengeNotFound, "no session cookie")
}

func TestNewConformanceHandlerMetadata(t *testing.T) {
	meta := &ConformanceMetadata{Require: true}
	rp := &webauthn.RelyingParty{RPID: confRPID, Origins: []string{confOrigin}}
	if _, err := NewConformanceHandler(rp, &ConformanceOptions{Metadata: meta}); err == nil {
		t.Error("Metadata that is not the RelyingParty's anchors accepted")
	}
	rp.Attestation.Anchors = meta
	if _, err := NewConformanceHandler(rp, &ConformanceOptions{Metadata: meta}); err != nil {
		t.Error(err)
	}
	if _, err := NewConformanceHandler(nil, &ConformanceOptions{Metadata: meta}); err == nil {
		t.Error("nil RelyingParty with Metadata accepted")
	}
	// A relying party that cannot run a ceremony answers every endpoint.
	h, err := NewConformanceHandler(&webauthn.RelyingParty{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	status, got := (&confClient{t: t, h: h}).post("/attestation/options", confFile(t, "attestation-options.request.json"))
	if status != 500 || got["status"] != "failed" || !strings.HasPrefix(got["errorMessage"].(string), webauthn.ExceptionConfigurationMissing) {
		t.Errorf("HTTP %d %v", status, got)
	}
}
