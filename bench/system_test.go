package bench

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"os"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/go-webauthn/webauthn/metadata"
	"github.com/go-webauthn/webauthn/metadata/providers/memory"

	webauthn "github.com/passkeykit/webauthn"
	"github.com/passkeykit/webauthn/bench/internal/load"
	"github.com/passkeykit/webauthn/bench/internal/mdsgen"
	"github.com/passkeykit/webauthn/ceremony"
	"github.com/passkeykit/webauthn/mds"
	"github.com/passkeykit/webauthn/trust"
)

// System-level benchmarks (issue 17 §3). Their names are a contract read by
// cmd/compare:
//
//	BenchmarkSignIn/<server>          one sign-in (login/begin + login/finish) over loopback HTTP
//	BenchmarkP256Verify               one ecdsa.VerifyASN1, P-256, the reference cost
//	BenchmarkChallengeMemory/<kind>   one outstanding challenge (Start), memory held
//	BenchmarkMDSLoad/<side>           loading the full-size generated MDS BLOB

// TestMain lets the test binary serve as a load server child process
// (load.ServeFromEnv), and stops the servers BenchmarkSignIn started.
func TestMain(m *testing.M) {
	load.ServeFromEnv()
	code := m.Run()
	signInServers.stop()
	os.Exit(code)
}

// signInClients is the number of concurrent clients of BenchmarkSignIn.
const signInClients = 16

// signInUsers is the number of users BenchmarkSignIn registers per server.
const signInUsers = 4 * signInClients

// signInServer is a server child process with its registered users, kept
// across the calls the benchmark framework makes with growing b.N.
type signInServer struct {
	proc   *load.Proc
	driver *load.Driver
}

type serverSet struct {
	mu    sync.Mutex
	m     map[string]*signInServer
	redis *load.Redis
}

var signInServers serverSet

func (s *serverSet) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range s.m {
		v.driver.Close()
		v.proc.Stop()
	}
	if s.redis != nil {
		s.redis.Stop()
	}
}

// get returns the server of kind with GOMAXPROCS procs, started and
// populated on first use.
func (s *serverSet) get(b *testing.B, kind string, procs int) *signInServer {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := kind + "/" + strconv.Itoa(procs)
	if v := s.m[key]; v != nil {
		return v
	}
	var o load.SpawnOptions
	o.GOMAXPROCS = procs
	if kind == load.OursRedis {
		if s.redis == nil {
			r, err := load.StartRedis()
			if err != nil {
				b.Skipf("ours-redis: %v", err)
			}
			s.redis = r
		}
		o.RedisAddr = s.redis.Addr
	}
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	p, err := load.Spawn(exe, kind, o)
	if err != nil {
		b.Fatal(err)
	}
	cfg := load.Config{BaseURL: p.URL, Users: signInUsers, Clients: signInClients}
	if kind == load.OursRedis {
		cfg.ExtraCPU = s.redis.CPU
	}
	d, err := load.NewDriver(cfg)
	if err == nil {
		err = d.Register()
	}
	if err == nil && d.Result().Register.OK != signInUsers {
		err = errRegistration
	}
	if err != nil {
		p.Stop()
		b.Fatal(err)
	}
	if s.m == nil {
		s.m = map[string]*signInServer{}
	}
	v := &signInServer{proc: p, driver: d}
	s.m[key] = v
	return v
}

var errRegistration = errorString("bench: not every user registered")

type errorString string

func (e errorString) Error() string { return string(e) }

// BenchmarkSignIn is one sign-in — login/begin and login/finish round trips
// over loopback HTTP, a software authenticator's ES256 assertion — against
// a server in a child process whose GOMAXPROCS is this benchmark's (-cpu),
// driven by signInClients concurrent clients. ns/op is wall time per
// sign-in (throughput); server-ns/op the server process's CPU time per
// sign-in (getrusage), redis-ns/op the redis-server's (ours-redis);
// server-allocs/op and server-B/op the server's heap allocations per
// sign-in (runtime.MemStats); p50-ns and p99-ns the latency of one
// sign-in. B/op and allocs/op (with -benchmem) are the clients'. Sign-ins per second per server
// core is 1e9 / (server-ns/op + redis-ns/op).
func BenchmarkSignIn(b *testing.B) {
	for _, kind := range load.Kinds {
		b.Run(kind, func(b *testing.B) {
			s := signInServers.get(b, kind, runtime.GOMAXPROCS(0))
			before := *s.driver.Result()
			b.ResetTimer()
			if err := s.driver.SignIn(b.N, 0); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			after := s.driver.Result()
			ok := after.SignIn.OK - before.SignIn.OK
			if after.SignIn.Failed != before.SignIn.Failed || after.ViolationCount != before.ViolationCount || ok != b.N {
				b.Fatalf("%d of %d sign-ins failed: %v", b.N-ok, b.N, after.Violations)
			}
			cpu := after.SignIn.ServerCPU - before.SignIn.ServerCPU
			extra := after.SignIn.ExtraCPU - before.SignIn.ExtraCPU
			b.ReportMetric(float64(cpu)/float64(b.N), "server-ns/op")
			b.ReportMetric(float64(extra)/float64(b.N), "redis-ns/op")
			b.ReportMetric(float64(after.SignIn.ServerAllocs-before.SignIn.ServerAllocs)/float64(b.N), "server-allocs/op")
			b.ReportMetric(float64(after.SignIn.ServerBytes-before.SignIn.ServerBytes)/float64(b.N), "server-B/op")
			// Latency percentiles of this call's sign-ins only.
			lat := after.SignIn.Latencies
			if n := len(before.SignIn.Latencies); n > 0 {
				lat = load.Subtract(lat, before.SignIn.Latencies)
			}
			b.ReportMetric(float64(load.Quantile(lat, 0.50)), "p50-ns")
			b.ReportMetric(float64(load.Quantile(lat, 0.99)), "p99-ns")
		})
	}
}

