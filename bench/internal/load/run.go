package load

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/passkeykit/webauthn/bench/internal/softauthn"
)

// Config is one load run against a server.
type Config struct {
	// BaseURL is the server, e.g. http://127.0.0.1:8080.
	BaseURL string
	// Users are registered first, then signed in; names are NamePrefix+i.
	Users      int
	NamePrefix string
	// Clients run concurrently, each with its own session cookie.
	Clients int
	// SignIns is the number of sign-ins of the second phase; when 0,
	// Duration bounds it instead.
	SignIns  int
	Duration time.Duration
	// Contend lets every client sign in any user, so that one credential is
	// used by several clients at once and the server's counter update races
	// (issue 21); otherwise client k owns users k, k+Clients, … and every
	// sign-in of a credential follows the previous one.
	Contend bool
	// ExtraCPU, if set, is more server-side CPU to count (the Redis server's).
	ExtraCPU func() time.Duration
	// ServerCPU, if set, reads the server's CPU time instead of its
	// /_load/cpu endpoint (a server that has none: cognito-local); the
	// server's allocations are then not measured.
	ServerCPU func() time.Duration
}

// Phase is the measurement of one phase (registrations or sign-ins).
type Phase struct {
	OK, Failed int
	Wall       time.Duration
	// Latencies are the wall times of the successful ceremonies (begin and
	// finish round trips together), sorted.
	Latencies []time.Duration
	// ServerCPU is the server process's CPU time during the phase;
	// ExtraCPU the ExtraCPU during it (Redis).
	ServerCPU, ExtraCPU time.Duration
	// ServerAllocs and ServerBytes are the server's heap allocations during
	// the phase (objects, bytes).
	ServerAllocs, ServerBytes uint64
}

// Rate is successful ceremonies per second of wall time.
func (p *Phase) Rate() float64 {
	if p.Wall <= 0 {
		return 0
	}
	return float64(p.OK) / p.Wall.Seconds()
}

// CPUPer is server CPU (with ExtraCPU) per successful ceremony.
func (p *Phase) CPUPer() time.Duration {
	if p.OK == 0 {
		return 0
	}
	return (p.ServerCPU + p.ExtraCPU) / time.Duration(p.OK)
}

// Percentile returns the q-quantile (0..1) of the latencies.
func (p *Phase) Percentile(q float64) time.Duration { return Quantile(p.Latencies, q) }

// Result is a run's measurements and the invariants it broke.
type Result struct {
	Config
	Register, SignIn Phase
	// Status counts the non-200 answers by HTTP status.
	Status map[int]int
	// CloneFlags counts sign-ins answered cloneSuspected.
	CloneFlags int
	// ServerGOMAXPROCS is the server's.
	ServerGOMAXPROCS int
	// Violations are the broken invariants, one line each (at most
	// maxViolations kept; ViolationCount has them all).
	Violations     []string
	ViolationCount int
}

const maxViolations = 20

func (r *Result) violate(format string, args ...any) {
	r.ViolationCount++
	if len(r.Violations) < maxViolations {
		r.Violations = append(r.Violations, fmt.Sprintf(format, args...))
	}
}

// user is one account of the run as the clients know it.
type user struct {
	name string
	cred *softauthn.Credential
	// accepted is the highest counter of a sign-in the server accepted.
	accepted atomic.Uint32
}

// failure is one ceremony that did not answer 200.
type failure struct {
	status int // 0: no HTTP answer
	err    error
}

// worker is one client's tally.
type worker struct {
	lat   []time.Duration
	fails []failure
	clone int
	viol  []string
}

func (w *worker) fail(err error) {
	f := failure{err: err}
	if he := (*httpError)(nil); errors.As(err, &he) {
		f.status = he.status
	}
	w.fails = append(w.fails, f)
}

// Driver runs the phases of a load run against one server: Register, then
// SignIn any number of times, then Check.
type Driver struct {
	cfg     Config
	tr      *http.Transport
	clients []*client
	users   []*user
	live    []*user // registered
	res     *Result
}

