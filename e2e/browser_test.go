// Package e2e runs the library's net/http handlers and demo page against a
// real browser: headless Chromium driven over the DevTools protocol, with
// virtual authenticators from the WebAuthn domain standing in for security
// keys and platform authenticators.
//
// Run: cd e2e && go test -count=1 ./... (about 10 s). The browser is
// $CHROMIUM or chromium on PATH (Debian: apt-get install -y chromium). Without
// one the tests skip with a loud message, unless CI is set: then they fail.
// Refresh the committed screenshot with
// go test -run 'TestCeremonies/ctap2_usb,_no_UV' -screenshots=artifacts.
//
// What Chromium's virtual authenticator does, as these tests pin it: CTAP2
// makes ES256, RS256 and EdDSA (Ed25519) keys and refuses ES384, ES512, PS256
// and Ed25519 (-19) with NotAllowedError; "direct" gives packed basic
// attestation from its "Batch Certificate" (AAGUID
// 01020304-0506-0708-0102-030405060708, kept even for "none"); U2F gives
// fido-u2f and only ES256. A user verification it cannot give ends the
// ceremony in the browser (NotAllowedError), so a UV fault reaches the
// server only when the options do not ask for it or the authenticator's
// response bits are overridden (WebAuthn.setResponseOverrideBits).
package e2e

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdpwebauthn "github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/internal/demo"
	"github.com/passkeykit/webauthn/internal/errtest"
	"github.com/passkeykit/webauthn/webauthnhttp"
)

// screenshots names a directory screenshots are copied into (the committed
// one is e2e/artifacts): go test -run TestCeremonies -screenshots=artifacts.
// They are always written to t.ArtifactDir(), which `go test -artifacts`
// keeps under -outputdir.
var screenshots = flag.String("screenshots", "", "directory to copy screenshots into, e.g. artifacts")

// tabTimeout bounds one test's browser work: a ceremony that Chromium cannot
// complete (no authenticator fits) waits for the options' timeout, which the
// fault tests set short; everything else takes well under a second.
const tabTimeout = 30 * time.Second

var (
	browserOnce sync.Once
	browserCtx  context.Context
	browserErr  error
	browserStop func()
	bannerOnce  sync.Once
)

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if browserStop != nil {
		browserStop()
	}
	os.Exit(code)
}

// chromiumPath finds the browser: $CHROMIUM, else chromium, chromium-browser
// or google-chrome on PATH.
func chromiumPath() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, n := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	return ""
}

// browser returns a context of the one headless Chromium the tests share. It
// skips the test, loudly, when no Chromium is installed and CI is unset; under
// CI a missing browser fails.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		msg := "e2e: NO CHROMIUM FOUND (set $CHROMIUM or install Debian's chromium: apt-get install -y chromium); the browser tests did NOT run"
		if os.Getenv("CI") != "" {
			t.Fatal(msg + " and CI is set")
		}
		bannerOnce.Do(func() { fmt.Fprintln(os.Stderr, "\n!!!!!!!!\n!!! "+msg+"\n!!!!!!!!") })
		t.Skip(msg)
	}
	browserOnce.Do(func() {
		dir, err := os.MkdirTemp("", "webauthn-e2e-chromium-")
		if err != nil {
			browserErr = err
			return
		}
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(path),
			chromedp.NoSandbox,
			chromedp.DisableGPU,
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.Flag("disable-quic", true),
			chromedp.UserDataDir(dir),
			chromedp.WindowSize(900, 1000),
		)
		actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
		bctx, bcancel := chromedp.NewContext(actx)
		browserStop = func() { bcancel(); acancel(); os.RemoveAll(dir) }
		// The first Run starts the browser; it must not carry a timeout.
		browserErr = chromedp.Do(bctx, chromedp.Navigate("about:blank"))
		browserCtx = bctx
	})
	if browserErr != nil {
		t.Fatalf("starting %s: %v", path, browserErr)
	}
	return browserCtx
}

// call makes a chromedp action of a DevTools command.
func call[P, R any](c cdp.Command[P, R], p P) chromedp.Action[R] {
	return func(ctx context.Context, t *chromedp.Target) (R, error) { return cdp.Call(ctx, t, c, p) }
}

// site is the demo served in-process: the library's Handler under /webauthn
// and the page at /, on 127.0.0.1 with the origin http://localhost:PORT.
type site struct {
	URL   string // http://localhost:PORT/
	RP    *webauthn.RelyingParty
	API   *webauthnhttp.Handler
	Clock *clock
	mux   http.Handler

	mu   sync.Mutex
	hook func(*http.Request)
}

// SetHook installs f (nil: none) to see every request before the handler
// does; the expired-challenge test advances the clock in it.
func (s *site) SetHook(f func(*http.Request)) {
	s.mu.Lock()
	s.hook = f
	s.mu.Unlock()
}

func (s *site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	hook := s.hook
	s.mu.Unlock()
	if hook != nil {
		hook(r)
	}
	s.mux.ServeHTTP(w, r)
}

// clock is an injectable RelyingParty.Clock: real time plus an offset.
type clock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// newSite starts the demo. configure may adjust the policy and handler
// options before the handler is built.
func newSite(t *testing.T, configure func(*webauthn.RelyingParty, *webauthnhttp.HandlerOptions)) *site {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	origin := "http://localhost:" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	s := &site{URL: origin + "/", Clock: &clock{}}
	s.RP = &webauthn.RelyingParty{RPID: "localhost", Origins: []string{origin}, Clock: s.Clock.Now}
	opts := &webauthnhttp.HandlerOptions{RPName: "passkeykit e2e"}
	if configure != nil {
		configure(s.RP, opts)
	}
	s.API = webauthnhttp.NewHandler(s.RP, opts)
	s.mux = demo.Mux(s.API)
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: s}}
	srv.Start()
	t.Cleanup(srv.Close)
	return s
}