// BenchmarkP256Verify is one ecdsa.VerifyASN1 of a P-256/SHA-256 signature,
// the digest computed once: the cost a sign-in cannot avoid. cpu-ns/op is
// the thread's CPU time per verification (getrusage RUSAGE_THREAD), which
// other processes sharing the cores do not inflate; BenchmarkSignIn's
// server CPU is compared with it.
func BenchmarkP256Verify(b *testing.B) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	h := sha256.Sum256([]byte("bench"))
	sig, _ := ecdsa.SignASN1(rand.Reader, k, h[:])
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ReportAllocs()
	t0 := load.ThreadCPU()
	for b.Loop() {
		if !ecdsa.VerifyASN1(&k.PublicKey, h[:], sig) {
			b.Fatal("verify failed")
		}
	}
	b.ReportMetric(float64(load.ThreadCPU()-t0)/float64(b.N), "cpu-ns/op")
}

// heapInUse returns the live heap after a full collection.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// BenchmarkChallengeMemory issues b.N challenges through ceremony.Lifecycle
// into one MemStore, each for its own client (session ID) as browsers do,
// and none consumed: ns/op is one Start, held-B/challenge the live heap
// the store holds per outstanding challenge (runtime.MemStats after a GC,
// before and after; the options JSON Start returns is garbage by then).
// authentication: a sign-in of a known user (32-byte user handle, one
// allowCredentials entry); registration: a sign-up (the default algorithm
// list).
func BenchmarkChallengeMemory(b *testing.B) {
	rp := &webauthn.RelyingParty{RPID: "example.org", Origins: []string{"https://example.org"}}
	handle := make([]byte, 32)
	credID := make([]byte, 32)
	rand.Read(handle)
	rand.Read(credID)
	for _, kind := range []string{"authentication", "registration"} {
		b.Run(kind, func(b *testing.B) {
			store := &ceremony.MemStore{MaxChallenges: b.N + 1}
			lc := ceremony.Lifecycle{RP: rp, Store: store}
			ctx := context.Background()
			ids := make([]string, b.N)
			for i := range ids {
				// A session cookie value: 43 characters, as webauthnhttp's.
				s := strconv.Itoa(i)
				ids[i] = "session-" + string(make([]byte, 35-len(s))) + s
			}
			allow := &ceremony.AuthenticationOptions{AllowCredentials: []webauthn.Credential{{ID: credID}}}
			user := ceremony.User{ID: handle, Name: "user@example.org"}
			before := heapInUse()
			b.ResetTimer()
			for i := range b.N {
				var err error
				if kind == "authentication" {
					_, err = lc.StartAuthentication(ctx, handle, ids[i], allow)
				} else {
					_, err = lc.StartRegistration(ctx, user, ids[i], nil)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			ids = nil // the store holds its own references to the IDs it keeps
			held := heapInUse() - before
			if store.Len() != b.N {
				b.Fatalf("store holds %d of %d challenges", store.Len(), b.N)
			}
			b.ReportMetric(float64(held)/float64(b.N), "held-B/challenge")
			runtime.KeepAlive(store)
		})
	}
}

// mdsEntries and mdsIconBytes size the generated BLOB of BenchmarkMDSLoad:
// about 8 MB with a few thousand entries, each with its own root
// certificate, two status reports and an icon (the production BLOB's size
// is mostly icons).
const (
	mdsEntries   = 2500
	mdsIconBytes = 200
)

var (
	bigBLOBOnce sync.Once
	bigBLOB     []byte
	bigPKI      *mdsgen.PKI
	bigBLOBErr  error
)

func fullBLOB(b *testing.B) ([]byte, *mdsgen.PKI) {
	bigBLOBOnce.Do(func() {
		entries, err := mdsgen.Filler(mdsEntries, mdsIconBytes)
		if err != nil {
			bigBLOBErr = err
			return
		}
		if bigPKI, err = mdsgen.NewPKI(); err != nil {
			bigBLOBErr = err
			return
		}
		bigBLOB, bigBLOBErr = bigPKI.Sign(7, "2099-01-01", entries)
	})
	if bigBLOBErr != nil {
		b.Fatal(bigBLOBErr)
	}
	return bigBLOB, bigPKI
}

// BenchmarkMDSLoad loads the generated full-size MDS BLOB (JWS
// verification, payload parse, every entry's root certificate parsed,
// index built): ours is mds.Load; go-webauthn is metadata.Decoder
// DecodeBytes + Parse and the memory provider over its maps, what a
// go-webauthn server needs before it can judge an attestation. held-B is
// the live heap the loaded result keeps (after a GC, with the BLOB itself
// not counted); entries the entries indexed.
func BenchmarkMDSLoad(b *testing.B) {
	blob, pki := fullBLOB(b)
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	sides := []struct {
		name string
		load func() (any, int, error)
	}{
		{"ours", func() (any, int, error) {
			idx, err := mds.Load(blob, &mds.LoadOptions{Roots: trust.NewPool(pki.Root), At: at})
			if err != nil {
				return nil, 0, err
			}
			return idx, len(idx.Entries), nil
		}},
		{"go-webauthn", func() (any, int, error) {
			dec, err := metadata.NewDecoder(metadata.WithRootCertificate(pki.RootB64()))
			if err != nil {
				return nil, 0, err
			}
			payload, err := dec.DecodeBytes(blob)
			if err != nil {
				return nil, 0, err
			}
			md, err := dec.Parse(payload)
			if err != nil {
				return nil, 0, err
			}
			p, err := memory.New(memory.WithMetadata(md.ToMap()), memory.WithMetadataKeyIdentifiers(md.ToKeyIdentifierMap()))
			return p, len(md.Parsed.Entries), err
		}},
	}
	for _, s := range sides {
		b.Run(s.name, func(b *testing.B) {
			before := heapInUse()
			v, n, err := s.load()
			if err != nil {
				b.Fatal(err)
			}
			held := heapInUse() - before
			runtime.KeepAlive(v)
			if n != mdsEntries {
				b.Fatalf("%d entries loaded, want %d", n, mdsEntries)
			}
			v = nil
			b.SetBytes(int64(len(blob)))
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := s.load(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(held), "held-B")
			b.ReportMetric(float64(n), "entries")
			b.ReportMetric(float64(len(blob)), "blob-B")
		})
	}
}

// TestMDSBLOB checks the generated BLOB is one both loaders accept in full,
// so that BenchmarkMDSLoad compares equal work, and that both reject it
// once its signature is altered.
func TestMDSBLOB(t *testing.T) {
	entries, err := mdsgen.Filler(20, 100)
	if err != nil {
		t.Fatal(err)
	}
	pki, err := mdsgen.NewPKI()
	if err != nil {
		t.Fatal(err)
	}
	blob, err := pki.Sign(1, "2099-01-01", entries)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ours := func(b []byte) (int, int, error) {
		idx, err := mds.Load(b, &mds.LoadOptions{Roots: trust.NewPool(pki.Root), At: at})
		if err != nil {
			return 0, 0, err
		}
		return len(idx.Entries), len(idx.Skipped), nil
	}
	theirs := func(b []byte) (int, int, error) {
		dec, _ := metadata.NewDecoder(metadata.WithRootCertificate(pki.RootB64()))
		payload, err := dec.DecodeBytes(b)
		if err != nil {
			return 0, 0, err
		}
		md, err := dec.Parse(payload)
		if err != nil {
			return 0, 0, err
		}
		return len(md.Parsed.Entries), len(md.Unparsed), nil
	}
	bad := append([]byte(nil), blob...)
	bad[len(bad)-5] ^= 'A' ^ 'B'
	for name, load := range map[string]func([]byte) (int, int, error){"ours": ours, "go-webauthn": theirs} {
		n, skipped, err := load(blob)
		if err != nil || n != len(entries) || skipped != 0 {
			t.Errorf("%s: %d entries, %d skipped, %v; want %d, 0, nil", name, n, skipped, err, len(entries))
		}
		if _, _, err := load(bad); err == nil {
			t.Errorf("%s accepts the BLOB with an altered signature", name)
		}
	}
}
