//go:build unix

package cli

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestAnalyzeFifo: `sparkdiag analyze <(aws s3 cp s3://.../log -)` hands
// over a named pipe (as /dev/fd/N). It was refused as "not a regular
// file"; it is read once, the codec (zstd here, under a name that says
// nothing) sniffed from its first bytes.
func TestAnalyzeFifo(t *testing.T) {
	data, err := os.ReadFile(publicLog)
	if err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"summary", "analyze"} {
		p := filepath.Join(t.TempDir(), "log")
		if err := syscall.Mkfifo(p, 0o600); err != nil {
			t.Skipf("mkfifo: %v", err)
		}
		done := make(chan error, 1)
		go func() {
			f, err := os.OpenFile(p, os.O_WRONLY, 0)
			if err != nil {
				done <- err
				return
			}
			_, err = f.Write(data)
			f.Close()
			done <- err
		}()
		out, errs, code := run(t, nil, cmd, "-f", "json", p)
		if code != ExitOK {
			// Let the writer go before failing.
			if f, err := os.OpenFile(p, os.O_RDWR, 0); err == nil {
				go func() {
					buf := make([]byte, 1<<16)
					for {
						if _, err := f.Read(buf); err != nil {
							return
						}
					}
				}()
				defer f.Close()
			}
			t.Fatalf("%s: exit %d: %s", cmd, code, errs)
		}
		if !strings.Contains(out, `"application_1603128018386_7759"`) {
			t.Errorf("%s: the log in the pipe was not read", cmd)
		}
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("writing the pipe: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("the writer of the pipe is stuck")
		}
	}
}
