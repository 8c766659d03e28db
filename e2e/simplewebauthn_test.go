package e2e

// @simplewebauthn/browser, a front-end library this project did not write,
// drives the handler's ceremonies in Chromium: startRegistration (modal and
// conditional create), startAuthentication, sendSignal; and the browser's
// own PublicKeyCredential.parseCreationOptionsFromJSON and
// parseRequestOptionsFromJSON read our options. The package comes from
// e2e/node_modules (cd e2e && npm ci, from the committed package-lock.json)
// and is served to the page by the test's server: nothing is fetched from the
// network at run time.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"

	cdpwebauthn "github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/ceremony"
	"github.com/passkeykit/webauthn/internal/demo"
	"github.com/passkeykit/webauthn/webauthnhttp"
)

// simpleWebAuthnDir is the package's ES module build, as npm ci installs it.
const simpleWebAuthnDir = "node_modules/@simplewebauthn/browser/esm"

var swaBannerOnce sync.Once

// simpleWebAuthn returns the directory of the installed package. Without it
// the test skips loudly, unless CI is set: then it fails.
func simpleWebAuthn(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat(filepath.Join(simpleWebAuthnDir, "index.js")); err != nil {
		msg := "e2e: @simplewebauthn/browser IS NOT INSTALLED (cd e2e && npm ci); the SimpleWebAuthn tests did NOT run: " + err.Error()
		if os.Getenv("CI") != "" {
			t.Fatal(msg + " and CI is set")
		}
		swaBannerOnce.Do(func() { fmt.Fprintln(os.Stderr, "\n!!!!!!!!\n!!! "+msg+"\n!!!!!!!!") })
		t.Skip(msg)
	}
	return simpleWebAuthnDir
}

// newSWASite is newSite with the test page at /swa/ and the package at
// /vendor/simplewebauthn/, under a Content-Security-Policy that lets the page
// load nothing from anywhere but its own origin.
func newSWASite(t *testing.T, pkg string) *site {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	origin := "http://localhost:" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	s := &site{URL: origin + "/swa/", Clock: &clock{}}
	s.RP = &webauthn.RelyingParty{RPID: "localhost", Origins: []string{origin}, Clock: s.Clock.Now}
	s.API = webauthnhttp.NewHandler(s.RP, &webauthnhttp.HandlerOptions{RPName: "passkeykit e2e"})
	m := http.NewServeMux()
	m.Handle("/", demo.Mux(s.API))
	static := func(prefix, dir string) {
		files := http.StripPrefix(prefix, http.FileServer(http.Dir(dir)))
		m.Handle(prefix, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Cache-Control", "no-store")
			w.Header().Set("Content-Security-Policy", "default-src 'self'")
			files.ServeHTTP(w, r)
		}))
	}
	static("/swa/", "testdata/simplewebauthn")
	static("/vendor/simplewebauthn/", pkg)
	s.mux = m
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: s}}
	srv.Start()
	t.Cleanup(srv.Close)
	return s
}

// swaResult is what the page's window.swa functions resolve to.
type swaResult struct {
	OK         bool            `json:"ok"`
	Stage      string          `json:"stage"`
	Status     int             `json:"status"`
	Error      string          `json:"error"`
	Body       json.RawMessage `json:"body"`
	Credential json.RawMessage `json:"credential"`
	Parsed     struct {
		Challenge          string   `json:"challenge"`
		UserID             string   `json:"userId"`
		RPID               string   `json:"rpId"`
		Algorithms         []int64  `json:"algorithms"`
		AllowCredentials   []string `json:"allowCredentials"`
		ExcludeCredentials []string `json:"excludeCredentials"`
		UserVerification   string   `json:"userVerification"`
		ResidentKey        string   `json:"residentKey"`
		Timeout            int64    `json:"timeout"`
	} `json:"parsed"`
}

func (r *swaResult) String() string {
	b, _ := json.Marshal(r)
	return string(b)
}

// exception is the exception of an ErrorBody answer, or "".
func (r *swaResult) exception() string {
	var e webauthnhttp.ErrorBody
	json.Unmarshal(r.Body, &e)
	return e.Exception
}

