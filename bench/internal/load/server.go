// Package load drives WebAuthn servers with real begin/finish round trips
// over loopback HTTP (issue 21): N users registered and signed in by C
// concurrent clients holding software authenticators (softauthn), then
// invariants checked against the server's own user store, and the cost
// measured as ceremonies per second, latency percentiles and server CPU
// time per ceremony.
//
// The servers speak one HTTP dialect, webauthnhttp.Handler's (POST
// /webauthn/{register,login}/{begin,finish}, finish bodies
// {"username", "credential"}); a go-webauthn v0.18.2 server (gwserver.go)
// serves the same ceremonies so that the two can be driven alike. Every
// server also answers POST /_load/state (the accounts of the names asked
// for, read from its user store) and GET /_load/cpu (its process CPU time,
// getrusage(2)), which is how the driver checks invariants and measures
// server CPU whether the server runs in-process or in a child process
// (serve.go).
package load

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"runtime"
	"syscall"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/ceremony"
	redisstore "github.com/passkeykit/webauthn/store/redis"
	"github.com/passkeykit/webauthn/webauthnhttp"
)

// Kinds of server.
const (
	OursMem    = "ours-mem"    // webauthnhttp.Handler, ceremony.MemStore, MemUsers
	OursRedis  = "ours-redis"  // webauthnhttp.Handler, store/redis, MemUsers
	GoWebauthn = "go-webauthn" // go-webauthn v0.18.2 webauthn.WebAuthn, sessions and users in memory
	HTTPFloor  = "http-floor"  // the same round trips with no WebAuthn but one P-256 verify (floorserver.go)
)

// Kinds lists every server kind.
var Kinds = []string{OursMem, OursRedis, GoWebauthn, HTTPFloor}

// The relying party every server is configured with and every client
// signs for.
const (
	RPID   = "example.org"
	Origin = "https://example.org"
)

// ServerOptions configure NewServer.
type ServerOptions struct {
	// RedisAddr is the Redis server of OursRedis (host:port).
	RedisAddr string
	// Users replaces the user store of the ours-* kinds (tests of the
	// invariant checks); nil means a webauthnhttp.MemUsers.
	Users webauthnhttp.UserStore
}

// Account is an account as /_load/state reports it.
type Account struct {
	Name        string         `json:"name"`
	Found       bool           `json:"found"`
	Credentials []StateCredRec `json:"credentials"`
}

// StateCredRec is one credential record's state.
type StateCredRec struct {
	ID        string `json:"id"` // base64url
	SignCount uint32 `json:"signCount"`
}

// Server is an http.Handler serving one kind, with its state endpoints.
type Server struct {
	http.Handler
	close func() error
}

// Close releases what the server holds (the Redis client).
func (s *Server) Close() error {
	if s.close != nil {
		return s.close()
	}
	return nil
}

// NewServer returns a server of kind.
func NewServer(kind string, o ServerOptions) (*Server, error) {
	mux := http.NewServeMux()
	var lookup func(ctx context.Context, name string) (Account, error)
	s := &Server{Handler: mux}
	switch kind {
	case OursMem, OursRedis:
		rp := &webauthn.RelyingParty{RPID: RPID, Origins: []string{Origin}}
		opts := &webauthnhttp.HandlerOptions{Users: o.Users, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
		if kind == OursRedis {
			if o.RedisAddr == "" {
				return nil, errors.New("load: ours-redis needs a Redis address")
			}
			c := goredis.NewClient(&goredis.Options{Addr: o.RedisAddr, PoolSize: 4 * runtime.GOMAXPROCS(0)})
			if err := c.Ping(context.Background()).Err(); err != nil {
				return nil, err
			}
			opts.Store = redisstore.New(c, redisstore.Options{})
			s.close = c.Close
		} else {
			opts.Store = &ceremony.MemStore{}
		}
		h := webauthnhttp.NewHandler(rp, opts)
		mux.Handle("/webauthn/", h)
		lookup = func(ctx context.Context, name string) (Account, error) {
			a, err := h.Users().Lookup(ctx, name)
			if errors.Is(err, webauthnhttp.ErrUserNotFound) {
				return Account{Name: name}, nil
			}
			if err != nil {
				return Account{}, err
			}
			out := Account{Name: name, Found: true}
			for _, c := range a.Credentials {
				out.Credentials = append(out.Credentials, StateCredRec{ID: base64.RawURLEncoding.EncodeToString(c.ID), SignCount: c.SignCount})
			}
			return out, nil
		}
	case GoWebauthn:
		g, err := newGWServer()
		if err != nil {
			return nil, err
		}
		mux.Handle("/webauthn/", g)
		lookup = g.lookup
	case HTTPFloor:
		f, err := newFloorServer()
		if err != nil {
			return nil, err
		}
		mux.Handle("/webauthn/", f)
		lookup = f.lookup
	default:
		return nil, errors.New("load: unknown server kind " + kind)
	}
	mux.HandleFunc("POST /_load/state", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Names []string `json:"names"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		out := make([]Account, len(req.Names))
		for i, n := range req.Names {
			a, err := lookup(r.Context(), n)
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			out[i] = a
		}
		writeJSON(w, out)
	})
	mux.HandleFunc("GET /_load/cpu", func(w http.ResponseWriter, r *http.Request) {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		writeJSON(w, cpuSample{CPU: ProcessCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0), Mallocs: ms.Mallocs, TotalAlloc: ms.TotalAlloc})
	})
	return s, nil
}

// cpuSample is the answer of /_load/cpu.
type cpuSample struct {
	CPU        time.Duration `json:"cpuNs"`
	GOMAXPROCS int           `json:"gomaxprocs"`
	// Mallocs and TotalAlloc are runtime.MemStats': heap objects and bytes
	// allocated so far.
	Mallocs    uint64 `json:"mallocs"`
	TotalAlloc uint64 `json:"totalAlloc"`
}

// ProcessCPU returns the user+system CPU time of this process so far
// (getrusage(2) RUSAGE_SELF).
func ProcessCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}
