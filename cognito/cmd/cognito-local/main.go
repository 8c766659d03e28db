// Command cognito-local serves the Amazon Cognito user pools API for passkeys
// (AWS JSON 1.1 on POST /) so that applications using the official AWS SDKs
// can test their sign-up, passkey registration and passkey sign-in locally:
// point the SDK's endpoint at it, with any credentials.
//
//	go run ./cognito/cmd/cognito-local -addr 127.0.0.1:9229
//
// State is kept in a SQLite file (-db), in memory (-memory) or in
// PostgreSQL (-postgres). One pool is configured from the flags, or any
// number from a JSON file (-config). On start it prints
// "cognito-local listening on http://HOST:PORT", then one line per pool.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/passkeykit/webauthn/cognito"
	redisstore "github.com/passkeykit/webauthn/store/redis"
	goredis "github.com/redis/go-redis/v9"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "cognito-local:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("cognito-local", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), `Usage: cognito-local [flags]

Serves the Cognito user pools API for passkeys (SignUp, AdminConfirmSignUp,
AdminCreateUser, AdminSetUserPassword, AdminResetUserPassword, InitiateAuth,
RespondToAuthChallenge, GetUser, StartWebAuthnRegistration,
CompleteWebAuthnRegistration, ListWebAuthnCredentials,
DeleteWebAuthnCredential) and each pool's JWKS at
/<pool id>/.well-known/jwks.json. See cognito/README.md.

Flags:
`)
		fs.PrintDefaults()
	}
	addr := fs.String("addr", "127.0.0.1:9229", "listen address; port 0 picks a free port (the address is printed)")
	baseURL := fs.String("base-url", "", "URL clients reach the endpoint at, the tokens' issuer prefix (default http://<listen address>)")
	dbPath := fs.String("db", "cognito-local.db", "SQLite database file holding users, passkeys and signing keys (created when absent)")
	memory := fs.Bool("memory", false, "keep all state in memory (nothing survives the process); excludes -db and -postgres")
	pgDSN := fs.String("postgres", "", "PostgreSQL connection string (e.g. postgres://user@127.0.0.1:5432/cognito) instead of SQLite")
	configPath := fs.String("config", "", "JSON file configuring the pools (see cognito/README.md); excludes the pool flags below")
	poolID := fs.String("pool-id", "us-east-1_LocalPool1", "pool: user pool ID")
	clientIDs := fs.String("client-id", "localclient1", "pool: app client IDs, comma-separated")
	rpID := fs.String("rp-id", "localhost", "pool: WebAuthn relying party ID (empty: passkey operations answer WebAuthnConfigurationMissingException)")
	origins := fs.String("origins", "http://localhost:3000", "pool: allowed WebAuthn origins, comma-separated, exact scheme://host[:port]")
	uv := fs.String("user-verification", "preferred", "pool: WebAuthn user verification, required|preferred")
	maxPasskeys := fs.Int("max-passkeys", cognito.MaxPasskeysPerUser, "pool: most passkeys per user (1 to 20)")
	lifetime := fs.Duration("challenge-lifetime", 5*time.Minute, "pool: lifetime of registration and sign-in challenges")
	enabled := fs.Bool("webauthn", true, "pool: passkeys enabled (false: passkey operations answer WebAuthnNotEnabledException)")
	quiet := fs.Bool("quiet", false, "do not log failed requests to stderr")
	redisAddr := fs.String("redis", "", "keep WebAuthn challenges in Redis at HOST:PORT (module store/redis; several endpoint processes may share it) instead of in memory")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	var cfg *cognito.Config
	if *configPath != "" {
		for _, n := range []string{"pool-id", "client-id", "rp-id", "origins", "user-verification", "max-passkeys", "challenge-lifetime", "webauthn"} {
			if set[n] {
				return fmt.Errorf("-%s and -config exclude each other: configure the pool in the file", n)
			}
		}
		c, err := cognito.LoadConfig(*configPath)
		if err != nil {
			return err
		}
		cfg = c
	} else {
		cfg = &cognito.Config{Pools: []cognito.PoolConfig{{
			ID:        *poolID,
			ClientIDs: splitList(*clientIDs),
			WebAuthn: cognito.WebAuthnConfig{
				Enabled:            *enabled,
				RPID:               *rpID,
				Origins:            splitList(*origins),
				UserVerification:   *uv,
				MaxPasskeysPerUser: *maxPasskeys,
				ChallengeLifetime:  cognito.Duration(*lifetime),
			},
		}}}
		if *maxPasskeys < 1 {
			return errors.New("-max-passkeys must be 1 to 20")
		}
		if err := cfg.Validate(); err != nil {
			return err
		}
	}

	ctx := context.Background()
	var store cognito.Store
	var err error
	switch {
	case *memory && (set["db"] || *pgDSN != ""):
		return errors.New("-memory excludes -db and -postgres")
	case *pgDSN != "" && set["db"]:
		return errors.New("-postgres excludes -db")
	case *memory:
		store, err = cognito.OpenMemory(ctx)
	case *pgDSN != "":
		store, err = cognito.OpenPostgres(ctx, *pgDSN)
	default:
		store, err = cognito.OpenSQLite(ctx, *dbPath)
	}
	if err != nil {
		return fmt.Errorf("opening the store: %w", err)
	}
	defer store.Close()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	base := *baseURL
	if base == "" {
		base = "http://" + ln.Addr().String()
	}
	var logger *log.Logger
	if !*quiet {
		logger = log.New(os.Stderr, "cognito-local: ", log.LstdFlags)
	}
	opts := cognito.Options{Config: cfg, Store: store, BaseURL: base, Log: logger}
	if *redisAddr != "" {
		rc := goredis.NewClient(&goredis.Options{Addr: *redisAddr})
		defer rc.Close()
		if err := rc.Ping(ctx).Err(); err != nil {
			ln.Close()
			return fmt.Errorf("-redis %s: %w", *redisAddr, err)
		}
		opts.Challenges = redisstore.New(rc, redisstore.Options{})
	}
	srv, err := cognito.NewServer(ctx, opts)
	if err != nil {
		ln.Close()
		return err
	}
	fmt.Printf("cognito-local listening on http://%s\n", ln.Addr())
	for _, p := range cfg.Pools {
		fmt.Printf("pool %s clients %s issuer %s/%s passkeys %v rp-id %q\n", p.ID, strings.Join(p.ClientIDs, ","), base, p.ID, p.WebAuthn.Enabled, p.WebAuthn.RPID)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-sig:
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		return hs.Shutdown(sctx)
	}
}

func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}