// mirror serves the same handler and page on another port: an origin the
// relying party does not list.
func (s *site) mirror(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(s.mux)
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	return "http://localhost:" + port + "/"
}

// authenticator is a virtual authenticator in one browser tab.
type authenticator struct {
	ctx context.Context // the tab's chromedp context, with tabTimeout
	ID  cdpwebauthn.AuthenticatorID
}

// newTab opens a tab in a fresh browser context (its own cookies), enables the
// WebAuthn domain, adds a virtual authenticator with opts and loads url.
func newTab(t *testing.T, url string, opts cdpwebauthn.VirtualAuthenticatorOptions) *authenticator {
	t.Helper()
	tctx, cancel := chromedp.NewContext(browser(t), chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(tctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel2 := context.WithTimeout(tctx, tabTimeout)
	t.Cleanup(cancel2)
	opts.AutomaticPresenceSimulation = true
	if _, err := chromedp.Run(ctx, call(cdpwebauthn.Enable, cdpwebauthn.EnableParams{})); err != nil {
		t.Fatalf("WebAuthn.enable: %v", err)
	}
	res, err := chromedp.Run(ctx, call(cdpwebauthn.AddVirtualAuthenticator, cdpwebauthn.AddVirtualAuthenticatorParams{Options: &opts}))
	if err != nil {
		t.Fatalf("WebAuthn.addVirtualAuthenticator: %v", err)
	}
	a := &authenticator{ctx: ctx, ID: res.AuthenticatorID}
	a.navigate(t, url)
	return a
}

func (a *authenticator) navigate(t *testing.T, url string) {
	t.Helper()
	if err := chromedp.Do(a.ctx, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.ID("register"))); err != nil {
		t.Fatalf("loading %s: %v", url, err)
	}
}

// credentials returns what the virtual authenticator holds.
func (a *authenticator) credentials(t *testing.T) []*cdpwebauthn.Credential {
	t.Helper()
	res, err := chromedp.Run(a.ctx, call(cdpwebauthn.GetCredentials, cdpwebauthn.GetCredentialsParams{AuthenticatorID: a.ID}))
	if err != nil {
		t.Fatalf("WebAuthn.getCredentials: %v", err)
	}
	return res.Credentials
}

// result is what the page's window.demo ceremonies resolve to: a summary
// from the server, or an error from the server or the browser.
type result struct {
	OK       bool   `json:"ok"`
	Ceremony string `json:"ceremony"`
	Stage    string `json:"stage"`
	Status   int    `json:"status"`
	Body     struct {
		// Errors.
		Exception string `json:"exception"`
		Step      string `json:"step"`
		Message   string `json:"message"`
		// Registration and assertion summaries.
		User              string                    `json:"user"`
		CredentialID      string                    `json:"credentialId"`
		Format            string                    `json:"format"`
		AttestationType   string                    `json:"attestationType"`
		TrustPath         []string                  `json:"trustPath"`
		AAGUID            string                    `json:"aaguid"`
		Algorithm         string                    `json:"algorithm"`
		AlgorithmID       int64                     `json:"algorithmId"`
		SignCount         uint32                    `json:"signCount"`
		PreviousSignCount uint32                    `json:"previousSignCount"`
		CloneSuspected    bool                      `json:"cloneSuspected"`
		Flags             webauthnhttp.FlagsSummary `json:"flags"`
		Transports        []string                  `json:"transports"`
		Attachment        string                    `json:"attachment"`
		ResidentKey       *bool                     `json:"residentKey"`
		UserHandle        string                    `json:"userHandle"`
		AppIDUsed         bool                      `json:"appIdUsed"`
	} `json:"body"`
}

func (r *result) String() string {
	b, _ := json.Marshal(r)
	return string(b)
}

// eval runs a window.demo call (a promise of a result) in the tab.
func (a *authenticator) eval(t *testing.T, js string) *result {
	t.Helper()
	res, err := chromedp.Run(a.ctx, chromedp.Evaluate[*result](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return res
}

// register runs demo.register with the given parameters (a JS object literal).
func (a *authenticator) register(t *testing.T, params string) *result {
	t.Helper()
	return a.eval(t, "demo.register("+params+")")
}

func (a *authenticator) login(t *testing.T, params string) *result {
	t.Helper()
	return a.eval(t, "demo.login("+params+")")
}

// mustOK fails the test unless r is a success of the given ceremony.
func mustOK(t *testing.T, r *result, ceremony string) {
	t.Helper()
	if !r.OK || r.Ceremony != ceremony {
		t.Fatalf("%s failed: %v", ceremony, r)
	}
}

// mustFail fails the test unless r is an error with the exception.
func mustFail(t *testing.T, r *result, exception string) {
	t.Helper()
	if p := errtest.Mismatch(!r.OK, r.Body.Exception, exception); p != "" {
		t.Fatalf("%s (%v)", p, r)
	}
	t.Logf("%s at %s: %s: %s: %s", r.Ceremony, r.Stage, r.Body.Exception, r.Body.Step, r.Body.Message)
}

// screenshot saves a PNG of the whole page as name in t.ArtifactDir() and,
// with -screenshots, in that directory too.
func (a *authenticator) screenshot(t *testing.T, name string) string {
	t.Helper()
	png, err := chromedp.Run(a.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	p := filepath.Join(t.ArtifactDir(), name)
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	if *screenshots != "" {
		if err := os.MkdirAll(*screenshots, 0o755); err != nil {
			t.Fatal(err)
		}
		p = filepath.Join(*screenshots, name)
		if err := os.WriteFile(p, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("screenshot: %s (%d bytes)", p, len(png))
	return p
}
