package gc

import (
	"github.com/sparkdiag/sparkdiag/detectors/detectortest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
	"github.com/sparkdiag/sparkdiag/eventlog/testlogs"
)

var load = detectortest.Load

func runGC(app *appmodel.Application, params map[string]float64) []detectors.Finding {
	cfg := &detectors.Config{Params: map[string]map[string]float64{Detector.ID: params}}
	return detectors.Run(app, []*detectors.Detector{Detector}, cfg)
}

// gc_pressure.json (testdata/README.md): 3 executors x 4 cores, 4g heaps;
// stage 0 spends 23% of its run time in GC, most of it on executor 1.
func TestGCPressure(t *testing.T) {
	app := load(t, filepath.Join("testdata", "gc_pressure.json"))
	fs := runGC(app, nil)
	if len(fs) != 2 {
		t.Fatalf("%d findings, want a stage and an executor", len(fs))
	}
	st, ex := fs[0], fs[1]
	if st.Subject.StageID == nil || *st.Subject.StageID != 0 || st.Severity != detectors.Warning {
		t.Errorf("stage finding %+v", st.Subject)
	}
	if !strings.Contains(st.Message, "23.3%") {
		t.Errorf("message %q", st.Message)
	}
	var heap *detectors.Change
	for i, c := range st.Advice.Changes {
		if c.Key == "spark.executor.memory" {
			heap = &st.Advice.Changes[i]
		}
	}
	if heap == nil || heap.Current != "4g" || heap.Suggested != "6g" {
		t.Errorf("heap change %+v", heap)
	}
	if ex.Subject.Kind != detectors.SubjectExecutor || ex.Subject.ExecutorID != "1" {
		t.Errorf("executor finding %+v", ex.Subject)
	}
	if fs := runGC(app, map[string]float64{"minShare": 0.3, "executorOutlier": 100}); len(fs) != 0 {
		t.Errorf("fired above its thresholds: %s", fs[0].Message)
	}
	if fs := runGC(app, map[string]float64{"errorShare": 0.2}); len(fs) == 0 || fs[0].Severity != detectors.Error {
		t.Errorf("want an error at errorShare 0.2")
	}
}

func TestGCQuiet(t *testing.T) {
	for _, name := range []string{"healthy", "join_spill.snappy", "partitions_too_many", "partitions_too_few.zstd", "skew_agg.lz4"} {
		for _, v := range []string{"3.5.9", "4.3.0"} {
			t.Run(v+"/"+name, func(t *testing.T) {
				app := load(t, testlogs.Testdata("spark", "logs", v, name))
				for _, f := range runGC(app, nil) {
					t.Errorf("unexpected finding: %s", f.Message)
				}
			})
		}
	}
}

func TestJavaMajor(t *testing.T) {
	for v, want := range map[string]int{"1.8.0_292": 8, "17.0.15 (Debian)": 17, "11": 11, "": 0} {
		app := &appmodel.Application{JVM: map[string]string{"Java Version": v}}
		if got := javaMajor(app); got != want {
			t.Errorf("javaMajor(%q) = %d, want %d", v, got, want)
		}
	}
}

func TestExplicitCollector(t *testing.T) {
	for opts, want := range map[string]bool{
		"":                                     false,
		"-Dhdp.version=3.1.0.0-78":             false,
		"-Dhdp.version=3.1 -XX:+UseParallelGC": true,
		"-XX:+UseConcMarkSweepGC -Xss4m":       true,
		"-XX:+UseG1GC":                         true,
		"-XX:+PrintGCDetails -XX:+PrintGCDateStamps": false,
	} {
		if got := explicitCollector(opts); got != want {
			t.Errorf("explicitCollector(%q) = %v, want %v", opts, got, want)
		}
	}
}
