package redis

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// The tests run against a real redis-server started on a free loopback port.
// Without redis-server they skip with a loud message, unless CI is set, in
// which case TestMain fails: CI must never pass by skipping.

var (
	mainServer *server
	noServer   string // why the tests skip, when they do
)

func TestMain(m *testing.M) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		msg := "redis-server is not installed: the Redis store tests did NOT run (apt-get install -y redis-server)"
		if ci := os.Getenv("CI"); ci != "" && ci != "false" && ci != "0" {
			fmt.Fprintln(os.Stderr, "FAIL: "+msg+", and CI="+ci+" forbids skipping")
			os.Exit(1)
		}
		bar := strings.Repeat("!", 78)
		fmt.Fprintf(os.Stderr, "%s\n!!! SKIP: %s\n%s\n", bar, msg, bar)
		noServer = msg
		os.Exit(m.Run())
	}
	goredis.SetLogger(quiet{}) // the outage tests make go-redis log every failed dial
	s, err := startServer("")
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL: starting redis-server:", err)
		os.Exit(1)
	}
	mainServer = s
	code := m.Run()
	s.stop()
	os.Exit(code)
}

// needServer skips t when redis-server is absent (see TestMain).
func needServer(tb testing.TB) {
	tb.Helper()
	if noServer != "" {
		tb.Skip("SKIPPED: " + noServer)
	}
}

// server is a redis-server subprocess.
type server struct {
	port int
	args []string
	cmd  *exec.Cmd
	done chan struct{}
}

// freePort returns a loopback TCP port nothing listens on right now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// startServer starts redis-server on a free port. With dir, it keeps an
// append-only file there, fsynced before every reply, so data survives a kill;
// without, it persists nothing.
func startServer(dir string) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	args := []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--loglevel", "warning"}
	if dir != "" {
		args = append(args, "--dir", dir, "--appendonly", "yes", "--appendfsync", "always")
	} else {
		args = append(args, "--appendonly", "no")
	}
	s := &server{port: port, args: args}
	return s, s.start()
}

// startCluster starts redis-server as a one-node Redis Cluster, its node
// file in dir, that serves only the hash slot of the hash tag tag: a script
// run there fails on any key of another slot ("non local key"), declared
// or not.
func startCluster(dir, tag string) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &server{port: port, args: []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--loglevel", "warning", "--dir", dir,
		"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
		"--cluster-require-full-coverage", "no"}}
	if err := s.start(); err != nil {
		return nil, err
	}
	c := goredis.NewClient(&goredis.Options{Addr: s.addr(), MaxRetries: -1})
	defer c.Close()
	ctx := context.Background()
	slot, err := c.ClusterKeySlot(ctx, "{"+tag+"}").Result()
	if err == nil {
		err = c.ClusterAddSlots(ctx, int(slot)).Err()
	}
	if err != nil {
		s.kill()
		return nil, err
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		info, err := c.ClusterInfo(ctx).Result()
		if err == nil && strings.Contains(info, "cluster_state:ok") {
			return s, nil
		}
		if time.Now().After(deadline) {
			s.kill()
			return nil, fmt.Errorf("cluster on %s not ready: %v %q", s.addr(), err, info)
		}
	}
}

func (s *server) addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

func (s *server) start() error {
	s.cmd = exec.Command("redis-server", s.args...)
	var out bytes.Buffer // shown only when it does not start
	s.cmd.Stdout = &out
	s.cmd.Stderr = &out
	if err := s.cmd.Start(); err != nil {
		return err
	}
	s.done = make(chan struct{})
	go func() { s.cmd.Wait(); close(s.done) }()
	c := goredis.NewClient(&goredis.Options{Addr: s.addr(), MaxRetries: -1})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-s.done:
			return fmt.Errorf("redis-server exited: %v\n%s", s.cmd.ProcessState, out.String())
		default:
		}
		if time.Now().After(deadline) {
			s.kill()
			return fmt.Errorf("redis-server on %s not ready: %w\n%s", s.addr(), err, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill stops the server at once (SIGKILL), like a crash.
func (s *server) kill() {
	s.cmd.Process.Kill()
	<-s.done
}

// stop stops the server gracefully.
func (s *server) stop() {
	s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		s.kill()
	}
}

// client returns a client of s closed when tb ends.
func (s *server) client(tb testing.TB) *goredis.Client {
	return s.clientRetries(tb, 0)
}

// clientRetries is client with go-redis's MaxRetries (0: its default of 3
// with backoff; -1: none).
func (s *server) clientRetries(tb testing.TB, retries int) *goredis.Client {
	c := goredis.NewClient(&goredis.Options{
		Addr:        s.addr(),
		MaxRetries:  retries,
		DialTimeout: time.Second,
		ReadTimeout: 2 * time.Second,
		PoolSize:    32,
	})
	tb.Cleanup(func() { c.Close() })
	return c
}

// quiet discards go-redis's log.
type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}
