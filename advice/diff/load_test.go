package diff

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/sparkdiag/sparkdiag/eventlog"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
	"github.com/sparkdiag/sparkdiag/eventlog/source"
)

// loadSide reads one log and runs the detectors on it, skipping the test
// when the log is absent.
func loadSide(t testing.TB, path string) Side {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("log not available: %v", err)
	}
	logs, err := source.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(logs) != 1 {
		t.Fatalf("%s: %d applications", path, len(logs))
	}
	app, st, err := appmodel.Load(logs[0], eventlog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return Side{Path: path, App: app, Stats: st, Findings: Detect(app)}
}

// TestDebugDiff prints the diff of two logs named by the environment
// (SPARKDIAG_DIFF_BASE, SPARKDIAG_DIFF_NEW); it is a tool for calibrating
// the thresholds, skipped otherwise.
func TestDebugDiff(t *testing.T) {
	bp, np := os.Getenv("SPARKDIAG_DIFF_BASE"), os.Getenv("SPARKDIAG_DIFF_NEW")
	if bp == "" || np == "" {
		t.Skip("set SPARKDIAG_DIFF_BASE and SPARKDIAG_DIFF_NEW")
	}
	d := Compare(loadSide(t, bp), loadSide(t, np), Options{})
	b, _ := json.MarshalIndent(d, "", "  ")
	os.Stdout.Write(b)
}
