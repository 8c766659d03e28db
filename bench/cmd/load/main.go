// Command load drives passkey servers through real WebAuthn ceremonies over
// loopback HTTP and checks, after the run, the invariants of issue 21 against
// each server's own user store:
//
//   - every successful registration is listed by the server;
//   - no credential's stored counter went backwards (the stored counter is
//     the highest one accepted, never lower, never higher);
//   - no 5xx answer;
//   - no valid ceremony refused (every registration and sign-in the
//     software authenticators make is valid).
//
// It registers -users users with -clients concurrent clients (each its own
// session cookie and software authenticators: P-256, "none" attestation),
// then signs them in (-signins sign-ins, or for -duration), and prints per
// server: ceremonies per second, latency percentiles of a ceremony (begin
// and finish round trips), and the server's CPU time per ceremony
// (getrusage of the server process around the phase; for ours-redis the
// redis-server process's CPU is added and shown apart) next to one P-256
// signature verification measured in the same run. Sign-ins per second per
// server core is one second over the CPU per sign-in.
//
// Servers (-server, comma-separated): ours-mem (webauthnhttp.Handler with
// ceremony.MemStore), ours-redis (the same with store/redis on a
// redis-server this program starts unless -redis names one), go-webauthn
// (a go-webauthn v0.18.2 net/http server doing the same ceremonies),
// http-floor (the same round trips over net/http with nothing in them but
// one P-256 verification per sign-in: what any Go server pays). Each
// runs in a child process (this program again) with -server-cpu as its
// GOMAXPROCS, so that its CPU time is its own; -inprocess serves from this
// process instead (CPU then includes the clients).
//
// Examples, inside bench/:
//
//	go run ./cmd/load -server ours-mem,ours-redis,go-webauthn,http-floor -users 2000 -clients 16 -duration 10s
//	go run ./cmd/load -server ours-mem -server-cpu 1,2 -clients 64
//	go run ./cmd/load -server ours-mem -cpuprofile /tmp/server.pprof -duration 20s
//
// The exit status is 1 when any invariant is broken, 2 on a usage error.
package main

import (
	"cmp"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/passkeykit/webauthn/bench/internal/load"
)

var (
	servers    = flag.String("server", load.OursMem, "servers to drive, comma-separated: "+strings.Join(load.Kinds, ", ")+", "+load.Cognito+" (cognito-local built from ../cognito, driven over AWS JSON 1.1; no -cpuprofile, no -inprocess)")
	users      = flag.Int("users", 1000, "users registered, then signed in (N)")
	clients    = flag.Int("clients", 16, "concurrent clients, each its own session (C)")
	signIns    = flag.Int("signins", 0, "sign-ins in the second phase; 0: run for -duration")
	duration   = flag.Duration("duration", 10*time.Second, "length of the sign-in phase when -signins is 0")
	contend    = flag.Bool("contend", false, "every client signs in any user, so one credential is used from several clients at once")
	serverCPU  = flag.String("server-cpu", "0", "GOMAXPROCS of the server process, comma-separated for several runs (0: all cores)")
	inProcess  = flag.Bool("inprocess", false, "serve from this process (CPU per ceremony then includes the clients)")
	redisAddr  = flag.String("redis", "", "Redis server for ours-redis (host:port); empty: start redis-server on a free port")
	cpuProfile = flag.String("cpuprofile", "", "write each server's CPU profile of the sign-in phase to this file (kind and GOMAXPROCS appended before the extension when several)")
	verifyFor  = flag.Duration("verify", 300*time.Millisecond, "how long to measure one P-256 verification, before and after the runs")
	jsonOut    = flag.String("json", "", "also write the results as JSON to this file")
)

func main() {
	load.ServeFromEnv() // a child server process stops here
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: load [flags]\n\nDrives WebAuthn servers with N users and C concurrent clients through real\nbegin/finish round trips, checks the invariants of issue 21 and prints\nceremonies/s, latency percentiles and server CPU per ceremony against one\nP-256 verification. Flags:\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	code, err := run()
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
	}
	os.Exit(code)
}

