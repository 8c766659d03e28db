// Command pgtemp starts a throwaway PostgreSQL server (package pgtemp) for
// the Node test suite: it prints "dsn <DSN>" once the server accepts
// connections, and stops and removes it when its standard input closes or
// it receives SIGINT or SIGTERM. It exits with status 3, printing
// "not-installed", when the PostgreSQL binaries are absent.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/passkeykit/webauthn/cognito/internal/pgtemp"
)

func main() {
	s, err := pgtemp.Start(context.Background())
	if errors.Is(err, pgtemp.ErrNotInstalled) {
		fmt.Println("not-installed")
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("dsn " + s.DSN)
	done := make(chan struct{}, 2)
	go func() { io.Copy(io.Discard, os.Stdin); done <- struct{}{} }()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	select {
	case <-done:
	case <-sig:
	}
	s.Stop()
	fmt.Println("stopped")
}
