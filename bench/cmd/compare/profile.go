package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// A breakdown attributes every CPU profile sample to the innermost frame
// that matches one of a list of rules (leaf first), so that, e.g., an
// allocation under the HTTP layer counts as allocation and a SHA-256 block
// under the verifier as SHA-256.
type rule struct {
	label string
	re    *regexp.Regexp
}

func rules(pairs ...string) []rule {
	out := make([]rule, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, rule{pairs[i], regexp.MustCompile(pairs[i+1])})
	}
	return out
}

// Rules of the server's sign-in profile.
var signInRules = rules(
	"ECDSA P-256 verification", `^crypto/(ecdsa|internal/fips140/(ecdsa|nistec|bigmod))[./]`,
	"SHA-256, HMAC, randomness", `^crypto/`,
	"allocation and GC", `^runtime\.(gc|mallocgc|markroot|scanobject|greyobject|sweep|bgsweep|bgscavenge|newobject|makeslice|growslice|memclrNoHeapPointers|nextFreeFast|heapSetType|wbBuf|bulkBarrier|mProf|scanblock|scanstack|tryDeferToSpanScan|(.*[sS]pan.*))`,
	"syscalls (socket I/O, epoll, futex)", `^(internal/runtime/syscall|syscall|runtime\.(futex|epoll|netpoll|usleep|nanotime|write1|read))`,
	"encoding/json (options, summaries, state)", `^encoding/json\.`,
	"strict JSON reader (internal/jsonx)", `^github\.com/passkeykit/webauthn/internal/jsonx\.`,
	"webauthnhttp (requests, users, cookies)", `^github\.com/passkeykit/webauthn/webauthnhttp\.`,
	"ceremony (options, challenge store)", `^github\.com/passkeykit/webauthn/ceremony\.`,
	"verifier (root package and parsers)", `^github\.com/passkeykit/webauthn[./]`,
	"net/http, textproto, bufio, net", `^(net/http|net/textproto|bufio|net|internal/poll|mime|net/url)[./]`,
	"other (scheduler, runtime, strings)", `.`,
)

// Rules of the none registration profile.
var noneRules = rules(
	"SHA-256", `^crypto/(sha256|internal/fips140/sha256|internal/fips140deps)`,
	"strict JSON (internal/jsonx)", `/internal/jsonx\.`,
	"base64url (internal/b64)", `/internal/b64\.|^encoding/base64\.`,
	"CBOR (internal/cbor)", `/internal/cbor\.`,
	"authenticator data (authdata)", `/authdata\.`,
	"client data (clientdata)", `/clientdata\.`,
	"COSE key (cose)", `/cose(/cosesig)?\.`,
	"attestation object (attestation)", `/attestation\.`,
	"other crypto", `^crypto/`,
	"verifier glue (root package: response JSON walk, steps, policy)", `^github\.com/passkeykit/webauthn\.`,
	"runtime, benchmark loop", `.`,
)

type breakdown struct {
	title, unit string
	per         float64 // samples are divided by this (ops) and scaled to unit
	scale       float64
	labels      []string
	values      map[string]time.Duration
	total       time.Duration
	note        string
}

// analyze runs go tool pprof -traces on prof and attributes the samples.
func analyze(bin, prof string, rs []rule) (map[string]time.Duration, time.Duration, error) {
	out, err := exec.Command("go", "tool", "pprof", "-traces", bin, prof).Output()
	if err != nil {
		return nil, 0, fmt.Errorf("go tool pprof -traces: %w", err)
	}
	values := map[string]time.Duration{}
	var total time.Duration
	var cur time.Duration
	decided := true
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		l := sc.Text()
		if strings.HasPrefix(l, "-----------+") {
			if !decided {
				values[rs[len(rs)-1].label] += cur
			}
			cur, decided = 0, true
			continue
		}
		f := strings.Fields(l)
		if len(f) == 0 {
			continue
		}
		fn := f[0]
		if d, err := time.ParseDuration(f[0]); err == nil && len(f) >= 2 {
			cur, decided, fn = d, false, f[1]
			total += d
		}
		if decided || cur == 0 {
			continue
		}
		for _, r := range rs {
			if r.re.MatchString(fn) && r.label != rs[len(rs)-1].label {
				values[r.label] += cur
				decided = true
				break
			}
		}
	}
	if !decided {
		values[rs[len(rs)-1].label] += cur
	}
	return values, total, sc.Err()
}