// Row is one run's result as printed and written by -json.
type Row struct {
	Server            string        `json:"server"`
	ServerGOMAXPROCS  int           `json:"serverGomaxprocs"`
	Clients           int           `json:"clients"`
	Users             int           `json:"users"`
	Contend           bool          `json:"contend"`
	InProcess         bool          `json:"inProcess"`
	Registrations     int           `json:"registrations"`
	RegPerSec         float64       `json:"registrationsPerSec"`
	RegCPU            time.Duration `json:"registrationCpuNs"`
	SignIns           int           `json:"signIns"`
	SignInsPerSec     float64       `json:"signInsPerSec"`
	P50, P95, P99     time.Duration `json:"-"`
	P50ns             int64         `json:"p50Ns"`
	P95ns             int64         `json:"p95Ns"`
	P99ns             int64         `json:"p99Ns"`
	SignInCPU         time.Duration `json:"signInCpuNs"`
	RedisCPU          time.Duration `json:"signInRedisCpuNs"`
	P256              time.Duration `json:"p256VerifyNs"`
	PerCoreSignInsSec float64       `json:"signInsPerSecPerCore"`
	CloneFlags        int           `json:"cloneFlags"`
	Violations        []string      `json:"violations"`
	ViolationCount    int           `json:"violationCount"`
}

func run() (int, error) {
	kinds := strings.Split(*servers, ",")
	for _, k := range kinds {
		if !slices.Contains(load.Kinds, k) && k != load.Cognito {
			return 2, errors.New("unknown server " + k + " (want " + strings.Join(load.Kinds, ", ") + ")")
		}
	}
	var procs []int
	for _, s := range strings.Split(*serverCPU, ",") {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return 2, errors.New("bad -server-cpu " + s)
		}
		procs = append(procs, n)
	}
	exe, err := os.Executable()
	if err != nil {
		return 2, err
	}
	var redis *load.Redis
	addr := *redisAddr
	if slices.Contains(kinds, load.OursRedis) && addr == "" {
		if redis, err = load.StartRedis(); err != nil {
			return 2, err
		}
		defer redis.Stop()
		addr = redis.Addr
	}
	p256 := load.P256Verify(*verifyFor)
	var rows []Row
	run := 0
	for _, procsN := range procs {
		for _, kind := range kinds {
			run++
			row, err := runOne(exe, kind, procsN, addr, redis, len(kinds)*len(procs) > 1, run)
			if err != nil {
				return 2, fmt.Errorf("%s: %w", kind, err)
			}
			rows = append(rows, row)
		}
	}
	// The reference is the faster of the two measurements around the runs.
	p256 = min(p256, load.P256Verify(*verifyFor))
	for i := range rows {
		rows[i].P256 = p256
	}
	print(rows)
	if *jsonOut != "" {
		b, _ := json.MarshalIndent(rows, "", "  ")
		if err := os.WriteFile(*jsonOut, b, 0o644); err != nil {
			return 2, err
		}
	}
	for _, r := range rows {
		if r.ViolationCount > 0 {
			return 1, nil
		}
	}
	return 0, nil
}

