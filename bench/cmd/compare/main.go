// Command compare runs the bench/ benchmarks interleaved — ours, ours-warm,
// go-webauthn and floor in turn, the order rotated every round — and prints
// one Markdown table per vector with the median of the rounds and the spread
// (min–max), the ratios ours/go-webauthn and ours/floor per round, the
// README's benchmark table, and a check of the project's performance targets.
//
// Run it inside bench/:
//
//	go run ./cmd/compare -rounds 5 -benchtime 300ms
//
// It builds the test binary once (go test -c) and runs it once per side per
// round, so that machine noise (other builds, thermal state) falls on every
// side alike instead of on whichever ran last.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

var (
	rounds    = flag.Int("rounds", 5, "interleaved rounds")
	benchtime = flag.String("benchtime", "300ms", "-test.benchtime per benchmark per round")
	filter    = flag.String("vectors", "", "only vectors whose name matches this regexp")
	cpus      = flag.Int("cpu", runtime.NumCPU(), "GOMAXPROCS for the non-parallel benchmarks")
	noParse   = flag.Bool("noparse", false, "skip BenchmarkParse and BenchmarkParallel")
	noSystem  = flag.Bool("nosystem", false, "skip the system benchmarks (BenchmarkSignIn, BenchmarkP256Verify, BenchmarkChallengeMemory, BenchmarkMDSLoad)")
	noLoad    = flag.Bool("noload", false, "skip the load program (cmd/load)")
	loadDur   = flag.Duration("load-duration", 3*time.Second, "sign-in phase of each load program run")
	loadUsers = flag.Int("load-users", 1000, "users of each load program run")
	loadCli   = flag.Int("load-clients", 16, "concurrent clients of each load program run")
	noProfile = flag.Bool("noprofile", false, "skip the CPU profiles (none registration, server sign-in)")
	keep      = flag.String("raw", "", "also write the raw benchmark output to this file")
)

// sides of the ceremony benchmarks, in contract order.
var sides = []string{"ours", "ours-warm", "go-webauthn", "go-webauthn-mds", "floor"}

// sample is one benchmark result line: ns/op, B/op, allocs/op and any
// other metric the benchmark reported (unit → value).
type sample struct {
	ns, bytes, allocs float64
	m                 map[string]float64
}

// results maps a benchmark name (without the -P suffix) to one sample per round.
type results map[string][]sample

func main() {
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "compare:", err)
		os.Exit(1)
	}
}

func run() error {
	if b, err := os.ReadFile("go.mod"); err != nil || !bytes.Contains(b, []byte("module github.com/passkeykit/webauthn/bench")) {
		return fmt.Errorf("run me inside bench/ (go run ./cmd/compare)")
	}
	tmp, err := os.MkdirTemp("", "compare")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "bench.test")
	build := exec.Command("go", "test", "-c", "-o", bin, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("go test -c: %w", err)
	}
	loadBin := filepath.Join(tmp, "load")
	if !*noLoad || !*noProfile {
		build := exec.Command("go", "build", "-o", loadBin, "./cmd/load")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("go build ./cmd/load: %w", err)
		}
	}
	var loads [][]loadRow
	var raw bytes.Buffer
	res := results{}
	vf := ""
	if *filter != "" {
		vf = "(" + *filter + ")"
	} else {
		vf = ".*"
	}
	for r := 0; r < *rounds; r++ {
		// Rotate the side order every round.
		order := append(slices.Clone(sides[r%len(sides):]), sides[:r%len(sides)]...)
		for _, s := range order {
			pat := "^Benchmark(Registration|Authentication)$/" + vf + "/^" + regexp.QuoteMeta(s) + "$"
			if err := runBench(bin, pat, *cpus, res, &raw); err != nil {
				return err
			}
		}
		if !*noParse {
			if err := runBench(bin, "^BenchmarkParse$", *cpus, res, &raw); err != nil {
				return err
			}
			for _, c := range []int{1, 2} {
				if err := runBench(bin, "^BenchmarkParallel$", c, res, &raw); err != nil {
					return err
				}
			}
		}
		if !*noSystem {
			for _, c := range []int{1, 2} {
				if err := runBench(bin, "^Benchmark(SignIn|P256Verify)$", c, res, &raw); err != nil {
					return err
				}
			}
			if err := runBench(bin, "^Benchmark(ChallengeMemory|MDSLoad)$", *cpus, res, &raw); err != nil {
				return err
			}
		}
		if !*noLoad {
			rows, err := runLoad(loadBin)
			if err != nil {
				return err
			}
			loads = append(loads, rows)
		}
		fmt.Fprintf(os.Stderr, "round %d/%d done\n", r+1, *rounds)
	}
	var profiles []breakdown
	if !*noProfile {
		if profiles, err = runProfiles(bin, loadBin, tmp); err != nil {
			return err
		}
	}
	if *keep != "" {
		if err := os.WriteFile(*keep, raw.Bytes(), 0o644); err != nil {
			return err
		}
	}
	report(res)
	readmeTable(res)
	if !*noSystem {
		reportSystem(res)
	}
	if len(loads) > 0 {
		reportLoad(loads)
	}
	for _, b := range profiles {
		b.print()
	}
	targets(res, loadInfo(), loads)
	return nil
}