func (b *breakdown) print() {
	fmt.Printf("### %s\n\n%s\n\n| where | %s | share |\n|---|---:|---:|\n", b.title, b.note, b.unit)
	for _, l := range b.labels {
		v := b.values[l]
		if v == 0 {
			continue
		}
		fmt.Printf("| %s | %s | %s%% |\n", l, fmtF(float64(v)/b.per*b.scale, 2), fmtF(100*float64(v)/float64(b.total), 1))
	}
	fmt.Printf("| total sampled | %s | 100%% |\n\n", fmtF(float64(b.total)/b.per*b.scale, 2))
}

func labels(rs []rule) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.label
	}
	return out
}

// noneOps is the number of none registrations profiled.
const noneOps = 300000

// runProfiles profiles a none registration (ours-warm: no cache reset in
// the profile) and the ours-mem server's sign-ins, and attributes the time.
func runProfiles(bin, loadBin, tmp string) ([]breakdown, error) {
	var out []breakdown
	prof := filepath.Join(tmp, "none.pprof")
	cmd := exec.Command(bin, "-test.run", "^$", "-test.bench", "^BenchmarkRegistration$/^none-es256-registration$/^ours-warm$",
		"-test.benchtime", strconv.Itoa(noneOps)+"x", "-test.cpu", "1", "-test.cpuprofile", prof)
	cmd.Stderr = os.Stderr
	if b, err := cmd.Output(); err != nil {
		os.Stderr.Write(b)
		return nil, fmt.Errorf("profiling the none registration: %w", err)
	}
	values, total, err := analyze(bin, prof, noneRules)
	if err != nil {
		return nil, err
	}
	out = append(out, breakdown{
		title: "Profile: none registration (none-es256-registration, ours-warm, -cpu 1)", unit: "ns/registration", per: noneOps, scale: 1,
		labels: labels(noneRules), values: values, total: total,
		note: "CPU profile samples attributed to the innermost matching frame; SHA-256 and the strict JSON check are the floor the issue names, the rest is parsing and policy.",
	})

	prof = filepath.Join(tmp, "signin.pprof")
	js := filepath.Join(tmp, "signin.json")
	cmd = exec.Command(loadBin, "-server", "ours-mem", "-server-cpu", "1", "-users", "500", "-clients", strconv.Itoa(*loadCli),
		"-duration", max(*loadDur, 5*time.Second).String(), "-cpuprofile", prof, "-json", js)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("profiling the sign-ins: %w", err)
	}
	b, err := os.ReadFile(js)
	if err != nil {
		return nil, err
	}
	var rows []loadRow
	if err := json.Unmarshal(b, &rows); err != nil || len(rows) != 1 || rows[0].SignIns == 0 {
		return nil, fmt.Errorf("profiling the sign-ins: no result (%v)", err)
	}
	values, total, err = analyze(loadBin, prof, signInRules)
	if err != nil {
		return nil, err
	}
	r := rows[0]
	out = append(out, breakdown{
		title: "Profile: server CPU per sign-in (cmd/load, ours-mem, server GOMAXPROCS 1)", unit: "µs/sign-in", per: float64(r.SignIns), scale: 1e-3,
		labels: labels(signInRules), values: values, total: total,
		note: fmt.Sprintf("%d sign-ins, getrusage %s µs CPU per sign-in = %s × one P-256 verify (%s µs); the profile samples at 100 Hz and misses some kernel time.",
			r.SignIns, fmtF(float64(r.SignInCPU)/1e3, 0), fmtF(float64(r.SignInCPU)/float64(r.P256), 2), fmtF(float64(r.P256)/1e3, 1)),
	})
	return out, nil
}
