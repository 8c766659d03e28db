package webauthnhttp

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/passkeykit/webauthn"
)

// The files under testdata/conformance are the examples of the FIDO
// Conformance Test API document (fido-alliance/conformance-test-tools-resources
// docs/FIDO2/Server/Conformance-Test-API.md, as of commit f68af0a), one JSON
// block per file, verbatim; assertion-result.sample-call.request.json is the
// body of its "Sample Call" for /assertion/result, which has no
// getClientExtensionResults. The document's registration and assertion
// examples are one fido-u2f credential for RP ID "localhost" at origin
// http://localhost:3000, so they replay against a server whose challenge
// source yields the examples' challenges.

const (
	confRPID   = "localhost"
	confOrigin = "http://localhost:3000"
	// The challenges of the document's attestation and assertion examples
	// (in their clientDataJSON): 32 bytes each, as Lifecycle issues.
	docRegChallenge  = "NxyZopwVKbFl7EnnMae_5Fnir7QJ7QWp1UFUKjFHlfk"
	docAuthChallenge = "xdj0CBfX692qsATpy0kNc8533JdvdLUpqYP8wDTX_ZE"
)

func confFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "conformance", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func confJSON(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%v in %s", err, b)
	}
	return m
}

// confClient is one tool session: it keeps the cookies the server sets.
type confClient struct {
	t       *testing.T
	h       *ConformanceHandler
	cookies []*http.Cookie
}