// swa evaluates expr, a call of window.swa, once the page's module has
// loaded, and returns what it resolves to.
func (a *authenticator) swa(t *testing.T, expr string) *swaResult {
	t.Helper()
	js := `(async () => {
		for (let i = 0; !window.swaReady && i < 500; i++) await new Promise(r => setTimeout(r, 10));
		if (!window.swaReady) return {ok: false, stage: "load", error: "the page's module did not load"};
		return await ` + expr + `;
	})()`
	res, err := chromedp.Run(a.ctx, chromedp.Evaluate[*swaResult](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	if res.Stage == "load" {
		t.Fatalf("%s: %s", expr, res.Error)
	}
	return res
}

// credentialID returns the id of the credential a finish posted.
func (r *swaResult) credentialID(t *testing.T) string {
	t.Helper()
	var c struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(r.Credential, &c); err != nil || c.ID == "" {
		t.Fatalf("no credential id in %v", r)
	}
	return c.ID
}

// swaPasskey is a virtual platform authenticator that makes passkeys and
// verifies the user.
var swaPasskey = cdpwebauthn.VirtualAuthenticatorOptions{Protocol: ctap2, Transport: internal, HasResidentKey: true, HasUserVerification: true, IsUserVerified: true}

// TestSimpleWebAuthn runs the handler's ceremonies with
// @simplewebauthn/browser: registration, sign-in by name and username-less,
// a replayed response refused, and the browser's JSON option parsers.
func TestSimpleWebAuthn(t *testing.T) {
	s := newSWASite(t, simpleWebAuthn(t))
	a := newTab(t, s.URL, swaPasskey)

	reg := a.swa(t, `swa.register("alice", {userVerification: "required"})`)
	if !reg.OK {
		t.Fatalf("startRegistration: %v", reg)
	}
	id := reg.credentialID(t)
	creds := a.credentials(t)
	if len(creds) != 1 || !bytes.Equal(mustB64URL(t, id), creds[0].CredentialID) {
		t.Fatalf("authenticator holds %+v, the handler registered %s", creds, id)
	}
	// The registration summary is the handler's: the credential it stored.
	var sum webauthnhttp.RegistrationSummary
	if err := json.Unmarshal(reg.Body, &sum); err != nil || sum.CredentialID != id || !sum.Flags.UserVerified {
		t.Fatalf("summary %s (%v)", reg.Body, err)
	}

	for _, name := range []string{"alice", ""} {
		login := a.swa(t, `swa.login(`+strconv.Quote(name)+`)`)
		if !login.OK || login.credentialID(t) != id {
			t.Fatalf("startAuthentication(%q): %v", name, login)
		}
		// The same response again: its challenge was spent.
		again := a.swa(t, `swa.finish("login", `+strconv.Quote(name)+`, `+string(login.Credential)+`)`)
		if again.OK || again.exception() != webauthn.ExceptionChallengeNotFound {
			t.Fatalf("replayed assertion: %v", again)
		}
	}

	t.Run("parseCreationOptionsFromJSON", func(t *testing.T) {
		p := a.swa(t, `swa.parse("register", {username: "bob", algorithms: [-7, -8, -257]})`)
		if !p.OK {
			t.Fatalf("%v", p)
		}
		var o ceremony.CreationOptionsJSON
		if err := json.Unmarshal(p.Body, &o); err != nil {
			t.Fatal(err)
		}
		got := p.Parsed
		if got.Challenge != o.Challenge || got.UserID != o.User.ID || got.RPID != "localhost" ||
			!slices.Equal(got.Algorithms, []int64{-7, -8, -257}) || got.ResidentKey != "required" ||
			got.UserVerification != "preferred" || got.Timeout != o.Timeout || len(mustB64URL(t, got.Challenge)) != 32 {
			t.Fatalf("the browser read %+v from %s", got, p.Body)
		}
		// user.id must be base64url (§5.1.9): a raw string, as go-webauthn's
		// EncodeUserIDAsString sends, is refused by the parser.
		bad := a.swa(t, `swa.parse("register", {username: "bob"}, (j) => { j.user.id = "bob@example.org"; })`)
		if bad.OK || bad.Stage != "browser" {
			t.Fatalf("a user.id that is not base64url parsed: %v", bad)
		}
		t.Logf("user.id not base64url: %s", bad.Error)
	})

	t.Run("parseRequestOptionsFromJSON", func(t *testing.T) {
		p := a.swa(t, `swa.parse("login", {username: "alice", userVerification: "required"})`)
		if !p.OK {
			t.Fatalf("%v", p)
		}
		var o ceremony.RequestOptionsJSON
		if err := json.Unmarshal(p.Body, &o); err != nil {
			t.Fatal(err)
		}
		got := p.Parsed
		if got.Challenge != o.Challenge || got.RPID != "localhost" || !slices.Equal(got.AllowCredentials, []string{id}) ||
			got.UserVerification != "required" || got.Timeout != o.Timeout {
			t.Fatalf("the browser read %+v from %s", got, p.Body)
		}
		bad := a.swa(t, `swa.parse("login", {username: "alice"}, (j) => { j.challenge = "not base64url!"; })`)
		if bad.OK || bad.Stage != "browser" {
			t.Fatalf("a challenge that is not base64url parsed: %v", bad)
		}
		t.Logf("challenge not base64url: %s", bad.Error)
	})
}

// TestSimpleWebAuthnConditionalCreate: startRegistration with
// useAutoRegister, which calls create() with mediation "conditional" (an
// automatic swaPasskey upgrade), against a registration begun with
// "conditional": true, whose finish accepts a credential made without user
// presence; and against one begun without it, whose finish refuses it
// (§7.1 step 15).
//
// Chromium 156 creates conditionally only for a site whose password its
// password manager holds and saw used moments ago, and headless Chromium has
// no password manager: the page forwards the conditional create to the
// virtual authenticator as a modal one (swa.forwardConditionalCreate, which
// records the mediation SimpleWebAuthn asked for), and the authenticator's UP
// bit is cleared (WebAuthn.setResponseOverrideBits), as a password manager's
// silent create leaves it.
func TestSimpleWebAuthnConditionalCreate(t *testing.T) {
	s := newSWASite(t, simpleWebAuthn(t))
	a := newTab(t, s.URL, swaPasskey)
	a.swa(t, `swa.forwardConditionalCreate()`)
	noUP := true
	if _, err := chromedp.Run(a.ctx, call(cdpwebauthn.SetResponseOverrideBits, cdpwebauthn.SetResponseOverrideBitsParams{AuthenticatorID: a.ID, IsBadUP: &noUP})); err != nil {
		t.Fatal(err)
	}

	up := a.swa(t, `swa.register("carol", {conditional: true}, true)`)
	if !up.OK {
		t.Fatalf("conditional create: %v", up)
	}
	var sum webauthnhttp.RegistrationSummary
	if err := json.Unmarshal(up.Body, &sum); err != nil || sum.Flags.UserPresent || !sum.Flags.UserVerified {
		t.Fatalf("summary %s (%v): want UP clear, UV set", up.Body, err)
	}

	// The same browser call for a registration not begun as conditional.
	modal := a.swa(t, `swa.register("dave", {}, true)`)
	if modal.OK || modal.exception() != webauthn.ExceptionCredentialNotSupported {
		t.Fatalf("want %s at §7.1 step 15, got %v", webauthn.ExceptionCredentialNotSupported, modal)
	}
	mediation, err := chromedp.Run(a.ctx, chromedp.Evaluate[[]string](`window.swaMediation`))
	if err != nil || !slices.Equal(mediation, []string{"conditional", "conditional"}) {
		t.Fatalf("create() was called with mediation %q (%v), want conditional twice", mediation, err)
	}

	// The upgraded swaPasskey signs in, with UP as usual.
	noUP = false
	if _, err := chromedp.Run(a.ctx, call(cdpwebauthn.SetResponseOverrideBits, cdpwebauthn.SetResponseOverrideBitsParams{AuthenticatorID: a.ID, IsBadUP: &noUP})); err != nil {
		t.Fatal(err)
	}
	if login := a.swa(t, `swa.login("carol")`); !login.OK {
		t.Fatalf("sign-in with the upgraded swaPasskey: %v", login)
	}
}

// TestSimpleWebAuthnSignal: after a sign-in with a credential the relying
// party no longer knows, the page signals it (sendSignal "unknownCredential",
// PublicKeyCredential.signalUnknownCredential) and the authenticator drops
// it. Skipped, loudly, when the browser lacks the Signal API.
func TestSimpleWebAuthnSignal(t *testing.T) {
	s := newSWASite(t, simpleWebAuthn(t))
	a := newTab(t, s.URL, swaPasskey)

	reg := a.swa(t, `swa.register("erin", {})`)
	if !reg.OK {
		t.Fatalf("startRegistration: %v", reg)
	}
	id := reg.credentialID(t)
	acct, err := s.API.Users().Lookup(context.Background(), "erin")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.API.Users().(*webauthnhttp.MemUsers).DeleteCredential(context.Background(), acct.Handle, mustB64URL(t, id)); err != nil {
		t.Fatal(err)
	}
	login := a.swa(t, `swa.login("")`)
	if login.OK || login.exception() != webauthn.ExceptionNotAuthorized {
		t.Fatalf("sign-in with a deleted credential: %v", login)
	}

	if creds := a.credentials(t); len(creds) != 1 {
		t.Fatalf("the authenticator holds %d credentials before the signal", len(creds))
	}
	sig := a.swa(t, `swa.signalUnknown("localhost", `+strconv.Quote(id)+`)`)
	if sig.Stage == "unsupported" {
		msg := "e2e: THIS CHROMIUM HAS NO PublicKeyCredential.signalUnknownCredential; the signal test did NOT run"
		fmt.Fprintln(os.Stderr, "\n!!! "+msg)
		t.Skip(msg)
	}
	if !sig.OK {
		t.Fatalf("signalUnknownCredential: %v", sig)
	}
	if creds := a.credentials(t); len(creds) != 0 {
		t.Fatalf("the authenticator kept %d credentials after the signal", len(creds))
	}
	// A signal for a credential of another RP ID is refused by the browser.
	if bad := a.swa(t, `swa.signalUnknown("example.org", `+strconv.Quote(id)+`)`); bad.OK {
		t.Fatalf("signal for another RP ID: %v", bad)
	}
}

func mustB64URL(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return b
}