func runBench(bin, pattern string, cpu int, res results, raw *bytes.Buffer) error {
	cmd := exec.Command(bin, "-test.run", "^$", "-test.bench", pattern, "-test.benchmem",
		"-test.count", "1", "-test.benchtime", *benchtime, "-test.cpu", strconv.Itoa(cpu))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	raw.Write(out)
	if err != nil {
		os.Stderr.Write(out)
		return fmt.Errorf("%s -test.bench %s: %w", bin, pattern, err)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		name, smp, ok := parseLine(sc.Text())
		if !ok {
			continue
		}
		if cpu != 1 {
			name = strings.TrimSuffix(name, "-"+strconv.Itoa(cpu))
		}
		if perCPU(name) {
			name += "@cpu" + strconv.Itoa(cpu)
		}
		res[name] = append(res[name], smp)
	}
	return sc.Err()
}

// perCPU reports whether a benchmark is kept apart per -cpu value.
func perCPU(name string) bool {
	for _, p := range []string{"BenchmarkParallel/", "BenchmarkSignIn/", "BenchmarkP256Verify"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// parseLine reads "BenchmarkX-P  N  v1 unit1  v2 unit2 …".
func parseLine(l string) (string, sample, bool) {
	f := strings.Fields(l)
	if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") || len(f)%2 != 0 {
		return "", sample{}, false
	}
	if _, err := strconv.Atoi(f[1]); err != nil {
		return "", sample{}, false
	}
	s := sample{m: map[string]float64{}}
	for i := 2; i+1 < len(f); i += 2 {
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			return "", sample{}, false
		}
		s.m[f[i+1]] = v
	}
	s.ns, s.bytes, s.allocs = s.m["ns/op"], s.m["B/op"], s.m["allocs/op"]
	if _, ok := s.m["ns/op"]; !ok {
		return "", sample{}, false
	}
	return f[0], s, true
}

// stat is the median and the spread of a series.
type stat struct{ med, min, max float64 }

