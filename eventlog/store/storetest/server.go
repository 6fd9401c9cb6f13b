// Package storetest starts real store servers on loopback addresses for
// tests: an S3 server (versitygw), a GCS emulator (fake-gcs-server), Azurite
// and an HDFS minicluster. Each Start function lays out a local folder of
// logs in the store, returns where it is, and stops what it started (by
// PID) when the test ends.
//
// A server that is not installed makes the test skip with a message that
// says how to install it, unless SPARKDIAG_REQUIRE_STORES=1 (set by
// .ci/run), which makes it fail instead.
package storetest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// Required reports whether missing servers must fail tests rather than
// skip them.
func Required() bool { return os.Getenv("SPARKDIAG_REQUIRE_STORES") == "1" }

// Missing skips t (or fails it when servers are required) because what is
// named is not installed.
func Missing(t testing.TB, what, install string) {
	t.Helper()
	msg := fmt.Sprintf("%s is not installed (%s); .ci/run installs it", what, install)
	if Required() {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Proc is a server process started for a test.
type Proc struct {
	cmd  *exec.Cmd
	out  bytes.Buffer
	done chan struct{} // closed when the process has exited
}

// Start runs name with args in its own process group, its output kept for
// failure messages, and stops it (the whole group, by PID) when t ends.
func Start(t testing.TB, env []string, name string, args ...string) *Proc {
	t.Helper()
	p := &Proc{cmd: exec.Command(name, args...), done: make(chan struct{})}
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = &syncWriter{b: &p.out}, &syncWriter{b: &p.out}
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(p.Stop)
	return p
}

// Stop ends the process group: SIGTERM, then SIGKILL after 5 s.
func (p *Proc) Stop() {
	select {
	case <-p.done:
		return
	default:
	}
	pid := p.cmd.Process.Pid
	_ = syscall.Kill(-pid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		<-p.done
	}
}

// Output is what the process printed so far.
func (p *Proc) Output() string { return syncString(&p.out) }

// WaitPort waits until addr accepts TCP connections, failing t after
// timeout with the process's output.
func (p *Proc) WaitPort(t testing.TB, addr string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			t.Fatalf("%s exited before listening on %s:\n%s", filepath.Base(p.cmd.Path), addr, p.Output())
		default:
		}
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s did not listen on %s within %s:\n%s", filepath.Base(p.cmd.Path), addr, timeout, p.Output())
}

// Tool finds an installed program: the path in the environment variable
// env when set, else name on PATH, else name in dirs. "" when absent.
func Tool(env, name string, dirs ...string) string {
	if p := os.Getenv(env); p != "" {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	return ""
}

// CacheDir is where .ci/run installs the servers:
// $SPARKDIAG_CI_CACHE or ~/.cache/sparkdiag.
func CacheDir() string {
	if d := os.Getenv("SPARKDIAG_CI_CACHE"); d != "" {
		return d
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "sparkdiag")
}
