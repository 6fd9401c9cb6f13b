package scheduling

import (
	"github.com/sparkdiag/sparkdiag/detectors/detectortest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
	"github.com/sparkdiag/sparkdiag/eventlog/testlogs"
)

var load = detectortest.Load

func run(d *detectors.Detector, app *appmodel.Application, params map[string]float64) []detectors.Finding {
	cfg := &detectors.Config{Params: map[string]map[string]float64{d.ID: params}}
	return detectors.Run(app, []*detectors.Detector{d}, cfg)
}

func corpus(version, name string) string { return testlogs.Testdata("spark", "logs", version, name) }

// driver_gaps.json (testdata/README.md): a local[4] batch application with a
// 60 s gap between two jobs, after a job that collected 100 MiB.
var driverGaps = filepath.Join("testdata", "driver_gaps.json")

func TestOverhead(t *testing.T) {
	for _, v := range []string{"3.5.9", "4.3.0"} {
		for _, tc := range []struct {
			log  string
			fire bool
		}{
			// Q14: 2 x 4000 tasks of a few ms.
			{"partitions_too_many", true},
			{"healthy", false},
			{"skew_agg.lz4", false},
			{"join_spill.snappy", false},
			{"small_files_read.zstd", false},
		} {
			t.Run(v+"/"+tc.log, func(t *testing.T) {
				app := load(t, corpus(v, tc.log))
				fs := run(Overhead, app, nil)
				if !tc.fire {
					for _, f := range fs {
						t.Errorf("unexpected finding: %s", f.Message)
					}
					return
				}
				if len(fs) != 1 {
					t.Fatalf("%d findings, want 1", len(fs))
				}
				f := fs[0]
				if !strings.Contains(f.Advice.Explanation, "few milliseconds") {
					t.Errorf("cause not tiny tasks: %s", f.Advice.Explanation)
				}
				found := false
				for _, c := range f.Advice.Changes {
					found = found || c.Key == "spark.sql.shuffle.partitions"
				}
				if !found || f.Impact.SavingsMs <= 0 {
					t.Errorf("changes %+v, savings %d", f.Advice.Changes, f.Impact.SavingsMs)
				}
			})
		}
	}
}

// Ten tasks with long scheduler delays (a Spark 1.5 YARN PythonPi run) are
// warm-up, not overhead worth a finding.
func TestOverheadFewTasks(t *testing.T) {
	app := load(t, filepath.Join(testlogs.Shared(t), "dr-elephant/test/resources/spark_event_logs/event_log_1"))
	if fs := run(Overhead, app, nil); len(fs) != 0 {
		t.Errorf("unexpected finding: %s", fs[0].Message)
	}
	if fs := run(Overhead, app, map[string]float64{"minTasks": 1}); len(fs) != 1 {
		t.Errorf("want a finding without the task floor, got %d", len(fs))
	}
}

func TestDriver(t *testing.T) {
	app := load(t, driverGaps)
	fs := run(Driver, app, nil)
	if len(fs) != 1 {
		t.Fatalf("%d findings, want 1", len(fs))
	}
	f := fs[0]
	if f.Impact.WallClockMs != 60000 || f.Severity != detectors.Error {
		t.Errorf("driver time %d ms, severity %s", f.Impact.WallClockMs, f.Severity)
	}
	if !strings.Contains(f.Message, "before job 1 (write report)") || !strings.Contains(f.Message, "inside SQL execution 1") {
		t.Errorf("message %q", f.Message)
	}
	var sqlMs, betweenMs float64
	for _, e := range f.Evidence {
		switch {
		case strings.HasPrefix(e.Name, "gaps inside SQL"):
			sqlMs = e.Value
		case strings.HasPrefix(e.Name, "gaps between"):
			betweenMs = e.Value
		}
	}
	if sqlMs != 10000 || betweenMs != 50000 {
		t.Errorf("inside SQL %v ms, between %v ms; want 10000 and 50000", sqlMs, betweenMs)
	}
	if !strings.Contains(f.Advice.Explanation, "Stage 0 returned 100 MiB") {
		t.Errorf("explanation does not name the collect: %s", f.Advice.Explanation)
	}
	if f.CallSite != "report.py:40" {
		t.Errorf("call site %q", f.CallSite)
	}

	// Thresholds.
	if fs := run(Driver, app, map[string]float64{"minDriverMs": 61000}); len(fs) != 0 {
		t.Errorf("fired under a 61 s floor")
	}
	if fs := run(Driver, app, map[string]float64{"minShare": 0.7}); len(fs) != 0 {
		t.Errorf("fired under a 70%% share")
	}

	// An interactive session with the same timeline stays quiet unless asked.
	app.Name = "Spark shell"
	if fs := run(Driver, app, nil); len(fs) != 0 {
		t.Errorf("fired on an interactive session: %s", fs[0].Message)
	}
	if fs := run(Driver, app, map[string]float64{"includeInteractive": 1}); len(fs) != 1 {
		t.Errorf("includeInteractive: %d findings", len(fs))
	}
}

func TestDriverQuiet(t *testing.T) {
	dir := testlogs.Testdata("spark", "logs", "3.5.9")
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Skip(err)
	}
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), "driver_bound.") {
			continue // the driver-bound scenario: DRIVER001 must fire there
		}
		if strings.HasPrefix(e.Name(), "cluster_") {
			// The cluster runs are scored on their own, and only reported
			// for now (detectors/all, clusterGate).
			continue
		}
		if strings.HasPrefix(e.Name(), "long_lineage.") {
			// Re-planning its ever longer plan is real driver time (Q21);
			// the label leaves driver-bottleneck open there.
			continue
		}
		t.Run(e.Name(), func(t *testing.T) {
			app := load(t, filepath.Join(dir, e.Name()))
			for _, f := range run(Driver, app, nil) {
				t.Errorf("unexpected finding: %s", f.Message)
			}
		})
	}
}
