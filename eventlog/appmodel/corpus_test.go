package appmodel_test

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/sparkdiag/sparkdiag/eventlog"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
	"github.com/sparkdiag/sparkdiag/eventlog/source"
	"github.com/sparkdiag/sparkdiag/eventlog/testlogs"
)

// manifestRow is one file of ../shared/eventlogs/MANIFEST.md.
type manifestRow struct {
	path         string
	codec        string
	version      string // "" when the file has no version line
	lines        int
	parsed       int
	continuation bool
}

var versionRe = regexp.MustCompile(`^(\d+\.\d+\.\d+[\w.-]*)`)

func readManifest(t *testing.T, dir string) []manifestRow {
	f, err := os.Open(filepath.Join(dir, "MANIFEST.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []manifestRow
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		cells := strings.Split(line, " | ")
		if len(cells) < 10 {
			continue
		}
		r := manifestRow{path: strings.Trim(cells[0], "| `"), codec: cells[5]}
		ver := cells[6]
		if m := versionRe.FindString(ver); m != "" && !strings.Contains(ver, "no LogStart") {
			r.version = m
		}
		r.continuation = strings.Contains(ver, "continuation") || strings.Contains(ver, "excerpt")
		lp := strings.Split(cells[7], " / ")
		if len(lp) != 2 {
			continue
		}
		r.lines, _ = strconv.Atoi(strings.TrimSpace(lp[0]))
		r.parsed, _ = strconv.Atoi(strings.TrimSpace(lp[1]))
		rows = append(rows, r)
	}
	if len(rows) < 50 {
		t.Fatalf("MANIFEST.md: only %d rows parsed", len(rows))
	}
	return rows
}

// TestSharedCorpusFiles reads every file of the shared corpus on its own:
// the events counted equal the lines that parse, malformed lines are
// reported, and the application id and Spark version are found.
func TestSharedCorpusFiles(t *testing.T) {
	dir := testlogs.Shared(t)
	for _, r := range readManifest(t, dir) {
		if r.lines == 0 {
			continue // zero-byte marker files
		}
		t.Run(r.path, func(t *testing.T) {
			logs, err := source.Open(filepath.Join(dir, r.path))
			if err != nil {
				t.Fatal(err)
			}
			if len(logs) != 1 {
				t.Fatalf("got %d logs, want 1", len(logs))
			}
			app, st, err := appmodel.Load(logs[0], eventlog.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if st.Events != r.parsed {
				t.Errorf("events = %d, want %d (manifest)", st.Events, r.parsed)
			}
			if got := r.lines - r.parsed; st.SkippedLines != got {
				t.Errorf("skipped lines = %d, want %d; problems: %v", st.SkippedLines, got, st.Problems)
			}
			if app.SparkVersion != r.version {
				t.Errorf("spark version = %q, want %q", app.SparkVersion, r.version)
			}
			if app.ID == "" && !r.continuation {
				t.Errorf("no application id found")
			}
		})
	}
}

// TestSharedCorpusLayouts reads the multi-file layouts as one log each.
func TestSharedCorpusLayouts(t *testing.T) {
	dir := testlogs.Shared(t)
	tests := []struct {
		path     string
		layout   source.Layout
		appID    string
		version  string
		events   int
		complete bool
	}{
		{"spark-rapids-tools/core/src/test/resources/spark-events-qualification/eventlog_v2_local-1623876083964", source.Rolling, "local-1623876083964", "3.1.1", 5370 + 251, true},
		{"spark-rapids-tools/core/src/test/resources/spark-events-qualification/db_sim_eventlog", source.Databricks, "local-1623876083964", "3.1.1", 5370 + 251, true},
		{"spark/legacy-v1.2-dir-format/core/src/test/resources/spark-events/local-1422981759269", source.V1Dir, "local-1422981759269", "1.2.0", 88, true},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.path), func(t *testing.T) {
			logs, err := source.Open(filepath.Join(dir, tt.path))
			if err != nil {
				t.Fatal(err)
			}
			if len(logs) != 1 {
				t.Fatalf("got %d logs, want 1", len(logs))
			}
			if logs[0].Layout != tt.layout {
				t.Errorf("layout = %s, want %s", logs[0].Layout, tt.layout)
			}
			app, st, err := appmodel.Load(logs[0], eventlog.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if st.Events != tt.events {
				t.Errorf("events = %d, want %d", st.Events, tt.events)
			}
			if app.ID != tt.appID {
				t.Errorf("app id = %q, want %q", app.ID, tt.appID)
			}
			if app.SparkVersion != tt.version {
				t.Errorf("version = %q, want %q", app.SparkVersion, tt.version)
			}
			if app.Complete != tt.complete {
				t.Errorf("complete = %v, want %v", app.Complete, tt.complete)
			}
		})
	}
}
