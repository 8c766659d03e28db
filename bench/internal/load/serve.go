package load

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The environment a child server process is started with. A program that
// can act as a server (cmd/load, the bench test binary) calls
// ServeFromEnv first thing.
const (
	envServe      = "BENCH_LOAD_SERVE"      // the server kind
	envRedis      = "BENCH_LOAD_REDIS"      // ServerOptions.RedisAddr
	envCPUProfile = "BENCH_LOAD_CPUPROFILE" // write a CPU profile of the server here
)

// ServeFromEnv serves, when BENCH_LOAD_SERVE names a kind, that server on a
// loopback port: it prints "listening <URL>" on stdout, serves until stdin
// is closed, and exits the process. With BENCH_LOAD_CPUPROFILE it writes a
// CPU profile there from POST /_load/profile (Run sends it before the
// sign-in phase) until it exits. Without the variable it returns at once.
func ServeFromEnv() {
	kind := os.Getenv(envServe)
	if kind == "" {
		return
	}
	if err := serve(kind); err != nil {
		os.Stderr.WriteString("load server: " + err.Error() + "\n")
		os.Exit(1)
	}
	os.Exit(0)
}

func serve(kind string) error {
	s, err := NewServer(kind, ServerOptions{RedisAddr: os.Getenv(envRedis)})
	if err != nil {
		return err
	}
	defer s.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	h := http.Handler(s)
	if p := os.Getenv(envCPUProfile); p != "" {
		// The profile covers the sign-in phase: the driver starts it with
		// POST /_load/profile once the users are registered.
		f, err := os.Create(p)
		if err != nil {
			return err
		}
		defer f.Close()
		var once sync.Once
		mux := http.NewServeMux()
		mux.Handle("/", s)
		mux.HandleFunc("POST /_load/profile", func(w http.ResponseWriter, r *http.Request) {
			var err error
			once.Do(func() { err = pprof.StartCPUProfile(f) })
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
			}
		})
		defer pprof.StopCPUProfile()
		h = mux
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(l)
	os.Stdout.WriteString("listening http://" + l.Addr().String() + "\n")
	io.Copy(io.Discard, os.Stdin) // until the parent closes stdin
	return srv.Close()
}

// Proc is a server running in a child process.
type Proc struct {
	URL   string
	cmd   *exec.Cmd
	stdin io.WriteCloser
}

// SpawnOptions configure Spawn.
type SpawnOptions struct {
	ServerOptions
	// GOMAXPROCS of the server; 0 leaves the default.
	GOMAXPROCS int
	// CPUProfile is a file the server writes its CPU profile to when it stops.
	CPUProfile string
}

// Spawn starts exe (a program calling ServeFromEnv) as a server of kind
// and waits until it listens.
func Spawn(exe, kind string, o SpawnOptions) (*Proc, error) {
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), envServe+"="+kind, envRedis+"="+o.RedisAddr, envCPUProfile+"="+o.CPUProfile)
	if o.GOMAXPROCS > 0 {
		cmd.Env = append(cmd.Env, "GOMAXPROCS="+strconv.Itoa(o.GOMAXPROCS))
	}
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "listening ")
	if err != nil || !ok {
		stdin.Close()
		cmd.Wait()
		return nil, errors.New("load: the server process did not start: " + strings.TrimSpace(line))
	}
	return &Proc{URL: url, cmd: cmd, stdin: stdin}, nil
}

// Stop ends the server process and waits for it (and its CPU profile).
func (p *Proc) Stop() error {
	p.stdin.Close()
	return p.cmd.Wait()
}

// Redis is a redis-server child process on a loopback port, persisting
// nothing.
type Redis struct {
	Addr string
	cmd  *exec.Cmd
}

// StartRedis starts redis-server (from PATH) and waits until it answers.
func StartRedis() (*Redis, error) {
	path, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, errors.New("load: redis-server is not installed")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(path, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--loglevel", "warning")
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	r := &Redis{Addr: "127.0.0.1:" + strconv.Itoa(port), cmd: cmd}
	for range 100 {
		c, err := net.Dial("tcp", r.Addr)
		if err == nil {
			c.Write([]byte("PING\r\n"))
			buf := make([]byte, 7)
			n, _ := io.ReadFull(c, buf)
			c.Close()
			if n == 7 && string(buf) == "+PONG\r\n" {
				return r, nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	r.Stop()
	return nil, errors.New("load: redis-server did not answer")
}

// CPU returns the redis-server process's CPU time so far (Linux
// /proc/<pid>/stat utime+stime), or 0 when it cannot be read.
func (r *Redis) CPU() time.Duration { return procCPU(r.cmd.Process.Pid) }

// procCPU returns the CPU time of process pid so far (Linux
// /proc/<pid>/stat utime+stime, 10 ms resolution), or 0 when it cannot be
// read.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// Fields after the parenthesised command name; utime and stime are
	// fields 14 and 15 of stat(5), in clock ticks (USER_HZ, 100 on Linux).
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	return time.Duration(u+st) * 10 * time.Millisecond
}

// Stop kills the Redis server.
func (r *Redis) Stop() {
	r.cmd.Process.Kill()
	r.cmd.Wait()
}