func newConfHandler(t *testing.T, rp *webauthn.RelyingParty, opts *ConformanceOptions) *ConformanceHandler {
	t.Helper()
	if rp == nil {
		rp = &webauthn.RelyingParty{RPID: confRPID, Origins: []string{confOrigin}, RejectSignCountRegression: true}
	}
	if opts == nil {
		opts = &ConformanceOptions{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	h, err := NewConformanceHandler(rp, opts)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func (c *confClient) post(path string, body []byte) (int, map[string]any) {
	c.t.Helper()
	req := httptest.NewRequest("POST", path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for _, k := range c.cookies {
		req.AddCookie(k)
	}
	w := httptest.NewRecorder()
	c.h.ServeHTTP(w, req)
	res := w.Result()
	c.cookies = append(c.cookies, res.Cookies()...)
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, confJSON(c.t, raw)
}

// challengeNext makes the handler's next challenge the base64url value s;
// later ones are random.
func (c *confClient) challengeNext(s string) {
	c.t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		c.t.Fatal(err)
	}
	c.h.base.lc.Rand = io.MultiReader(bytes.NewReader(b), rand.Reader)
}

// sameShape requires got to have every member of want, recursively, with a
// value of the same JSON type; an array's elements take the shape of want's
// first element, and a non-empty array in want needs a non-empty one in got.
func sameShape(t *testing.T, path string, want, got any) {
	t.Helper()
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			t.Errorf("%s: %T, want an object", path, got)
			return
		}
		for k, v := range w {
			gv, ok := g[k]
			if !ok {
				t.Errorf("%s.%s is missing", path, k)
				continue
			}
			sameShape(t, path+"."+k, v, gv)
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(w) > 0 && len(g) == 0 {
			t.Errorf("%s: %v, want a non-empty array like %v", path, got, want)
			return
		}
		for i, gv := range g {
			if len(w) > 0 {
				sameShape(t, path+"[]", w[0], gv)
			}
			_ = i
		}
	default:
		if reflect.TypeOf(want) != reflect.TypeOf(got) {
			t.Errorf("%s: %v (%T), want a %T like %v", path, got, got, want, want)
		}
	}
}

// wantEqual requires the members of got named by paths ("a.b") to equal want's.
func wantEqual(t *testing.T, want, got map[string]any, paths ...string) {
	t.Helper()
	for _, p := range paths {
		w, g := any(want), any(got)
		for _, k := range strings.Split(p, ".") {
			w, g = w.(map[string]any)[k], g.(map[string]any)[k]
		}
		if !reflect.DeepEqual(w, g) {
			t.Errorf("%s = %v, want %v", p, g, w)
		}
	}
}

// wantChallenge requires a base64url challenge of 16 to 64 bytes, as the
// API document asks.
func wantChallenge(t *testing.T, v any) {
	t.Helper()
	s, _ := v.(string)
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) < 16 || len(b) > 64 {
		t.Errorf("challenge %v: %d bytes, %v", v, len(b), err)
	}
}

// wantFailure requires a 4xx failed ServerResponse shaped like the
// document's error example errFile, whose errorMessage contains every part.
func wantFailure(t *testing.T, errFile string, status int, got map[string]any, parts ...string) {
	t.Helper()
	doc := confJSON(t, confFile(t, errFile))
	if status < 400 || status > 499 || got["status"] != "failed" || len(got) != len(doc) {
		t.Errorf("HTTP %d %v, want a 4xx like %v", status, got, doc)
	}
	sameShape(t, errFile, doc, got)
	msg, _ := got["errorMessage"].(string)
	if msg == "" {
		t.Error("errorMessage is empty")
	}
	for _, p := range parts {
		if !strings.Contains(msg, p) {
			t.Errorf("errorMessage %q lacks %q", msg, p)
		}
	}
}

func wantOK(t *testing.T, okFile string, status int, got map[string]any) {
	t.Helper()
	if want := confJSON(t, confFile(t, okFile)); status != 200 || !reflect.DeepEqual(got, want) {
		t.Fatalf("HTTP %d %v, want 200 %v", status, got, want)
	}
}

// TestConformanceAPIExamples replays every example of the Conformance Test
// API document, in order: the creation options request and response, the
// attestation response and the success answer, the get options request and
// response, the assertion response and the success answer, and each error
// example's shape.
func TestConformanceAPIExamples(t *testing.T) {
	h := newConfHandler(t, nil, &ConformanceOptions{RPName: "Example Corporation"})
	c := &confClient{t: t, h: h}

	// Registration Example: Credential Creation Options.
	optReq := confFile(t, "attestation-options.request.json")
	docOpt := confJSON(t, confFile(t, "attestation-options.response.json"))
	c.challengeNext(docRegChallenge)
	status, got := c.post("/attestation/options", optReq)
	if status != 200 {
		t.Fatalf("HTTP %d %v", status, got)
	}
	delete(docOpt, "excludeCredentials") // a new user has none; checked below
	sameShape(t, "options", docOpt, got)
	wantEqual(t, docOpt, got, "status", "errorMessage", "rp.name", "user.name", "user.displayName", "attestation",
		"authenticatorSelection.requireResidentKey", "authenticatorSelection.authenticatorAttachment", "authenticatorSelection.userVerification")
	wantChallenge(t, got["challenge"])
	if got["challenge"] != docRegChallenge || !slicesContainAlg(got["pubKeyCredParams"], -7) {
		t.Errorf("challenge %v, pubKeyCredParams %v", got["challenge"], got["pubKeyCredParams"])
	}
	if ex, ok := got["excludeCredentials"].([]any); !ok || len(ex) != 0 {
		t.Errorf("excludeCredentials of a new user = %v, want []", got["excludeCredentials"])
	}

	// Registration Example: Authenticator Attestation Response.
	status, got = c.post("/attestation/result", confFile(t, "attestation-result.request.json"))
	wantOK(t, "attestation-result.response.json", status, got)

	// The same user's next options exclude the credential, as the
	// document's response does.
	status, got = c.post("/attestation/options", optReq)
	docOpt = confJSON(t, confFile(t, "attestation-options.response.json"))
	sameShape(t, "options", docOpt, got)
	credID := confJSON(t, confFile(t, "attestation-result.request.json"))["id"]
	if ex, _ := got["excludeCredentials"].([]any); status != 200 || len(ex) != 1 || ex[0].(map[string]any)["id"] != credID {
		t.Errorf("HTTP %d excludeCredentials %v, want the registered %v", status, got["excludeCredentials"], credID)
	}

	// Authentication Example: Credential Get Options.
	getReq := confFile(t, "assertion-options.request.json")
	docGet := confJSON(t, confFile(t, "assertion-options.response.json"))
	c.challengeNext(docAuthChallenge)
	status, got = c.post("/assertion/options", getReq)
	if status != 200 {
		t.Fatalf("HTTP %d %v", status, got)
	}
	sameShape(t, "get options", docGet, got)
	wantEqual(t, docGet, got, "status", "errorMessage", "userVerification")
	wantChallenge(t, got["challenge"])
	if ac, _ := got["allowCredentials"].([]any); got["rpId"] != confRPID || len(ac) != 1 || ac[0].(map[string]any)["id"] != credID {
		t.Errorf("rpId %v allowCredentials %v, want %s and %v", got["rpId"], got["allowCredentials"], confRPID, credID)
	}

	// Authentication Example: Authenticator Assertion Response. Its
	// authenticatorData has UP only (flags 0x01), so after the document's
	// own get options (userVerification "required") the verdict is a
	// failure at §7.2 step 17; after "preferred" it is the document's
	// success answer, with and without getClientExtensionResults.
	assertion := confFile(t, "assertion-result.request.json")
	status, got = c.post("/assertion/result", assertion)
	wantFailure(t, "assertion-result.error.json", status, got, "§7.2 step 17")
	for _, body := range [][]byte{assertion, confFile(t, "assertion-result.sample-call.request.json")} {
		c.challengeNext(docAuthChallenge)
		if status, got = c.post("/assertion/options", []byte(`{"username":"johndoe@example.com","userVerification":"preferred"}`)); status != 200 {
			t.Fatalf("HTTP %d %v", status, got)
		}
		status, got = c.post("/assertion/result", body)
		wantOK(t, "assertion-result.response.json", status, got)
	}
}

func slicesContainAlg(params any, alg float64) bool {
	ps, _ := params.([]any)
	for _, p := range ps {
		if m, _ := p.(map[string]any); m["type"] == "public-key" && m["alg"] == alg {
			return true
		}
	}
	return false
}

// TestConformanceAPIErrorExamples produces each error example of the
// document: a creation options request without username, an attestation
// whose signature does not verify, get options for a user that does not
// exist, and an assertion whose signature does not verify.
func TestConformanceAPIErrorExamples(t *testing.T) {
	h := newConfHandler(t, nil, nil)
	c := &confClient{t: t, h: h}

	status, got := c.post("/attestation/options", []byte(`{"displayName":"John Doe"}`))
	wantFailure(t, "attestation-options.error.json", status, got, webauthn.ExceptionInvalidParameter, "username")

	// The document's attestation with one byte of its signature changed.
	att := confJSON(t, confFile(t, "attestation-result.request.json"))
	resp := att["response"].(map[string]any)
	obj, _ := base64.RawURLEncoding.DecodeString(resp["attestationObject"].(string))
	i := bytes.Index(obj, []byte("csig\x58\x47")) // "sig": bytes(71), an ECDSA DER signature
	if i < 0 {
		t.Fatal("no sig in the example attestationObject")
	}
	obj[i+6+20] ^= 0x01
	resp["attestationObject"] = base64.RawURLEncoding.EncodeToString(obj)
	bad, _ := json.Marshal(att)
	c.challengeNext(docRegChallenge)
	if status, got = c.post("/attestation/options", confFile(t, "attestation-options.request.json")); status != 200 {
		t.Fatalf("HTTP %d %v", status, got)
	}
	status, got = c.post("/attestation/result", bad)
	wantFailure(t, "attestation-result.error.json", status, got, webauthn.ExceptionCredentialNotSupported, "§7.1 step 22")

	status, got = c.post("/assertion/options", []byte(`{"username":"nobody@example.com"}`))
	wantFailure(t, "assertion-options.error.json", status, got, webauthn.ExceptionNotAuthorized, "does not exist")

	// Register the example credential, then send its assertion with one bit
	// of the signature changed.
	c.challengeNext(docRegChallenge)
	c.post("/attestation/options", confFile(t, "attestation-options.request.json"))
	if status, got = c.post("/attestation/result", confFile(t, "attestation-result.request.json")); status != 200 {
		t.Fatalf("HTTP %d %v", status, got)
	}
	as := confJSON(t, confFile(t, "assertion-result.request.json"))
	ar := as["response"].(map[string]any)
	sig, _ := base64.RawURLEncoding.DecodeString(ar["signature"].(string))
	sig[len(sig)-3] ^= 0x01
	ar["signature"] = base64.RawURLEncoding.EncodeToString(sig)
	bad, _ = json.Marshal(as)
	c.challengeNext(docAuthChallenge)
	c.post("/assertion/options", []byte(`{"username":"johndoe@example.com","userVerification":"preferred"}`))
	status, got = c.post("/assertion/result", bad)
	wantFailure(t, "assertion-result.error.json", status, got, webauthn.ExceptionNotAuthorized, "§7.2 step 21")
}
