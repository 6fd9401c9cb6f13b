package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	json "github.com/goccy/go-json"

	"github.com/sparkdiag/sparkdiag/eventlog/testlogs"
)

// Two real runs of the same skewed join, with AQE's skew-join handling on
// (BASE) and off (NEW).
const (
	skewOn  = "../../../../testdata/spark/logs/3.5.9/skew_join_on.zstd"
	skewOff = "../../../../testdata/spark/logs/3.5.9/skew_join_off.lzf"
)

func needLogs(t *testing.T, paths ...string) {
	t.Helper()
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("log not available: %v", err)
		}
	}
}

func TestDiffText(t *testing.T) {
	needLogs(t, skewOn, skewOff)
	out, errs, code := run(t, nil, "diff", skewOn, skewOff)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	// The names differ: a warning, not a failure.
	if !strings.Contains(errs, "application names differ") {
		t.Errorf("no name warning on stderr: %q", errs)
	}
	golden(t, "diff/skew_join_on_off.txt", out)
}

func TestDiffJSON(t *testing.T) {
	needLogs(t, skewOn, skewOff)
	out, errs, code := run(t, nil, "diff", "-f", "json", "-q", skewOn, skewOff)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if errs != "" {
		t.Errorf("-q still wrote %q", errs)
	}
	var doc struct {
		SchemaVersion int `json:"schemaVersion"`
		Verdict       struct {
			Class  string   `json:"class"`
			Causes []string `json:"causes"`
		} `json:"verdict"`
		Config struct {
			Changes []struct {
				Key         string `json:"key"`
				Performance bool   `json:"performance"`
			} `json:"changes"`
		} `json:"config"`
		Stages []struct {
			MatchedBy string `json:"matchedBy"`
		} `json:"stages"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if doc.SchemaVersion != 1 || doc.Verdict.Class != "faster" || len(doc.Stages) != 7 {
		t.Errorf("schemaVersion %d, class %q, %d stages", doc.SchemaVersion, doc.Verdict.Class, len(doc.Stages))
	}
	if len(doc.Config.Changes) == 0 || doc.Config.Changes[0].Key != "spark.sql.adaptive.skewJoin.enabled" || !doc.Config.Changes[0].Performance {
		t.Errorf("config changes %+v", doc.Config.Changes)
	}
	out2, _, _ := run(t, nil, "diff", "-f", "json", "-q", skewOn, skewOff)
	if out != out2 {
		t.Error("JSON output is not stable between runs")
	}
	golden(t, "diff/skew_join_on_off.json", out)
}

func TestDiffMarkdown(t *testing.T) {
	needLogs(t, skewOn, skewOff)
	out, errs, code := run(t, nil, "diff", "--format", "md", "-q", skewOff, skewOn)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.HasPrefix(out, "# sparkdiag diff: skew\\_join\\_on\n") || !strings.Contains(out, "## Verdict: ") {
		t.Errorf("markdown:\n%s", out)
	}
}

func TestDiffAcrossSparkVersions(t *testing.T) {
	a, b := "../../../../testdata/spark/logs/3.5.9/task_retries.zstd", "../../../../testdata/spark/logs/4.3.0/task_retries.zstd"
	needLogs(t, a, b)
	out, errs, code := run(t, nil, "diff", "-f", "json", a, b)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var doc struct {
		Stages []struct {
			MatchedBy string `json:"matchedBy"`
		} `json:"stages"`
		NewStages []any `json:"newStages"`
		Removed   []any `json:"removedStages"`
		Findings  struct {
			Same []struct {
				DetectorID string `json:"detectorId"`
			} `json:"same"`
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	// Spark 4 reports other internal frames: the stages still match, by
	// name, and the failures are the same finding in both.
	if len(doc.Stages) != 2 || len(doc.NewStages)+len(doc.Removed) != 0 {
		t.Errorf("%d matched, %d new, %d removed", len(doc.Stages), len(doc.NewStages), len(doc.Removed))
	}
	fail := false
	for _, f := range doc.Findings.Same {
		fail = fail || f.DetectorID == "FAIL001"
	}
	if !fail {
		t.Errorf("FAIL001 not the same finding in both runs: %+v", doc.Findings)
	}
}

func TestDiffExitCodes(t *testing.T) {
	needLogs(t, skewOn, skewOff)
	dir := t.TempDir()
	two := filepath.Join(dir, "two")
	os.Mkdir(two, 0o755)
	for _, p := range []string{skewOn, publicLog} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(two, filepath.Base(p)), b, 0o644)
	}
	garbage := filepath.Join(dir, "garbage")
	os.WriteFile(garbage, []byte("not an event log\n"), 0o644)
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"one log", []string{"diff", skewOn}, ExitUsage, "two logs"},
		{"three logs", []string{"diff", skewOn, skewOff, skewOn}, ExitUsage, "two logs"},
		{"bad format", []string{"diff", "-f", "html", skewOn, skewOff}, ExitUsage, "--format"},
		{"bad ratio", []string{"diff", "--fail-on-slowdown", "fast", skewOn, skewOff}, ExitUsage, "--fail-on-slowdown"},
		{"bad severity", []string{"diff", "--fail-on", "fatal", skewOn, skewOff}, ExitUsage, "--fail-on"},
		{"both stdin", []string{"diff", "-", "-"}, ExitUsage, "standard input"},
		{"two applications", []string{"diff", two, skewOff}, ExitUsage, "holds 2 applications"},
		{"missing base", []string{"diff", filepath.Join(dir, "nope"), skewOff}, ExitNoInput, "BASE"},
		{"garbage new", []string{"diff", skewOn, garbage}, ExitNoInput, "NEW"},
		// NEW (on, 37.5 s) took 1.8x BASE (off, 20.7 s).
		{"slowdown over the limit", []string{"diff", "-q", "--fail-on-slowdown", "1.5", skewOff, skewOn}, ExitFindings, "more than --fail-on-slowdown 1.5"},
		{"slowdown under the limit", []string{"diff", "-q", "--fail-on-slowdown", "2", skewOff, skewOn}, ExitOK, ""},
		{"faster never fails", []string{"diff", "-q", "--fail-on-slowdown", "1.01", skewOn, skewOff}, ExitOK, ""},
		// With the skew join off, two new warnings (SKEW001, CONF002).
		{"new warning", []string{"diff", "-q", "-f", "json", "--fail-on", "warning", skewOn, skewOff}, ExitFindings, ""},
		{"no new error", []string{"diff", "-q", "--fail-on", "error", skewOn, skewOff}, ExitOK, ""},
		{"gone findings do not fail", []string{"diff", "-q", "--fail-on", "warning", skewOff, skewOn}, ExitOK, ""},
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

func TestDiffStdin(t *testing.T) {
	needLogs(t, skewOn, skewOff)
	data, err := os.ReadFile(skewOn)
	if err != nil {
		t.Fatal(err)
	}
	viaStdin, errs, code := run(t, data, "diff", "-q", "-f", "json", "-", skewOff)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	direct, _, _ := run(t, nil, "diff", "-q", "-f", "json", skewOn, skewOff)
	// Only the path differs.
	if strings.Replace(viaStdin, `"path": "-"`, `"path": "`+skewOn+`"`, 1) != direct {
		t.Error("BASE on standard input gives another diff")
	}
}

func TestDiffHelp(t *testing.T) {
	out, _, code := run(t, nil, "diff", "--help")
	if code != ExitOK || !strings.Contains(out, "Examples:") || !strings.Contains(out, "sparkdiag diff") ||
		!strings.Contains(out, "--fail-on-slowdown") {
		t.Errorf("diff --help lacks examples or flags (exit %d):\n%s", code, out)
	}
}

// TestDiffAcrossLayouts compares runs stored in different layouts: a
// History Server zip of a rolling directory against the rolling directory
// itself, and a plain log against its zip: the same application, nothing
// moves.
func TestDiffAcrossLayouts(t *testing.T) {
	v := testlogs.Testdata("spark", "logs", "3.5.9")
	tmp := t.TempDir()
	rolling := filepath.Join(v, "partitions_too_many")
	entries, err := os.ReadDir(rolling)
	if err != nil || len(entries) != 1 {
		t.Fatalf("rolling log: %v", err)
	}
	rollingZip := filepath.Join(tmp, "rolling.zip")
	zipOf(t, filepath.Join(rolling, entries[0].Name()), rollingZip)
	plainZip := filepath.Join(tmp, "plain.zip")
	zipOf(t, filepath.Join(v, "healthy"), plainZip)
	for _, c := range [][2]string{
		{rollingZip, filepath.Join(rolling, entries[0].Name())},
		{filepath.Join(v, "healthy"), plainZip},
	} {
		out, errs, code := run(t, nil, "diff", "-f", "json", c[0], c[1])
		if code != ExitOK {
			t.Fatalf("diff %s %s: exit %d: %s", c[0], c[1], code, errs)
		}
		var d struct {
			Verdict struct {
				Class         string  `json:"class"`
				DurationRatio float64 `json:"durationRatio"`
			} `json:"verdict"`
			Stages        []struct{ MatchedBy string } `json:"stages"`
			NewStages     []any                        `json:"newStages"`
			RemovedStages []any                        `json:"removedStages"`
		}
		if err := json.Unmarshal([]byte(out), &d); err != nil {
			t.Fatal(err)
		}
		if d.Verdict.Class != "unchanged" || d.Verdict.DurationRatio != 1 || len(d.Stages) == 0 || len(d.NewStages)+len(d.RemovedStages) != 0 {
			t.Errorf("diff of one application in two layouts: %+v, %d stages, %d new, %d removed", d.Verdict, len(d.Stages), len(d.NewStages), len(d.RemovedStages))
		}
	}
}
