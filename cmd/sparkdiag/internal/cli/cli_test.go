package cli

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	json "github.com/goccy/go-json"
	"github.com/sparkdiag/sparkdiag/eventlog/testlogs"
)

var update = flag.Bool("update", false, "rewrite the golden files")

const publicLog = "../../../../testdata/public/rp_sql_eventlog.zstd"

// run runs sparkdiag with args and returns stdout, stderr and the exit code.
func run(t *testing.T, stdin []byte, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	s := &Streams{In: bytes.NewReader(stdin), Out: &out, Err: &errb}
	code := Main(args, s)
	return out.String(), errb.String(), code
}

// golden compares got with testdata/name, or rewrites it with -update. On a
// mismatch it writes testdata/name.got for inspection.
func golden(t *testing.T, name, got string) {
	t.Helper()
	testlogs.Golden(t, filepath.Join("testdata", name), got, *update)
}

func TestSummaryText(t *testing.T) {
	out, errs, code := run(t, nil, "summary", publicLog)
	if code != ExitOK {
		t.Fatalf("exit %d, stderr %s", code, errs)
	}
	golden(t, "summary_rp_sql.txt", out)
}

func TestSummaryJSON(t *testing.T) {
	out, errs, code := run(t, nil, "summary", "--format", "json", publicLog)
	if code != ExitOK {
		t.Fatalf("exit %d, stderr %s", code, errs)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if doc["schemaVersion"].(float64) != 1 {
		t.Errorf("schemaVersion = %v", doc["schemaVersion"])
	}
	app := doc["app"].(map[string]any)
	if app["id"] != "application_1603128018386_7759" || app["sparkVersion"] != "3.1.1" {
		t.Errorf("app = %v %v", app["id"], app["sparkVersion"])
	}
	in := doc["input"].(map[string]any)
	if in["events"].(float64) != 477 || in["complete"] != true || in["skippedLines"].(float64) != 0 {
		t.Errorf("input = %v", in)
	}
	// Stable output: a second run prints the same bytes.
	out2, _, _ := run(t, nil, "summary", "--format", "json", publicLog)
	if out != out2 {
		t.Error("JSON output is not stable between runs")
	}
	// Arrays are never null.
	if strings.Contains(out, ": null") {
		t.Error("JSON output has null values")
	}
	golden(t, "summary_rp_sql.json", out)
}

func TestSummaryStdin(t *testing.T) {
	data, err := os.ReadFile(publicLog)
	if err != nil {
		t.Fatal(err)
	}
	out, errs, code := run(t, data, "summary", "-f", "json", "-")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, `"application_1603128018386_7759"`) {
		t.Error("stdin log not read")
	}
}

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage")
	os.WriteFile(garbage, []byte("not an event log\nat all\n"), 0o644)
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, nil, 0o644)
	bomb := filepath.Join(dir, "bomb.lz4")
	// An lz4-java block header declaring a 2 GiB block.
	os.WriteFile(bomb, append([]byte("LZ4Block\x25\x10\x00\x00\x00\x00\x00\x00\x80\x00\x00\x00\x00"), make([]byte, 16)...), 0o644)
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"no command", []string{}, ExitOK, ""},
		{"no log", []string{"summary"}, ExitUsage, "requires at least 1 arg"},
		{"unknown flag", []string{"summary", "--nope", publicLog}, ExitUsage, "unknown flag"},
		{"bad format", []string{"summary", "-f", "xml", publicLog}, ExitUsage, `--format: unknown format "xml"`},
		{"unknown command", []string{"frobnicate"}, ExitUsage, "unknown command"},
		{"missing file", []string{"summary", filepath.Join(dir, "nope")}, ExitNoInput, "sparkdiag: no such file: " + filepath.Join(dir, "nope") + "\n"},
		{"garbage", []string{"summary", garbage}, ExitNoInput, garbage + `: not a Spark event log (first line: "not an event log")`},
		{"empty", []string{"summary", empty}, ExitNoInput, "empty"},
		{"bomb", []string{"summary", bomb}, ExitNoInput, "bomb.lz4"},
		// A nightly job with a mistyped path must not pass.
		{"one good one missing", []string{"summary", publicLog, filepath.Join(dir, "nope")}, ExitNoInput, "1 of 2 inputs could not be read"},
		{"one good one missing, keep going", []string{"summary", "--keep-going", publicLog, filepath.Join(dir, "nope")}, ExitOK, "no such file"},
		{"analyze: one good one not a log", []string{"analyze", publicLog, garbage}, ExitNoInput, "1 of 2 inputs could not be read"},
		{"analyze: keep going", []string{"analyze", "--keep-going", publicLog, garbage}, ExitOK, "not a Spark event log"},
		{"analyze: unreadable beats --fail-on", []string{"analyze", "--fail-on", "info", publicLog, filepath.Join(dir, "nope")}, ExitNoInput, "no such file"},
		{"review: missing path", []string{"review", "../../../../testdata/public", filepath.Join(dir, "nope")}, ExitNoInput, "1 of 2 inputs could not be read"},
		{"review: pattern matching nothing", []string{"review", "../../../../testdata/public", filepath.Join(dir, "nope*")}, ExitNoInput, "no file matches"},
		{"review: keep going", []string{"review", "--keep-going", "../../../../testdata/public", filepath.Join(dir, "nope")}, ExitOK, "no such file"},
		{"review: a broken log inside a directory", []string{"review", dir, "../../../../testdata/public"}, ExitOK, "bomb.lz4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errs, code := run(t, nil, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr: %s", code, tt.code, errs)
			}
			if !strings.Contains(errs, tt.stderr) {
				t.Errorf("stderr %q does not mention %q", errs, tt.stderr)
			}
		})
	}
}

func TestHelpHasExamples(t *testing.T) {
	out, _, code := run(t, nil, "summary", "--help")
	if code != ExitOK || !strings.Contains(out, "Examples:") || !strings.Contains(out, "sparkdiag summary") {
		t.Errorf("summary --help lacks examples (exit %d):\n%s", code, out)
	}
}