func statOf(xs []float64) stat {
	if len(xs) == 0 {
		return stat{}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	med := s[len(s)/2]
	if len(s)%2 == 0 {
		med = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return stat{med, s[0], s[len(s)-1]}
}

func field(ss []sample, f func(sample) float64) []float64 {
	out := make([]float64, len(ss))
	for i, s := range ss {
		out[i] = f(s)
	}
	return out
}

func nsOf(s sample) float64     { return s.ns }
func allocOf(s sample) float64  { return s.allocs }
func bytesOf(s sample) float64  { return s.bytes }
func fmtNs(x float64) string    { return strconv.FormatFloat(x, 'f', 0, 64) }
func fmtRatio(x float64) string { return strconv.FormatFloat(x, 'f', 2, 64) }

// ratios returns a/b per round (rounds present in both).
func ratios(a, b []sample) []float64 {
	n := min(len(a), len(b))
	out := make([]float64, n)
	for i := range n {
		out[i] = a[i].ns / b[i].ns
	}
	return out
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func goVersion() string {
	out, err := exec.Command("go", "version").Output()
	if err != nil {
		return runtime.Version()
	}
	return strings.TrimSpace(string(out))
}

// vectorInfo is what the target checks need to know about a vector.
type vectorInfo struct {
	Fmt          string   `json:"fmt"`
	TrustAnchors []string `json:"trustAnchors"`
	Expect       struct {
		AttestationType string `json:"attestationType"`
	} `json:"expect"`
}

func loadInfo() map[string]vectorInfo {
	dir := os.Getenv("WEBAUTHN_VECTORS")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "vectors")
	}
	out := map[string]vectorInfo{}
	files, _ := filepath.Glob(filepath.Join(dir, "w3c", "*.json"))
	more, _ := filepath.Glob(filepath.Join(dir, "peers", "tpm", "*.json"))
	for _, p := range append(files, more...) {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		var vi vectorInfo
		if json.Unmarshal(b, &vi) == nil {
			out[strings.TrimSuffix(filepath.Base(p), ".json")] = vi
		}
	}
	return out
}

func report(res results) {
	fmt.Printf("# passkeykit/webauthn vs go-webauthn v0.18.2 vs the stdlib floor\n\n")
	fmt.Printf("- machine: %s, %d cores (GOMAXPROCS %d), %s/%s\n", cpuModel(), runtime.NumCPU(), *cpus, runtime.GOOS, runtime.GOARCH)
	fmt.Printf("- %s\n", goVersion())
	fmt.Printf("- %s, %d interleaved rounds, -benchtime %s, load average at the end %s\n",
		time.Now().UTC().Format(time.RFC3339), *rounds, *benchtime, loadavg())
	if f := strings.Fields(loadavg()); len(f) > 0 {
		if l, err := strconv.ParseFloat(f[0], 64); err == nil && l > float64(runtime.NumCPU()) {
			fmt.Printf("- **warning: load average %.1f exceeds the %d cores: other work shared the CPUs, ratios are unreliable; rerun when quiet**\n", l, runtime.NumCPU())
		}
	}
	fmt.Printf("- cells: median of the rounds, (min–max) when they differ; ratios are per round, then median (min–max)\n\n")

	var vectors []string
	seen := map[string]bool{}
	for name := range res {
		parts := strings.Split(name, "/")
		if len(parts) == 3 && (parts[0] == "BenchmarkRegistration" || parts[0] == "BenchmarkAuthentication") {
			key := parts[0] + "/" + parts[1]
			if !seen[key] {
				seen[key] = true
				vectors = append(vectors, key)
			}
		}
	}
	slices.Sort(vectors)
	for _, key := range vectors {
		fmt.Printf("### %s\n\n", key)
		fmt.Printf("| side | ns/op | allocs/op | B/op |\n|---|---:|---:|---:|\n")
		for _, s := range sides {
			ss := res[key+"/"+s]
			if len(ss) == 0 {
				continue
			}
			fmt.Printf("| %s | %s | %s | %s |\n", s, cell(field(ss, nsOf)), cell(field(ss, allocOf)), cell(field(ss, bytesOf)))
		}
		fmt.Println()
		var rs []string
		for _, p := range [][2]string{{"ours", "go-webauthn"}, {"ours-warm", "go-webauthn"}, {"ours", "go-webauthn-mds"}, {"ours-warm", "go-webauthn-mds"}, {"ours", "floor"}, {"ours-warm", "floor"}} {
			a, b := res[key+"/"+p[0]], res[key+"/"+p[1]]
			if len(a) == 0 || len(b) == 0 {
				continue
			}
			st := statOf(ratios(a, b))
			rs = append(rs, fmt.Sprintf("%s/%s %s (%s–%s)", p[0], p[1], fmtRatio(st.med), fmtRatio(st.min), fmtRatio(st.max)))
		}
		if len(rs) > 0 {
			fmt.Printf("ratios: %s\n\n", strings.Join(rs, "; "))
		}
	}

	var other []string
	for name := range res {
		if strings.HasPrefix(name, "BenchmarkParse/") || strings.HasPrefix(name, "BenchmarkParallel/") {
			other = append(other, name)
		}
	}
	slices.Sort(other)
	if len(other) > 0 {
		fmt.Printf("### BenchmarkParse, BenchmarkParallel\n\n| benchmark | ns/op | allocs/op | B/op |\n|---|---:|---:|---:|\n")
		for _, name := range other {
			ss := res[name]
			fmt.Printf("| %s | %s | %s | %s |\n", strings.TrimPrefix(name, "Benchmark"), cell(field(ss, nsOf)), cell(field(ss, allocOf)), cell(field(ss, bytesOf)))
		}
		fmt.Println()
	}
}

func cell(xs []float64) string {
	st := statOf(xs)
	if st.min == st.max {
		return fmtNs(st.med)
	}
	return fmtNs(st.med) + " (" + fmtNs(st.min) + "–" + fmtNs(st.max) + ")"
}

// targets checks the project's performance targets and prints one row per check.
func targets(res results, info map[string]vectorInfo, loads [][]loadRow) {
	fmt.Printf("### Targets\n\n| target | benchmark | measured | verdict |\n|---|---|---|---|\n")
	row := func(target, bench, measured string, ok bool) {
		v := "met"
		if !ok {
			v = "**missed**"
		}
		fmt.Printf("| %s | %s | %s | %s |\n", target, bench, measured, v)
	}
	ratio := func(a, b string) (stat, bool) {
		x, y := res[a], res[b]
		if len(x) == 0 || len(y) == 0 {
			return stat{}, false
		}
		return statOf(ratios(x, y)), true
	}
	spread := func(st stat) string {
		return fmtRatio(st.med) + " (" + fmtRatio(st.min) + "–" + fmtRatio(st.max) + ")"
	}
	var names []string
	for name := range res {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if strings.HasPrefix(name, "BenchmarkParse/") {
			a := statOf(field(res[name], allocOf)).max
			row("parse layer 0 allocs/op", name, fmtNs(a)+" allocs/op", a == 0)
		}
	}
	for _, name := range names {
		parts := strings.Split(name, "/")
		if len(parts) != 3 || parts[2] != "ours" {
			continue
		}
		base := parts[0] + "/" + parts[1]
		vi := info[parts[1]]
		if parts[0] == "BenchmarkRegistration" {
			certs := vi.Fmt != "none" && vi.Expect.AttestationType != "self"
			if vi.Fmt == "none" {
				if st, ok := ratio(name, base+"/go-webauthn"); ok {
					row("none ≤ 1/15 of go-webauthn", base, "ours/go-webauthn "+spread(st), st.med <= 1.0/15)
				}
				if st, ok := ratio(base+"/go-webauthn", name); ok {
					row("none ≥ 10× faster than go-webauthn (issue 17)", base, "go-webauthn/ours "+spread(st), st.med >= 10)
				}
				a := statOf(field(res[name], allocOf)).med
				row("none ≤ 3 allocs", base, fmtNs(a)+" allocs/op", a <= 3)
				continue
			}
			if st, ok := ratio(name, base+"/floor"); ok {
				row("signed cold ≤ 1.10 × floor", base, "ours/floor "+spread(st), st.med <= 1.10)
				if certs {
					row("x5c cold ≤ 0.95 × floor (issue 17 §2)", base, "ours/floor "+spread(st), st.med <= 0.95)
				}
			}
			if certs {
				if st, ok := ratio(base+"/ours-warm", base+"/go-webauthn"); ok {
					row("certs warm ≤ 0.6 × go-webauthn", base, "ours-warm/go-webauthn "+spread(st), st.med <= 0.6)
				}
			}
			if len(vi.TrustAnchors) > 0 {
				if st, ok := ratio(base+"/ours-warm", base+"/floor"); ok {
					row("judged chain warm ≤ 0.8 × cold floor", base, "ours-warm/floor "+spread(st), st.med <= 0.8)
				}
			}
			if vi.Fmt == "tpm" {
				if st, ok := ratio(base+"/go-webauthn", base+"/ours-warm"); ok {
					row("tpm warm ≥ 2.5× faster than go-webauthn", base, "go-webauthn/ours-warm "+spread(st), st.med >= 2.5)
				}
				a := statOf(field(res[name], allocOf)).med
				if strings.Contains(parts[1], "-rs") {
					// Issue 17 §2 counts RSA verification's own allocations
					// apart: the row holds these vectors to the floor, whose
					// allocations are x509.ParseCertificate's and RSA's.
					f := statOf(field(res[base+"/floor"], allocOf)).med
					row("tpm RSA cold allocs < floor (RSA's own counted apart)", base, fmtNs(a)+" allocs/op, floor "+fmtNs(f), f > 0 && a < f)
				} else {
					row("tpm cold ≤ 60 allocs", base, fmtNs(a)+" allocs/op", a <= 60)
				}
			}
		} else if strings.Contains(parts[1], "es256") {
			if st, ok := ratio(base+"/ours-warm", base+"/floor"); ok {
				row("ES256 authentication warm ≤ 1.05 × floor", base, "ours-warm/floor "+spread(st), st.med <= 1.05)
			}
		}
	}
	for _, name := range names {
		if strings.HasPrefix(name, "BenchmarkParallel/") && strings.HasSuffix(name, "@cpu1") {
			two := strings.TrimSuffix(name, "@cpu1") + "@cpu2"
			if st, ok := ratio(name, two); ok {
				row("parallel -cpu 2 ≥ 1.8× -cpu 1 throughput", strings.TrimSuffix(name, "@cpu1"), "throughput ×"+spread(st), st.med >= 1.8)
			}
		}
	}
	// Issue 21: the server's CPU per sign-in through the HTTP layer and the
	// memory store, against one P-256 verification measured in the same run.
	for _, key := range loadKeys(loads) {
		if !strings.HasPrefix(key, "ours-mem@") {
			continue
		}
		var xs []float64
		for _, round := range loads {
			for _, r := range round {
				if r.key() == key && r.P256 > 0 {
					xs = append(xs, float64(r.SignInCPU)/float64(r.P256))
				}
			}
		}
		if len(xs) > 0 {
			st := statOf(xs)
			row("sign-in server CPU ≤ 2 × one P-256 verify (issue 21)", "cmd/load "+key, "CPU/sign-in ÷ P-256 "+spread(st), st.med <= 2)
		}
	}
	fmt.Println()
}