// NewDriver checks cfg and reaches the server.
func NewDriver(cfg Config) (*Driver, error) {
	if cfg.Users <= 0 || cfg.Clients <= 0 {
		return nil, errors.New("load: Users and Clients must be positive")
	}
	if !cfg.Contend && cfg.Users < cfg.Clients {
		return nil, errors.New("load: fewer users than clients: each client needs a user of its own (or Contend)")
	}
	d := &Driver{cfg: cfg, res: &Result{Config: cfg, Status: map[int]int{}}}
	d.tr = &http.Transport{MaxIdleConns: 2*cfg.Clients + 8, MaxIdleConnsPerHost: 2*cfg.Clients + 8, DisableCompression: true}
	cpu, err := serverCPU(d.tr, cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	d.res.ServerGOMAXPROCS = cpu.GOMAXPROCS
	d.clients = make([]*client, cfg.Clients)
	for i := range d.clients {
		d.clients[i] = newClient(cfg.BaseURL, d.tr)
	}
	d.users = make([]*user, cfg.Users)
	for i := range d.users {
		d.users[i] = &user{name: cfg.NamePrefix + "user" + strconv.Itoa(i)}
	}
	return d, nil
}

// Close releases the driver's connections.
func (d *Driver) Close() { d.tr.CloseIdleConnections() }

// Result is what the phases run so far measured.
func (d *Driver) Result() *Result { return d.res }

// Register registers every user, client k registering users k, k+C, ….
func (d *Driver) Register() error {
	err := d.res.Register.measure(d.tr, d.cfg, d.res, func(k int, w *worker) {
		for i := k; i < len(d.users); i += len(d.clients) {
			u := d.users[i]
			t := time.Now()
			cred, err := d.clients[k].register(u.name)
			if err != nil {
				w.fail(err)
				w.viol = append(w.viol, "registration of "+u.name+" refused: "+err.Error())
				continue
			}
			w.lat = append(w.lat, time.Since(t))
			u.cred = cred
		}
	})
	d.live = d.live[:0]
	for _, u := range d.users {
		if u.cred != nil {
			d.live = append(d.live, u)
		}
	}
	return err
}

// SignIn runs n sign-ins (or, with n 0, sign-ins for dur) and adds them to
// Result().SignIn.
func (d *Driver) SignIn(n int, dur time.Duration) error {
	if len(d.live) == 0 {
		return errors.New("load: no registered user to sign in")
	}
	var left atomic.Int64
	left.Store(int64(n))
	deadline := time.Now().Add(dur)
	more := func() bool {
		if n > 0 {
			return left.Add(-1) >= 0
		}
		return time.Now().Before(deadline)
	}
	var p Phase
	err := p.measure(d.tr, d.cfg, d.res, func(k int, w *worker) {
		var own []*user
		for i := k; i < len(d.live); i += len(d.clients) {
			own = append(own, d.live[i])
		}
		rng := rand.New(rand.NewPCG(uint64(k), 21))
		for j := 0; more(); j++ {
			var u *user
			if d.cfg.Contend {
				u = d.live[rng.IntN(len(d.live))]
			} else {
				if len(own) == 0 {
					return
				}
				u = own[j%len(own)]
			}
			t := time.Now()
			n, ans, err := d.clients[k].signIn(u.name, u.cred)
			if err != nil {
				w.fail(err)
				w.viol = append(w.viol, fmt.Sprintf("valid sign-in of %s (counter %d) refused: %v", u.name, n, err))
				continue
			}
			w.lat = append(w.lat, time.Since(t))
			for {
				a := u.accepted.Load()
				if n <= a || u.accepted.CompareAndSwap(a, n) {
					break
				}
			}
			if ans.CloneSuspected {
				w.clone++
			}
			if ans.SignCount != n {
				w.viol = append(w.viol, fmt.Sprintf("sign-in of %s: server reports counter %d, authenticator signed %d", u.name, ans.SignCount, n))
			}
			if !d.cfg.Contend && (ans.PreviousSignCount >= n || ans.CloneSuspected) {
				w.viol = append(w.viol, fmt.Sprintf("sign-in of %s with counter %d judged against stored %d (clone %v): the stored counter went backwards or lost an update", u.name, n, ans.PreviousSignCount, ans.CloneSuspected))
			}
		}
	})
	d.res.SignIn.add(&p)
	return err
}

// Check reads every user's account from the server's user store and
// records the broken invariants in Result().Violations.
func (d *Driver) Check() error {
	names := make([]string, len(d.users))
	for i, u := range d.users {
		names[i] = u.name
	}
	accounts, err := fetchState(d.tr, d.cfg.BaseURL, names)
	if err != nil {
		return err
	}
	res := d.res
	for i, u := range d.users {
		if u.cred == nil {
			continue // already a violation: refused registration
		}
		a := accounts[i]
		id := base64.RawURLEncoding.EncodeToString(u.cred.ID)
		var got []StateCredRec
		for _, c := range a.Credentials {
			if c.ID == id {
				got = append(got, c)
			}
		}
		switch {
		case !a.Found:
			res.violate("registered user %s is not listed by the server's user store", u.name)
		case len(a.Credentials) != 1 || len(got) != 1:
			res.violate("user %s lists %d credentials (%d with the registered ID), want exactly the one registered", u.name, len(a.Credentials), len(got))
		case got[0].SignCount < u.accepted.Load():
			res.violate("user %s: stored counter %d is below the accepted %d: the counter went backwards", u.name, got[0].SignCount, u.accepted.Load())
		case got[0].SignCount > u.cred.Counter():
			res.violate("user %s: stored counter %d exceeds any the authenticator signed (%d)", u.name, got[0].SignCount, u.cred.Counter())
		case got[0].SignCount != u.accepted.Load():
			res.violate("user %s: stored counter %d, highest accepted %d", u.name, got[0].SignCount, u.accepted.Load())
		}
	}
	for s, n := range res.Status {
		if s >= 500 || s == 0 {
			res.violate("%d answers with status %d (0: no answer)", n, s)
		}
	}
	return nil
}

// Run registers cfg.Users users, signs them in (cfg.SignIns, or for
// cfg.Duration), checks the invariants of issue 21 against the server's
// user store, and returns the measurements. An error means the run could
// not be made (the server is unreachable); broken invariants are in
// Result.Violations.
func Run(cfg Config) (*Result, error) {
	if cfg.SignIns <= 0 && cfg.Duration <= 0 {
		return nil, errors.New("load: set SignIns or Duration")
	}
	d, err := NewDriver(cfg)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	if err := d.Register(); err != nil {
		return nil, err
	}
	if len(d.live) > 0 {
		startProfile(d.tr, cfg.BaseURL)
		if err := d.SignIn(cfg.SignIns, cfg.Duration); err != nil {
			return nil, err
		}
	}
	if err := d.Check(); err != nil {
		return nil, err
	}
	return d.res, nil
}

// add merges q into p.
func (p *Phase) add(q *Phase) {
	p.OK += q.OK
	p.Failed += q.Failed
	p.Wall += q.Wall
	p.ServerCPU += q.ServerCPU
	p.ExtraCPU += q.ExtraCPU
	p.ServerAllocs += q.ServerAllocs
	p.ServerBytes += q.ServerBytes
	p.Latencies = append(p.Latencies, q.Latencies...)
	slices.Sort(p.Latencies)
}

// measure runs f on every client concurrently and records the phase.
func (p *Phase) measure(tr *http.Transport, cfg Config, res *Result, f func(k int, w *worker)) error {
	sample := func() (cpuSample, error) {
		if cfg.ServerCPU != nil {
			return cpuSample{CPU: cfg.ServerCPU()}, nil
		}
		return serverCPU(tr, cfg.BaseURL)
	}
	before, err := sample()
	if err != nil {
		return err
	}
	var extra0 time.Duration
	if cfg.ExtraCPU != nil {
		extra0 = cfg.ExtraCPU()
	}
	workers := make([]worker, cfg.Clients)
	start := time.Now()
	var wg sync.WaitGroup
	for k := range workers {
		wg.Go(func() { f(k, &workers[k]) })
	}
	wg.Wait()
	p.Wall = time.Since(start)
	after, err := sample()
	if err != nil {
		return err
	}
	p.ServerCPU = after.CPU - before.CPU
	p.ServerAllocs, p.ServerBytes = after.Mallocs-before.Mallocs, after.TotalAlloc-before.TotalAlloc
	if cfg.ExtraCPU != nil {
		p.ExtraCPU = cfg.ExtraCPU() - extra0
	}
	for i := range workers {
		w := &workers[i]
		p.Latencies = append(p.Latencies, w.lat...)
		p.OK += len(w.lat)
		p.Failed += len(w.fails)
		for _, f := range w.fails {
			res.Status[f.status]++
		}
		res.CloneFlags += w.clone
		for _, v := range w.viol {
			res.violate("%s", v)
		}
	}
	slices.Sort(p.Latencies)
	return nil
}

func serverCPU(tr http.RoundTripper, base string) (cpuSample, error) {
	var s cpuSample
	resp, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Get(base + "/_load/cpu")
	if err != nil {
		return s, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return s, errors.New("load: /_load/cpu answered " + resp.Status)
	}
	return s, json.NewDecoder(resp.Body).Decode(&s)
}

// fetchState returns the server's accounts for names, in order.
func fetchState(tr http.RoundTripper, base string, names []string) ([]Account, error) {
	hc := &http.Client{Transport: tr, Timeout: 60 * time.Second}
	out := make([]Account, 0, len(names))
	for i := 0; i < len(names); i += 1000 {
		body, _ := json.Marshal(map[string]any{"names": names[i:min(i+1000, len(names))]})
		resp, err := hc.Post(base+"/_load/state", "application/json", bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		var part []Account
		err = json.NewDecoder(resp.Body).Decode(&part)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusOK {
			return nil, errors.New("load: /_load/state answered " + resp.Status)
		}
		out = append(out, part...)
	}
	if len(out) != len(names) {
		return nil, errors.New("load: /_load/state answered the wrong number of accounts")
	}
	return out, nil
}

// Quantile returns the q-quantile (0..1) of sorted durations.
func Quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(int(q*float64(len(sorted))), len(sorted)-1)]
}

// Subtract returns the sorted durations of all that are not in some (a
// sorted sub-multiset of all), sorted.
func Subtract(all, some []time.Duration) []time.Duration {
	out := make([]time.Duration, 0, max(len(all)-len(some), 0))
	j := 0
	for _, d := range all {
		if j < len(some) && some[j] == d {
			j++
			continue
		}
		out = append(out, d)
	}
	return out
}

// startProfile asks a server started with a CPU profile file to start
// profiling; servers without one answer 404, which is ignored.
func startProfile(tr http.RoundTripper, base string) {
	resp, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Post(base+"/_load/profile", "text/plain", nil)
	if err == nil {
		resp.Body.Close()
	}
}
