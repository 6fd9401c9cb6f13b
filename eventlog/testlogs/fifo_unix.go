//go:build unix

package testlogs

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// Fifo makes a named pipe called name in a new temporary folder and writes
// content into it from a goroutine (opening a pipe for writing blocks until
// a reader opens it). wait returns the writer's error once it is done, or
// an error after 30 s. When the test ends, a writer still blocked (the
// pipe was never read, or not to its end) is released by reading the pipe
// to its end, and waited for. The test skips where pipes cannot be made.
func Fifo(t testing.TB, name string, content []byte) (path string, wait func() error) {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	done := make(chan struct{})
	var werr error
	go func() {
		defer close(done)
		f, err := os.OpenFile(p, os.O_WRONLY, 0)
		if err != nil {
			werr = err
			return
		}
		_, err = f.Write(content)
		werr = errors.Join(err, f.Close())
	}()
	wait = func() error {
		select {
		case <-done:
			return werr
		case <-time.After(30 * time.Second):
			return errors.New("the writer of the pipe is stuck")
		}
	}
	t.Cleanup(func() {
		select {
		case <-done:
			return
		default:
		}
		// A pipe opened for reading and writing never blocks: drain it
		// until the writer is done.
		if f, err := os.OpenFile(p, os.O_RDWR, 0); err == nil {
			go io.Copy(io.Discard, f)
			defer f.Close()
		}
		if err := wait(); err != nil && !errors.Is(err, syscall.EPIPE) {
			t.Error(err)
		}
	})
	return p, wait
}
