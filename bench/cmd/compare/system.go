package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The system-level part of the report (issue 17 §3, issue 21): sign-ins
// through the HTTP layer, challenge memory, MDS load, and the load program.

// metric returns the samples' values of one reported unit.
func metric(ss []sample, unit string) []float64 {
	out := make([]float64, 0, len(ss))
	for _, s := range ss {
		out = append(out, s.m[unit])
	}
	return out
}

func fmtF(x float64, prec int) string { return strconv.FormatFloat(x, 'f', prec, 64) }

// cellF is cell with a scale and precision.
func cellF(xs []float64, scale float64, prec int) string {
	st := statOf(xs)
	st.med, st.min, st.max = st.med*scale, st.min*scale, st.max*scale
	if fmtF(st.min, prec) == fmtF(st.max, prec) {
		return fmtF(st.med, prec)
	}
	return fmtF(st.med, prec) + " (" + fmtF(st.min, prec) + "–" + fmtF(st.max, prec) + ")"
}

func reportSystem(res results) {
	var signIns []string
	for name := range res {
		if strings.HasPrefix(name, "BenchmarkSignIn/") {
			signIns = append(signIns, name)
		}
	}
	slices.Sort(signIns)
	if len(signIns) > 0 {
		fmt.Printf("### Sign-ins through the HTTP layer (BenchmarkSignIn)\n\n")
		fmt.Printf("One sign-in = login/begin + login/finish over loopback HTTP, 16 concurrent clients, the server in a child process with GOMAXPROCS = -cpu. " +
			"Server CPU is the server process's getrusage per sign-in (ours-redis: + redis-server's); per core = 1 s ÷ that; × P-256 against BenchmarkP256Verify's CPU time per verify at the same -cpu in the same round.\n\n")
		fmt.Printf("| server | -cpu | sign-ins/s | server CPU µs | redis CPU µs | × P-256 | sign-ins/s per core | p50 ms | p99 ms | server allocs | server B |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
		for _, name := range signIns {
			ss := res[name]
			kind, cpu, _ := strings.Cut(strings.TrimPrefix(name, "BenchmarkSignIn/"), "@cpu")
			p256 := res["BenchmarkP256Verify@cpu"+cpu]
			var thr, perCore, x []float64
			for i, s := range ss {
				c := s.m["server-ns/op"] + s.m["redis-ns/op"]
				thr = append(thr, 1e9/s.ns)
				perCore = append(perCore, 1e9/c)
				if i < len(p256) && p256[i].m["cpu-ns/op"] > 0 {
					x = append(x, c/p256[i].m["cpu-ns/op"])
				}
			}
			fmt.Printf("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", kind, cpu, cellF(thr, 1, 0),
				cellF(metric(ss, "server-ns/op"), 1e-3, 0), cellF(metric(ss, "redis-ns/op"), 1e-3, 0), cellF(x, 1, 2),
				cellF(perCore, 1, 0), cellF(metric(ss, "p50-ns"), 1e-6, 1), cellF(metric(ss, "p99-ns"), 1e-6, 1),
				cellF(metric(ss, "server-allocs/op"), 1, 0), cellF(metric(ss, "server-B/op"), 1, 0))
		}
		fmt.Println()
		var sc []string
		for _, name := range signIns {
			if strings.HasSuffix(name, "@cpu1") {
				two := strings.TrimSuffix(name, "@cpu1") + "@cpu2"
				if a, b := res[name], res[two]; len(a) > 0 && len(b) > 0 {
					st := statOf(ratios(a, b))
					sc = append(sc, fmt.Sprintf("%s ×%s (%s–%s)", strings.TrimSuffix(strings.TrimPrefix(name, "BenchmarkSignIn/"), "@cpu1"), fmtRatio(st.med), fmtRatio(st.min), fmtRatio(st.max)))
				}
			}
		}
		if len(sc) > 0 {
			fmt.Printf("throughput -cpu 2 ÷ -cpu 1 (clients share the same cores): %s\n\n", strings.Join(sc, "; "))
		}
		for _, c := range []string{"1", "2"} {
			if ss := res["BenchmarkP256Verify@cpu"+c]; len(ss) > 0 {
				fmt.Printf("one P-256 verify (BenchmarkP256Verify -cpu %s): %s ns wall, %s ns CPU\n", c, cell(field(ss, nsOf)), cellF(metric(ss, "cpu-ns/op"), 1, 0))
			}
		}
		fmt.Println()
	}
	var mem []string
	for name := range res {
		if strings.HasPrefix(name, "BenchmarkChallengeMemory/") {
			mem = append(mem, name)
		}
	}
	slices.Sort(mem)
	if len(mem) > 0 {
		fmt.Printf("### Memory per outstanding challenge (BenchmarkChallengeMemory)\n\nceremony.Lifecycle Start into a MemStore, one session per challenge; live heap after GC, before and after.\n\n")
		fmt.Printf("| challenge | bytes held per challenge | Start ns | allocs/Start |\n|---|---:|---:|---:|\n")
		for _, name := range mem {
			ss := res[name]
			fmt.Printf("| %s | %s | %s | %s |\n", strings.TrimPrefix(name, "BenchmarkChallengeMemory/"), cellF(metric(ss, "held-B/challenge"), 1, 0), cell(field(ss, nsOf)), cell(field(ss, allocOf)))
		}
		fmt.Println()
	}
	ours, gw := res["BenchmarkMDSLoad/ours"], res["BenchmarkMDSLoad/go-webauthn"]
	if len(ours) > 0 || len(gw) > 0 {
		fmt.Printf("### FIDO MDS: loading a generated BLOB (BenchmarkMDSLoad)\n\n")
		fmt.Printf("| side | entries | BLOB MB | load ms | MB/s | allocs | allocated MB | held MB after load |\n|---|---:|---:|---:|---:|---:|---:|---:|\n")
		for _, side := range []string{"ours", "go-webauthn"} {
			ss := res["BenchmarkMDSLoad/"+side]
			if len(ss) == 0 {
				continue
			}
			fmt.Printf("| %s | %s | %s | %s | %s | %s | %s | %s |\n", side, cellF(metric(ss, "entries"), 1, 0), cellF(metric(ss, "blob-B"), 1e-6, 1), cellF(field(ss, nsOf), 1e-6, 0),
				cellF(metric(ss, "MB/s"), 1, 1), cell(field(ss, allocOf)), cellF(field(ss, bytesOf), 1e-6, 1), cellF(metric(ss, "held-B"), 1e-6, 1))
		}
		if len(ours) > 0 && len(gw) > 0 {
			st := statOf(ratios(ours, gw))
			fmt.Printf("\nours/go-webauthn load time %s (%s–%s)\n", fmtRatio(st.med), fmtRatio(st.min), fmtRatio(st.max))
		}
		fmt.Println()
	}
}

// loadRow is one run of cmd/load as its -json writes it.
type loadRow struct {
	Server           string        `json:"server"`
	ServerGOMAXPROCS int           `json:"serverGomaxprocs"`
	Clients          int           `json:"clients"`
	Users            int           `json:"users"`
	RegPerSec        float64       `json:"registrationsPerSec"`
	RegCPU           time.Duration `json:"registrationCpuNs"`
	SignIns          int           `json:"signIns"`
	SignInsPerSec    float64       `json:"signInsPerSec"`
	P50              time.Duration `json:"p50Ns"`
	P95              time.Duration `json:"p95Ns"`
	P99              time.Duration `json:"p99Ns"`
	SignInCPU        time.Duration `json:"signInCpuNs"`
	RedisCPU         time.Duration `json:"signInRedisCpuNs"`
	P256             time.Duration `json:"p256VerifyNs"`
	PerCore          float64       `json:"signInsPerSecPerCore"`
	ViolationCount   int           `json:"violationCount"`
	Violations       []string      `json:"violations"`
}

func (r loadRow) key() string { return r.Server + "@cpu" + strconv.Itoa(r.ServerGOMAXPROCS) }

// loadServers are the servers each load round drives.
const loadServers = "ours-mem,ours-redis,go-webauthn,http-floor"

// runLoad runs the load program once over every server at server GOMAXPROCS
// 1 and 2.
func runLoad(bin string) ([]loadRow, error) {
	out := filepath.Join(filepath.Dir(bin), "load.json")
	servers := loadServers
	if _, err := exec.LookPath("redis-server"); err != nil {
		servers = "ours-mem,go-webauthn,http-floor"
		fmt.Fprintln(os.Stderr, "compare: redis-server not installed: the load program runs without ours-redis")
	}
	cmd := exec.Command(bin, "-server", servers, "-server-cpu", "1,2", "-users", strconv.Itoa(*loadUsers),
		"-clients", strconv.Itoa(*loadCli), "-duration", loadDur.String(), "-json", out)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("cmd/load: %w", err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		return nil, err
	}
	var rows []loadRow
	return rows, json.Unmarshal(b, &rows)
}

// loadKeys lists the server@cpuN keys of the load rounds, sorted.
func loadKeys(loads [][]loadRow) []string {
	var keys []string
	for _, round := range loads {
		for _, r := range round {
			if !slices.Contains(keys, r.key()) {
				keys = append(keys, r.key())
			}
		}
	}
	slices.Sort(keys)
	return keys
}

func reportLoad(loads [][]loadRow) {
	fmt.Printf("### Load program (cmd/load: %s, -server-cpu 1,2, %d users, %d clients, sign-ins for %s per run)\n\n", loadServers, *loadUsers, *loadCli, *loadDur)
	fmt.Printf("Real register and sign-in round trips; invariants checked against each server's user store after every run. CPU is the server process's (getrusage; ours-redis adds redis-server's), P-256 one ecdsa.VerifyASN1 measured in the same run (thread CPU time).\n\n")
	fmt.Printf("| server | procs | reg/s | sign-ins/s | p50 ms | p95 ms | p99 ms | CPU µs/sign-in | (of which redis) | × P-256 | sign-ins/s per core | CPU µs/registration | invariants |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n")
	for _, key := range loadKeys(loads) {
		var reg, si, p50, p95, p99, cpu, redis, x, perCore, regCPU []float64
		viol := 0
		for _, round := range loads {
			for _, r := range round {
				if r.key() != key {
					continue
				}
				reg, si = append(reg, r.RegPerSec), append(si, r.SignInsPerSec)
				p50, p95, p99 = append(p50, float64(r.P50)), append(p95, float64(r.P95)), append(p99, float64(r.P99))
				cpu, redis = append(cpu, float64(r.SignInCPU)), append(redis, float64(r.RedisCPU))
				if r.P256 > 0 {
					x = append(x, float64(r.SignInCPU)/float64(r.P256))
				}
				perCore, regCPU = append(perCore, r.PerCore), append(regCPU, float64(r.RegCPU))
				viol += r.ViolationCount
			}
		}
		inv := "hold"
		if viol > 0 {
			inv = fmt.Sprintf("**%d broken**", viol)
		}
		server, procs, _ := strings.Cut(key, "@cpu")
		fmt.Printf("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", server, procs, cellF(reg, 1, 0), cellF(si, 1, 0),
			cellF(p50, 1e-6, 1), cellF(p95, 1e-6, 1), cellF(p99, 1e-6, 1), cellF(cpu, 1e-3, 0), cellF(redis, 1e-3, 0),
			cellF(x, 1, 2), cellF(perCore, 1, 0), cellF(regCPU, 1e-3, 0), inv)
	}
	var p256 []float64
	for _, round := range loads {
		if len(round) > 0 {
			p256 = append(p256, float64(round[0].P256))
		}
	}
	fmt.Printf("\none P-256 verify in these runs: %s µs CPU\n\n", cellF(p256, 1e-3, 1))
	// What each server spends above the HTTP floor (the same round trips
	// and one P-256 verify, no WebAuthn), per round.
	for _, key := range loadKeys(loads) {
		server, procs, _ := strings.Cut(key, "@cpu")
		if server == "http-floor" {
			continue
		}
		var above, x []float64
		for _, round := range loads {
			var a, f *loadRow
			for i := range round {
				switch round[i].key() {
				case key:
					a = &round[i]
				case "http-floor@cpu" + procs:
					f = &round[i]
				}
			}
			if a != nil && f != nil && a.P256 > 0 {
				above = append(above, float64(a.SignInCPU-f.SignInCPU))
				x = append(x, float64(a.SignInCPU-f.SignInCPU)/float64(a.P256))
			}
		}
		if len(above) > 0 {
			fmt.Printf("- %s above the http-floor: %s µs CPU per sign-in (%s × P-256)\n", key, cellF(above, 1e-3, 0), cellF(x, 1, 2))
		}
	}
	fmt.Println()
	for _, round := range loads {
		for _, r := range round {
			for _, v := range r.Violations {
				fmt.Printf("- %s: %s\n", r.key(), v)
			}
		}
	}
}
