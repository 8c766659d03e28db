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

// demo serves the demo page and webauthn.Handler (Lifecycle's Start/Complete
// over net/http) on localhost until interrupted: RP ID "localhost", origin
// http://localhost:PORT.
//
//	webauthn demo [-addr 127.0.0.1:8080] [-convenience BLOB -mds-root PEM]
func demo(args []string, w io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(w)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on (loopback; the page is opened as http://localhost:PORT)")
	attest := fs.String("attestation", "none", "default attestation conveyance: none, indirect, direct, enterprise")
	convenience := fs.String("convenience", "", "a FIDO Convenience Metadata Service BLOB naming passkey providers (verified with -mds-root)")
	var m mdsFlags
	m.register(fs, false)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 0 {
		fmt.Fprintln(w, "usage: webauthn demo [-addr 127.0.0.1:8080] [-attestation none] [-convenience BLOB -mds-root PEM]")
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
	rp := &webauthn.RelyingParty{RPID: "localhost", Origins: []string{origin}}
	var conveyance ceremony.Conveyance
	if err := conveyance.UnmarshalText([]byte(*attest)); err != nil {
		fmt.Fprintln(w, "webauthn demo: -attestation must be none, indirect, direct or enterprise")
		return 2
	}
	api := webauthnhttp.NewHandler(rp, &webauthnhttp.HandlerOptions{RPName: "passkeykit demo", Attestation: conveyance, Providers: providers})
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
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(w, "webauthn demo:", err)
		return 1
	}
	return 0
}
