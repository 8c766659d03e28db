package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"time"

	"github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/ceremony"
	demopage "github.com/passkeykit/webauthn/internal/demo"
	"github.com/passkeykit/webauthn/mds"
	"github.com/passkeykit/webauthn/webauthnhttp"
)

// demoOptions are the demo's HandlerOptions: its sessions' hooks (a sign-up
// or sign-in signs the browser in; a signed-in browser may add passkeys to
// its own account) and the end-user messages of webauthnhttp.UserMessage,
// which the page shows.
func demoOptions(conveyance ceremony.Conveyance, providers *mds.Convenience) *webauthnhttp.HandlerOptions {
	o := &webauthnhttp.HandlerOptions{RPName: "passkeykit demo", Attestation: conveyance, Providers: providers}
	new(demoSessions).options(o)
	return o
}

// demo serves the demo page and webauthnhttp.Handler (ceremony.Lifecycle's Start/Complete
// over net/http) on localhost until interrupted: RP ID "localhost", origin
// http://localhost:PORT.
//
// With -appid the relying party has a FIDO AppID (RelyingParty.AppID): the
// options that list credentials carry the appid and appidExclude extensions
// (WebAuthn L3 §10.1.1, §10.1.2) and the page shows them, the extension
// outputs, and whether a sign-in used the AppID. Browsers authorize an
// AppID only for an https page on its site: on the demo's
// http://localhost, Chromium fails a sign-in by name (its options carry
// appid) with a SecurityError, which the page shows; serve the demo behind
// https on the AppID's site to sign in with a U2F-era key.
//
//	webauthn demo [-addr 127.0.0.1:8080] [-attestation none] [-appid URL] [-convenience BLOB -mds-root PEM]
//
// The demo keeps its own sessions through the handler's hooks (demoOptions).
func demo(args []string, w io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(w)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on (loopback; the page is opened as http://localhost:PORT)")
	attest := fs.String("attestation", "none", "default attestation conveyance: none, indirect, direct, enterprise")
	appID := fs.String("appid", "", "FIDO AppID of U2F-era credentials (an https URL), sent as the appid and appidExclude extensions")
	convenience := fs.String("convenience", "", "a FIDO Convenience Metadata Service BLOB naming passkey providers (verified with -mds-root)")
	var m mdsFlags
	m.register(fs, false)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 0 {
		fmt.Fprintln(w, "usage: webauthn demo [-addr 127.0.0.1:8080] [-attestation none] [-appid URL] [-convenience BLOB -mds-root PEM]")
		return 2
	}
	if err := (&webauthn.RelyingParty{RPID: "localhost", AppID: *appID}).Check(); err != nil {
		fmt.Fprintln(w, "webauthn demo: -appid:", err)
		return 2
	}
	var providers *mds.Convenience
	if *convenience != "" {
		var err error
		if providers, err = m.loadConvenience(*convenience); err != nil {
			fmt.Fprintln(w, "webauthn demo: convenience metadata BLOB:", err)
			return 1
		}
		fmt.Fprintf(w, "webauthn demo: %d passkey providers (convenience metadata no %d)\n", len(providers.Providers), providers.No)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(w, "webauthn demo:", err)
		return 1
	}
	port := ln.Addr().(*net.TCPAddr).Port
	origin := "http://localhost:" + strconv.Itoa(port)
	rp := &webauthn.RelyingParty{RPID: "localhost", Origins: []string{origin}, AppID: *appID}
	var conveyance ceremony.Conveyance
	if err := conveyance.UnmarshalText([]byte(*attest)); err != nil {
		fmt.Fprintln(w, "webauthn demo: -attestation must be none, indirect, direct or enterprise")
		return 2
	}
	api := webauthnhttp.NewHandler(rp, demoOptions(conveyance, providers))
	srv := &http.Server{Handler: demopage.Mux(api), ReadHeaderTimeout: 10 * time.Second}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shut)
	}()
	fmt.Fprintf(w, "webauthn demo: open %s/ (RP ID localhost); Ctrl-C stops\n", origin)
	if *appID != "" {
		fmt.Fprintf(w, "webauthn demo: AppID %s (extensions appid, appidExclude)\n", *appID)
	}
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(w, "webauthn demo:", err)
		return 1
	}
	return 0
}
