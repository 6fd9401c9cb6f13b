package writes

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/eventlog"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
	"github.com/sparkdiag/sparkdiag/eventlog/source"
	"github.com/sparkdiag/sparkdiag/eventlog/testlogs"
)

func load(t *testing.T, path string) *appmodel.Application {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Skipf("log not available: %s", path)
	}
	logs, err := source.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	app, _, err := appmodel.Load(logs[0], eventlog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return app
}

func corpus(version, name string) string { return testlogs.Testdata("spark", "logs", version, name) }

func local(name string) string { return filepath.Join("testdata", name) }

type tcase struct {
	name     string
	path     string
	d        *detectors.Detector
	want     int                // findings expected
	severity detectors.Severity // of the first finding, when want > 0 (0: any)
	contains []string           // in the first finding's message or advice
	stage    int                // expected subject stage, -1 for any
}

func check(t *testing.T, cases []tcase) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			app := load(t, c.path)
			fs := detectors.Run(app, []*detectors.Detector{c.d}, &detectors.Config{})
			if len(fs) != c.want {
				for _, f := range fs {
					t.Log(f.Message)
				}
				t.Fatalf("%s: %d findings, want %d", c.d.ID, len(fs), c.want)
			}
			if c.want == 0 {
				return
			}
			f := fs[0]
			if c.severity != 0 && f.Severity != c.severity {
				t.Errorf("severity %s, want %s", f.Severity, c.severity)
			}
			text := f.Message + "\n" + f.Advice.Explanation + "\n" + f.Advice.Snippet
			for _, ch := range f.Advice.Changes {
				text += "\n" + ch.Key + "=" + ch.Suggested + " " + ch.Why
			}
			for _, s := range c.contains {
				if !strings.Contains(text, s) {
					t.Errorf("finding lacks %q:\n%s", s, text)
				}
			}
			if c.stage >= 0 && (f.Subject.StageID == nil || *f.Subject.StageID != c.stage) {
				t.Errorf("subject %+v, want stage %d", f.Subject, c.stage)
			}
			if len(f.Evidence) == 0 || f.Advice.Explanation == "" || len(f.Advice.Changes) == 0 {
				t.Errorf("finding without evidence or advice: %+v", f)
			}
		})
	}
}

func TestAppendWrite(t *testing.T) {
	check(t, []tcase{
		// ten daily appends to one Parquet table.
		{"corpus append_writes 3.5", corpus("3.5.9", "append_writes.zstd"), Detector, 1, detectors.Warning,
			[]string{"10 SQL executions", "append_table", "mode Append", "2,000,000 rows", "spark.sql.sources.partitionOverwriteMode=dynamic"}, -1},
		{"corpus append_writes 4.3", corpus("4.3.0", "append_writes.zstd"), Detector, 1, detectors.Warning,
			[]string{"10 SQL executions", "append_table"}, -1},
		// overwrite writes only.
		{"corpus healthy", corpus("3.5.9", "healthy"), Detector, 0, 0, nil, -1},
		{"corpus small_files_write", corpus("3.5.9", "small_files_write.lzf"), Detector, 0, 0, nil, -1},
		{"corpus q11_partitionby_write", corpus("3.5.9", "q11_partitionby_write.zstd"), Detector, 0, 0, nil, -1},
		{"corpus cache_once", corpus("3.5.9", "cache_once.zstd"), Detector, 0, 0, nil, -1},
		// one append: a hint.
		{"single append", local("single_append.json"), Detector, 1, detectors.Info,
			[]string{"SQL 0 appends to file:/warehouse/events", "1,000,000 rows"}, -1},
		// four appends to a table partitioned by day.
		{"appends to a partitioned table", local("appends_partitioned.json"), Detector, 1, detectors.Warning,
			[]string{"4 SQL executions", "partitioned by day", `partitionBy("day")`}, -1},
	})
}