func runOne(exe, kind string, procs int, redisAddr string, redis *load.Redis, several bool, n int) (Row, error) {
	cfg := load.Config{
		Users: *users, Clients: *clients, SignIns: *signIns, Duration: *duration, Contend: *contend,
		NamePrefix: "r" + strconv.Itoa(n) + "-",
	}
	if kind == load.OursRedis && redis != nil {
		cfg.ExtraCPU = redis.CPU
	}
	var (
		res *load.Result
		err error
	)
	switch {
	case kind == load.Cognito:
		if *inProcess {
			return Row{}, errors.New("-inprocess does not apply to cognito (a child process)")
		}
		dir, err := load.CognitoDir()
		if err != nil {
			return Row{}, err
		}
		p, err := load.StartCognito(dir, procs)
		if err != nil {
			return Row{}, err
		}
		defer p.Stop()
		cfg.BaseURL, cfg.ServerCPU = p.URL, p.CPU
		if res, err = load.RunCognito(cfg); err != nil {
			return Row{}, err
		}
		res.ServerGOMAXPROCS = cmp.Or(procs, runtime.NumCPU())
	case *inProcess:
		s, err := load.NewServer(kind, load.ServerOptions{RedisAddr: redisAddr})
		if err != nil {
			return Row{}, err
		}
		ts := httptest.NewServer(s)
		defer func() { ts.Close(); s.Close() }()
		cfg.BaseURL = ts.URL
	default:
		prof := *cpuProfile
		if prof != "" && several {
			ext := ""
			if i := strings.LastIndexByte(prof, '.'); i > strings.LastIndexByte(prof, '/') {
				prof, ext = prof[:i], prof[i:]
			}
			prof += "-" + kind + "-cpu" + strconv.Itoa(procs) + ext
		}
		p, err := load.Spawn(exe, kind, load.SpawnOptions{ServerOptions: load.ServerOptions{RedisAddr: redisAddr}, GOMAXPROCS: procs, CPUProfile: prof})
		if err != nil {
			return Row{}, err
		}
		defer p.Stop()
		cfg.BaseURL = p.URL
	}
	if res == nil {
		if res, err = load.Run(cfg); err != nil {
			return Row{}, err
		}
	}
	r := Row{
		Server: kind, ServerGOMAXPROCS: res.ServerGOMAXPROCS, Clients: cfg.Clients, Users: cfg.Users, Contend: cfg.Contend, InProcess: *inProcess,
		Registrations: res.Register.OK, RegPerSec: res.Register.Rate(), RegCPU: res.Register.CPUPer(),
		SignIns: res.SignIn.OK, SignInsPerSec: res.SignIn.Rate(),
		P50: res.SignIn.Percentile(0.50), P95: res.SignIn.Percentile(0.95), P99: res.SignIn.Percentile(0.99),
		SignInCPU: res.SignIn.CPUPer(), CloneFlags: res.CloneFlags,
		Violations: res.Violations, ViolationCount: res.ViolationCount,
	}
	if res.SignIn.OK > 0 {
		r.RedisCPU = res.SignIn.ExtraCPU / time.Duration(res.SignIn.OK)
	}
	r.P50ns, r.P95ns, r.P99ns = int64(r.P50), int64(r.P95), int64(r.P99)
	if r.SignInCPU > 0 {
		r.PerCoreSignInsSec = float64(time.Second) / float64(r.SignInCPU)
	}
	return r, nil
}

func us(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e3, 'f', 0, 64) }

func print(rows []Row) {
	scope := "server process"
	if *inProcess {
		scope = "whole process, clients included (-inprocess)"
	}
	fmt.Printf("load: %d users, %d clients, contend %v, %s; one P-256 verify %s µs CPU (GOMAXPROCS here %d, %d cores)\n",
		*users, *clients, *contend, phaseDesc(), us(rows[0].P256), runtime.GOMAXPROCS(0), runtime.NumCPU())
	fmt.Printf("CPU per ceremony: %s; ours-redis adds redis-server's CPU (shown apart)\n\n", scope)
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "server\tprocs\treg/s\treg CPU µs\tsign-ins/s\tp50 µs\tp95 µs\tp99 µs\tCPU/sign-in µs\t(redis µs)\t× P-256\tsign-ins/s/core\tclone flags\tinvariants\t")
	for _, r := range rows {
		inv := "hold"
		if r.ViolationCount > 0 {
			inv = strconv.Itoa(r.ViolationCount) + " BROKEN"
		}
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%s\t%.0f\t%s\t%s\t%s\t%s\t%s\t%.2f\t%.0f\t%d\t%s\t\n",
			r.Server, r.ServerGOMAXPROCS, r.RegPerSec, us(r.RegCPU), r.SignInsPerSec, us(r.P50), us(r.P95), us(r.P99),
			us(r.SignInCPU), us(r.RedisCPU), float64(r.SignInCPU)/float64(cmp.Or(r.P256, 1)), r.PerCoreSignInsSec, r.CloneFlags, inv)
	}
	tw.Flush()
	for _, r := range rows {
		for _, v := range r.Violations {
			fmt.Printf("%s: %s\n", r.Server, v)
		}
	}
}

func phaseDesc() string {
	if *signIns > 0 {
		return strconv.Itoa(*signIns) + " sign-ins"
	}
	return "sign-ins for " + duration.String()
}
