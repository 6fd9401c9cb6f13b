//go:build unix

package cli

import (
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	json "github.com/goccy/go-json"
)

// TestHelperMain is not a test: run by the tests below as a subprocess
// (SPARKDIAG_HELPER_ARGS set), it is sparkdiag.
func TestHelperMain(t *testing.T) {
	a := os.Getenv("SPARKDIAG_HELPER_ARGS")
	if a == "" {
		t.Skip("only a helper process")
	}
	var args []string
	if a == "argv" {
		// Started as "sparkdiag" by a wrapper script: the arguments
		// follow "--" on the command line (see helperScript).
		args = flag.Args()
	} else if err := json.Unmarshal([]byte(a), &args); err != nil {
		os.Exit(99)
	}
	os.Exit(Main(args, &Streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}))
}

// Interrupting (SIGINT) or terminating (SIGTERM) a review that is
// downloading from a History Server removes what it downloaded.
func TestReviewHistoryServerInterruptCleansUp(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.HasSuffix(r.URL.Path, "/applications") {
					io.WriteString(w, `[{"id":"app-1","name":"x","attempts":[{"startTimeEpoch":1700000000000,"endTimeEpoch":1700000600000,"completed":true}]}]`)
					return
				}
				// A log that takes its time: some bytes, then nothing.
				io.WriteString(w, "PK\x03\x04")
				w.Write(make([]byte, 256<<10))
				w.(http.Flusher).Flush()
				<-r.Context().Done()
			}))
			defer srv.Close()
			dl := t.TempDir()
			args, _ := json.Marshal([]string{"review", "-q", "--history-server", srv.URL, "--hs-download-dir", dl})
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperMain$")
			cmd.Env = append(os.Environ(), "SPARKDIAG_HELPER_ARGS="+string(args))
			var errb strings.Builder
			cmd.Stderr = &errb
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// Wait for the partial download to appear.
			deadline := time.Now().Add(20 * time.Second)
			for {
				parts, _ := filepath.Glob(filepath.Join(dl, "sparkdiag-hs-*", "*.part"))
				if len(parts) > 0 {
					if fi, err := os.Stat(parts[0]); err == nil && fi.Size() > 0 {
						break
					}
				}
				if time.Now().After(deadline) {
					cmd.Process.Kill()
					cmd.Wait()
					t.Fatalf("no download started; stderr:\n%s", errb.String())
				}
				time.Sleep(20 * time.Millisecond)
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				cmd.Process.Kill()
				t.Fatal("still running 20 s after the signal")
			}
			ents, _ := os.ReadDir(dl)
			for _, e := range ents {
				t.Errorf("left behind: %s", e.Name())
			}
			if code := cmd.ProcessState.ExitCode(); code == 0 {
				t.Errorf("exit code 0 after %v", sig)
			}
			if t.Failed() {
				t.Logf("stderr:\n%s", errb.String())
			}
		})
	}
}

// An entry of the application list that cannot be read is skipped and
// reported on stderr (its id sanitized); the others are reviewed.
func TestReviewHistoryServerSkipsBadEntry(t *testing.T) {
	var (
		mu      sync.Mutex
		fetched []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/applications") {
			io.WriteString(w, `[
 {"id":"app-1","name":"x","attempts":[{"startTimeEpoch":1700000000000,"endTimeEpoch":1700000600000,"duration":600000,"completed":true}]},
 {"id":"app-2\u001b[2J","name":"y","attempts":[{"startTimeEpoch":1700000000000,"duration":"NaN","completed":true}]}
]`)
			return
		}
		mu.Lock()
		fetched = append(fetched, r.URL.Path)
		mu.Unlock()
		http.NotFound(w, r)
	}))
	defer srv.Close()
	_, errs, _ := run(t, nil, "review", "--history-server", srv.URL, "--hs-retries", "0", "--hs-download-dir", t.TempDir())
	if !strings.Contains(errs, "application list entry 2 (app-2\uFFFD[2J)") || !strings.Contains(errs, "skipped") {
		t.Errorf("stderr does not report the skipped entry:\n%s", errs)
	}
	if strings.Contains(errs, "\x1b") {
		t.Errorf("raw ESC on stderr:\n%q", errs)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(fetched) != 1 || !strings.Contains(fetched[0], "/applications/app-1/") {
		t.Errorf("fetched %v, want app-1's logs only", fetched)
	}
}
